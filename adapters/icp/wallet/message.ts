// What an ICP principal signs to link itself: the node's link statement as text, signed as
// the UTF-8 bytes of that text by the principal's key or by the session key a delegation
// chain from it names (what `SignIdentity.sign` of an agent-js identity, a
// DelegationIdentity included, does with a blob).
import { plainLinkText } from '../../../src/chain/kit/index.ts'
import type { WalletLink } from '../../../src/chain/module.ts'
import { isAccountPrincipal } from '../ids.ts'

/** `icp:<network>:<principal>` → the network and the principal, or undefined. */
export function parseIcpAccount (account: string): { network: string, principal: string } | undefined {
  const m = /^icp:([-_a-zA-Z0-9]{1,32}):([a-z0-9-]{1,63})$/.exec(account)
  if (m === null || !isAccountPrincipal(m[2]!)) return undefined
  return { network: m[1]!, principal: m[2]! }
}

export function linkText (statement: WalletLink['statement']): string {
  const account = parseIcpAccount(statement.account)
  if (account === undefined) throw new TypeError(`not a icp account: ${statement.account}`)
  return plainLinkText(statement, `ICP principal ${account.principal}`, account.network)
}
