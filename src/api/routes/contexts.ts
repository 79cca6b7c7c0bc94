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
import type { ApiComponents } from '../types.ts'
import { hexId, jsonBytes, object, only, optionalString, query, requiredHexId, requiredString } from '../validate.ts'
import { jsonBody } from '../middleware/body.ts'

/** Longest anchor kind taken (a chain module's kind is at most 16 characters). */
const MAX_KIND_LENGTH = 32

export function contextRoutes ({ node }: ApiComponents): Router {
  const router = Router()
  const json = jsonBody()

  router.get('/admin/contexts', (req, res) => {
    query(req, [])
    res.json({ contexts: node.listContexts() })
  })

  router.post('/admin/contexts', json, async (req, res) => {
    query(req, [])
    const body = object(req.body, 'request body', 'send JSON `{ "applicationId": "<64 hex>", "initArgs": <any JSON> }` with `Content-Type: application/json`')
    only(body, ['applicationId', 'initArgs', 'anchor'], 'body')
    const applicationId = requiredHexId(body, 'applicationId', 'body')
    const initArgs = body.initArgs === undefined ? undefined : jsonBytes(body.initArgs)
    let anchor: { kind: string, rpc?: string, contract?: string } | undefined
    if (body.anchor !== undefined) {
      const a = object(body.anchor, 'body.anchor', 'send `{ "kind": "<chain>", "rpc": "<url>", "contract": "<id>" }` (rpc and contract default to config.json chains.<chain>)')
      only(a, ['kind', 'rpc', 'contract'], 'body.anchor')
      const kind = requiredString(a, 'kind', 'body.anchor', MAX_KIND_LENGTH)
      const rpc = optionalString(a, 'rpc', 'body.anchor')
      const contract = optionalString(a, 'contract', 'body.anchor')
      anchor = { kind, ...(rpc !== undefined ? { rpc } : {}), ...(contract !== undefined ? { contract } : {}) }
    }
    const context = await node.createContext({ applicationId, ...(initArgs !== undefined ? { initArgs } : {}), ...(anchor !== undefined ? { anchor } : {}) })
    res.status(201).json(context)
  })

  router.get('/admin/contexts/:id', (req, res) => {
    query(req, [])
    res.json(node.getContext(hexId(req.params.id, 'params.id')))
  })

  router.delete('/admin/contexts/:id', async (req, res) => {
    query(req, [])
    await node.deleteContext(hexId(req.params.id, 'params.id'))
    res.status(204).end()
  })

  router.put('/admin/contexts/:id/application', json, async (req, res) => {
    query(req, [])
    const contextId = hexId(req.params.id, 'params.id')
    const body = object(req.body, 'request body', 'send JSON `{ "applicationId": "<64 hex>" }`')
    only(body, ['applicationId'], 'body')
    res.json(await node.updateApplication(contextId, requiredHexId(body, 'applicationId', 'body')))
  })

  router.post('/admin/contexts/:id/xcall-grants/:source', async (req, res) => {
    query(req, [])
    const target = hexId(req.params.id, 'params.id')
    const source = hexId(req.params.source, 'params.source')
    res.json(await node.grantXcall(target, source))
  })

  router.delete('/admin/contexts/:id/xcall-grants/:source', async (req, res) => {
    query(req, [])
    const target = hexId(req.params.id, 'params.id')
    const source = hexId(req.params.source, 'params.source')
    res.json(await node.revokeXcall(target, source))
  })

  return router
}
