// contracts/starknet/scenarios.json against the devnet's port of lib.cairo (adapters/starknet/devnet/contract.ts),
// called through its ABI dispatcher with Serde calldata, a reverted call's writes dropped as a
// transaction's are: the identity binding, the bound key, per-identity nonces kept after removal,
// signatures over every field, and the governance rules where lib.cairo settled on the shared
// reducer's (the active-proposal limit per author, all-or-none proposal actions recorded as failed).
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { describe, it } from 'node:test'
import { CallData, ec, hash, shortString } from 'starknet'
import { bindingFelts, bindingMessage, hex, requestHash, u256Felts } from '../../adapters/starknet/felts.ts'
import { identityStarkKey } from '../../adapters/starknet/keys.ts'
import { encodeRequest } from '../../adapters/starknet/payload.ts'
import { refusalCodeOfRevert } from '../../adapters/starknet/reasons.ts'
import { ContextConfig, Revert, dispatch, type CallContext, type EmittedEvent } from '../../adapters/starknet/devnet/contract.ts'
import { FeltStore } from '../../adapters/starknet/devnet/storage.ts'
import { generateKeyPair, sign, type KeyPair } from '../../src/crypto/ed25519.ts'
import { sha256 } from '../../src/crypto/hash.ts'
import type { ChainAction } from '../../src/governance/anchor.ts'
import { contextIdFor } from '../../src/governance/context-id.ts'

interface Step {
  as: string
  /** `name` or `name:who` (addMember, removeMember, keys, leave), or an action object whose `identity` names a party and `proposal` a proposal. */
  action: string | Record<string, unknown>
  expect: string
  binding?: string
  key?: string
  nonce?: number
  tamper?: string
  /** The proposal outcome the step's events state: `executed`, `failed:<Code>`, or `none` (still open). */
  outcome?: string
  /** Roles after the step (role_of): admin, member, reader, none. */
  roles?: Record<string, string>
}
const file = JSON.parse(readFileSync(new URL('../../contracts/starknet/scenarios.json', import.meta.url), 'utf8')) as { scenarios: Array<{ name: string, steps: Step[] }> }
const CHAIN = 0x534e5fn
const SELF = 0xc0ffeen
const sel = (n: string): bigint => BigInt(hash.getSelectorFromName(n))
const ROLE_NAMES = ['none', 'admin', 'member', 'reader']

describe('contracts/starknet/scenarios.json on the devnet contract', () => {
  for (const sc of file.scenarios) {
    it(sc.name, () => {
      let s = new FeltStore()
      ContextConfig.construct(s, [0n])
      let block = 1
      let events: EmittedEvent[] = []
      const cx = (): CallContext => ({ chainId: CHAIN, self: SELF, timestamp: Math.floor(Date.now() / 1000), blockNumber: block++, emit: (e) => { events.push(e) } })
      // A transaction: on a revert its writes are dropped.
      const call = (name: string, cd: bigint[]): bigint[] => {
        const trial = s.clone()
        events = []
        const out = dispatch(trial, cx(), sel(name), cd)
        s = trial
        return out
      }
      const who = new Map<string, KeyPair>([['admin', generateKeyPair()], ['bob', generateKeyPair()], ['carol', generateKeyPair()], ['mallory', generateKeyPair()]])
      const admin = who.get('admin')!
      const app = new Uint8Array(randomBytes(32)); const salt = new Uint8Array(randomBytes(32))
      const ctx = contextIdFor(admin.publicKey, app, salt)
      const binding = (signer: KeyPair, key: bigint): bigint[] => bindingFelts(sign(signer.secretKey, bindingMessage(CHAIN, SELF, ctx, key)))
      const adminKey = identityStarkKey(admin.secretKey).publicKey
      call('create_context', [...u256Felts(admin.publicKey), ...u256Felts(app), ...u256Felts(salt), adminKey, 4n, ...binding(admin, adminKey)])
      const resolve = (v: unknown, field = ''): unknown => {
        if (Array.isArray(v)) return v.map((x) => resolve(x))
        if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, resolve(x, k)]))
        if (field === 'identity') return who.get(v as string)!.publicKey
        if (field === 'proposal') return sha256(new TextEncoder().encode(v as string))
        if (field === 'key' || field === 'value') return new TextEncoder().encode(v as string)
        if (field === 'amount') return BigInt(v as string)
        if (field === 'data') return new Uint8Array(Buffer.from(v as string, 'hex'))
        if (field === 'target' && v === 'self') return hex(SELF)
        return v
      }
      const actionOf = (a: Step['action']): ChainAction => {
        if (typeof a !== 'string') return resolve(a) as ChainAction
        const [name, target] = a.split(':') as [string, string | undefined]
        const id = target === undefined ? undefined : who.get(target)!.publicKey
        return (name === 'addMember' ? { type: 'addMember', identity: id!, role: 'member' } : name === 'removeMember' ? { type: 'removeMember', identity: id! } : name === 'keys' ? { type: 'keys', keyId: new Uint8Array(32).fill(7), rotate: false, shares: [] } : { type: 'leave' }) as ChainAction
      }
      for (const step of sc.steps) {
        const me = who.get(step.as)!
        const key = step.key === 'other' ? identityStarkKey(new Uint8Array(randomBytes(32))) : identityStarkKey(me.secretKey)
        const action = actionOf(step.action)
        const last = call('nonce_of', [...u256Felts(ctx), ...u256Felts(me.publicKey)])[0]!
        const nonce = step.nonce !== undefined ? BigInt(step.nonce) : last + 1n
        const req = { context: ctx, identity: me.publicKey, nonce, ...encodeRequest(action) }
        const sig = ec.starkCurve.sign(hex(requestHash(CHAIN, SELF, req)), key.privateKey)
        const b = step.binding === 'own' ? binding(me, key.publicKey) : step.binding === 'by:admin' ? binding(admin, key.publicKey) : []
        const sent = step.tamper === 'nonce' ? nonce + 1n : nonce
        const what = `${step.as} ${JSON.stringify(step.action)}`
        let verdict = 'accepted'
        try {
          call('execute', CallData.compile([...u256Felts(ctx), ...u256Felts(me.publicKey), sent, req.kind, req.payload, [sig.r, sig.s, key.publicKey], b]).map(BigInt))
        } catch (err) {
          assert.ok(err instanceof Revert, String(err))
          verdict = refusalCodeOfRevert(err.reason) ?? err.reason
        }
        assert.equal(verdict, step.expect, what)
        if (step.outcome !== undefined) {
          const done = events.find((e) => e.keys[0] === sel('ProposalExecuted') || e.keys[0] === sel('ProposalFailed'))
          const outcome = done === undefined ? 'none' : done.keys[0] === sel('ProposalExecuted') ? 'executed' : `failed:${shortString.decodeShortString(hex(done.data[0]!))}`
          assert.equal(outcome, step.outcome, what)
        }
        for (const [name, role] of Object.entries(step.roles ?? {})) {
          const r = call('role_of', [...u256Felts(ctx), ...u256Felts(who.get(name)!.publicKey)])[0]!
          assert.equal(ROLE_NAMES[Number(r)], role, `${what}: the role of ${name}`)
        }
      }
    })
  }
})

describe('the port reads calldata as Cairo\'s Serde does', () => {
  it('a value out of its type\'s range, or calldata too short or too long, fails to deserialize and writes nothing', () => {
    const s = new FeltStore()
    ContextConfig.construct(s, [0n])
    const cx: CallContext = { chainId: CHAIN, self: SELF, timestamp: 1, blockNumber: 1, emit: () => { throw new Error('nothing may be emitted') } }
    const before = [...s.storageEntries()]
    const good = [1n, 0n, 2n, 0n, 3n, 0n, 5n, 0n]
    const cases: Array<[bigint[], string]> = [
      [[1n << 128n, ...good.slice(1)], 'Failed to deserialize param #1'],
      [good.slice(0, 5), 'Failed to deserialize param #3'],
      [[...good.slice(0, 7), 1n], 'Failed to deserialize param #5'],
      [[...good, 9n], 'Failed to deserialize param #5']
    ]
    for (const [cd, reason] of cases) {
      assert.throws(() => dispatch(s, cx, sel('create_context'), cd), (err: unknown) => err instanceof Revert && err.reason === reason, reason)
    }
    // execute: a nonce wider than u64, a kind wider than u8.
    const req = [1n, 0n, 2n, 0n]
    assert.throws(() => dispatch(s, cx, sel('execute'), [...req, 1n << 64n, 0n, 0n, 0n, 0n]), (err: unknown) => err instanceof Revert && err.reason === 'Failed to deserialize param #1')
    assert.throws(() => dispatch(s, cx, sel('execute'), [...req, 1n, 256n, 0n, 0n, 0n]), (err: unknown) => err instanceof Revert && err.reason === 'Failed to deserialize param #1')
    assert.throws(() => dispatch(s, cx, sel('no_such_entry'), []), (err: unknown) => err instanceof Revert && /Entry point not found/.test(err.reason))
    assert.deepEqual([...s.storageEntries()], before)
  })
})
