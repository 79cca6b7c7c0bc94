// The node's public surface: what the API and the CLI call. Ids cross this boundary as
// lowercase hex strings (applications: sha256 of the WASM; contexts: 32 random bytes;
// identities: ed25519 public keys).
import type { ClaimResult } from '../claims/types.ts'
import type { WalletLinkInfo, WalletStatementInfo, WalletStatementRequest, WalletSubmit } from '../wallets/types.ts'

export interface ApplicationInfo {
  id: string
  name: string | null
  size: number
  methods: string[]
  installedAt: number
}

export type Role = 'admin' | 'member' | 'reader'

/** Fine-grained rights behind roles (admins hold them all implicitly). */
export type Capability = 'ManageMembers' | 'ManageApplication' | 'Proxy'

export interface MemberInfo {
  identity: string
  role: Role
  /** Capabilities granted explicitly (an admin's are implicit and not listed). */
  capabilities: Capability[]
}

export interface ContextInfo {
  id: string
  applicationId: string
  /** Where governance lives: offchain, or a chain (kind = its module, network = its CAIP-2 reference, contract, RPC endpoint). */
  anchor: { kind: 'offchain' } | { kind: string, network: string, contract: string, rpc: string }
  createdAt: number
  /** This node's identity in the context. */
  identity: string
  members: MemberInfo[]
  rootHash: string
  heads: string[]
  deltaCount: number
  /** Contexts allowed to xcall into this one. */
  xcallGrants: string[]
  /** Set when this node's identity was removed from the context; it no longer syncs. */
  removed: RemovedInfo | null
  /** A chain anchor only: since when (ms) the chain has said it has no such context (a reset devnet), else null. */
  anchorMissingSince: number | null
}

/** Who removed this node's identity from a context, when (ms) and at which governance position. */
export interface RemovedInfo {
  by: string
  at: number
  position: number
}

export interface IdentityInfo {
  publicKey: string
  contextId: string
  createdAt: number
}

export interface InstallApplicationRequest {
  wasm: Uint8Array
  name?: string
}

export interface CreateContextRequest {
  applicationId: string
  /** Arguments for the application's `init` method (UTF-8 JSON bytes by convention). */
  initArgs?: Uint8Array
  /**
   * Where governance lives; offchain when absent. A chain (`kind` = a registered chain
   * module) takes the RPC endpoint and context config contract, defaulting to config.json
   * `chains.<kind>`.
   */
  anchor?: { kind: string, rpc?: string, contract?: string }
}

export interface ExecuteRequest {
  contextId: string
  method: string
  /** Argument bytes (UTF-8 JSON by convention). */
  args?: Uint8Array
  /** Identity to act as; defaults to this node's identity in the context. */
  executor?: string
  /** A query: writes fail the call and nothing is committed. */
  readOnly?: boolean
  signal?: AbortSignal
}

export interface ExecuteResult {
  /** Bytes the method returned (null when it returned nothing). */
  output: Uint8Array | null
  gasUsed: bigint
  /** Id of the delta the call committed; null for a call that wrote nothing. */
  deltaId: string | null
  rootHash: string
  events: ContextEvent[]
  /**
   * The governance requests the call made (moor.propose, moor.approve), in order, as
   * submitted after its commit; empty for a query or a call that made none.
   */
  governance: CallGovernanceInfo[]
}

/** The outcome of one governance request an application call made (docs/abi.md). */
export interface CallGovernanceInfo {
  type: 'propose' | 'approve'
  /** The context it was made in: the called one, or an xcall target. */
  contextId: string
  /** Who signed it: the identity that executed the call in that context. */
  identity: string
  /** The proposal (for propose, the id the call was given). */
  proposal: string
  /** The proposal's status after the request; `refused` when it was not accepted. */
  status: 'open' | 'executed' | 'failed' | 'deleted' | 'refused'
  /** Why the request was refused, or why the proposal failed; otherwise null. */
  reason: string | null
  /** Name of the error that refused the request (e.g. GovernanceRejectedError), or null. */
  error: string | null
}

export interface ContextEvent {
  contextId: string
  /** `app` events come from `emit`; `delta` when a delta is applied. */
  type: 'app' | 'delta'
  kind: string
  /** UTF-8 payload of an app event; delta id for `delta` events. */
  data: string
  deltaId: string | null
  at: number
}

export interface NodeStatus {
  version: string
  /** The libp2p peer id of this node. */
  nodeId: string
  home: string
  startedAt: number
  uptimeMs: number
  applications: number
  contexts: number
  store: { path: string, schemaVersion: number }
  p2p: { peerId: string, addresses: string[], peers: number }
}

export interface InviteRequest {
  /** Identity-bound: the public key of the invitee (from `moor identity new` on its node). */
  identity?: string
  /** Open: whoever holds the invitation string may claim it, up to `maxUses` times. */
  open?: boolean
  /** Wallet account (CAIP-10): claimed by an identity with a link made with that wallet (offchain contexts). */
  wallet?: string
  /** Default `member`. Admins are added through proposals. */
  role?: 'member' | 'reader'
  /** Default 7 days. */
  expiresInMs?: number
  /** Open invitations only (default 1); an identity-bound invitation is used once. */
  maxUses?: number
  /** Open invitations of off-chain contexts: a claim the claimant's linked wallet must prove (docs/claims.md, "Gated invitations"). */
  condition?: unknown
  /**
   * Chain-anchored contexts: also write this node's RPC endpoint into the string (default
   * false: the joiner uses its own). Only for a public endpoint that holds no provider key.
   */
  includeRpc?: boolean
}

export interface InviteResult {
  /** The string to hand to the invitee (`moor context join <invitation>`). */
  invitation: string
  id: string
  kind: 'identity' | 'open' | 'account'
  role: 'member' | 'reader'
  expiresAt: number
  maxUses: number
}

export interface InvitationInfo {
  id: string
  kind: 'identity' | 'open' | 'account'
  /** The invitee of an identity-bound invitation. */
  invitee: string | null
  /** The wallet account (CAIP-10) of an account invitation. */
  account?: string
  role: 'member' | 'reader'
  expiresAt: number
  maxUses: number
  uses: number
  revoked: boolean
  createdBy: string
}

/**
 * What a proposal does once approved. `setValue` takes UTF-8 strings; a key or value that
 * is not UTF-8 is shown as hex with `encoding: 'hex'` (and may be given that way).
 */
export type ProposalActionInfo =
  | { type: 'setThreshold', threshold: number }
  | { type: 'setActiveLimit', limit: number }
  | { type: 'addAdmin', identity: string }
  | { type: 'removeAdmin', identity: string }
  | { type: 'setValue', key: string, value: string, encoding?: 'utf8' | 'hex' }
  | { type: 'deleteProposal', proposal: string }
  /**
   * Chain anchors only: a call or a transfer from the context's proxy contract. Amounts are
   * decimal strings of the chain's smallest unit, which the node names in `unit` (output only).
   */
  | { type: 'call', target: string, value: string, data: string, unit?: string }
  | { type: 'transfer', to: string, amount: string, unit?: string }

export interface ProposalInfo {
  id: string
  contextId: string
  author: string
  actions: ProposalActionInfo[]
  createdAt: number
  /** `deleted`: removed by a deleteProposal action before it executed. */
  status: 'open' | 'executed' | 'failed' | 'deleted'
  /** Who approved (the author counts when it is an admin). */
  approvals: string[]
  /** Approvals that count toward the threshold now: those of current admins. */
  counted: number
  threshold: number
  /** Why a failed proposal failed. */
  reason: string | null
  /** When it executed or failed. */
  closedAt: number | null
}

/** A governance operation's action, in JSON form (ids as hex). */
export type GovActionInfo =
  | { type: 'genesis', application: string }
  | { type: 'addMember', identity: string, role: 'member' | 'reader' }
  | { type: 'removeMember', identity: string }
  | { type: 'setRole', identity: string, role: 'member' | 'reader' }
  | { type: 'grant', identity: string, capability: Capability }
  | { type: 'revoke', identity: string, capability: Capability }
  | { type: 'updateApplication', application: string }
  | { type: 'invite', invitation: string, kind: 'identity' | 'open' | 'account', invitee: string | null, role: 'member' | 'reader', expiresAt: number, maxUses: number }
  | { type: 'revokeInvitation', invitation: string }
  | { type: 'claim', invitation: string }
  | { type: 'commitClaim', invitation: string }
  | { type: 'revealClaim', invitation: string }
  | { type: 'leave' }
  | { type: 'propose', proposal: string, actions: ProposalActionInfo[] }
  | { type: 'approve', proposal: string }
  | { type: 'keys', keyId: string, rotate: boolean, recipients: string[] }
  | { type: 'linkWallet', identity: string, account: string }
  | { type: 'unlinkWallet', identity: string, account: string, by: 'identity' | 'wallet' }
  /** A request this node cannot decode (a newer contract's, say). */
  | { type: 'unknown', name: string }

/** One governance operation with its verdict, in evaluation order. */
export interface GovernanceOpInfo {
  id: string
  /** Position in the deterministic evaluation order (see docs/governance.md). */
  position: number
  author: string
  nonce: string
  /** The op's timestamp (HLC milliseconds). */
  at: number
  parents: string[]
  action: GovActionInfo
  accepted: boolean
  /** Why the op was rejected (null when accepted). */
  reason: string | null
  /** One line for humans. */
  summary: string
}

export interface GovernanceInfo {
  contextId: string
  application: string
  revision: number
  threshold: number
  activeLimit: number
  values: Array<{ key: string, value: string, encoding?: 'utf8' | 'hex' }>
  invitations: InvitationInfo[]
  /** Operations in evaluation order (filtered and limited as asked). */
  ops: GovernanceOpInfo[]
  /** Operations in the log before filtering. */
  total: number
}

export interface GovernanceQuery {
  /** Only rejected operations. */
  rejected?: boolean
  /** Only the last `limit` operations (after filtering). */
  limit?: number
}

export interface PeerInfo {
  peerId: string
  /** Contexts this node shares with the peer (both in the context's gossip mesh). */
  contexts: string[]
}

export interface SyncStatusInfo {
  contextId: string
  peers: string[]
  heads: string[]
  rootHash: string
  deltaCount: number
  pendingDeltas: number
  lastSync: number | null
  lastError: string | null
  /** Id (hex) of the group key in force. */
  keyEpoch: string | null
  /** The same key as a number: 1 for the context's first key, +1 per rotation. */
  keyEpochNumber: number | null
  awaitingKey: boolean
  /** Set when this node's identity was removed from the context (then no key is awaited). */
  removed: RemovedInfo | null
}

/** After `POST /admin/chains/reload`: the chains whose settings changed, and which have a relayer key now. */
export interface ChainsReloadInfo {
  changed: string[]
  chains: Array<{ kind: string, relayer: boolean, rpc: string | null, contract: string | null }>
}

export interface JoinOptions {
  onProgress?: (p: SyncProgressEvent) => void
  /** A chain-anchored context: the endpoint to use instead of the configured one. */
  rpc?: string
  /**
   * This node was removed from the context: drop its copy (as `context delete` does) and
   * join anew with the invitation's identity. Without it such a join is refused.
   */
  freshIdentity?: boolean
  /** An open invitation: claim as this unbound identity (from newIdentity) instead of a fresh one. */
  identity?: string
  /** A gated open invitation: the wallet's part of a link naming the context and `identity` (docs/claims.md). */
  walletLink?: { account: string, statement: unknown, proof: unknown }
  /** A wallet-account invitation: the wallet's signature over a statement from `walletStatement`. */
  wallet?: WalletSubmit
}

export interface SyncProgressEvent {
  phase: 'governance' | 'application' | 'deltas' | 'snapshot'
  done: number
  total: number | null
}

export interface MoorNode {
  readonly home: string
  status (): NodeStatus

  /** Proves a claim about a chain through the endpoints config.json names (`claims.<chain>`, docs/claims.md). */
  verifyClaim (req: { chain: unknown, statement: unknown, block?: unknown }): Promise<ClaimResult>
  /** Wallet links (docs/wallets.md): the statement a wallet signs, for a context this node is in or is to join by wallet. */
  walletStatement (contextId: string, req: WalletStatementRequest): Promise<WalletStatementInfo>
  /** Checks a signed statement and records the link on the context's governance log. */
  linkWallet (contextId: string, submit: WalletSubmit): Promise<WalletLinkInfo>
  walletLinks (contextId: string, options?: { identity?: string, recheck?: boolean }): Promise<WalletLinkInfo[]>
  /** By this node's identity (the linked one), or with `wallet` the wallet's signed revocation. */
  unlinkWallet (contextId: string, account: string, options?: { identity?: string, wallet?: WalletSubmit }): Promise<{ revoked: WalletLinkInfo }>

  installApplication (req: InstallApplicationRequest): Promise<ApplicationInfo>
  listApplications (): ApplicationInfo[]
  getApplication (id: string): ApplicationInfo
  /** Fails with ConflictError while a context uses it. */
  removeApplication (id: string): Promise<void>

  createContext (req: CreateContextRequest): Promise<ContextInfo>
  listContexts (): ContextInfo[]
  getContext (id: string): ContextInfo
  /** Leaves the context and deletes every local trace of it. */
  deleteContext (id: string): Promise<void>
  /** Lets `source` xcall into `target` (this node must be an admin of `target`). */
  grantXcall (target: string, source: string): Promise<ContextInfo>
  revokeXcall (target: string, source: string): Promise<ContextInfo>

  execute (req: ExecuteRequest): Promise<ExecuteResult>

  listIdentities (contextId?: string): IdentityInfo[]
  /** A new identity not bound to any context yet: give its public key to an admin to be invited. */
  newIdentity (): Promise<IdentityInfo>

  /**
   * Invites into a context (only members with ManageMembers may): identity-bound (`identity`)
   * or open (`open: true`, claimable by whoever holds the string, `maxUses` times).
   */
  invite (contextId: string, req: InviteRequest): Promise<InviteResult>
  /** Revokes an invitation (ManageMembers): later claims of it are refused. */
  revokeInvitation (contextId: string, invitationId: string): Promise<InvitationInfo>
  /**
   * Joins a context with an invitation string: an identity-bound one names one of this
   * node's unbound identities; an open one makes a new identity and claims by commit–reveal.
   */
  /** `rpc`: for a chain-anchored context, the endpoint to claim and follow through (else config, else the invitation's). */
  join (invitation: string, options?: JoinOptions): Promise<ContextInfo>
  /** Removes a member; the group key rotates so it cannot read anything written after. */
  removeMember (contextId: string, identity: string): Promise<ContextInfo>
  /** Leaves a context (a `leave` op the other members see), then deletes it locally. */
  leave (contextId: string): Promise<void>

  /** Members with roles and capabilities. */
  members (contextId: string): MemberInfo[]
  /** Sets a non-admin member's role to member or reader (ManageMembers). */
  setRole (contextId: string, identity: string, role: 'member' | 'reader'): Promise<MemberInfo>
  /** Grants a capability to a member (admins only). */
  grant (contextId: string, identity: string, capability: Capability): Promise<MemberInfo>
  revoke (contextId: string, identity: string, capability: Capability): Promise<MemberInfo>
  /** Moves the context to another installed application (ManageApplication). */
  updateApplication (contextId: string, applicationId: string): Promise<ContextInfo>

  /** Proposes actions; with enough approvals (the author's own included) they execute at once. */
  propose (contextId: string, actions: ProposalActionInfo[]): Promise<ProposalInfo>
  approve (contextId: string, proposalId: string): Promise<ProposalInfo>
  /** Open proposals. */
  proposals (contextId: string): ProposalInfo[]
  /** One proposal, open or closed (executed, failed, deleted). */
  proposal (contextId: string, proposalId: string): ProposalInfo
  /** Governance state and every operation in evaluation order, with rejection reasons. */
  governance (contextId: string, query?: GovernanceQuery): GovernanceInfo

  /** Connected peers and the contexts shared with each. */
  peers (): PeerInfo[]

  /** Reads config.json `chains.*` and the relayer keys again: CLI commands that write them tell a running node so. */
  reloadChains (): Promise<ChainsReloadInfo>

  syncStatus (contextId: string): SyncStatusInfo
  /** Catches up with every connected peer now. */
  syncContext (contextId: string, options?: { onProgress?: (p: SyncProgressEvent) => void }): Promise<SyncStatusInfo>

  /** Live events of one context; returns an unsubscribe function. */
  subscribe (contextId: string, listener: (event: ContextEvent) => void): () => void

  stop (): Promise<void>
}
