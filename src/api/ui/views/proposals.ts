// Open proposals with their approvals, and the approve button.
import { html } from 'htm/preact'
import type { VNode } from 'preact'
import { api } from '../client.ts'
import { ErrorLine, Id, useAction, useApi, when } from './parts.ts'

export function describeAction (a: any): string {
  switch (a.type) {
    case 'setThreshold': return `set threshold to ${a.threshold}`
    case 'setActiveLimit': return `set active-proposal limit to ${a.limit}`
    case 'addAdmin': return `make ${a.identity.slice(0, 12)}… admin`
    case 'removeAdmin': return `remove admin ${a.identity.slice(0, 12)}…`
    case 'setValue': return `set value ${a.key} = ${a.value}`
    case 'deleteProposal': return `delete proposal ${a.proposal.slice(0, 12)}…`
    case 'transfer': return `transfer ${a.amount} ${a.unit ?? ''} to ${a.to}`
    case 'call': return `call ${a.target}`
    default: return JSON.stringify(a)
  }
}

export function ProposalsView ({ id }: { id: string }): VNode {
  const list = useApi<{ proposals: any[] }>(`/admin/contexts/${id}/proposals`, 2000)
  const action = useAction()
  const approve = async (pid: string): Promise<void> => { await action.run(async () => { await api('POST', `/admin/contexts/${id}/proposals/${pid}/approve`); list.reload() }) }
  const proposals = list.data?.proposals ?? []
  return html`<div>
    <h3>Open proposals</h3>
    <${ErrorLine} error=${list.error ?? action.error}/>
    <table class="proposals">
      <thead><tr><th>Proposal</th><th>Actions</th><th>Author</th><th>Approvals</th><th>Created</th><th>Status</th><th></th></tr></thead>
      <tbody>${proposals.map((p) => html`<tr key=${p.id} data-proposal=${p.id}>
        <td><${Id} id=${p.id}/></td><td>${p.actions.map(describeAction).join('; ')}</td><td><${Id} id=${p.author}/></td>
        <td>${p.counted}/${p.threshold}</td><td>${when(p.createdAt)}</td><td>${p.status}</td>
        <td>${p.status === 'open' ? html`<button onClick=${() => { void approve(p.id) }} disabled=${action.busy}>Approve</button>` : null}</td>
      </tr>`)}</tbody>
    </table>
    ${proposals.length === 0 ? html`<p class="muted">No open proposal. Create one with <code>moor proposal create</code>.</p>` : null}
  </div>`
}
