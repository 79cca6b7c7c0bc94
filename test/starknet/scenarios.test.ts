// contracts/starknet/scenarios.json against the devnet's port of lib.cairo (adapters/starknet/devnet/contract.ts),
// called through its ABI dispatcher with Serde calldata: the identity binding, the bound key, per-identity
// nonces kept after removal, signatures over every field.
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { describe, it } from 'node:test'
import { CallData, ec, hash } from 'starknet'
import { bindingFelts, bindingMessage, hex, requestHash, u256Felts } from '../../adapters/starknet/felts.ts'
import { identityStarkKey } from '../../adapters/starknet/keys.ts'
import { encodeRequest } from '../../adapters/starknet/payload.ts'
import { refusalCodeOfRevert } from '../../adapters/starknet/reasons.ts'
import { ContextConfig, Revert, dispatch, type CallContext } from '../../adapters/starknet/devnet/contract.ts'
import { FeltStore } from '../../adapters/starknet/devnet/storage.ts'
import { generateKeyPair, sign, type KeyPair } from '../../src/crypto/ed25519.ts'
import type { ChainAction } from '../../src/governance/anchor.ts'
import { contextIdFor } from '../../src/governance/context-id.ts'

interface Step { as: string, action: string, expect: string, binding?: string, key?: string, nonce?: number, tamper?: string }
const file = JSON.parse(readFileSync(new URL('../../contracts/starknet/scenarios.json', import.meta.url), 'utf8')) as { scenarios: Array<{ name: string, steps: Step[] }> }
const CHAIN = 0x534e5fn
const SELF = 0xc0ffeen

describe('contracts/starknet/scenarios.json on the devnet contract', () => {
  for (const sc of file.scenarios) {
    it(sc.name, () => {
      const s = new FeltStore()
      ContextConfig.construct(s, [0n])
      const call = (name: string, cd: bigint[]): bigint[] => dispatch(s, cx(), BigInt(hash.getSelectorFromName(name)), cd)
      const who = new Map<string, KeyPair>([['admin', generateKeyPair()], ['bob', generateKeyPair()], ['carol', generateKeyPair()], ['mallory', generateKeyPair()]])
      let block = 1
      const cx = (): CallContext => ({ chainId: CHAIN, self: SELF, timestamp: Math.floor(Date.now() / 1000), blockNumber: block++, emit: () => {} })
      const admin = who.get('admin')!
      const app = new Uint8Array(randomBytes(32)); const salt = new Uint8Array(randomBytes(32))
      const ctx = contextIdFor(admin.publicKey, app, salt)
      const binding = (signer: KeyPair, key: bigint): bigint[] => bindingFelts(sign(signer.secretKey, bindingMessage(CHAIN, SELF, ctx, key)))
      const adminKey = identityStarkKey(admin.secretKey).publicKey
      call('create_context', [...u256Felts(admin.publicKey), ...u256Felts(app), ...u256Felts(salt), adminKey, 4n, ...binding(admin, adminKey)])
      for (const step of sc.steps) {
        const me = who.get(step.as)!
        const key = step.key === 'other' ? identityStarkKey(new Uint8Array(randomBytes(32))) : identityStarkKey(me.secretKey)
        const [name, target] = step.action.split(':') as [string, string | undefined]
        const id = target === undefined ? undefined : who.get(target)!.publicKey
        const action = (name === 'addMember' ? { type: 'addMember', identity: id!, role: 'member' } : name === 'removeMember' ? { type: 'removeMember', identity: id! } : name === 'keys' ? { type: 'keys', keyId: new Uint8Array(32).fill(7), rotate: false, shares: [] } : { type: 'leave' }) as ChainAction
        const last = call('nonce_of', [...u256Felts(ctx), ...u256Felts(me.publicKey)])[0]!
        const nonce = step.nonce !== undefined ? BigInt(step.nonce) : last + 1n
        const req = { context: ctx, identity: me.publicKey, nonce, ...encodeRequest(action) }
        const sig = ec.starkCurve.sign(hex(requestHash(CHAIN, SELF, req)), key.privateKey)
        const b = step.binding === 'own' ? binding(me, key.publicKey) : step.binding === 'by:admin' ? binding(admin, key.publicKey) : []
        const sent = step.tamper === 'nonce' ? nonce + 1n : nonce
        let verdict = 'accepted'
        try {
          call('execute', CallData.compile([...u256Felts(ctx), ...u256Felts(me.publicKey), sent, req.kind, req.payload, [sig.r, sig.s, key.publicKey], b]).map(BigInt))
        } catch (err) {
          assert.ok(err instanceof Revert, String(err))
          verdict = refusalCodeOfRevert(err.reason) ?? err.reason
        }
        assert.equal(verdict, step.expect, `${step.as} ${step.action}`)
      }
    })
  }
})
