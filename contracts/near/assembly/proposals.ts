// Proposals, approvals, the threshold, the active-proposals limit, values and the
// context's funds, kept per context inside this one contract (ContextProxy.sol's rules;
// no account per context, whose ~0.1 NEAR of storage anyone creating contexts could drain).
// A proposal stores its actions' JSON text as signed. Execution is all or nothing: every
// action is first checked against a simulated state, and only if all pass are they
// applied; otherwise the proposal is recorded as failed with the first reason. Transfers
// and calls leave as promises; a promise that fails later gives its amount back to the
// context (`promise_failed`).
import { U128, fail, nowMs, promiseCall, promiseThenSelf, promiseTransfer, utf8 } from './env';
import { equal } from './bytes';
import { JValue, J_ARR, J_STR, asHex, badRequest, field, has, hex, hexField, id32Field, onlyKeys, parseJson, q, qh, strField, u32Field, u64Field } from './json';
import { emit } from './events';
import { validAccountId } from './account';
import {
  Context, Proposal, ROLE_ADMIN, ROLE_MEMBER, addProposalRow, decided, loadMember, loadProposal, openBy, removeProposalRow, saveProposal, setDecided, setValue
} from './state';
import { memberAdded, roleChanged, short } from './requests';

export const MAX_ACTIONS: i32 = 16;
export const MAX_VALUE_KEY_BYTES: i32 = 256;
export const MAX_VALUE_BYTES: i32 = 1024;
export const MAX_CALL_ARGS_BYTES: i32 = 4096;
const TGAS: u64 = 1000000000000;
export const DEFAULT_CALL_GAS: u64 = 30 * TGAS;
export const MAX_CALL_GAS: u64 = 250 * TGAS;
const CALLBACK_GAS: u64 = 10 * TGAS;

function ctxField (c: Context): string {
  return '"context":' + qh(c.id);
}

function amountField (a: JValue, key: string, optional: bool): U128 {
  if (optional && !has(a, key)) return new U128();
  const v = field(a, key);
  if (v.kind != J_STR) badRequest('"' + key + '" must be a decimal string of yoctoNEAR');
  const parsed = U128.parse(strField(a, key));
  if (parsed === null) badRequest('"' + key + '" must be a decimal string of yoctoNEAR below 2^128');
  return parsed!;
}

function accountField (a: JValue, key: string): string {
  const s = strField(a, key);
  if (!validAccountId(s)) badRequest('"' + key + '" is not a valid NEAR account id: ' + s);
  return s;
}

function gasField (a: JValue): u64 {
  if (!has(a, 'gas')) return DEFAULT_CALL_GAS;
  const g = u64Field(a, 'gas');
  if (g == 0 || g > MAX_CALL_GAS) badRequest('"gas" must be 1 to 250 Tgas (in gas units)');
  return g;
}

/** Checks one action's shape (not whether it can run now: that is execution's business). */
function checkShape (a: JValue, i: i32): void {
  const type = strField(a, 'type');
  const what = 'actions[' + i.toString() + '] (' + type + ')';
  if (type == 'setThreshold') { onlyKeys(a, ['type', 'threshold'], what); u32Field(a, 'threshold'); }
  else if (type == 'setActiveLimit') { onlyKeys(a, ['type', 'limit'], what); u32Field(a, 'limit'); }
  else if (type == 'addAdmin' || type == 'removeAdmin') { onlyKeys(a, ['type', 'identity'], what); id32Field(a, 'identity'); }
  else if (type == 'setValue') {
    onlyKeys(a, ['type', 'key', 'value'], what);
    hexField(a, 'key', MAX_VALUE_KEY_BYTES);
    hexField(a, 'value', MAX_VALUE_BYTES);
  } else if (type == 'deleteProposal') { onlyKeys(a, ['type', 'proposal'], what); id32Field(a, 'proposal'); }
  else if (type == 'transfer') {
    onlyKeys(a, ['type', 'to', 'amount'], what);
    accountField(a, 'to');
    amountField(a, 'amount', false);
  } else if (type == 'call') {
    onlyKeys(a, ['type', 'target', 'method', 'args', 'deposit', 'gas'], what);
    accountField(a, 'target');
    const m = strField(a, 'method');
    if (m.length == 0 || m.length > 256) badRequest('"method" must be 1 to 256 characters');
    if (has(a, 'args')) hexField(a, 'args', MAX_CALL_ARGS_BYTES);
    amountField(a, 'deposit', true);
    gasField(a);
  } else {
    fail('UnknownProposalAction: unknown proposal action kind ' + type);
  }
}

function parseActions (src: Uint8Array): JValue {
  const v = parseJson(src);
  if (v.kind != J_ARR) badRequest('"actions" must be an array');
  return v;
}

export function propose (c: Context, author: Uint8Array, a: JValue, src: Uint8Array): void {
  onlyKeys(a, ['type', 'proposal', 'actions'], 'propose');
  const id = id32Field(a, 'proposal');
  const actions = field(a, 'actions');
  if (actions.kind != J_ARR) badRequest('"actions" must be an array');
  if (loadProposal(c.id, id).index != 0) fail('ProposalExists: a proposal with this id exists');
  if (decided(c.id, id) !== null) fail('ProposalSpent: a proposal with this id was decided already (executed or failed); its id cannot be used again');
  const n = actions.items.length;
  if (n == 0 || n > MAX_ACTIONS) fail('ActionCount: a proposal carries 1 to ' + MAX_ACTIONS.toString() + ' actions');
  for (let i = 0; i < n; i++) checkShape(actions.items[i], i);
  const open = openBy(c.id, author);
  if (open >= c.activeLimit) fail('ActiveLimitReached: ' + short(author) + ' already has ' + open.toString() + ' active proposals (limit ' + c.activeLimit.toString() + ')');
  const time = nowMs();
  const text = src.slice(actions.start, actions.end);
  emit('proposal_created', '{' + ctxField(c) + ',"proposal":' + qh(id) + ',"author":' + qh(author) + ',"createdAt":"' + time.toString() + '"}');
  const isAdmin = loadMember(c.id, author).role == ROLE_ADMIN;
  if (isAdmin) {
    emit('proposal_approved', '{' + ctxField(c) + ',"proposal":' + qh(id) + ',"approver":' + qh(author) + '}');
    // Its author's approval is enough: it executes now and is never stored.
    if (c.threshold <= 1) { execute(c, id, text, time); return; }
  }
  const p = new Proposal();
  p.author = author;
  p.createdAt = time;
  p.actions = text;
  if (isAdmin) p.approvals.push(author);
  addProposalRow(c, id, p);
}

export function approve (c: Context, approver: Uint8Array, id: Uint8Array): void {
  const p = loadProposal(c.id, id);
  if (p.index == 0) fail('NoSuchProposal: no such proposal');
  for (let i = 0; i < p.approvals.length; i++) if (equal(p.approvals[i], approver)) fail('AlreadyApproved: already approved by this identity');
  p.approvals.push(approver);
  emit('proposal_approved', '{' + ctxField(c) + ',"proposal":' + qh(id) + ',"approver":' + qh(approver) + '}');
  // Approvals that count: those of identities that are admins now.
  let counted: u32 = 0;
  for (let i = 0; i < p.approvals.length; i++) if (loadMember(c.id, p.approvals[i]).role == ROLE_ADMIN) counted++;
  if (counted < c.threshold) {
    saveProposal(c.id, id, p);
    return;
  }
  removeProposalRow(c, id);
  execute(c, id, p.actions, nowMs());
}

/** The simulated state the first pass checks actions against. */
class Sim {
  admins: u32 = 0;
  threshold: u32 = 0;
  balance: U128 = new U128();
  roles: Map<string, u8> = new Map();
  deleted: string[] = [];
}

function simRole (c: Context, s: Sim, id: Uint8Array): u8 {
  const k = hex(id);
  if (s.roles.has(k)) return s.roles.get(k);
  return loadMember(c.id, id).role;
}

/** Why action `a` cannot run on `s` ("" when it can); updates `s` as running it would. */
function check (c: Context, s: Sim, a: JValue): string {
  const type = strField(a, 'type');
  if (type == 'setThreshold') {
    const t = u32Field(a, 'threshold');
    if (t < 1) return 'ThresholdNotPositive: threshold must be a positive integer';
    if (t > s.admins) return 'ThresholdExceedsAdmins: threshold ' + t.toString() + ' exceeds the ' + s.admins.toString() + ' admins';
    s.threshold = t;
  } else if (type == 'setActiveLimit') {
    if (u32Field(a, 'limit') < 1) return 'LimitNotPositive: the active-proposals limit must be a positive integer';
  } else if (type == 'addAdmin') {
    const id = id32Field(a, 'identity');
    if (simRole(c, s, id) != ROLE_ADMIN) { s.admins += 1; s.roles.set(hex(id), ROLE_ADMIN); }
  } else if (type == 'removeAdmin') {
    const id = id32Field(a, 'identity');
    if (simRole(c, s, id) != ROLE_ADMIN) return 'NotAdmin: ' + short(id) + ' is not an admin';
    if (s.admins == 1) return 'LastAdmin: a context keeps at least one admin';
    s.admins -= 1;
    s.roles.set(hex(id), ROLE_MEMBER);
    if (s.threshold > s.admins) s.threshold = s.admins;
  } else if (type == 'deleteProposal') {
    const id = id32Field(a, 'proposal');
    if (loadProposal(c.id, id).index == 0 || s.deleted.includes(hex(id))) return 'NoProposalToDelete: no such proposal to delete';
    s.deleted.push(hex(id));
  } else if (type == 'transfer') {
    const amount = amountField(a, 'amount', false);
    const to = strField(a, 'to');
    if (s.balance.lt(amount)) return 'TransferFailed: the transfer of ' + amount.toString() + ' yoctoNEAR to ' + to + ' exceeds the context\'s balance of ' + s.balance.toString();
    s.balance = s.balance.sub(amount);
  } else if (type == 'call') {
    const deposit = amountField(a, 'deposit', true);
    const target = strField(a, 'target');
    if (s.balance.lt(deposit)) return 'CallFailed: the call to ' + target + ' reverted (its deposit of ' + deposit.toString() + ' yoctoNEAR exceeds the context\'s balance of ' + s.balance.toString() + ')';
    s.balance = s.balance.sub(deposit);
  }
  return '';
}

function execute (c: Context, id: Uint8Array, actionsText: Uint8Array, time: u64): void {
  const actions = parseActions(actionsText);
  const s = new Sim();
  s.admins = c.admins;
  s.threshold = c.threshold;
  s.balance = c.balance;
  for (let i = 0; i < actions.items.length; i++) {
    const why = check(c, s, actions.items[i]);
    if (why.length > 0) {
      setDecided(c, id, '{"outcome":"failed","reason":' + q(why) + ',"at":"' + time.toString() + '"}');
      emit('proposal_failed', '{' + ctxField(c) + ',"proposal":' + qh(id) + ',"reason":' + q(why) + ',"at":"' + time.toString() + '"}');
      return;
    }
  }
  setDecided(c, id, '{"outcome":"executed","at":"' + time.toString() + '"}');
  for (let i = 0; i < actions.items.length; i++) run(c, id, i, actions.items[i]);
  emit('proposal_executed', '{' + ctxField(c) + ',"proposal":' + qh(id) + ',"at":"' + time.toString() + '"}');
}

function thresholdChanged (c: Context): void {
  emit('threshold_changed', '{' + ctxField(c) + ',"threshold":' + c.threshold.toString() + '}');
}

function run (c: Context, proposal: Uint8Array, index: i32, a: JValue): void {
  const type = strField(a, 'type');
  if (type == 'setThreshold') {
    c.threshold = u32Field(a, 'threshold');
    thresholdChanged(c);
  } else if (type == 'setActiveLimit') {
    c.activeLimit = u32Field(a, 'limit');
    emit('active_limit_changed', '{' + ctxField(c) + ',"limit":' + c.activeLimit.toString() + '}');
  } else if (type == 'addAdmin') {
    const id = id32Field(a, 'identity');
    const role = loadMember(c.id, id).role;
    if (role == ROLE_ADMIN) return;
    if (role == 0) memberAdded(c, id, ROLE_ADMIN);
    else roleChanged(c, id, ROLE_ADMIN);
    c.admins += 1;
  } else if (type == 'removeAdmin') {
    const id = id32Field(a, 'identity');
    roleChanged(c, id, ROLE_MEMBER);
    c.admins -= 1;
    if (c.threshold > c.admins) { c.threshold = c.admins; thresholdChanged(c); }
  } else if (type == 'setValue') {
    const key = hexField(a, 'key', MAX_VALUE_KEY_BYTES);
    setValue(c, key, hexField(a, 'value', MAX_VALUE_BYTES));
    // The value itself is in the proposal's actions (and the `value` view): logs are capped per receipt.
    emit('value_set', '{' + ctxField(c) + ',"proposal":' + qh(proposal) + ',"key":' + qh(key) + '}');
  } else if (type == 'deleteProposal') {
    const id = id32Field(a, 'proposal');
    removeProposalRow(c, id);
    emit('proposal_deleted', '{' + ctxField(c) + ',"proposal":' + qh(id) + '}');
  } else if (type == 'transfer') {
    const to = strField(a, 'to');
    const amount = amountField(a, 'amount', false);
    c.balance = c.balance.sub(amount);
    const p = promiseTransfer(to, amount);
    watch(c, proposal, index, p, amount);
    emit('transfer', '{' + ctxField(c) + ',"proposal":' + qh(proposal) + ',"index":' + index.toString() + ',"to":' + q(to) + ',"amount":"' + amount.toString() + '"}');
  } else if (type == 'call') {
    const target = strField(a, 'target');
    const method = strField(a, 'method');
    const args = has(a, 'args') ? hexField(a, 'args', MAX_CALL_ARGS_BYTES) : new Uint8Array(0);
    const deposit = amountField(a, 'deposit', true);
    const gas = gasField(a);
    c.balance = c.balance.sub(deposit);
    const p = promiseCall(target, method, args, deposit, gas);
    watch(c, proposal, index, p, deposit);
    emit('call', '{' + ctxField(c) + ',"proposal":' + qh(proposal) + ',"index":' + index.toString() + ',"target":' + q(target) + ',"method":' +
      q(method) + ',"deposit":"' + deposit.toString() + '","gas":"' + gas.toString() + '"}');
  }
}

/** Calls back `on_promise` once promise `p` has run, to give `refund` back to the context if it failed. */
function watch (c: Context, proposal: Uint8Array, index: i32, p: u64, refund: U128): void {
  const args = '{"context":' + qh(c.id) + ',"proposal":' + qh(proposal) + ',"index":' + index.toString() + ',"refund":"' + refund.toString() + '"}';
  promiseThenSelf(p, 'on_promise', utf8(args), CALLBACK_GAS);
}
