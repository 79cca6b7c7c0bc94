// The replica's HTTP interface as agent-js 3 uses it: GET /api/v2/status; POST
// /api/v3/canister/<id>/call (synchronous: 200 with a certificate) and /api/v2/.../call
// (202, then read_state polling); /api/v2|v3/canister/<id>/query with a node signature;
// /api/v2|v3/canister/<id>/read_state and /api/v2|v3/subnet/<id>/read_state. Bodies are
// CBOR; refusals are a status code with a text body, as the replica sends them.
import { hashOfMap, Cbor } from '@dfinity/agent'
import { Principal } from '@dfinity/principal'
import { authenticate, Refused } from './auth.ts'
import { label } from './certificate.ts'
import { executeIngress } from './execution.ts'
import { manage } from './management.ts'
import type { Subnet } from './subnet.ts'
import type { Outcome } from './vm.ts'

const MAX_BODY_BYTES = 8 * 1024 * 1024
const MANAGEMENT = new Uint8Array(0)

export interface Answer { status: number, body: Uint8Array | string }

const cbor = (v: unknown): Answer => ({ status: 200, body: Cbor.encode(v) })

export async function route (subnet: Subnet, method: string, path: string, body: Uint8Array): Promise<Answer> {
  try {
    if (method === 'GET' && path === '/api/v2/status') {
      return cbor({ ic_api_version: '0.18.0', impl_version: 'moorage-devnet', root_key: subnet.rootKey.der, replica_health_status: 'healthy' })
    }
    const m = /^\/api\/(v2|v3)\/(canister|subnet)\/([a-z0-9-]+)\/(call|query|read_state)$/.exec(path)
    if (m === null || method !== 'POST') return { status: 404, body: `no such endpoint: ${method} ${path}` }
    const [, version, scope, idText, endpoint] = m as unknown as [string, string, string, string, string]
    if (body.length > MAX_BODY_BYTES) throw new Refused(413, `the request exceeds ${MAX_BODY_BYTES} bytes`)
    let target: Uint8Array
    try { target = Principal.fromText(idText).toUint8Array() } catch { throw new Refused(400, `${idText} is not a principal`) }
    let envelope: unknown
    try { envelope = Cbor.decode(body) } catch { throw new Refused(400, 'the body is not CBOR') }
    if (scope === 'subnet') {
      if (endpoint !== 'read_state') return { status: 404, body: `no such endpoint: ${path}` }
      if (!Buffer.from(target).equals(Buffer.from(subnet.id))) throw new Refused(404, `subnet ${idText} is not this devnet's subnet`)
      return readState(subnet, envelope, undefined)
    }
    if (endpoint === 'read_state') return await readState(subnet, envelope, target)
    if (endpoint === 'query') return await query(subnet, envelope, target)
    return await call(subnet, envelope, target, version === 'v3')
  } catch (e) {
    if (e instanceof Refused) return { status: e.status, body: e.message }
    return { status: 500, body: `internal error: ${(e as Error).message}` }
  }
}

function checkTarget (subnet: Subnet, content: Record<string, unknown>, ecid: Uint8Array): Uint8Array {
  const cid = content.canister_id as Uint8Array
  if (!Buffer.from(cid).equals(Buffer.from(ecid))) throw new Refused(400, `canister_id ${Principal.fromUint8Array(cid).toText()} is not the effective canister id ${Principal.fromUint8Array(ecid).toText()}`)
  if (subnet.canister(cid) === undefined) throw new Refused(400, `Canister ${Principal.fromUint8Array(cid).toText()} not found`)
  return cid
}

async function call (subnet: Subnet, envelope: unknown, ecid: Uint8Array, sync: boolean): Promise<Answer> {
  const now = subnet.now()
  const { requestId, sender, content } = await authenticate(envelope, now, 'call', ecid, subnet.rootKey.der, subnet.wallNs())
  const management = Buffer.from(content.canister_id as Uint8Array).equals(Buffer.from(MANAGEMENT))
  if (management) {
    if (!subnet.inRange(ecid)) throw new Refused(400, `the effective canister id ${Principal.fromUint8Array(ecid).toText()} is not on this subnet`)
  } else checkTarget(subnet, content, ecid)
  const hex = Buffer.from(requestId).toString('hex')
  if (!subnet.requests.has(hex)) {
    const method = content.method_name as string
    const arg = content.arg as Uint8Array
    let outcome: Outcome
    if (management) outcome = await manage(subnet, method, arg, sender, ecid)
    else {
      const canister = subnet.canister(ecid)!
      outcome = !canister.installed || canister.hasMethod('update', method)
        ? await executeIngress(subnet, canister, method, arg, sender)
        : { status: 'rejected', rejectCode: 3, rejectMessage: `Canister ${canister.idText} has no update method '${method}'`, errorCode: 'IC0536', instructions: 0, logs: [] }
    }
    subnet.requests.set(hex, { sender, outcome })
  }
  if (!sync) return { status: 202, body: new Uint8Array(0) }
  return cbor({ status: 'replied', certificate: subnet.certificate([[new TextEncoder().encode('request_status'), requestId]]) })
}

async function query (subnet: Subnet, envelope: unknown, ecid: Uint8Array): Promise<Answer> {
  const now = subnet.now()
  const { requestId, sender, content } = await authenticate(envelope, now, 'query', ecid, subnet.rootKey.der, subnet.wallNs())
  const cid = checkTarget(subnet, content, ecid)
  const canister = subnet.canister(cid)!
  const method = content.method_name as string
  if (!canister.installed) throw new Refused(400, `Canister ${canister.idText} is empty (it has no Wasm module)`)
  // A query may also call an update method; it runs as a query and its changes are dropped.
  let made: Uint8Array | undefined
  const certificate = (): Uint8Array => (made ??= subnet.certificate([[new TextEncoder().encode('canister'), cid, new TextEncoder().encode('certified_data')]]))
  const kindOf = canister.hasMethod('query', method) ? 'query' : 'update'
  const ran = canister.hasMethod(kindOf, method)
    ? canister.run({ kind: 'query', method, arg: content.arg as Uint8Array, caller: sender, timeNs: now, certificate, entry: kindOf })
    : undefined
  const outcome: { status: string, reply?: Uint8Array, rejectCode?: number, rejectMessage?: string, errorCode?: string } = ran === undefined
    ? { status: 'rejected', rejectCode: 3, rejectMessage: `Canister ${canister.idText} has no query method '${method}'`, errorCode: 'IC0406' }
    : ran.status === 'none' ? { status: 'rejected', rejectCode: 5, rejectMessage: `Canister ${canister.idText} did not reply to the call`, errorCode: 'IC0506' } : ran
  const timestamp = now
  const fields: Record<string, unknown> = outcome.status === 'replied'
    ? { status: 'replied', reply: { arg: outcome.reply! } }
    : { status: 'rejected', reject_code: outcome.rejectCode!, reject_message: outcome.rejectMessage ?? '', error_code: outcome.errorCode ?? '' }
  const hash = hashOfMap({ ...fields, timestamp, request_id: requestId })
  return cbor({ ...fields, signatures: [{ timestamp, signature: subnet.signQuery(hash), identity: subnet.nodeId }] })
}

async function readState (subnet: Subnet, envelope: unknown, ecid: Uint8Array | undefined): Promise<Answer> {
  const now = subnet.now()
  const { sender, content } = await authenticate(envelope, now, 'read_state', ecid, subnet.rootKey.der, subnet.wallNs())
  const paths = content.paths as unknown[]
  if (paths.length > 1000) throw new Refused(400, 'too many paths')
  const checked: Uint8Array[][] = []
  for (const p of paths) {
    if (!Array.isArray(p) || !p.every((l) => l instanceof Uint8Array)) throw new Refused(400, 'a path is not an array of blobs')
    const labels = p as Uint8Array[]
    const head = labels[0] === undefined ? '' : label(labels[0])
    if (head === 'request_status') {
      if (ecid === undefined) throw new Refused(400, 'request_status is read through a canister, not a subnet')
      const r = labels[1] === undefined ? undefined : subnet.requests.get(Buffer.from(labels[1]).toString('hex'))
      if (r !== undefined && !Buffer.from(r.sender).equals(Buffer.from(sender))) throw new Refused(403, 'request_status is readable only by the sender of the request')
    } else if (head === 'canister') {
      if (ecid === undefined || labels[1] === undefined || !Buffer.from(labels[1]).equals(Buffer.from(ecid))) throw new Refused(400, 'canister paths must name the effective canister id')
    } else if (head !== 'time' && head !== 'subnet') {
      throw new Refused(400, `the path /${head} cannot be read`)
    }
    checked.push(labels)
  }
  return cbor({ certificate: subnet.certificate(checked, sender) })
}
