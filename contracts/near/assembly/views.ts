// Read-only methods (JSON arguments, JSON results): everything a node reads. Lists take
// `offset` (default 0) and `limit` (default and maximum 100) and come in storage order.
import { JValue, hex, hexField, id32Field, onlyKeys, q, qh, has, u32Field, field, strField } from './json';
import { fail, text } from './env';
import {
  capNames, chainId, decided, invitationAt, lastNonce, loadContext, loadInvitation, loadKeyShare, loadMember, loadProposal, memberAt,
  proposalAt, decidedAt, roleName, storageBalance, valueKeyAt, valueOf, Context, commitmentKey, TARGET_IDENTITY
} from './state';
import { storageHas } from './env';
import { contextIdFor, MAX_REQUEST_BYTES } from './requests';
import { STORAGE_PRICE } from './storage';
import { sha256Of } from './env';
import { concat } from './bytes';
import { validAccountId } from './account';

export const CONTRACT_VERSION = '1.0.0';
const MAX_PAGE: u32 = 100;

function ctx (a: JValue): Context | null {
  return loadContext(id32Field(a, 'context'));
}

function page (a: JValue, total: u32): u32[] {
  const offset: u32 = has(a, 'offset') ? u32Field(a, 'offset') : 0;
  let limit: u32 = has(a, 'limit') ? u32Field(a, 'limit') : MAX_PAGE;
  if (limit > MAX_PAGE) limit = MAX_PAGE;
  const end: u32 = offset >= total ? offset : (total - offset > limit ? offset + limit : total);
  return [offset, end];
}

export function config (): string {
  return '{"chain_id":' + q(chainId()) + ',"version":' + q(CONTRACT_VERSION) + ',"storage_price_per_byte":"' + STORAGE_PRICE.toString() +
    '","max_request_bytes":' + MAX_REQUEST_BYTES.toString() + '}';
}

export function context (a: JValue): string {
  onlyKeys(a, ['context'], 'the arguments');
  const c = ctx(a);
  if (c === null) return 'null';
  return '{"context":' + qh(c.id) + ',"application":' + qh(c.application) + ',"creator":' + qh(c.creator) + ',"revision":"' + c.revision.toString() +
    '","createdHeight":"' + c.createdHeight.toString() + '","createdAt":"' + c.createdAt.toString() + '","admins":' + c.admins.toString() +
    ',"threshold":' + c.threshold.toString() + ',"activeLimit":' + c.activeLimit.toString() + ',"members":' + c.members.toString() +
    ',"invitations":' + c.invitations.toString() + ',"proposals":' + c.proposals.toString() + ',"values":' + c.values.toString() + ',"decided":' + c.decided.toString() +
    ',"balance":"' + c.balance.toString() + '","keyId":' + (c.keyId.every((b: u8) => b == 0) ? 'null' : qh(c.keyId)) + '}';
}

function memberJson (c: Context, id: Uint8Array): string {
  const m = loadMember(c.id, id);
  if (m.role == 0) return 'null';
  return '{"identity":' + qh(id) + ',"role":' + q(roleName(m.role)) + ',"capabilities":' + capNames(m.caps) + '}';
}

export function members (a: JValue): string {
  onlyKeys(a, ['context', 'offset', 'limit'], 'the arguments');
  const c = ctx(a);
  if (c === null) return 'null';
  const r = page(a, c.members);
  let out = '[';
  for (let i = r[0]; i < r[1]; i++) out += (i > r[0] ? ',' : '') + memberJson(c, memberAt(c.id, i + 1));
  return out + ']';
}

export function member (a: JValue): string {
  onlyKeys(a, ['context', 'identity'], 'the arguments');
  const c = ctx(a);
  if (c === null) return 'null';
  return memberJson(c, id32Field(a, 'identity'));
}

export function nonce (a: JValue): string {
  onlyKeys(a, ['context', 'identity'], 'the arguments');
  return '"' + lastNonce(id32Field(a, 'context'), id32Field(a, 'identity')).toString() + '"';
}

function invitationJson (c: Context, id: Uint8Array): string {
  const v = loadInvitation(c.id, id);
  if (v.kind == 0) return 'null';
  const target = v.kind == TARGET_IDENTITY ? '{"type":"identity","identity":' + qh(v.target) + '}' : '{"type":"open","key":' + qh(v.target) + '}';
  return '{"id":' + qh(id) + ',"target":' + target + ',"role":' + q(roleName(v.role)) + ',"expiresAt":"' + v.expiresAt.toString() +
    '","maxUses":' + v.maxUses.toString() + ',"uses":' + v.uses.toString() + ',"revoked":' + (v.revoked ? 'true' : 'false') +
    ',"createdBy":' + qh(v.createdBy) + '}';
}

export function invitations (a: JValue): string {
  onlyKeys(a, ['context', 'offset', 'limit'], 'the arguments');
  const c = ctx(a);
  if (c === null) return 'null';
  const r = page(a, c.invitations);
  let out = '[';
  for (let i = r[0]; i < r[1]; i++) out += (i > r[0] ? ',' : '') + invitationJson(c, invitationAt(c.id, i + 1));
  return out + ']';
}

export function invitation (a: JValue): string {
  onlyKeys(a, ['context', 'invitation'], 'the arguments');
  const c = ctx(a);
  if (c === null) return 'null';
  return invitationJson(c, id32Field(a, 'invitation'));
}

export function commitment (a: JValue): string {
  onlyKeys(a, ['context', 'invitation', 'commitment', 'claimer'], 'the arguments');
  const slot = sha256Of(concat(concat(id32Field(a, 'invitation'), id32Field(a, 'commitment')), id32Field(a, 'claimer')));
  return storageHas(commitmentKey(id32Field(a, 'context'), slot)) ? 'true' : 'false';
}

function proposalJson (c: Context, id: Uint8Array): string {
  const p = loadProposal(c.id, id);
  if (p.index == 0) return 'null';
  let approvals = '[';
  for (let i = 0; i < p.approvals.length; i++) approvals += (i > 0 ? ',' : '') + qh(p.approvals[i]);
  return '{"id":' + qh(id) + ',"author":' + qh(p.author) + ',"createdAt":"' + p.createdAt.toString() + '","approvals":' + approvals +
    '],"actions":' + text(p.actions) + '}';
}

export function proposals (a: JValue): string {
  onlyKeys(a, ['context', 'offset', 'limit'], 'the arguments');
  const c = ctx(a);
  if (c === null) return 'null';
  const r = page(a, c.proposals);
  let out = '[';
  for (let i = r[0]; i < r[1]; i++) out += (i > r[0] ? ',' : '') + proposalJson(c, proposalAt(c.id, i + 1));
  return out + ']';
}

export function proposal (a: JValue): string {
  onlyKeys(a, ['context', 'proposal'], 'the arguments');
  const c = ctx(a);
  if (c === null) return 'null';
  return proposalJson(c, id32Field(a, 'proposal'));
}

/** `{"outcome":"executed"|"failed","reason"?,"at"}` of a decided proposal, else null. */
export function proposalOutcome (a: JValue): string {
  onlyKeys(a, ['context', 'proposal'], 'the arguments');
  const d = decided(id32Field(a, 'context'), id32Field(a, 'proposal'));
  return d === null ? 'null' : text(d);
}

/** The decided proposals in order: `[{"proposal", "outcome", "reason"?, "at"}]`. */
export function history (a: JValue): string {
  onlyKeys(a, ['context', 'offset', 'limit'], 'the arguments');
  const c = ctx(a);
  if (c === null) return 'null';
  const r = page(a, c.decided);
  let out = '[';
  for (let i = r[0]; i < r[1]; i++) {
    const id = decidedAt(c.id, i + 1);
    const d = text(decided(c.id, id)!);
    out += (i > r[0] ? ',' : '') + '{"proposal":' + qh(id) + ',' + d.slice(1);
  }
  return out + ']';
}

export function values (a: JValue): string {
  onlyKeys(a, ['context', 'offset', 'limit'], 'the arguments');
  const c = ctx(a);
  if (c === null) return 'null';
  const r = page(a, c.values);
  let out = '[';
  for (let i = r[0]; i < r[1]; i++) {
    const k = valueKeyAt(c.id, i + 1);
    out += (i > r[0] ? ',' : '') + '{"key":' + qh(k) + ',"value":' + qh(valueOf(c.id, k)!) + '}';
  }
  return out + ']';
}

export function value (a: JValue): string {
  onlyKeys(a, ['context', 'key'], 'the arguments');
  const v = valueOf(id32Field(a, 'context'), hexField(a, 'key', 256));
  return v === null ? 'null' : qh(v);
}

export function keyShare (a: JValue): string {
  onlyKeys(a, ['context', 'recipient'], 'the arguments');
  const s = loadKeyShare(id32Field(a, 'context'), id32Field(a, 'recipient'));
  if (s === null) return 'null';
  return '{"keyId":' + qh(s.keyId) + ',"rotate":' + (s.rotate ? 'true' : 'false') + ',"from":' + qh(s.from) + ',"revision":"' +
    s.revision.toString() + '","wrapped":' + qh(s.wrapped) + '}';
}

export function contextId (a: JValue): string {
  onlyKeys(a, ['creator', 'application', 'salt'], 'the arguments');
  return qh(contextIdFor(id32Field(a, 'creator'), id32Field(a, 'application'), id32Field(a, 'salt')));
}

export function storageBalanceOf (a: JValue): string {
  onlyKeys(a, ['account_id'], 'the arguments');
  const account = strField(a, 'account_id');
  if (!validAccountId(account)) fail('BadRequest: "account_id" is not a valid NEAR account id');
  return '{"total":"' + storageBalance(account).toString() + '","available":"' + storageBalance(account).toString() + '"}';
}
