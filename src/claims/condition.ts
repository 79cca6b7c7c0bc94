// The claim condition of a gated open invitation: a statement template about one chain
// network that the claimant's linked wallet must satisfy, e.g. "holds ≥ 1 of token X".
// The holder is the wallet account the claimant proves with a wallet link; every
// admitting node proves the statement itself (src/claims/gate.ts).
//
// Stored in the invite op as canonical JSON text (fields in the order written here):
//   { "chain": "<module kind>", "network": "<CAIP-2 id>", "claim": <template> }
//   template: { "kind": "token-balance", "token", "slotIndex", "min" }   balance ≥ min (ERC-20, or ERC-721 counts)
//             { "kind": "nft-owner", "token", "tokenId", "slotIndex" }   owner = the wallet
//             { "kind": "balance", "min" }                                native balance ≥ min
// A condition is taken only for a chain whose verifier proves the statement it stands for
// (the module's `claims.kinds`); the statement is then checked by that module's parser.
import { parseNetworkId } from '../chain/caip.ts'
import type { ChainModules } from '../chain/modules.ts'
import { bad as fail, id, isRecord, parseUint256, shown, slotIndex } from './statement.ts'
import type { ClaimResult, ClaimStatement } from './types.ts'

export type ClaimTemplate =
  | { kind: 'token-balance', token: string, slotIndex: number, min: string }
  | { kind: 'nft-owner', token: string, tokenId: string, slotIndex: number }
  | { kind: 'balance', min: string }

export interface ClaimCondition {
  /** The chain module's kind. */
  chain: string
  /** The CAIP-2 network id the claim is about (e.g. eip155:1). */
  network: string
  claim: ClaimTemplate
}

const HINT = 'e.g. {"chain":"ethereum","network":"eip155:1","claim":{"kind":"nft-owner","token":"0x…","tokenId":"7","slotIndex":2}}; docs/claims.md'
const FIELDS: Record<ClaimTemplate['kind'], readonly string[]> = {
  'token-balance': ['token', 'slotIndex', 'min'],
  'nft-owner': ['token', 'tokenId', 'slotIndex'],
  balance: ['min']
}

function bad (why: string): never {
  return fail(why, HINT, 'condition')
}

/** A condition as given (API, CLI) or stored (JSON text of the invite op). */
export function parseCondition (v: unknown, modules: ChainModules): ClaimCondition {
  if (typeof v === 'string') {
    if (v.length > 2048) return bad('longer than 2048 characters')
    try { v = JSON.parse(v) } catch { return bad('not JSON') }
  }
  if (!isRecord(v) || Object.keys(v).some((k) => !['chain', 'network', 'claim'].includes(k))) return bad(`must be { "chain", "network", "claim" }, got ${shown(v)}`)
  const m = typeof v.chain === 'string' ? modules.find(v.chain) : undefined
  if (m?.claims === undefined) return bad(`"chain" must be one of ${modules.all().filter((x) => x.claims !== undefined).map((x) => x.kind).join(', ') || '(none)'}, got ${shown(v.chain)}`)
  const network = typeof v.network === 'string' ? parseNetworkId(v.network) : undefined
  if (network === undefined || network.namespace !== m.namespace) return bad(`"network" must be a CAIP-2 id under ${m.namespace}: (e.g. ${m.namespace}:1), got ${shown(v.network)}`)
  const c = v.claim
  if (!isRecord(c) || typeof c.kind !== 'string' || !(c.kind in FIELDS)) return bad(`"claim.kind" must be one of ${Object.keys(FIELDS).join(', ')}, got ${shown(isRecord(c) ? c.kind : c)}`)
  const kind = c.kind as ClaimTemplate['kind']
  const extra = Object.keys(c).find((k) => k !== 'kind' && !FIELDS[kind].includes(k))
  if (extra !== undefined) return bad(`a ${kind} claim takes ${FIELDS[kind].join(', ')} (the holder is the claimant's wallet); unknown field ${shown(extra)}`)
  const missing = FIELDS[kind].find((k) => c[k] === undefined)
  if (missing !== undefined) return bad(`a ${kind} claim needs "${missing}"`)
  const min = (): string => {
    const n = parseUint256(c.min, 'min')
    return n === 0n ? bad('"min" must be at least 1 (a condition everyone meets gates nothing)') : n.toString()
  }
  let claim: ClaimTemplate
  switch (kind) {
    case 'token-balance': claim = { kind, token: id(m.contract, c.token, 'token'), slotIndex: slotIndex(c.slotIndex), min: min() }; break
    case 'nft-owner': claim = { kind, token: id(m.contract, c.token, 'token'), tokenId: parseUint256(c.tokenId, 'tokenId').toString(), slotIndex: slotIndex(c.slotIndex) }; break
    case 'balance': claim = { kind, min: min() }; break
  }
  const out = { chain: m.kind, network: `${network.namespace}:${network.reference}`, claim }
  // The statement it stands for must be one this chain proves, with these fields.
  const sample = conditionStatement(out, '')
  const fields = m.claims.kinds[sample.kind]
  if (fields === undefined || fields.length !== Object.keys(sample).length - 1 || !Object.keys(sample).every((k) => k === 'kind' || fields.includes(k))) {
    return bad(`${m.kind} claims do not prove a ${kind} statement of this shape (${m.kind} proves ${Object.keys(m.claims.kinds).join(', ')})`)
  }
  return out
}

/** The canonical text stored in the invite op. */
export function encodeCondition (c: ClaimCondition): string {
  return JSON.stringify({ chain: c.chain, network: c.network, claim: c.claim })
}

/** The statement to prove for the wallet at `address`. */
export function conditionStatement (c: ClaimCondition, address: string): ClaimStatement {
  switch (c.claim.kind) {
    case 'token-balance': return { kind: 'token-balance', token: c.claim.token, holder: address, slotIndex: c.claim.slotIndex }
    case 'nft-owner': return { kind: 'nft-owner', token: c.claim.token, tokenId: c.claim.tokenId, slotIndex: c.claim.slotIndex }
    case 'balance': return { kind: 'balance', account: address }
  }
}

/** Null when the proven `result` meets the condition for `address`, else why not. */
export function conditionUnmet (c: ClaimCondition, result: ClaimResult, address: string): string | null {
  if (c.claim.kind === 'nft-owner') {
    return result.value.toLowerCase() === address.toLowerCase() ? null : `token ${c.claim.tokenId} of ${c.claim.token} is owned by ${result.value}, not ${address} (block ${result.block.number})`
  }
  let value: bigint
  try { value = BigInt(result.value) } catch { return `the proven value ${result.value} is not an amount (block ${result.block.number})` }
  return value >= BigInt(c.claim.min) ? null : `${address} holds ${value}, the invitation needs ≥ ${c.claim.min} (block ${result.block.number})`
}

/** For people: what the condition asks. */
export function describeCondition (c: ClaimCondition): string {
  switch (c.claim.kind) {
    case 'token-balance': return `a wallet holding ≥ ${c.claim.min} of token ${c.claim.token} on ${c.network} (balances at slot ${c.claim.slotIndex})`
    case 'nft-owner': return `the wallet owning token ${c.claim.tokenId} of ${c.claim.token} on ${c.network} (owners at slot ${c.claim.slotIndex})`
    case 'balance': return `a wallet holding ≥ ${c.claim.min} (smallest unit) on ${c.network}`
  }
}
