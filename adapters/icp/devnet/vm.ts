// Runs a canister's real WASM with the IC's `ic0` system API: message data, caller and
// method name, reply / reject, traps, 64-bit stable memory, certified data and data
// certificates, time, the canister's own id, cycles answered with plausible constants, debug
// printing, the performance counter, the global timer, and outgoing calls (call_new …
// call_perform), which a message only hands back: execution.ts delivers them and runs the
// callbacks, each as a message of its own.
//
// A message that traps leaves nothing behind: main memory, mutable globals, stable memory,
// certified data, the timer and its calls are put back or dropped. Queries always run that
// way, on state that is thrown away afterwards. Pointers and sizes are i64 for a 64-bit
// module (Motoko's enhanced orthogonal persistence) and i32 otherwise.
import { sha256 } from '../../../src/crypto/hash.ts'
import { COUNTER_EXPORT, GLOBAL_EXPORT_PREFIX, START_EXPORT, prepare, type Prepared } from './wasm.ts'

const PAGE = 65_536
/** Stable memory cap (pages): 256 MiB, well below the IC's, as the devnet holds it in RAM. */
const MAX_STABLE_PAGES = 4096n
export const LIMITS = { update: 40_000_000_000, query: 5_000_000_000, install: 300_000_000_000 }
const COUNTER_START = 1n << 60n
const CYCLE_BALANCE = 3_000_000_000_000n

export type EntryKind = 'init' | 'update' | 'query' | 'pre_upgrade' | 'post_upgrade' | 'callback' | 'cleanup' | 'timer'

/** A function in the canister's table and its environment, as call_new names them. */
export interface Closure { fun: number | bigint, env: number | bigint }

/** A call the canister made (call_new … call_perform); delivered only if its message commits. */
export interface OutgoingCall {
  callee: Uint8Array
  method: string
  arg: Uint8Array
  reply: Closure
  reject: Closure
  cleanup?: Closure
}

export interface Message {
  kind: EntryKind
  /** The method (for a callback: the method whose call context it runs in). */
  method: string
  arg: Uint8Array
  caller: Uint8Array
  timeNs: bigint
  /** For a query: the certificate data_certificate_copy hands out, made on first use (a BLS signature is slow). */
  certificate?: () => Uint8Array
  /** The export to run when it differs from `kind`: an update method run as a query. */
  entry?: 'update' | 'query'
  /** A callback's closure, and the response it gets: a reply (in `arg`) or a reject. */
  closure?: Closure
  reject?: { code: number, message: string }
  /** Whether the message's call context can still be answered (callbacks after a reply cannot). */
  canReply?: boolean
}

/** What one message did: answered its call context, or not (yet), and the calls it made. */
export interface Execution extends Omit<Outcome, 'status'> {
  status: 'replied' | 'rejected' | 'none'
  trapped: boolean
  calls: OutgoingCall[]
}

export interface Outcome {
  status: 'replied' | 'rejected'
  reply?: Uint8Array
  rejectCode?: number
  rejectMessage?: string
  errorCode?: string
  instructions: number
  logs: string[]
}

class Trap extends Error {
  override name = 'Trap'
}

interface Context {
  msg: Message
  reply: Uint8Array[]
  replied: boolean
  rejected?: string
  logs: string[]
  limit: bigint
  canReply: boolean
  building?: OutgoingCall & { data: Uint8Array[] }
  calls: OutgoingCall[]
}

interface Snapshot {
  memory: Uint8Array
  globals: Array<number | bigint>
  stable: Uint8Array
  stablePages: bigint
  certifiedData: Uint8Array
  globalTimer: bigint
}

export interface CanisterInit {
  id: Uint8Array
  idText: string
  controllers: Uint8Array[]
  subnet: Uint8Array
  rootKey: Uint8Array
  onPrint?: (line: string) => void
}

export class Canister {
  readonly id: Uint8Array
  readonly idText: string
  controllers: Uint8Array[]
  moduleHash: Uint8Array = new Uint8Array(32)
  certifiedData: Uint8Array = new Uint8Array(0)
  version = 0n
  globalTimer = 0n
  /** Instructions of each method's last run. */
  readonly instructions = new Map<string, number>()
  private prepared: Prepared | undefined
  private instance: WebAssembly.Instance | undefined
  private stable: Uint8Array = new Uint8Array(0)
  private stablePages = 0n
  private ctx: Context | undefined
  private readonly init: CanisterInit

  private constructor (init: CanisterInit) {
    this.id = init.id
    this.idText = init.idText
    this.controllers = init.controllers
    this.init = init
  }

  /** A canister with no code yet (what create_canister makes). */
  static empty (init: CanisterInit): Canister {
    return new Canister(init)
  }

  /** Installs `wasm` and runs canister_init with `arg` (the IC's install mode). */
  static async install (init: CanisterInit, wasm: Uint8Array, arg: Uint8Array, caller: Uint8Array, timeNs: bigint): Promise<Canister> {
    const c = new Canister(init)
    await c.installCode(wasm, arg, caller, timeNs)
    return c
  }

  get installed (): boolean { return this.instance !== undefined }

  /** The Candid service the module declares (its candid:service section), and whether it is public. */
  candid (): { text: string, isPublic: boolean } | undefined {
    if (this.prepared === undefined) return undefined
    const pub = this.prepared.custom.get('icp:public candid:service')
    const priv = this.prepared.custom.get('icp:private candid:service')
    const s = pub ?? priv
    return s === undefined ? undefined : { text: new TextDecoder().decode(s), isPublic: pub !== undefined }
  }

  /** Whether the module asks for its main memory to be kept across upgrades (Motoko EOP). */
  get persistentMemory (): boolean {
    return this.prepared?.custom.has('icp:private enhanced-orthogonal-persistence') === true || this.prepared?.custom.has('icp:public enhanced-orthogonal-persistence') === true
  }

  hasMethod (kind: 'update' | 'query', method: string): boolean {
    return this.instance !== undefined && typeof this.instance.exports[`canister_${kind} ${method}`] === 'function'
  }

  private async load (wasm: Uint8Array): Promise<void> {
    const prepared = prepare(wasm)
    const ic0 = this.imports(() => prepared)
    for (const i of WebAssembly.Module.imports(prepared.module)) {
      if (i.module !== 'ic0') throw new Error(`the module imports ${i.module}.${i.name}; a canister imports only from ic0`)
      ic0[i.name] ??= () => { throw new Trap(`ic0.${i.name} is not supported by the devnet`) }
    }
    this.instance = await WebAssembly.instantiate(prepared.module, { ic0 })
    this.prepared = prepared
    this.moduleHash = sha256(wasm)
  }

  /**
   * install (or reinstall): fresh main and stable memory, then canister_init with `arg`.
   * If that traps, the canister is as it was before.
   */
  async installCode (wasm: Uint8Array, arg: Uint8Array, caller: Uint8Array, timeNs: bigint): Promise<void> {
    const old = this.saveCode()
    const before = this.instance === undefined ? undefined : this.snapshot()
    try {
      this.stable = new Uint8Array(0)
      this.stablePages = 0n
      this.certifiedData = new Uint8Array(0)
      await this.load(wasm)
      this.start()
      const out = this.run({ kind: 'init', method: 'canister_init', arg, caller, timeNs })
      if (out.trapped) throw new Error(`canister_init failed: ${out.rejectMessage ?? ''}`)
      this.version++
    } catch (e) {
      this.restoreCode(old, before)
      throw e
    }
  }

  /**
   * Replaces the code: pre_upgrade on the old instance, then the new module, then
   * post_upgrade with `arg`. Stable memory persists; main memory persists when `keepMemory`
   * (the upgrade option wasm_memory_persistence = opt keep), which Motoko's enhanced
   * orthogonal persistence requires: as on the IC, a module that declares it cannot be
   * upgraded without that option. Any trap puts the old canister back.
   */
  async upgrade (wasm: Uint8Array, arg: Uint8Array, caller: Uint8Array, timeNs: bigint, keepMemory?: boolean, skipPreUpgrade = false): Promise<void> {
    if (this.instance === undefined) throw new Error(`canister ${this.idText} is empty: install code before upgrading it`)
    if (keepMemory !== true && this.persistentMemory) {
      throw new Error('Missing upgrade option: Enhanced orthogonal persistence requires the `wasm_memory_persistence` upgrade option (keep).')
    }
    const before = this.snapshot()
    const old = this.saveCode()
    const pre = skipPreUpgrade ? undefined : this.run({ kind: 'pre_upgrade', method: 'canister_pre_upgrade', arg: new Uint8Array(0), caller, timeNs })
    if (pre !== undefined && pre.trapped) throw new Error(`canister_pre_upgrade failed: ${pre.rejectMessage ?? ''}`)
    const memory = this.memory().buffer.slice(0)
    try {
      await this.load(wasm)
      if (keepMemory === true) {
        const mem = this.memory()
        const need = memory.byteLength - mem.buffer.byteLength
        if (need > 0) mem.grow(this.pages(need / PAGE) as number) // a bigint for 64-bit memories
        new Uint8Array(mem.buffer).set(new Uint8Array(memory))
      }
      this.start()
      const post = this.run({ kind: 'post_upgrade', method: 'canister_post_upgrade', arg, caller, timeNs })
      if (post.trapped) throw new Error(`canister_post_upgrade failed: ${post.rejectMessage ?? ''}`)
      this.version++
    } catch (e) {
      this.restoreCode(old, before)
      throw e
    }
  }

  private saveCode (): { prepared: Prepared | undefined, instance: WebAssembly.Instance | undefined, hash: Uint8Array, stable: Uint8Array, stablePages: bigint, certifiedData: Uint8Array } {
    return { prepared: this.prepared, instance: this.instance, hash: this.moduleHash, stable: this.stable, stablePages: this.stablePages, certifiedData: this.certifiedData }
  }

  private restoreCode (old: ReturnType<Canister['saveCode']>, before: Snapshot | undefined): void {
    this.prepared = old.prepared
    this.instance = old.instance
    this.moduleHash = old.hash
    this.stable = old.stable
    this.stablePages = old.stablePages
    this.certifiedData = old.certifiedData
    if (before !== undefined) this.restore(before)
  }

  /** Runs one message; a trap (or a query, always) rolls the canister back and drops its calls. */
  run (msg: Message): Execution {
    const logs: string[] = []
    const none = { instructions: 0, logs, trapped: false, calls: [] }
    if (this.instance === undefined) {
      return { ...none, status: 'rejected', rejectCode: 5, rejectMessage: `Canister ${this.idText} is empty (it has no Wasm module)`, errorCode: 'IC0537' }
    }
    let fn: unknown
    if (msg.kind === 'callback' || msg.kind === 'cleanup') {
      const table = Object.values(this.instance.exports).find((v) => v instanceof WebAssembly.Table) as WebAssembly.Table | undefined
      let f: ((env: number | bigint) => void) | null | undefined
      try {
        // Motoko's 64-bit modules have a 64-bit table, indexed by BigInt.
        f = table?.get((this.prepared!.memory64 ? BigInt(msg.closure!.fun) : Number(msg.closure!.fun)) as number)
      } catch {
        f = undefined
      }
      if (typeof f === 'function') fn = () => { f(msg.closure!.env) }
    } else {
      const entry = msg.kind === 'update' || msg.kind === 'query' ? `canister_${msg.entry ?? msg.kind} ${msg.method}` : msg.kind === 'timer' ? 'canister_global_timer' : msg.method
      fn = this.instance.exports[entry]
    }
    if (typeof fn !== 'function') {
      if (msg.kind === 'update' || msg.kind === 'query') {
        return { ...none, status: 'rejected', rejectCode: 3, rejectMessage: `Canister ${this.idText} has no ${msg.kind} method '${msg.method}'`, errorCode: msg.kind === 'query' ? 'IC0406' : 'IC0536' }
      }
      if (msg.kind === 'callback') return { ...none, status: 'rejected', trapped: true, rejectCode: 5, rejectMessage: `Canister ${this.idText}: callback ${msg.closure!.fun} is not a function in its table`, errorCode: 'IC0503' }
      return { ...none, status: 'none' }
    }
    const limit = BigInt(msg.kind === 'query' ? LIMITS.query : msg.kind === 'update' || msg.kind === 'callback' || msg.kind === 'cleanup' || msg.kind === 'timer' ? LIMITS.update : LIMITS.install)
    const before = this.snapshot()
    const counter = this.instance.exports[COUNTER_EXPORT] as WebAssembly.Global
    counter.value = limit
    const canReply = msg.canReply ?? (msg.kind === 'update' || msg.kind === 'query')
    const ctx: Context = { msg, reply: [], replied: false, logs, limit, canReply, calls: [] }
    this.ctx = ctx
    let failure: string | undefined
    try {
      (fn as () => void)()
    } catch (e) {
      if ((counter.value as bigint) <= 0n) failure = `Canister ${this.idText} exceeded the instruction limit for single message execution.`
      else if (e instanceof Trap) failure = `Canister ${this.idText} trapped explicitly: ${e.message}`
      else if (e instanceof WebAssembly.RuntimeError) failure = `Canister ${this.idText} trapped: ${e.message}`
      else failure = `Canister ${this.idText} trapped: ${(e as Error).message}`
    } finally {
      this.ctx = undefined
    }
    const instructions = Number(limit - (counter.value as bigint))
    counter.value = COUNTER_START
    if (msg.kind === 'update' || msg.kind === 'query') this.instructions.set(msg.method, instructions)
    else if (msg.kind === 'callback' || msg.kind === 'cleanup') this.instructions.set(msg.method, (this.instructions.get(msg.method) ?? 0) + instructions)
    if (failure !== undefined || msg.kind === 'query') this.restore(before)
    if (failure !== undefined) return { status: 'rejected', trapped: true, rejectCode: 5, rejectMessage: failure, errorCode: 'IC0503', instructions, logs, calls: [] }
    const done = { instructions, logs, trapped: false, calls: msg.kind === 'query' ? [] : ctx.calls }
    if (ctx.rejected !== undefined) return { ...done, status: 'rejected', rejectCode: 4, rejectMessage: ctx.rejected, errorCode: 'IC0406' }
    if (ctx.replied) return { ...done, status: 'replied', reply: concat(ctx.reply) }
    return { ...done, status: 'none' }
  }

  /** The module's start function, run as the IC runs it: on the memory the canister starts with. */
  private start (): void {
    const fn = this.instance?.exports[START_EXPORT]
    if (typeof fn === 'function') (fn as () => void)()
  }

  private memory (): WebAssembly.Memory {
    for (const v of Object.values(this.instance!.exports)) if (v instanceof WebAssembly.Memory) return v
    throw new Error('the canister exports no memory')
  }

  private pages (n: number): number | bigint { return this.prepared!.memory64 ? BigInt(n) : n }

  private snapshot (): Snapshot {
    return {
      memory: new Uint8Array(this.memory().buffer.slice(0)),
      globals: this.prepared!.globals.map((g) => (this.instance!.exports[GLOBAL_EXPORT_PREFIX + g] as WebAssembly.Global).value as number | bigint),
      stable: this.stable,
      stablePages: this.stablePages,
      certifiedData: this.certifiedData,
      globalTimer: this.globalTimer
    }
  }

  private restore (s: Snapshot): void {
    const mem = this.memory()
    const bytes = new Uint8Array(mem.buffer)
    bytes.set(s.memory)
    bytes.fill(0, s.memory.length) // pages the message grew stay, zeroed (memory cannot shrink)
    this.prepared!.globals.forEach((g, i) => { (this.instance!.exports[GLOBAL_EXPORT_PREFIX + g] as WebAssembly.Global).value = s.globals[i]! })
    this.stable = s.stable
    this.stablePages = s.stablePages
    this.certifiedData = s.certifiedData
    this.globalTimer = s.globalTimer
  }

  /** The ic0 functions for the module `prepared` returns (the one being loaded). */
  private imports (prepared: () => Prepared): Record<string, (...args: Array<number | bigint>) => number | bigint | undefined> {
    const I = (n: number | bigint): number | bigint => prepared().memory64 ? BigInt(n) : Number(n)
    const mem = (): Uint8Array => new Uint8Array(this.memory().buffer)
    const ctx = (): Context => { if (this.ctx === undefined) throw new Trap('no message is running'); return this.ctx }
    const read = (src: number | bigint, size: number | bigint): Uint8Array => {
      const s = Number(src); const n = Number(size); const m = mem()
      if (s < 0 || n < 0 || s + n > m.length) throw new Trap('memory access out of bounds')
      return m.slice(s, s + n)
    }
    const copyOut = (data: Uint8Array, dst: number | bigint, offset: number | bigint, size: number | bigint): void => {
      const o = Number(offset); const n = Number(size); const d = Number(dst); const m = mem()
      if (o + n > data.length) throw new Trap(`copy out of bounds: offset ${o} size ${n} of ${data.length}`)
      if (d + n > m.length) throw new Trap('memory access out of bounds')
      m.set(data.subarray(o, o + n), d)
    }
    const write128 = (dst: number | bigint, v: bigint): void => {
      const b = new Uint8Array(16)
      new DataView(b.buffer).setBigUint64(0, v & ((1n << 64n) - 1n), true)
      new DataView(b.buffer).setBigUint64(8, v >> 64n, true)
      copyOut(b, dst, 0, 16)
    }
    const inMessage = (): boolean => ctx().canReply
    const methodName = (): Uint8Array => new TextEncoder().encode(ctx().msg.method)
    const trap = (m: string): never => { throw new Trap(m) }
    const rejectMsg = (): Uint8Array => {
      const r = ctx().msg.reject
      if (ctx().msg.kind !== 'callback' || r === undefined) throw new Trap('msg_reject_msg outside a reject callback')
      return new TextEncoder().encode(r.message)
    }
    const building = (): OutgoingCall & { data: Uint8Array[] } => ctx().building ?? trap('no call is being built: call_new first')
    const stableWrite = (): void => {
      // Copy on first write, so that a snapshot taken before the message stays intact.
      if (this.ctxStableCopied !== this.ctx) { this.stable = this.stable.slice(); this.ctxStableCopied = this.ctx }
    }
    return {
      msg_arg_data_size: () => I(ctx().msg.arg.length),
      msg_arg_data_copy: (dst, off, size) => { copyOut(ctx().msg.arg, dst!, off!, size!); return undefined },
      msg_caller_size: () => I(ctx().msg.caller.length),
      msg_caller_copy: (dst, off, size) => { copyOut(ctx().msg.caller, dst!, off!, size!); return undefined },
      msg_method_name_size: () => I(methodName().length),
      msg_method_name_copy: (dst, off, size) => { copyOut(methodName(), dst!, off!, size!); return undefined },
      msg_reply_data_append: (src, size) => {
        if (!inMessage() || ctx().replied || ctx().rejected !== undefined) throw new Trap('msg_reply_data_append: no reply is possible here')
        ctx().reply.push(read(src!, size!)); return undefined
      },
      msg_reply: () => {
        if (!inMessage() || ctx().replied || ctx().rejected !== undefined) throw new Trap('msg_reply: already replied or no reply is possible here')
        ctx().replied = true; return undefined
      },
      msg_reject: (src, size) => {
        if (!inMessage() || ctx().replied || ctx().rejected !== undefined) throw new Trap('msg_reject: already replied or no reply is possible here')
        ctx().rejected = new TextDecoder().decode(read(src!, size!)); return undefined
      },
      msg_reject_code: () => ctx().msg.kind === 'callback' ? (ctx().msg.reject?.code ?? 0) : trap('msg_reject_code outside a callback'),
      msg_reject_msg_size: () => I(rejectMsg().length),
      msg_reject_msg_copy: (dst, off, size) => { copyOut(rejectMsg(), dst!, off!, size!); return undefined },
      msg_deadline: () => 0n,
      accept_message: () => undefined,
      msg_cycles_available128: (dst) => { write128(dst!, 0n); return undefined },
      msg_cycles_refunded128: (dst) => { write128(dst!, 0n); return undefined },
      msg_cycles_accept128: (_h, _l, dst) => { write128(dst!, 0n); return undefined },
      cycles_burn128: (_h, _l, dst) => { write128(dst!, 0n); return undefined },
      canister_cycle_balance128: (dst) => { write128(dst!, CYCLE_BALANCE); return undefined },
      canister_self_size: () => I(this.id.length),
      canister_self_copy: (dst, off, size) => { copyOut(this.id, dst!, off!, size!); return undefined },
      canister_status: () => 1,
      canister_version: () => this.version,
      is_controller: (src, size) => { const p = read(src!, size!); return this.controllers.some((c) => equal(c, p)) ? 1 : 0 },
      in_replicated_execution: () => ctx().msg.kind === 'query' ? 0 : 1,
      subnet_self_size: () => I(this.init.subnet.length),
      subnet_self_copy: (dst, off, size) => { copyOut(this.init.subnet, dst!, off!, size!); return undefined },
      root_key_size: () => I(this.init.rootKey.length),
      root_key_copy: (dst, off, size) => { copyOut(this.init.rootKey, dst!, off!, size!); return undefined },
      call_new: (calleeSrc, calleeSize, nameSrc, nameSize, replyFun, replyEnv, rejectFun, rejectEnv) => {
        const k = ctx().msg.kind
        if (k === 'query' || k === 'init' || k === 'pre_upgrade' || k === 'post_upgrade' || k === 'cleanup') throw new Trap(`call_new cannot be called in ${k}`)
        ctx().building = {
          callee: read(calleeSrc!, calleeSize!),
          method: new TextDecoder().decode(read(nameSrc!, nameSize!)),
          arg: new Uint8Array(0),
          data: [],
          reply: { fun: replyFun!, env: replyEnv! },
          reject: { fun: rejectFun!, env: rejectEnv! }
        }
        return undefined
      },
      call_on_cleanup: (fun, env) => { building().cleanup = { fun: fun!, env: env! }; return undefined },
      call_data_append: (src, size) => { building().data.push(read(src!, size!)); return undefined },
      call_with_best_effort_response: () => { building(); return undefined },
      call_cycles_add128: () => { building(); return undefined },
      call_perform: () => {
        const b = building()
        ctx().building = undefined
        ctx().calls.push({ callee: b.callee, method: b.method, arg: concat(b.data), reply: b.reply, reject: b.reject, cleanup: b.cleanup })
        return 0
      },
      cost_call: (_a, _b, dst) => { write128(dst!, 0n); return undefined },
      cost_create_canister: (dst) => { write128(dst!, 0n); return undefined },
      cost_http_request: (_a, _b, dst) => { write128(dst!, 0n); return undefined },
      cost_sign_with_ecdsa: () => 1,
      cost_sign_with_schnorr: () => 1,
      cost_vetkd_derive_key: () => 1,
      certified_data_set: (src, size) => {
        const k = ctx().msg.kind
        if (k === 'query') throw new Trap('certified_data_set cannot be called in a query')
        const n = Number(size)
        if (n > 32) throw new Trap('certified_data_set: more than 32 bytes')
        this.certifiedData = read(src!, size!); return undefined
      },
      data_certificate_present: () => ctx().msg.certificate === undefined ? 0 : 1,
      data_certificate_size: () => { const c = ctx().msg.certificate; if (c === undefined) throw new Trap('no data certificate'); return I(c().length) },
      data_certificate_copy: (dst, off, size) => { const c = ctx().msg.certificate; if (c === undefined) throw new Trap('no data certificate'); copyOut(c(), dst!, off!, size!); return undefined },
      stable64_size: () => this.stablePages,
      stable64_grow: (n) => {
        const add = BigInt(n!)
        const old = this.stablePages
        if (old + add > MAX_STABLE_PAGES) return -1n
        stableWrite()
        const grown = new Uint8Array(Number(old + add) * PAGE)
        grown.set(this.stable)
        this.stable = grown
        this.stablePages = old + add
        return old
      },
      stable64_write: (offset, src, size) => {
        const o = Number(offset); const n = Number(size)
        if (o + n > this.stable.length) throw new Trap('stable memory out of bounds')
        const data = read(src!, size!)
        stableWrite()
        this.stable.set(data, o); return undefined
      },
      stable64_read: (dst, offset, size) => { copyOut(this.stable, dst!, offset!, size!); return undefined },
      time: () => this.ctx?.msg.timeNs ?? BigInt(Date.now()) * 1_000_000n,
      global_timer_set: (t) => { const old = this.globalTimer; this.globalTimer = BigInt(t!); return old },
      performance_counter: () => {
        const counter = this.instance!.exports[COUNTER_EXPORT] as WebAssembly.Global
        return ctx().limit - (counter.value as bigint)
      },
      debug_print: (src, size) => {
        const line = new TextDecoder().decode(read(src!, size!))
        ctx().logs.push(line)
        this.init.onPrint?.(`[${this.idText}] ${line}`)
        return undefined
      },
      trap: (src, size) => { throw new Trap(new TextDecoder().decode(read(src!, size!))) },
      env_var_count: () => I(0),
      env_var_name_size: () => { throw new Trap('no environment variables') },
      env_var_name_copy: () => { throw new Trap('no environment variables') },
      env_var_name_exists: () => 0,
      env_var_value_size: () => { throw new Trap('no environment variables') },
      env_var_value_copy: () => { throw new Trap('no environment variables') }
    }
  }

  private ctxStableCopied: Context | undefined
}

function concat (parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let at = 0
  for (const p of parts) { out.set(p, at); at += p.length }
  return out
}

function equal (a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i])
}
