// JSON-RPC calls of the NEAR claim verifiers: a handler error (an unknown account, a
// failed view, an unknown outcome) is an answer to compare or report; a transport failure
// is a NearRpcError; junk is a ClaimRejectedError naming the endpoint.
import type { ClaimVerifyInit } from '../../../src/claims/types.ts'
import { ClaimRejectedError } from '../../../src/claims/errors.ts'
import { NearRpcError } from '../errors.ts'

const TIMEOUT_MS = 15_000
/** Largest answer read (a light-client proof carries an outcome's return value, up to a few MB as base64). */
const MAX_ANSWER_BYTES = 16 * 1024 * 1024

/** The body as text, refused beyond MAX_ANSWER_BYTES without reading the rest. */
async function boundedText (res: Response): Promise<string> {
  if (res.body === null) return ''
  const reader = res.body.getReader()
  const chunks: Uint8Array[] = []
  let size = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    size += value.byteLength
    if (size > MAX_ANSWER_BYTES) {
      await reader.cancel()
      throw new Error(`the answer exceeds ${MAX_ANSWER_BYTES} bytes`)
    }
    chunks.push(value)
  }
  return Buffer.concat(chunks).toString('utf8')
}

export type Answer = { ok: true, result: unknown } | { ok: false, cause: string }

/** One JSON-RPC call; a handler error (unknown account, failed view) is an answer, the rest a NearRpcError. */
export async function call (url: string, method: string, params: unknown): Promise<Answer> {
  let body: unknown
  try {
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: 'moorage', method, params }), signal: AbortSignal.timeout(TIMEOUT_MS) })
    if (!res.ok) throw new Error(`HTTP ${res.status}`)
    body = JSON.parse(await boundedText(res))
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

export async function result (url: string, method: string, params: unknown): Promise<Record<string, unknown>> {
  const a = await call(url, method, params)
  if (!a.ok) throw new NearRpcError(`NEAR endpoint ${url} failed on ${method}: ${a.cause}`)
  if (a.result === null || typeof a.result !== 'object') throw new ClaimRejectedError(`${url} sent a malformed ${method} answer`)
  return a.result as Record<string, unknown>
}

/** Every endpoint serves `init.network` (when given). */
export async function checkNetwork (init: ClaimVerifyInit): Promise<void> {
  if (init.network === undefined) return
  await Promise.all(init.endpoints.map(async (url) => {
    const id = (await result(url, 'status', [])).chain_id
    if (typeof id !== 'string') throw new ClaimRejectedError(`${url} sent a malformed chain id`)
    if (id !== init.network) throw new ClaimRejectedError(`${url} serves chain ${id}, the claim is about chain ${init.network}`, { hint: 'claims.<chain>.rpc must name endpoints of the network the claim is about' })
  }))
}

