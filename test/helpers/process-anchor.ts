// The offchain anchor across node processes, for the Anchor conformance suite (test-only).
// Writes go to node process A: each request is signed there by the suite's signer (its
// key pair travels to A with the request), exactly as `governance.submit` would sign it
// on the signer's own node. Reads come from a second process B, a member of every context
// (joined through an identity-bound invitation) that receives the ops over the network:
// a read first waits until B's governance heads equal A's, then answers B's view. So every
// answer the suite checks is B's own evaluation of the DAG it received.
//
// Harness machinery kept out of the suite's sight: B's identity is left out of the member
// list B answers (the suite counts members), and once B has joined and holds the group
// key, both nodes' key duties (group-key rotation and shares, signed by the nodes' own
// identities — on A, the suite's admin) are switched off for the context, so that the
// only ops after setup are the suite's.
import { decode, encode } from 'cborg'
import { toHex } from '../../src/crypto/bytes.ts'
import type { Anchor, AnchorChange, GovernanceView, Receipt, Signer, SubmitOptions } from '../../src/governance/anchor.ts'
import type { GovAction } from '../../src/governance/types.ts'
import { NodeProcess, until, type NodeEvent } from './node-process.ts'

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')
const cbor = (v: unknown): string => hex(encode(v))
const uncbor = <T>(h: string): T => decode(new Uint8Array(Buffer.from(h, 'hex'))) as T

export class ProcessAnchor implements Anchor {
  readonly kind = 'offchain'
  readonly a: NodeProcess
  readonly b: NodeProcess
  /** B's identity per context (hex), hidden from the member lists. */
  private readonly observers = new Map<string, string>()
  private readonly listeners = new Map<string, Set<(c: AnchorChange) => void>>()
  private pending: Array<Promise<unknown>> = []
  /** How often a read had to fall back to an explicit catch-up (gossip alone was late). */
  fallbacks = 0

  constructor (a: NodeProcess, b: NodeProcess) {
    this.a = a
    this.b = b
    b.onEvent = (e: NodeEvent) => {
      const ev = e as NodeEvent & { action: string, accepted: boolean, author: string, reason: string | null }
      if (ev.kind !== 'gov') return
      if (this.observers.get(ev.ctx) === ev.author) return
      const change: AnchorChange = { context: new Uint8Array(Buffer.from(ev.ctx, 'hex')), id: ev.deltaId!, author: new Uint8Array(Buffer.from(ev.author, 'hex')), action: { type: ev.action }, accepted: ev.accepted, revision: 0, ...(ev.reason !== null ? { reason: ev.reason } : {}) }
      for (const l of this.listeners.get(ev.ctx) ?? []) l(change)
    }
  }

  static async start (): Promise<ProcessAnchor> {
    const [a, b] = await Promise.all([NodeProcess.start({ name: 'anchor-a', logLevel: 'warn' }), NodeProcess.start({ name: 'anchor-b', logLevel: 'warn' })])
    return new ProcessAnchor(a, b)
  }

  async createContext (init: { application: Uint8Array, creator: Signer, salt?: Uint8Array }): Promise<{ context: Uint8Array, receipt: Receipt }> {
    const created = await this.a.call('govCreate', { application: hex(init.application), publicKey: hex(init.creator.publicKey), secretKey: hex(init.creator.secretKey), ...(init.salt !== undefined ? { salt: hex(init.salt) } : {}) })
    const ctx: string = created.context
    const identity: string = await this.b.call('identity')
    this.observers.set(ctx, identity)
    const invitation = await this.a.call('inviteAs', { ctx, identity, role: 'reader' })
    // The suite's application ids are random bytes, not modules: B's join ends with a failed
    // application fetch after the claim and the group key, which governance does not need.
    await this.b.call('joinGovernance', { invitation, ctx }, 90_000)
    await until('b to hold the group key', async () => (await this.b.call('keys', { ctx })).length > 0, 30_000)
    await Promise.all([this.a.call('quiet', { ctx }), this.b.call('quiet', { ctx })])
    // Let key duties already under way finish, then start from one DAG on both.
    let last = ''
    await until('a quiet, shared governance DAG', async () => {
      const [ha, hb] = await Promise.all([this.heads(this.a, ctx), this.heads(this.b, ctx)])
      const same = ha === hb && ha === last
      last = ha === hb ? ha : ''
      return same
    }, 30_000, 500)
    return { context: new Uint8Array(Buffer.from(ctx, 'hex')), receipt: created.receipt }
  }

  async submit (context: Uint8Array, signer: Signer, action: GovAction, options?: SubmitOptions): Promise<Receipt> {
    await Promise.all(this.pending)
    return await this.a.call('govSubmit', {
      ctx: hex(context),
      publicKey: hex(signer.publicKey),
      secretKey: hex(signer.secretKey),
      action: cbor(action),
      ...(options?.nonce !== undefined ? { nonce: options.nonce.toString() } : {})
    })
  }

  async nonce (context: Uint8Array, identity: Uint8Array): Promise<bigint> {
    await this.settled(context)
    return BigInt(await this.b.call('govNonce', { ctx: hex(context), identity: hex(identity) }))
  }

  async view (context: Uint8Array): Promise<GovernanceView> {
    const ctx = hex(context)
    await this.settled(context)
    const v = uncbor<GovernanceView>(await this.b.call('govView', { ctx }))
    return { ...v, members: v.members.filter((m) => toHex(m.identity) !== this.observers.get(ctx)) }
  }

  watch (context: Uint8Array, listener: (change: AnchorChange) => void): () => void {
    const ctx = hex(context)
    const set = this.listeners.get(ctx) ?? new Set()
    this.listeners.set(ctx, set)
    set.add(listener)
    // Submits wait for the watch to be in place on B.
    this.pending.push(this.b.call('govWatch', { ctx }))
    return () => {
      set.delete(listener)
      if (set.size === 0) this.pending.push(this.b.call('govUnwatch', { ctx }).catch(() => {}))
    }
  }

  /** Resends the stored op bytes of `receipt` to B, as a peer replaying them would. */
  async replay (context: Uint8Array, receipt: Receipt): Promise<void> {
    const ctx = hex(context)
    const bytes = await this.a.call('govOpBytes', { ctx, id: receipt.id })
    await this.b.call('govReceive', { ctx, ops: [bytes] })
  }

  /** Shifts both processes' anchor clocks. */
  async advance (ms: number): Promise<void> {
    await Promise.all([this.a.call('skew', { ms }), this.b.call('skew', { ms })])
  }

  async now (): Promise<number> {
    return await this.a.call('now')
  }

  async close (): Promise<void> {
    await Promise.all([this.a.cleanup(), this.b.cleanup()])
  }

  private async heads (n: NodeProcess, ctx: string): Promise<string> {
    return (await n.call('govHeads', { ctx })).join()
  }

  /** Waits until B's governance heads equal A's (over gossip; after 3 s, B also asks A for the log). */
  private async settled (context: Uint8Array): Promise<void> {
    const ctx = hex(context)
    const start = Date.now()
    let asked = false
    await until('b to have a\'s governance heads', async () => {
      const [ha, hb] = await Promise.all([this.heads(this.a, ctx), this.heads(this.b, ctx)])
      if (ha === hb) return true
      if (!asked && Date.now() - start > 3_000) {
        asked = true
        this.fallbacks++
        await this.b.call('govSync', { ctx, peer: this.a.peerId }).catch(() => {})
      }
      return false
    }, 20_000, 25)
  }
}
