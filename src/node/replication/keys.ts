// Group keys of the contexts this node is in: the keyring each context's governance
// yields for this node's identity (cached until governance changes), and the key duties
// of a member node — rotate a stale or missing key, share the current one with members
// and invitees who lack it. Keyrings of the most recently used contexts stay in memory;
// of every context, what its heartbeat asks (whether a key duty is due) is kept in a word.
import { toHex } from '../../crypto/bytes.ts'
import type { KeyPair } from '../../crypto/ed25519.ts'
import { pendingInvitees, roleOf } from '../../governance/acl.ts'
import { newGroupKey, shareAction, type KeyringView } from '../../governance/group-keys.ts'
import { Ratchets, type EpochKey } from '../../sync/ratchet/index.ts'
import { Lru } from '../../cache/lru.ts'
import { KEY_DUTY_DELAY_MS, KEYRINGS_MAX } from '../constants.ts'
import { dedupe, type Parts } from './parts.ts'

const NEEDS_KEY = ''
const NO_DUTY = '-'

export class Keys {
  private readonly r: Parts
  /** Group keys unwrapped per context, so that a keyring read again unwraps nothing. */
  private readonly keyCache = new Lru<Map<string, Uint8Array>>({ capacity: KEYRINGS_MAX })
  private readonly keyrings = new Lru<KeyringView>({ capacity: KEYRINGS_MAX })
  /**
   * Per context, from its last keyring: NEEDS_KEY (none yet, or a stale one), NO_DUTY
   * (the latest key is not shared with this node yet), or the epoch in force (hex), whose
   * generation may come due.
   */
  private readonly duty = new Map<string, string>()
  private readonly duties = new Map<string, ReturnType<typeof setTimeout>>()
  /** The key duty under way per context: duties run one at a time, each seeing what the last one shared. */
  private readonly running = new Map<string, Promise<void>>()
  private stopped = false
  /** The sending and receiving chains of every context's retained epochs. */
  readonly ratchets: Ratchets

  constructor (r: Parts) {
    this.r = r
    this.ratchets = new Ratchets(r.c.encryption, r.c.ratchetStore)
  }

  stop (): void {
    this.stopped = true
    for (const t of this.duties.values()) clearTimeout(t)
  }

  /** This node's identity in a context, if it holds one. */
  me (ctx: Uint8Array): KeyPair | undefined {
    const rec = this.r.c.contexts.find(ctx)
    return rec === undefined ? undefined : this.r.c.identities.get(ctx, rec.identity)
  }

  keyring (ctx: Uint8Array): KeyringView {
    const hex = toHex(ctx)
    const cached = this.keyrings.get(hex)
    if (cached !== undefined) return cached
    const me = this.me(ctx)
    const cache = this.keyCache.get(hex) ?? new Map<string, Uint8Array>()
    this.keyCache.set(hex, cache)
    const ring: KeyringView = me === undefined ? { known: new Map(), holders: new Map(), stale: false } : this.r.c.governance.keyring(ctx, me, cache)
    this.keyrings.set(hex, ring)
    this.duty.set(hex, ring.stale || ring.latest === undefined ? NEEDS_KEY : ring.current === undefined ? NO_DUTY : toHex(ring.current.id))
    // Chains of epochs superseded longer ago than the grace period are wiped now.
    this.ratchets.retain(ctx, [...ring.known.keys()])
    return ring
  }

  /**
   * Whether the key duty is due: no key, a stale one, or a generation due for its
   * scheduled rotation. Asked of every context every heartbeat: reads no keyring once known.
   */
  dutyDue (ctx: Uint8Array): boolean {
    const hex = toHex(ctx)
    let duty = this.duty.get(hex)
    if (duty === undefined) {
      this.keyring(ctx)
      duty = this.duty.get(hex)!
    }
    return duty === NEEDS_KEY || (duty !== NO_DUTY && this.ratchets.dueEpoch(ctx, duty))
  }

  keyById (ctx: Uint8Array): (id: string) => Uint8Array | undefined {
    return (id) => this.keyring(ctx).known.get(id)?.key
  }

  /** The epochs this node holds, in the order they came (the newest last). */
  epochs (ctx: Uint8Array): EpochKey[] {
    return [...this.keyring(ctx).known.values()]
  }

  /** Governance changed: the keyring is read again on next use. */
  invalidate (ctx: Uint8Array): void {
    this.keyrings.delete(toHex(ctx))
    this.duty.delete(toHex(ctx))
  }

  /** The context is gone from this node: drop every key cached for it. */
  forget (ctx: Uint8Array): void {
    this.keyrings.delete(toHex(ctx))
    this.duty.delete(toHex(ctx))
    this.keyCache.delete(toHex(ctx))
    this.ratchets.forget(ctx)
  }

  /**
   * Runs the key duties after a short random delay and re-checks then, so that several
   * nodes seldom do the same work; when they do, the extra ops are harmless.
   */
  schedule (ctx: Uint8Array, delay = Math.random() * KEY_DUTY_DELAY_MS): void {
    const hex = toHex(ctx)
    if (this.duties.has(hex) || this.stopped) return
    const timer = setTimeout(() => {
      this.duties.delete(hex)
      this.r.tasks.run('key duty', async () => { await this.r.keyDuties(ctx) }, { context: hex }, 'warn', { backoff: true })
    }, delay)
    timer.unref?.()
    this.duties.set(hex, timer)
  }

  /** One duty at a time per context (see `running`). */
  async run (ctx: Uint8Array): Promise<void> {
    // On a chain a share takes a block or more to land: a second duty started meanwhile
    // would share (or rotate) again. It waits, then finds the work done.
    const hex = toHex(ctx)
    const prev = this.running.get(hex) ?? Promise.resolve()
    const run = prev.catch(() => {}).then(async () => { await this.now(ctx) })
    this.running.set(hex, run)
    try {
      await run
    } finally {
      if (this.running.get(hex) === run) this.running.delete(hex)
    }
  }

  private async now (ctx: Uint8Array): Promise<void> {
    const { c, log } = this.r
    const s = c.governance.state(ctx)
    const me = this.me(ctx)
    if (s === undefined || me === undefined) return
    const role = roleOf(s, me.publicKey)
    if (role === undefined) return
    const ring = this.keyring(ctx)
    const members = [...s.members.values()].map((m) => m.identity)
    // A new epoch (through governance): none yet, or a member left.
    if ((ring.latest === undefined || ring.stale) && role !== 'reader') {
      const { action } = newGroupKey(ctx, members)
      await c.governance.shareKeys(ctx, me, action)
      log.info('rotated the group key', { context: toHex(ctx) })
      this.invalidate(ctx)
      return
    }
    const current = ring.current
    if (current === undefined) return
    // The generation in force is due (by age or messages): a new one from fresh randomness,
    // which members fetch from a holder (src/sync/ratchet/); governance is not involved.
    if (role !== 'reader' && this.ratchets.due(ctx, current)) {
      const gen = this.ratchets.rotate(ctx, current)
      log.info('rotated the generation', { context: toHex(ctx), generation: gen.n })
    }
    const invitees = pendingInvitees(s, Date.now())
    const lacking = [...members, ...invitees].filter((id) => !(ring.holders.get(toHex(id))?.has(toHex(current.id)) ?? false))
    if (lacking.length > 0) {
      await c.governance.shareKeys(ctx, me, shareAction(ctx, current, dedupe(lacking), false))
    }
  }
}
