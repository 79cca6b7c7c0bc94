// Verifies ICP claims by certificate: each endpoint is asked for the canister's path in the
// state tree (read_state), or, for what the context config canister certifies itself, its
// certified query (witness.ts); the answer is a certificate whose BLS signature agent-js
// checks against the root key (the IC's, built into agent-js; a local devnet's only on a
// loopback endpoint), whose time must be within 5 minutes of this node's clock, and whose
// tree (or the canister's witness) must hold the value at its path. A value rests on that
// certificate, not on the endpoint's word; every configured endpoint must certify the same value.
import { Actor, Certificate, HttpAgent, LookupPathStatus, lookupResultToBuffer, reconstruct } from '@dfinity/agent'
import { PipeArrayBuffer, lebDecode } from '@dfinity/candid'
import { Principal } from '@dfinity/principal'
import type { ClaimResult, ClaimVerifyInit } from '../../../src/claims/types.ts'
import { ClaimRejectedError, EndpointDisagreementError } from '../../../src/claims/errors.ts'
import { toHex, utf8 } from '../../../src/crypto/bytes.ts'
import { DEVNET_NETWORK } from '../constants.ts'
import { IcpEndpointError } from '../errors.ts'
import { idlFactory, type ContextConfigService } from '../idl.ts'
import { isLoopback } from '../ids.ts'
import type { IcpStatement } from './statement.ts'
import { TREE_KINDS, checkWitnessed, treePath, type TreeStatement } from './witness.ts'

type StateStatement = Extract<IcpStatement, { kind: 'certified-data' | 'module-hash' }>
const PATH_LEAF: Record<StateStatement['kind'], string> = { 'certified-data': 'certified_data', 'module-hash': 'module_hash' }

/** The value, the certificate's time and its tree's root hash (what the result names as its "block"). */
interface Certified { value: string, timeMs: number, root: string }

/** The canister's certified query for `statement`, its witness checked (witness.ts). */
async function readWitnessed (host: string, statement: TreeStatement): Promise<Certified> {
  const canisterId = Principal.fromText(statement.canister)
  let answer
  let rootKey: Uint8Array
  try {
    const agent = await HttpAgent.create({ host, shouldFetchRootKey: isLoopback(host) })
    const service = Actor.createActor<ContextConfigService>(idlFactory, { agent, canisterId })
    answer = await service.certified(treePath(statement))
    rootKey = agent.rootKey!
  } catch (e) {
    throw new IcpEndpointError(`ICP endpoint ${host} gave no certified answer from canister ${statement.canister}: ${(e as Error).message}`, { cause: e })
  }
  return await checkWitnessed(statement, answer, { canister: canisterId, rootKey, nowNs: BigInt(Date.now()) * 1_000_000n, source: `ICP endpoint ${host}` })
}

async function readCertified (host: string, statement: IcpStatement): Promise<Certified> {
  if (TREE_KINDS.has(statement.kind)) return await readWitnessed(host, statement as TreeStatement)
  return await readState(host, statement as StateStatement)
}

async function readState (host: string, statement: StateStatement): Promise<Certified> {
  const canisterId = Principal.fromText(statement.canister)
  const path = [utf8('canister'), canisterId.toUint8Array(), utf8(PATH_LEAF[statement.kind])]
  let certificate: Certificate
  try {
    const agent = await HttpAgent.create({ host, shouldFetchRootKey: isLoopback(host) })
    const { certificate: bytes } = await agent.readState(canisterId, { paths: [path] })
    // Verifies the signature against the root key and the certificate's time against this
    // node's clock (±5 minutes; no agent, so no syncing to the endpoint's clock).
    certificate = await Certificate.create({ certificate: bytes, rootKey: agent.rootKey!, canisterId })
  } catch (e) {
    throw new IcpEndpointError(`ICP endpoint ${host} gave no valid certificate for canister ${statement.canister}: ${(e as Error).message}`, { cause: e })
  }
  const found = certificate.lookup_path(path)
  const value = lookupResultToBuffer(found)
  if (value === undefined && !(statement.kind === 'module-hash' && found.status === LookupPathStatus.Absent)) {
    throw new ClaimRejectedError(`the certificate from ${host} does not hold ${PATH_LEAF[statement.kind]} of canister ${statement.canister} (${found.status})`)
  }
  const time = lookupResultToBuffer(certificate.lookup_path([utf8('time')]))
  if (time === undefined) throw new ClaimRejectedError(`the certificate from ${host} has no time`)
  const timeNs = lebDecode(new PipeArrayBuffer(time))
  return { value: value === undefined ? '' : toHex(value), timeMs: Number(timeNs / 1_000_000n), root: toHex(await reconstruct(certificate.cert.tree)) }
}

export async function verifyIcpClaim (statement: IcpStatement, init: ClaimVerifyInit): Promise<ClaimResult> {
  if (init.checkpoint !== undefined) throw new ClaimRejectedError('ICP claims rest on certificates by the root key; a checkpoint does not apply')
  const endpoints = [...new Set(init.endpoints)]
  if (init.network !== undefined) {
    for (const e of endpoints) {
      const served = isLoopback(e) ? DEVNET_NETWORK : 'mainnet'
      if (served !== init.network) throw new ClaimRejectedError(`endpoint ${e} serves ICP ${served}, the claim is about ${init.network}`)
    }
  }
  const answers = await Promise.all(endpoints.map(async (e) => ({ endpoint: e, ...await readCertified(e, statement) })))
  const first = answers[0]!
  const other = answers.find((a) => a.value !== first.value)
  if (other !== undefined) {
    throw new EndpointDisagreementError(`ICP endpoints certify different values for ${statement.kind} of ${statement.canister}: ${first.endpoint} ${first.value || '(none)'}, ${other.endpoint} ${other.value || '(none)'}`)
  }
  const latest = answers.reduce((a, b) => (b.timeMs > a.timeMs ? b : a))
  return {
    statement,
    value: first.value,
    restsOn: 'certificate',
    block: { number: 0, hash: latest.root, timestamp: Math.floor(latest.timeMs / 1000) },
    agreedBy: answers.map((a) => a.endpoint),
    ...(endpoints.some(isLoopback) ? { assumes: 'the root key of a local devnet, fetched from its loopback endpoint' } : {})
  }
}
