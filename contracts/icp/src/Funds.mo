// A context's funds and the proposal actions that leave the canister: `transfer` pays ICP
// out of the context's own account on an ICRC-1 ledger, `call` calls another canister.
// The canister owns one ledger account per context: (this canister, subaccount
// sha256("moorage:icp:funds:v1" ‖ context)), so one context's proposals can spend only what
// was sent to that context's account. docs/icp.md#funds-transfers-and-calls.
import Array "mo:core/Array";
import Blob "mo:core/Blob";
import Error "mo:core/Error";
import IC "mo:core/InternetComputer";
import Nat "mo:core/Nat";
import Principal "mo:core/Principal";
import Text "mo:core/Text";
import Sha2 "Sha2";
import T "Types";

module {
  public type Account = { owner : Principal; subaccount : ?Blob };
  public type TransferArg = { from_subaccount : ?Blob; to : Account; amount : Nat; fee : ?Nat; memo : ?Blob; created_at_time : ?Nat64 };
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
  /** The ICRC-1 methods the canister uses. */
  public type Ledger = actor {
    icrc1_balance_of : shared query Account -> async Nat;
    icrc1_fee : shared query () -> async Nat;
    icrc1_transfer : shared TransferArg -> async { #Ok : Nat; #Err : TransferError };
  };

  func management() : Principal { Principal.fromText("aaaaa-aa") };
  let MAX_METHOD = 256;

  /** The subaccount holding `context`'s funds. */
  public func subaccount(context : Blob) : Blob {
    Blob.fromArray(Sha2.sha256(Array.concat<Nat8>(Blob.toArray(Text.encodeUtf8("moorage:icp:funds:v1")), Blob.toArray(context))))
  };

  /** Whether the actions leave the canister (then they run after the request, once the ledger or callee answered). */
  public func leaves(actions : [T.ProposalAction]) : Bool {
    Array.any<T.ProposalAction>(actions, func(a) { switch a { case (#transfer(_) or #call(_)) true; case _ false } })
  };

  func transferFailed(amount : Nat, to : Principal, why : Text) : Text {
    "TransferFailed: the transfer of " # Nat.toText(amount) # " e8s to " # Principal.toText(to) # " failed (" # why # ")"
  };
  func callFailed(target : Principal, why : Text) : Text {
    "CallFailed: the call to " # Principal.toText(target) # " reverted (" # why # ")"
  };

  /** A proposal's shape rules for these actions (a refusal of the request). */
  public func shapeError(a : T.ProposalAction) : ?Text {
    switch a {
      case (#call(x)) { if (Text.size(x.method) == 0 or Text.size(x.method) > MAX_METHOD) ?"Other: a call names a method of 1 to 256 characters" else null };
      case _ null
    }
  };

  /** Why the actions cannot run, judged before anything runs (no ledger, a forbidden callee); null when they may. */
  public func precheck(actions : [T.ProposalAction], ledger : ?Principal, self : Principal) : ?Text {
    for (a in actions.vals()) {
      switch a {
        case (#transfer(x)) { if (ledger == null) return ?transferFailed(x.amount, x.to, "this canister has no ledger; its controller sets one with setLedger") };
        case (#call(x)) {
          // A call into the ledger could spend every context's funds; into this canister or the management canister, change its rules.
          if (?x.target == ledger or x.target == self or x.target == management()) return ?callFailed(x.target, "a context may not call the ledger, this canister or the management canister")
        };
        case _ {}
      }
    };
    null
  };

  /**
   * Runs the transfers and calls in order, after checking every transfer (with its fee)
   * against the context's balance: beyond it, the proposal fails and nothing moves. The
   * reason of the first failure, or null when all ran. A transfer or call failing after
   * earlier ones ran cannot undo them (a canister's calls are not atomic).
   */
  public func run(actions : [T.ProposalAction], ledgerId : ?Principal, self : Principal, context : Blob, memo : Blob) : async* ?Text {
    let from = subaccount(context);
    let transfers = Array.filterMap<T.ProposalAction, { to : Principal; amount : Nat }>(actions, func(a) { switch a { case (#transfer(x)) ?x; case _ null } });
    var fee = 0;
    switch ledgerId {
      case (?id) {
        if (transfers.size() > 0) {
          let ledger : Ledger = actor (Principal.toText(id));
          let first = transfers[0];
          // Both asked at once: one round trip.
          let (f, balance) = try {
            let f = ledger.icrc1_fee();
            let b = ledger.icrc1_balance_of({ owner = self; subaccount = ?from });
            (await f, await b)
          } catch (e) { return ?transferFailed(first.amount, first.to, "the ledger did not answer: " # Error.message(e)) };
          fee := f;
          var left = balance;
          for (t in transfers.vals()) {
            if (t.amount + fee > left) return ?transferFailed(t.amount, t.to, "beyond the context's funds: " # Nat.toText(left) # " e8s left after earlier transfers, the fee is " # Nat.toText(fee));
            left -= t.amount + fee
          }
        }
      };
      case null {}
    };
    for (a in actions.vals()) {
      switch a {
        case (#transfer(x)) {
          let ledger : Ledger = actor (Principal.toText(switch ledgerId { case (?id) id; case null return ?transferFailed(x.amount, x.to, "no ledger") }));
          let arg = { from_subaccount = ?from; to = { owner = x.to; subaccount = null }; amount = x.amount; fee = ?fee; memo = ?memo; created_at_time = null };
          let why = try {
            switch (await ledger.icrc1_transfer(arg)) { case (#Ok(_)) null; case (#Err(e)) ?describe(e) }
          } catch (e) { ?("the ledger rejected the call: " # Error.message(e)) };
          switch why { case (?w) return ?transferFailed(x.amount, x.to, w); case null {} }
        };
        case (#call(x)) {
          let why = try { ignore await IC.call(x.target, x.method, x.arg); null } catch (e) { ?Error.message(e) };
          switch why { case (?w) return ?callFailed(x.target, w); case null {} }
        };
        case _ {}
      }
    };
    null
  };

  func describe(e : TransferError) : Text {
    switch e {
      case (#BadFee(x)) "the ledger's fee is now " # Nat.toText(x.expected_fee) # " e8s";
      case (#BadBurn(_)) "the ledger took it as a burn";
      case (#InsufficientFunds(x)) "the context's account holds " # Nat.toText(x.balance) # " e8s";
      case (#TooOld) "too old";
      case (#CreatedInFuture(_)) "created in the future";
      case (#Duplicate(x)) "a duplicate of transfer " # Nat.toText(x.duplicate_of);
      case (#TemporarilyUnavailable) "the ledger is temporarily unavailable";
      case (#GenericError(x)) x.message
    }
  };
}
