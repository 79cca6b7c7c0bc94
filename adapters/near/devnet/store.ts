// The devnet's state, kept by height so every block's state stays readable (views at
// `final` or at a block id): each key holds its values with the height they were written
// at. Writes go to an overlay first (a receipt's changes), which is committed or dropped
// as a whole.

export interface Account {
  amount: bigint
  locked: bigint
  codeHash: string
  storageUsage: bigint
}

export type Permission = 'FullAccess' | { FunctionCall: { allowance: bigint | null, receiver_id: string, method_names: string[] } }
export interface AccessKey { nonce: bigint, permission: Permission }

/** Values by key: accounts `a:<id>`, code `c:<id>`, access keys `k:<id>:<public key>`, contract data `d:<id>:<hex key>`. */
export type Value = Account | AccessKey | Uint8Array

export interface StateReader {
  get<T extends Value>(key: string): T | undefined
  /** Keys with this prefix that hold a value, in order. */
  keys (prefix: string): string[]
}

export class VersionedStore {
  private readonly history = new Map<string, { at: number[], values: Array<Value | undefined> }>()

  /** The state as it stood after block `height`. */
  at (height: number): StateReader {
    return {
      get: <T extends Value>(key: string): T | undefined => this.read(key, height) as T | undefined,
      keys: (prefix: string) => [...this.history.keys()].filter((k) => k.startsWith(prefix) && this.read(k, height) !== undefined).sort()
    }
  }

  private read (key: string, height: number): Value | undefined {
    const h = this.history.get(key)
    if (h === undefined) return undefined
    let lo = 0
    let hi = h.at.length - 1
    let found = -1
    while (lo <= hi) {
      const mid = (lo + hi) >> 1
      if (h.at[mid]! <= height) { found = mid; lo = mid + 1 } else hi = mid - 1
    }
    return found < 0 ? undefined : h.values[found]
  }

  commit (height: number, changes: Map<string, Value | undefined>): void {
    for (const [key, value] of changes) {
      let h = this.history.get(key)
      if (h === undefined) { h = { at: [], values: [] }; this.history.set(key, h) }
      if (h.at.at(-1) === height) h.values[h.values.length - 1] = value
      else { h.at.push(height); h.values.push(value) }
    }
  }

  /** Every key's history, to save the devnet to disk. */
  dump (): Array<[string, number[], Array<Value | undefined>]> {
    return [...this.history].map(([k, h]) => [k, h.at, h.values])
  }

  load (rows: Array<[string, number[], Array<Value | undefined>]>): void {
    for (const [k, at, values] of rows) this.history.set(k, { at, values })
  }
}

/** Changes on top of a reader; `commit` moves them into the parent overlay (or returns them). */
export class Overlay implements StateReader {
  readonly changes = new Map<string, Value | undefined>()
  private readonly base: StateReader
  constructor (base: StateReader) { this.base = base }

  get<T extends Value>(key: string): T | undefined {
    if (this.changes.has(key)) return this.changes.get(key) as T | undefined
    return this.base.get<T>(key)
  }

  set (key: string, value: Value | undefined): void {
    this.changes.set(key, value)
  }

  keys (prefix: string): string[] {
    const all = new Set(this.base.keys(prefix))
    for (const [k, v] of this.changes) if (k.startsWith(prefix)) { if (v === undefined) all.delete(k); else all.add(k) }
    return [...all].sort()
  }

  mergeInto (parent: Overlay): void {
    for (const [k, v] of this.changes) parent.set(k, v)
  }
}
