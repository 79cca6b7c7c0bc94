// Verifies NEAR claims by agreement: NEAR's RPC gives no proof this node can check here
// (light-client proofs are not served by the devnet, and view_state proofs need NEAR's
// trie and a header chain), so a value rests on every configured endpoint (≥ 2, distinct)
// agreeing on the final block at that height and on the value read at that block's hash.
// The result says so (`restsOn: "quorum"`): agreement, not a proof. One endpoint that
// answers otherwise makes the claim fail with both answers named, never a value.
import type { ClaimResult, ClaimVerifyInit } from '../../../src/claims/types.ts'
import { ClaimRejectedError, EndpointDisagreementError } from '../../../src/claims/errors.ts'
import { InvalidClaimError } from '../../../src/claims/statement.ts'
import { NearRpcError } from '../errors.ts'
import type { NearStatement } from './statement.ts'

const TIMEOUT_MS = 15_000
const HASH = /^[1-9A-HJ-NP-Za-km-z]{32,44}$/
const DIGITS = /^[0-9]{1,40}$/

type Answer = { ok: true, result: unknown } | { ok: false, cause: string }

/** One JSON-RPC call; a handler error (unknown account, failed view) is an answer, the rest a NearRpcError. */
async function call (url: string, method: string, params: unknown): Promise<Answer> {
  let body: unknown
  try {
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: 'moorage', method, params }), signal: AbortSignal.timeout(TIMEOUT_MS) })
    if (!res.ok) throw new Error(`HTTP ${res.status}`)
    body = await res.json()
  } catch (err) {
    throw new NearRpcError(`NEAR endpoint ${url} failed on ${method}: ${(err as Error).message}`, { cause: err })
  }
  const b = body as { result?: unknown, error?: { name?: unknown, cause?: { name?: unknown } } } | null
  if (b === null || typeof b !== 'object') throw new ClaimRejectedError(`${url} sent a malformed JSON-RPC answer to ${method}`)
  if (b.error !== undefined) {
    const cause = b.error?.cause?.name
    if (b.error?.name === 'HANDLER_ERROR' && typeof cause === 'string') return { ok: false, cause }
    throw new NearRpcError(`NEAR endpoint ${url} failed on ${method}`, { details: JSON.stringify(b.error)?.slice(0, 300) })
  }
  return { ok: true, result: b.result }
}

async function result (url: string, method: string, params: unknown): Promise<Record<string, unknown>> {
  const a = await call(url, method, params)
  if (!a.ok) throw new NearRpcError(`NEAR endpoint ${url} failed on ${method}: ${a.cause}`)
  if (a.result === null || typeof a.result !== 'object') throw new ClaimRejectedError(`${url} sent a malformed ${method} answer`)
  return a.result as Record<string, unknown>
}

interface BlockRef { number: number, hash: string, timestamp: number }

async function header (url: string, params: unknown): Promise<BlockRef> {
  const a = await call(url, 'block', params)
  // An endpoint without that block is on another chain, or behind: no agreement either way.
  if (!a.ok && a.cause === 'UNKNOWN_BLOCK') throw new EndpointDisagreementError(`${url} has no block ${JSON.stringify(params)}`, { hint: 'the endpoints serve different chains, or one is behind' })
  if (!a.ok) throw new NearRpcError(`NEAR endpoint ${url} failed on block: ${a.cause}`)
  const h = (a.result as Record<string, unknown> | null)?.header as Record<string, unknown> | undefined
  const bad = (field: string): never => { throw new ClaimRejectedError(`${url} sent a malformed block header field ${field}`) }
  if (h === null || typeof h !== 'object') return bad('header')
  if (typeof h.height !== 'number' || !Number.isSafeInteger(h.height) || h.height < 0) bad('height')
  if (typeof h.hash !== 'string' || !HASH.test(h.hash)) bad('hash')
  if (typeof h.timestamp_nanosec !== 'string' || !DIGITS.test(h.timestamp_nanosec)) bad('timestamp_nanosec')
  return { number: h.height as number, hash: h.hash as string, timestamp: Number(BigInt(h.timestamp_nanosec as string) / 1_000_000_000n) }
}

/** The final block every endpoint agrees is at that height (the latest final one of the first endpoint, unless a height is given). */
async function agreedBlock (init: ClaimVerifyInit): Promise<BlockRef> {
  const first = await header(init.endpoints[0]!, init.block === undefined || init.block === 'latest' ? { finality: 'final' } : { block_id: init.block })
  const all = [first, ...await Promise.all(init.endpoints.slice(1).map(async (u) => await header(u, { block_id: first.number })))]
  if (new Set(all.map((b) => b.hash)).size !== 1) throw new EndpointDisagreementError('endpoints disagree on the block', { details: `block ${first.number}: ${init.endpoints.map((u, i) => `${u} ${all[i]!.hash}`).join(' vs ')}` })
  // Final at every endpoint: a block not yet final could still be replaced.
  await Promise.all(init.endpoints.map(async (u) => {
    const final = await header(u, { finality: 'final' })
    if (final.number < first.number) throw new EndpointDisagreementError(`block ${first.number} is not final yet at ${u} (its final block is ${final.number})`, { hint: 'try again in a few seconds, or name an older block' })
  }))
  return first
}

async function checkNetwork (init: ClaimVerifyInit): Promise<void> {
  if (init.network === undefined) return
  await Promise.all(init.endpoints.map(async (url) => {
    const id = (await result(url, 'status', [])).chain_id
    if (typeof id !== 'string') throw new ClaimRejectedError(`${url} sent a malformed chain id`)
    if (id !== init.network) throw new ClaimRejectedError(`${url} serves chain ${id}, the claim is about chain ${init.network}`, { hint: 'claims.<chain>.rpc must name endpoints of the network the claim is about' })
  }))
}

const b64 = (text: string): string => Buffer.from(text, 'utf8').toString('base64')

/** The value one endpoint states at `block` (by hash), or the error it answers, as text to compare. */
async function stated (url: string, s: NearStatement, block: BlockRef): Promise<string> {
  const at = { block_id: block.hash }
  const account = s.kind === 'balance' || s.kind === 'code-hash' ? s.account : s.contract
  const params = s.kind === 'view'
    ? { request_type: 'call_function', account_id: account, method_name: s.method, args_base64: b64(s.args), ...at }
    : s.kind === 'storage' ? { request_type: 'view_state', account_id: account, prefix_base64: s.key, ...at } : { request_type: 'view_account', account_id: account, ...at }
  const a = await call(url, 'query', params)
  if (!a.ok) return `error ${a.cause}`
  const r = a.result as Record<string, unknown> | null
  const bad = (field: string): never => { throw new ClaimRejectedError(`${url} sent a malformed query answer (${field})`) }
  if (r === null || typeof r !== 'object') return bad('not an object')
  // The answer must be about the block asked for.
  if (r.block_hash !== block.hash || r.block_height !== block.number) throw new ClaimRejectedError(`${url} answered for another block than the agreed one`, { details: `asked ${block.number} ${block.hash}, got ${String(r.block_height)} ${String(r.block_hash)}` })
  switch (s.kind) {
    case 'balance': return typeof r.amount === 'string' && DIGITS.test(r.amount) ? `value ${BigInt(r.amount)}` : bad('amount')
    case 'code-hash': return typeof r.code_hash === 'string' && HASH.test(r.code_hash) ? `value ${r.code_hash}` : bad('code_hash')
    case 'view': {
      if (!Array.isArray(r.result) || !r.result.every((x) => Number.isInteger(x) && x >= 0 && x < 256)) return bad('result')
      try { return `value ${new TextDecoder('utf-8', { fatal: true }).decode(new Uint8Array(r.result as number[]))}` } catch { return 'error the view returned bytes that are not UTF-8 text' }
    }
    case 'storage': {
      if (!Array.isArray(r.values)) return bad('values')
      const hit = (r.values as Array<{ key?: unknown, value?: unknown }>).find((e) => e?.key === s.key)
      if (hit === undefined) return 'value '
      return typeof hit.value === 'string' ? `value ${hit.value}` : bad('value')
    }
  }
}

export async function verifyNearClaim (statement: NearStatement, init: ClaimVerifyInit): Promise<ClaimResult> {
  if (init.checkpoint !== undefined) throw new InvalidClaimError('claim options: NEAR claims rest on endpoints agreeing, not on a proof: a pinned checkpoint would leave the value on one endpoint\'s word', { hint: 'give ≥ 2 independent endpoints instead (docs/claims.md)' })
  if (init.endpoints.length < 2) throw new ClaimRejectedError('a quorum needs at least 2 endpoints', { hint: 'configure a second independent endpoint (NEAR claims rest on agreement)' })
  if (new Set(init.endpoints).size !== init.endpoints.length) throw new InvalidClaimError('claim options: an endpoint is named twice; the same endpoint twice is not a quorum', { hint: 'give ≥ 2 independent endpoints' })
  await checkNetwork(init)
  const block = await agreedBlock(init)
  const answers = await Promise.all(init.endpoints.map(async (u) => await stated(u, statement, block)))
  if (new Set(answers).size !== 1) {
    throw new EndpointDisagreementError(`endpoints disagree on the ${statement.kind} at block ${block.number}`, { details: init.endpoints.map((u, i) => `${u}: ${answers[i]!.slice(0, 120)}`).join('; '), hint: 'at least one endpoint is wrong or lying; which one cannot be told without a proof' })
  }
  const answer = answers[0]!
  let value: string
  if (answer.startsWith('value ')) value = answer.slice(6)
  else if (answer === 'error UNKNOWN_ACCOUNT' && statement.kind === 'balance') value = '0'
  else throw new ClaimRejectedError(`the ${statement.kind} cannot be read at block ${block.number}: ${answer.slice(6)}`, { details: `every endpoint answered ${answer.slice(6)}` })
  return { statement, value, restsOn: 'quorum', block, agreedBy: init.endpoints }
}
