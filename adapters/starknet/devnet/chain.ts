// The devnet's chain: funded OpenZeppelin-style accounts, the built-in context config
// class, blocks, V3 invoke transactions checked as a sequencer checks them (version,
// nonce, resource bounds against the block's gas prices, balance, the account's Stark
// ECDSA signature over the Poseidon transaction hash), execution with revert (fees and the
// nonce are spent, state changes are not), events, and finality: a transaction lands in
// the PRE_CONFIRMED block, which closes (ACCEPTED_ON_L2) on the next turn of the event
// loop, and closed blocks reach ACCEPTED_ON_L1 after `l1DelayMs`. Each closed block keeps
// its felt state, from which the real state tries (../trie.ts) and its `new_root` are built
// on first use, for starknet_getStorageAt and starknet_getStorageProof.
import { createHash } from 'node:crypto'
import { ec, hash, shortString } from 'starknet'
import { STRK_TOKEN } from '../felts.ts'
import { buildTrie, classLeaf, contractLeaf, pedersen, poseidon, stateCommitment, type Hash2, type Trie } from '../trie.ts'
import { ContextConfig, Revert, check_ecdsa_signature, dispatch, isExternal, type CallContext, type EmittedEvent } from './contract.ts'
import { FeltStore } from './storage.ts'
import { balanceOf, setBalance, tokenDispatch, tokenIsExternal } from './token.ts'

export const CHAIN_ID = BigInt(shortString.encodeShortString('SN_MOORAGE_DEVNET'))
/** Labels of the devnet's built-in classes (not hashes of compiled classes: nothing is compiled here). */
export const ACCOUNT_CLASS_HASH = BigInt(hash.starknetKeccak('moorage:devnet:oz-account'))
export const CONFIG_CLASS_HASH = BigInt(hash.starknetKeccak('moorage:devnet:context-config'))
/** The Universal Deployer Contract addresses starknet.js deploys through. */
export const UDC_ADDRESSES = [0x041a78e741e5af2fec34b695679bc6891742439f7afb8484ecd7766661ad02bfn, 0x02ceed65a4bd731034c01113685c831b01c15d7d432f71afb1cf1634b53a2125n]
/** Gas prices (FRI per unit), and what an invoke costs: a base plus a share per calldata felt. */
export const GAS_PRICES = { l1: 100_000_000_000n, l1Data: 1_000_000n, l2: 10_000_000n }
export const VALID = BigInt(shortString.encodeShortString('VALID'))
export const PUBLIC_KEY_SLOT = BigInt(hash.starknetKeccak('Account_public_key'))
/** The STRK fee token, at its mainnet address: an OpenZeppelin-style ERC-20 (token.ts) holding the accounts' fee balances and the contexts' funds. */
export const STRK_ADDRESS = STRK_TOKEN
export const ERC20_CLASS_HASH = BigInt(hash.starknetKeccak('moorage:devnet:erc20'))
/** The classes trie's compiled class hashes: stand-ins (no Sierra is compiled here), fixed so every run agrees. */
const COMPILED_CLASS_HASHES = new Map([ACCOUNT_CLASS_HASH, CONFIG_CLASS_HASH, ERC20_CLASS_HASH].map((c) => [c, BigInt(hash.starknetKeccak('moorage:devnet:casm:' + c.toString(16)))]))

/** One contract as the state commitment sees it: its class, nonce and felt storage (key → value). */
export interface FeltContract { classHash: bigint, nonce: bigint, storage: Map<bigint, bigint> }

/** A block's state tries: the global root and what starknet_getStorageProof answers from. */
export interface StateTries { root: bigint, contracts: Trie, classes: Trie, storage: Map<bigint, Trie>, state: Map<bigint, FeltContract> }

/** A JSON-RPC error of the Starknet spec (code and message as the spec has them). */
export class RpcFailure extends Error {
  override name = 'StarknetRpcFailure'
  readonly code: number
  readonly data: unknown
  constructor (code: number, message: string, data?: unknown) { super(message); this.code = code; this.data = data }
}

export interface Resources { max_amount: bigint, max_price_per_unit: bigint }
export interface ResourceBounds { l1_gas: Resources, l2_gas: Resources, l1_data_gas: Resources }

export interface InvokeV3 {
  sender_address: bigint
  calldata: bigint[]
  signature: bigint[]
  nonce: bigint
  resource_bounds: ResourceBounds
  tip: bigint
  paymaster_data: bigint[]
  account_deployment_data: bigint[]
  nonce_data_availability_mode: 'L1' | 'L2'
  fee_data_availability_mode: 'L1' | 'L2'
}

export interface Usage { l1: bigint, l1Data: bigint, l2: bigint, fee: bigint }

export interface TxEvent extends EmittedEvent { from: bigint }

export interface Tx {
  hash: bigint
  body: InvokeV3
  block: number
  index: number
  reverted?: string
  events: TxEvent[]
  usage: Usage
}

export type BlockStatus = 'PRE_CONFIRMED' | 'ACCEPTED_ON_L2' | 'ACCEPTED_ON_L1'

export interface Block {
  number: number
  hash: bigint
  parent: bigint
  timestamp: number
  timeMs: number
  status: BlockStatus
  txs: Tx[]
  /** Contract storage after this block. */
  storage: Map<bigint, FeltStore>
  /** Every contract's felt state after this block, taken when it closed. */
  state?: Map<bigint, FeltContract>
}

/** A dev account; `balance` is its STRK balance in the PRE_CONFIRMED block's token storage. */
export interface Account { address: bigint, publicKey: bigint, privateKey: bigint, nonce: bigint, readonly balance: bigint }

export interface DevnetChainInit {
  /** How many funded accounts (default 4). */
  accounts?: number
  /** How long a closed block waits before ACCEPTED_ON_L1 (default 50 ms). */
  l1DelayMs?: number
}

const ORDER = ec.starkCurve.CURVE.n

/** Dev account `i`'s private key: the same on every run (public knowledge, for this devnet only). */
export function devKey (i: number): bigint {
  return BigInt('0x' + createHash('sha256').update(`moorage:starknet-devnet:account:${i}`).digest('hex')) % (ORDER - 1n) + 1n
}

export function accountAddress (publicKey: bigint): bigint {
  return BigInt(hash.calculateContractAddressFromHash(publicKey, ACCOUNT_CLASS_HASH, [publicKey], 0))
}

export function usageOf (tx: Pick<InvokeV3, 'calldata' | 'signature'>): Usage {
  const felts = BigInt(tx.calldata.length + tx.signature.length)
  const u = { l1: 0n, l1Data: 128n + 2n * felts, l2: 400_000n + 5_000n * felts }
  return { ...u, fee: u.l1 * GAS_PRICES.l1 + u.l1Data * GAS_PRICES.l1Data + u.l2 * GAS_PRICES.l2 }
}

export class DevnetChain {
  readonly accounts = new Map<bigint, Account>()
  readonly blocks: Block[] = []
  readonly txs = new Map<bigint, Tx>()
  private readonly l1DelayMs: number
  private skewMs = 0
  private closing = false
  private readonly timers = new Set<NodeJS.Timeout>()
  private closed = false
  private readonly triesMemo = new WeakMap<Block, StateTries>()
  private readonly storageMemo = new Map<string, Trie>()
  private readonly hashes = new Map<string, bigint>()
  /** Pedersen, remembered: a block's tries share almost every node with the last block's, so only changed paths are hashed. */
  private readonly pedersen: Hash2 = (a, b) => {
    const k = `${a.toString(36)}:${b.toString(36)}`
    let v = this.hashes.get(k)
    if (v === undefined) {
      v = pedersen(a, b)
      if (this.hashes.size >= 500_000) this.hashes.clear()
      this.hashes.set(k, v)
    }
    return v
  }

  constructor (init: DevnetChainInit = {}) {
    this.l1DelayMs = init.l1DelayMs ?? 50
    const token = new FeltStore()
    const balance = (holder: bigint): bigint => balanceOf(this.pending.storage.get(STRK_ADDRESS)!, holder)
    for (let i = 0; i < (init.accounts ?? 4); i++) {
      const privateKey = devKey(i)
      const publicKey = BigInt(ec.starkCurve.getStarkKey('0x' + privateKey.toString(16)))
      const address = accountAddress(publicKey)
      setBalance(token, address, 10n ** 24n)
      this.accounts.set(address, { address, publicKey, privateKey, nonce: 0n, get balance () { return balance(address) } })
    }
    this.blocks.push(this.newBlock(0n))
    this.pending.storage = new Map([[STRK_ADDRESS, token]])
    this.closeBlock()
    this.blocks[0]!.status = 'ACCEPTED_ON_L1'
  }

  nowMs (): number { return Date.now() + this.skewMs }

  /** Moves the chain's clock forward and closes a block stamped with it (devnet_increaseTime). */
  advance (ms: number): void {
    this.skewMs += ms
    const p = this.pending
    p.timeMs = this.nowMs(); p.timestamp = Math.floor(p.timeMs / 1000)
    this.closeBlock()
  }

  get pending (): Block { return this.blocks.at(-1)! }
  /** The newest closed block. */
  get latest (): Block { return this.blocks.at(-2)! }
  get l1Head (): Block { return [...this.blocks].reverse().find((b) => b.status === 'ACCEPTED_ON_L1')! }

  block (id: unknown): Block {
    if (id === 'latest') return this.latest
    if (id === 'pre_confirmed' || id === 'pending') return this.pending
    if (id === 'l1_accepted') return this.l1Head
    if (typeof id === 'object' && id !== null) {
      const o = id as { block_number?: number, block_hash?: string }
      const b = o.block_number !== undefined ? this.blocks[o.block_number] : this.blocks.find((x) => o.block_hash !== undefined && x.hash === BigInt(o.block_hash))
      if (b !== undefined) return b
    }
    throw new RpcFailure(24, 'Block not found')
  }

  /** The hash a V3 invoke is signed over, as starknet.js computes it. */
  txHash (tx: InvokeV3): bigint {
    const mode = (m: 'L1' | 'L2'): 0 | 1 => (m === 'L2' ? 1 : 0)
    return BigInt(hash.calculateInvokeTransactionHash({
      senderAddress: tx.sender_address,
      version: '0x3',
      compiledCalldata: tx.calldata.map(String),
      chainId: ('0x' + CHAIN_ID.toString(16)) as never,
      nonce: tx.nonce,
      accountDeploymentData: tx.account_deployment_data,
      nonceDataAvailabilityMode: mode(tx.nonce_data_availability_mode) as never,
      feeDataAvailabilityMode: mode(tx.fee_data_availability_mode) as never,
      resourceBounds: tx.resource_bounds as never,
      tip: tx.tip,
      paymasterData: tx.paymaster_data
    }))
  }

  /** A sequencer's checks before a transaction is accepted: refused ones change nothing. */
  validate (tx: InvokeV3, opts: { skipValidate?: boolean, skipFeeCharge?: boolean } = {}): { account: Account, hash: bigint, usage: Usage } {
    const account = this.accounts.get(tx.sender_address)
    if (account === undefined) throw new RpcFailure(20, 'Contract not found')
    const txHash = this.txHash(tx)
    if (tx.nonce !== account.nonce) throw new RpcFailure(52, 'Invalid transaction nonce', `account nonce ${account.nonce}, transaction nonce ${tx.nonce}`)
    const usage = usageOf(tx)
    if (!opts.skipFeeCharge) {
      const b = tx.resource_bounds
      const short = (name: string, r: Resources, need: bigint, price: bigint): void => {
        if (r.max_amount < need || r.max_price_per_unit < price) throw new RpcFailure(53, 'The transaction\'s resources don\'t cover validation or the minimal transaction fee', `${name}: needs ${need} at ${price}, bounds ${r.max_amount} at ${r.max_price_per_unit}`)
      }
      short('l2_gas', b.l2_gas, usage.l2, GAS_PRICES.l2)
      short('l1_data_gas', b.l1_data_gas, usage.l1Data, GAS_PRICES.l1Data)
      short('l1_gas', b.l1_gas, usage.l1, usage.l1 === 0n ? 0n : GAS_PRICES.l1)
      const max = b.l1_gas.max_amount * b.l1_gas.max_price_per_unit + b.l2_gas.max_amount * b.l2_gas.max_price_per_unit + b.l1_data_gas.max_amount * b.l1_data_gas.max_price_per_unit
      if (account.balance < max) throw new RpcFailure(54, 'Account balance is smaller than the transaction\'s maximal fee')
    }
    // The OpenZeppelin account's __validate__: Stark ECDSA over the transaction hash by its key.
    if (!opts.skipValidate && (tx.signature.length !== 2 || !check_ecdsa_signature(txHash, account.publicKey, tx.signature[0]!, tx.signature[1]!))) {
      throw new RpcFailure(55, 'Account validation failed', 'the signature does not verify against the account\'s public key')
    }
    return { account, hash: txHash, usage }
  }

  /** Runs the account's __execute__ on a copy of the storage: the events, or the revert reason. */
  run (tx: InvokeV3, block: Block): { storage: Map<bigint, FeltStore>, events: TxEvent[], reverted?: string } {
    const storage = new Map([...block.storage].map(([a, s]) => [a, s.clone()]))
    const events: TxEvent[] = []
    try {
      const cd = tx.calldata
      const n = Number(cd[0] ?? 0n)
      let at = 1
      for (let i = 0; i < n; i++) {
        const to = cd[at]!; const selector = cd[at + 1]!; const len = Number(cd[at + 2]!)
        const data = cd.slice(at + 3, at + 3 + len)
        if (data.length !== len) throw new Revert('the account\'s calldata is malformed')
        at += 3 + len
        this.invoke(storage, block, tx.sender_address, to, selector, data, (e) => events.push(e))
      }
      if (at !== cd.length) throw new Revert('the account\'s calldata is malformed')
      return { storage, events }
    } catch (err) {
      if (err instanceof Revert) return { storage: block.storage, events: [], reverted: err.reason }
      throw err
    }
  }

  /** Accepts a checked transaction into the PRE_CONFIRMED block. */
  submit (tx: InvokeV3): Tx {
    if (this.closed) throw new RpcFailure(-32603, 'the devnet is closed')
    const { account, hash: txHash, usage } = this.validate(tx)
    if (this.txs.has(txHash)) throw new RpcFailure(59, 'A transaction with the same hash already exists in the mempool')
    const block = this.pending
    const out = this.run(tx, block)
    account.nonce++
    // The fee, from the token's storage (a copy: a reverted run hands back the block's own).
    const token = out.storage.get(STRK_ADDRESS)!.clone()
    setBalance(token, account.address, balanceOf(token, account.address) - usage.fee)
    block.storage = new Map(out.storage).set(STRK_ADDRESS, token)
    const t: Tx = { hash: txHash, body: tx, block: block.number, index: block.txs.length, events: out.events, usage, ...(out.reverted !== undefined ? { reverted: out.reverted } : {}) }
    block.txs.push(t)
    this.txs.set(txHash, t)
    if (!this.closing) {
      this.closing = true
      setImmediate(() => { this.closing = false; if (!this.closed) this.closeBlock() })
    }
    return t
  }

  /** A read: a view of a deployed contract at a block. */
  call (block: Block, to: bigint, selector: bigint, data: bigint[]): bigint[] {
    const cls = this.classOf(block, to)
    if (cls === undefined) throw new RpcFailure(20, 'Contract not found')
    if (cls === ACCOUNT_CLASS_HASH) {
      const account = this.accounts.get(to)!
      if (selector === sel('is_valid_signature') || selector === sel('isValidSignature')) {
        // OpenZeppelin: is_valid_signature(hash, signature: Array<felt252>) -> 'VALID' or 0.
        const [h, n, ...sig] = data
        if (h === undefined || n === undefined || Number(n) !== sig.length) throw new RpcFailure(40, 'Contract error', { revert_error: 'Failed to deserialize param #2' })
        return [sig.length === 2 && check_ecdsa_signature(h, account.publicKey, sig[0]!, sig[1]!) ? VALID : 0n]
      }
      if (selector === sel('get_public_key') || selector === sel('getPublicKey')) return [account.publicKey]
      throw new RpcFailure(21, 'Requested entrypoint does not exist in the contract')
    }
    const token = cls === ERC20_CLASS_HASH
    const external = token ? tokenIsExternal(selector) : isExternal(selector)
    if (external === undefined) throw new RpcFailure(21, 'Requested entrypoint does not exist in the contract')
    const s = block.storage.get(to)!
    try {
      // A call never changes state: an external function runs on a copy (and calls no other contract).
      const cx: CallContext = { chainId: CHAIN_ID, self: to, caller: 0n, timestamp: block.timestamp, blockNumber: block.number, emit: () => {} }
      return (token ? tokenDispatch : dispatch)(external ? s.clone() : s, cx, selector, data)
    } catch (err) {
      if (err instanceof Revert) throw new RpcFailure(40, 'Contract error', { revert_error: err.reason })
      throw err
    }
  }

  /** The class at an address in a block's state: a dev account's, the fee token's, the config contract's, or none. */
  classOf (block: Block, at: bigint): bigint | undefined {
    if (this.accounts.has(at)) return ACCOUNT_CLASS_HASH
    if (at === STRK_ADDRESS) return ERC20_CLASS_HASH
    return block.storage.has(at) ? CONFIG_CLASS_HASH : undefined
  }

  /**
   * The felt state of a block: accounts (class, nonce, `Account_public_key`), the fee token
   * (`ERC20_balances` as (low, high)), config contracts (class and their felt storage, laid
   * out as lib.cairo's `struct Storage`).
   */
  feltState (block: Block): Map<bigint, FeltContract> {
    if (block.state !== undefined) return block.state
    const out = new Map<bigint, FeltContract>()
    for (const a of this.accounts.values()) {
      out.set(a.address, { classHash: ACCOUNT_CLASS_HASH, nonce: a.nonce, storage: new Map([[PUBLIC_KEY_SLOT, a.publicKey]]) })
    }
    for (const [at, store] of block.storage) out.set(at, { classHash: at === STRK_ADDRESS ? ERC20_CLASS_HASH : CONFIG_CLASS_HASH, nonce: 0n, storage: new Map(store.storageEntries()) })
    return out
  }

  /** A closed block's state tries, built on first use (a storage trie seen before is reused). */
  tries (block: Block): StateTries {
    let t = this.triesMemo.get(block)
    if (t !== undefined) return t
    const state = this.feltState(block)
    const storage = new Map<bigint, Trie>()
    const leaves = new Map<bigint, bigint>()
    for (const [at, c] of state) {
      const text = [...c.storage].map(([k, v]) => `${k.toString(16)}=${v.toString(16)}`).sort().join(',')
      let trie = this.storageMemo.get(text)
      if (trie === undefined) {
        trie = buildTrie(this.pedersen, c.storage)
        if (this.storageMemo.size > 4096) this.storageMemo.clear()
        this.storageMemo.set(text, trie)
      }
      storage.set(at, trie)
      leaves.set(at, contractLeaf(c.classHash, trie.root, c.nonce, this.pedersen))
    }
    const contracts = buildTrie(this.pedersen, leaves)
    const classes = buildTrie(poseidon, new Map([...COMPILED_CLASS_HASHES].map(([c, compiled]) => [c, classLeaf(compiled)])))
    t = { root: stateCommitment(contracts.root, classes.root), contracts, classes, storage, state }
    this.triesMemo.set(block, t)
    return t
  }

  close (): void {
    this.closed = true
    for (const t of this.timers) clearTimeout(t)
  }

  private invoke (storage: Map<bigint, FeltStore>, block: Block, caller: bigint, to: bigint, selector: bigint, data: readonly bigint[], emit: (e: TxEvent) => void): bigint[] {
    if (UDC_ADDRESSES.includes(to) && selector === sel('deployContract')) {
      // deployContract(class_hash, salt, unique / from_zero, calldata: Array<felt252>)
      const [classHash, salt, unique, n] = data as [bigint, bigint, bigint, bigint]
      if (classHash !== CONFIG_CLASS_HASH) throw new Revert(`class ${classHash.toString(16)} is not declared on this devnet (only the built-in context config class is)`)
      const calldata = data.slice(4, 4 + Number(n))
      const address = udcAddress(to, caller, classHash, salt, unique, calldata)
      if (this.accounts.has(address) || storage.has(address)) throw new Revert('a contract is deployed at that address already')
      const store = new FeltStore()
      ContextConfig.construct(store, calldata)
      storage.set(address, store)
      emit({ from: to, keys: [sel('ContractDeployed')], data: [address, caller, unique, classHash, BigInt(calldata.length), ...calldata, salt] })
      return [address]
    }
    const s = storage.get(to)
    if (s === undefined) throw new Revert(`no contract at ${to.toString(16)}`)
    // The token or a config contract; a contract's calls out (call_contract_syscall) run here too, with it as the caller.
    const cx: CallContext = {
      chainId: CHAIN_ID,
      self: to,
      caller,
      timestamp: block.timestamp,
      blockNumber: block.number,
      emit: (e: EmittedEvent) => emit({ ...e, from: to }),
      call: (target, sel2, cd) => this.invoke(storage, block, to, target, sel2, cd, emit)
    }
    return (to === STRK_ADDRESS ? tokenDispatch : dispatch)(s, cx, selector, data)
  }

  private newBlock (parent: bigint): Block {
    const number = this.blocks.length
    const timeMs = this.nowMs()
    return { number, hash: 0n, parent, timestamp: Math.floor(timeMs / 1000), timeMs, status: 'PRE_CONFIRMED', txs: [], storage: this.blocks.at(-1)?.storage ?? new Map() }
  }

  /** Closes the PRE_CONFIRMED block (ACCEPTED_ON_L2) and opens the next; L1 acceptance follows. */
  private closeBlock (): void {
    const b = this.pending
    b.status = 'ACCEPTED_ON_L2'
    b.state = this.feltState(b)
    b.hash = BigInt(hash.computePoseidonHashOnElements([b.parent, BigInt(b.number), BigInt(b.timestamp), ...b.txs.map((t) => t.hash)]))
    this.blocks.push(this.newBlock(b.hash))
    const timer = setTimeout(() => { this.timers.delete(timer); b.status = 'ACCEPTED_ON_L1' }, this.l1DelayMs)
    this.timers.add(timer)
  }
}

const selectors = new Map<string, bigint>()
export function sel (name: string): bigint {
  let s = selectors.get(name)
  if (s === undefined) { s = BigInt(hash.getSelectorFromName(name)); selectors.set(name, s) }
  return s
}

/** The address the UDC deploys to: the salt is tied to the deployer unless deployed from zero. */
export function udcAddress (udc: bigint, caller: bigint, classHash: bigint, salt: bigint, unique: bigint, calldata: bigint[]): bigint {
  // Legacy UDC: `unique`; the current one: `not_from_zero`. Both tie the salt to the caller when set.
  const tied = unique !== 0n
  const s = tied ? BigInt(hash.computePedersenHash(caller, salt)) : salt
  return BigInt(hash.calculateContractAddressFromHash(s, classHash, calldata, tied ? udc : 0))
}
