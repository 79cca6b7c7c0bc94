// The chain anchor conformance suite: what every chain adapter must do beyond the Anchor
// suite (which it runs too): a change feed with history and positions, finality, reads
// that say "not found" as a result, group-key shares, invitations revoked, members
// leaving, proposals deleted, reorgs (where the chain has them), and the holes found in
// Calimero's chain-era contracts — a signer with no nonce record yet, a removed member
// whose nonce record was deleted, and a replayed propose + approve after the proposal
// executed — which must all be refused. A chain's test file hands a setup to
// `chainAnchorConformance`.
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import { toHex } from '../../src/crypto/bytes.ts'
import { generateKeyPair, type KeyPair } from '../../src/crypto/ed25519.ts'
import type { AnchorChange, ChainAnchor, ChainAction, ChainChange, ChainGovernanceView, Position, Receipt } from '../../src/governance/anchor.ts'
import type { RefusalCode } from '../../src/governance/refusals.ts'
import { until } from '../helpers/until.ts'
import { anchorConformance, freshContext, refusedWith, type AnchorFixture } from './suite.ts'

export interface ChainAnchorFixture extends Omit<AnchorFixture, 'anchor' | 'replay'> {
  anchor: ChainAnchor
  /** Has the very request of `receipt` sent again by someone else: the chain's verdict (a refusal code, or 'accepted'). */
  resend: (context: Uint8Array, receipt: Receipt) => Promise<RefusalCode | 'accepted'>
  /** Reorgs, where the chain has them: `mark` the current head, later `reorg` back to it onto a longer other branch. */
  fork?: { mark: () => Promise<number>, reorg: (at: number) => Promise<void> }
}

export interface ChainAnchorHarness {
  name: string
  /** Whether the chain reorganises (then the fixture gives `fork`). */
  reorgs: boolean
  setup: () => Promise<ChainAnchorFixture>
}

const id = (): Uint8Array => new Uint8Array(randomBytes(32))
const has = (v: ChainGovernanceView, k: KeyPair): boolean => v.members.some((m) => toHex(m.identity) === toHex(k.publicKey))

export function chainAnchorConformance (h: ChainAnchorHarness): void {
  anchorConformance({ name: h.name, setup: async () => { const f = await h.setup(); return { ...f, replay: async (ctx, r) => { assert.equal(await f.resend(ctx, r), 'StaleNonce') } } } })

  describe(`chain anchor conformance: ${h.name}`, () => {
    let f: ChainAnchorFixture
    let a: ChainAnchor
    const app = id()
    before(async () => { f = await h.setup(); a = f.anchor })
    after(async () => { await f.close() })

    const fresh = async (): Promise<{ ctx: Uint8Array, admin: KeyPair }> => await freshContext(a, app)
    const submit = async (ctx: Uint8Array, who: KeyPair, action: ChainAction): Promise<Receipt> => await a.submit(ctx, who, action)
    const member = async (ctx: Uint8Array, admin: KeyPair, role: 'member' | 'reader' = 'member'): Promise<KeyPair> => {
      const k = generateKeyPair()
      await submit(ctx, admin, { type: 'addMember', identity: k.publicKey, role })
      return k
    }

    it('history from a position: every change once, in chain order, then the live ones with no gap', async () => {
      const { ctx, admin } = await fresh()
      const genesis = (await a.viewAt(ctx)).genesis
      await member(ctx, admin)
      await member(ctx, admin, 'reader')
      const seen: ChainChange[] = []
      const positions: Position[] = []
      const off = a.watch(ctx, (c) => { seen.push(c as ChainChange) }, { from: genesis.seq, onPosition: (p) => { positions.push(p) } })
      await until('the history', () => seen.length === 2)
      await member(ctx, admin)
      await until('the live change', () => seen.length === 3)
      const last = seen.at(-1)!.position.seq
      await until('a position past the last change', () => positions.some((p) => p.seq >= last))
      off()
      assert.deepEqual(seen.map((c) => [c.action.type, c.accepted]), [['addMember', true], ['addMember', true], ['addMember', true]])
      assert.deepEqual(seen.map((c) => c.revision), [2, 3, 4])
      assert.deepEqual(seen.map((c) => c.nonce), [1n, 2n, 3n])
      for (let i = 1; i < seen.length; i++) {
        const [x, y] = [seen[i - 1]!, seen[i]!]
        assert.ok(x.position.seq < y.position.seq || (x.position.seq === y.position.seq && x.index < y.index), 'chain order')
      }
      // A position told is on the chain, and the changes up to it were delivered first.
      const told = positions.find((p) => p.seq >= last)!
      assert.equal(await a.idAt(told.seq), told.id)
      assert.ok(seen.every((c) => c.at > 0), 'each change carries the chain\'s time')
      // From a later position: only what happened there and after.
      const later: ChainChange[] = []
      const off2 = a.watch(ctx, (c) => { later.push(c as ChainChange) }, { from: seen[1]!.position.seq })
      await until('the history from the second change', () => later.length === 2)
      off2()
      assert.deepEqual(later.map((c) => c.id), seen.slice(1).map((c) => c.id))
    })

    it('finality is declared; views are pinned to a confirmed position; "not found" is a result', async () => {
      assert.ok('confirmations' in a.finality ? a.finality.confirmations >= 1 : a.finality.tag.length > 0)
      const { ctx, admin } = await fresh()
      const v0 = await a.viewAt(ctx)
      assert.equal(await a.idAt(v0.position.seq), v0.position.id)
      assert.equal(toHex(v0.genesis.creator), toHex(admin.publicKey))
      assert.equal(toHex(v0.genesis.application), toHex(app))
      const bob = await member(ctx, admin)
      assert.equal(has(await a.viewAt(ctx), bob), true)
      const past = await a.lookup(ctx, { at: v0.position.seq })
      if (a.pastState) {
        assert.equal(past.found && has(past.value, bob), false, 'the membership of then')
      } else {
        assert.deepEqual(past, { found: false, missing: 'no-past-state' })
      }
      assert.deepEqual(await a.lookup(id()), { found: false, missing: 'no-context' })
      await assert.rejects(a.viewAt(id()), { name: 'NotFoundError' })
    })

    it('group-key shares: a member publishes them through the chain; a non-member and a rotating reader are refused', async () => {
      const { ctx, admin } = await fresh()
      const reader = await member(ctx, admin, 'reader')
      const seen: AnchorChange[] = []
      const off = a.watch(ctx, (c) => { seen.push(c) }, { from: (await a.viewAt(ctx)).genesis.seq })
      const share = { type: 'keys' as const, keyId: id(), rotate: true, shares: [{ recipient: reader.publicKey, wrapped: new Uint8Array(randomBytes(72)) }] }
      await submit(ctx, admin, share)
      await until('the share in the feed', () => seen.some((c) => c.action.type === 'keys'))
      off()
      assert.deepEqual(seen.find((c) => c.action.type === 'keys')!.action, share)
      const before = await a.viewAt(ctx)
      const stranger = generateKeyPair()
      await assert.rejects(submit(ctx, stranger, { ...share, keyId: id() }), refusedWith('KeysNotMember'))
      await assert.rejects(submit(ctx, reader, { ...share, keyId: id() }), refusedWith('ReaderCannotRotate'))
      assert.equal((await a.viewAt(ctx)).revision, before.revision, 'refused shares change nothing')
      assert.equal(await a.nonce(ctx, stranger.publicKey), 1n)
      // A reader re-shares the current key; any member (not only admins) rotates.
      assert.equal((await submit(ctx, reader, { ...share, rotate: false })).revision, before.revision + 1)
      const m = await member(ctx, admin)
      await submit(ctx, m, { ...share, keyId: id() })
    })

    it('revoke-invitation: a revoked invitation cannot be claimed; only managers revoke', async () => {
      const { ctx, admin } = await fresh()
      const bob = generateKeyPair()
      const m = await member(ctx, admin)
      const inv = id()
      await submit(ctx, admin, { type: 'invite', invitation: { id: inv, target: { type: 'identity', identity: bob.publicKey }, role: 'member', expiresAt: (await f.now()) + 60_000, maxUses: 1 } })
      await assert.rejects(submit(ctx, m, { type: 'revokeInvitation', invitation: inv }), refusedWith('MissingCapability'))
      await submit(ctx, admin, { type: 'revokeInvitation', invitation: inv })
      assert.equal((await a.viewAt(ctx)).invitations.find((i) => toHex(i.id) === toHex(inv))?.revoked, true)
      await assert.rejects(submit(ctx, bob, { type: 'claim', invitation: inv }), refusedWith('InvitationRevoked'))
      await assert.rejects(submit(ctx, admin, { type: 'revokeInvitation', invitation: id() }), refusedWith('NoSuchInvitation'))
      assert.equal(has(await a.viewAt(ctx), bob), false)
    })

    it('leave: a member leaves once; an admin leaving keeps the threshold reachable', async () => {
      const { ctx, admin } = await fresh()
      const m = await member(ctx, admin)
      await submit(ctx, m, { type: 'leave' })
      assert.equal(has(await a.viewAt(ctx), m), false)
      await assert.rejects(submit(ctx, m, { type: 'leave' }), refusedWith('NotMember'))
      const b = generateKeyPair()
      await submit(ctx, admin, { type: 'propose', proposal: id(), actions: [{ type: 'addAdmin', identity: b.publicKey }, { type: 'setThreshold', threshold: 2 }] })
      await submit(ctx, b, { type: 'leave' })
      const v = await a.viewAt(ctx)
      assert.equal(has(v, b), false)
      assert.equal(v.threshold, 1)
    })

    it('delete-proposal: a proposal deleted by another proposal can no longer be approved', async () => {
      const { ctx, admin } = await fresh()
      const b = generateKeyPair()
      await submit(ctx, admin, { type: 'propose', proposal: id(), actions: [{ type: 'addAdmin', identity: b.publicKey }, { type: 'setThreshold', threshold: 2 }] })
      const doomed = id()
      await submit(ctx, admin, { type: 'propose', proposal: doomed, actions: [{ type: 'setValue', key: new Uint8Array([7]), value: new Uint8Array([7]) }] })
      const del = id()
      await submit(ctx, admin, { type: 'propose', proposal: del, actions: [{ type: 'deleteProposal', proposal: doomed }] })
      await submit(ctx, b, { type: 'approve', proposal: del })
      const v = await a.viewAt(ctx)
      assert.deepEqual(v.proposals.map((p) => toHex(p.id)), [])
      assert.equal(v.history.at(-1)!.outcome, 'executed')
      await assert.rejects(submit(ctx, b, { type: 'approve', proposal: doomed }), refusedWith('NoSuchProposal'))
      assert.equal(v.values.length, 0)
    })

    it('a signer with no nonce record yet is refused, and its first accepted request cannot be replayed', async () => {
      const { ctx, admin } = await fresh()
      const stranger = generateKeyPair()
      assert.equal(await a.nonce(ctx, stranger.publicKey), 1n)
      await assert.rejects(submit(ctx, stranger, { type: 'addMember', identity: generateKeyPair().publicKey, role: 'member' }), refusedWith('MissingCapability'))
      assert.equal(await a.nonce(ctx, stranger.publicKey), 1n, 'a refused request spends no nonce')
      const bob = generateKeyPair()
      const inv = id()
      await submit(ctx, admin, { type: 'invite', invitation: { id: inv, target: { type: 'identity', identity: bob.publicKey }, role: 'member', expiresAt: (await f.now()) + 60_000, maxUses: 2 } })
      const claim = await submit(ctx, bob, { type: 'claim', invitation: inv })
      await submit(ctx, bob, { type: 'leave' })
      const before = await a.viewAt(ctx)
      // Bob's first request (no nonce record before it), sent again: refused, Bob stays out.
      assert.equal(await f.resend(ctx, claim), 'StaleNonce')
      const after = await a.viewAt(ctx)
      assert.equal(has(after, bob), false)
      assert.equal(after.revision, before.revision)
    })

    it('a removed member\'s nonce record is kept: its old requests cannot be replayed after it returns', async () => {
      const { ctx, admin } = await fresh()
      const m = await member(ctx, admin)
      await submit(ctx, admin, { type: 'grant', identity: m.publicKey, capability: 'ManageMembers' })
      const x = generateKeyPair()
      const added = await submit(ctx, m, { type: 'addMember', identity: x.publicKey, role: 'member' })
      await submit(ctx, admin, { type: 'removeMember', identity: m.publicKey })
      await submit(ctx, admin, { type: 'removeMember', identity: x.publicKey })
      assert.equal(await a.nonce(ctx, m.publicKey), 2n, 'the removed member\'s nonce record stays')
      assert.notEqual(await f.resend(ctx, added), 'accepted')
      // Back in, with the capability again: the old request is still spent.
      await submit(ctx, admin, { type: 'addMember', identity: m.publicKey, role: 'member' })
      await submit(ctx, admin, { type: 'grant', identity: m.publicKey, capability: 'ManageMembers' })
      assert.equal(await f.resend(ctx, added), 'StaleNonce')
      assert.equal(has(await a.viewAt(ctx), x), false)
    })

    it('a replayed propose + approve after the proposal executed is refused; its id stays spent', async () => {
      const { ctx, admin } = await fresh()
      const b = generateKeyPair()
      await submit(ctx, admin, { type: 'propose', proposal: id(), actions: [{ type: 'addAdmin', identity: b.publicKey }, { type: 'setThreshold', threshold: 2 }] })
      const p = id()
      const actions = [{ type: 'setValue' as const, key: new Uint8Array([1]), value: new Uint8Array([1]) }]
      const proposed = await submit(ctx, admin, { type: 'propose', proposal: p, actions })
      const approved = await submit(ctx, b, { type: 'approve', proposal: p })
      const done = await a.viewAt(ctx)
      assert.equal(done.history.filter((o) => o.proposal === toHex(p)).length, 1)
      assert.equal(await f.resend(ctx, proposed), 'StaleNonce')
      assert.equal(await f.resend(ctx, approved), 'StaleNonce')
      // The same proposal again with fresh nonces: its id was decided, so it is refused.
      await assert.rejects(submit(ctx, admin, { type: 'propose', proposal: p, actions }), refusedWith('ProposalSpent'))
      const after = await a.viewAt(ctx)
      assert.equal(after.history.filter((o) => o.proposal === toHex(p)).length, 1, 'executed once')
      assert.equal(after.proposals.length, 0)
    })

    if (h.reorgs) it('a reorg undoes what its dropped positions held, and the feed says so', async () => {
      assert.ok(f.fork !== undefined, 'a chain with reorgs gives the fork hook')
      const { ctx, admin } = await fresh()
      const seen: AnchorChange[] = []
      const positions: Position[] = []
      const off = a.watch(ctx, (c) => { seen.push(c) }, { from: (await a.viewAt(ctx)).genesis.seq, onPosition: (p) => { positions.push(p) } })
      const mark = await f.fork.mark()
      await until('the feed at the mark', () => positions.some((p) => p.seq >= mark))
      const bob = generateKeyPair()
      const r = await submit(ctx, admin, { type: 'addMember', identity: bob.publicKey, role: 'member' })
      await until('the change', () => seen.some((c) => c.accepted && c.id === r.id))
      const told = positions.length
      await f.fork.reorg(mark)
      await until('the undo', () => seen.some((c) => !c.accepted))
      const undo = seen.find((c) => !c.accepted)!
      assert.equal(undo.id, r.id)
      assert.equal(undo.action.type, 'addMember')
      // Position watchers are told the feed stands at the fork (what they knew past it is void).
      await until('the position back at the fork', () => positions.slice(told).some((p) => p.seq <= mark))
      assert.equal(has(await a.viewAt(ctx), bob), false)
      // The adapter acts on the new branch.
      await submit(ctx, admin, { type: 'addMember', identity: bob.publicKey, role: 'reader' })
      await until('the change on the new branch', () => seen.filter((c) => c.accepted).length === 2)
      off()
      assert.equal((await a.viewAt(ctx)).members.find((m) => toHex(m.identity) === toHex(bob.publicKey))?.role, 'reader')
    })
  })
}
