// Claim statements and options are checked before any endpoint is asked: whatever a user
// or a client sends, the answer is a statement or an InvalidClaimError naming the field.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { ethereum } from '../../adapters/ethereum/index.ts'
import { InvalidClaimError, parseClaimStatement, parseClaimStatementText, parseVerifyInit } from '../../src/claims/statement.ts'

const rule = ethereum.claims!
const address = fc.uint8Array({ minLength: 20, maxLength: 20 }).map((b) => '0x' + Buffer.from(b).toString('hex'))
const uint = fc.bigInt({ min: 0n, max: 2n ** 256n - 1n })
const statement = fc.oneof(
  fc.record({ kind: fc.constant('balance'), account: address }),
  fc.record({ kind: fc.constant('code-hash'), account: address }),
  fc.record({ kind: fc.constant('storage'), account: address, slot: uint.map((n) => '0x' + n.toString(16)) }),
  fc.record({ kind: fc.constant('token-balance'), token: address, holder: address, slotIndex: fc.nat({ max: 1000 }) }),
  fc.record({ kind: fc.constant('nft-owner'), token: address, tokenId: uint.map(String), slotIndex: fc.nat({ max: 1000 }) })
)

function onlyClaimErrors (run: () => unknown): void {
  try { run() } catch (err) {
    assert.ok(err instanceof InvalidClaimError, `expected InvalidClaimError, got ${(err as Error).name}: ${(err as Error).message}`)
    assert.match((err as Error).message, /^claim (statement|options): /)
  }
}

test('any JSON value or text is a statement or an InvalidClaimError, never a TypeError', () => {
  fc.assert(fc.property(fc.jsonValue(), (v) => { onlyClaimErrors(() => parseClaimStatement(v, rule)) }), { numRuns: 2000 })
  fc.assert(fc.property(fc.string({ maxLength: 200 }), (t) => { onlyClaimErrors(() => parseClaimStatementText(t, rule)) }), { numRuns: 2000 })
  fc.assert(fc.property(fc.anything(), fc.anything(), fc.anything(), (endpoints, checkpoint, block) => {
    onlyClaimErrors(() => parseVerifyInit({ endpoints, checkpoint, block }))
  }), { numRuns: 1000 })
})

test('every well-formed statement parses, and parses again to itself', () => {
  fc.assert(fc.property(statement, (s) => {
    const parsed = parseClaimStatement(s, rule)
    assert.equal(parsed.kind, s.kind)
    assert.deepEqual(parseClaimStatement(JSON.parse(JSON.stringify(parsed)), rule), parsed)
  }), { numRuns: 500 })
})

test('a statement with one field dropped, added or of the wrong type is refused naming that field', () => {
  fc.assert(fc.property(statement, fc.nat(), fc.oneof(fc.constant(null), fc.boolean(), fc.constant([]), fc.constant('0xzz'), fc.constant(-1)), (s, pick, junk) => {
    const fields = Object.keys(s).filter((k) => k !== 'kind')
    const field = fields[pick % fields.length]!
    const dropped: Record<string, unknown> = { ...s }
    delete dropped[field]
    assert.throws(() => parseClaimStatement(dropped, rule), (e: Error) => e instanceof InvalidClaimError && e.message.includes(`needs "${field}"`))
    assert.throws(() => parseClaimStatement({ ...s, [field]: junk }, rule), (e: Error) => e instanceof InvalidClaimError && e.message.includes(`"${field}"`))
    assert.throws(() => parseClaimStatement({ ...s, extra: 1 }, rule), (e: Error) => e instanceof InvalidClaimError && e.message.includes('unknown field "extra"'))
  }), { numRuns: 300 })
})

test('the messages a user sees for common mistakes', () => {
  assert.throws(() => parseClaimStatementText('{kind:balance}', rule), { name: 'InvalidClaimError', message: /^claim statement: not JSON/ })
  assert.throws(() => parseClaimStatement({ kind: 'balanse', account: '0x' + '1'.repeat(40) }, rule), { message: /"kind" must be one of balance, storage, token-balance, nft-owner, code-hash, got "balanse"/ })
  assert.throws(() => parseClaimStatement({ kind: 'balance', account: '0x1234' }, rule), { message: /"account" must be an address \(0x and 40 hex characters\), got "0x1234"/ })
  assert.throws(() => parseClaimStatement({ kind: 'storage', account: '0x' + '1'.repeat(40), slot: '0x' + 'f'.repeat(65) }, rule), { message: /"slot" must be a uint256/ })
  assert.throws(() => parseClaimStatement({ kind: 'nft-owner', token: '0x' + '1'.repeat(40), tokenId: '7', slotIndex: 1.5 }, rule), { message: /"slotIndex" must be an integer/ })
  assert.throws(() => parseVerifyInit({ endpoints: 'ftp://x' }), { message: /^claim options: endpoint "ftp:\/\/x" is not an http/ })
  assert.throws(() => parseVerifyInit({ endpoints: 'http://a', checkpoint: '12' }), { message: /checkpoint must be <number>:<hash>/ })
  assert.throws(() => parseVerifyInit({ endpoints: 'http://a,http://b', block: 'soon' }), { message: /"block" must be "latest" or a block number/ })
  assert.deepEqual(parseVerifyInit({ endpoints: ' http://a , http://b ', checkpoint: '12:0xAB' }), { endpoints: ['http://a', 'http://b'], checkpoint: { number: 12, hash: '0xab' } })
})
