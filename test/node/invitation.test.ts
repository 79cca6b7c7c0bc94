// The invitation string: both kinds round-trip, v1 strings are still read, and anything
// else is refused with a clear error.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { encode } from 'cborg'
import { decodeTicket, encodeTicket, openInvitationKey } from '../../src/node/invitation.ts'
import { sha256 } from '../../src/crypto/hash.ts'
import { keyPairFromSeed } from '../../src/crypto/ed25519.ts'

const b = (n: number): Uint8Array => new Uint8Array(32).fill(n)
const base = { context: b(1), invitation: b(2), role: 'member' as const, expiresAt: 1_800_000_000_000, peers: ['/ip4/127.0.0.1/tcp/4001/p2p/12D3KooWExample'] }
const str = (v: unknown, prefix = 'moorinv2.'): string => prefix + Buffer.from(encode(v)).toString('base64url')

describe('invitation strings', () => {
  it('round-trip identity-bound and open tickets', () => {
    const bound = { kind: 'identity' as const, invitee: b(3), ...base }
    assert.deepEqual(decodeTicket(encodeTicket(bound)), bound)
    const open = { kind: 'open' as const, secret: b(4), ...base, role: 'reader' as const }
    const text = encodeTicket(open)
    assert.match(text, /^moorinv2\.[A-Za-z0-9_-]+$/)
    assert.deepEqual(decodeTicket(`  ${text}\n`), open) // copied with whitespace
    // A chain-anchored context's string carries the anchor.
    const anchored = { ...bound, anchor: { kind: 'ethereum' as const, network: '31337', contract: '0x' + 'ab'.repeat(20), rpc: 'http://127.0.0.1:8545' } }
    assert.deepEqual(decodeTicket(encodeTicket(anchored)), anchored)
  })

  it('derives the open invitation key as keyPairFromSeed(sha256(secret))', () => {
    assert.deepEqual(openInvitationKey(b(4)), keyPairFromSeed(sha256(b(4))))
  })

  it('still reads v1 (identity-bound, without a kind)', () => {
    const v1 = str([b(1), b(2), b(3), 'reader', base.expiresAt, base.peers], 'moorinv1.')
    assert.deepEqual(decodeTicket(v1), { kind: 'identity', invitee: b(3), ...base, role: 'reader' })
  })

  const bad: Array<[string, string, RegExp]> = [
    ['no prefix', 'hello', /must start with moorinv2\./],
    ['a non-base64url payload', 'moorinv2.a+b/', /not base64url/],
    ['a payload that is not CBOR', 'moorinv2.AAAA', /payload is not valid|wrong shape/],
    ['an unknown kind', str(['wallet', b(1), b(2), b(3), 'member', 1, []]), /unknown kind/],
    ['a short id', str(['open', b(1), new Uint8Array(31), b(3), 'member', 1, []]), /ids must be 32 bytes/],
    ['the admin role', str(['open', b(1), b(2), b(3), 'admin', 1, []]), /unknown role/],
    ['a fractional expiry', str(['open', b(1), b(2), b(3), 'member', 1.5, []]), /wrong expiry/],
    ['too many peers', str(['open', b(1), b(2), b(3), 'member', 1, Array(33).fill('/ip4/1.2.3.4/tcp/1')]), /wrong peer addresses/],
    ['an extra field', str(['open', b(1), b(2), b(3), 'member', 1, [], 'x', 'y']), /wrong shape/],
    ['an anchor that is not one', str(['open', b(1), b(2), b(3), 'member', 1, [], 'x']), /wrong anchor/],
    ['an unknown chain anchor', str(['open', b(1), b(2), b(3), 'member', 1, [], ['solana', '1', '0x' + '00'.repeat(20), 'http://127.0.0.1:8545']]), /unknown anchor/],
    ['an anchor with a bad contract', str(['open', b(1), b(2), b(3), 'member', 1, [], ['ethereum', '1', '0x12', 'http://127.0.0.1:8545']]), /wrong anchor/],
    ['a v1 string with a kind', str(['identity', b(1), b(2), b(3), 'member', 1, []], 'moorinv1.'), /wrong shape/]
  ]
  for (const [name, text, message] of bad) {
    it(`refuses ${name}`, () => {
      assert.throws(() => decodeTicket(text), (e: Error) => e.name === 'InvalidInputError' && /^not a Moorage invitation: /.test(e.message) && message.test(e.message))
    })
  }
})
