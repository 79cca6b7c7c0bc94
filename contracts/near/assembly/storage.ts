// Storage staking: whoever adds storage pays for it, never the contract's own balance
// (otherwise anyone could create contexts until the contract's balance is all locked in
// staking and every write fails). A mutating call's growth in bytes × 10^19 yoctoNEAR is
// taken from the attached deposit, then from the caller's prepaid storage balance
// (`storage_deposit`, NEP-145 style, so a relayer with a function-call key — which cannot
// attach deposits — can still pay); what is left of the deposit is credited to that balance.
// Freed storage is not refunded: whoever frees it is often not whoever paid for it.
import { U128, attachedDeposit, fail, predecessor, storageUsage } from './env';
import { setStorageBalance, storageBalance } from './state';

/** yoctoNEAR per byte (nearcore's storage_amount_per_byte). */
export const STORAGE_PRICE: U128 = new U128(10000000000000000000, 0);

export function storageCost (bytes: u64): U128 {
  return STORAGE_PRICE.mulSmall(bytes);
}

/** Settles the storage a call added since `before` (storage_usage() when the call began). */
export function settleStorage (before: u64): void {
  const account = predecessor();
  const deposit = attachedDeposit();
  const prepaid = storageBalance(account);
  let available = prepaid.add(deposit);
  // Write the balance row first (same size whatever its value) so its own bytes are counted.
  const touches = !deposit.isZero() || !prepaid.isZero();
  if (touches) setStorageBalance(account, available);
  const after = storageUsage();
  if (after > before) {
    const cost = storageCost(after - before);
    if (available.lt(cost)) {
      fail('StorageNotPaid: this request adds ' + (after - before).toString() + ' bytes of storage, ' + cost.toString() +
        ' yoctoNEAR; attach at least that (the rest is kept as your storage balance) or call storage_deposit first (' +
        account + ' has ' + prepaid.toString() + ' prepaid)');
    }
    available = available.sub(cost);
  }
  if (touches) setStorageBalance(account, available);
}
