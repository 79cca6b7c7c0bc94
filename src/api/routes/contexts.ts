// Contexts: instances of an application on this node.
//
//   GET    /admin/contexts                          -> { contexts: ContextInfo[] }
//   POST   /admin/contexts                          body: { applicationId, initArgs?: any JSON,
//                                                   anchor?: { kind: 'offchain' | <a chain's kind>, rpc?, contract? } }
//                                                   -> 201 ContextInfo (on a chain: after the
//                                                   creation is confirmed; the kind and the
//                                                   contract are checked by the chain's module:
//                                                   UnknownAnchorError lists the known kinds)
//   GET    /admin/contexts/:id                      -> ContextInfo
//   DELETE /admin/contexts/:id                      -> 204
//   PUT    /admin/contexts/:id/application      body: { applicationId }
//                                                   -> ContextInfo (the context now runs that
//                                                   installed application; ManageApplication)
//   POST   /admin/contexts/:id/xcall-grants/:source -> ContextInfo (source may now xcall into id)
//   DELETE /admin/contexts/:id/xcall-grants/:source -> ContextInfo
// The event stream of a context is in ../sse.ts; members, invitations, proposals,
// governance and sync have their own files.

import { Router } from 'express'
import type { CreateContextRequest } from '../../node/types.ts'
import { ANY_JSON, hexIdSchema, input, validated } from '../schema.ts'
import type { Schema } from '../schema.ts'
import type { ApiComponents } from '../types.ts'
import { jsonBytes } from '../validate.ts'
import { jsonBody } from '../middleware/body.ts'

/** Longest anchor kind taken (a chain module's kind is at most 16 characters). */
const MAX_KIND_LENGTH = 32

export const CONTEXT_PARAMS = { id: hexIdSchema('the context id') }

export const CREATE_CONTEXT: Schema = {
  type: 'object',
  description: 'send JSON `{ "applicationId": "<64 hex>", "initArgs": <any JSON> }` with `Content-Type: application/json`',
  required: ['applicationId'],
  additionalProperties: false,
  properties: {
    applicationId: hexIdSchema('an installed application'),
    initArgs: { ...ANY_JSON, description: 'passed to the application\'s init as UTF-8 JSON' },
    anchor: {
      type: 'object',
      description: 'send `{ "kind": "<chain>", "rpc": "<url>", "contract": "<id>" }` (rpc and contract default to config.json chains.<chain>)',
      required: ['kind'],
      additionalProperties: false,
      properties: {
        kind: { type: 'string', minLength: 1, maxLength: MAX_KIND_LENGTH },
        rpc: { type: 'string', minLength: 1, maxLength: 1024 },
        contract: { type: 'string', minLength: 1, maxLength: 1024 }
      }
    }
  }
}

export const SET_APPLICATION: Schema = {
  type: 'object',
  description: 'send JSON `{ "applicationId": "<64 hex>" }`',
  required: ['applicationId'],
  additionalProperties: false,
  properties: { applicationId: hexIdSchema('an installed application') }
}

const GRANT = validated({ params: { ...CONTEXT_PARAMS, source: hexIdSchema('the context that may call in') } })

export function contextRoutes ({ node }: ApiComponents): Router {
  const router = Router()
  const json = jsonBody()

  router.get('/admin/contexts', validated({}), (_req, res) => {
    res.json({ contexts: node.listContexts() })
  })

  router.post('/admin/contexts', json, validated({ body: CREATE_CONTEXT }), async (_req, res) => {
    const { body } = input<{ applicationId: string, initArgs?: unknown, anchor?: CreateContextRequest['anchor'] }>(res)
    const request: CreateContextRequest = { applicationId: body.applicationId }
    if (body.initArgs !== undefined) request.initArgs = jsonBytes(body.initArgs)
    if (body.anchor !== undefined) request.anchor = body.anchor
    res.status(201).json(await node.createContext(request))
  })

  router.get('/admin/contexts/:id', validated({ params: CONTEXT_PARAMS }), (_req, res) => {
    res.json(node.getContext(input(res).params.id))
  })

  router.delete('/admin/contexts/:id', validated({ params: CONTEXT_PARAMS }), async (_req, res) => {
    await node.deleteContext(input(res).params.id)
    res.status(204).end()
  })

  router.put('/admin/contexts/:id/application', json, validated({ params: CONTEXT_PARAMS, body: SET_APPLICATION }), async (_req, res) => {
    const { params, body } = input<{ applicationId: string }>(res)
    res.json(await node.updateApplication(params.id, body.applicationId))
  })

  router.post('/admin/contexts/:id/xcall-grants/:source', GRANT, async (_req, res) => {
    const { params } = input(res)
    res.json(await node.grantXcall(params.id, params.source))
  })

  router.delete('/admin/contexts/:id/xcall-grants/:source', GRANT, async (_req, res) => {
    const { params } = input(res)
    res.json(await node.revokeXcall(params.id, params.source))
  })

  return router
}
