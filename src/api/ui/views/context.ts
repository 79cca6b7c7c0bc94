// One context: what it is and where it stands, its live deltas and sync progress (over the
// node's SSE streams), and its members, invitations, proposals, audit and wallet links.
import { html } from 'htm/preact'
import type { VNode } from 'preact'
import { useEffect, useState } from 'preact/hooks'
import { stream } from '../client.ts'
import { AuditView } from './audit.ts'
import { MembersView } from './members.ts'
import { ErrorLine, Id, useAction, useApi, when } from './parts.ts'
import { ProposalsView } from './proposals.ts'
import { WalletsView } from './wallets.ts'

/** Live entries kept on screen. */
const FEED_LENGTH = 50
/** Governance changes (joins, removals) send no event: the views re-read this often. */
export const REFRESH_MS = 2000

interface FeedEntry { type: string, kind: string, data: string, at: number }

export function ContextView ({ id, back }: { id: string, back: () => void }): VNode {
  const ctx = useApi<any>(`/admin/contexts/${id}`, REFRESH_MS)
  const sync = useApi<any>(`/admin/contexts/${id}/sync`, REFRESH_MS)
  const gov = useApi<any>(`/admin/contexts/${id}/governance?limit=1`, REFRESH_MS)
  const [feed, setFeed] = useState<FeedEntry[]>([])
  const [live, setLive] = useState(false)
  const [tab, setTab] = useState('members')

  useEffect(() => {
    const controller = new AbortController()
    setFeed([])
    stream(`/admin/contexts/${id}/events`, (e) => {
      setLive(true)
      const event = JSON.parse(e.data) as FeedEntry
      setFeed((f) => [event, ...f].slice(0, FEED_LENGTH))
      if (event.type === 'delta') { ctx.reload(); sync.reload() }
    }, { signal: controller.signal }).catch(() => {}).finally(() => { setLive(false) })
    setLive(true)
    return () => { controller.abort() }
  }, [id])

  const c = ctx.data
  const s = sync.data
  const tabs: Array<[string, string]> = [['members', 'Members & invitations'], ['proposals', 'Proposals'], ['audit', 'Governance audit'], ['wallets', 'Wallet links']]
  return html`<section>
    <button class="link" onClick=${back}>← all contexts</button>
    <h2>Context <${Id} id=${id} n=${16}/></h2>
    <${ErrorLine} error=${ctx.error}/>
    ${c !== null ? html`<dl class="facts">
      <dt>Application</dt><dd><${Id} id=${c.applicationId}/></dd>
      <dt>Anchor</dt><dd>${c.anchor.kind}${c.anchor.network !== undefined ? html` · ${c.anchor.network} · contract <${Id} id=${c.anchor.contract}/>` : null}</dd>
      <dt>Governance position</dt><dd>${gov.data !== null ? `${gov.data.total} ops · revision ${gov.data.revision} · threshold ${gov.data.threshold}` : '…'}</dd>
      <dt>This node</dt><dd><${Id} id=${c.identity}/> ${c.removed !== null ? html`<span class="error">removed by ${c.removed.by.slice(0, 12)}… at ${when(c.removed.at)}</span>` : null}</dd>
      <dt>Key epoch</dt><dd class="key-epoch">${s?.keyEpochNumber ?? '—'} ${s?.awaitingKey === true ? html`<span class="muted">(awaiting the key)</span>` : null}</dd>
      <dt>Root hash</dt><dd class="root-hash"><${Id} id=${c.rootHash} n=${24}/></dd>
      <dt>Heads</dt><dd>${c.heads.map((h: string) => html`<${Id} id=${h}/> `)}</dd>
      <dt>Deltas</dt><dd class="delta-count">${c.deltaCount}</dd>
      <dt>Pending deltas</dt><dd>${s?.pendingDeltas ?? '—'}</dd>
      <dt>Peers in mesh</dt><dd>${s?.peers.length ?? '—'}</dd>
      <dt>Last sync</dt><dd>${when(s?.lastSync)}${s?.lastError != null ? html` <span class="error">${s.lastError}</span>` : null}</dd>
    </dl>` : null}
    <${SyncNow} id=${id} done=${() => { sync.reload(); ctx.reload() }}/>
    <h3>Live <span class=${live ? 'dot on' : 'dot'} title=${live ? 'connected' : 'not connected'}></span></h3>
    <ol class="feed">${feed.length === 0 ? html`<li class="muted">waiting for deltas and events…</li>` : feed.map((e) => html`<li class=${'feed-' + e.type}>
      <span class="muted">${new Date(e.at).toLocaleTimeString()}</span> ${e.type} ${e.kind} ${e.type === 'delta' ? html`<${Id} id=${e.data}/>` : html`<code>${e.data.slice(0, 80)}</code>`}</li>`)}</ol>
    <nav class="tabs">${tabs.map(([key, label]) => html`<button class=${tab === key ? 'tab on' : 'tab'} onClick=${() => { setTab(key) }}>${label}</button>`)}</nav>
    ${tab === 'members' && c !== null ? html`<${MembersView} ctx=${c} reload=${ctx.reload}/>` : null}
    ${tab === 'proposals' ? html`<${ProposalsView} id=${id}/>` : null}
    ${tab === 'audit' ? html`<${AuditView} id=${id}/>` : null}
    ${tab === 'wallets' ? html`<${WalletsView} id=${id}/>` : null}
  </section>`
}

/** "Sync now", with the catch-up's progress streamed into a progress bar. */
function SyncNow ({ id, done }: { id: string, done: () => void }): VNode {
  const [progress, setProgress] = useState<{ phase: string, done: number, total: number } | null>(null)
  const action = useAction()
  const run = async (): Promise<void> => {
    await action.run(async () => {
      setProgress({ phase: 'starting', done: 0, total: 0 })
      await stream(`/admin/contexts/${id}/sync`, (e) => {
        if (e.event === 'progress') setProgress(JSON.parse(e.data))
        if (e.event === 'error') throw new Error(JSON.parse(e.data).error.message)
      }, { method: 'POST' })
      setProgress(null)
      done()
    })
    setProgress(null)
  }
  return html`<div class="row">
    <button onClick=${run} disabled=${action.busy}>Sync now</button>
    ${progress !== null ? html`<label class="progress">${progress.phase} ${progress.done}/${progress.total || '?'}
      <progress max=${progress.total || 1} value=${progress.total > 0 ? progress.done : undefined}></progress></label>` : null}
    <${ErrorLine} error=${action.error}/>
  </div>`
}
