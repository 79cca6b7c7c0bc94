// GET /openapi.json — an OpenAPI 3.1 document of the node's HTTP API, made from the app's
// mounted routes (src/api/openapi/routes.ts) and the JSON-RPC method table (jsonrpc.ts),
// so it cannot list a route that does not exist nor miss one that does.
//
// Request bodies are not described field by field: the routes check their input with
// imperative validators (validate.ts), not schemas, and a hand-kept copy here would drift.

import type { Express } from 'express'
import { METHODS } from '../jsonrpc.ts'
import { UI_PATHS } from '../ui/serve.ts'
import { mountedRoutes, openApiPath } from './routes.ts'

/** Paths answered without the admin token. */
export const PUBLIC_PATHS: ReadonlySet<string> = new Set(['/health', '/openapi.json', ...UI_PATHS])

const ERROR_BODY = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['name', 'message'],
      properties: {
        name: { type: 'string', description: 'stable error name, e.g. InvalidInputError' },
        message: { type: 'string' },
        details: { type: 'string' },
        hint: { type: 'string' }
      }
    }
  }
}

const RPC_REQUEST = {
  type: 'object',
  required: ['jsonrpc', 'id', 'method', 'params'],
  properties: {
    jsonrpc: { const: '2.0' },
    id: { type: ['string', 'number', 'null'] },
    method: { enum: Object.keys(METHODS) },
    params: {
      type: 'object',
      required: ['contextId', 'method'],
      properties: {
        contextId: { type: 'string', pattern: '^[0-9a-fA-F]{64}$' },
        method: { type: 'string' },
        args: {},
        executor: { type: 'string', pattern: '^[0-9a-fA-F]{64}$' }
      }
    }
  }
}

export function openApiDocument (app: Express, version: string): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {}
  for (const route of mountedRoutes(app)) {
    const { path, params } = openApiPath(route.path)
    const method = route.method.toLowerCase()
    const operation: Record<string, unknown> = {
      operationId: operationId(route.method, route.path),
      tags: [tag(route.path)],
      responses: {
        200: { description: 'success (JSON; `text/event-stream` for event and progress streams)' },
        default: { description: 'an error', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } }
      }
    }
    if (params.length > 0) {
      operation.parameters = params.map((name) => ({ name, in: 'path', required: true, schema: { type: 'string' } }))
    }
    if (PUBLIC_PATHS.has(route.path)) operation.security = []
    if (route.path === '/jsonrpc') {
      operation.requestBody = { required: true, content: { 'application/json': { schema: { $ref: '#/components/schemas/JsonRpcRequest' } } } }
    }
    paths[path] ??= {}
    paths[path][method] = operation
  }
  return {
    openapi: '3.1.0',
    info: { title: 'Moorage node API', version, description: 'Admin REST, SSE streams and JSON-RPC of one Moorage node (docs/api.md).' },
    servers: [{ url: '/' }],
    security: [{ bearer: [] }],
    paths,
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'the admin token in <home>/token' } },
      schemas: { Error: ERROR_BODY, JsonRpcRequest: RPC_REQUEST }
    }
  }
}

function operationId (method: string, path: string): string {
  const words = path.split('/').filter((p) => p !== '').map((p) => p.startsWith(':') ? 'by-' + p.slice(1) : p)
  return [method.toLowerCase(), ...words].join('-').replace(/[^A-Za-z0-9-]/g, '-')
}

function tag (path: string): string {
  const parts = path.split('/').filter((p) => p !== '')
  return parts[0] === 'admin' ? (parts[1] ?? 'admin') : (parts[0] ?? 'root')
}
