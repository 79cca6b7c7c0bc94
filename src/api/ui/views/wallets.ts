// Wallet accounts linked to the context's identities (linking needs the wallet's signature:
// `moor wallet link`, docs/wallets.md).
import { html } from 'htm/preact'
import type { VNode } from 'preact'
import { ErrorLine, Id, useApi, when } from './parts.ts'

export function WalletsView ({ id }: { id: string }): VNode {
  const links = useApi<{ links: any[] }>(`/admin/contexts/${id}/wallets`)
  const list = links.data?.links ?? []
  return html`<div>
    <h3>Wallet links</h3>
    <${ErrorLine} error=${links.error}/>
    <table class="wallets">
      <thead><tr><th>Account</th><th>Identity</th><th>Linked</th><th>Expires</th><th>State</th></tr></thead>
      <tbody>${list.map((l) => html`<tr key=${l.account + l.identity}>
        <td><code>${l.account}</code></td><td><${Id} id=${l.identity}/></td><td>${when(l.linkedAt)}</td><td>${l.expiry}</td>
        <td>${l.expired === true ? 'expired' : l.reason ?? 'linked'}</td></tr>`)}</tbody>
    </table>
    ${list.length === 0 ? html`<p class="muted">No wallet linked. Link one with <code>moor wallet link</code>.</p>` : null}
  </div>`
}
