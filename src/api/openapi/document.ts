// GET /openapi.json — an OpenAPI 3.1 document of the node's HTTP API, made from the app's
// mounted routes (src/api/openapi/routes.ts) and the schemas their validators check
// (src/api/schema.ts), and for /jsonrpc the envelope and params of jsonrpc.ts: it cannot
// list a route that does not exist, miss one that does, or describe input a route refuses.

import type { Express } from 'express'
import { RPC_REQUEST } from '../jsonrpc.ts'
import type { Schema } from '../schema.ts'
import { UI_PATHS } from '../ui/serve.ts'
import { mountedRoutes, openApiPath } from './routes.ts'
import type { MountedRoute } from './routes.ts'

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
    const parameters = parametersOf(route, params)
    if (parameters.length > 0) operation.parameters = parameters
    const requestBody = requestBodyOf(route)
    if (requestBody !== undefined) operation.requestBody = requestBody
    if (PUBLIC_PATHS.has(route.path)) operation.security = []
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
      schemas: { Error: ERROR_BODY, JsonRpcRequest: RPC_REQUEST as Record<string, unknown> }
    }
  }
}

/** Path parameters (each named in the path) and query parameters, with their schemas. */
function parametersOf (route: MountedRoute, pathParams: string[]): Array<Record<string, unknown>> {
  const schemas = route.schema?.params ?? {}
  return [
    ...pathParams.map((name) => ({ name, in: 'path', required: true, ...describedSchema(schemas[name] ?? { type: 'string' }) })),
    ...Object.entries(route.schema?.query ?? {}).map(([name, schema]) => ({ name, in: 'query', required: false, ...describedSchema(schema) }))
  ]
}

/** A parameter's description lifted out of its schema (where OpenAPI shows it). */
function describedSchema (schema: Schema): { schema: Schema, description?: string } {
  const { description, ...rest } = schema
  return description !== undefined ? { schema: rest, description } : { schema: rest }
}

function requestBodyOf (route: MountedRoute): Record<string, unknown> | undefined {
  // /jsonrpc checks its envelope itself, to answer in JSON-RPC form (jsonrpc.ts).
  if (route.path === '/jsonrpc') return { required: true, content: { 'application/json': { schema: { $ref: '#/components/schemas/JsonRpcRequest' } } } }
  const { body, bodyOptional, rawBody } = route.schema ?? {}
  if (body === undefined || body === 'none') return undefined
  const content: Record<string, unknown> = { 'application/json': { schema: body } }
  if (rawBody !== undefined) content[rawBody] = {}
  return { required: bodyOptional !== true, content, ...(rawBody !== undefined ? { description: `JSON, or the raw ${rawBody} bytes` } : {}) }
}

function operationId (method: string, path: string): string {
  const words = path.split('/').filter((p) => p !== '').map((p) => p.startsWith(':') ? 'by-' + p.slice(1) : p)
  return [method.toLowerCase(), ...words].join('-').replace(/[^A-Za-z0-9-]/g, '-')
}

function tag (path: string): string {
  const parts = path.split('/').filter((p) => p !== '')
  return parts[0] === 'admin' ? (parts[1] ?? 'admin') : (parts[0] ?? 'root')
}
