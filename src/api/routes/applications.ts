// Applications: WASM modules installed on this node, addressed by the sha256 of their bytes.
//
//   GET    /admin/applications                  -> { applications: ApplicationInfo[] }
//   POST   /admin/applications?name=kv          body: the module, Content-Type: application/wasm
//   POST   /admin/applications                  body: { "wasm": "<base64>", "name"?: string }
//                                               -> 201 ApplicationInfo
//   GET    /admin/applications/:id              -> ApplicationInfo
//   DELETE /admin/applications/:id              -> 204 (409 while a context uses it)

import express, { Router } from 'express'
import { InvalidInputError } from '../../errors/index.ts'
import { MAX_WASM_BYTES, MAX_WASM_JSON_BYTES } from '../constants.ts'
import type { ApiComponents } from '../types.ts'
import { base64Wasm, hexId, kind, name, object, only, query, wasmModule } from '../validate.ts'
import { jsonBody } from '../middleware/body.ts'

const HOW = 'send the module as the raw body with `Content-Type: application/wasm` (name in ?name=), or as JSON `{ "wasm": "<base64>", "name": "..." }`'

export function applicationRoutes ({ node }: ApiComponents): Router {
  const router = Router()
  const rawWasm = express.raw({ type: 'application/wasm', limit: MAX_WASM_BYTES })
  const json = jsonBody(MAX_WASM_JSON_BYTES)

  router.get('/admin/applications', (req, res) => {
    query(req, [])
    res.json({ applications: node.listApplications() })
  })

  router.post('/admin/applications', rawWasm, json, async (req, res) => {
    const q = query(req, ['name'])
    let wasm: Uint8Array
    let appName = q.name === undefined ? undefined : name(q.name, 'query.name')
    if (Buffer.isBuffer(req.body)) {
      wasm = wasmModule(new Uint8Array(req.body.buffer, req.body.byteOffset, req.body.byteLength), 'request body')
    } else if (req.is('application/json') !== false && req.body !== undefined) {
      const body = object(req.body, 'request body', HOW)
      only(body, ['wasm', 'name'], 'body')
      if (body.wasm === undefined) throw new InvalidInputError('missing body.wasm', { details: 'body.wasm must be the module as base64', hint: HOW })
      wasm = base64Wasm(body.wasm, 'body.wasm')
      if (body.name !== undefined) {
        if (appName !== undefined) throw new InvalidInputError('the name is given twice', { details: 'give either query.name or body.name' })
        appName = name(body.name, 'body.name')
      }
    } else {
      throw new InvalidInputError('no module in the request', {
        details: `Content-Type is ${req.get('content-type') ?? 'missing'}, body ${kind(req.body)}`,
        hint: HOW
      })
    }
    const app = await node.installApplication(appName === undefined ? { wasm } : { wasm, name: appName })
    res.status(201).json(app)
  })

  router.get('/admin/applications/:id', (req, res) => {
    query(req, [])
    res.json(node.getApplication(hexId(req.params.id, 'params.id')))
  })

  router.delete('/admin/applications/:id', async (req, res) => {
    query(req, [])
    await node.removeApplication(hexId(req.params.id, 'params.id'))
    res.status(204).end()
  })

  return router
}
