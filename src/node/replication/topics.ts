// The gossip topic of each context this node is a member of: subscribed while a member,
// left when it no longer is; publishing seals with the next message key of this node's
// sending chain in the epoch in force (src/sync/ratchet/).
import { toHex } from '../../crypto/bytes.ts'
import type { GroupKey } from '../../governance/group-keys.ts'
import { roleOf } from '../../governance/acl.ts'
import { RATCHETED_KINDS, type EnvelopeKind } from '../../sync/envelope.ts'
import type { ContextRecord } from '../contexts.ts'
import { topicOf, type Parts } from './parts.ts'

export class Topics {
  private readonly r: Parts
  /** Hex ids of the contexts whose topic this node follows. */
  readonly subscribed = new Set<string>()

  constructor (r: Parts) {
    this.r = r
  }

  has (ctx: Uint8Array): boolean {
    return this.subscribed.has(toHex(ctx))
  }

  /** Subscribes to a context's topic while this node is a member; leaves it otherwise. */
  refreshMembership (rec: ContextRecord): void {
    const { c, log } = this.r
    const hex = toHex(rec.id)
    const s = c.governance.state(rec.id)
    const member = s !== undefined && roleOf(s, rec.identity) !== undefined
    if (member && !this.subscribed.has(hex)) {
      this.subscribed.add(hex)
      const id = rec.id
      c.network.subscribe(topicOf(id), (msg) => this.r.gossip.onMessage(id, msg.from, msg.data))
    } else if (!member && this.subscribed.has(hex)) {
      this.subscribed.delete(hex)
      c.network.unsubscribe(topicOf(rec.id))
      log.info('no longer a member: left the context topic', { context: hex })
      c.publisher.emit({ contextId: hex, type: 'delta', kind: 'membership-lost', data: '', deltaId: null, at: Date.now() })
    }
  }

  /** The context was deleted here: stop following its topic. Answers whether it was followed. */
  leave (ctx: Uint8Array): boolean {
    if (!this.subscribed.delete(toHex(ctx))) return false
    this.r.c.network.unsubscribe(topicOf(ctx))
    return true
  }

  /** Seals and publishes; answers how many peers it went to (0 when none, or on failure). */
  async publish (ctx: Uint8Array, kind: EnvelopeKind, subject: Uint8Array, payload: Uint8Array, explicitKey?: GroupKey): Promise<number> {
    const key = explicitKey ?? this.r.keys.keyring(ctx).current
    // No current key (none yet, or stale after a removal): heartbeats and catch-up send it later.
    const me = this.r.keys.me(ctx)
    if (key === undefined || me === undefined || !this.subscribed.has(toHex(ctx))) return 0
    const { ratchets } = this.r.keys
    // Generation 0 comes from the epoch secret, which the governance log keeps for good (a
    // copy of a home opens it): nothing is sealed under it; the first message of a node in
    // an epoch moves it to a generation of fresh randomness (docs/encryption.md).
    if (RATCHETED_KINDS.has(kind) && ratchets.current(ctx, key).n === 0) ratchets.rotate(ctx, key)
    const sealed = ratchets.seal(ctx, key, me.publicKey, kind, subject, payload)
    if (ratchets.due(ctx, key)) this.r.keys.schedule(ctx)
    try {
      return await this.r.c.network.publish(topicOf(ctx), sealed)
    } catch (err) {
      this.r.log.debug('publish failed', { context: toHex(ctx), error: (err as Error).message })
      return 0
    }
  }
}
