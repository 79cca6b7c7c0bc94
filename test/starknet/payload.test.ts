// lib.cairo's per-kind request payloads (adapters/starknet/payload.ts): every request a node
// sends comes back from its Applied event as the same action; what the contract does not take
// is refused before anything is sent; a payload that does not decode is no action.
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { describe, it } from 'node:test'
import { hash } from 'starknet'
import { decodeRequest, encodeRequest, type StarknetAction } from '../../adapters/starknet/payload.ts'
import { InvalidInputError } from '../../src/errors/index.ts'
import { parseProposalActions } from '../../src/node/proposals.ts'
import type { ChainAction } from '../../src/governance/anchor.ts'

const id = (): Uint8Array => new Uint8Array(randomBytes(32))
/** A call's data: felts as 32-byte big-endian words (the selector, then the calldata). */
const words = (...f: bigint[]): Uint8Array => new Uint8Array(f.flatMap((v) => [...Buffer.from(v.toString(16).padStart(64, '0'), 'hex')]))

describe('starknet request payloads', () => {
  it('every request round-trips through its felts', () => {
    const actions: StarknetAction[] = [
      { type: 'addMember', identity: id(), role: 'reader' },
      { type: 'removeMember', identity: id(), frontier: [id(), id()] },
      { type: 'removeMember', identity: id() },
      { type: 'setRole', identity: id(), role: 'member' },
      { type: 'grant', identity: id(), capability: 'Proxy' },
      { type: 'revoke', identity: id(), capability: 'ManageApplication' },
      { type: 'updateApplication', application: id() },
      { type: 'invite', invitation: { id: id(), target: { type: 'identity', identity: id() }, role: 'member', expiresAt: Date.now() + 60_000, maxUses: 3 } },
      { type: 'invite', invitation: { id: id(), target: { type: 'open', key: id() }, role: 'reader', expiresAt: Date.now(), maxUses: 1 } },
      { type: 'revokeInvitation', invitation: id() },
      { type: 'claim', invitation: id() },
      { type: 'commitClaim', invitation: id(), commitment: id() },
      { type: 'revealClaim', invitation: id(), proof: new Uint8Array(randomBytes(64)) },
      { type: 'leave', frontier: [id()] },
      { type: 'leave' },
      {
        type: 'propose',
        proposal: id(),
        actions: [
          { type: 'setThreshold', threshold: 2 }, { type: 'setActiveLimit', limit: 5 }, { type: 'addAdmin', identity: id() }, { type: 'removeAdmin', identity: id() },
          { type: 'setValue', key: new TextEncoder().encode('topic'), value: new Uint8Array(randomBytes(100)) }, { type: 'deleteProposal', proposal: id() }
        ]
      },
      {
        type: 'propose',
        proposal: id(),
        actions: [
          { type: 'transfer', to: '0x' + '0'.repeat(63) + '7', amount: 2n ** 200n + 5n },
          { type: 'call', target: '0x' + 'ab'.repeat(31).padStart(64, '0'), data: words(0x1234n, 1n, 2n ** 250n) } as never
        ]
      },
      { type: 'approve', proposal: id() },
      { type: 'keys', keyId: id(), rotate: true, shares: [{ recipient: id(), wrapped: new Uint8Array(randomBytes(80)) }, { recipient: id(), wrapped: new Uint8Array(0) }] }
    ]
    for (const a of actions) {
      const { kind, payload } = encodeRequest(a)
      assert.deepEqual(decodeRequest(kind, payload), a, a.type)
    }
  })

  it('what the contract does not take is refused before anything is sent', () => {
    const refused: ChainAction[] = [
      { type: 'invite', invitation: { id: id(), target: { type: 'account', account: 'eip155:1:0x' + '1'.repeat(40) }, role: 'member', expiresAt: 1, maxUses: 1 } },
      { type: 'invite', invitation: { id: id(), target: { type: 'open', key: id() }, role: 'member', expiresAt: 1, maxUses: 1, condition: '{}' } },
      { type: 'revealClaim', invitation: id(), proof: new Uint8Array(64), evidence: '{}' },
      { type: 'propose', proposal: id(), actions: [{ type: 'transfer', to: '0x0', amount: 1n } as never] },
      { type: 'propose', proposal: id(), actions: [{ type: 'transfer', to: 'alice.near', amount: 1n } as never] },
      { type: 'propose', proposal: id(), actions: [{ type: 'transfer', to: '0x1', amount: 2n ** 256n } as never] },
      { type: 'propose', proposal: id(), actions: [{ type: 'call', target: '0x1', value: 1n, data: words(1n) } as never] },
      { type: 'propose', proposal: id(), actions: [{ type: 'call', target: '0x1' } as never] },
      { type: 'propose', proposal: id(), actions: [{ type: 'call', target: '0x1', data: new Uint8Array(33) } as never] },
      { type: 'propose', proposal: id(), actions: [{ type: 'call', target: '0x1', data: words(2n ** 252n) } as never] },
      { type: 'propose', proposal: id(), actions: [{ type: 'setThreshold', threshold: -1 }] },
      { type: 'addMember', identity: new Uint8Array(31), role: 'member' }
    ]
    for (const a of refused) assert.throws(() => encodeRequest(a), InvalidInputError, a.type)
  })

  it('call and transfer actions in the REST API\'s JSON form encode for the contract', () => {
    const selector = hash.getSelectorFromName('revision_of')
    const data = Buffer.from(words(BigInt(selector), 5n, 0n)).toString('hex')
    const actions = parseProposalActions([
      { type: 'transfer', to: '0x7', amount: '1000000000000000000' },
      { type: 'call', target: '0x' + '12'.repeat(20), data }
    ] as never)
    const { kind, payload } = encodeRequest({ type: 'propose', proposal: id(), actions })
    const back = decodeRequest(kind, payload) as { actions: unknown[] }
    assert.deepEqual(back.actions, [
      { type: 'transfer', to: '0x' + '7'.padStart(64, '0'), amount: 10n ** 18n },
      { type: 'call', target: '0x' + '12'.repeat(20).padStart(64, '0'), data: new Uint8Array(Buffer.from(data, 'hex')) }
    ])
    // The API's default value is 0; any other value has no meaning on Starknet.
    const paid = parseProposalActions([{ type: 'call', target: '0x1', value: '5', data }] as never)
    assert.throws(() => encodeRequest({ type: 'propose', proposal: id(), actions: paid }), /carries no value/)
  })

  it('a payload that does not decode is no action: short, long, out of range, unknown kind', () => {
    const { kind, payload } = encodeRequest({ type: 'addMember', identity: id(), role: 'member' })
    assert.equal(decodeRequest(kind, payload.slice(0, 2)), undefined)
    assert.equal(decodeRequest(kind, [...payload, 0n]), undefined)
    assert.equal(decodeRequest(kind, [1n << 128n, 0n, 2n]), undefined)
    assert.equal(decodeRequest(kind, [payload[0]!, payload[1]!, 9n]), undefined)
    assert.equal(decodeRequest(99, payload), undefined)
  })
})
