// The node's HTTP front end (express 5): admin REST, JSON-RPC and SSE.
//
//   GET    /                                         no token; the admin page's static shell (ui/)
//   GET    /ui/app.js, /ui/app.css                   no token; its bundle and styles
//   GET    /health                                   no token; { ok: true }
//   GET    /openapi.json                             no token; OpenAPI 3.1 of the mounted routes
//   GET    /metrics                                  Prometheus text (src/api/metrics.ts)
//   GET    /admin/status
//   GET    /admin/applications                       POST /admin/applications (WASM upload)
//   GET    /admin/applications/:id                   DELETE /admin/applications/:id
//   GET    /admin/contexts                           POST /admin/contexts
//   GET    /admin/contexts/:id                       DELETE /admin/contexts/:id
//   PUT    /admin/contexts/:id/application
//   POST   /admin/contexts/:id/xcall-grants/:source  DELETE (same path)
//   GET    /admin/contexts/:id/events                SSE
//   POST   /admin/contexts/:id/invitations           POST /admin/contexts/join (JSON or SSE progress)
//   GET    /admin/contexts/:id/members               DELETE /admin/contexts/:id/members/:identity
//   PUT    /admin/contexts/:id/members/:identity/role
//   POST   /admin/contexts/:id/members/:identity/capabilities/:capability   DELETE (same path)
//   POST   /admin/contexts/:id/leave
//   GET    /admin/contexts/:id/proposals             POST (create)
//   GET    /admin/contexts/:id/proposals/:pid        POST /admin/contexts/:id/proposals/:pid/approve
//   GET    /admin/contexts/:id/governance            audit: every op with its verdict and reason
//   GET    /admin/contexts/:id/sync                  POST (sync now; JSON or SSE progress)
//   GET    /admin/peers
//   POST   /admin/chains/reload                      read chains.* and relayer keys again
//   GET    /admin/identities[?context=<id>]          POST /admin/identities (new unbound identity)
//   POST   /admin/claims/verify                      prove a claim (claims.<chain> endpoints)
//   POST   /jsonrpc                                  execute / query
//
// A governance change the anchor refuses answers 422 GovernanceRejectedError with the reason.
// Every route but the page, /health and /openapi.json needs `Authorization: Bearer <token>`. Errors answer with the
// MoorageError's status and `{ error: { name, message, details?, hint? } }`.

import { createServer } from 'node:http'
import type { Server } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import express from 'express'
import type { Express } from 'express'
import { MoorageError } from '../errors/index.ts'
import type { Logger } from '../log/index.ts'
import type { MoorNode } from '../node/types.ts'
import { SSE_HEARTBEAT_MS } from './constants.ts'
import { jsonRpcRoutes } from './jsonrpc.ts'
import { apiMetrics } from './metrics.ts'
import { requireToken } from './middleware/auth.ts'
import { openApiDocument } from './openapi/document.ts'
import { errorHandler, notFound } from './middleware/errors.ts'
import { applicationRoutes } from './routes/applications.ts'
import { claimRoutes } from './routes/claims.ts'
import { chainRoutes } from './routes/chains.ts'
import { contextRoutes } from './routes/contexts.ts'
import { governanceRoutes } from './routes/governance.ts'
import { identityRoutes } from './routes/identities.ts'
import { invitationRoutes } from './routes/invitations.ts'
import { memberRoutes } from './routes/members.ts'
import { proposalRoutes } from './routes/proposals.ts'
import { syncRoutes } from './routes/sync.ts'
import { statusRoutes } from './routes/status.ts'
import { walletRoutes } from './routes/wallets.ts'
import { eventRoutes } from './sse.ts'
import { uiRoutes } from './ui/serve.ts'
import type { ApiComponents } from './types.ts'

export interface ApiServerInit {
  node: MoorNode
  host: string
  /** 0 picks a free port; listen() reports the real one. */
  port: number
  /** The admin token (from <home>/token). */
  token: string
  logger: Logger
  /** Interval of SSE heartbeat comments (default 15 s). */
  heartbeatMs?: number
}

export interface ApiServer {
  readonly app: Express
  listen (): Promise<{ url: string }>
  /** Ends open event streams and stops accepting connections. */
  close (): Promise<void>
}

export function createApiServer (init: ApiServerInit): ApiServer {
  const logger = init.logger.child('api')
  const components: ApiComponents = {
    node: init.node,
    logger,
    streams: new Set(),
    heartbeatMs: init.heartbeatMs ?? SSE_HEARTBEAT_MS
  }
  const app = createApp(init.token, components)
  let server: Server | null = null
  // Open sockets and those with a response under way: close() ends idle keep-alive
  // connections at once and the others as soon as their response is done.
  const sockets = new Set<Socket>()
  const busy = new Set<Socket>()
  let closing = false

  return {
    app,
    async listen () {
      if (server != null) throw new MoorageError('the API server is already listening')
      const s = createServer(app)
      s.on('connection', (socket: Socket) => {
        sockets.add(socket)
        socket.once('close', () => { sockets.delete(socket); busy.delete(socket) })
      })
      s.on('request', (req, res) => {
        busy.add(req.socket)
        res.once('close', () => {
          busy.delete(req.socket)
          if (closing) req.socket.end()
        })
      })
      await new Promise<void>((resolve, reject) => {
        const onError = (err: NodeJS.ErrnoException): void => {
          reject(err.code === 'EADDRINUSE'
            ? new MoorageError(`cannot listen on ${init.host}:${init.port}: the address is in use`, {
              hint: 'another node (or program) holds that port; run this node on another with `moor node --api-port <port>` (this run only), or keep one with `moor init --api-port <port> --force` (the rest of config.json and the token are kept)',
              cause: err
            })
            : new MoorageError(`cannot listen on ${init.host}:${init.port}`, { details: err.message, cause: err }))
        }
        s.once('error', onError)
        s.listen(init.port, init.host, () => {
          s.off('error', onError)
          resolve()
        })
      })
      server = s
      const address = s.address() as AddressInfo
      const host = address.family === 'IPv6' ? `[${address.address}]` : address.address
      const url = `http://${host}:${address.port}`
      logger.info('listening', { url })
      return { url }
    },
    async close () {
      const s = server
      server = null
      if (s == null) return
      closing = true
      for (const closeStream of [...components.streams]) closeStream()
      await new Promise<void>((resolve, reject) => {
        s.close((err) => { if (err != null) reject(err); else resolve() })
        for (const socket of sockets) if (!busy.has(socket)) socket.end()
      })
      closing = false
    }
  }
}

function createApp (token: string, components: ApiComponents): Express {
  const app = express()
  app.disable('x-powered-by')
  app.set('json replacer', (_key: string, value: unknown) => typeof value === 'bigint' ? value.toString() : value)

  const metrics = apiMetrics(components.node)
  app.use(metrics.middleware)
  app.use(uiRoutes())
  app.get('/health', (_req, res) => { res.json({ ok: true }) })
  app.get('/openapi.json', (_req, res) => { res.json(openApiDocument(app, components.node.status().version)) })
  app.use(requireToken({ token, home: components.node.home }))
  app.use(metrics.routes)
  app.use(statusRoutes(components))
  app.use(applicationRoutes(components))
  app.use(eventRoutes(components))
  app.use(invitationRoutes(components))
  app.use(contextRoutes(components))
  app.use(memberRoutes(components))
  app.use(proposalRoutes(components))
  app.use(governanceRoutes(components))
  app.use(syncRoutes(components))
  app.use(identityRoutes(components))
  app.use(claimRoutes(components))
  app.use(chainRoutes(components))
  app.use(walletRoutes(components))
  app.use(jsonRpcRoutes(components))
  app.use(notFound())
  app.use(errorHandler(components.logger))
  return app
}
