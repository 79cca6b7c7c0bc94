// The routes an express app has mounted, read from its router stack: the one list the
// OpenAPI document is made from, so a new route is documented by being mounted, with the
// schema its `validated(…)` middleware checks (schema.ts).

import type { Express } from 'express'
import type { RouteSchema } from '../schema.ts'

export interface MountedRoute {
  /** Upper-case HTTP method. */
  method: string
  /** The express path, `/admin/contexts/:id`. */
  path: string
  /** What the route's validator checks; undefined: the route has none. */
  schema?: RouteSchema
}

interface Layer {
  route?: { path: unknown, methods: Record<string, boolean>, stack: Layer[] }
  handle?: { stack?: Layer[], schema?: RouteSchema }
}

export function mountedRoutes (app: Express): MountedRoute[] {
  const out: MountedRoute[] = []
  const seen = new Set<string>()
  const walk = (stack: Layer[]): void => {
    for (const layer of stack) {
      if (layer.route != null) {
        if (typeof layer.route.path !== 'string') continue
        for (const [method, on] of Object.entries(layer.route.methods)) {
          if (!on || method === '_all') continue
          const key = `${method.toUpperCase()} ${layer.route.path}`
          if (seen.has(key)) continue
          seen.add(key)
          const schema = layer.route.stack.find((l) => l.handle?.schema !== undefined)?.handle?.schema
          out.push({ method: method.toUpperCase(), path: layer.route.path, ...(schema !== undefined ? { schema } : {}) })
        }
      } else if (layer.handle?.stack != null) {
        walk(layer.handle.stack)
      }
    }
  }
  walk((app as unknown as { router: { stack: Layer[] } }).router.stack)
  return out
}

/** `/a/:id/b` as OpenAPI's `/a/{id}/b`, and the parameter names. */
export function openApiPath (path: string): { path: string, params: string[] } {
  const params: string[] = []
  const converted = path.replace(/:([A-Za-z0-9_]+)/g, (_m, name: string) => { params.push(name); return `{${name}}` })
  return { path: converted, params }
}
