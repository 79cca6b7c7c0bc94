// The routes an express app has mounted, read from its router stack: the one list the
// OpenAPI document is made from, so a new route is documented by being mounted.

import type { Express } from 'express'

export interface MountedRoute {
  /** Upper-case HTTP method. */
  method: string
  /** The express path, `/admin/contexts/:id`. */
  path: string
}

interface Layer {
  route?: { path: unknown, methods: Record<string, boolean> }
  handle?: { stack?: Layer[] }
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
          out.push({ method: method.toUpperCase(), path: layer.route.path })
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
