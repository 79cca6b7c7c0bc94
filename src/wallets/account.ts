// A CAIP-10 account as the node keeps it: checked and normalised by the chain module of
// its namespace (its `account` rule), so two spellings of one account compare equal.
import { parseAccountId } from '../chain/caip.ts'
import { parseId } from '../chain/ids.ts'
import type { ChainModules } from '../chain/modules.ts'
import { WalletLinkRefusedError } from './errors.ts'

export function normalizeAccount (modules: ChainModules, text: unknown): string {
  if (typeof text !== 'string' || text.length > 256) throw new WalletLinkRefusedError('BadAccount', { account: String(text).slice(0, 80) })
  const id = parseAccountId(text)
  if (id === undefined) throw new WalletLinkRefusedError('BadAccount', { account: text })
  const m = modules.all().find((x) => x.namespace === id.namespace)
  if (m === undefined) throw new WalletLinkRefusedError('NoVerifier', { account: text })
  const address = parseId(m.account, id.address)
  if (address === undefined) throw new WalletLinkRefusedError('BadAccount', { account: `${text} (the address must be ${m.account.description})` })
  return `${id.namespace}:${id.reference}:${m.account.key?.(address) ?? address}`
}
