// NEAR account ids and the payer's credentials, checked without the network.
import { parseSecretKey } from './keys.ts'

const ACCOUNT_RE = /^(([a-z\d]+[-_])*[a-z\d]+\.)*([a-z\d]+[-_])*[a-z\d]+$/

/** nearcore's AccountId rules: 2 to 64 characters of a-z, 0-9 and - _ . (a separator never starts, ends or doubles). */
export function isAccountId (text: string): boolean {
  return text.length >= 2 && text.length <= 64 && ACCOUNT_RE.test(text)
}

/** A payer: `<account id>:ed25519:<base58 secret key>` (the account, then the key of one of its access keys). */
export function parsePayer (text: string): { account: string, key: string } | undefined {
  const t = text.trim()
  const at = t.indexOf(':')
  if (at < 0) return undefined
  const account = t.slice(0, at)
  const key = parseSecretKey(t.slice(at + 1))
  return isAccountId(account) && key !== undefined ? { account, key } : undefined
}
