// Connected peers and the contexts this node shares with each.
import { html } from 'htm/preact'
import type { VNode } from 'preact'
import { ErrorLine, Id, useApi } from './parts.ts'

export function PeersView (): VNode {
  const peers = useApi<{ peers: any[] }>('/admin/peers', 3000)
  return html`<section>
    <h2>Peers</h2>
    <${ErrorLine} error=${peers.error}/>
    <table class="peers">
      <thead><tr><th>Peer</th><th>Shared contexts</th></tr></thead>
      <tbody>${(peers.data?.peers ?? []).map((p) => html`<tr key=${p.peerId}><td><${Id} id=${p.peerId} n=${20}/></td>
        <td>${p.contexts.length === 0 ? html`<span class="muted">none</span>` : p.contexts.map((c: string) => html`<${Id} id=${c}/> `)}</td></tr>`)}</tbody>
    </table>
    ${peers.data?.peers.length === 0 ? html`<p class="muted">No peer connected.</p>` : null}
  </section>`
}
