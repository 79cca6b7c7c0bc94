// A contract revert as a shared refusal (src/governance/refusals.ts): lib.cairo's assert
// short strings are the refusal codes themselves. A Starknet node reports a Cairo panic as
// its felts in hex, each followed by its text in parentheses: `0x5374…e6365 ('StaleNonce')`.
import { refusal, REFUSAL_CODES, type RefusalCode } from '../../src/governance/refusals.ts'

const CODES = new Set<string>(REFUSAL_CODES)
const SHORT = /\('([^']{1,31})'\)/g

/** The refusal code a revert reason names (the innermost known short string), or undefined. */
export function refusalCodeOfRevert (reason: string): RefusalCode | undefined {
  const found = [...reason.matchAll(SHORT)].map((m) => m[1]!).filter((s) => CODES.has(s))
  return found.at(-1) as RefusalCode | undefined
}

/** The refusal's text; a short string carries no arguments, so what the anchor knows fills them. */
export function refusalText (code: RefusalCode, known: { who?: string, nonce?: bigint } = {}): string {
  const who = known.who ?? 'the signer'
  return refusal(code, {
    who, nonce: known.nonce ?? '?', last: 'at least as high', context: 'named', key: 'another key', capability: 'needed', kind: 'given',
    what: 'change', time: 'its expiry', max: 16, open: 'as many', limit: 'the limit', threshold: 'the new one', admins: 'fewer admins',
    amount: 'more than the context\'s funds (or', to: 'address 0)', target: 'the target',
    ...(code === 'CallFailed' ? { detail: 'a context may not call the STRK token, the config contract or address 0' } : {})
  })
}
