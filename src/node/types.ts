// The node's public surface: what the API and the CLI call. Ids cross this boundary as
// lowercase hex strings (applications: sha256 of the WASM; contexts: 32 random bytes;
// identities: ed25519 public keys).

export interface ApplicationInfo {
  id: string
  name: string | null
  size: number
  methods: string[]
  installedAt: number
}

export type Role = 'admin' | 'member' | 'reader'

export interface MemberInfo {
  identity: string
  role: Role
}

export interface ContextInfo {
  id: string
  applicationId: string
  anchor: { kind: 'offchain' }
  createdAt: number
  /** This node's identity in the context. */
  identity: string
  members: MemberInfo[]
  rootHash: string
  heads: string[]
  deltaCount: number
  /** Contexts allowed to xcall into this one. */
  xcallGrants: string[]
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

export interface InviteResult {
  /** The string to hand to the invitee (`moor context join <invitation>`). */
  invitation: string
  id: string
  expiresAt: number
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
  keyEpoch: string | null
  awaitingKey: boolean
}

export interface SyncProgressEvent {
  phase: 'governance' | 'application' | 'deltas' | 'snapshot'
  done: number
  total: number | null
}

export interface MoorNode {
  readonly home: string
  status (): NodeStatus

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

  /** Invites an identity (by public key) into a context; only members with ManageMembers may. */
  invite (contextId: string, req: { identity: string, role?: 'member' | 'reader', expiresInMs?: number }): Promise<InviteResult>
  /** Joins a context with an invitation string naming one of this node's unbound identities. */
  join (invitation: string, options?: { onProgress?: (p: SyncProgressEvent) => void }): Promise<ContextInfo>
  /** Removes a member; the group key rotates so it cannot read anything written after. */
  removeMember (contextId: string, identity: string): Promise<ContextInfo>

  syncStatus (contextId: string): SyncStatusInfo
  /** Catches up with every connected peer now. */
  syncContext (contextId: string, options?: { onProgress?: (p: SyncProgressEvent) => void }): Promise<SyncStatusInfo>

  /** Live events of one context; returns an unsubscribe function. */
  subscribe (contextId: string, listener: (event: ContextEvent) => void): () => void

  stop (): Promise<void>
}
