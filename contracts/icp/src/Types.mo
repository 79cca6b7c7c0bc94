// The context config canister's Candid types (contracts/icp/context_config.did is their
// interface). A request is a Candid-encoded `Request`; the context identity signs its
// bytes, so the canister checks exactly what was signed and decodes it with from_candid.
import Map "mo:core/Map";
import List "mo:core/List";

module {
  public type Role = { #admin; #member; #reader };
  public type Capability = { #ManageMembers; #ManageApplication; #Proxy };
  public type Target = { #identity : { identity : Blob }; #open : { key : Blob } };
  public type InvitationSpec = { id : Blob; target : Target; role : Role; expiresAt : Nat64; maxUses : Nat32 };

  public type ProposalAction = {
    #setThreshold : { threshold : Nat32 };
    #setActiveLimit : { limit : Nat32 };
    #addAdmin : { identity : Blob };
    #removeAdmin : { identity : Blob };
    #setValue : { key : Blob; value : Blob };
    #deleteProposal : { proposal : Blob };
    /** Pays `amount` e8s from the context's ledger account to `to`'s default account (Funds.mo). */
    #transfer : { to : Principal; amount : Nat };
    /** Calls `target`'s `method` with the Candid argument `arg`, attaching no cycles (Funds.mo). */
    #call : { target : Principal; method : Text; arg : Blob };
  };

  public type Share = { recipient : Blob; wrapped : Blob };

  public type Action = {
    #create : { application : Blob; salt : Blob };
    #addMember : { identity : Blob; role : Role };
    #removeMember : { identity : Blob; frontier : ?[Blob] };
    #setRole : { identity : Blob; role : Role };
    #grant : { identity : Blob; capability : Capability };
    #revoke : { identity : Blob; capability : Capability };
    #updateApplication : { application : Blob };
    #invite : { invitation : InvitationSpec };
    #revokeInvitation : { invitation : Blob };
    #claim : { invitation : Blob };
    #commitClaim : { invitation : Blob; commitment : Blob };
    #revealClaim : { invitation : Blob; proof : Blob };
    #leave : { frontier : ?[Blob] };
    #propose : { proposal : Blob; actions : [ProposalAction] };
    #approve : { proposal : Blob };
    #keys : { keyId : Blob; rotate : Bool; shares : [Share] };
  };

  public type Request = { context : Blob; identity : Blob; nonce : Nat64; action : Action };

  public type Outcome = { #executed; #failed : Text };
  public type Decided = { proposal : Blob; outcome : Outcome; at : Nat64 };

  // ---- State (kept across upgrades by enhanced orthogonal persistence) ----

  public type Member = { var role : Role; var caps : [Capability] };
  public type Invitation = { spec : InvitationSpec; var uses : Nat32; var revoked : Bool; createdBy : Blob };
  public type Proposal = { id : Blob; author : Blob; actions : [ProposalAction]; var approvals : [Blob]; createdAt : Nat64 };

  public type Context = {
    id : Blob;
    creator : Blob;
    genesisApplication : Blob;
    createdSeq : Nat;
    createdAt : Nat64;
    var application : Blob;
    var threshold : Nat;
    var activeLimit : Nat;
    var revision : Nat;
    var admins : Nat;
    var keyId : ?Blob;
    var membershipRoot : Blob;
    members : Map.Map<Blob, Member>;
    nonces : Map.Map<Blob, Nat64>;
    invitations : Map.Map<Blob, Invitation>;
    /** sha256(invitation ‖ commitment ‖ claimer): nobody can use another identity's commitment. */
    commitments : Map.Map<Blob, ()>;
    commitmentCount : Map.Map<Blob, Nat>;
    proposals : Map.Map<Blob, Proposal>;
    decided : Map.Map<Blob, ()>;
    history : List.List<Decided>;
    values : Map.Map<Blob, Blob>;
  };

  /** One accepted request in the canister's revision log (the change feed reads it). */
  public type Entry = {
    seq : Nat;
    context : Blob;
    identity : Blob;
    nonce : Nat64;
    revision : Nat;
    request : Blob;
    /** The identity's signature of the request: anyone can check the log without trusting the canister's word. */
    signature : Blob;
    time : Nat64;
    /** sha256 chain over every entry so far: the position's id, and the certified data. */
    hash : Blob;
  };

  // ---- Views ----

  public type MemberView = { identity : Blob; role : Role; capabilities : [Capability] };
  public type InvitationView = { spec : InvitationSpec; uses : Nat32; revoked : Bool; createdBy : Blob };
  public type ProposalView = { id : Blob; author : Blob; actions : [ProposalAction]; approvals : [Blob]; createdAt : Nat64 };
  public type Head = { seq : Nat; hash : Blob; time : Nat64 };

  public type View = {
    context : Blob;
    application : Blob;
    creator : Blob;
    genesisApplication : Blob;
    createdSeq : Nat;
    threshold : Nat32;
    activeLimit : Nat32;
    revision : Nat;
    members : [MemberView];
    invitations : [InvitationView];
    proposals : [ProposalView];
    history : [Decided];
    values : [{ key : Blob; value : Blob }];
    membershipRoot : Blob;
    head : Head;
  };

  /** A certified query's answer: the value (null: absent), the data certificate, the CBOR witness. */
  public type Witnessed = { value : ?Blob; certificate : ?Blob; witness : Blob };
}
