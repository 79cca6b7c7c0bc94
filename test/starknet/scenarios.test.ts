// contracts/starknet/scenarios.json against the devnet's contract (adapters/starknet/devnet/contract.ts):
// the identity binding, the bound key, per-identity nonces kept after removal, signatures over every field.
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { describe, it } from 'node:test'
import { encode } from 'cborg'
import { ec, hash } from 'starknet'
import { KINDS, bindingFelts, bindingMessage, hex, packBytes, requestHash, u256Felts } from '../../adapters/starknet/felts.ts'
import { identityStarkKey } from '../../adapters/starknet/keys.ts'
import { ContextConfigContract, Revert, type ContractStorage } from '../../adapters/starknet/devnet/contract.ts'
import { generateKeyPair, sign, type KeyPair } from '../../src/crypto/ed25519.ts'
import type { ChainAction } from '../../src/governance/anchor.ts'
import { contextIdFor } from '../../src/governance/context-id.ts'
import { encodeAction } from '../../src/governance/offchain/op.ts'
import { refusalCodeOf } from '../../src/governance/refusals.ts'

interface Step { as: string, action: string, expect: string, binding?: string, key?: string, nonce?: number, tamper?: string }
const file = JSON.parse(readFileSync(new URL('../../contracts/starknet/scenarios.json', import.meta.url), 'utf8')) as { scenarios: Array<{ name: string, steps: Step[] }> }
const CHAIN = 0x534e5fn
const SELF = 0xc0ffeen

describe('contracts/starknet/scenarios.json on the devnet contract', () => {
  for (const sc of file.scenarios) {
    it(sc.name, () => {
      const c = new ContextConfigContract((n) => BigInt(hash.getSelectorFromName(n)))
      const s: ContractStorage = new Map()
      const who = new Map<string, KeyPair>([['admin', generateKeyPair()], ['bob', generateKeyPair()], ['carol', generateKeyPair()], ['mallory', generateKeyPair()]])
      let block = 1
      const cx = (): { chainId: bigint, self: bigint, nowMs: number, blockNumber: number, emit: () => void } => ({ chainId: CHAIN, self: SELF, nowMs: Date.now(), blockNumber: block++, emit: () => {} })
      const admin = who.get('admin')!
      const app = new Uint8Array(randomBytes(32)); const salt = new Uint8Array(randomBytes(32))
      const ctx = contextIdFor(admin.publicKey, app, salt)
      const binding = (signer: KeyPair, key: bigint): bigint[] => bindingFelts(sign(signer.secretKey, bindingMessage(CHAIN, SELF, ctx, key)))
      const adminKey = identityStarkKey(admin.secretKey).publicKey
      c.create_context(s, cx(), [...u256Felts(admin.publicKey), ...u256Felts(app), ...u256Felts(salt), adminKey, 4n, ...binding(admin, adminKey)])
      for (const step of sc.steps) {
        const me = who.get(step.as)!
        const key = step.key === 'other' ? identityStarkKey(new Uint8Array(randomBytes(32))) : identityStarkKey(me.secretKey)
        const [name, target] = step.action.split(':') as [string, string | undefined]
        const id = target === undefined ? undefined : who.get(target)!.publicKey
        const action = (name === 'addMember' ? { type: 'addMember', identity: id!, role: 'member' } : name === 'removeMember' ? { type: 'removeMember', identity: id! } : name === 'keys' ? { type: 'keys', keyId: new Uint8Array(32).fill(7), rotate: false, shares: [] } : { type: 'leave' }) as ChainAction
        const last = c.nonce_of(s, [...u256Felts(ctx), ...u256Felts(me.publicKey)])[0]!
        const nonce = step.nonce !== undefined ? BigInt(step.nonce) : last + 1n
        const req = { context: ctx, identity: me.publicKey, nonce, kind: KINDS[name]!, payload: packBytes(encode(encodeAction(action))) }
        const sig = ec.starkCurve.sign(hex(requestHash(CHAIN, SELF, req)), key.privateKey)
        const b = step.binding === 'own' ? binding(me, key.publicKey) : step.binding === 'by:admin' ? binding(admin, key.publicKey) : []
        const sent = step.tamper === 'nonce' ? nonce + 1n : nonce
        let verdict = 'accepted'
        try {
          c.execute(s, cx(), [...u256Felts(ctx), ...u256Felts(me.publicKey), sent, BigInt(req.kind), BigInt(req.payload.length), ...req.payload, 3n, sig.r, sig.s, key.publicKey, BigInt(b.length), ...b])
        } catch (err) {
          assert.ok(err instanceof Revert, String(err))
          verdict = refusalCodeOf(err.reason) ?? err.reason
        }
        assert.equal(verdict, step.expect, `${step.as} ${step.action}`)
      }
    })
  }
})
