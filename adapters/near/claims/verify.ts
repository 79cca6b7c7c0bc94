// Verifies NEAR state claims by agreement: NEAR's light-client proofs cover execution
// outcomes (claims/outcome.ts), not state, and view_state proofs need NEAR's trie, which is
// not checked here; so a state value rests on every configured endpoint (≥ 2, distinct)
// agreeing on the final block at that height and on the value read at that block's hash.
// The result says so (`restsOn: "quorum"`): agreement, not a proof. One endpoint that
// answers otherwise makes the claim fail with both answers named, never a value.
import type { ClaimResult, ClaimVerifyInit } from '../../../src/claims/types.ts'
import { ClaimRejectedError, EndpointDisagreementError } from '../../../src/claims/errors.ts'
import { InvalidClaimError } from '../../../src/claims/statement.ts'
import { NearRpcError } from '../errors.ts'
import { call, checkNetwork } from './rpc.ts'
import type { NearStatement } from './statement.ts'

type StateStatement = Exclude<NearStatement, { kind: 'outcome' }>

const HASH = /^[1-9A-HJ-NP-Za-km-z]{32,44}$/
const DIGITS = /^[0-9]{1,40}$/

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

const b64 = (text: string): string => Buffer.from(text, 'utf8').toString('base64')

/** The value one endpoint states at `block` (by hash), or the error it answers, as text to compare. */
async function stated (url: string, s: StateStatement, block: BlockRef): Promise<string> {
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

export async function verifyNearClaim (statement: StateStatement, init: ClaimVerifyInit): Promise<ClaimResult> {
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
