// The Cairo storage layout of adapters/starknet/devnet/storage.ts: addresses as Starknet
// computes them (checked against the ERC-20 balance slot the state tries use and a Pedersen
// chain written out by hand), u256 and structs in consecutive slots, zero slots absent.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { ec, hash } from 'starknet'
import { FeltStore, mapAddress, u256, varBase } from '../../adapters/starknet/devnet/storage.ts'
import { erc20BalanceKeys } from '../../adapters/starknet/trie.ts'

const BOUND = 2n ** 251n - 256n

describe('Cairo storage layout', () => {
  it('a one-felt key addresses the slot OpenZeppelin\'s ERC20_balances uses', () => {
    const holder = 0x1234abcdn
    assert.equal(mapAddress('ERC20_balances', [holder]), erc20BalanceKeys(holder)[0])
  })

  it('a (u256, u256) key is Pedersen chained over (low, high, low, high) from sn_keccak(name)', () => {
    const c = (1n << 200n) + 5n; const id = (3n << 130n) + 9n
    const felts = [...u256(c), ...u256(id)]
    let h = BigInt(hash.starknetKeccak('members'))
    for (const f of felts) h = BigInt(ec.starkCurve.pedersen(h, f))
    assert.equal(mapAddress('members', felts), h % BOUND)
    assert.equal(varBase('verifier'), BigInt(hash.starknetKeccak('verifier')))
  })

  it('u256 values and structs take consecutive slots; writing 0 clears a slot', () => {
    const s = new FeltStore()
    const key = [...u256(7n)]
    s.writeU256('application', key, (5n << 128n) + 3n)
    const a = mapAddress('application', key)
    assert.equal(s.storageAt(a), 3n)
    assert.equal(s.storageAt(a + 1n), 5n)
    assert.equal(s.readU256('application', key), (5n << 128n) + 3n)
    const ik = [...u256(1n), ...u256(2n)]
    const inv = { kind: 2n, role: 3n, revoked: 0n, max_uses: 4n, uses: 1n, expires_at: 99n, target: (1n << 255n) + 1n, created_by: 42n }
    s.writeStruct('Invitation', 'invitations', ik, inv)
    const b = mapAddress('invitations', ik)
    assert.deepEqual([0n, 1n, 2n, 3n, 4n, 5n, 6n, 7n, 8n, 9n].map((i) => s.storageAt(b + i)), [2n, 3n, 0n, 4n, 1n, 99n, 1n, 1n << 127n, 42n, 0n])
    assert.deepEqual(s.readStruct('Invitation', 'invitations', ik), inv)
    s.writeStruct('Invitation', 'invitations', ik, { ...inv, kind: 0n, role: 0n, max_uses: 0n, uses: 0n, expires_at: 0n, target: 0n, created_by: 0n })
    s.writeU256('application', key, 0n)
    assert.deepEqual([...s.storageEntries()], [])
    const copy = s.clone(); copy.write('revision', [...u256(7n)], 1n)
    assert.equal(s.read('revision', [...u256(7n)]), 0n)
    assert.equal(copy.read('revision', [...u256(7n)]), 1n)
  })
})
