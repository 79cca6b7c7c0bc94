// Every context on the node, and a form to create one from an installed application.
import { html } from 'htm/preact'
import type { VNode } from 'preact'
import { useState } from 'preact/hooks'
import { api } from '../client.ts'
import { ErrorLine, Id, useAction, useApi } from './parts.ts'

export function ContextsView ({ open }: { open: (id: string) => void }): VNode {
  const contexts = useApi<{ contexts: any[] }>('/admin/contexts', 3000)
  const apps = useApi<{ applications: any[] }>('/admin/applications')
  const [app, setApp] = useState('')
  const action = useAction()
  const create = async (e: Event): Promise<void> => {
    e.preventDefault()
    const applicationId = app !== '' ? app : apps.data?.applications[0]?.id
    await action.run(async () => {
      const ctx = await api('POST', '/admin/contexts', { applicationId })
      contexts.reload()
      open(ctx.id)
    })
  }
  const appName = (id: string): string => apps.data?.applications.find((a) => a.id === id)?.name ?? id.slice(0, 12) + '…'
  return html`<section>
    <h2>Contexts</h2>
    <${ErrorLine} error=${contexts.error}/>
    <table class="contexts">
      <thead><tr><th>Context</th><th>Application</th><th>Anchor</th><th>Members</th><th>Deltas</th><th>Root hash</th><th>This node</th></tr></thead>
      <tbody>
        ${(contexts.data?.contexts ?? []).map((c) => html`<tr key=${c.id}>
          <td><button class="link" onClick=${() => { open(c.id) }}><${Id} id=${c.id}/></button></td>
          <td>${appName(c.applicationId)}</td>
          <td>${c.anchor.kind}${c.anchor.network !== undefined ? ` (${c.anchor.network})` : ''}</td>
          <td>${c.members.length}</td>
          <td>${c.deltaCount}</td>
          <td><${Id} id=${c.rootHash}/></td>
          <td>${c.removed !== null ? html`<span class="error">removed</span>` : c.members.find((m: any) => m.identity === c.identity)?.role ?? '—'}</td>
        </tr>`)}
      </tbody>
    </table>
    ${contexts.data?.contexts.length === 0 ? html`<p class="muted">No context yet.</p>` : null}
    <form class="row" onSubmit=${create}>
      <label for="new-app">Application</label>
      <select id="new-app" value=${app} onChange=${(e: Event) => { setApp((e.target as HTMLSelectElement).value) }}>
        ${(apps.data?.applications ?? []).map((a) => html`<option value=${a.id}>${a.name ?? a.id.slice(0, 12)} (${a.methods.length} methods)</option>`)}
      </select>
      <button type="submit" disabled=${action.busy || (apps.data?.applications.length ?? 0) === 0}>Create context</button>
    </form>
    ${apps.data?.applications.length === 0 ? html`<p class="muted">Install an application first: <code>moor app install ${'<file.wasm>'}</code>.</p>` : null}
    <${ErrorLine} error=${action.error}/>
  </section>`
}
