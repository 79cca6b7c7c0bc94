// contracts/starknet/src/lib.cairo ported to TypeScript, function by function: one function
// per Cairo function, of the same name, with the same checks in the same order and the same
// revert short strings. Calldata is read as Cairo's Serde reads it and results written as it
// writes them; state lives in felt storage laid out as Cairo lays it out (storage.ts), so
// getStorageAt and storage proofs read the slots a compiled contract would hold. The devnet
// runs this where a real network runs the compiled Cairo.
//
// What stands in for Starknet here: the ed25519 verifier contract (IEd25519Verifier) is
// a TypeScript check, not a contract call; the syscalls (chain id, own and caller address,
// block number and timestamp, emit, call_contract) come from the devnet's CallContext.
import { ec, hash, shortString } from 'starknet'
import { verify } from '../../../src/crypto/ed25519.ts'
import { sha256 } from '../../../src/crypto/hash.ts'
import { FeltStore, u256, type StructValue } from './storage.ts'

/** A revert: `reason` as a Starknet node reports a Cairo panic (the short string in hex, then as text). */
export class Revert extends Error {
  override name = 'ContractRevert'
  readonly reason: string
  constructor (reason: string) { super(reason); this.reason = reason }
}

/** A Cairo panic with one short string: `assert(cond, 'Code')`. */
export function panic (short: string): never {
  throw new Revert(`Execution failed. Failure reason: ${shortString.encodeShortString(short)} ('${short}').`)
}

const assert = (cond: boolean, short: string): void => { if (!cond) panic(short) }

/** An event as the contract emits it: keys (the selector first) and data. */
export interface EmittedEvent { keys: bigint[], data: bigint[] }

/**
 * The syscalls: get_tx_info().chain_id, get_contract_address, get_caller_address,
 * get_block_number, get_block_timestamp, emit, and call_contract_syscall (a Revert when the
 * callee fails; absent in a read, where no contract is called).
 */
export interface CallContext {
  chainId: bigint
  self: bigint
  caller?: bigint
  blockNumber: number
  timestamp: number
  emit: (e: EmittedEvent) => void
  call?: (to: bigint, selector: bigint, calldata: readonly bigint[]) => bigint[]
}

type Member = StructValue<'Member'>
type Invitation = StructValue<'Invitation'>
type Proposal = StructValue<'Proposal'>

export const ROLE_ADMIN = 1n
export const ROLE_MEMBER = 2n
export const ROLE_READER = 3n
export const CAP_MANAGE_MEMBERS = 1n
export const CAP_MANAGE_APPLICATION = 2n
export const CAP_PROXY = 4n
const ALL_CAPS = 7n
export const KIND = {
  ADD_MEMBER: 0n, REMOVE_MEMBER: 1n, SET_ROLE: 2n, GRANT: 3n, REVOKE: 4n, UPDATE_APPLICATION: 5n, INVITE: 6n, REVOKE_INVITATION: 7n,
  CLAIM: 8n, COMMIT_CLAIM: 9n, REVEAL_CLAIM: 10n, LEAVE: 11n, PROPOSE: 12n, APPROVE: 13n, SHARE_KEYS: 14n
} as const
export const TARGET_IDENTITY = 1n
export const TARGET_OPEN = 2n
export const ACTION = { SET_THRESHOLD: 0n, SET_ACTIVE_LIMIT: 1n, ADD_ADMIN: 2n, REMOVE_ADMIN: 3n, SET_VALUE: 4n, DELETE_PROPOSAL: 5n, CALL: 6n, TRANSFER: 7n } as const
/** The STRK token, whose transfers the contract makes for a context's funds. */
export const STRK_TOKEN = 0x04718f5a0fc34cc1af16a1cdee98ffb20c31f5cd61d6ab07201858f4287c938dn
const DEFAULT_ACTIVE_LIMIT = 10n
const MAX_ACTIONS = 16n
const MAX_COMMITMENTS = 64n
const REQUEST_DOMAIN = BigInt(shortString.encodeShortString('moorage:starknet:request:v1'))
const BIND_DOMAIN = BigInt(shortString.encodeShortString('moorage:starknet:bind:v1'))
const NO_MEMBER: Member = { role: 0n, caps: 0n, index: 0n }
const NO_PROPOSAL: Proposal = { author: 0n, created_at: 0n, index: 0n, approvals: 0n, actions_len: 0n }

export interface Request { context: bigint, identity: bigint, nonce: bigint, kind: bigint, payload: bigint[] }

const selector = (name: string): bigint => BigInt(hash.getSelectorFromName(name))
const poseidon = (felts: readonly bigint[]): bigint => BigInt(hash.computePoseidonHashOnElements([...felts]))
const key2 = (a: bigint, b: bigint): bigint[] => [...u256(a), ...u256(b)]

/** Cairo's Serde over calldata: a value out of its type's range, or calldata too short or too long, fails to deserialize. */
class Serde {
  private at = 0
  private param = 1
  private readonly cd: readonly bigint[]
  constructor (cd: readonly bigint[]) { this.cd = cd }
  private fail (): never { throw new Revert(`Failed to deserialize param #${this.param}`) }
  felt (): bigint { if (this.at >= this.cd.length) this.fail(); return this.cd[this.at++]! }
  uint (bits: number): bigint { const v = this.felt(); if (v >> BigInt(bits) !== 0n) this.fail(); return v }
  u256 (): bigint { const low = this.uint(128); return low + (this.uint(128) << 128n) }
  span (): bigint[] {
    const n = this.uint(32)
    if (n > BigInt(this.cd.length - this.at)) this.fail()
    const out = this.cd.slice(this.at, this.at + Number(n)); this.at += Number(n); return out
  }
  next (): this { this.param++; return this }
  end (): void { if (this.at !== this.cd.length) this.fail() }
}

/** The contract's state and syscalls for one call: what `self` is in lib.cairo. */
export class ContextConfig {
  private readonly store: FeltStore
  private readonly cx: CallContext
  constructor (store: FeltStore, cx: CallContext) { this.store = store; this.cx = cx }

  /** #[constructor] fn constructor(verifier) */
  static construct (store: FeltStore, calldata: readonly bigint[]): void {
    const r = new Serde(calldata); const verifier = r.felt(); r.end()
    store.write('verifier', [], verifier)
  }

  // ---- Entry points (IContextConfig) ----

  create_context (creator: bigint, application: bigint, salt: bigint, stark_key: bigint, binding: bigint[]): bigint {
    const context = context_id_for(creator, application, salt)
    assert(this.store.read('revision', u256(context)) === 0n, 'ContextExists')
    assert(application !== 0n, 'BadApplication')
    assert(stark_key !== 0n && this.binding_valid(context, creator, stark_key, binding), 'BadBinding')
    this.store.writeU256('application', u256(context), application)
    this.store.write('revision', u256(context), 1n)
    this.store.write('admins', u256(context), 1n)
    this.store.write('threshold', u256(context), 1n)
    this.store.write('active_limit', u256(context), DEFAULT_ACTIVE_LIMIT)
    this.store.write('created_block', u256(context), BigInt(this.cx.blockNumber))
    this.store.write('keys', key2(context, creator), stark_key)
    this.emit('ContextCreated', key2(context, creator), [...u256(application)])
    this.emit('KeyBound', key2(context, creator), [stark_key])
    this.add_member(context, creator, ROLE_ADMIN)
    return context
  }

  execute (req: Request, signature: bigint[], binding: bigint[]): bigint {
    assert(this.store.read('revision', u256(req.context)) !== 0n, 'UnknownContext')
    assert(signature.length === 3, 'BadSignature')
    const [r, s, key] = signature as [bigint, bigint, bigint]
    const bound = this.store.read('keys', key2(req.context, req.identity))
    if (bound === 0n) {
      assert(this.binding_valid(req.context, req.identity, key, binding), 'BadBinding')
      this.store.write('keys', key2(req.context, req.identity), key)
      this.emit('KeyBound', key2(req.context, req.identity), [key])
    } else {
      assert(bound === key, 'WrongKey')
    }
    // The signature is checked against the key the identity bound; from here on every
    // right is req.identity's and no one else's.
    assert(check_ecdsa_signature(this.request_hash(req), key, r, s), 'BadSignature')
    const last = this.store.read('nonces', key2(req.context, req.identity))
    assert(req.nonce > last, 'StaleNonce')
    this.store.write('nonces', key2(req.context, req.identity), req.nonce)
    this.apply(req)
    const revision = this.store.read('revision', u256(req.context)) + 1n
    this.store.write('revision', u256(req.context), revision)
    this.emit('Applied', key2(req.context, req.identity), [req.nonce, revision, req.kind, BigInt(req.payload.length), ...req.payload])
    return revision
  }

  fund (context: bigint, amount: bigint): void {
    assert(this.store.read('revision', u256(context)) !== 0n, 'UnknownContext')
    assert(amount !== 0n, 'BadAmount')
    const from = this.cx.caller ?? 0n
    assert(this.call_contract(STRK_TOKEN, selector('transfer_from'), [from, this.cx.self, ...u256(amount)])[0] !== 0n, 'FundingFailed')
    this.store.writeU256('funds', u256(context), this.store.readU256('funds', u256(context)) + amount)
    this.emit('Funded', [...u256(context)], [from, ...u256(amount)])
  }

  funds_of (context: bigint): bigint { return this.store.readU256('funds', u256(context)) }

  nonce_of (context: bigint, identity: bigint): bigint { return this.store.read('nonces', key2(context, identity)) }
  key_of (context: bigint, identity: bigint): bigint { return this.store.read('keys', key2(context, identity)) }
  role_of (context: bigint, identity: bigint): bigint { return this.member(context, identity).role }
  revision_of (context: bigint): bigint { return this.store.read('revision', u256(context)) }

  /** Settings { application, revision, threshold, active_limit, created_block } */
  settings_of (context: bigint): bigint[] {
    const k = u256(context)
    return [...u256(this.store.readU256('application', k)), this.store.read('revision', k), this.store.read('threshold', k), this.store.read('active_limit', k), this.store.read('created_block', k)]
  }

  /** Array<(u256, Member)> */
  members_of (context: bigint): bigint[] {
    const n = this.store.read('member_count', u256(context))
    const out = [n]
    for (let i = 1n; i <= n; i++) {
      const id = this.store.readU256('member_ids', [...u256(context), i])
      const m = this.member(context, id)
      out.push(...u256(id), m.role, m.caps, m.index)
    }
    return out
  }

  /** Array<(u256, Invitation)> */
  invitations_of (context: bigint): bigint[] {
    const n = this.store.read('invitation_count', u256(context))
    const out = [n]
    for (let i = 1n; i <= n; i++) {
      const id = this.store.readU256('invitation_ids', [...u256(context), i])
      const v = this.invitation(context, id)
      out.push(...u256(id), v.kind, v.role, v.revoked, v.max_uses, v.uses, v.expires_at, ...u256(v.target), ...u256(v.created_by))
    }
    return out
  }

  /** Array<ProposalView { id, author, created_at, approvers: Array<u256>, actions: Array<felt252> }> */
  proposals_of (context: bigint): bigint[] {
    const n = this.store.read('proposal_count', u256(context))
    const out = [n]
    for (let i = 1n; i <= n; i++) {
      const id = this.store.readU256('proposal_ids', [...u256(context), i])
      const p = this.proposal(context, id)
      const approvers: bigint[] = []
      for (let j = 0n; j < p.approvals; j++) approvers.push(this.store.readU256('approvers', [...key2(context, id), j]))
      const actions = this.actions_of(context, id, p.actions_len)
      out.push(...u256(id), ...u256(p.author), p.created_at, BigInt(approvers.length), ...approvers.flatMap(u256), BigInt(actions.length), ...actions)
    }
    return out
  }

  request_hash (req: Request): bigint {
    return poseidon([
      REQUEST_DOMAIN, this.cx.chainId, this.cx.self,
      ...u256(req.context), ...u256(req.identity),
      req.nonce, req.kind, poseidon(req.payload)
    ])
  }

  /** (domain, chain id, this contract, context.low, context.high, stark_key), each felt as 32 big-endian bytes. */
  binding_message (context: bigint, stark_key: bigint): Uint8Array {
    return bytesOf([BIND_DOMAIN, this.cx.chainId, this.cx.self, ...u256(context), stark_key])
  }

  // ---- Internal ----

  binding_valid (context: bigint, identity: bigint, key: bigint, binding: bigint[]): boolean {
    if (binding.length !== 4) return false
    const r = read_u256(binding, 0)
    const s = read_u256(binding, 2)
    return ed25519_verify(identity, r, s, this.binding_message(context, key))
  }

  now_ms (): bigint { return BigInt(this.cx.timestamp) * 1000n }

  need (context: bigint, identity: bigint, cap: bigint): void {
    const m = this.member(context, identity)
    assert(m.role !== 0n && (m.role === ROLE_ADMIN || (m.caps & cap) !== 0n), 'MissingCapability')
  }

  add_member (context: bigint, id: bigint, role: bigint): void {
    const n = this.store.read('member_count', u256(context)) + 1n
    this.store.write('member_count', u256(context), n)
    this.store.writeU256('member_ids', [...u256(context), n], id)
    this.store.writeStruct('Member', 'members', key2(context, id), { role, caps: 0n, index: n })
  }

  remove_member (context: bigint, id: bigint): void {
    const index = this.member(context, id).index
    const n = this.store.read('member_count', u256(context))
    const last_id = this.store.readU256('member_ids', [...u256(context), n])
    this.store.writeU256('member_ids', [...u256(context), index], last_id)
    const last = this.member(context, last_id)
    last.index = index
    this.store.writeStruct('Member', 'members', key2(context, last_id), last)
    this.store.writeU256('member_ids', [...u256(context), n], 0n)
    this.store.write('member_count', u256(context), n - 1n)
    this.store.writeStruct('Member', 'members', key2(context, id), NO_MEMBER)
  }

  usable (context: bigint, inv: Invitation, claimer: bigint): void {
    assert(inv.revoked === 0n, 'InvitationRevoked')
    assert(this.now_ms() <= inv.expires_at, 'InvitationExpired')
    assert(inv.uses < inv.max_uses, 'NoUsesLeft')
    assert(this.member(context, claimer).role === 0n, 'ClaimerIsMember')
  }

  admit (context: bigint, id: bigint, inv: Invitation, claimer: bigint): void {
    inv.uses += 1n
    this.store.writeStruct('Invitation', 'invitations', key2(context, id), inv)
    this.add_member(context, claimer, inv.role)
  }

  apply (req: Request): void {
    const c = req.context; const author = req.identity; const kind = req.kind; const p = req.payload
    if (kind === KIND.ADD_MEMBER) {
      const id = read_u256(p, 0); const role = read_u8(p, 2)
      assert(role === ROLE_MEMBER || role === ROLE_READER, 'AdminAddNeedsProposal')
      this.need(c, author, CAP_MANAGE_MEMBERS)
      assert(this.member(c, id).role === 0n, 'AlreadyMember')
      this.add_member(c, id, role)
    } else if (kind === KIND.REMOVE_MEMBER) {
      const id = read_u256(p, 0)
      const role = this.member(c, id).role
      assert(role !== 0n, 'NotMember')
      assert(role !== ROLE_ADMIN, 'AdminRemoveNeedsProposal')
      this.need(c, author, CAP_MANAGE_MEMBERS)
      this.remove_member(c, id)
    } else if (kind === KIND.SET_ROLE) {
      const id = read_u256(p, 0); const role = read_u8(p, 2)
      const m = this.member(c, id)
      assert(m.role !== 0n, 'NotMember')
      assert(m.role !== ROLE_ADMIN && (role === ROLE_MEMBER || role === ROLE_READER), 'AdminRoleNeedsProposal')
      this.need(c, author, CAP_MANAGE_MEMBERS)
      m.role = role
      this.store.writeStruct('Member', 'members', key2(c, id), m)
    } else if (kind === KIND.GRANT || kind === KIND.REVOKE) {
      const id = read_u256(p, 0); const cap = read_u8(p, 2)
      assert(cap === CAP_MANAGE_MEMBERS || cap === CAP_MANAGE_APPLICATION || cap === CAP_PROXY, 'UnknownCapability')
      assert(this.member(c, author).role === ROLE_ADMIN, 'OnlyAdminsCapabilities')
      const m = this.member(c, id)
      assert(m.role !== 0n, 'NotMember')
      m.caps = kind === KIND.GRANT ? m.caps | cap : m.caps & (ALL_CAPS ^ cap)
      this.store.writeStruct('Member', 'members', key2(c, id), m)
    } else if (kind === KIND.UPDATE_APPLICATION) {
      const app = read_u256(p, 0)
      assert(app !== 0n, 'BadApplication')
      this.need(c, author, CAP_MANAGE_APPLICATION)
      this.store.writeU256('application', u256(c), app)
    } else if (kind === KIND.INVITE) {
      const id = read_u256(p, 0)
      const target_kind = read_u8(p, 2)
      const target = read_u256(p, 3)
      const role = read_u8(p, 5)
      const expires_at = read_uint(p, 6, 64)
      const max_uses = read_u32(p, 7)
      this.need(c, author, CAP_MANAGE_MEMBERS)
      assert(this.invitation(c, id).kind === 0n, 'InvitationExists')
      assert(role === ROLE_MEMBER || role === ROLE_READER, 'InvitationRole')
      assert(target_kind === TARGET_IDENTITY || target_kind === TARGET_OPEN, 'InvitationTarget')
      assert(max_uses >= 1n, 'MaxUsesNotPositive')
      assert(expires_at > this.now_ms(), 'AlreadyExpired')
      assert(target_kind !== TARGET_IDENTITY || this.member(c, target).role === 0n, 'InviteeIsMember')
      this.store.writeStruct('Invitation', 'invitations', key2(c, id), { kind: target_kind, role, revoked: 0n, max_uses, uses: 0n, expires_at, target, created_by: author })
      const n = this.store.read('invitation_count', u256(c)) + 1n
      this.store.write('invitation_count', u256(c), n)
      this.store.writeU256('invitation_ids', [...u256(c), n], id)
    } else if (kind === KIND.REVOKE_INVITATION) {
      const id = read_u256(p, 0)
      const inv = this.invitation(c, id)
      assert(inv.kind !== 0n, 'NoSuchInvitation')
      this.need(c, author, CAP_MANAGE_MEMBERS)
      inv.revoked = 1n
      this.store.writeStruct('Invitation', 'invitations', key2(c, id), inv)
    } else if (kind === KIND.CLAIM) {
      const id = read_u256(p, 0)
      const inv = this.invitation(c, id)
      assert(inv.kind !== 0n, 'NoSuchInvitation')
      assert(inv.kind === TARGET_IDENTITY, 'OpenInvitationNeedsReveal')
      assert(inv.target === author, 'NamesAnotherIdentity')
      this.usable(c, inv, author)
      this.admit(c, id, inv, author)
    } else if (kind === KIND.COMMIT_CLAIM) {
      const id = read_u256(p, 0)
      const commitment = read_u256(p, 2)
      const inv = this.invitation(c, id)
      assert(inv.kind !== 0n, 'NoSuchInvitation')
      assert(inv.kind === TARGET_OPEN, 'CommitNeedsOpenInvitation')
      // Keyed by claimer too: nobody can overwrite or use another identity's commitment.
      const slot = commit_slot(c, id, commitment, author)
      const count = this.store.read('commitment_count', key2(c, id))
      assert(count < MAX_COMMITMENTS, 'TooManyCommitments')
      this.usable(c, inv, author)
      if (this.store.read('commitments', [slot]) === 0n) {
        this.store.write('commitments', [slot], 1n)
        this.store.write('commitment_count', key2(c, id), count + 1n)
      }
    } else if (kind === KIND.REVEAL_CLAIM) {
      const id = read_u256(p, 0)
      const r = read_u256(p, 2); const s = read_u256(p, 4)
      const inv = this.invitation(c, id)
      assert(inv.kind !== 0n, 'NoSuchInvitation')
      assert(inv.kind === TARGET_OPEN, 'NotOpenInvitation')
      const slot = commit_slot(c, id, claim_commitment(id, author, r, s), author)
      assert(this.store.read('commitments', [slot]) !== 0n, 'NoMatchingCommitment')
      assert(ed25519_verify(inv.target, r, s, claim_message(c, id, author)), 'BadClaimProof')
      this.usable(c, inv, author)
      this.admit(c, id, inv, author)
    } else if (kind === KIND.LEAVE) {
      const role = this.member(c, author).role
      assert(role !== 0n, 'NotMember')
      const admins = this.store.read('admins', u256(c))
      assert(role !== ROLE_ADMIN || admins > 1n, 'LastAdminCannotLeave')
      this.remove_member(c, author)
      if (role === ROLE_ADMIN) this.set_admins(c, admins - 1n)
    } else if (kind === KIND.PROPOSE) {
      this.need(c, author, CAP_PROXY)
      this.propose(c, author, read_u256(p, 0), slice(p, 2, u32_sub(p.length, 2)))
    } else if (kind === KIND.APPROVE) {
      this.approve(c, author, read_u256(p, 0))
    } else if (kind === KIND.SHARE_KEYS) {
      // Any member shares group keys; readers may only re-share, never rotate.
      const role = this.member(c, author).role
      assert(role !== 0n, 'KeysNotMember')
      assert(!(role === ROLE_READER && at(p, 2) !== 0n), 'ReaderCannotRotate')
    } else {
      assert(false, 'UnknownRequest')
    }
  }

  // ---- Per-context governance (ContextProxy.sol's part) ----

  set_admins (c: bigint, admins: bigint): void {
    this.store.write('admins', u256(c), admins)
    // Keeps the threshold reachable.
    if (this.store.read('threshold', u256(c)) > admins && admins > 0n) this.store.write('threshold', u256(c), admins)
  }

  actions_of (c: bigint, id: bigint, len: bigint): bigint[] {
    const out: bigint[] = []
    for (let i = 0n; i < len; i++) out.push(this.store.read('proposal_actions', [...key2(c, id), i]))
    return out
  }

  propose (c: bigint, author: bigint, id: bigint, actions: bigint[]): void {
    assert(this.proposal(c, id).index === 0n, 'ProposalExists')
    assert(this.store.read('decided', key2(c, id)) === 0n, 'ProposalSpent')
    const count = read_u32(actions, 0)
    assert(count >= 1n && count <= MAX_ACTIONS, 'ActionCount')
    // The actions must parse to exactly their felts (an unknown kind is refused here).
    let pos = 1
    for (let i = 0n; i < count; i++) pos += action_len(actions, pos)
    assert(pos === actions.length, 'ActionCount')
    const open = this.store.read('open_by', key2(c, author))
    assert(open < this.store.read('active_limit', u256(c)), 'ActiveLimitReached')
    this.store.write('open_by', key2(c, author), open + 1n)
    const index = this.store.read('proposal_count', u256(c)) + 1n
    this.store.write('proposal_count', u256(c), index)
    this.store.writeU256('proposal_ids', [...u256(c), index], id)
    for (let j = 0; j < actions.length; j++) this.store.write('proposal_actions', [...key2(c, id), BigInt(j)], actions[j]!)
    this.store.writeStruct('Proposal', 'proposals', key2(c, id), { author, created_at: this.now_ms(), index, approvals: 0n, actions_len: BigInt(actions.length) })
    // The author's proposal counts as its approval when the author is an admin.
    if (this.member(c, author).role === ROLE_ADMIN) this.count_approval(c, author, id)
  }

  approve (c: bigint, approver: bigint, id: bigint): void {
    const p = this.proposal(c, id)
    assert(p.index !== 0n, 'NoSuchProposal')
    assert(this.member(c, approver).role === ROLE_ADMIN, 'OnlyAdminsApprove')
    assert(this.store.read('approved', [...key2(c, id), ...u256(approver)]) === 0n, 'AlreadyApproved')
    this.count_approval(c, approver, id)
  }

  count_approval (c: bigint, approver: bigint, id: bigint): void {
    this.store.write('approved', [...key2(c, id), ...u256(approver)], 1n)
    const p = this.proposal(c, id)
    this.store.writeU256('approvers', [...key2(c, id), p.approvals], approver)
    p.approvals += 1n
    this.store.writeStruct('Proposal', 'proposals', key2(c, id), p)
    let counted = 0n
    for (let i = 0n; i < p.approvals; i++) {
      if (this.member(c, this.store.readU256('approvers', [...key2(c, id), i])).role === ROLE_ADMIN) counted += 1n
    }
    if (counted >= this.store.read('threshold', u256(c))) this.decide(c, id)
  }

  decide (c: bigint, id: bigint): void {
    const p = this.proposal(c, id)
    const actions = this.actions_of(c, id, p.actions_len)
    this.store.write('decided', key2(c, id), 1n)
    this.drop_proposal(c, id)
    const reason = this.check_actions(c, actions)
    if (reason === 0n) {
      this.run_actions(c, actions)
      this.emit('ProposalExecuted', key2(c, id), [this.now_ms()])
    } else {
      this.emit('ProposalFailed', key2(c, id), [reason, this.now_ms()])
    }
  }

  drop_proposal (c: bigint, id: bigint): void {
    const p = this.proposal(c, id)
    const n = this.store.read('proposal_count', u256(c))
    const last_id = this.store.readU256('proposal_ids', [...u256(c), n])
    this.store.writeU256('proposal_ids', [...u256(c), p.index], last_id)
    const last = this.proposal(c, last_id)
    last.index = p.index
    this.store.writeStruct('Proposal', 'proposals', key2(c, last_id), last)
    this.store.writeU256('proposal_ids', [...u256(c), n], 0n)
    this.store.write('proposal_count', u256(c), n - 1n)
    this.store.write('open_by', key2(c, p.author), this.store.read('open_by', key2(c, p.author)) - 1n)
    this.store.writeStruct('Proposal', 'proposals', key2(c, id), NO_PROPOSAL)
  }

  check_actions (c: bigint, actions: bigint[]): bigint {
    const roles = new Map<bigint, bigint>() // Felt252Dict: identity => role + 1, once changed here
    const deleted = new Set<bigint>()
    let admins = this.store.read('admins', u256(c))
    const funds = this.store.readU256('funds', u256(c))
    let spent = 0n
    const count = read_u32(actions, 0)
    let pos = 1
    let i = 0n
    let reason = 0n
    while (i < count && reason === 0n) {
      const kind = read_u8(actions, pos)
      if (kind === ACTION.SET_THRESHOLD) {
        const t = read_u32(actions, pos + 1)
        if (t < 1n) reason = short('ThresholdNotPositive'); else if (t > admins) reason = short('ThresholdExceedsAdmins')
      } else if (kind === ACTION.SET_ACTIVE_LIMIT) {
        if (read_u32(actions, pos + 1) < 1n) reason = short('LimitNotPositive')
      } else if (kind === ACTION.ADD_ADMIN || kind === ACTION.REMOVE_ADMIN) {
        const id = read_u256(actions, pos + 1)
        const k = id_key(id)
        const changed = roles.get(k) ?? 0n
        const role = changed === 0n ? this.member(c, id).role : changed - 1n
        if (kind === ACTION.ADD_ADMIN) {
          if (role !== ROLE_ADMIN) { admins += 1n; roles.set(k, ROLE_ADMIN + 1n) }
        } else if (role !== ROLE_ADMIN) {
          reason = short('NotAdmin')
        } else if (admins === 1n) {
          reason = short('LastAdmin')
        } else {
          admins -= 1n
          roles.set(k, ROLE_MEMBER + 1n)
        }
      } else if (kind === ACTION.DELETE_PROPOSAL) {
        const pid = read_u256(actions, pos + 1)
        if (this.proposal(c, pid).index === 0n || deleted.has(id_key(pid))) reason = short('NoProposalToDelete'); else deleted.add(id_key(pid))
      } else if (kind === ACTION.TRANSFER) {
        // Only the context's own funds: the contract holds every context's STRK.
        const amount = read_u256(actions, pos + 2)
        if (at(actions, pos + 1) === 0n || amount > funds - spent) reason = short('TransferFailed'); else spent += amount
      } else if (kind === ACTION.CALL) {
        // Not the token (a call could move other contexts' STRK) nor this contract.
        const target = at(actions, pos + 1)
        if (target === 0n || target === STRK_TOKEN || target === this.cx.self) reason = short('CallFailed')
      }
      pos += action_len(actions, pos)
      i += 1n
    }
    return reason
  }

  run_actions (c: bigint, actions: bigint[]): void {
    const count = read_u32(actions, 0)
    let pos = 1
    for (let i = 0n; i < count; i++) {
      const kind = read_u8(actions, pos)
      if (kind === ACTION.SET_THRESHOLD) {
        this.store.write('threshold', u256(c), read_u32(actions, pos + 1))
      } else if (kind === ACTION.SET_ACTIVE_LIMIT) {
        this.store.write('active_limit', u256(c), read_u32(actions, pos + 1))
      } else if (kind === ACTION.ADD_ADMIN) {
        const id = read_u256(actions, pos + 1)
        const m = this.member(c, id)
        if (m.role !== ROLE_ADMIN) {
          if (m.role === 0n) this.add_member(c, id, ROLE_ADMIN); else { m.role = ROLE_ADMIN; this.store.writeStruct('Member', 'members', key2(c, id), m) }
          this.set_admins(c, this.store.read('admins', u256(c)) + 1n)
        }
      } else if (kind === ACTION.REMOVE_ADMIN) {
        const id = read_u256(actions, pos + 1)
        const m = this.member(c, id)
        m.role = ROLE_MEMBER
        this.store.writeStruct('Member', 'members', key2(c, id), m)
        this.set_admins(c, this.store.read('admins', u256(c)) - 1n)
      } else if (kind === ACTION.SET_VALUE) {
        const k = bytes_len(actions, pos + 1)
        const key = slice(actions, pos + 1, k)
        const value = slice(actions, pos + 1 + k, bytes_len(actions, pos + 1 + k))
        this.store.write('values', [...u256(c), poseidon(key)], poseidon(value))
        this.emit('ValueSet', [...u256(c)], [BigInt(key.length), ...key, BigInt(value.length), ...value])
      } else if (kind === ACTION.DELETE_PROPOSAL) {
        const pid = read_u256(actions, pos + 1)
        this.store.write('decided', key2(c, pid), 1n)
        this.drop_proposal(c, pid)
      } else if (kind === ACTION.TRANSFER) {
        const to = at(actions, pos + 1)
        const amount = read_u256(actions, pos + 2)
        this.store.writeU256('funds', u256(c), this.store.readU256('funds', u256(c)) - amount)
        assert(this.call_contract(STRK_TOKEN, selector('transfer'), [to, ...u256(amount)])[0] !== 0n, 'TransferFailed')
        this.emit('Transferred', [...u256(c)], [to, ...u256(amount)])
      } else if (kind === ACTION.CALL) {
        const target = at(actions, pos + 1)
        const sel = at(actions, pos + 2)
        const calldata = slice(actions, pos + 4, Number(read_u32(actions, pos + 3)))
        let result: bigint[]
        try {
          result = this.call_contract(target, sel, calldata)
        } catch (err) {
          if (err instanceof Revert) panic('CallFailed')
          throw err
        }
        this.emit('Called', [...u256(c)], [target, sel, BigInt(result.length), ...result])
      }
      pos += action_len(actions, pos)
    }
  }

  /** call_contract_syscall (a dispatcher's call unwraps it: the callee's panic is the caller's). */
  private call_contract (to: bigint, sel: bigint, calldata: bigint[]): bigint[] {
    if (this.cx.call === undefined) throw new Revert('call_contract_syscall is not available in a read')
    return this.cx.call(to, sel, calldata)
  }

  // ---- Storage reads of lib.cairo's structs ----

  private member (c: bigint, id: bigint): Member { return this.store.readStruct('Member', 'members', key2(c, id)) }
  private invitation (c: bigint, id: bigint): Invitation { return this.store.readStruct('Invitation', 'invitations', key2(c, id)) }
  private proposal (c: bigint, id: bigint): Proposal { return this.store.readStruct('Proposal', 'proposals', key2(c, id)) }

  /** self.emit(Event): keys = the event's selector, then its #[key] members; data = the rest, Serde. */
  private emit (name: string, keys: bigint[], data: bigint[]): void {
    this.cx.emit({ keys: [selector(name), ...keys], data })
  }
}

// ---- Free functions of lib.cairo ----

/** Each felt (or u256) as 32 big-endian bytes: append_u256. */
function bytesOf (values: readonly bigint[]): Uint8Array {
  return new Uint8Array(Buffer.concat(values.map((v) => Buffer.from(v.toString(16).padStart(64, '0'), 'hex'))))
}

function sha256_u256 (bytes: Uint8Array): bigint {
  return BigInt('0x' + Buffer.from(sha256(bytes)).toString('hex'))
}

function concat (prefix: string, values: readonly bigint[]): Uint8Array {
  return new Uint8Array([...Buffer.from(prefix), ...bytesOf(values)])
}

export function context_id_for (creator: bigint, application: bigint, salt: bigint): bigint {
  return sha256_u256(concat('moorage:context:v1', [creator, application, salt]))
}

export function claim_commitment (id: bigint, claimer: bigint, r: bigint, s: bigint): bigint {
  return sha256_u256(concat('moorage:commit:v1', [id, claimer, r, s]))
}

export function claim_message (c: bigint, id: bigint, claimer: bigint): Uint8Array {
  return concat('moorage:claim:v1', [c, id, claimer])
}

/** `*p[at]`: out of bounds panics as Cairo's does. */
function at (p: readonly bigint[], i: number): bigint {
  if (i < 0 || i >= p.length) panic('Index out of bounds')
  return p[i]!
}

/** `(*p[at]).try_into().unwrap()` into a `bits`-bit unsigned integer. */
function read_uint (p: readonly bigint[], i: number, bits: number): bigint {
  const v = at(p, i)
  if (v >> BigInt(bits) !== 0n) panic('Option::unwrap failed.')
  return v
}

export function read_u256 (p: readonly bigint[], i: number): bigint { return read_uint(p, i, 128) + (read_uint(p, i + 1, 128) << 128n) }
function read_u8 (p: readonly bigint[], i: number): bigint { return read_uint(p, i, 8) }
function read_u32 (p: readonly bigint[], i: number): bigint { return read_uint(p, i, 32) }

/** Span::slice: out of range panics. */
function slice (p: readonly bigint[], start: number, len: number): bigint[] {
  if (start < 0 || len < 0 || start + len > p.length) panic('Index out of bounds')
  return p.slice(start, start + len)
}

/** u32 subtraction: below zero panics as Cairo's does. */
function u32_sub (a: number, b: number): number {
  if (a < b) panic('u32_sub Overflow')
  return a - b
}

function bytes_len (p: readonly bigint[], i: number): number { return 1 + Number((read_u32(p, i) + 30n) / 31n) }

function action_len (actions: readonly bigint[], i: number): number {
  const kind = read_u8(actions, i)
  if (kind === ACTION.SET_THRESHOLD || kind === ACTION.SET_ACTIVE_LIMIT) return 2
  if (kind === ACTION.ADD_ADMIN || kind === ACTION.REMOVE_ADMIN || kind === ACTION.DELETE_PROPOSAL) return 3
  if (kind === ACTION.SET_VALUE) { const k = bytes_len(actions, i + 1); return 1 + k + bytes_len(actions, i + 1 + k) }
  if (kind === ACTION.TRANSFER) return 4
  if (kind === ACTION.CALL) return 4 + Number(read_u32(actions, i + 3))
  return panic('UnknownProposalAction')
}

function id_key (id: bigint): bigint { return poseidon(u256(id)) }

function commit_slot (c: bigint, id: bigint, commitment: bigint, claimer: bigint): bigint {
  return poseidon([...u256(c), ...u256(id), ...u256(commitment), ...u256(claimer)])
}

function short (s: string): bigint { return BigInt(shortString.encodeShortString(s)) }

/** IEd25519Verifier.verify: here a TypeScript check where a network calls the verifier contract. */
function ed25519_verify (key: bigint, r: bigint, s: bigint, message: Uint8Array): boolean {
  return verify(bytesOf([key]), message, bytesOf([r, s]))
}

/** core::ecdsa::check_ecdsa_signature: the key is the x coordinate; either point with that x verifies. */
export function check_ecdsa_signature (msg: bigint, key: bigint, r: bigint, s: bigint): boolean {
  const x = key.toString(16).padStart(64, '0')
  for (const prefix of ['02', '03']) {
    try {
      if (ec.starkCurve.verify(new ec.starkCurve.Signature(r, s), msg.toString(16), prefix + x)) return true
    } catch { /* not a point, or a signature out of range */ }
  }
  return false
}

/** The ABI dispatcher: an entry point's calldata read with Serde, its result written with Serde. */
const ENTRY: Record<string, { external: boolean, run: (self: ContextConfig, r: Serde) => bigint[] }> = {
  create_context: { external: true, run: (self, r) => { const a = [r.u256(), r.next().u256(), r.next().u256(), r.next().felt()] as const; const b = r.next().span(); r.end(); return u256(self.create_context(a[0], a[1], a[2], a[3], b)) } },
  execute: {
    external: true,
    run: (self, r) => {
      const req: Request = { context: r.u256(), identity: r.u256(), nonce: r.uint(64), kind: r.uint(8), payload: r.span() }
      const signature = r.next().span(); const binding = r.next().span(); r.end()
      return [self.execute(req, signature, binding)]
    }
  },
  fund: { external: true, run: (self, r) => { const c = r.u256(); const a = r.next().u256(); r.end(); self.fund(c, a); return [] } },
  funds_of: { external: false, run: (self, r) => { const c = r.u256(); r.end(); return u256(self.funds_of(c)) } },
  nonce_of: { external: false, run: (self, r) => { const c = r.u256(); const i = r.next().u256(); r.end(); return [self.nonce_of(c, i)] } },
  key_of: { external: false, run: (self, r) => { const c = r.u256(); const i = r.next().u256(); r.end(); return [self.key_of(c, i)] } },
  role_of: { external: false, run: (self, r) => { const c = r.u256(); const i = r.next().u256(); r.end(); return [self.role_of(c, i)] } },
  revision_of: { external: false, run: (self, r) => { const c = r.u256(); r.end(); return [self.revision_of(c)] } },
  settings_of: { external: false, run: (self, r) => { const c = r.u256(); r.end(); return self.settings_of(c) } },
  members_of: { external: false, run: (self, r) => { const c = r.u256(); r.end(); return self.members_of(c) } },
  invitations_of: { external: false, run: (self, r) => { const c = r.u256(); r.end(); return self.invitations_of(c) } },
  proposals_of: { external: false, run: (self, r) => { const c = r.u256(); r.end(); return self.proposals_of(c) } },
  request_hash: {
    external: false,
    run: (self, r) => { const req: Request = { context: r.u256(), identity: r.u256(), nonce: r.uint(64), kind: r.uint(8), payload: r.span() }; r.end(); return [self.request_hash(req)] }
  },
  binding_message: {
    external: false,
    run: (self, r) => {
      const c = r.u256(); const k = r.next().felt(); r.end()
      // ByteArray Serde: full 31-byte words, then the pending word and its length.
      const b = self.binding_message(c, k); const words: bigint[] = []
      let i = 0
      for (; i + 31 <= b.length; i += 31) words.push(BigInt('0x' + Buffer.from(b.subarray(i, i + 31)).toString('hex')))
      const rest = b.subarray(i)
      return [BigInt(words.length), ...words, rest.length === 0 ? 0n : BigInt('0x' + Buffer.from(rest).toString('hex')), BigInt(rest.length)]
    }
  }
}
const BY_SELECTOR = new Map(Object.entries(ENTRY).map(([name, e]) => [selector(name), { name, ...e }]))

/** Whether entry point `sel` writes (an external function); undefined for no such entry point. */
export function isExternal (sel: bigint): boolean | undefined {
  return BY_SELECTOR.get(sel)?.external
}

/** Calls entry point `sel` with `calldata` on `store` (an external's writes land in it). */
export function dispatch (store: FeltStore, cx: CallContext, sel: bigint, calldata: readonly bigint[]): bigint[] {
  const e = BY_SELECTOR.get(sel)
  if (e === undefined) throw new Revert('Entry point not found in contract')
  return e.run(new ContextConfig(store, cx), new Serde(calldata))
}
