// The Anchor conformance suite: the same scenarios against every anchor. An anchor's test
// file hands a harness to `anchorConformance`; an anchor is done when it passes.
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import { toHex } from '../../src/crypto/bytes.ts'
import { generateKeyPair, keyPairFromSeed, sign, type KeyPair } from '../../src/crypto/ed25519.ts'
import { sha256 } from '../../src/crypto/hash.ts'
import { claimCommitment, claimMessage } from '../../src/governance/acl.ts'
import type { Anchor, GovernanceView, Receipt } from '../../src/governance/anchor.ts'
import type { GovAction } from '../../src/governance/types.ts'
import { refusalCodeOf, type RefusalCode } from '../../src/governance/refusals.ts'

export interface AnchorFixture {
  anchor: Anchor
  /** Resubmits exactly what produced `receipt` (same signature); must change nothing. */
  replay: (context: Uint8Array, receipt: Receipt) => Promise<void>
  /** Moves the anchor's notion of time forward (wall clock, block time). */
  advance: (ms: number) => Promise<void>
  /** The anchor's current time in ms (invitation expiry is judged against it). */
  now: () => Promise<number>
  close: () => Promise<void>
}

export interface AnchorHarness {
  name: string
  setup: () => Promise<AnchorFixture>
}

const id = (): Uint8Array => new Uint8Array(randomBytes(32))
const memberIds = (v: GovernanceView): string[] => v.members.map((m) => toHex(m.identity)).sort()
const roleIn = (v: GovernanceView, k: KeyPair): string | undefined => v.members.find((m) => toHex(m.identity) === toHex(k.publicKey))?.role
const rejected = { name: 'GovernanceRejectedError' }
/** A refusal with this code (an error that crossed a process boundary carries its code in its text). */
export const refusedWith = (code: RefusalCode) => (e: Error): boolean => e.name === 'GovernanceRejectedError' && ((e as { code?: string }).code ?? refusalCodeOf(e.message)) === code

/** A new context on `a`, and its creator (its only admin). */
export async function freshContext (a: Anchor, application: Uint8Array): Promise<{ ctx: Uint8Array, admin: KeyPair }> {
  const admin = generateKeyPair()
  const { context } = await a.createContext({ application, creator: admin })
  return { ctx: context, admin }
}

export function anchorConformance (h: AnchorHarness): void {
  describe(`anchor conformance: ${h.name}`, () => {
    let f: AnchorFixture
    let a: Anchor
    const app = id()
    before(async () => { f = await h.setup(); a = f.anchor })
    after(async () => { await f.close() })

    const fresh = async (): Promise<{ ctx: Uint8Array, admin: KeyPair }> => await freshContext(a, app)
    const submit = async (ctx: Uint8Array, who: KeyPair, action: GovAction): Promise<Receipt> => await a.submit(ctx, who, action)

    it('lifecycle: the creator is the only admin; the application is recorded', async () => {
      const { ctx, admin } = await fresh()
      const v = await a.view(ctx)
      assert.deepEqual(memberIds(v), [toHex(admin.publicKey)])
      assert.equal(roleIn(v, admin), 'admin')
      assert.equal(toHex(v.application), toHex(app))
      assert.equal(v.threshold, 1)
      assert.ok(v.revision >= 1)
    })

    it('members: admins add and remove members and readers; others cannot', async () => {
      const { ctx, admin } = await fresh()
      const m = generateKeyPair(); const r = generateKeyPair(); const x = generateKeyPair()
      await submit(ctx, admin, { type: 'addMember', identity: m.publicKey, role: 'member' })
      await submit(ctx, admin, { type: 'addMember', identity: r.publicKey, role: 'reader' })
      let v = await a.view(ctx)
      assert.equal(roleIn(v, m), 'member')
      assert.equal(roleIn(v, r), 'reader')
      await assert.rejects(submit(ctx, m, { type: 'addMember', identity: x.publicKey, role: 'member' }), refusedWith('MissingCapability'))
      await assert.rejects(submit(ctx, x, { type: 'removeMember', identity: m.publicKey }), refusedWith('MissingCapability'))
      await assert.rejects(submit(ctx, admin, { type: 'removeMember', identity: admin.publicKey }), refusedWith('AdminRemoveNeedsProposal'))
      await submit(ctx, admin, { type: 'setRole', identity: r.publicKey, role: 'member' })
      await submit(ctx, admin, { type: 'removeMember', identity: m.publicKey })
      v = await a.view(ctx)
      assert.equal(roleIn(v, m), undefined)
      assert.equal(roleIn(v, r), 'member')
      await assert.rejects(submit(ctx, admin, { type: 'removeMember', identity: m.publicKey }), refusedWith('NotMember'))
    })

    it('capabilities: a granted member manages members until revoked', async () => {
      const { ctx, admin } = await fresh()
      const m = generateKeyPair()
      await submit(ctx, admin, { type: 'addMember', identity: m.publicKey, role: 'member' })
      await submit(ctx, admin, { type: 'grant', identity: m.publicKey, capability: 'ManageMembers' })
      const n = generateKeyPair()
      await submit(ctx, m, { type: 'addMember', identity: n.publicKey, role: 'reader' })
      await assert.rejects(submit(ctx, m, { type: 'grant', identity: n.publicKey, capability: 'ManageMembers' }), refusedWith('OnlyAdminsCapabilities'))
      await submit(ctx, admin, { type: 'revoke', identity: m.publicKey, capability: 'ManageMembers' })
      await assert.rejects(submit(ctx, m, { type: 'removeMember', identity: n.publicKey }), refusedWith('MissingCapability'))
      assert.equal(roleIn(await a.view(ctx), n), 'reader')
    })

    it('application updates need ManageApplication', async () => {
      const { ctx, admin } = await fresh()
      const m = generateKeyPair()
      const next = id()
      await submit(ctx, admin, { type: 'addMember', identity: m.publicKey, role: 'member' })
      await assert.rejects(submit(ctx, m, { type: 'updateApplication', application: next }), refusedWith('MissingCapability'))
      await submit(ctx, admin, { type: 'grant', identity: m.publicKey, capability: 'ManageApplication' })
      await submit(ctx, m, { type: 'updateApplication', application: next })
      assert.equal(toHex((await a.view(ctx)).application), toHex(next))
    })

    it('nonces: each accepted request advances the nonce; replayed and stale requests are rejected', async () => {
      const { ctx, admin } = await fresh()
      const n0 = await a.nonce(ctx, admin.publicKey)
      const r = await submit(ctx, admin, { type: 'addMember', identity: generateKeyPair().publicKey, role: 'member' })
      assert.equal(await a.nonce(ctx, admin.publicKey), n0 + 1n)
      const before = await a.view(ctx)
      await f.replay(ctx, r)
      const afterReplay = await a.view(ctx)
      assert.equal(afterReplay.revision, before.revision)
      assert.deepEqual(memberIds(afterReplay), memberIds(before))
      await assert.rejects(a.submit(ctx, admin, { type: 'addMember', identity: generateKeyPair().publicKey, role: 'member' }, { nonce: n0 }), refusedWith('StaleNonce'))
      assert.equal((await a.view(ctx)).members.length, before.members.length)
    })

    it('identity-bound invitations: claimed by the invitee only, within expiry and uses', async () => {
      const { ctx, admin } = await fresh()
      const bob = generateKeyPair(); const eve = generateKeyPair()
      const inv = id()
      await submit(ctx, admin, { type: 'invite', invitation: { id: inv, target: { type: 'identity', identity: bob.publicKey }, role: 'member', expiresAt: (await f.now()) + 60_000, maxUses: 1 } })
      await assert.rejects(submit(ctx, eve, { type: 'claim', invitation: inv }), refusedWith('NamesAnotherIdentity'))
      await submit(ctx, bob, { type: 'claim', invitation: inv })
      assert.equal(roleIn(await a.view(ctx), bob), 'member')
      await assert.rejects(submit(ctx, bob, { type: 'claim', invitation: inv }), refusedWith('NoUsesLeft'))
    })

    it('expired invitations are rejected', async () => {
      const { ctx, admin } = await fresh()
      const bob = generateKeyPair()
      const inv = id()
      await submit(ctx, admin, { type: 'invite', invitation: { id: inv, target: { type: 'identity', identity: bob.publicKey }, role: 'reader', expiresAt: (await f.now()) + 1_000, maxUses: 1 } })
      await f.advance(2_000)
      await assert.rejects(submit(ctx, bob, { type: 'claim', invitation: inv }), refusedWith('InvitationExpired'))
      assert.equal(roleIn(await a.view(ctx), bob), undefined)
    })

    it('open invitations: commit then reveal, claimed once only, not stealable from the reveal', async () => {
      const { ctx, admin } = await fresh()
      const secret = new Uint8Array(randomBytes(32))
      const invKey = keyPairFromSeed(sha256(secret))
      const inv = id()
      await submit(ctx, admin, { type: 'invite', invitation: { id: inv, target: { type: 'open', key: invKey.publicKey }, role: 'member', expiresAt: (await f.now()) + 60_000, maxUses: 1 } })
      const bob = generateKeyPair(); const eve = generateKeyPair()
      const proof = sign(invKey.secretKey, claimMessage(ctx, inv, bob.publicKey))
      // A reveal without an earlier commitment is refused.
      await assert.rejects(submit(ctx, bob, { type: 'revealClaim', invitation: inv, proof }), refusedWith('NoMatchingCommitment'))
      await submit(ctx, bob, { type: 'commitClaim', invitation: inv, commitment: claimCommitment(inv, bob.publicKey, proof) })
      await submit(ctx, bob, { type: 'revealClaim', invitation: inv, proof })
      assert.equal(roleIn(await a.view(ctx), bob), 'member')
      // Eve saw Bob's proof: committing to it and revealing it does not let her in.
      await submit(ctx, eve, { type: 'commitClaim', invitation: inv, commitment: claimCommitment(inv, eve.publicKey, proof) }).catch(() => {})
      await assert.rejects(submit(ctx, eve, { type: 'revealClaim', invitation: inv, proof }), rejected)
      // Even with the secret itself, the single use is spent.
      const carol = generateKeyPair()
      const carolProof = sign(invKey.secretKey, claimMessage(ctx, inv, carol.publicKey))
      await assert.rejects(submit(ctx, carol, { type: 'commitClaim', invitation: inv, commitment: claimCommitment(inv, carol.publicKey, carolProof) }), refusedWith('NoUsesLeft'))
      assert.equal(roleIn(await a.view(ctx), eve), undefined)
      assert.equal(roleIn(await a.view(ctx), carol), undefined)
    })

    it('proposals: execute exactly at the threshold', async () => {
      const { ctx, admin } = await fresh()
      const b = generateKeyPair(); const c = generateKeyPair()
      // With threshold 1 an admin's proposal executes at once.
      await submit(ctx, admin, { type: 'propose', proposal: id(), actions: [{ type: 'addAdmin', identity: b.publicKey }, { type: 'addAdmin', identity: c.publicKey }] })
      await submit(ctx, admin, { type: 'propose', proposal: id(), actions: [{ type: 'setThreshold', threshold: 2 }] })
      let v = await a.view(ctx)
      assert.equal(v.threshold, 2)
      assert.equal(v.members.filter((m) => m.role === 'admin').length, 3)
      const p = id()
      await submit(ctx, b, { type: 'propose', proposal: p, actions: [{ type: 'setValue', key: new TextEncoder().encode('topic'), value: new TextEncoder().encode('launch') }] })
      v = await a.view(ctx)
      assert.equal(v.values.length, 0, 'one approval of two must not execute')
      assert.equal(v.proposals.length, 1)
      await submit(ctx, c, { type: 'approve', proposal: p })
      v = await a.view(ctx)
      assert.equal(v.values.length, 1)
      assert.equal(new TextDecoder().decode(v.values[0]!.value), 'launch')
      assert.equal(v.proposals.length, 0)
      assert.equal(v.history.at(-1)!.outcome, 'executed')
      await assert.rejects(submit(ctx, c, { type: 'approve', proposal: p }), refusedWith('NoSuchProposal'))
    })

    it('proposals: the active-proposals limit holds, and members without Proxy cannot propose', async () => {
      const { ctx, admin } = await fresh()
      const b = generateKeyPair(); const m = generateKeyPair()
      await submit(ctx, admin, { type: 'propose', proposal: id(), actions: [{ type: 'addAdmin', identity: b.publicKey }] })
      await submit(ctx, admin, { type: 'propose', proposal: id(), actions: [{ type: 'setThreshold', threshold: 2 }, { type: 'setActiveLimit', limit: 1 }] })
      await submit(ctx, admin, { type: 'propose', proposal: id(), actions: [{ type: 'setValue', key: new Uint8Array([1]), value: new Uint8Array([1]) }] })
      await assert.rejects(submit(ctx, admin, { type: 'propose', proposal: id(), actions: [{ type: 'setValue', key: new Uint8Array([2]), value: new Uint8Array([2]) }] }), refusedWith('ActiveLimitReached'))
      await submit(ctx, admin, { type: 'addMember', identity: m.publicKey, role: 'member' })
      await assert.rejects(submit(ctx, m, { type: 'propose', proposal: id(), actions: [{ type: 'setThreshold', threshold: 1 }] }), refusedWith('MissingCapability'))
    })

    it("proposals: a removed admin's approvals no longer count; the last admin stays", async () => {
      const { ctx, admin } = await fresh()
      const b = generateKeyPair(); const c = generateKeyPair()
      await submit(ctx, admin, { type: 'propose', proposal: id(), actions: [{ type: 'addAdmin', identity: b.publicKey }, { type: 'addAdmin', identity: c.publicKey }, { type: 'setThreshold', threshold: 2 }] })
      const pending = id()
      await submit(ctx, c, { type: 'propose', proposal: pending, actions: [{ type: 'setValue', key: new Uint8Array([9]), value: new Uint8Array([9]) }] })
      const demote = id()
      await submit(ctx, admin, { type: 'propose', proposal: demote, actions: [{ type: 'removeAdmin', identity: c.publicKey }] })
      await submit(ctx, b, { type: 'approve', proposal: demote })
      let v = await a.view(ctx)
      assert.equal(roleIn(v, c), 'member')
      // c's approval of its own proposal no longer counts: one more admin approval is not enough.
      await submit(ctx, b, { type: 'approve', proposal: pending })
      v = await a.view(ctx)
      assert.equal(v.values.length, 0)
      await submit(ctx, admin, { type: 'approve', proposal: pending })
      assert.equal((await a.view(ctx)).values.length, 1)
      // The context never loses its last admin.
      const solo = await fresh()
      const p = id()
      await submit(solo.ctx, solo.admin, { type: 'propose', proposal: p, actions: [{ type: 'removeAdmin', identity: solo.admin.publicKey }] })
      const sv = await a.view(solo.ctx)
      assert.equal(roleIn(sv, solo.admin), 'admin')
      assert.equal(sv.history.at(-1)!.outcome, 'failed')
      assert.equal(refusalCodeOf(sv.history.at(-1)!.reason!), 'LastAdmin')
      await assert.rejects(submit(solo.ctx, solo.admin, { type: 'leave' }), refusedWith('LastAdminCannotLeave'))
    })

    it('the change feed reports accepted operations', async () => {
      const { ctx, admin } = await fresh()
      const seen: string[] = []
      const off = a.watch(ctx, (c) => { if (c.accepted) seen.push(c.action.type) })
      await submit(ctx, admin, { type: 'addMember', identity: generateKeyPair().publicKey, role: 'member' })
      await submit(ctx, admin, { type: 'propose', proposal: id(), actions: [{ type: 'setActiveLimit', limit: 3 }] })
      for (let i = 0; i < 100 && seen.length < 2; i++) await new Promise((r) => setTimeout(r, 20))
      off()
      assert.deepEqual(seen, ['addMember', 'propose'])
    })
  })
}
