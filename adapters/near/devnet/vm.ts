// Runs one function call of a contract's real WASM with NEAR's host functions (module
// "env", as nearcore's near-vm-runner imports them): registers, the call's context,
// storage with storage_usage accounting, sha256 / keccak256 / ed25519_verify, logs,
// panics, and the promise calls (outgoing receipts, callbacks with promise results). Gas
// is charged per instruction (meter.ts) and per host call (fees.ts); a call that runs out
// fails with GasExceeded. Integers cross the boundary as u64 (BigInt in JavaScript).
import { verify as ed25519Verify } from '../../../src/crypto/ed25519.ts'
import { sha256 } from '../../../src/crypto/hash.ts'
import { EXT, RECORD_BYTES } from './fees.ts'
import { GAS_EXPORT, meterModule } from './meter.ts'

const U64_MAX = (1n << 64n) - 1n
const MAX_LOGS = 100
const MAX_LOG_BYTES = 16_384
const MAX_RETURN_BYTES = 4_194_304
const MAX_REGISTER_BYTES = 104_857_600n
const MAX_STORAGE_KEY = 2048
const MAX_STORAGE_VALUE = 4_194_304

/** A contract's storage as the call sees it (the chain's state, with this receipt's changes on top). */
export interface ContractStorage {
  get (key: Uint8Array): Uint8Array | undefined
  set (key: Uint8Array, value: Uint8Array): void
  delete (key: Uint8Array): void
}

export interface PromiseResult { ok: boolean, data: Uint8Array }

export interface CallContext {
  currentAccount: string
  signerAccount: string
  /** The signer's public key, borsh-encoded (key type byte, then 32 bytes). */
  signerPublicKey: Uint8Array
  predecessor: string
  input: Uint8Array
  blockHeight: bigint
  blockTimestampNs: bigint
  epochHeight: bigint
  /** The account's balance with the attached deposit already added. */
  balance: bigint
  locked: bigint
  storageUsage: bigint
  attachedDeposit: bigint
  prepaidGas: bigint
  randomSeed: Uint8Array
  /** A view call: state-changing host functions are refused (ProhibitedInView). */
  view: boolean
  /** Results of the receipts this one waited for (a callback's). */
  promiseResults: PromiseResult[]
}

/** An action of an outgoing receipt, as the contract queued it. */
export type ReceiptAction =
  | { type: 'FunctionCall', method: string, args: Uint8Array, deposit: bigint, gas: bigint }
  | { type: 'Transfer', deposit: bigint }
  | { type: 'CreateAccount' }
  | { type: 'DeployContract', code: Uint8Array }

export interface OutgoingReceipt {
  receiver: string
  actions: ReceiptAction[]
  /** Indices (into the call's receipts) of those whose results this one waits for. */
  after: number[]
}

/** A function-call error as nearcore's RPC shows it (the `FunctionCallError` of an ActionError). */
export type FunctionCallErrorView =
  | { ExecutionError: string }
  | { MethodResolveError: 'MethodNotFound' | 'MethodEmptyName' | 'MethodInvalidSignature' }
  | { CompilationError: { PrepareError: string } | { CodeDoesNotExist: { account_id: string } } }
  | { LinkError: { msg: string } }

export interface CallOutcome {
  ok: boolean
  error?: FunctionCallErrorView
  /** The panic message or other reason, for logs and view-call errors. */
  message?: string
  returnData: Uint8Array | undefined
  logs: string[]
  receipts: OutgoingReceipt[]
  /** Gas burnt by the call itself, and gas used (burnt plus what was attached to outgoing receipts). */
  gasBurnt: bigint
  gasUsed: bigint
  /** The account's balance after deposits and transfers sent out. */
  balance: bigint
  storageUsage: bigint
}

/** Host errors end the call (thrown through the WASM frames). */
class HostAbort extends Error {
  readonly view: FunctionCallErrorView
  constructor (view: FunctionCallErrorView, message: string) { super(message); this.view = view }
}

const hostError = (kind: string, extra = ''): HostAbort => new HostAbort({ ExecutionError: `${kind}${extra}` }, `${kind}${extra}`)

const compiled = new Map<string, WebAssembly.Module>()

function compile (codeHash: string, code: Uint8Array): WebAssembly.Module {
  let m = compiled.get(codeHash)
  if (m === undefined) {
    m = new WebAssembly.Module(meterModule(code, EXT.regularOp) as Uint8Array<ArrayBuffer>)
    if (compiled.size > 64) compiled.clear()
    compiled.set(codeHash, m)
  }
  return m
}

/** Runs `method` of `code` in context `ctx` over `storage`. */
export function runFunctionCall (code: Uint8Array, codeHash: string, method: string, ctx: CallContext, storage: ContractStorage): CallOutcome {
  const registers = new Map<bigint, Uint8Array>()
  const logs: string[] = []
  const receipts: OutgoingReceipt[] = []
  let returnData: Uint8Array | undefined
  let balance = ctx.balance
  let storageUsage = ctx.storageUsage
  let attachedToReceipts = 0n
  let memory: WebAssembly.Memory | undefined
  let gas: WebAssembly.Global | undefined
  let logBytes = 0

  const outcome = (ok: boolean, error?: FunctionCallErrorView, message?: string): CallOutcome => {
    const left = gas === undefined ? ctx.prepaidGas : (gas.value as bigint)
    const used = ctx.prepaidGas - (left < 0n ? 0n : left)
    const gasUsed = ok ? used : used - attachedToReceipts
    return {
      ok,
      ...(error !== undefined ? { error } : {}),
      ...(message !== undefined ? { message } : {}),
      returnData: ok ? returnData : undefined,
      logs,
      receipts: ok ? receipts : [],
      gasBurnt: gasUsed - (ok ? attachedToReceipts : 0n),
      gasUsed,
      balance: ok ? balance : ctx.balance,
      storageUsage: ok ? storageUsage : ctx.storageUsage
    }
  }

  const use = (amount: bigint): void => {
    if (gas === undefined) return
    const left = (gas.value as bigint) - amount
    gas.value = left
    if (left < 0n) throw new HostAbort({ ExecutionError: 'Exceeded the prepaid gas.' }, 'GasExceeded')
  }
  const mem = (): Uint8Array => new Uint8Array(memory!.buffer)
  const read = (ptr: bigint, len: bigint): Uint8Array => {
    const p = Number(BigInt.asUintN(64, ptr))
    const l = Number(BigInt.asUintN(64, len))
    const m = mem()
    if (p + l > m.length) throw hostError('MemoryAccessViolation')
    use(EXT.readMemoryBase + EXT.readMemoryByte * BigInt(l))
    return m.slice(p, p + l)
  }
  const write = (ptr: bigint, bytes: Uint8Array): void => {
    const p = Number(BigInt.asUintN(64, ptr))
    const m = mem()
    if (p + bytes.length > m.length) throw hostError('MemoryAccessViolation')
    use(EXT.writeMemoryBase + EXT.writeMemoryByte * BigInt(bytes.length))
    m.set(bytes, p)
  }
  const setRegister = (id: bigint, bytes: Uint8Array): void => {
    if (BigInt(bytes.length) > MAX_REGISTER_BYTES) throw hostError('MemoryAccessViolation')
    use(EXT.writeRegisterBase + EXT.writeRegisterByte * BigInt(bytes.length))
    registers.set(BigInt.asUintN(64, id), bytes)
  }
  const text = (len: bigint, ptr: bigint): string => {
    let bytes: Uint8Array
    if (BigInt.asUintN(64, len) === U64_MAX) {
      const m = mem()
      const p = Number(BigInt.asUintN(64, ptr))
      let end = p
      while (end < m.length && m[end] !== 0) end++
      bytes = read(ptr, BigInt(end - p))
    } else bytes = read(ptr, len)
    use(EXT.utf8DecodingBase + EXT.utf8DecodingByte * BigInt(bytes.length))
    try {
      return new TextDecoder('utf-8', { fatal: true }).decode(bytes)
    } catch {
      throw hostError('BadUTF8')
    }
  }
  const u128 = (ptr: bigint): bigint => {
    const b = read(ptr, 16n)
    let v = 0n
    for (let i = 15; i >= 0; i--) v = (v << 8n) | BigInt(b[i]!)
    return v
  }
  const le128 = (v: bigint): Uint8Array => {
    const b = new Uint8Array(16)
    for (let i = 0; i < 16; i++) b[i] = Number((v >> BigInt(8 * i)) & 0xffn)
    return b
  }
  const notInView = (name: string): void => {
    if (ctx.view) throw hostError('ProhibitedInView', ` {method_name: ${name}}`)
  }
  const storageKey = (len: bigint, ptr: bigint): Uint8Array => {
    if (BigInt.asUintN(64, len) > BigInt(MAX_STORAGE_KEY)) throw hostError('KeyLengthExceeded')
    return read(ptr, len)
  }
  const promise = (index: bigint): OutgoingReceipt => {
    const r = receipts[Number(BigInt.asUintN(64, index))]
    if (r === undefined) throw hostError('InvalidPromiseIndex', ` {promise_idx: ${index}}`)
    return r
  }
  const account = (len: bigint, ptr: bigint): string => {
    const id = text(len, ptr)
    if (!/^(([a-z\d]+[-_])*[a-z\d]+\.)*([a-z\d]+[-_])*[a-z\d]+$/.test(id) || id.length < 2 || id.length > 64) throw hostError('InvalidAccountId')
    return id
  }
  const spend = (amount: bigint): void => {
    if (amount > balance) throw hostError('BalanceExceeded')
    balance -= amount
  }
  const attachGas = (g: bigint): void => {
    use(g)
    attachedToReceipts += g
  }
  const callAction = (p: OutgoingReceipt, method: string, args: Uint8Array, deposit: bigint, g: bigint): void => {
    notInView('promise_batch_action_function_call')
    spend(deposit)
    attachGas(g)
    use(EXT.base)
    p.actions.push({ type: 'FunctionCall', method, args, deposit, gas: g })
  }

  const env: Record<string, (...args: bigint[]) => bigint | undefined> = {
    read_register: (id, ptr) => { use(EXT.base); const r = registers.get(BigInt.asUintN(64, id!)); if (r === undefined) throw hostError('InvalidRegisterId', ` {register_id: ${id}}`); use(EXT.readRegisterBase + EXT.readRegisterByte * BigInt(r.length)); write(ptr!, r); return undefined },
    register_len: (id) => { use(EXT.base); const r = registers.get(BigInt.asUintN(64, id!)); return r === undefined ? -1n : BigInt(r.length) },
    write_register: (id, len, ptr) => { use(EXT.base); setRegister(id!, read(ptr!, len!)); return undefined },
    current_account_id: (reg) => { use(EXT.base); setRegister(reg!, new TextEncoder().encode(ctx.currentAccount)); return undefined },
    signer_account_id: (reg) => { use(EXT.base); notInView('signer_account_id'); setRegister(reg!, new TextEncoder().encode(ctx.signerAccount)); return undefined },
    signer_account_pk: (reg) => { use(EXT.base); notInView('signer_account_pk'); setRegister(reg!, ctx.signerPublicKey); return undefined },
    predecessor_account_id: (reg) => { use(EXT.base); notInView('predecessor_account_id'); setRegister(reg!, new TextEncoder().encode(ctx.predecessor)); return undefined },
    input: (reg) => { use(EXT.base); setRegister(reg!, ctx.input); return undefined },
    block_index: () => { use(EXT.base); return ctx.blockHeight },
    block_timestamp: () => { use(EXT.base); return ctx.blockTimestampNs },
    epoch_height: () => { use(EXT.base); return ctx.epochHeight },
    storage_usage: () => { use(EXT.base); return storageUsage },
    account_balance: (ptr) => { use(EXT.base); write(ptr!, le128(balance)); return undefined },
    account_locked_balance: (ptr) => { use(EXT.base); write(ptr!, le128(ctx.locked)); return undefined },
    attached_deposit: (ptr) => { use(EXT.base); notInView('attached_deposit'); write(ptr!, le128(ctx.attachedDeposit)); return undefined },
    prepaid_gas: () => { use(EXT.base); notInView('prepaid_gas'); return ctx.prepaidGas },
    used_gas: () => { use(EXT.base); notInView('used_gas'); return ctx.prepaidGas - (gas!.value as bigint) },
    random_seed: (reg) => { use(EXT.base); setRegister(reg!, ctx.randomSeed); return undefined },
    sha256: (len, ptr, reg) => { const v = read(ptr!, len!); use(EXT.sha256Base + EXT.sha256Byte * BigInt(v.length)); setRegister(reg!, sha256(v)); return undefined },
    ed25519_verify: (sigLen, sigPtr, msgLen, msgPtr, pkLen, pkPtr) => {
      if (sigLen !== 64n) throw hostError('Ed25519VerifyInvalidInput', ' {msg: "invalid signature length"}')
      if (pkLen !== 32n) throw hostError('Ed25519VerifyInvalidInput', ' {msg: "invalid public key length"}')
      const sig = read(sigPtr!, sigLen)
      const msg = read(msgPtr!, msgLen!)
      const pk = read(pkPtr!, pkLen)
      use(EXT.ed25519VerifyBase + EXT.ed25519VerifyByte * BigInt(msg.length))
      return ed25519Verify(pk, msg, sig) ? 1n : 0n
    },
    value_return: (len, ptr) => { use(EXT.base); const v = read(ptr!, len!); if (v.length > MAX_RETURN_BYTES) throw hostError('ReturnedValueLengthExceeded'); returnData = v; return undefined },
    panic: () => { throw new HostAbort({ ExecutionError: 'Smart contract panicked: explicit guest panic' }, 'explicit guest panic') },
    panic_utf8: (len, ptr) => { const m = text(len!, ptr!); throw new HostAbort({ ExecutionError: `Smart contract panicked: ${m}` }, m) },
    log_utf8: (len, ptr) => {
      notInView('log_utf8')
      const line = text(len!, ptr!)
      use(EXT.logBase + EXT.logByte * BigInt(line.length))
      logBytes += new TextEncoder().encode(line).length
      if (logs.length >= MAX_LOGS) throw hostError('NumberOfLogsExceeded', ` {limit: ${MAX_LOGS}}`)
      if (logBytes > MAX_LOG_BYTES) throw hostError('TotalLogLengthExceeded', ` {length: ${logBytes}, limit: ${MAX_LOG_BYTES}}`)
      logs.push(line)
      return undefined
    },
    abort: (msgPtr, filePtr, line, col) => {
      // AssemblyScript's abort: UTF-16 strings with their byte length at ptr - 4.
      const str = (p: bigint): string => {
        const m = mem(); const at = Number(BigInt.asUintN(32, p))
        if (at < 4 || at > m.length) return ''
        const n = new DataView(m.buffer).getUint32(at - 4, true)
        return at + n > m.length ? '' : new TextDecoder('utf-16le').decode(m.subarray(at, at + n))
      }
      const message = `${str(msgPtr!)}, filename: "${str(filePtr!)}" line: ${Number(line)} col: ${Number(col)}`
      throw new HostAbort({ ExecutionError: `Smart contract panicked: ${message}` }, message)
    },
    storage_write: (kLen, kPtr, vLen, vPtr, reg) => {
      notInView('storage_write')
      const key = storageKey(kLen!, kPtr!)
      if (BigInt.asUintN(64, vLen!) > BigInt(MAX_STORAGE_VALUE)) throw hostError('ValueLengthExceeded')
      const value = read(vPtr!, vLen!)
      use(EXT.storageWriteBase + EXT.storageWriteKeyByte * BigInt(key.length) + EXT.storageWriteValueByte * BigInt(value.length) + EXT.touchingTrieNode)
      const old = storage.get(key)
      storage.set(key, value)
      if (old === undefined) {
        storageUsage += BigInt(key.length + value.length) + RECORD_BYTES
        return 0n
      }
      use(EXT.storageWriteEvictedByte * BigInt(old.length))
      storageUsage += BigInt(value.length - old.length)
      setRegister(reg!, old)
      return 1n
    },
    storage_read: (kLen, kPtr, reg) => {
      const key = storageKey(kLen!, kPtr!)
      use(EXT.storageReadBase + EXT.storageReadKeyByte * BigInt(key.length) + EXT.touchingTrieNode)
      const v = storage.get(key)
      if (v === undefined) return 0n
      use(EXT.storageReadValueByte * BigInt(v.length))
      setRegister(reg!, v)
      return 1n
    },
    storage_remove: (kLen, kPtr, reg) => {
      notInView('storage_remove')
      const key = storageKey(kLen!, kPtr!)
      use(EXT.storageRemoveBase + EXT.storageRemoveKeyByte * BigInt(key.length) + EXT.touchingTrieNode)
      const old = storage.get(key)
      if (old === undefined) return 0n
      use(EXT.storageRemoveRetValueByte * BigInt(old.length))
      storage.delete(key)
      storageUsage -= BigInt(key.length + old.length) + RECORD_BYTES
      setRegister(reg!, old)
      return 1n
    },
    storage_has_key: (kLen, kPtr) => {
      const key = storageKey(kLen!, kPtr!)
      use(EXT.storageHasKeyBase + EXT.storageHasKeyByte * BigInt(key.length) + EXT.touchingTrieNode)
      return storage.get(key) === undefined ? 0n : 1n
    },
    promise_create: (aLen, aPtr, mLen, mPtr, argLen, argPtr, amountPtr, g) => {
      notInView('promise_create')
      const p: OutgoingReceipt = { receiver: account(aLen!, aPtr!), actions: [], after: [] }
      receipts.push(p)
      callAction(p, text(mLen!, mPtr!), read(argPtr!, argLen!), u128(amountPtr!), BigInt.asUintN(64, g!))
      return BigInt(receipts.length - 1)
    },
    promise_then: (idx, aLen, aPtr, mLen, mPtr, argLen, argPtr, amountPtr, g) => {
      notInView('promise_then')
      promise(idx!)
      const p: OutgoingReceipt = { receiver: account(aLen!, aPtr!), actions: [], after: [Number(idx)] }
      receipts.push(p)
      callAction(p, text(mLen!, mPtr!), read(argPtr!, argLen!), u128(amountPtr!), BigInt.asUintN(64, g!))
      return BigInt(receipts.length - 1)
    },
    promise_batch_create: (aLen, aPtr) => {
      notInView('promise_batch_create')
      use(EXT.base)
      receipts.push({ receiver: account(aLen!, aPtr!), actions: [], after: [] })
      return BigInt(receipts.length - 1)
    },
    promise_batch_then: (idx, aLen, aPtr) => {
      notInView('promise_batch_then')
      promise(idx!)
      use(EXT.base)
      receipts.push({ receiver: account(aLen!, aPtr!), actions: [], after: [Number(idx)] })
      return BigInt(receipts.length - 1)
    },
    promise_batch_action_transfer: (idx, amountPtr) => {
      notInView('promise_batch_action_transfer')
      const p = promise(idx!)
      const amount = u128(amountPtr!)
      spend(amount)
      use(EXT.base)
      p.actions.push({ type: 'Transfer', deposit: amount })
      return undefined
    },
    promise_batch_action_create_account: (idx) => { notInView('promise_batch_action_create_account'); promise(idx!).actions.push({ type: 'CreateAccount' }); return undefined },
    promise_batch_action_deploy_contract: (idx, len, ptr) => { notInView('promise_batch_action_deploy_contract'); promise(idx!).actions.push({ type: 'DeployContract', code: read(ptr!, len!) }); return undefined },
    promise_batch_action_function_call: (idx, mLen, mPtr, argLen, argPtr, amountPtr, g) => {
      const p = promise(idx!)
      callAction(p, text(mLen!, mPtr!), read(argPtr!, argLen!), u128(amountPtr!), BigInt.asUintN(64, g!))
      return undefined
    },
    promise_results_count: () => { use(EXT.base); notInView('promise_results_count'); return BigInt(ctx.promiseResults.length) },
    promise_result: (idx, reg) => {
      use(EXT.base)
      notInView('promise_result')
      const r = ctx.promiseResults[Number(BigInt.asUintN(64, idx!))]
      if (r === undefined) throw hostError('InvalidPromiseResultIndex', ` {result_idx: ${idx}}`)
      if (!r.ok) return 2n
      setRegister(reg!, r.data)
      return 1n
    },
    promise_return: (idx) => { use(EXT.promiseReturn); notInView('promise_return'); promise(idx!); return undefined }
  }

  let instance: WebAssembly.Instance
  try {
    const mod = compile(codeHash, code)
    const wanted = WebAssembly.Module.imports(mod)
    const imports: Record<string, WebAssembly.ImportValue> = {}
    for (const i of wanted) {
      if (i.module !== 'env' || i.kind !== 'function' || env[i.name] === undefined) {
        return outcome(false, { LinkError: { msg: `${i.module}.${i.name} is not a host function this devnet offers` } }, `unknown import ${i.module}.${i.name}`)
      }
      imports[i.name] = env[i.name]!
    }
    instance = new WebAssembly.Instance(mod, { env: imports })
  } catch (e) {
    return outcome(false, { CompilationError: { PrepareError: 'Deserialization' } }, (e as Error).message)
  }
  const exports = instance.exports
  memory = exports.memory as WebAssembly.Memory | undefined
  gas = exports[GAS_EXPORT] as WebAssembly.Global
  gas.value = ctx.prepaidGas
  if (memory === undefined) return outcome(false, { LinkError: { msg: 'the contract exports no memory' } }, 'no memory')
  if (method.length === 0) return outcome(false, { MethodResolveError: 'MethodEmptyName' }, 'empty method name')
  const fn = exports[method]
  if (typeof fn !== 'function') return outcome(false, { MethodResolveError: 'MethodNotFound' }, `no method ${method}`)
  try {
    use(EXT.contractLoadingBase + EXT.contractLoadingByte * BigInt(code.length))
    ;(fn as () => void)()
  } catch (e) {
    if (e instanceof HostAbort) return outcome(false, e.view, e.message)
    if ((gas.value as bigint) < 0n) return outcome(false, { ExecutionError: 'Exceeded the prepaid gas.' }, 'GasExceeded')
    if (e instanceof WebAssembly.RuntimeError) return outcome(false, { ExecutionError: `WebAssembly trap: ${e.message}` }, e.message)
    if (e instanceof RangeError) return outcome(false, { ExecutionError: 'WebAssembly trap: Stack overflow.' }, e.message)
    throw e
  }
  return outcome(true)
}
