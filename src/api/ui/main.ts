// The admin page's entry: the login form until a token works, then the node's views.
import { html } from 'htm/preact'
import { render } from 'preact'
import type { VNode } from 'preact'
import { useEffect, useState } from 'preact/hooks'
import { api, ApiError, token } from './client.ts'
import { ClaimsView } from './views/claims.ts'
import { ContextView } from './views/context.ts'
import { ContextsView } from './views/contexts.ts'
import { Login } from './views/login.ts'
import { PeersView } from './views/peers.ts'
import { short } from './views/parts.ts'

/** How often the header's counts are re-read (and at every change of view). */
const STATUS_REFRESH_MS = 5000

type Route = { view: 'contexts' } | { view: 'context', id: string } | { view: 'peers' } | { view: 'claims' }

function App (): VNode {
  const [status, setStatus] = useState<any>(null)
  const [authed, setAuthed] = useState(token.get() !== null)
  const [route, setRoute] = useState<Route>({ view: 'contexts' })
  const [error, setError] = useState<string | null>(null)

  useEffect(() => {
    if (!authed) return
    const read = (): void => {
      api('GET', '/admin/status').then(setStatus, (err: unknown) => {
        if (err instanceof ApiError && err.status === 401) { token.clear(); setAuthed(false); setError('the token was refused') } else setError((err as Error).message)
      })
    }
    read()
    const timer = setInterval(read, STATUS_REFRESH_MS)
    return () => { clearInterval(timer) }
  }, [authed, route])

  if (!authed || status === null) {
    return html`<${Login} error=${error} onToken=${(t: string) => { token.set(t); setError(null); setAuthed(true) }}/>`
  }
  const nav = (r: Route, label: string): VNode => html`<button class=${route.view === r.view ? 'tab on' : 'tab'} onClick=${() => { setRoute(r) }}>${label}</button>`
  return html`
    <header>
      <h1>Moorage node</h1>
      <span class="muted" title=${status.nodeId}>${short(status.nodeId, 16)} · v${status.version} · ${status.contexts} contexts · ${status.p2p.peers} peers</span>
      <nav>${nav({ view: 'contexts' }, 'Contexts')}${nav({ view: 'peers' }, 'Peers')}${nav({ view: 'claims' }, 'Claims')}</nav>
      <button class="link" onClick=${() => { token.clear(); setStatus(null); setAuthed(false) }}>Log out</button>
    </header>
    <main>
      ${route.view === 'contexts' ? html`<${ContextsView} open=${(id: string) => { setRoute({ view: 'context', id }) }}/>` : null}
      ${route.view === 'context' ? html`<${ContextView} id=${route.id} back=${() => { setRoute({ view: 'contexts' }) }}/>` : null}
      ${route.view === 'peers' ? html`<${PeersView}/>` : null}
      ${route.view === 'claims' ? html`<${ClaimsView}/>` : null}
    </main>`
}

render(html`<${App}/>`, document.getElementById('root')!)
