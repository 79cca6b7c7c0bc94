// An HTTP proxy in front of a devnet that can rewrite the answers to one JSON-RPC method:
// the "lying endpoint" of the claim tests. `mode` may be switched while it runs.
import { createServer, type Server } from 'node:http'

export interface LyingProxy {
  url: string
  /** Forward to this upstream instead (another chain: endpoints then disagree). */
  upstream: string
  /** Rewrites the result of `method` (or answers `error` instead); undefined: honest. */
  lie: { method: string, alter: (result: any) => any, error?: unknown } | undefined
  close: () => Promise<void>
}

export async function lyingProxy (upstream: string, lie?: LyingProxy['lie']): Promise<LyingProxy> {
  const proxy: LyingProxy = { url: '', upstream, lie, close: async () => {} }
  const server: Server = createServer((req, res) => {
    let body = ''
    req.on('data', (c) => { body += c })
    req.on('end', () => {
      void (async () => {
        const up = await fetch(proxy.upstream, { method: 'POST', headers: { 'content-type': 'application/json' }, body })
        const answer = await up.json() as { result?: unknown, error?: unknown }
        const l = proxy.lie
        if (l !== undefined && JSON.parse(body).method === l.method) {
          if (l.error !== undefined) { delete answer.result; answer.error = l.error } else answer.result = l.alter(answer.result)
        }
        res.setHeader('content-type', 'application/json')
        res.end(JSON.stringify(answer))
      })().catch((err: unknown) => { res.statusCode = 502; res.end(String(err)) })
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  proxy.url = `http://127.0.0.1:${(server.address() as { port: number }).port}`
  proxy.close = async () => { server.closeAllConnections(); await new Promise<void>((resolve) => server.close(() => { resolve() })) }
  return proxy
}
