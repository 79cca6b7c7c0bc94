// POST /jsonrpc — JSON-RPC 2.0 over HTTP, one request per call (no batches, no
// notifications: every request needs an `id`).
//
//   execute { contextId, method, args?: any JSON, executor? }   run a method, commit its writes
//   query   { contextId, method, args?: any JSON, executor? }   run it read-only
//   -> { output, gasUsed: "<decimal>", deltaId, rootHash, events, governance }
//
// `governance` lists the governance requests the call made (moor.propose, moor.approve;
// see docs/abi.md), in order, each with the outcome of its submission after the commit:
// { type, contextId, identity, proposal, status: open|executed|failed|deleted|refused,
//   reason, error }. Empty for a query.
//
// `args` is sent to the application as UTF-8 JSON bytes; `output` is the returned bytes
// parsed as JSON when they are JSON, else as a UTF-8 string (null when nothing returned).
//
// Errors are JSON-RPC error objects whose `data` is the error's toJSON():
//   -32700 parse error        HTTP 400 (413 for a body over the limit)
//   -32600 invalid request    HTTP 400 (batches, missing id, wrong envelope)
//   -32601 method not found   HTTP 404
//   -32602 invalid params     HTTP 400
//   -32000 node error         the error's own status (404 unknown context, 422 application error, ...)
//   -32603 internal error     HTTP 500

import { Router } from 'express'
import type { ErrorRequestHandler, Request, Response } from 'express'
import { InvalidInputError, MoorageError, NotFoundError } from '../errors/index.ts'
import type { Logger } from '../log/index.ts'
import type { ExecuteRequest, ExecuteResult } from '../node/types.ts'
import { MAX_METHOD_LENGTH } from './constants.ts'
import { toMoorageError } from './middleware/errors.ts'
import type { ApiComponents } from './types.ts'
import { ANY_JSON, check, hexIdSchema } from './schema.ts'
import type { Schema } from './schema.ts'
import { jsonBytes, kind, only } from './validate.ts'
import { jsonBody } from './middleware/body.ts'

export const RPC_PARSE_ERROR = -32700
export const RPC_INVALID_REQUEST = -32600
export const RPC_METHOD_NOT_FOUND = -32601
export const RPC_INVALID_PARAMS = -32602
export const RPC_INTERNAL_ERROR = -32603
export const RPC_NODE_ERROR = -32000

type RpcId = string | number | null

/** The RPC methods and whether each runs read-only. */
export const METHODS: Record<string, { readOnly: boolean }> = {
  execute: { readOnly: false },
  query: { readOnly: true }
}

/** The params of both methods. */
export const RPC_PARAMS: Schema = {
  type: 'object',
  description: 'params is an object: { "contextId": "<64 hex>", "method": "<name>", "args": <any JSON> }',
  required: ['contextId', 'method'],
  additionalProperties: false,
  properties: {
    contextId: hexIdSchema('the context to call'),
    method: { type: 'string', minLength: 1, maxLength: MAX_METHOD_LENGTH, description: 'the application method' },
    args: { ...ANY_JSON, description: 'sent to the method as UTF-8 JSON' },
    executor: hexIdSchema('the identity to call as (default: this node\'s in the context)')
  }
}

/** The request envelope (checked by checkEnvelope, whose refusals are JSON-RPC errors), for the document. */
export const RPC_REQUEST: Schema = {
  type: 'object',
  required: ['jsonrpc', 'id', 'method', 'params'],
  additionalProperties: false,
  properties: {
    jsonrpc: { type: 'string', enum: ['2.0'] },
    id: { description: 'a string, a number or null' },
    method: { type: 'string', enum: Object.keys(METHODS) },
    params: RPC_PARAMS
  }
}


/** A failure with its JSON-RPC code and HTTP status. */
class RpcFailure {
  readonly code: number
  readonly status: number
  readonly error: MoorageError
  constructor (code: number, status: number, error: MoorageError) {
    this.code = code
    this.status = status
    this.error = error
  }
}

export interface RpcResult {
  output: unknown
  gasUsed: string
  deltaId: string | null
  rootHash: string
  events: ExecuteResult['events']
  governance: ExecuteResult['governance']
}

export function jsonRpcRoutes ({ node, logger }: ApiComponents): Router {
  const router = Router()
  const json = jsonBody()

  router.post('/jsonrpc', json, async (req, res) => {
    let id: RpcId = null
    let request: ExecuteRequest
    try {
      const envelope = checkEnvelope(req)
      id = envelope.id
      request = checkParams(envelope.method, envelope.params)
    } catch (err) {
      reply(res, id, failureOf(err, logger))
      return
    }

    const controller = new AbortController()
    const onClose = (): void => { if (!res.writableFinished) controller.abort() }
    res.on('close', onClose)
    try {
      const result = await node.execute({ ...request, signal: controller.signal })
      res.json({ jsonrpc: '2.0', id, result: toRpcResult(result) })
    } catch (err) {
      reply(res, id, failureOf(err, logger))
    } finally {
      res.off('close', onClose)
    }
  })

  // Body-parser failures on this route answer in JSON-RPC form too.
  const parseErrors: ErrorRequestHandler = (err, _req, res, next) => {
    if (res.headersSent) { next(err); return }
    const known = toMoorageError(err)
    if (known == null) { next(err); return }
    const code = known.name === 'InvalidInputError' && (err as { type?: string }).type === 'entity.parse.failed'
      ? RPC_PARSE_ERROR
      : RPC_INVALID_REQUEST
    reply(res, null, new RpcFailure(code, known.status, known))
  }
  router.use('/jsonrpc', parseErrors)
  return router
}

export function toRpcResult (result: ExecuteResult): RpcResult {
  return {
    output: decodeOutput(result.output),
    gasUsed: result.gasUsed.toString(),
    deltaId: result.deltaId,
    rootHash: result.rootHash,
    events: result.events,
    governance: result.governance
  }
}

/** Returned bytes as JSON when they parse, else as a UTF-8 string; null for none. */
export function decodeOutput (bytes: Uint8Array | null): unknown {
  if (bytes == null) return null
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8')
  try {
    return JSON.parse(text)
  } catch {
    return text
  }
}

function checkEnvelope (req: Request): { id: RpcId, method: string, params: unknown } {
  const body: unknown = req.body
  if (body === undefined) {
    throw invalidRequest('the request has no JSON body', 'send a JSON-RPC 2.0 request object with `Content-Type: application/json`')
  }
  if (Array.isArray(body)) {
    throw invalidRequest('batch requests are not supported', 'send one request object per HTTP call')
  }
  if (typeof body !== 'object' || body === null) {
    throw invalidRequest('the request must be a JSON object', `got ${kind(body)}`)
  }
  const envelope = body as Record<string, unknown>
  const rawId = envelope.id
  const id: RpcId = typeof rawId === 'string' || typeof rawId === 'number' || rawId === null ? rawId : null
  try {
    only(envelope, ['jsonrpc', 'id', 'method', 'params'], 'request')
  } catch (err) {
    throw new RpcFailure(RPC_INVALID_REQUEST, 400, err as MoorageError)
  }
  if (envelope.jsonrpc !== '2.0') throw invalidRequest('request.jsonrpc must be "2.0"', `got ${kind(envelope.jsonrpc)}`)
  if (rawId === undefined) {
    throw invalidRequest('request.id is required', 'notifications (requests without an id) are not supported')
  }
  if (typeof rawId !== 'string' && !(typeof rawId === 'number' && Number.isFinite(rawId)) && rawId !== null) {
    throw invalidRequest('request.id must be a string, a number or null', `got ${kind(rawId)}`)
  }
  if (typeof envelope.method !== 'string') throw invalidRequest('request.method must be a string', `got ${kind(envelope.method)}`)
  return { id, method: envelope.method, params: envelope.params }

  function invalidRequest (message: string, details: string): RpcFailure {
    return new RpcFailure(RPC_INVALID_REQUEST, 400, new InvalidInputError(message, { details }))
  }
}

function checkParams (method: string, rawParams: unknown): ExecuteRequest {
  const spec = Object.hasOwn(METHODS, method) ? METHODS[method] : undefined
  if (spec == null) {
    throw new RpcFailure(RPC_METHOD_NOT_FOUND, 404, new NotFoundError(`no RPC method "${method}"`, {
      details: `methods: ${Object.keys(METHODS).join(', ')}`
    }))
  }
  try {
    const params = check(RPC_PARAMS, rawParams, 'params') as { contextId: string, method: string, args?: unknown, executor?: string }
    const request: ExecuteRequest = { contextId: params.contextId, method: params.method, readOnly: spec.readOnly }
    if (params.args !== undefined) request.args = jsonBytes(params.args)
    if (params.executor !== undefined) request.executor = params.executor
    return request
  } catch (err) {
    if (err instanceof MoorageError) throw new RpcFailure(RPC_INVALID_PARAMS, 400, err)
    throw err
  }
}

function failureOf (err: unknown, logger: Logger): RpcFailure {
  if (err instanceof RpcFailure) return err
  const known = toMoorageError(err)
  if (known != null) return new RpcFailure(RPC_NODE_ERROR, known.status, known)
  logger.error('unhandled error in JSON-RPC call', { error: err instanceof Error ? err.stack : String(err) })
  return new RpcFailure(RPC_INTERNAL_ERROR, 500, new MoorageError('internal error; the node logged the details'))
}

function reply (res: Response, id: RpcId, failure: RpcFailure): void {
  if (res.headersSent || res.destroyed) return
  res.status(failure.status).json({
    jsonrpc: '2.0',
    id,
    error: { code: failure.code, message: failure.error.shortMessage, data: failure.error.toJSON() }
  })
}
