// The devnet's contract (adapters/starknet/devnet/contract.ts) against the Cairo source it
// ports (contracts/starknet/src/lib.cairo), read as text since no Cairo compiler is here:
// every Cairo function has a TypeScript function of the same name, and in each one the
// revert short strings come in the same order.
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { describe, it } from 'node:test'

// The text without comments (a comment's quotes are no short strings).
const read = (p: string): string => readFileSync(new URL(`../../${p}`, import.meta.url), 'utf8').replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/.*$/gm, '')
// Cairo functions the port writes under another name, and why.
const RENAMED: Record<string, string> = {
  constructor: 'construct', // `constructor` is a TypeScript class's own constructor
  append_u256: 'bytesOf', // appends one u256's bytes; the port concatenates them all at once
  verify: 'ed25519_verify', // IEd25519Verifier.verify: a contract call in Cairo, a TypeScript check here
  // IERC20's transfer and transfer_from, declared in Cairo for its dispatcher: the port calls the token through call_contract
  transfer: 'call_contract',
  transfer_from: 'call_contract'
}
// Panics Cairo's core library raises (out-of-bounds index, a failed unwrap, u32 underflow), written out in the port.
const CORE_PANICS = new Set(['Index out of bounds', 'Option::unwrap failed.', 'u32_sub Overflow'])
const KEYWORDS = new Set(['if', 'for', 'while', 'switch', 'return', 'catch'])

/** Function name -> its revert short strings in order, from the text between one definition and the next. */
function codesByFunction (text: string, def: RegExp, code: RegExp): Map<string, string[]> {
  const defs = [...text.matchAll(def)].filter((m) => !KEYWORDS.has(m[1]!))
  const out = new Map<string, string[]>()
  defs.forEach((m, i) => {
    const body = text.slice(m.index, defs[i + 1]?.index ?? text.length)
    const codes = [...body.matchAll(code)].map((c) => c[1]!).filter((c) => !c.startsWith('moorage:') && !CORE_PANICS.has(c))
    out.set(m[1]!, [...(out.get(m[1]!) ?? []), ...codes])
  })
  return out
}

describe('the devnet contract follows lib.cairo function by function', () => {
  const cairo = read('contracts/starknet/src/lib.cairo')
  const body = cairo.slice(cairo.indexOf('#[starknet::contract]'))
  const ours = read('adapters/starknet/devnet/contract.ts')
  const c = codesByFunction(cairo, /\bfn ([a-z_0-9]+)\s*\(/g, /'([A-Za-z][^']{0,30})'/g)
  const t = codesByFunction(ours, /^\s*(?:export\s+)?(?:static\s+)?(?:private\s+)?(?:function\s+)?([A-Za-z_0-9]+) \(/gm, /(?:assert\(.*?, |panic\(|short\()'([^']{1,31})'/g)

  it('every Cairo function has a port of the same name', () => {
    const missing = [...c.keys()].filter((n) => !t.has(RENAMED[n] ?? n))
    assert.deepEqual(missing, [])
  })

  it('each function reverts with the same short strings, in the same order', () => {
    for (const [name, codes] of c) {
      assert.deepEqual(t.get(RENAMED[name] ?? name), codes, name)
    }
    const all = (m: Map<string, string[]>): string[] => [...new Set([...m.values()].flat())].sort()
    assert.deepEqual(all(t), all(c), 'no short string only on one side')
    assert.ok(body.includes("'StaleNonce'") && all(c).length > 40, 'the Cairo source was read')
  })
})
