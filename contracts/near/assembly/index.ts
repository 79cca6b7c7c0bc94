// The Moorage context config contract for NEAR (docs/near.md, "The context config
// contract"): the entry points. Mutating methods settle storage staking at the end
// (storage.ts); views never write.
import { U128, attachedDeposit, callInput, currentAccount, fail, firstPromiseSucceeded, predecessor, promiseTransfer, returnText, storageUsage } from './env';
import { JValue, field, has, id32Field, onlyKeys, parseJson, q, qh, strField, u32Field, badRequest } from './json';
import { emit } from './events';
import { initialized, loadContext, removeStorageBalance, setChainId, setStorageBalance, storageBalance } from './state';
import { mutate as applyRequest } from './requests';
import { settleStorage } from './storage';
import { validAccountId } from './account';
import * as views from './views';

/** AssemblyScript's abort (assertions, out-of-bounds) as a NEAR panic with the message. */
export function nearAbort (message: string | null, file: string | null, line: u32, column: u32): void {
  fail('Abort: ' + (message === null ? '' : message!) + ' at ' + (file === null ? '?' : file!) + ':' + line.toString() + ':' + column.toString());
}

function args (): JValue {
  return parseJson(callInput());
}

/** Once, by the contract account itself (deploy and init in one transaction): the chain id requests are signed for. */
export function new_ (): void {
  if (predecessor() != currentAccount()) fail('OnlySelf: only ' + currentAccount() + ' may initialise the contract');
  if (initialized()) fail('AlreadyInitialized: the contract is initialised already');
  const a = args();
  onlyKeys(a, ['chain_id'], 'the arguments');
  const id = strField(a, 'chain_id');
  if (id.length == 0 || id.length > 64 || id.includes('\0')) badRequest('"chain_id" must be 1 to 64 characters without NUL');
  setChainId(id);
}

/** `mutate({"request", "signature"})`: one signed request (docs/near.md). Any account may send it. */
export function mutate (): void {
  const before = storageUsage();
  const result = applyRequest(callInput());
  settleStorage(before);
  returnText(result);
}

/** Adds the attached deposit to a context's funds (what its transfer and call proposals spend). */
export function fund (): void {
  const a = args();
  onlyKeys(a, ['context'], 'the arguments');
  const c = loadContext(id32Field(a, 'context'));
  if (c === null) fail('UnknownContext: no context on this contract');
  const amount = attachedDeposit();
  if (amount.isZero()) badRequest('attach the amount to fund the context with');
  c!.balance = c!.balance.add(amount);
  c!.save();
  emit('funded', '{"context":' + qh(c!.id) + ',"from":' + q(predecessor()) + ',"amount":"' + amount.toString() + '","balance":"' + c!.balance.toString() + '"}');
  returnText('"' + c!.balance.toString() + '"');
}

/** Callback of a proposal's transfer or call: a failed one gives its amount back to the context. */
export function on_promise (): void {
  if (predecessor() != currentAccount()) fail('OnlySelf: on_promise is this contract\'s own callback');
  const a = args();
  const c = loadContext(id32Field(a, 'context'));
  if (c === null) fail('UnknownContext: no context on this contract');
  const proposal = id32Field(a, 'proposal');
  const index = u32Field(a, 'index');
  const refund = U128.parse(strField(a, 'refund'));
  const base = '{"context":' + qh(c!.id) + ',"proposal":' + qh(proposal) + ',"index":' + index.toString();
  if (firstPromiseSucceeded()) {
    emit('promise_done', base + '}');
    returnText('true');
    return;
  }
  c!.balance = c!.balance.add(refund!);
  c!.save();
  emit('promise_failed', base + ',"refund":"' + refund!.toString() + '","balance":"' + c!.balance.toString() + '"}');
  returnText('false');
}

/** NEP-145 style: prepays storage for `account_id` (default: the caller). */
export function storage_deposit (): void {
  const before = storageUsage();
  const a = args();
  onlyKeys(a, ['account_id', 'registration_only'], 'the arguments');
  const payer = predecessor();
  const account = has(a, 'account_id') ? strField(a, 'account_id') : payer;
  if (!validAccountId(account)) badRequest('"account_id" is not a valid NEAR account id');
  const deposit = attachedDeposit();
  if (account == payer) {
    settleStorage(before); // credits the deposit (minus the row's own bytes) to the caller
  } else {
    setStorageBalance(account, storageBalance(account).add(deposit));
    const after = storageUsage();
    if (after > before) {
      // the new row is paid from the deposit itself
      const cost = new U128(10000000000000000000, 0).mulSmall(after - before);
      const now = storageBalance(account);
      if (now.lt(cost)) fail('StorageNotPaid: the deposit does not cover the storage balance row');
      setStorageBalance(account, now.sub(cost));
    }
  }
  returnText('{"total":"' + storageBalance(account).toString() + '","available":"' + storageBalance(account).toString() + '"}');
}

/** Sends back `amount` (default: all) of the caller's storage balance; needs exactly 1 yoctoNEAR attached (a full-access key). */
export function storage_withdraw (): void {
  const a = args();
  onlyKeys(a, ['amount'], 'the arguments');
  const deposit = attachedDeposit();
  if (!(deposit.lo == 1 && deposit.hi == 0)) fail('OneYocto: attach exactly 1 yoctoNEAR');
  const account = predecessor();
  const have = storageBalance(account);
  let amount = have;
  if (has(a, 'amount')) {
    const parsed = U128.parse(strField(a, 'amount'));
    if (parsed === null) badRequest('"amount" must be a decimal string of yoctoNEAR');
    amount = parsed!;
  }
  if (have.lt(amount)) fail('StorageBalanceTooLow: ' + account + ' has ' + have.toString() + ' yoctoNEAR of storage balance');
  const left = have.sub(amount);
  if (left.isZero()) removeStorageBalance(account);
  else setStorageBalance(account, left);
  promiseTransfer(account, amount.add(deposit));
  returnText('{"total":"' + left.toString() + '","available":"' + left.toString() + '"}');
}

// ---- Views ----

export function config (): void { returnText(views.config()); }
export function context (): void { returnText(views.context(args())); }
export function members (): void { returnText(views.members(args())); }
export function member (): void { returnText(views.member(args())); }
export function nonce (): void { returnText(views.nonce(args())); }
export function invitations (): void { returnText(views.invitations(args())); }
export function invitation (): void { returnText(views.invitation(args())); }
export function commitment (): void { returnText(views.commitment(args())); }
export function proposals (): void { returnText(views.proposals(args())); }
export function proposal (): void { returnText(views.proposal(args())); }
export function history (): void { returnText(views.history(args())); }
export function proposal_outcome (): void { returnText(views.proposalOutcome(args())); }
export function values (): void { returnText(views.values(args())); }
export function value (): void { returnText(views.value(args())); }
export function key_share (): void { returnText(views.keyShare(args())); }
export function context_id (): void { returnText(views.contextId(args())); }
export function storage_balance_of (): void { returnText(views.storageBalanceOf(args())); }

export { new_ as new };
