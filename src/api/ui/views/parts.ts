// Small pieces the views share: a loader hook, an error line, short ids, times.
import { html } from 'htm/preact'
import type { VNode } from 'preact'
import { useCallback, useEffect, useState } from 'preact/hooks'
import { api } from '../client.ts'

/** GETs `path` now and whenever `reload` is called; `every` ms also re-reads it. */
export function useApi<T = any> (path: string, every?: number): { data: T | null, error: string | null, reload: () => void } {
  const [data, setData] = useState<T | null>(null)
  const [error, setError] = useState<string | null>(null)
  const reload = useCallback(() => {
    api<T>('GET', path).then((d) => { setData(d); setError(null) }, (err: unknown) => { setError(String((err as Error).message ?? err)) })
  }, [path])
  useEffect(() => {
    reload()
    if (every === undefined) return
    const timer = setInterval(reload, every)
    return () => { clearInterval(timer) }
  }, [reload, every])
  return { data, error, reload }
}

/** Runs an action, showing its error until the next run. */
export function useAction (): { run: (f: () => Promise<unknown>) => Promise<void>, error: string | null, busy: boolean } {
  const [error, setError] = useState<string | null>(null)
  const [busy, setBusy] = useState(false)
  const run = async (f: () => Promise<unknown>): Promise<void> => {
    setBusy(true)
    setError(null)
    try { await f() } catch (err) {
      const e = err as Error & { hint?: string }
      setError(e.message + (e.hint !== undefined ? ` (${e.hint})` : ''))
    } finally { setBusy(false) }
  }
  return { run, error, busy }
}

export function ErrorLine ({ error }: { error: string | null }): VNode | null {
  return error === null ? null : html`<p class="error" role="alert">${error}</p>`
}

export function short (id: string | null | undefined, n = 12): string {
  if (id == null) return '—'
  return id.length > n ? id.slice(0, n) + '…' : id
}

export function Id ({ id, n }: { id: string | null, n?: number }): VNode {
  return html`<code title=${id ?? ''}>${short(id, n)}</code>`
}

export function when (ms: number | null | undefined): string {
  return ms == null ? 'never' : new Date(ms).toLocaleString()
}
