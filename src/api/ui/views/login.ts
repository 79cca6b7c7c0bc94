// The login form: the admin token from <home>/token, kept in sessionStorage by the caller.
import { html } from 'htm/preact'
import type { VNode } from 'preact'
import { useState } from 'preact/hooks'

export function Login ({ onToken, error }: { onToken: (t: string) => void, error: string | null }): VNode {
  const [value, setValue] = useState('')
  const submit = (e: Event): void => {
    e.preventDefault()
    if (value.trim() !== '') onToken(value.trim())
  }
  return html`<form class="login" onSubmit=${submit}>
    <h1>Moorage node</h1>
    <label for="token">Admin token</label>
    <input id="token" type="password" autocomplete="off" value=${value} onInput=${(e: Event) => { setValue((e.target as HTMLInputElement).value) }}/>
    <p class="muted">It is in <code>${'<home>'}/token</code>, written by <code>moor init</code>. It stays in this tab only.</p>
    ${error !== null ? html`<p class="error">${error}</p>` : null}
    <button type="submit">Log in</button>
  </form>`
}
