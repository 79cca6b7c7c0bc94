// The contract's storage layout. Every key starts with a one-letter tag and the 32-byte
// context id, so contexts never share a row:
//   "C" ctx            context record            "n" ctx id   last nonce (kept for good)
//   "m" ctx id         member (role, caps, idx)  "M" ctx idx  member id at list index
//   "i" ctx id         invitation                "I" ctx idx  invitation id at index
//   "c" ctx h          commitment (h = sha256(invitation ‖ commitment ‖ claimer))
//   "p" ctx id         open proposal             "P" ctx idx  proposal id at index
//   "o" ctx id         open proposals of author  "d" ctx id   decided proposal's outcome
//   "v" ctx key        value (idx, bytes)        "V" ctx idx  value key at index
//   "k" ctx recipient  latest key share          "s" account  prepaid storage balance
//   "D" ctx idx        decided proposal id at index (the history, in order)
//   "cfg"              chain id (set once by `new`)
// Lists are dense 1-based indexes with swap-remove, as in the Solidity contracts.
import { storageHas, storageRead, storageRemove, storageWrite, utf8, U128, fail } from './env';
import { Reader, Writer, concat } from './bytes';

export const ROLE_ADMIN: u8 = 1;
export const ROLE_MEMBER: u8 = 2;
export const ROLE_READER: u8 = 3;

export const CAP_MANAGE_MEMBERS: u8 = 1;
export const CAP_MANAGE_APPLICATION: u8 = 2;
export const CAP_PROXY: u8 = 4;
export const ALL_CAPS: u8 = 7;

export const TARGET_IDENTITY: u8 = 1;
export const TARGET_OPEN: u8 = 2;

export const DEFAULT_THRESHOLD: u32 = 1;
export const DEFAULT_ACTIVE_LIMIT: u32 = 10;

function tagKey (tag: string, ctx: Uint8Array, rest: Uint8Array): Uint8Array {
  return concat(concat(utf8(tag), ctx), rest);
}

function idxBytes (i: u32): Uint8Array {
  return new Writer().u32(i).done();
}

export function roleName (r: u8): string {
  if (r == ROLE_ADMIN) return 'admin';
  if (r == ROLE_MEMBER) return 'member';
  if (r == ROLE_READER) return 'reader';
  return '';
}

export function capNames (caps: u8): string {
  let s = '[';
  let first = true;
  if ((caps & CAP_MANAGE_MEMBERS) != 0) { s += '"ManageMembers"'; first = false; }
  if ((caps & CAP_MANAGE_APPLICATION) != 0) { s += (first ? '' : ',') + '"ManageApplication"'; first = false; }
  if ((caps & CAP_PROXY) != 0) { s += (first ? '' : ',') + '"Proxy"'; }
  return s + ']';
}

// ---- Config ----

export function chainId (): string {
  const v = storageRead(utf8('cfg'));
  if (v === null) fail('NotInitialized: call new({"chain_id"}) first');
  return String.UTF8.decodeUnsafe(v!.dataStart, v!.length);
}

export function initialized (): bool {
  return storageHas(utf8('cfg'));
}

export function setChainId (id: string): void {
  storageWrite(utf8('cfg'), utf8(id));
}

// ---- Contexts ----

export class Context {
  id: Uint8Array = new Uint8Array(32);
  application: Uint8Array = new Uint8Array(32);
  creator: Uint8Array = new Uint8Array(32);
  revision: u64 = 0;
  createdHeight: u64 = 0;
  createdAt: u64 = 0;
  admins: u32 = 0;
  threshold: u32 = DEFAULT_THRESHOLD;
  activeLimit: u32 = DEFAULT_ACTIVE_LIMIT;
  members: u32 = 0;
  invitations: u32 = 0;
  proposals: u32 = 0;
  values: u32 = 0;
  /** Decided proposals (executed or failed), listed in order under "D". */
  decided: u32 = 0;
  /** What the context holds, in yoctoNEAR (funded with `fund`, spent by proposals). */
  balance: U128 = new U128();
  /** Id of the newest group key a member rotated to (all zero before any). */
  keyId: Uint8Array = new Uint8Array(32);

  save (): void {
    const w = new Writer().raw(this.application).raw(this.creator).u64(this.revision).u64(this.createdHeight).u64(this.createdAt)
      .u32(this.admins).u32(this.threshold).u32(this.activeLimit).u32(this.members).u32(this.invitations).u32(this.proposals).u32(this.values).u32(this.decided)
      .u128(this.balance).raw(this.keyId);
    storageWrite(tagKey('C', this.id, new Uint8Array(0)), w.done());
  }
}

export function loadContext (id: Uint8Array): Context | null {
  const v = storageRead(tagKey('C', id, new Uint8Array(0)));
  if (v === null) return null;
  const r = new Reader(v);
  const c = new Context();
  c.id = id;
  c.application = r.raw(32);
  c.creator = r.raw(32);
  c.revision = r.u64();
  c.createdHeight = r.u64();
  c.createdAt = r.u64();
  c.admins = r.u32();
  c.threshold = r.u32();
  c.activeLimit = r.u32();
  c.members = r.u32();
  c.invitations = r.u32();
  c.proposals = r.u32();
  c.values = r.u32();
  c.decided = r.u32();
  c.balance = r.u128();
  c.keyId = r.raw(32);
  return c;
}

// ---- Nonces ----

export function lastNonce (ctx: Uint8Array, id: Uint8Array): u64 {
  const v = storageRead(tagKey('n', ctx, id));
  return v === null ? 0 : new Reader(v).u64();
}

export function setNonce (ctx: Uint8Array, id: Uint8Array, n: u64): void {
  storageWrite(tagKey('n', ctx, id), new Writer().u64(n).done());
}

// ---- Members ----

export class Member {
  role: u8 = 0; // 0 = not a member
  caps: u8 = 0;
  index: u32 = 0;
}

export function loadMember (ctx: Uint8Array, id: Uint8Array): Member {
  const m = new Member();
  const v = storageRead(tagKey('m', ctx, id));
  if (v !== null) {
    const r = new Reader(v);
    m.role = r.u8();
    m.caps = r.u8();
    m.index = r.u32();
  }
  return m;
}

export function saveMember (ctx: Uint8Array, id: Uint8Array, m: Member): void {
  storageWrite(tagKey('m', ctx, id), new Writer().u8(m.role).u8(m.caps).u32(m.index).done());
}

export function memberAt (ctx: Uint8Array, index: u32): Uint8Array {
  const v = storageRead(tagKey('M', ctx, idxBytes(index)));
  if (v === null) fail('CorruptState: member index ' + index.toString() + ' is empty');
  return v!;
}

export function addMemberRow (c: Context, id: Uint8Array, role: u8): void {
  c.members += 1;
  storageWrite(tagKey('M', c.id, idxBytes(c.members)), id);
  const m = new Member();
  m.role = role;
  m.index = c.members;
  saveMember(c.id, id, m);
}

export function removeMemberRow (c: Context, id: Uint8Array): void {
  const m = loadMember(c.id, id);
  const lastId = memberAt(c.id, c.members);
  if (m.index != c.members) {
    storageWrite(tagKey('M', c.id, idxBytes(m.index)), lastId);
    const last = loadMember(c.id, lastId);
    last.index = m.index;
    saveMember(c.id, lastId, last);
  }
  storageRemove(tagKey('M', c.id, idxBytes(c.members)));
  storageRemove(tagKey('m', c.id, id));
  c.members -= 1;
}

// ---- Invitations (kept for good, revoked or not, like the Solidity contract) ----

export class Invitation {
  kind: u8 = 0; // 0 = none
  role: u8 = 0;
  revoked: bool = false;
  maxUses: u32 = 0;
  uses: u32 = 0;
  expiresAt: u64 = 0; // ms
  target: Uint8Array = new Uint8Array(32);
  createdBy: Uint8Array = new Uint8Array(32);
}

export function loadInvitation (ctx: Uint8Array, id: Uint8Array): Invitation {
  const inv = new Invitation();
  const v = storageRead(tagKey('i', ctx, id));
  if (v !== null) {
    const r = new Reader(v);
    inv.kind = r.u8();
    inv.role = r.u8();
    inv.revoked = r.u8() == 1;
    inv.maxUses = r.u32();
    inv.uses = r.u32();
    inv.expiresAt = r.u64();
    inv.target = r.raw(32);
    inv.createdBy = r.raw(32);
  }
  return inv;
}

export function saveInvitation (ctx: Uint8Array, id: Uint8Array, inv: Invitation): void {
  const w = new Writer().u8(inv.kind).u8(inv.role).u8(inv.revoked ? 1 : 0).u32(inv.maxUses).u32(inv.uses).u64(inv.expiresAt)
    .raw(inv.target).raw(inv.createdBy);
  storageWrite(tagKey('i', ctx, id), w.done());
}

export function addInvitationRow (c: Context, id: Uint8Array): void {
  c.invitations += 1;
  storageWrite(tagKey('I', c.id, idxBytes(c.invitations)), id);
}

export function invitationAt (ctx: Uint8Array, index: u32): Uint8Array {
  const v = storageRead(tagKey('I', ctx, idxBytes(index)));
  if (v === null) fail('CorruptState: invitation index ' + index.toString() + ' is empty');
  return v!;
}

export function commitmentKey (ctx: Uint8Array, slot: Uint8Array): Uint8Array {
  return tagKey('c', ctx, slot);
}

// ---- Proposals ----

export class Proposal {
  author: Uint8Array = new Uint8Array(32);
  createdAt: u64 = 0;
  index: u32 = 0; // 0 = no such open proposal
  approvals: Uint8Array[] = [];
  /** The actions' JSON text exactly as the proposer signed it (validated at propose). */
  actions: Uint8Array = new Uint8Array(0);
}

export function loadProposal (ctx: Uint8Array, id: Uint8Array): Proposal {
  const p = new Proposal();
  const v = storageRead(tagKey('p', ctx, id));
  if (v !== null) {
    const r = new Reader(v);
    p.author = r.raw(32);
    p.createdAt = r.u64();
    p.index = r.u32();
    const n = r.u32();
    for (let i: u32 = 0; i < n; i++) p.approvals.push(r.raw(32));
    p.actions = r.bytes();
  }
  return p;
}

export function saveProposal (ctx: Uint8Array, id: Uint8Array, p: Proposal): void {
  const w = new Writer().raw(p.author).u64(p.createdAt).u32(p.index).u32(<u32>p.approvals.length);
  for (let i = 0; i < p.approvals.length; i++) w.raw(p.approvals[i]);
  w.bytes(p.actions);
  storageWrite(tagKey('p', ctx, id), w.done());
}

export function proposalAt (ctx: Uint8Array, index: u32): Uint8Array {
  const v = storageRead(tagKey('P', ctx, idxBytes(index)));
  if (v === null) fail('CorruptState: proposal index ' + index.toString() + ' is empty');
  return v!;
}

export function openBy (ctx: Uint8Array, author: Uint8Array): u32 {
  const v = storageRead(tagKey('o', ctx, author));
  return v === null ? 0 : new Reader(v).u32();
}

function setOpenBy (ctx: Uint8Array, author: Uint8Array, n: u32): void {
  if (n == 0) storageRemove(tagKey('o', ctx, author));
  else storageWrite(tagKey('o', ctx, author), new Writer().u32(n).done());
}

export function addProposalRow (c: Context, id: Uint8Array, p: Proposal): void {
  c.proposals += 1;
  p.index = c.proposals;
  storageWrite(tagKey('P', c.id, idxBytes(c.proposals)), id);
  saveProposal(c.id, id, p);
  setOpenBy(c.id, p.author, openBy(c.id, p.author) + 1);
}

export function removeProposalRow (c: Context, id: Uint8Array): void {
  const p = loadProposal(c.id, id);
  const lastId = proposalAt(c.id, c.proposals);
  if (p.index != c.proposals) {
    storageWrite(tagKey('P', c.id, idxBytes(p.index)), lastId);
    const last = loadProposal(c.id, lastId);
    last.index = p.index;
    saveProposal(c.id, lastId, last);
  }
  storageRemove(tagKey('P', c.id, idxBytes(c.proposals)));
  storageRemove(tagKey('p', c.id, id));
  setOpenBy(c.id, p.author, openBy(c.id, p.author) - 1);
  c.proposals -= 1;
}

/** Outcome JSON of a decided proposal, or null if it never executed or failed. */
export function decided (ctx: Uint8Array, id: Uint8Array): Uint8Array | null {
  return storageRead(tagKey('d', ctx, id));
}

export function setDecided (c: Context, id: Uint8Array, outcomeJson: string): void {
  storageWrite(tagKey('d', c.id, id), utf8(outcomeJson));
  c.decided += 1;
  storageWrite(tagKey('D', c.id, idxBytes(c.decided)), id);
}

export function decidedAt (ctx: Uint8Array, index: u32): Uint8Array {
  const v = storageRead(tagKey('D', ctx, idxBytes(index)));
  if (v === null) fail('CorruptState: decided index ' + index.toString() + ' is empty');
  return v!;
}

// ---- Values ----

export function valueOf (ctx: Uint8Array, key: Uint8Array): Uint8Array | null {
  const v = storageRead(tagKey('v', ctx, key));
  if (v === null) return null;
  const r = new Reader(v);
  r.u32();
  return r.bytes();
}

export function setValue (c: Context, key: Uint8Array, value: Uint8Array): void {
  const old = storageRead(tagKey('v', c.id, key));
  let index: u32;
  if (old === null) {
    c.values += 1;
    index = c.values;
    storageWrite(tagKey('V', c.id, idxBytes(index)), key);
  } else {
    index = new Reader(old).u32();
  }
  storageWrite(tagKey('v', c.id, key), new Writer().u32(index).bytes(value).done());
}

export function valueKeyAt (ctx: Uint8Array, index: u32): Uint8Array {
  const v = storageRead(tagKey('V', ctx, idxBytes(index)));
  if (v === null) fail('CorruptState: value index ' + index.toString() + ' is empty');
  return v!;
}

// ---- Key shares: the newest share per recipient ----

export class KeyShare {
  keyId: Uint8Array = new Uint8Array(32);
  rotate: bool = false;
  from: Uint8Array = new Uint8Array(32);
  revision: u64 = 0;
  wrapped: Uint8Array = new Uint8Array(0);
}

export function saveKeyShare (ctx: Uint8Array, recipient: Uint8Array, s: KeyShare): void {
  const w = new Writer().raw(s.keyId).u8(s.rotate ? 1 : 0).raw(s.from).u64(s.revision).bytes(s.wrapped);
  storageWrite(tagKey('k', ctx, recipient), w.done());
}

export function loadKeyShare (ctx: Uint8Array, recipient: Uint8Array): KeyShare | null {
  const v = storageRead(tagKey('k', ctx, recipient));
  if (v === null) return null;
  const r = new Reader(v);
  const s = new KeyShare();
  s.keyId = r.raw(32);
  s.rotate = r.u8() == 1;
  s.from = r.raw(32);
  s.revision = r.u64();
  s.wrapped = r.bytes();
  return s;
}

// ---- Prepaid storage balances (NEP-145 style) ----

export function storageBalance (account: string): U128 {
  const v = storageRead(concat(utf8('s'), utf8(account)));
  return v === null ? new U128() : U128.fromLE(v);
}

/** Kept at 16 bytes even when zero, so rewriting it never changes the storage used. */
export function setStorageBalance (account: string, amount: U128): void {
  storageWrite(concat(utf8('s'), utf8(account)), amount.toLE());
}

export function removeStorageBalance (account: string): void {
  storageRemove(concat(utf8('s'), utf8(account)));
}
