// The devnet's one subnet: its canisters, the status of every ingress message, and the
// certified state tree over them (time, subnet keys and canister ranges, each canister's
// certified data, module hash, controllers and public metadata, request statuses). With no
// subnet delegation the root key signs the subnet's certificates directly, and the subnet id
// is the self-authenticating principal of the root key, which is where agent-js looks.
import { Cbor, type HashTree } from '@dfinity/agent'
import { Principal } from '@dfinity/principal'
import { generateKeyPair, sign as ed25519Sign, type KeyPair } from '../../../src/crypto/ed25519.ts'
import { certify, label, leb128, newRootKey, toTree, type RootKey, type StateNode } from './certificate.ts'
import { Canister, type Outcome } from './vm.ts'

const ED25519_DER = Buffer.from('302a300506032b6570032100', 'hex')
const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s)
const RANGE_END = 0xfffffn
/** How long a pinned clock holds, in wall-clock ms (see pinClock). */
const PIN_MAX_MS = 240_000

/** Canister ids as the IC makes them: an 8-byte big-endian index, then 0x01 0x01. */
export function canisterId (index: bigint): Uint8Array {
  const b = new Uint8Array(10)
  new DataView(b.buffer).setBigUint64(0, index)
  b[8] = 1; b[9] = 1
  return b
}

export interface RequestStatus {
  sender: Uint8Array
  outcome: Outcome
}

export interface Tamper {
  /** Certificates are altered after signing, so no honest client accepts them. */
  certificates: boolean
  /** Added to the certified time (ms): a negative value makes certificates stale. */
  clockSkewMs: number
}

export class Subnet {
  readonly rootKey: RootKey = newRootKey()
  readonly nodeKey: KeyPair = generateKeyPair()
  readonly nodeDer: Uint8Array
  readonly nodeId: Uint8Array
  readonly id: Uint8Array
  readonly canisters = new Map<string, Canister>()
  readonly requests = new Map<string, RequestStatus>()
  readonly tamper: Tamper = { certificates: false, clockSkewMs: 0 }
  private nextIndex = 0n
  private queue: Promise<unknown> = Promise.resolve()
  private lastTime = 0n
  private pin: { at: bigint, until: bigint } | undefined
  private offsetNs = 0n
  onPrint?: (line: string) => void

  constructor () {
    this.nodeDer = new Uint8Array([...ED25519_DER, ...this.nodeKey.publicKey])
    this.nodeId = Principal.selfAuthenticating(this.nodeDer).toUint8Array()
    this.id = Principal.selfAuthenticating(this.rootKey.der).toUint8Array()
  }

  /** Runs `fn` after every earlier one: messages execute one at a time, installs included. */
  async serial<T> (fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn)
    this.queue = run.catch(() => undefined)
    return await run
  }

  /** The replica's time in ns: the wall clock plus every advance (or the pinned time), strictly increasing. */
  now (): bigint {
    const wall = BigInt(Date.now()) * 1_000_000n
    if (this.pin !== undefined && wall > this.pin.until) this.pin = undefined
    const t = this.pin?.at ?? wall + this.offsetNs
    this.lastTime = t > this.lastTime ? t : this.lastTime + 1n
    return this.lastTime
  }

  /**
   * Pins the clock for at most PIN_MAX_MS of wall-clock time, so that it moves only by
   * `advanceClock` meanwhile (a test that stamps an expiry and then passes it, however long
   * its calls take); the time pinned, in ms. The pin is bounded because agents check a
   * certificate's time against their own clock (5 minutes either way); ingress expiry is
   * checked against both clocks meanwhile (auth.ts).
   */
  pinClock (): number {
    this.pin = undefined
    const at = this.now()
    this.pin = { at, until: BigInt(Date.now() + PIN_MAX_MS) * 1_000_000n }
    return Number(at / 1_000_000n)
  }

  /** The wall clock in ns (what agents stamp their ingress expiry by). */
  wallNs (): bigint {
    return BigInt(Date.now()) * 1_000_000n
  }

  /** Moves the clock on by `ms` (the pinned time too, while a pin holds). */
  advanceClock (ms: number): void {
    const step = BigInt(Math.ceil(ms)) * 1_000_000n
    this.offsetNs += step
    if (this.pin !== undefined) this.pin.at += step
  }

  canister (id: Uint8Array): Canister | undefined {
    return this.canisters.get(Principal.fromUint8Array(id).toText())
  }

  inRange (id: Uint8Array): boolean {
    if (id.length !== 10 || id[8] !== 1 || id[9] !== 1) return false
    return new DataView(id.buffer, id.byteOffset).getBigUint64(0) <= RANGE_END
  }

  /** A new empty canister with the next id. */
  create (controllers: Uint8Array[]): Canister {
    const id = canisterId(this.nextIndex++)
    const idText = Principal.fromUint8Array(id).toText()
    const c = Canister.empty({ id, idText, controllers, subnet: this.id, rootKey: this.rootKey.der, onPrint: (l) => this.onPrint?.(l) })
    this.canisters.set(idText, c)
    return c
  }

  /** A new canister running `wasm`; nothing is left behind if canister_init fails. */
  async install (wasm: Uint8Array, arg: Uint8Array, controller: Uint8Array): Promise<Canister> {
    const c = this.create([controller])
    try {
      await c.installCode(wasm, arg, controller, this.now())
    } catch (e) {
      this.canisters.delete(c.idText)
      throw e
    }
    return c
  }

  /** The state tree; request statuses only for `requests` (hex ids), to keep it small. */
  private state (requests: string[], timeNs: bigint, reader: Uint8Array | undefined): StateNode {
    const canisters = new Map<string, StateNode>()
    for (const c of this.canisters.values()) {
      const node = new Map<string, StateNode>([
        ['certified_data', c.certifiedData],
        ['module_hash', c.moduleHash],
        ['controllers', Cbor.encode(c.controllers)]
      ])
      // Private metadata is for controllers only, as on the IC.
      const candid = c.candid()
      if (candid !== undefined && (candid.isPublic || (reader !== undefined && c.controllers.some((p) => Buffer.from(p).equals(Buffer.from(reader)))))) {
        node.set('metadata', new Map<string, StateNode>([['candid:service', utf8(candid.text)]]))
      }
      if (!c.installed) node.delete('module_hash')
      canisters.set(label(c.id), node)
    }
    const statuses = new Map<string, StateNode>()
    for (const hex of requests) {
      const r = this.requests.get(hex)
      if (r === undefined) continue
      const o = r.outcome
      const entry = new Map<string, StateNode>([['status', utf8(o.status)]])
      if (o.status === 'replied') entry.set('reply', o.reply!)
      else {
        entry.set('reject_code', leb128(BigInt(o.rejectCode!)))
        entry.set('reject_message', utf8(o.rejectMessage ?? ''))
        if (o.errorCode !== undefined) entry.set('error_code', utf8(o.errorCode))
      }
      statuses.set(label(Buffer.from(hex, 'hex')), entry)
    }
    const ranges = Cbor.encode([[canisterId(0n), canisterId(RANGE_END)]])
    const subnet = new Map<string, StateNode>([
      ['public_key', this.rootKey.der],
      ['canister_ranges', ranges],
      ['node', new Map<string, StateNode>([[label(this.nodeId), new Map<string, StateNode>([['public_key', this.nodeDer]])]])]
    ])
    return new Map<string, StateNode>([
      ['time', leb128(timeNs)],
      ['subnet', new Map<string, StateNode>([[label(this.id), subnet]])],
      ['canister', canisters],
      ['request_status', statuses]
    ])
  }

  /** A certificate over the state with only `paths` (byte labels) kept; `time` is always in. `reader` is who asks. */
  certificate (paths: Uint8Array[][], reader?: Uint8Array): Uint8Array {
    const requests = paths.filter((p) => label(p[0]!) === 'request_status' && p[1] !== undefined).map((p) => Buffer.from(p[1]!).toString('hex'))
    const time = this.now() + BigInt(this.tamper.clockSkewMs) * 1_000_000n
    const wanted = [['time'], ...paths.map((p) => p.map((l) => label(l)))]
    const tree = toTree(this.state(requests, time, reader), wanted)
    const cert = certify(tree, this.rootKey)
    if (!this.tamper.certificates) return cert
    const decoded = Cbor.decode<{ tree: HashTree, signature: Uint8Array }>(cert)
    return Cbor.encode({ tree: alterLeaf(decoded.tree), signature: decoded.signature })
  }

  /** The node's signature over a query response (hashOfMap of its fields). */
  signQuery (hash: Uint8Array): Uint8Array {
    return ed25519Sign(this.nodeKey.secretKey, new Uint8Array([...utf8('\x0Bic-response'), ...hash]))
  }
}

/** The tree with one leaf changed (the right-most one not pruned): what a forger would send. */
function alterLeaf (t: HashTree): HashTree {
  const go = (n: HashTree): HashTree | undefined => {
    switch (n[0]) {
      case 1: { const r = go(n[2]); if (r !== undefined) return [1, n[1], r] as HashTree; const l = go(n[1]); return l === undefined ? undefined : [1, l, n[2]] as HashTree }
      case 2: { const r = go(n[2]); return r === undefined ? undefined : [2, n[1], r] as HashTree }
      case 3: { const v = new Uint8Array(n[1].length === 0 ? 1 : n[1].length); v.set(n[1]); v[v.length - 1]! ^= 1; return [3, v] as HashTree }
      default: return undefined
    }
  }
  return go(t) ?? t
}
