// What a NEAR wallet signs to link itself: a NEP-413 `signMessage` payload built from the
// node's link statement. The message is the statement as text; the recipient is the
// node's domain; the 32-byte nonce is sha256 of the node's nonce (so the node's one-use
// nonce is the NEP-413 nonce a wallet is asked to sign); no callback URL.
import { createHash } from 'node:crypto'
import { serialize } from 'borsh'
import { plainLinkText } from '../../../src/chain/kit/index.ts'
import type { WalletLink } from '../../../src/chain/module.ts'
import { isAccountId } from '../ids.ts'

/** NEP-413's tag, 2^31 + 413: no transaction's borsh starts with it, so a signed message never passes for a transaction. */
const NEP413_TAG = 2 ** 31 + 413
const PAYLOAD_SCHEMA = {
  struct: { message: 'string', nonce: { array: { type: 'u8', len: 32 } }, recipient: 'string', callbackUrl: { option: 'string' } }
} as const

export interface Nep413Payload {
  message: string
  nonce: Uint8Array
  recipient: string
  callbackUrl?: string
}

/** `near:<network>:<account id>` → the network (the RPC's chain_id) and the account, or undefined. */
export function parseNearAccount (account: string): { network: string, accountId: string } | undefined {
  const m = /^near:([-_a-zA-Z0-9]{1,32}):([^:]{2,64})$/.exec(account)
  if (m === null || !isAccountId(m[2]!)) return undefined
  return { network: m[1]!, accountId: m[2]! }
}

export function linkText (statement: WalletLink['statement']): string {
  const account = parseNearAccount(statement.account)
  if (account === undefined) throw new TypeError(`not a near account: ${statement.account}`)
  return plainLinkText(statement, `NEAR account ${account.accountId}`, account.network)
}

/** The NEP-413 payload a wallet is asked to sign for `statement` (what `signMessage` takes). */
export function linkPayload (statement: WalletLink['statement']): Nep413Payload {
  return {
    message: linkText(statement),
    nonce: new Uint8Array(createHash('sha256').update(statement.nonce, 'utf8').digest()),
    recipient: statement.domain
  }
}

/** The 32 bytes a NEP-413 signature covers: sha256(borsh(u32 tag) ‖ borsh(payload)). */
export function payloadHash (p: Nep413Payload): Uint8Array {
  const tag = serialize('u32', NEP413_TAG)
  const body = serialize(PAYLOAD_SCHEMA, { message: p.message, nonce: p.nonce, recipient: p.recipient, callbackUrl: p.callbackUrl ?? null })
  return new Uint8Array(createHash('sha256').update(tag).update(body).digest())
}
