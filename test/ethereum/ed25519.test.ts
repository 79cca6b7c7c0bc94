// The on-chain Ed25519 verifier (contracts/ethereum/Ed25519.sol) against node:crypto
// (OpenSSL): the same verdict on valid signatures of many message lengths (one and two
// SHA-512 blocks and more) and on every kind of malformed or forged input.
import assert from 'node:assert/strict'
import { createHash, randomBytes } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import { BrowserProvider, Contract, ContractFactory, Wallet, hexlify } from 'ethers'
import { loadArtifacts } from '../../adapters/ethereum/artifacts.ts'
import { DEVNET_RELAYER_KEY } from '../../adapters/ethereum/constants.ts'
import { startDevnet, type Devnet } from '../../adapters/ethereum/devnet/index.ts'
import { generateKeyPair, keyPairFromSeed, sign, verify } from '../../src/crypto/ed25519.ts'

const L = 2n ** 252n + 27742317777372353535851937790883648493n
const P = 2n ** 255n - 19n

const le = (b: Uint8Array): bigint => BigInt('0x' + Buffer.from(b).reverse().toString('hex') || '0')
const toLe = (n: bigint): Uint8Array => new Uint8Array(Buffer.from(n.toString(16).padStart(64, '0'), 'hex').reverse())

/** A key pair whose secret scalar we know: A = [scalar]B. */
function scalarKey (): { scalar: bigint, publicKey: Uint8Array } {
  const seed = new Uint8Array(randomBytes(32))
  const h = createHash('sha512').update(seed).digest()
  h[0]! &= 248; h[31]! &= 127; h[31]! |= 64
  return { scalar: le(h.subarray(0, 32)) % L, publicKey: keyPairFromSeed(seed).publicKey }
}

describe('Ed25519 verifier (Solidity) agrees with node:crypto', () => {
  let devnet: Devnet
  let verifier: Contract
  before(async () => {
    devnet = await startDevnet()
    const artifacts = await loadArtifacts()
    const signer = new Wallet(DEVNET_RELAYER_KEY, new BrowserProvider(devnet.provider, undefined, { cacheTimeout: -1 }))
    const factory = new ContractFactory(artifacts.Ed25519Verifier.abi as never[], artifacts.Ed25519Verifier.bytecode, signer)
    verifier = await factory.deploy() as Contract
    await verifier.waitForDeployment()
  })
  after(async () => { await devnet.close() })

  async function onChain (publicKey: Uint8Array, signature: Uint8Array, message: Uint8Array): Promise<boolean> {
    return await verifier.getFunction('verify')(hexlify(publicKey), hexlify(signature.subarray(0, 32)), hexlify(signature.subarray(32, 64)), hexlify(message)) as boolean
  }
  async function agree (publicKey: Uint8Array, signature: Uint8Array, message: Uint8Array, label: string): Promise<boolean> {
    const expected = verify(publicKey, message, signature)
    assert.equal(await onChain(publicKey, signature, message), expected, `${label}: node:crypto says ${expected}`)
    return expected
  }

  it('accepts valid signatures of messages of 0 to 300 bytes', async () => {
    for (const len of [0, 1, 31, 32, 63, 64, 111, 112, 113, 127, 128, 129, 175, 176, 191, 192, 239, 240, 255, 256, 300]) {
      const k = generateKeyPair()
      const m = new Uint8Array(randomBytes(len))
      assert.equal(await agree(k.publicKey, sign(k.secretKey, m), m, `length ${len}`), true)
    }
  })

  it('rejects a changed message, R, s or key', async () => {
    const k = generateKeyPair()
    const m = new Uint8Array(randomBytes(100))
    const sig = sign(k.secretKey, m)
    for (const [i, bit] of [[0, 1], [17, 0x80], [31, 0x40], [32, 1], [50, 0x10], [63, 0x08]] as const) {
      const bad = sig.slice(); bad[i] ^= bit
      assert.equal(await agree(k.publicKey, bad, m, `signature byte ${i}`), false)
    }
    const m2 = m.slice(); m2[99] ^= 1
    assert.equal(await agree(k.publicKey, sig, m2, 'message'), false)
    assert.equal(await agree(generateKeyPair().publicKey, sig, m, 'another key'), false)
    const pk = k.publicKey.slice(); pk[3] ^= 4
    assert.equal(await agree(pk, sig, m, 'changed key'), false)
  })

  it('rejects s ≥ L (the malleable twin of a valid signature)', async () => {
    const k = generateKeyPair()
    const m = new Uint8Array(randomBytes(40))
    const sig = sign(k.secretKey, m)
    const twin = sig.slice()
    twin.set(toLe(le(sig.subarray(32)) + L), 32)
    assert.equal(await agree(k.publicKey, twin, m, 's + L'), false)
    const max = sig.slice(); max.set(new Uint8Array(32).fill(0xff), 32)
    assert.equal(await agree(k.publicKey, max, m, 's = 2^256 - 1'), false)
  })

  it('rejects keys that are not points, and non-canonical encodings', async () => {
    const k = generateKeyPair()
    const m = new Uint8Array(randomBytes(10))
    const sig = sign(k.secretKey, m)
    // y = p + 1 (the identity's y, not reduced), y = 2^255 - 1, a y with no x.
    for (const y of [P + 1n, 2n ** 255n - 1n, 2n]) {
      assert.equal(await agree(toLe(y), sig, m, `key y = ${y}`), false)
    }
    // A non-canonical R (y + p) for a signature whose R has a small y cannot be built in
    // general; an R with its top bit flipped is a different point and fails.
    const r = sig.slice(); r[31] ^= 0x80
    assert.equal(await agree(k.publicKey, r, m, 'R sign bit'), false)
  })

  it('agrees on random garbage', async () => {
    for (let i = 0; i < 6; i++) {
      await agree(new Uint8Array(randomBytes(32)), new Uint8Array(randomBytes(64)), new Uint8Array(randomBytes(i * 20)), `garbage ${i}`)
    }
  })

  // Signatures that hold in the curve arithmetic but use a point of small order. OpenSSL
  // refuses them; so must the contract.
  it('rejects small-order public keys, even where the equation holds', async () => {
    const small: Array<[string, Uint8Array, bigint]> = [
      ['identity', toLe(1n), 1n],
      ['order 2', toLe(P - 1n), 2n],
      ['order 4', new Uint8Array(32), 4n],
      ['order 8', new Uint8Array(Buffer.from('26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05', 'hex')), 8n]
    ]
    for (const [name, A, order] of small) {
      // R = [s]B for a known s; pick a message for which [k]A = O, so [s]B - [k]A = R.
      for (let t = 0; ; t++) {
        const { scalar, publicKey: R } = scalarKey()
        const m = new TextEncoder().encode(`message ${t}`)
        const k = le(createHash('sha512').update(Buffer.concat([R, A, m])).digest()) % L
        if (k % order !== 0n) continue
        const sig = new Uint8Array(64); sig.set(R, 0); sig.set(toLe(scalar), 32)
        assert.equal(await agree(A, sig, m, `${name} key`), false)
        break
      }
    }
  })

  it('rejects a small-order R, even where the equation holds', async () => {
    const { scalar: a, publicKey: A } = scalarKey()
    const m = new TextEncoder().encode('small R')
    const R = toLe(1n)
    const k = le(createHash('sha512').update(Buffer.concat([R, A, m])).digest()) % L
    // [s]B - [k]A = [ka - ka]B = O, whose encoding is R.
    const sig = new Uint8Array(64); sig.set(R, 0); sig.set(toLe(k * a % L), 32)
    assert.equal(await agree(A, sig, m, 'identity R'), false)
  })

  it('costs a bounded amount of gas', async () => {
    const k = generateKeyPair()
    const m = new Uint8Array(randomBytes(119))
    const sig = sign(k.secretKey, m)
    const gas = await verifier.getFunction('verify').estimateGas(hexlify(k.publicKey), hexlify(sig.subarray(0, 32)), hexlify(sig.subarray(32)), hexlify(m))
    assert.ok(gas < 500_000n, `verify used ${gas} gas`)
  })
})
