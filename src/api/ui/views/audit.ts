// The governance audit: every operation in evaluation order, rejected ones with the reason.
import { html } from 'htm/preact'
import type { VNode } from 'preact'
import { useState } from 'preact/hooks'
import { ErrorLine, Id, useApi, when } from './parts.ts'

/** Operations shown (the last ones). */
const AUDIT_LIMIT = 200

export function AuditView ({ id }: { id: string }): VNode {
  const [rejected, setRejected] = useState(false)
  const audit = useApi<any>(`/admin/contexts/${id}/governance?limit=${AUDIT_LIMIT}${rejected ? '&rejected=true' : ''}`, 2000)
  const ops: any[] = audit.data?.ops ?? []
  return html`<div>
    <h3>Governance audit</h3>
    <label class="row"><input type="checkbox" checked=${rejected} onChange=${(e: Event) => { setRejected((e.target as HTMLInputElement).checked) }}/> rejected only</label>
    <${ErrorLine} error=${audit.error}/>
    <table class="audit">
      <thead><tr><th>#</th><th>When</th><th>Author</th><th>Operation</th><th>Verdict</th></tr></thead>
      <tbody>${[...ops].reverse().map((op) => html`<tr key=${op.id} class=${op.accepted ? '' : 'rejected'}>
        <td>${op.position}</td><td>${when(op.at)}</td><td><${Id} id=${op.author}/></td><td>${op.summary}</td>
        <td>${op.accepted ? 'accepted' : html`<span class="error">rejected: ${op.reason}</span>`}</td>
      </tr>`)}</tbody>
    </table>
    ${audit.data !== null ? html`<p class="muted">${ops.length} of ${audit.data.total} operations</p>` : null}
  </div>`
}
