// The governance DAG of one offchain context and its deterministic evaluation.
//
// Every node orders the DAG the same way (topological order, ties broken by HLC, then
// author, then op id) and evaluates the ops in that order. An op is accepted when its
// author was allowed to do it both
//   1. at its causal point — the state built from the ops it had seen (its ancestors), and
//   2. in the evaluation order — the state built from every accepted op ordered before it.
// Rule 2 is what resolves concurrent conflicts: of two admins removing each other
// concurrently, the removal ordered first wins and the other author, no longer an admin,
// is refused. Removing or demoting the last admin is always refused, so a context never
// loses its last admin. Rejected ops stay in the DAG with their reason.
//
// What may enter the DAG at all is decided before anything is stored (`admissible`, called
// by the anchor's ingest): the one root is the genesis that derives the context id (so no
// op can sort ahead of it), and every other op must be allowed to its author at its causal
// point computed from its ancestors alone — a function of the op's content, so every node
// takes in the same ops. An honest author always passes (it built the op on everything it
// had seen); a stranger's op never does.
import { compareBytes, equalBytes, owned, toHex } from '../../crypto/bytes.ts'
import { applyAction, cloneState, genesisState, roleOf, type GovState } from '../acl.ts'
import { applyWalletAction } from '../../wallets/book.ts'
import { contextIdFor, type GovOp, type KeyShareAction } from './op.ts'

export interface Verdict {
  accepted: boolean
  reason?: string
  /** Position in the evaluation order. */
  position: number
}

function orderKey (a: GovOp, b: GovOp): number {
  return a.hlc.ms - b.hlc.ms || a.hlc.c - b.hlc.c || compareBytes(a.author, b.author) || compareBytes(a.id, b.id)
}

export class GovernanceLog {
  readonly context: Uint8Array
  private readonly ops = new Map<string, GovOp>()
  private order: GovOp[] = []
  private verdicts = new Map<string, Verdict>()
  private ancestorsOf = new Map<string, Set<string>>()
  private final: GovState | undefined
  private heads: Uint8Array[] = []
  private readonly atCache = new Map<string, GovState | undefined>()
  private readonly causalCache = new Map<string, GovState | undefined>()
  /** Ops added since the last evaluation. */
  private tail: GovOp[] = []

  constructor (context: Uint8Array) {
    this.context = owned(context)
  }

  has (id: Uint8Array): boolean {
    return this.ops.has(toHex(id))
  }

  get size (): number {
    return this.ops.size
  }

  /** Adds ops whose parents are all known (call `evaluate` afterwards). */
  add (op: GovOp): void {
    if (this.ops.has(toHex(op.id))) return
    this.ops.set(toHex(op.id), op)
    this.tail.push(op)
  }

  /** A copy to try ops on (ingest judges a batch on it before anything is stored). */
  fork (): GovernanceLog {
    if (this.tail.length > 0) this.evaluate()
    const f = new GovernanceLog(this.context)
    for (const [k, op] of this.ops) f.ops.set(k, op)
    f.order = [...this.order]
    f.verdicts = new Map(this.verdicts)
    f.ancestorsOf = new Map(this.ancestorsOf)
    f.final = this.final === undefined ? undefined : cloneState(this.final)
    f.heads = [...this.heads]
    return f
  }

  /**
   * Why `op` may not enter this DAG, or null when it may. Its parents must all be in the
   * DAG (evaluated). The answer depends on the op and its ancestors only.
   */
  admissible (op: GovOp): string | null {
    if (this.tail.length > 0) this.evaluate()
    if (!equalBytes(op.context, this.context)) return 'the op is for another context'
    if (op.action.type === 'genesis' || op.parents.length === 0) {
      if (op.action.type !== 'genesis') return 'only the genesis op has no parents'
      if (op.parents.length > 0) return 'a genesis op has no parents'
      if (!equalBytes(contextIdFor(op.author, op.action.application, op.action.salt), this.context)) return 'genesis does not derive this context id'
      if (this.order.length > 0) return 'this context already has its genesis'
      return null
    }
    const causal = this.causalState(op.parents)
    if (causal === undefined) return 'its ancestors hold no valid genesis'
    const why = this.check(cloneState(causal), op)
    return why === null ? null : `at its causal point: ${why}`
  }

  /** The state built from `parents` and their ancestors alone (what an author of an op on them saw). */
  private causalState (parents: Uint8Array[]): GovState | undefined {
    const k = parents.map(toHex).sort().join('')
    if (k === this.heads.map(toHex).join('')) return this.final
    if (this.causalCache.has(k)) return this.causalCache.get(k)
    const sub = new GovernanceLog(this.context)
    for (const p of parents) {
      sub.add(this.ops.get(toHex(p))!)
      for (const a of this.ancestorsOf.get(toHex(p)) ?? []) sub.add(this.ops.get(a)!)
    }
    sub.evaluate()
    const s = sub.state()
    if (this.causalCache.size > 256) this.causalCache.delete(this.causalCache.keys().next().value as string)
    this.causalCache.set(k, s)
    return s
  }

  missingParents (op: GovOp): Uint8Array[] {
    return op.parents.filter((p) => !this.ops.has(toHex(p)))
  }

  /**
   * Recomputes order, verdicts and state (governance DAGs are small): from scratch, or by
   * appending when every op added since the last evaluation builds on all heads before
   * it (the common case, and a sync of a linear log).
   */
  evaluate (): void {
    const tail = this.tail
    this.tail = []
    if (tail.length > 0 && this.order.length > 0 && this.appends(tail)) {
      for (const op of tail) this.append(op)
      this.atCache.clear()
      return
    }
    const all = [...this.ops.values()]
    const children = new Map<string, GovOp[]>()
    const indegree = new Map<string, number>()
    for (const op of all) {
      indegree.set(toHex(op.id), op.parents.length)
      for (const p of op.parents) {
        const list = children.get(toHex(p)) ?? []
        list.push(op)
        children.set(toHex(p), list)
      }
    }
    const ready = all.filter((op) => op.parents.length === 0).sort(orderKey)
    const order: GovOp[] = []
    while (ready.length > 0) {
      const op = ready.shift()!
      order.push(op)
      for (const child of children.get(toHex(op.id)) ?? []) {
        const left = indegree.get(toHex(child.id))! - 1
        indegree.set(toHex(child.id), left)
        if (left === 0) {
          const at = ready.findIndex((r) => orderKey(child, r) < 0)
          ready.splice(at < 0 ? ready.length : at, 0, child)
        }
      }
    }
    this.order = order
    this.ancestorsOf = new Map()
    for (const op of order) {
      const set = new Set<string>()
      for (const p of op.parents) {
        set.add(toHex(p))
        for (const a of this.ancestorsOf.get(toHex(p)) ?? []) set.add(a)
      }
      this.ancestorsOf.set(toHex(op.id), set)
    }
    this.verdicts = new Map()
    this.final = undefined
    let state: GovState | undefined
    order.forEach((op, position) => {
      const reason = this.judge(op, position, state, (s) => { state = s })
      this.verdicts.set(toHex(op.id), reason === null ? { accepted: true, position } : { accepted: false, reason, position })
    })
    this.final = state
    const referenced = new Set(all.flatMap((op) => op.parents.map(toHex)))
    this.heads = all.filter((op) => !referenced.has(toHex(op.id))).map((op) => op.id).sort(compareBytes)
    this.atCache.clear()
  }

  private appends (tail: GovOp[]): boolean {
    let heads = this.heads.map(toHex).join('')
    for (const op of tail) {
      if (op.parents.map(toHex).join('') !== heads) return false
      heads = toHex(op.id)
    }
    return true
  }

  /** Evaluates one op that saw everything before it: it goes last in the order. */
  private append (op: GovOp): void {
    const position = this.order.length
    this.order.push(op)
    this.ancestorsOf.set(toHex(op.id), new Set(this.order.slice(0, position).map((o) => toHex(o.id))))
    let state = this.final === undefined ? undefined : cloneState(this.final)
    const reason = this.judge(op, position, state, (s) => { state = s })
    this.verdicts.set(toHex(op.id), reason === null ? { accepted: true, position } : { accepted: false, reason, position })
    this.final = state
    this.heads = [op.id]
  }

  private judge (op: GovOp, position: number, state: GovState | undefined, setState: (s: GovState) => void): string | null {
    if (op.action.type === 'genesis') {
      if (position !== 0 || op.parents.length > 0) return 'a genesis op must be the only root of the DAG'
      if (!equalBytes(contextIdFor(op.author, op.action.application, op.action.salt), this.context)) return 'genesis does not derive this context id'
      const s = genesisState(this.context, op.action.application, op.author)
      s.nonces.set(toHex(op.author), op.nonce)
      setState(s)
      return null
    }
    if (state === undefined) return 'the DAG has no valid genesis'
    if (op.parents.length === 0) return 'only the genesis op has no parents'
    const ancestors = this.ancestorsOf.get(toHex(op.id))!
    // Common case: the op saw everything ordered before it; both rules are one check.
    if (ancestors.size !== position) {
      const causal = this.replay(ancestors, position)
      const why = this.check(cloneState(causal), op)
      if (why !== null) return `at its causal point: ${why}`
    }
    return this.check(state, op)
  }

  /** Applies `op` to `s` if allowed; returns the rejection reason otherwise. */
  private check (s: GovState, op: GovOp): string | null {
    const ctx = { author: op.author, nonce: op.nonce, at: op.hlc.ms }
    if (op.action.type === 'genesis') return 'only one genesis'
    if (op.action.type === 'keys') return applyKeys(s, op.action, ctx)
    if (op.action.type === 'linkWallet' || op.action.type === 'unlinkWallet') return applyWallet(s, op.action, ctx)
    return applyAction(s, op.action, ctx)
  }

  /** The state built from the accepted ops among `ids`, in evaluation order (before `limit`). */
  private replay (ids: Set<string>, limit: number): GovState {
    let s: GovState | undefined
    for (let i = 0; i < limit; i++) {
      const op = this.order[i]!
      const hex = toHex(op.id)
      if (!ids.has(hex) || this.verdicts.get(hex)?.accepted !== true) continue
      if (op.action.type === 'genesis') {
        s = genesisState(this.context, op.action.application, op.author)
        s.nonces.set(toHex(op.author), op.nonce)
      } else if (s !== undefined) {
        this.check(s, op)
      }
    }
    return s ?? genesisState(this.context, new Uint8Array(32), new Uint8Array(32))
  }

  verdict (id: Uint8Array): Verdict | undefined {
    if (this.tail.length > 0) this.evaluate()
    return this.verdicts.get(toHex(id))
  }

  /** The current governance state (undefined before a valid genesis). */
  state (): GovState | undefined {
    if (this.tail.length > 0) this.evaluate()
    return this.final
  }

  currentHeads (): Uint8Array[] {
    if (this.tail.length > 0) this.evaluate()
    return this.heads
  }

  /** The state at a governance point (the heads a delta was written at). */
  stateAt (heads: Uint8Array[]): GovState | undefined {
    if (this.tail.length > 0) this.evaluate()
    const k = heads.map(toHex).sort().join('')
    if (k === this.heads.map(toHex).join('')) return this.final
    if (this.atCache.has(k)) return this.atCache.get(k)
    if (heads.some((h) => !this.ops.has(toHex(h)))) return undefined
    const ids = new Set<string>()
    for (const h of heads) {
      ids.add(toHex(h))
      for (const a of this.ancestorsOf.get(toHex(h)) ?? []) ids.add(a)
    }
    const s = this.replay(ids, this.order.length)
    if (this.atCache.size > 256) this.atCache.delete(this.atCache.keys().next().value as string)
    this.atCache.set(k, s)
    return s
  }

  /** Whether governance point `point` (heads) has op `id` among itself or its ancestors. */
  sees (point: Uint8Array[], id: Uint8Array): boolean {
    if (this.tail.length > 0) this.evaluate()
    const hex = toHex(id)
    return point.some((h) => toHex(h) === hex || (this.ancestorsOf.get(toHex(h))?.has(hex) ?? false))
  }

  /** Ops in evaluation order with their verdicts (for audit and explanations). */
  history (): Array<{ op: GovOp, verdict: Verdict }> {
    if (this.tail.length > 0) this.evaluate()
    return this.order.map((op) => ({ op, verdict: this.verdicts.get(toHex(op.id))! }))
  }
}

/** Wallet links and revocations (src/wallets/book.ts); nonces as for every op. */
function applyWallet (s: GovState, a: Parameters<typeof applyWalletAction>[2], ctx: { author: Uint8Array, nonce: bigint, at: number }): string | null {
  const last = s.nonces.get(toHex(ctx.author)) ?? 0n
  if (ctx.nonce <= last) return `stale nonce ${ctx.nonce}: the last accepted nonce is ${last}`
  const why = applyWalletAction(s.wallets, s.context, a, ctx.author, ctx.at, (id) => roleOf(s, id) !== undefined)
  if (why !== null) return why
  s.nonces.set(toHex(ctx.author), ctx.nonce)
  s.revision++
  return null
}

/** Key shares and rotations: any member may share keys with members; they change no roles. */
function applyKeys (s: GovState, a: KeyShareAction, ctx: { author: Uint8Array, nonce: bigint }): string | null {
  const last = s.nonces.get(toHex(ctx.author)) ?? 0n
  if (ctx.nonce <= last) return `stale nonce ${ctx.nonce}: the last accepted nonce is ${last}`
  if (roleOf(s, ctx.author) === undefined) return 'only members share group keys'
  if (a.rotate && roleOf(s, ctx.author) === 'reader') return 'readers cannot rotate the group key'
  s.nonces.set(toHex(ctx.author), ctx.nonce)
  s.revision++
  return null
}
