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
import { check, hexIdSchema, input, NAME_SCHEMA, validated } from '../schema.ts'
import type { Schema } from '../schema.ts'
import type { ApiComponents } from '../types.ts'
import { base64Wasm, kind, wasmModule } from '../validate.ts'
import { jsonBody } from '../middleware/body.ts'

const HOW = 'send the module as the raw body with `Content-Type: application/wasm` (name in ?name=), or as JSON `{ "wasm": "<base64>", "name": "..." }`'

export const UPLOAD_JSON: Schema = {
  type: 'object',
  description: HOW,
  required: ['wasm'],
  additionalProperties: false,
  properties: {
    wasm: { type: 'string', contentEncoding: 'base64', description: 'the module as base64' },
    name: NAME_SCHEMA
  }
}

const APP_PARAMS = { id: hexIdSchema('the application id (sha256 of the module)') }

export function applicationRoutes ({ node }: ApiComponents): Router {
  const router = Router()
  const rawWasm = express.raw({ type: 'application/wasm', limit: MAX_WASM_BYTES })
  const json = jsonBody(MAX_WASM_JSON_BYTES)

  router.get('/admin/applications', validated({}), (_req, res) => {
    res.json({ applications: node.listApplications() })
  })

  // The raw form and the JSON form are told apart by Content-Type, so the route checks its body.
  router.post('/admin/applications', rawWasm, json, validated({ query: { name: NAME_SCHEMA }, body: UPLOAD_JSON, rawBody: 'application/wasm' }), async (req, res) => {
    let wasm: Uint8Array
    let appName: string | undefined = input(res).query.name
    if (Buffer.isBuffer(req.body)) {
      wasm = wasmModule(new Uint8Array(req.body.buffer, req.body.byteOffset, req.body.byteLength), 'request body')
    } else if (req.is('application/json') !== false && req.body !== undefined) {
      const body = check(UPLOAD_JSON, req.body, 'body') as { wasm: unknown, name?: string }
      wasm = base64Wasm(body.wasm, 'body.wasm')
      if (body.name !== undefined) {
        if (appName !== undefined) throw new InvalidInputError('the name is given twice', { details: 'give either query.name or body.name' })
        appName = body.name
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

  router.get('/admin/applications/:id', validated({ params: APP_PARAMS }), (_req, res) => {
    res.json(node.getApplication(input(res).params.id))
  })

  router.delete('/admin/applications/:id', validated({ params: APP_PARAMS }), async (_req, res) => {
    await node.removeApplication(input(res).params.id)
    res.status(204).end()
  })

  return router
}
