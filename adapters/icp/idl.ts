// The context config canister's Candid interface (contracts/icp/context_config.did) as
// agent-js types: what the actor calls, and `Request`, the record an identity signs.
import { IDL } from '@dfinity/candid'
import type { Principal } from '@dfinity/principal'

const Role = IDL.Variant({ admin: IDL.Null, member: IDL.Null, reader: IDL.Null })
const Capability = IDL.Variant({ ManageMembers: IDL.Null, ManageApplication: IDL.Null, Proxy: IDL.Null })
const Blob = IDL.Vec(IDL.Nat8)
const Target = IDL.Variant({ identity: IDL.Record({ identity: Blob }), open: IDL.Record({ key: Blob }) })
const InvitationSpec = IDL.Record({ id: Blob, target: Target, role: Role, expiresAt: IDL.Nat64, maxUses: IDL.Nat32 })
const ProposalAction = IDL.Variant({
  setThreshold: IDL.Record({ threshold: IDL.Nat32 }),
  setActiveLimit: IDL.Record({ limit: IDL.Nat32 }),
  addAdmin: IDL.Record({ identity: Blob }),
  removeAdmin: IDL.Record({ identity: Blob }),
  setValue: IDL.Record({ key: Blob, value: Blob }),
  deleteProposal: IDL.Record({ proposal: Blob }),
  transfer: IDL.Record({ to: IDL.Principal, amount: IDL.Nat }),
  call: IDL.Record({ target: IDL.Principal, method: IDL.Text, arg: Blob })
})
const Share = IDL.Record({ recipient: Blob, wrapped: Blob })
const Frontier = IDL.Opt(IDL.Vec(Blob))
export const Action = IDL.Variant({
  create: IDL.Record({ application: Blob, salt: Blob }),
  addMember: IDL.Record({ identity: Blob, role: Role }),
  removeMember: IDL.Record({ identity: Blob, frontier: Frontier }),
  setRole: IDL.Record({ identity: Blob, role: Role }),
  grant: IDL.Record({ identity: Blob, capability: Capability }),
  revoke: IDL.Record({ identity: Blob, capability: Capability }),
  updateApplication: IDL.Record({ application: Blob }),
  invite: IDL.Record({ invitation: InvitationSpec }),
  revokeInvitation: IDL.Record({ invitation: Blob }),
  claim: IDL.Record({ invitation: Blob }),
  commitClaim: IDL.Record({ invitation: Blob, commitment: Blob }),
  revealClaim: IDL.Record({ invitation: Blob, proof: Blob }),
  leave: IDL.Record({ frontier: Frontier }),
  propose: IDL.Record({ proposal: Blob, actions: IDL.Vec(ProposalAction) }),
  approve: IDL.Record({ proposal: Blob }),
  keys: IDL.Record({ keyId: Blob, rotate: IDL.Bool, shares: IDL.Vec(Share) })
})
export const Request = IDL.Record({ context: Blob, identity: Blob, nonce: IDL.Nat64, action: Action })

const Account = IDL.Record({ owner: IDL.Principal, subaccount: IDL.Opt(Blob) })
const Head = IDL.Record({ seq: IDL.Nat, hash: Blob, time: IDL.Nat64 })
const Entry = IDL.Record({ seq: IDL.Nat, context: Blob, identity: Blob, nonce: IDL.Nat64, revision: IDL.Nat, request: Blob, signature: Blob, time: IDL.Nat64, hash: Blob })
const Outcome = IDL.Variant({ executed: IDL.Null, failed: IDL.Text })
const View = IDL.Record({
  context: Blob,
  application: Blob,
  creator: Blob,
  genesisApplication: Blob,
  createdSeq: IDL.Nat,
  threshold: IDL.Nat32,
  activeLimit: IDL.Nat32,
  revision: IDL.Nat,
  members: IDL.Vec(IDL.Record({ identity: Blob, role: Role, capabilities: IDL.Vec(Capability) })),
  invitations: IDL.Vec(IDL.Record({ spec: InvitationSpec, uses: IDL.Nat32, revoked: IDL.Bool, createdBy: Blob })),
  proposals: IDL.Vec(IDL.Record({ id: Blob, author: Blob, actions: IDL.Vec(ProposalAction), approvals: IDL.Vec(Blob), createdAt: IDL.Nat64 })),
  history: IDL.Vec(IDL.Record({ proposal: Blob, outcome: Outcome, at: IDL.Nat64 })),
  values: IDL.Vec(IDL.Record({ key: Blob, value: Blob })),
  membershipRoot: Blob,
  head: Head
})

export const idlFactory: IDL.InterfaceFactory = () => IDL.Service({
  mutate: IDL.Func([Blob, Blob], [IDL.Record({ revision: IDL.Nat, seq: IDL.Nat })], []),
  nonce: IDL.Func([Blob, Blob], [IDL.Nat64], ['query']),
  view: IDL.Func([Blob], [IDL.Opt(View)], ['query']),
  tip: IDL.Func([], [Head], ['query']),
  entryHash: IDL.Func([IDL.Nat], [IDL.Opt(Blob)], ['query']),
  entries: IDL.Func([IDL.Nat, IDL.Nat], [IDL.Vec(Entry)], ['query']),
  certified: IDL.Func([IDL.Vec(Blob)], [IDL.Record({ value: IDL.Opt(Blob), certificate: IDL.Opt(Blob), witness: Blob })], ['query']),
  setLedger: IDL.Func([IDL.Principal], [], []),
  ledgerId: IDL.Func([], [IDL.Opt(IDL.Principal)], ['query']),
  fundsAccount: IDL.Func([Blob], [Account], ['query'])
})

type Bytes = Uint8Array
export interface HeadRecord { seq: bigint, hash: Bytes, time: bigint }
export interface EntryRecord { seq: bigint, context: Bytes, identity: Bytes, nonce: bigint, revision: bigint, request: Bytes, signature: Bytes, time: bigint, hash: Bytes }
export type Variant = Record<string, unknown>
export interface ViewRecord {
  context: Bytes
  application: Bytes
  creator: Bytes
  genesisApplication: Bytes
  createdSeq: bigint
  threshold: number
  activeLimit: number
  revision: bigint
  members: Array<{ identity: Bytes, role: Variant, capabilities: Variant[] }>
  invitations: Array<{ spec: Variant, uses: number, revoked: boolean, createdBy: Bytes }>
  proposals: Array<{ id: Bytes, author: Bytes, actions: Variant[], approvals: Bytes[], createdAt: bigint }>
  history: Array<{ proposal: Bytes, outcome: Variant, at: bigint }>
  values: Array<{ key: Bytes, value: Bytes }>
  membershipRoot: Bytes
  head: HeadRecord
}

/** The canister's methods as the actor exposes them. */
export interface ContextConfigService {
  mutate: (request: Bytes, signature: Bytes) => Promise<{ revision: bigint, seq: bigint }>
  nonce: (context: Bytes, identity: Bytes) => Promise<bigint>
  view: (context: Bytes) => Promise<[] | [ViewRecord]>
  tip: () => Promise<HeadRecord>
  entryHash: (seq: bigint) => Promise<[] | [Bytes]>
  entries: (from: bigint, to: bigint) => Promise<EntryRecord[]>
  /** The value at `path` in the canister's certified tree, the data certificate and the witness (CBOR). */
  certified: (path: Bytes[]) => Promise<{ value: [] | [Bytes], certificate: [] | [Bytes], witness: Bytes }>
  setLedger: (id: Principal) => Promise<void>
  ledgerId: () => Promise<[] | [Principal]>
  fundsAccount: (context: Bytes) => Promise<AccountRecord>
}

/** An ICRC-1 account. */
export interface AccountRecord { owner: Principal, subaccount: [] | [Bytes] }
