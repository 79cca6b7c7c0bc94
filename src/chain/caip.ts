// CAIP-2 network ids (`<namespace>:<reference>`, e.g. a chain id under its namespace) and
// CAIP-10 account ids (`<network id>:<address>`), as the ChainAgnostic standards write them.
//
// The address: CAIP-10 writes `[-.%a-zA-Z0-9]{1,128}`, but chains' own account ids go beyond
// it (NEAR's contain `_`) and wallets write them as the chain does. So this checks only the
// envelope (1 to 128 printable characters, no `:` or space); the chain module of the
// namespace decides what an address is (its `account` rule: src/wallets/account.ts).

const NAMESPACE = /^[-a-z0-9]{3,8}$/
const REFERENCE = /^[-_a-zA-Z0-9]{1,32}$/
const ADDRESS = /^[\x21-\x39\x3b-\x7e]{1,128}$/

export interface NetworkId {
  namespace: string
  reference: string
}

export function formatNetworkId (namespace: string, reference: string): string {
  return `${namespace}:${reference}`
}

/** A CAIP-2 network id, or undefined when `text` is not one. */
export function parseNetworkId (text: string): NetworkId | undefined {
  const i = text.indexOf(':')
  if (i < 0) return undefined
  const namespace = text.slice(0, i)
  const reference = text.slice(i + 1)
  return NAMESPACE.test(namespace) && REFERENCE.test(reference) ? { namespace, reference } : undefined
}

export interface AccountId extends NetworkId {
  address: string
}

/** A CAIP-10 account id, or undefined when `text` is not one. */
export function parseAccountId (text: string): AccountId | undefined {
  const i = text.lastIndexOf(':')
  if (i < 0) return undefined
  const network = parseNetworkId(text.slice(0, i))
  const address = text.slice(i + 1)
  return network !== undefined && ADDRESS.test(address) ? { ...network, address } : undefined
}
