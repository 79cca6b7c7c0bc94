// Signed requests: authentication (ed25519 on chain), nonces, and the governance rules of
// ContextConfig.sol (members, roles, capabilities, application, invitations, key shares).
// Proposals are in proposals.ts. Every refusal panics with "<RefusalCode>: <why>", the
// codes of src/governance/refusals.ts, so nothing of a refused request is kept.
import { blockHeight, ed25519Valid, fail, nowMs, sha256Of, utf8, currentAccount } from './env';
import { concat, equal, isZero } from './bytes';
import {
  JValue, J_ARR, J_OBJ, asHex, badRequest, boolField, field, has, hex, hexField, id32Field, onlyKeys, parseJson, q, qh, strField, u32Field, u64Field
} from './json';
import { emit } from './events';
import {
  ALL_CAPS, CAP_MANAGE_APPLICATION, CAP_MANAGE_MEMBERS, CAP_PROXY, Context, Invitation, KeyShare, ROLE_ADMIN, ROLE_MEMBER, ROLE_READER,
  TARGET_IDENTITY, TARGET_OPEN, addInvitationRow, addMemberRow, capNames, chainId, commitmentKey, lastNonce, loadContext, loadInvitation,
  loadMember, removeMemberRow, roleName, saveInvitation, saveKeyShare, saveMember, setNonce
} from './state';
import { storageHas, storageRemove, storageWrite } from './env';
import { approve, propose } from './proposals';

/** Longest signed request: its text goes into the `applied` event, and NEAR caps a receipt's logs at 16 KiB. */
export const MAX_REQUEST_BYTES: i32 = 10240;
export const MAX_FRONTIER: i32 = 64;
export const MAX_WRAPPED_BYTES: i32 = 512;

/** What every request's signature covers: domain, chain, contract, then the request text. */
export function signedMessage (request: Uint8Array): Uint8Array {
  const nul = new Uint8Array(1);
  let m = concat(utf8('moorage:near:v1'), nul);
  m = concat(concat(m, utf8(chainId())), nul);
  m = concat(concat(m, utf8(currentAccount())), nul);
  return concat(m, request);
}

export function contextIdFor (creator: Uint8Array, application: Uint8Array, salt: Uint8Array): Uint8Array {
  return sha256Of(concat(concat(concat(utf8('moorage:context:v1'), creator), application), salt));
}

export function short (id: Uint8Array): string {
  return hex(id).slice(0, 12);
}

function roleFrom (o: JValue, key: string): u8 {
  const r = strField(o, key);
  if (r == 'admin') return ROLE_ADMIN;
  if (r == 'member') return ROLE_MEMBER;
  if (r == 'reader') return ROLE_READER;
  badRequest('"' + key + '" must be admin, member or reader');
  return 0;
}

function capFrom (o: JValue): u8 {
  const c = strField(o, 'capability');
  if (c == 'ManageMembers') return CAP_MANAGE_MEMBERS;
  if (c == 'ManageApplication') return CAP_MANAGE_APPLICATION;
  if (c == 'Proxy') return CAP_PROXY;
  fail('UnknownCapability: unknown capability ' + c);
  return 0;
}

function capName (cap: u8): string {
  return cap == CAP_MANAGE_MEMBERS ? 'ManageMembers' : cap == CAP_MANAGE_APPLICATION ? 'ManageApplication' : 'Proxy';
}

/** Optional data heads of removeMember / leave: read by nodes from the event, checked for shape only. */
function checkFrontier (a: JValue): void {
  if (!has(a, 'frontier')) return;
  const f = field(a, 'frontier');
  if (f.kind != J_ARR || f.items.length > MAX_FRONTIER) badRequest('"frontier" must be an array of at most 64 ids');
  for (let i = 0; i < f.items.length; i++) {
    if (asHex(f.items[i], 'frontier[' + i.toString() + ']', 32).length != 32) badRequest('frontier ids are 32 bytes');
  }
}

export function need (c: Context, who: Uint8Array, cap: u8): void {
  const m = loadMember(c.id, who);
  if (m.role == 0 || (m.role != ROLE_ADMIN && (m.caps & cap) == 0)) {
    fail('MissingCapability: ' + short(who) + ' lacks the ' + capName(cap) + ' capability');
  }
}

function ctxField (c: Context): string {
  return '"context":' + qh(c.id);
}

export function memberAdded (c: Context, id: Uint8Array, role: u8): void {
  addMemberRow(c, id, role);
  emit('member_added', '{' + ctxField(c) + ',"identity":' + qh(id) + ',"role":' + q(roleName(role)) + '}');
}

function memberRemoved (c: Context, id: Uint8Array): void {
  removeMemberRow(c, id);
  emit('member_removed', '{' + ctxField(c) + ',"identity":' + qh(id) + '}');
}

export function roleChanged (c: Context, id: Uint8Array, role: u8): void {
  const m = loadMember(c.id, id);
  m.role = role;
  saveMember(c.id, id, m);
  emit('role_changed', '{' + ctxField(c) + ',"identity":' + qh(id) + ',"role":' + q(roleName(role)) + '}');
}

/**
 * `mutate({"request": "<request JSON text>", "signature": "<128 hex>"})`: checks and applies
 * one request; returns `{"context","revision"}`.
 */
export function mutate (input: Uint8Array): string {
  const outer = parseJson(input);
  onlyKeys(outer, ['request', 'signature'], 'the arguments');
  const reqValue = field(outer, 'request');
  if (reqValue.kind != 3) badRequest('"request" must be the request\'s JSON text, as a string');
  const reqBytes = reqValue.bytes;
  if (reqBytes.length > MAX_REQUEST_BYTES) badRequest('the request exceeds ' + MAX_REQUEST_BYTES.toString() + ' bytes');
  const signature = hexField(outer, 'signature', 64);
  if (signature.length != 64) fail('BadSignature: the signature must be 64 bytes (128 hex digits)');

  const req = parseJson(reqBytes);
  onlyKeys(req, ['context', 'identity', 'nonce', 'action'], 'the request');
  const ctxId = id32Field(req, 'context');
  const identity = id32Field(req, 'identity');
  const nonce = u64Field(req, 'nonce');
  const action = field(req, 'action');
  if (action.kind != J_OBJ) badRequest('"action" must be an object');
  const type = strField(action, 'type');
  const verified = ed25519Valid(signature, signedMessage(reqBytes), identity);

  if (type == 'create') {
    if (!verified) fail('BadSignature: the signature does not verify against identity ' + hex(identity) + ' (or names another chain or contract)');
    return create(ctxId, identity, nonce, action);
  }
  const found = loadContext(ctxId);
  if (found === null) fail('UnknownContext: no context ' + hex(ctxId) + ' on this contract');
  const c = found!;
  if (!verified) fail('BadSignature: the signature does not verify against identity ' + hex(identity) + ' (or names another chain or contract)');
  const last = lastNonce(ctxId, identity);
  if (nonce <= last) fail('StaleNonce: nonce ' + nonce.toString() + ' of ' + short(identity) + ' is not above its last accepted nonce ' + last.toString());
  setNonce(ctxId, identity, nonce);

  apply(c, identity, type, action, reqBytes);

  c.revision += 1;
  c.save();
  emit('applied', '{' + ctxField(c) + ',"identity":' + qh(identity) + ',"nonce":"' + nonce.toString() + '","revision":"' +
    c.revision.toString() + '","type":' + q(type) + ',"request":' + String.UTF8.decodeUnsafe(reqBytes.dataStart, reqBytes.length) + '}');
  return '{' + ctxField(c) + ',"revision":"' + c.revision.toString() + '"}';
}

function create (ctxId: Uint8Array, creator: Uint8Array, nonce: u64, a: JValue): string {
  onlyKeys(a, ['type', 'application', 'salt'], 'the create action');
  const application = id32Field(a, 'application');
  const salt = id32Field(a, 'salt');
  if (!equal(ctxId, contextIdFor(creator, application, salt))) {
    badRequest('"context" must be sha256("moorage:context:v1" ‖ identity ‖ application ‖ salt)');
  }
  if (loadContext(ctxId) !== null) fail('ContextExists: context ' + hex(ctxId) + ' exists already');
  if (isZero(application)) fail('BadApplication: the application id must be 32 bytes, not all zero');
  // Creation spends no nonce (as on every anchor): the context id can be created only once.
  if (nonce != 0) badRequest('a create request carries nonce 0');
  const c = new Context();
  c.id = ctxId;
  c.application = application;
  c.creator = creator;
  c.revision = 1;
  c.createdHeight = blockHeight();
  c.createdAt = nowMs();
  c.admins = 1;
  emit('context_created', '{' + ctxField(c) + ',"creator":' + qh(creator) + ',"application":' + qh(application) + ',"salt":' + qh(salt) + '}');
  memberAdded(c, creator, ROLE_ADMIN);
  c.save();
  return '{' + ctxField(c) + ',"revision":"1"}';
}

function apply (c: Context, author: Uint8Array, type: string, a: JValue, src: Uint8Array): void {
  if (type == 'addMember') {
    onlyKeys(a, ['type', 'identity', 'role'], 'addMember');
    const id = id32Field(a, 'identity');
    const role = roleFrom(a, 'role');
    if (role == ROLE_ADMIN) fail('AdminAddNeedsProposal: admins are added through an addAdmin proposal');
    need(c, author, CAP_MANAGE_MEMBERS);
    if (loadMember(c.id, id).role != 0) fail('AlreadyMember: ' + short(id) + ' is already a member');
    memberAdded(c, id, role);
  } else if (type == 'removeMember') {
    onlyKeys(a, ['type', 'identity', 'frontier'], 'removeMember');
    const id = id32Field(a, 'identity');
    checkFrontier(a);
    const role = loadMember(c.id, id).role;
    if (role == 0) fail('NotMember: ' + short(id) + ' is not a member');
    if (role == ROLE_ADMIN) fail('AdminRemoveNeedsProposal: admins are removed through a removeAdmin proposal');
    need(c, author, CAP_MANAGE_MEMBERS);
    memberRemoved(c, id);
  } else if (type == 'setRole') {
    onlyKeys(a, ['type', 'identity', 'role'], 'setRole');
    const id = id32Field(a, 'identity');
    const role = roleFrom(a, 'role');
    const m = loadMember(c.id, id);
    if (m.role == 0) fail('NotMember: ' + short(id) + ' is not a member');
    if (m.role == ROLE_ADMIN || role == ROLE_ADMIN) fail('AdminRoleNeedsProposal: admin roles change through proposals');
    need(c, author, CAP_MANAGE_MEMBERS);
    roleChanged(c, id, role);
  } else if (type == 'grant' || type == 'revoke') {
    onlyKeys(a, ['type', 'identity', 'capability'], type);
    const id = id32Field(a, 'identity');
    const cap = capFrom(a);
    if (loadMember(c.id, author).role != ROLE_ADMIN) fail('OnlyAdminsCapabilities: only admins ' + type + ' capabilities');
    const m = loadMember(c.id, id);
    if (m.role == 0) fail('NotMember: ' + short(id) + ' is not a member');
    m.caps = type == 'grant' ? m.caps | cap : m.caps & (ALL_CAPS ^ cap);
    saveMember(c.id, id, m);
    emit('capabilities_changed', '{' + ctxField(c) + ',"identity":' + qh(id) + ',"capabilities":' + capNames(m.caps) + '}');
  } else if (type == 'updateApplication') {
    onlyKeys(a, ['type', 'application'], 'updateApplication');
    const app = id32Field(a, 'application');
    if (isZero(app)) fail('BadApplication: the application id must be 32 bytes, not all zero');
    need(c, author, CAP_MANAGE_APPLICATION);
    c.application = app;
    emit('application_updated', '{' + ctxField(c) + ',"application":' + qh(app) + '}');
  } else if (type == 'invite') {
    invite(c, author, a);
  } else if (type == 'revokeInvitation') {
    onlyKeys(a, ['type', 'invitation'], 'revokeInvitation');
    const id = id32Field(a, 'invitation');
    const inv = loadInvitation(c.id, id);
    if (inv.kind == 0) fail('NoSuchInvitation: no such invitation');
    need(c, author, CAP_MANAGE_MEMBERS);
    inv.revoked = true;
    saveInvitation(c.id, id, inv);
    emit('invitation_revoked', '{' + ctxField(c) + ',"invitation":' + qh(id) + '}');
  } else if (type == 'claim') {
    onlyKeys(a, ['type', 'invitation'], 'claim');
    const id = id32Field(a, 'invitation');
    const inv = loadInvitation(c.id, id);
    if (inv.kind == 0) fail('NoSuchInvitation: no such invitation');
    if (inv.kind != TARGET_IDENTITY) fail('OpenInvitationNeedsReveal: an open invitation is claimed by commitClaim then revealClaim');
    if (!equal(inv.target, author)) fail('NamesAnotherIdentity: the invitation names another identity');
    usable(c, inv, author);
    admit(c, inv, id, author);
  } else if (type == 'commitClaim') {
    onlyKeys(a, ['type', 'invitation', 'commitment'], 'commitClaim');
    const id = id32Field(a, 'invitation');
    const commitment = id32Field(a, 'commitment');
    const inv = loadInvitation(c.id, id);
    if (inv.kind == 0) fail('NoSuchInvitation: no such invitation');
    if (inv.kind != TARGET_OPEN) fail('CommitNeedsOpenInvitation: only open invitations take commitments');
    usable(c, inv, author);
    // Keyed by claimer too: nobody can overwrite or use another identity's commitment.
    storageWrite(commitmentKey(c.id, commitmentSlot(id, commitment, author)), new Uint8Array(1));
    emit('claim_committed', '{' + ctxField(c) + ',"invitation":' + qh(id) + ',"commitment":' + qh(commitment) + ',"claimer":' + qh(author) + '}');
  } else if (type == 'revealClaim') {
    onlyKeys(a, ['type', 'invitation', 'proof'], 'revealClaim');
    const id = id32Field(a, 'invitation');
    const proof = hexField(a, 'proof', 64);
    const inv = loadInvitation(c.id, id);
    if (inv.kind == 0) fail('NoSuchInvitation: no such invitation');
    if (inv.kind != TARGET_OPEN) fail('NotOpenInvitation: not an open invitation');
    const commitment = sha256Of(concat(concat(concat(utf8('moorage:commit:v1'), id), author), proof));
    const slot = commitmentKey(c.id, commitmentSlot(id, commitment, author));
    if (!storageHas(slot)) fail('NoMatchingCommitment: no earlier commitment by this identity matches the reveal');
    const msg = concat(concat(concat(utf8('moorage:claim:v1'), c.id), id), author);
    if (proof.length != 64 || !ed25519Valid(proof, msg, inv.target)) fail('BadClaimProof: the claim proof does not verify against the invitation key');
    usable(c, inv, author);
    storageRemove(slot);
    admit(c, inv, id, author);
  } else if (type == 'leave') {
    onlyKeys(a, ['type', 'frontier'], 'leave');
    checkFrontier(a);
    const role = loadMember(c.id, author).role;
    if (role == 0) fail('NotMember: ' + short(author) + ' is not a member');
    if (role == ROLE_ADMIN && c.admins == 1) fail('LastAdminCannotLeave: the last admin cannot leave; add another admin first');
    memberRemoved(c, author);
    if (role == ROLE_ADMIN) {
      c.admins -= 1;
      if (c.threshold > c.admins) {
        c.threshold = c.admins;
        emit('threshold_changed', '{' + ctxField(c) + ',"threshold":' + c.threshold.toString() + '}');
      }
    }
  } else if (type == 'propose') {
    need(c, author, CAP_PROXY);
    propose(c, author, a, src);
  } else if (type == 'approve') {
    onlyKeys(a, ['type', 'proposal'], 'approve');
    const id = id32Field(a, 'proposal');
    if (loadMember(c.id, author).role != ROLE_ADMIN) fail('OnlyAdminsApprove: only admins approve; ' + short(author) + ' is not an admin');
    approve(c, author, id);
  } else if (type == 'keys') {
    shareKeys(c, author, a);
  } else {
    fail('UnknownRequest: unknown request type ' + type);
  }
}

function commitmentSlot (invitation: Uint8Array, commitment: Uint8Array, claimer: Uint8Array): Uint8Array {
  return sha256Of(concat(concat(invitation, commitment), claimer));
}

function invite (c: Context, author: Uint8Array, a: JValue): void {
  onlyKeys(a, ['type', 'invitation'], 'invite');
  const spec = field(a, 'invitation');
  onlyKeys(spec, ['id', 'target', 'role', 'expiresAt', 'maxUses'], 'the invitation');
  const id = id32Field(spec, 'id');
  const target = field(spec, 'target');
  const role = roleFrom(spec, 'role');
  const expiresAt = u64Field(spec, 'expiresAt');
  const maxUses = u32Field(spec, 'maxUses');
  const targetType = strField(target, 'type');
  let kind: u8 = 0;
  let key = new Uint8Array(32);
  if (targetType == 'identity') {
    onlyKeys(target, ['type', 'identity'], 'the invitation target');
    kind = TARGET_IDENTITY;
    key = id32Field(target, 'identity');
  } else if (targetType == 'open') {
    onlyKeys(target, ['type', 'key'], 'the invitation target');
    kind = TARGET_OPEN;
    key = id32Field(target, 'key');
  }
  need(c, author, CAP_MANAGE_MEMBERS);
  if (loadInvitation(c.id, id).kind != 0) fail('InvitationExists: an invitation with this id exists');
  if (role != ROLE_MEMBER && role != ROLE_READER) fail('InvitationRole: invitations grant the member or reader role');
  if (kind == 0) fail('InvitationTarget: unknown invitation target kind ' + targetType);
  if (maxUses < 1) fail('MaxUsesNotPositive: maxUses must be a positive integer');
  if (expiresAt <= nowMs()) fail('AlreadyExpired: the invitation is already expired');
  if (kind == TARGET_IDENTITY && loadMember(c.id, key).role != 0) fail('InviteeIsMember: the invitee is already a member');
  const inv = new Invitation();
  inv.kind = kind;
  inv.role = role;
  inv.maxUses = maxUses;
  inv.expiresAt = expiresAt;
  inv.target = key;
  inv.createdBy = author;
  saveInvitation(c.id, id, inv);
  addInvitationRow(c, id);
  emit('invitation_created', '{' + ctxField(c) + ',"invitation":' + qh(id) + ',"target":{"type":' + q(targetType) + ',' +
    (kind == TARGET_IDENTITY ? '"identity":' : '"key":') + qh(key) + '},"role":' + q(roleName(role)) + ',"expiresAt":"' +
    expiresAt.toString() + '","maxUses":' + maxUses.toString() + ',"createdBy":' + qh(author) + '}');
}

function usable (c: Context, inv: Invitation, claimer: Uint8Array): void {
  if (inv.revoked) fail('InvitationRevoked: the invitation was revoked');
  if (nowMs() > inv.expiresAt) fail('InvitationExpired: the invitation expired at ' + inv.expiresAt.toString() + ' ms');
  if (inv.uses >= inv.maxUses) fail('NoUsesLeft: the invitation has no uses left');
  if (loadMember(c.id, claimer).role != 0) fail('ClaimerIsMember: already a member');
}

function admit (c: Context, inv: Invitation, id: Uint8Array, claimer: Uint8Array): void {
  inv.uses += 1;
  saveInvitation(c.id, id, inv);
  memberAdded(c, claimer, inv.role);
  emit('invitation_claimed', '{' + ctxField(c) + ',"invitation":' + qh(id) + ',"claimer":' + qh(claimer) + '}');
}

/**
 * Group-key shares: any member shares; readers only re-share (rotate = false). The newest
 * share per recipient is kept (view `key_share`), so a joining member reads its share
 * without scanning history; every share is also in the request of the `applied` event.
 */
function shareKeys (c: Context, author: Uint8Array, a: JValue): void {
  onlyKeys(a, ['type', 'keyId', 'rotate', 'shares'], 'keys');
  const role = loadMember(c.id, author).role;
  if (role == 0) fail('KeysNotMember: only members share group keys; ' + short(author) + ' is not a member');
  const keyId = id32Field(a, 'keyId');
  const rotate = boolField(a, 'rotate');
  if (rotate && role == ROLE_READER) fail('ReaderCannotRotate: readers cannot rotate the group key; ' + short(author) + ' is a reader (it may re-share the current key)');
  const shares = field(a, 'shares');
  if (shares.kind != J_ARR) badRequest('"shares" must be an array');
  for (let i = 0; i < shares.items.length; i++) {
    const s = shares.items[i];
    onlyKeys(s, ['recipient', 'wrapped'], 'a share');
    const share = new KeyShare();
    share.keyId = keyId;
    share.rotate = rotate;
    share.from = author;
    share.revision = c.revision + 1;
    share.wrapped = hexField(s, 'wrapped', MAX_WRAPPED_BYTES);
    saveKeyShare(c.id, id32Field(s, 'recipient'), share);
  }
  if (rotate) c.keyId = keyId;
}
