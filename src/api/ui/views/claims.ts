// A claim about chain state, proven through the node's configured claim endpoints.
import { html } from 'htm/preact'
import type { VNode } from 'preact'
import { useState } from 'preact/hooks'
import { api } from '../client.ts'
import { ErrorLine, useAction } from './parts.ts'

export function ClaimsView (): VNode {
  const [chain, setChain] = useState('ethereum')
  const [statement, setStatement] = useState('{ "kind": "balance", "account": "0x…" }')
  const [result, setResult] = useState<unknown>(null)
  const action = useAction()
  const verify = async (e: Event): Promise<void> => {
    e.preventDefault()
    setResult(null)
    await action.run(async () => { setResult(await api('POST', '/admin/claims/verify', { chain, statement: JSON.parse(statement) })) })
  }
  return html`<section>
    <h2>Verify a claim</h2>
    <p class="muted">Proven through the endpoints in <code>config.json</code> <code>claims.${'<chain>'}</code> (docs/claims.md).</p>
    <form onSubmit=${verify}>
      <label for="claim-chain">Chain</label>
      <input id="claim-chain" value=${chain} onInput=${(e: Event) => { setChain((e.target as HTMLInputElement).value) }}/>
      <label for="claim-statement">Statement (JSON)</label>
      <textarea id="claim-statement" rows="4" value=${statement} onInput=${(e: Event) => { setStatement((e.target as HTMLTextAreaElement).value) }}></textarea>
      <button type="submit" disabled=${action.busy}>Verify</button>
    </form>
    <${ErrorLine} error=${action.error}/>
    ${result !== null ? html`<pre class="result">${JSON.stringify(result, null, 2)}</pre>` : null}
  </section>`
}
