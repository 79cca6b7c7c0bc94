// A context's members (role and remove buttons), the invite form, and its invitations
// (each new one's string to copy and its QR code).
import { html } from 'htm/preact'
import type { VNode } from 'preact'
import { useState } from 'preact/hooks'
import { api } from '../client.ts'
import { Qr } from '../qr.ts'
import { ErrorLine, Id, useAction, useApi, when } from './parts.ts'

export function MembersView ({ ctx, reload }: { ctx: any, reload: () => void }): VNode {
  const gov = useApi<any>(`/admin/contexts/${ctx.id}/governance?limit=1`, 2000)
  const action = useAction()
  const [invited, setInvited] = useState<any>(null)
  const [kind, setKind] = useState<'identity' | 'open'>('identity')
  const [identity, setIdentity] = useState('')
  const [role, setRole] = useState('member')
  const [copied, setCopied] = useState(false)
  const base = `/admin/contexts/${ctx.id}`
  const change = async (f: () => Promise<unknown>): Promise<void> => { await action.run(async () => { await f(); reload(); gov.reload() }) }
  const invite = async (e: Event): Promise<void> => {
    e.preventDefault()
    setCopied(false)
    await change(async () => { setInvited(await api('POST', `${base}/invitations`, kind === 'open' ? { open: true, role } : { identity: identity.trim(), role })) })
  }
  const copy = async (): Promise<void> => { await navigator.clipboard.writeText(invited.invitation); setCopied(true) }
  return html`<div>
    <h3>Members</h3>
    <table class="members">
      <thead><tr><th>Identity</th><th>Role</th><th>Capabilities</th><th></th></tr></thead>
      <tbody>${ctx.members.map((m: any) => html`<tr key=${m.identity} data-identity=${m.identity}>
        <td><${Id} id=${m.identity} n=${16}/>${m.identity === ctx.identity ? html` <span class="muted">(this node)</span>` : null}</td>
        <td>${m.role === 'admin' ? 'admin' : html`<select aria-label="role" value=${m.role} onChange=${(e: Event) => { void change(async () => await api('PUT', `${base}/members/${m.identity}/role`, { role: (e.target as HTMLSelectElement).value })) }}>
          <option value="member">member</option><option value="reader">reader</option></select>`}</td>
        <td>${m.role === 'admin' ? html`<span class="muted">all</span>` : m.capabilities.join(', ') || html`<span class="muted">none</span>`}</td>
        <td>${m.identity !== ctx.identity ? html`<button class="danger" onClick=${() => { void change(async () => await api('DELETE', `${base}/members/${m.identity}`)) }}>Remove</button>` : null}</td>
      </tr>`)}</tbody>
    </table>
    <${ErrorLine} error=${action.error}/>
    <h3>Invite</h3>
    <form class="row invite" onSubmit=${invite}>
      <select aria-label="invitation kind" value=${kind} onChange=${(e: Event) => { setKind((e.target as HTMLSelectElement).value as 'identity' | 'open') }}>
        <option value="identity">for an identity</option><option value="open">open (anyone with the string)</option>
      </select>
      ${kind === 'identity' ? html`<input id="invitee" placeholder="invitee's identity (moor identity new)" size="66" value=${identity} onInput=${(e: Event) => { setIdentity((e.target as HTMLInputElement).value) }}/>` : null}
      <select aria-label="invitee role" value=${role} onChange=${(e: Event) => { setRole((e.target as HTMLSelectElement).value) }}><option value="member">member</option><option value="reader">reader</option></select>
      <button type="submit" disabled=${action.busy}>Invite</button>
    </form>
    ${invited !== null ? html`<div class="invitation">
      <${Qr} text=${invited.invitation}/>
      <div>
        <p>Invitation ${invited.kind} · ${invited.role} · expires ${when(invited.expiresAt)}. The invitee runs <code>moor context join ${'<string>'}</code>:</p>
        <textarea class="invitation-string" readonly rows="4">${invited.invitation}</textarea>
        <button onClick=${copy}>${copied ? 'Copied' : 'Copy'}</button>
      </div>
    </div>` : null}
    <h3>Invitations</h3>
    <table class="invitations">
      <thead><tr><th>Id</th><th>Kind</th><th>Invitee</th><th>Role</th><th>Uses</th><th>Expires</th><th>Status</th><th></th></tr></thead>
      <tbody>${(gov.data?.invitations ?? []).map((i: any) => html`<tr key=${i.id}>
        <td><${Id} id=${i.id}/></td><td>${i.kind}</td><td>${i.invitee !== null ? html`<${Id} id=${i.invitee}/>` : i.account ?? '—'}</td><td>${i.role}</td>
        <td>${i.uses}/${i.maxUses}</td><td>${when(i.expiresAt)}</td><td>${i.status}</td>
        <td>${i.status === 'live' ? html`<button onClick=${() => { void change(async () => await api('DELETE', `${base}/invitations/${i.id}`)) }}>Revoke</button>` : null}</td>
      </tr>`)}</tbody>
    </table>
  </div>`
}
