// GET /metrics — Prometheus text (token-protected like the admin routes): the process's
// counters (src/log/metrics.ts: deltas committed/received/sent/rejected, sync runs, chain
// feed positions, process_* defaults such as RSS), this server's calls and their latency,
// and gauges read from the node at scrape time (peers, contexts, per-context sync state).

import { Router } from 'express'
import type { RequestHandler } from 'express'
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client'
import { processRegistry } from '../log/metrics.ts'
import type { MoorNode } from '../node/types.ts'
import { validated } from './schema.ts'

let defaultsOn = false

export interface ApiMetrics {
  /** Counts every request and its latency, by route pattern (not by URL, to keep labels few). */
  readonly middleware: RequestHandler
  readonly routes: Router
}

export function apiMetrics (node: MoorNode): ApiMetrics {
  if (!defaultsOn) { collectDefaultMetrics({ register: processRegistry }); defaultsOn = true }
  const registry = new Registry()
  const calls = new Counter({ name: 'moor_api_requests_total', help: 'HTTP API requests by method, route and status', labelNames: ['method', 'route', 'status'] as const, registers: [registry] })
  const latency = new Histogram({
    name: 'moor_api_request_duration_seconds',
    help: 'HTTP API request latency (until the response ends; streams count their whole life)',
    labelNames: ['method', 'route'] as const,
    buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30],
    registers: [registry]
  })
  const gauge = (name: string, help: string, labelNames: string[], read: (g: Gauge) => void): void => {
    // eslint-disable-next-line no-new
    new Gauge({ name, help, labelNames, registers: [registry], collect () { this.reset(); read(this) } })
  }
  gauge('moor_peers', 'Connected libp2p peers', [], (g) => { g.set(node.status().p2p.peers) })
  gauge('moor_contexts', 'Contexts on this node', [], (g) => { g.set(node.status().contexts) })
  gauge('moor_process_rss_bytes', 'Resident set size of the node process', [], (g) => { g.set(process.memoryUsage.rss()) })
  const perContext = (read: (s: ReturnType<MoorNode['syncStatus']>) => number | null) => (g: Gauge): void => {
    for (const c of node.listContexts()) {
      const value = read(node.syncStatus(c.id))
      if (value !== null) g.set({ context: c.id }, value)
    }
  }
  gauge('moor_context_deltas', 'Deltas in a context\'s DAG', ['context'], perContext((s) => s.deltaCount))
  gauge('moor_context_pending_deltas', 'Deltas held for missing parents', ['context'], perContext((s) => s.pendingDeltas))
  gauge('moor_context_peers', 'Connected member nodes of a context', ['context'], perContext((s) => s.peers.length))
  gauge('moor_context_last_sync_timestamp_seconds', 'When a context last synced with a peer', ['context'], perContext((s) => s.lastSync === null ? null : s.lastSync / 1000))

  const middleware: RequestHandler = (req, res, next) => {
    const end = latency.startTimer()
    res.once('close', () => {
      // req.route is the matched route's pattern; requests no route took are one label.
      const route = typeof req.route?.path === 'string' ? req.route.path as string : 'unmatched'
      end({ method: req.method, route })
      calls.inc({ method: req.method, route, status: String(res.statusCode) })
    })
    next()
  }
  const routes = Router()
  routes.get('/metrics', validated({}), async (_req, res) => {
    const text = await processRegistry.metrics() + '\n' + await registry.metrics()
    res.type(processRegistry.contentType).send(text)
  })
  return { middleware, routes }
}
