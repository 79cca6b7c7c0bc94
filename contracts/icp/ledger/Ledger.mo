// A small ICRC-1 ledger: the ICP ledger as the devnet models it, so that the context config
// canister's transfer proposals move real balances through real inter-canister calls.
// Accounts are (owner, 32-byte subaccount); icrc1_transfer debits the caller's account by
// the amount plus a fixed fee (burnt), as the ICP ledger does. Not modelled: the minting
// account (a controller mints with `mint` instead), deduplication by created_at_time and
// memo, approvals (ICRC-2), blocks and archives (a transfer's index is a counter).
import Array "mo:core/Array";
import Blob "mo:core/Blob";
import Map "mo:core/Map";
import Nat8 "mo:core/Nat8";
import Principal "mo:core/Principal";
import Runtime "mo:core/Runtime";

persistent actor Ledger {
  public type Account = { owner : Principal; subaccount : ?Blob };
  public type TransferArg = {
    from_subaccount : ?Blob;
    to : Account;
    amount : Nat;
    fee : ?Nat;
    memo : ?Blob;
    created_at_time : ?Nat64;
  };
  public type TransferError = {
    #BadFee : { expected_fee : Nat };
    #BadBurn : { min_burn_amount : Nat };
    #InsufficientFunds : { balance : Nat };
    #TooOld;
    #CreatedInFuture : { ledger_time : Nat64 };
    #Duplicate : { duplicate_of : Nat };
    #TemporarilyUnavailable;
    #GenericError : { error_code : Nat; message : Text };
  };

  let FEE = 10_000;
  let MAX_MEMO = 32;
  // Key: the 32-byte subaccount, then the owner's bytes (a principal is at most 29 bytes).
  let balances = Map.empty<Blob, Nat>();
  var supply = 0;
  var index = 0;

  func key(a : Account) : Blob {
    let sub = switch (a.subaccount) {
      case (?s) { if (s.size() != 32) Runtime.trap("a subaccount is 32 bytes"); Blob.toArray(s) };
      case null Array.repeat<Nat8>(0, 32)
    };
    Blob.fromArray(Array.concat<Nat8>(sub, Blob.toArray(Principal.toBlob(a.owner))))
  };
  func balance(a : Account) : Nat { switch (Map.get(balances, Blob.compare, key(a))) { case (?n) n; case null 0 } };
  func credit(a : Account, n : Nat) { Map.add(balances, Blob.compare, key(a), balance(a) + n) };

  public query func icrc1_balance_of(a : Account) : async Nat { balance(a) };
  public query func icrc1_fee() : async Nat { FEE };
  public query func icrc1_decimals() : async Nat8 { 8 };
  public query func icrc1_symbol() : async Text { "ICP" };
  public query func icrc1_name() : async Text { "Internet Computer (devnet)" };
  public query func icrc1_total_supply() : async Nat { supply };

  public shared ({ caller }) func icrc1_transfer(arg : TransferArg) : async { #Ok : Nat; #Err : TransferError } {
    let from = { owner = caller; subaccount = arg.from_subaccount };
    switch (arg.fee) { case (?f) { if (f != FEE) return #Err(#BadFee { expected_fee = FEE }) }; case null {} };
    switch (arg.memo) {
      case (?m) { if (m.size() > MAX_MEMO) return #Err(#GenericError { error_code = 1; message = "the memo holds at most 32 bytes" }) };
      case null {}
    };
    let have = balance(from);
    if (have < arg.amount + FEE) return #Err(#InsufficientFunds { balance = have });
    Map.add(balances, Blob.compare, key(from), have - arg.amount - FEE);
    credit(arg.to, arg.amount);
    supply -= FEE;
    index += 1;
    #Ok(index - 1)
  };

  /** Creates `amount` in `to` (the devnet's stand-in for transfers from the minting account); controllers only. */
  public shared ({ caller }) func mint(to : Account, amount : Nat) : async Nat {
    if (not Principal.isController(caller)) Runtime.trap("only a controller of the ledger mints");
    credit(to, amount);
    supply += amount;
    index += 1;
    index - 1
  };
}
