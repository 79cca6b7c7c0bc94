// The invitation string: v3 round-trips both kinds with keyed fields and a CAIP-2 network,
// names no endpoint unless the inviter chose to, v2 and v1 strings are still read, and
// anything else is refused with a clear error.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { decode, encode } from 'cborg'
import { decodeTicket, encodeTicket, openInvitationKey, ticketAnchor } from '../../src/node/invitation.ts'
import { sha256 } from '../../src/crypto/hash.ts'
import { keyPairFromSeed } from '../../src/crypto/ed25519.ts'

const b = (n: number): Uint8Array => new Uint8Array(32).fill(n)
const base = { context: b(1), invitation: b(2), role: 'member' as const, expiresAt: 1_800_000_000_000, peers: ['/ip4/127.0.0.1/tcp/4001/p2p/12D3KooWExample'] }
const str = (v: unknown, prefix = 'moorinv2.'): string => prefix + Buffer.from(encode(v)).toString('base64url')
const fieldsOf = (text: string): Record<string, unknown> => decode(Buffer.from(text.slice('moorinv3.'.length), 'base64url'), { useMaps: false }) as Record<string, unknown>
const CONTRACT = '0x' + 'ab'.repeat(20)
const ref = { kind: 'ethereum', network: '31337', contract: CONTRACT, rpc: 'http://127.0.0.1:8545' }
const v3 = { kind: 'open', context: b(1), invitation: b(2), secret: b(3), role: 'member', expires: 1, peers: [] }

describe('invitation strings', () => {
  it('round-trip identity-bound and open tickets as v3, with keyed fields', () => {
    const bound = { kind: 'identity' as const, invitee: b(3), ...base }
    assert.deepEqual(decodeTicket(encodeTicket(bound)), bound)
    const open = { kind: 'open' as const, secret: b(4), ...base, role: 'reader' as const }
    const text = encodeTicket(open)
    assert.match(text, /^moorinv3\.[A-Za-z0-9_-]+$/)
    assert.deepEqual(decodeTicket(`  ${text}\n`), open) // copied with whitespace
    assert.deepEqual(Object.keys(fieldsOf(text)).sort(), ['context', 'expires', 'invitation', 'kind', 'peers', 'role', 'secret'])
  })

  it('a chain anchor carries a CAIP-2 network id and, by default, no endpoint', () => {
    const anchored = { kind: 'identity' as const, invitee: b(3), ...base, anchor: ticketAnchor(ref, false) }
    const text = encodeTicket(anchored)
    assert.deepEqual(fieldsOf(text).anchor, { kind: 'ethereum', network: 'eip155:31337', contract: CONTRACT })
    assert.ok(!text.includes(Buffer.from('127.0.0.1:8545').toString('base64url').slice(0, 12)))
    assert.deepEqual(decodeTicket(text), anchored)
    assert.equal(decodeTicket(text).anchor?.rpc, undefined)
    // The inviter may opt in to name its (public) endpoint.
    const withRpc = { ...anchored, anchor: ticketAnchor(ref, true) }
    assert.equal(fieldsOf(encodeTicket(withRpc)).anchor !== undefined && (fieldsOf(encodeTicket(withRpc)).anchor as { rpc: string }).rpc, ref.rpc)
    assert.deepEqual(decodeTicket(encodeTicket(withRpc)), withRpc)
  })

  it('a wallet-account invitation names a CAIP-10 account and reads back', () => {
    const t = { kind: 'account' as const, account: 'eip155:1:0x' + 'ab'.repeat(20), ...base }
    assert.deepEqual(decodeTicket(encodeTicket(t)), t)
  })

  it('derives the open invitation key as keyPairFromSeed(sha256(secret))', () => {
    assert.deepEqual(openInvitationKey(b(4)), keyPairFromSeed(sha256(b(4))))
  })

  it('still reads v2 (arrays; an anchor with its endpoint) and v1 (identity-bound, without a kind)', () => {
    const v2 = str(['identity', b(1), b(2), b(3), 'member', base.expiresAt, base.peers, ['ethereum', '31337', CONTRACT, ref.rpc]])
    assert.deepEqual(decodeTicket(v2), { kind: 'identity', invitee: b(3), ...base, anchor: ref })
    const v1 = str([b(1), b(2), b(3), 'reader', base.expiresAt, base.peers], 'moorinv1.')
    assert.deepEqual(decodeTicket(v1), { kind: 'identity', invitee: b(3), ...base, role: 'reader' })
  })

  const bad: Array<[string, string, RegExp]> = [
    ['no prefix', 'hello', /must start with moorinv3\./],
    ['a newer version', 'moorinv4.AAAA', /reads moorinv3\., moorinv2\. and moorinv1\. strings; was it made by a newer version\?/],
    ['a non-base64url payload', 'moorinv3.a+b/', /not base64url/],
    ['a payload that is not CBOR', 'moorinv3.AAAA', /payload is not valid|wrong shape/],
    ['a v3 array', str(['open', b(1), b(2), b(3), 'member', 1, []], 'moorinv3.'), /wrong shape/],
    ['a v3 unknown field', str({ ...v3, extra: 1 }, 'moorinv3.'), /unknown field "extra"/],
    ['a v3 wallet-account invitation with a secret', str({ ...v3, kind: 'account', account: 'eip155:1:0x' + '11'.repeat(20) }, 'moorinv3.'), /wrong shape/],
    ['a v3 wallet-account invitation without a CAIP-10 account', str({ kind: 'account', context: b(1), invitation: b(2), account: 'nope', role: 'member', expires: 1, peers: [] }, 'moorinv3.'), /not a CAIP-10 id/],
    ['a v3 open invitation with an invitee', str({ ...v3, invitee: b(5) }, 'moorinv3.'), /wrong shape/],
    ['a v3 anchor without a CAIP-2 network', str({ ...v3, anchor: { kind: 'ethereum', network: '31337', contract: CONTRACT } }, 'moorinv3.'), /not a CAIP-2 id/],
    ['a v3 anchor under another namespace', str({ ...v3, anchor: { kind: 'ethereum', network: 'solana:1', contract: CONTRACT } }, 'moorinv3.'), /network is under eip155:/],
    ['a v3 anchor with a bad contract', str({ ...v3, anchor: { kind: 'ethereum', network: 'eip155:1', contract: '0x12' } }, 'moorinv3.'), /the contract is not an address/],
    ['a v3 anchor with a bad endpoint', str({ ...v3, anchor: { kind: 'ethereum', network: 'eip155:1', contract: CONTRACT, rpc: 'ftp://x' } }, 'moorinv3.'), /the endpoint is not/],
    ['a v3 unknown chain', str({ ...v3, anchor: { kind: 'solana', network: 'solana:1', contract: CONTRACT } }, 'moorinv3.'), /unknown anchor "solana"/],
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
