// The context config canister: the governance of many contexts (members, roles,
// capabilities, the application, invitations identity-bound and open by commit–reveal,
// group-key shares, proposals with a threshold and an active limit, values), with the
// rules of the shared reducer (src/governance/acl.ts) and of the Solidity and NEAR
// contracts. Every request is signed by the acting context identity (ed25519, verified
// here), so any principal may relay it; nonces are per (context, identity) and kept for
// good, so a removed member's old requests stay refused. A refusal traps with
// "<RefusalCode>: why" (src/governance/refusals.ts), which keeps nothing of the request.
// Accepted requests go into one revision log whose sha256 chain is the head; the certified
// data is the root hash of the tree of Certified.mo (the head, and per context its members,
// application and revision), which the query `certified` answers from with a witness.
// State survives upgrades by enhanced orthogonal persistence (the heap is kept).
import Array "mo:core/Array";
import Blob "mo:core/Blob";
import CertifiedData "mo:core/CertifiedData";
import Int "mo:core/Int";
import List "mo:core/List";
import Map "mo:core/Map";
import Nat "mo:core/Nat";
import Nat8 "mo:core/Nat8";
import Nat32 "mo:core/Nat32";
import Nat64 "mo:core/Nat64";
import Principal "mo:core/Principal";
import Runtime "mo:core/Runtime";
import Text "mo:core/Text";
import Time "mo:core/Time";
import Certified "Certified";
import Ed25519 "Ed25519";
import Funds "Funds";
import HashTree "HashTree";
import Sha2 "Sha2";
import T "Types";

persistent actor ContextConfig {
  type Context = T.Context;

  let MAX_REQUEST_BYTES = 16384;
  let MAX_ACTIONS = 16;
  let MAX_COMMITMENTS = 64;
  let MAX_FRONTIER = 64;
  let MAX_SHARES = 256;
  let MAX_WRAPPED = 512;
  let MAX_VALUE_KEY = 256;
  let MAX_VALUE = 1024;
  let MAX_LOG_PAGE = 100;
  let DEFAULT_THRESHOLD = 1;
  let DEFAULT_ACTIVE_LIMIT = 10;

  let contexts = Map.empty<Blob, Context>();
  let log = List.empty<T.Entry>();
  var head : Blob = Blob.fromArray(Array.repeat<Nat8>(0, 32));
  var headTime : Nat64 = 0;
  var tree : Certified.Tree = Certified.empty();
  // Funds (Funds.mo): the ICRC-1 ledger the contexts' accounts are on, and the contexts whose
  // decided proposal is moving funds or calling (every other request of theirs waits).
  var ledger : ?Principal = null;
  let moving = Map.empty<Blob, ()>();
  transient var leaving : ?T.Proposal = null;

  // ---- Helpers ----

  func bytes(b : Blob) : [Nat8] { Blob.toArray(b) };
  func text(s : Text) : [Nat8] { Blob.toArray(Text.encodeUtf8(s)) };
  func sha256(parts : [[Nat8]]) : Blob { Blob.fromArray(Sha2.sha256(Array.flatten<Nat8>(parts))) };
  func fail(why : Text) : None { Runtime.trap(why) };
  func nowMs() : Nat64 { Nat64.fromNat(Int.abs(Time.now()) / 1_000_000) };

  let HEX = "0123456789abcdef";
  func hex(b : Blob) : Text {
    let digits = Text.toArray(HEX);
    var out = "";
    for (x in Blob.toArray(b).vals()) {
      let n = Nat8.toNat(x);
      out #= Text.fromChar(digits[n / 16]) # Text.fromChar(digits[n % 16])
    };
    out
  };
  func short(b : Blob) : Text {
    let h = Text.toArray(hex(b));
    Text.fromArray(Array.sliceToArray<Char>(h, 0, Nat.min(12, h.size())))
  };
  func be64(n : Nat) : [Nat8] { Array.tabulate<Nat8>(8, func(i) { Nat8.fromNat((n / (256 ** (7 - i))) % 256) }) };

  func id32(b : Blob, what : Text) { if (b.size() != 32) fail("Other: " # what # " must be 32 bytes") };
  func isZero(b : Blob) : Bool { Array.all<Nat8>(bytes(b), func(x) { x == 0 }) };

  func roleName(r : T.Role) : Text { switch r { case (#admin) "admin"; case (#member) "member"; case (#reader) "reader" } };
  func capName(c : T.Capability) : Text {
    switch c { case (#ManageMembers) "ManageMembers"; case (#ManageApplication) "ManageApplication"; case (#Proxy) "Proxy" }
  };

  func member(c : Context, id : Blob) : ?T.Member { Map.get(c.members, Blob.compare, id) };
  func isMember(c : Context, id : Blob) : Bool { Map.containsKey(c.members, Blob.compare, id) };
  func isAdmin(c : Context, id : Blob) : Bool {
    switch (member(c, id)) { case (?m) m.role == #admin; case null false }
  };
  func need(c : Context, who : Blob, cap : T.Capability) {
    switch (member(c, who)) {
      case (?m) { if (m.role == #admin or Array.contains<T.Capability>(m.caps, func(a, b) { a == b }, cap)) return };
      case null {}
    };
    fail("MissingCapability: " # short(who) # " lacks the " # capName(cap) # " capability")
  };

  func roleByte(r : T.Role) : Nat8 { switch r { case (#admin) 1; case (#member) 2; case (#reader) 3 } };
  func capsByte(cs : [T.Capability]) : Nat8 {
    var b : Nat8 = 0;
    for (c in cs.vals()) { b |= (switch c { case (#ManageMembers) 1; case (#ManageApplication) 2; case (#Proxy) 4 }) };
    b
  };

  /** sha256 over the members in identity order: what a claim on membership is checked against. */
  func membershipRoot(c : Context) : Blob {
    let parts = List.empty<[Nat8]>();
    List.add(parts, text("moorage:icp:members:v1"));
    List.add(parts, bytes(c.id));
    for ((id, m) in Map.entries(c.members)) {
      List.add(parts, bytes(id));
      List.add(parts, [roleByte(m.role), capsByte(m.caps)])
    };
    sha256(List.toArray(parts))
  };

  func memberEntry(c : Context, id : Blob) : ?Blob {
    switch (member(c, id)) { case (?m) ?Blob.fromArray([roleByte(m.role), capsByte(m.caps)]); case null null }
  };

  /** Every identity whose membership `action` by `author` may change: what the certified tree updates. */
  func touched(c : Context, author : Blob, action : T.Action) : [Blob] {
    func admins(actions : [T.ProposalAction]) : [Blob] {
      Array.concat<Blob>([author], Array.filterMap<T.ProposalAction, Blob>(actions, func(a) {
        switch a { case (#addAdmin(x)) ?x.identity; case (#removeAdmin(x)) ?x.identity; case _ null }
      }))
    };
    switch action {
      case (#addMember(a)) [author, a.identity];
      case (#removeMember(a)) [author, a.identity];
      case (#setRole(a)) [author, a.identity];
      case (#grant(a)) [author, a.identity];
      case (#revoke(a)) [author, a.identity];
      case (#propose(a)) admins(a.actions);
      case (#approve(a)) switch (Map.get(c.proposals, Blob.compare, a.proposal)) { case (?p) admins(p.actions); case null [author] };
      case _ [author]
    }
  };

  func certify(c : Context, ids : [Blob]) {
    tree := Certified.update(tree, head, c.id, c.application, c.revision, Array.map<Blob, (Blob, ?Blob)>(ids, func(id) { (id, memberEntry(c, id)) }));
    if (Certified.memberCount(tree, c.id) != Map.size(c.members)) fail("Other: the certified tree is out of step with the members of " # hex(c.id));
    CertifiedData.set(Certified.root(tree))
  };

  func addMember(c : Context, id : Blob, role : T.Role, caps : [T.Capability]) {
    Map.add(c.members, Blob.compare, id, { var role = role; var caps = caps });
  };

  // ---- Requests ----

  func signedMessage(request : Blob) : [Nat8] {
    Array.flatten<Nat8>([text("moorage:icp:v1"), [0], bytes(Principal.toBlob(Principal.fromActor(ContextConfig))), [0], bytes(request)])
  };

  public func mutate(request : Blob, signature : Blob) : async { revision : Nat; seq : Nat } {
    if (request.size() > MAX_REQUEST_BYTES) fail("Other: the request exceeds " # Nat.toText(MAX_REQUEST_BYTES) # " bytes");
    if (signature.size() != 64) fail("BadSignature: the signature must be 64 bytes");
    let req : T.Request = switch (from_candid (request) : ?T.Request) {
      case (?r) r;
      case null fail("Other: the request is not a Candid-encoded Request")
    };
    id32(req.context, "context");
    id32(req.identity, "identity");
    let verified = Ed25519.verify(bytes(req.identity), signedMessage(request), bytes(signature));
    var ids = [req.identity];
    let c : Context = switch (req.action) {
      case (#create(a)) {
        if (not verified) fail("BadSignature: the signature does not verify against identity " # hex(req.identity) # " (or names another canister)");
        create(req, a.application, a.salt)
      };
      case _ {
        let c = switch (Map.get(contexts, Blob.compare, req.context)) {
          case (?c) c;
          case null fail("UnknownContext: no context " # hex(req.context) # " on this contract")
        };
        if (not verified) fail("BadSignature: the signature does not verify against identity " # hex(req.identity) # " (or names another canister)");
        if (Map.containsKey(moving, Blob.compare, c.id)) fail("Other: a proposal of this context is moving funds or calling; send the request again once it is decided");
        let last : Nat64 = switch (Map.get(c.nonces, Blob.compare, req.identity)) { case (?n) n; case null 0 };
        if (req.nonce <= last) fail("StaleNonce: stale nonce " # Nat64.toText(req.nonce) # ": the last accepted nonce of " # short(req.identity) # " is " # Nat64.toText(last));
        Map.add(c.nonces, Blob.compare, req.identity, req.nonce);
        ids := touched(c, req.identity, req.action);
        apply(c, req.identity, req.action);
        c.revision += 1;
        c
      }
    };
    // A proposal this request decided that transfers or calls runs now, before the entry is logged.
    switch (leaving) { case (?p) { leaving := null; await* leave(c, p) }; case null {} };
    c.membershipRoot := membershipRoot(c);
    let seq = List.size(log) + 1;
    let time = nowMs();
    head := sha256([text("moorage:icp:log:v1"), bytes(head), be64(seq), bytes(c.id), bytes(Blob.fromArray(Sha2.sha256(bytes(request)))), bytes(c.membershipRoot)]);
    headTime := time;
    List.add(log, { seq; context = c.id; identity = req.identity; nonce = req.nonce; revision = c.revision; request; signature; time; hash = head });
    certify(c, ids);
    { revision = c.revision; seq }
  };

  func create(req : T.Request, application : Blob, salt : Blob) : Context {
    id32(application, "application");
    id32(salt, "salt");
    if (req.context != sha256([text("moorage:context:v1"), bytes(req.identity), bytes(application), bytes(salt)])) {
      fail("Other: the context id must be sha256(\"moorage:context:v1\" ‖ identity ‖ application ‖ salt)")
    };
    if (Map.containsKey(contexts, Blob.compare, req.context)) fail("ContextExists: context " # hex(req.context) # " exists already");
    if (isZero(application)) fail("BadApplication: the application id must be 32 bytes, not all zero");
    if (req.nonce != 0) fail("Other: a create request carries nonce 0");
    let c : Context = {
      id = req.context;
      creator = req.identity;
      genesisApplication = application;
      createdSeq = List.size(log) + 1;
      createdAt = nowMs();
      var application = application;
      var threshold = DEFAULT_THRESHOLD;
      var activeLimit = DEFAULT_ACTIVE_LIMIT;
      var revision = 1;
      var admins = 1;
      var keyId = null;
      var membershipRoot = head;
      members = Map.empty();
      nonces = Map.empty();
      invitations = Map.empty();
      commitments = Map.empty();
      commitmentCount = Map.empty();
      proposals = Map.empty();
      decided = Map.empty();
      history = List.empty();
      values = Map.empty();
    };
    addMember(c, req.identity, #admin, []);
    Map.add(contexts, Blob.compare, c.id, c);
    c
  };

  func checkFrontier(f : ?[Blob]) {
    switch f {
      case (?ids) {
        if (ids.size() > MAX_FRONTIER) fail("Other: a frontier holds at most 64 ids");
        for (id in ids.vals()) id32(id, "a frontier id")
      };
      case null {}
    }
  };

  func invitation(c : Context, id : Blob) : T.Invitation {
    switch (Map.get(c.invitations, Blob.compare, id)) { case (?i) i; case null fail("NoSuchInvitation: no such invitation") }
  };

  func usable(c : Context, inv : T.Invitation, claimer : Blob) {
    if (inv.revoked) fail("InvitationRevoked: the invitation was revoked");
    if (nowMs() > inv.spec.expiresAt) fail("InvitationExpired: the invitation expired at " # Nat64.toText(inv.spec.expiresAt) # " ms");
    if (inv.uses >= inv.spec.maxUses) fail("NoUsesLeft: the invitation has no uses left");
    if (isMember(c, claimer)) fail("ClaimerIsMember: already a member")
  };

  func admit(c : Context, inv : T.Invitation, claimer : Blob) {
    inv.uses += 1;
    addMember(c, claimer, inv.spec.role, [])
  };

  func commitmentSlot(invitation : Blob, commitment : Blob, claimer : Blob) : Blob {
    sha256([bytes(invitation), bytes(commitment), bytes(claimer)])
  };

  func apply(c : Context, author : Blob, action : T.Action) {
    switch action {
      case (#create(_)) fail("ContextExists: context " # hex(c.id) # " exists already");
      case (#addMember(a)) {
        id32(a.identity, "identity");
        if (a.role == #admin) fail("AdminAddNeedsProposal: admins are added through an addAdmin proposal");
        need(c, author, #ManageMembers);
        if (isMember(c, a.identity)) fail("AlreadyMember: " # short(a.identity) # " is already a member");
        addMember(c, a.identity, a.role, [])
      };
      case (#removeMember(a)) {
        checkFrontier(a.frontier);
        let m = switch (member(c, a.identity)) { case (?m) m; case null fail("NotMember: " # short(a.identity) # " is not a member") };
        if (m.role == #admin) fail("AdminRemoveNeedsProposal: admins are removed through a removeAdmin proposal");
        need(c, author, #ManageMembers);
        Map.remove(c.members, Blob.compare, a.identity)
      };
      case (#setRole(a)) {
        let m = switch (member(c, a.identity)) { case (?m) m; case null fail("NotMember: " # short(a.identity) # " is not a member") };
        if (m.role == #admin or a.role == #admin) fail("AdminRoleNeedsProposal: admin roles change through proposals");
        need(c, author, #ManageMembers);
        m.role := a.role
      };
      case (#grant(a)) {
        if (not isAdmin(c, author)) fail("OnlyAdminsCapabilities: only admins grant capabilities");
        let m = switch (member(c, a.identity)) { case (?m) m; case null fail("NotMember: " # short(a.identity) # " is not a member") };
        if (not Array.contains<T.Capability>(m.caps, func(x, y) { x == y }, a.capability)) m.caps := Array.concat(m.caps, [a.capability])
      };
      case (#revoke(a)) {
        if (not isAdmin(c, author)) fail("OnlyAdminsCapabilities: only admins revoke capabilities");
        let m = switch (member(c, a.identity)) { case (?m) m; case null fail("NotMember: " # short(a.identity) # " is not a member") };
        m.caps := Array.filter<T.Capability>(m.caps, func(x) { x != a.capability })
      };
      case (#updateApplication(a)) {
        id32(a.application, "application");
        if (isZero(a.application)) fail("BadApplication: the application id must be 32 bytes, not all zero");
        need(c, author, #ManageApplication);
        c.application := a.application
      };
      case (#invite(a)) {
        let spec = a.invitation;
        id32(spec.id, "the invitation id");
        switch (spec.target) { case (#identity(t)) id32(t.identity, "the invitee"); case (#open(t)) id32(t.key, "the invitation key") };
        need(c, author, #ManageMembers);
        if (Map.containsKey(c.invitations, Blob.compare, spec.id)) fail("InvitationExists: an invitation with this id exists");
        if (spec.role == #admin) fail("InvitationRole: invitations grant the member or reader role");
        if (spec.maxUses < 1) fail("MaxUsesNotPositive: maxUses must be a positive integer");
        if (spec.expiresAt <= nowMs()) fail("AlreadyExpired: the invitation is already expired");
        switch (spec.target) {
          case (#identity(t)) { if (isMember(c, t.identity)) fail("InviteeIsMember: the invitee is already a member") };
          case _ {}
        };
        Map.add(c.invitations, Blob.compare, spec.id, { spec; var uses : Nat32 = 0; var revoked = false; createdBy = author })
      };
      case (#revokeInvitation(a)) {
        let inv = invitation(c, a.invitation);
        need(c, author, #ManageMembers);
        inv.revoked := true
      };
      case (#claim(a)) {
        let inv = invitation(c, a.invitation);
        switch (inv.spec.target) {
          case (#open(_)) fail("OpenInvitationNeedsReveal: an open invitation is claimed by commitClaim then revealClaim");
          case (#identity(t)) { if (t.identity != author) fail("NamesAnotherIdentity: the invitation names another identity") }
        };
        usable(c, inv, author);
        admit(c, inv, author)
      };
      case (#commitClaim(a)) {
        id32(a.commitment, "commitment");
        let inv = invitation(c, a.invitation);
        switch (inv.spec.target) { case (#open(_)) {}; case _ fail("CommitNeedsOpenInvitation: only open invitations take commitments") };
        let count = switch (Map.get(c.commitmentCount, Blob.compare, a.invitation)) { case (?n) n; case null 0 };
        if (count >= MAX_COMMITMENTS) fail("TooManyCommitments: too many commitments for this invitation");
        usable(c, inv, author);
        let slot = commitmentSlot(a.invitation, a.commitment, author);
        if (not Map.containsKey(c.commitments, Blob.compare, slot)) {
          Map.add(c.commitments, Blob.compare, slot, ());
          Map.add(c.commitmentCount, Blob.compare, a.invitation, count + 1)
        }
      };
      case (#revealClaim(a)) {
        let inv = invitation(c, a.invitation);
        let key = switch (inv.spec.target) { case (#open(t)) t.key; case _ fail("NotOpenInvitation: not an open invitation") };
        let commitment = sha256([text("moorage:commit:v1"), bytes(a.invitation), bytes(author), bytes(a.proof)]);
        let slot = commitmentSlot(a.invitation, commitment, author);
        if (not Map.containsKey(c.commitments, Blob.compare, slot)) fail("NoMatchingCommitment: no earlier commitment by this identity matches the reveal");
        let message = Array.flatten<Nat8>([text("moorage:claim:v1"), bytes(c.id), bytes(a.invitation), bytes(author)]);
        if (not Ed25519.verify(bytes(key), message, bytes(a.proof))) fail("BadClaimProof: the claim proof does not verify against the invitation key");
        usable(c, inv, author);
        Map.remove(c.commitments, Blob.compare, slot);
        admit(c, inv, author)
      };
      case (#leave(a)) {
        checkFrontier(a.frontier);
        let m = switch (member(c, author)) { case (?m) m; case null fail("NotMember: " # short(author) # " is not a member") };
        if (m.role == #admin and c.admins == 1) fail("LastAdminCannotLeave: the last admin cannot leave; add another admin first");
        Map.remove(c.members, Blob.compare, author);
        if (m.role == #admin) {
          c.admins -= 1;
          if (c.threshold > c.admins) c.threshold := Nat.max(1, c.admins)
        }
      };
      case (#propose(a)) propose(c, author, a.proposal, a.actions);
      case (#approve(a)) approve(c, author, a.proposal);
      case (#keys(a)) {
        let m = switch (member(c, author)) {
          case (?m) m;
          case null fail("KeysNotMember: only members share group keys; " # short(author) # " is not a member")
        };
        id32(a.keyId, "keyId");
        if (a.rotate and m.role == #reader) fail("ReaderCannotRotate: readers cannot rotate the group key; " # short(author) # " is a reader (it may re-share the current key)");
        if (a.shares.size() > MAX_SHARES) fail("Other: at most 256 shares per request");
        for (s in a.shares.vals()) {
          id32(s.recipient, "a share's recipient");
          if (s.wrapped.size() > MAX_WRAPPED) fail("Other: a wrapped share holds at most 512 bytes")
        };
        // The shares themselves are read from the revision log (the change feed).
        if (a.rotate) c.keyId := ?a.keyId
      }
    }
  };

  // ---- Proposals ----

  func openBy(c : Context, author : Blob) : Nat {
    var n = 0;
    for (p in Map.values(c.proposals)) { if (p.author == author) n += 1 };
    n
  };

  func checkShape(a : T.ProposalAction) {
    switch a {
      case (#addAdmin(x)) id32(x.identity, "identity");
      case (#removeAdmin(x)) id32(x.identity, "identity");
      case (#deleteProposal(x)) id32(x.proposal, "proposal");
      case (#setValue(x)) {
        if (x.key.size() > MAX_VALUE_KEY or x.value.size() > MAX_VALUE) fail("Other: a value's key holds at most 256 bytes and its value at most 1024")
      };
      case _ { switch (Funds.shapeError(a)) { case (?why) fail(why); case null {} } }
    }
  };

  func propose(c : Context, author : Blob, id : Blob, actions : [T.ProposalAction]) {
    need(c, author, #Proxy);
    id32(id, "proposal");
    if (Map.containsKey(c.proposals, Blob.compare, id)) fail("ProposalExists: a proposal with this id exists");
    if (Map.containsKey(c.decided, Blob.compare, id)) fail("ProposalSpent: a proposal with this id was decided already (executed or failed); its id cannot be used again");
    if (actions.size() == 0 or actions.size() > MAX_ACTIONS) fail("ActionCount: a proposal carries 1 to " # Nat.toText(MAX_ACTIONS) # " actions");
    for (a in actions.vals()) checkShape(a);
    let open = openBy(c, author);
    if (open >= c.activeLimit) fail("ActiveLimitReached: " # short(author) # " already has " # Nat.toText(open) # " active proposals (limit " # Nat.toText(c.activeLimit) # ")");
    let p : T.Proposal = { id; author; actions; var approvals = if (isAdmin(c, author)) [author] else []; createdAt = nowMs() };
    Map.add(c.proposals, Blob.compare, id, p);
    tryExecute(c, p)
  };

  func approve(c : Context, approver : Blob, id : Blob) {
    let p = switch (Map.get(c.proposals, Blob.compare, id)) { case (?p) p; case null fail("NoSuchProposal: no such proposal") };
    if (not isAdmin(c, approver)) fail("OnlyAdminsApprove: only admins approve; " # short(approver) # " is not an admin");
    if (Array.contains<Blob>(p.approvals, Blob.equal, approver)) fail("AlreadyApproved: already approved by this identity");
    p.approvals := Array.concat(p.approvals, [approver]);
    tryExecute(c, p)
  };

  func tryExecute(c : Context, p : T.Proposal) {
    // Approvals that count: those of identities that are admins now.
    let counted = Array.filter<Blob>(p.approvals, func(x) { isAdmin(c, x) }).size();
    if (counted < c.threshold) return;
    Map.remove(c.proposals, Blob.compare, p.id);
    Map.add(c.decided, Blob.compare, p.id, ());
    let at = nowMs();
    // All or nothing: every action is checked against a simulated state first.
    switch (simulate(c, p.actions)) {
      case (?why) { List.add(c.history, { proposal = p.id; outcome = #failed(why); at }); return };
      case null {}
    };
    if (Funds.leaves(p.actions)) { leaving := ?p; return };
    for (a in p.actions.vals()) run(c, a);
    List.add(c.history, { proposal = p.id; outcome = #executed; at })
  };

  /** Runs a decided proposal's transfers and calls (Funds.mo), then, if all ran, its other actions. */
  func leave(c : Context, p : T.Proposal) : async* () {
    Map.add(moving, Blob.compare, c.id, ());
    let failed = await* Funds.run(p.actions, ledger, Principal.fromActor(ContextConfig), c.id, p.id);
    Map.remove(moving, Blob.compare, c.id);
    let at = nowMs();
    switch failed {
      case (?why) List.add(c.history, { proposal = p.id; outcome = #failed(why); at });
      case null {
        for (a in p.actions.vals()) run(c, a);
        List.add(c.history, { proposal = p.id; outcome = #executed; at })
      }
    }
  };

  /** Why the actions cannot all run (the first reason), or null when they can. */
  func simulate(c : Context, actions : [T.ProposalAction]) : ?Text {
    var admins = c.admins;
    var threshold = c.threshold;
    let roles = Map.empty<Blob, Bool>(); // identity -> is admin, for identities the proposal touched
    let deleted = Map.empty<Blob, ()>();
    func admin(id : Blob) : Bool { switch (Map.get(roles, Blob.compare, id)) { case (?r) r; case null isAdmin(c, id) } };
    for (a in actions.vals()) {
      switch a {
        case (#setThreshold(x)) {
          let t = Nat32.toNat(x.threshold);
          if (t < 1) return ?"ThresholdNotPositive: threshold must be a positive integer";
          if (t > admins) return ?("ThresholdExceedsAdmins: threshold " # Nat.toText(t) # " exceeds the " # Nat.toText(admins) # " admins");
          threshold := t
        };
        case (#setActiveLimit(x)) { if (x.limit < 1) return ?"LimitNotPositive: the active-proposals limit must be a positive integer" };
        case (#addAdmin(x)) { if (not admin(x.identity)) { admins += 1; Map.add(roles, Blob.compare, x.identity, true) } };
        case (#removeAdmin(x)) {
          if (not admin(x.identity)) return ?("NotAdmin: " # short(x.identity) # " is not an admin");
          if (admins == 1) return ?"LastAdmin: a context keeps at least one admin";
          admins -= 1;
          Map.add(roles, Blob.compare, x.identity, false);
          if (threshold > admins) threshold := admins
        };
        case (#deleteProposal(x)) {
          if (not Map.containsKey(c.proposals, Blob.compare, x.proposal) or Map.containsKey(deleted, Blob.compare, x.proposal)) {
            return ?"NoProposalToDelete: no such proposal to delete"
          };
          Map.add(deleted, Blob.compare, x.proposal, ())
        };
        case (#setValue(_) or #transfer(_) or #call(_)) {}
      }
    };
    Funds.precheck(actions, ledger, Principal.fromActor(ContextConfig))
  };

  func run(c : Context, a : T.ProposalAction) {
    switch a {
      case (#setThreshold(x)) c.threshold := Nat32.toNat(x.threshold);
      case (#setActiveLimit(x)) c.activeLimit := Nat32.toNat(x.limit);
      case (#addAdmin(x)) {
        switch (member(c, x.identity)) {
          case (?m) { if (m.role != #admin) { m.role := #admin; c.admins += 1 } };
          case null { addMember(c, x.identity, #admin, []); c.admins += 1 }
        }
      };
      case (#removeAdmin(x)) {
        switch (member(c, x.identity)) { case (?m) { m.role := #member }; case null {} };
        c.admins -= 1;
        if (c.threshold > c.admins) c.threshold := c.admins
      };
      case (#setValue(x)) Map.add(c.values, Blob.compare, x.key, x.value);
      case (#deleteProposal(x)) Map.remove(c.proposals, Blob.compare, x.proposal);
      case (#transfer(_) or #call(_)) {} // Funds.run ran them
    }
  };

  // ---- Reads ----

  func headNow() : T.Head { { seq = List.size(log); hash = head; time = headTime } };

  /** The last accepted nonce of `identity` in `context` (0 when none). */
  public query func nonce(context : Blob, identity : Blob) : async Nat64 {
    switch (Map.get(contexts, Blob.compare, context)) {
      case (?c) switch (Map.get(c.nonces, Blob.compare, identity)) { case (?n) n; case null 0 };
      case null 0
    }
  };

  public query func view(context : Blob) : async ?T.View {
    let c = switch (Map.get(contexts, Blob.compare, context)) { case (?c) c; case null return null };
    ?{
      context = c.id;
      application = c.application;
      creator = c.creator;
      genesisApplication = c.genesisApplication;
      createdSeq = c.createdSeq;
      threshold = Nat32.fromNat(c.threshold);
      activeLimit = Nat32.fromNat(c.activeLimit);
      revision = c.revision;
      members = Array.map<(Blob, T.Member), T.MemberView>(Map.toArray(c.members), func((id, m)) { { identity = id; role = m.role; capabilities = m.caps } });
      invitations = Array.map<T.Invitation, T.InvitationView>(Array.fromIter(Map.values(c.invitations)), func(i) { { spec = i.spec; uses = i.uses; revoked = i.revoked; createdBy = i.createdBy } });
      proposals = Array.map<T.Proposal, T.ProposalView>(Array.fromIter(Map.values(c.proposals)), func(p) { { id = p.id; author = p.author; actions = p.actions; approvals = p.approvals; createdAt = p.createdAt } });
      history = List.toArray(c.history);
      values = Array.map<(Blob, Blob), { key : Blob; value : Blob }>(Map.toArray(c.values), func((k, v)) { { key = k; value = v } });
      membershipRoot = c.membershipRoot;
      head = headNow();
    }
  };

  public query func tip() : async T.Head { headNow() };

  /** The log entry hash at `seq` (the zero hash at 0), null past the head. */
  public query func entryHash(seq : Nat) : async ?Blob {
    if (seq == 0) return ?Blob.fromArray(Array.repeat<Nat8>(0, 32));
    if (seq > List.size(log)) return null;
    ?List.at(log, seq - 1).hash
  };

  /** Entries with seq in [from, to], at most 100 from `from` on. */
  public query func entries(from : Nat, to : Nat) : async [T.Entry] {
    let first = Nat.max(from, 1);
    let last = Nat.min(Nat.min(to, List.size(log)), first + MAX_LOG_PAGE - 1);
    if (last < first) return [];
    Array.tabulate<T.Entry>(last - first + 1, func(i) { List.at(log, first - 1 + i) })
  };

  /**
   * The value at `path` in the certified tree (Certified.mo: ["head"], ["contexts", c,
   * "application" | "revision"], ["contexts", c, "members", identity]; null when absent), the
   * data certificate, and the witness: the tree pruned to that path (CBOR), which proves the
   * value, or its absence, under the certificate's certified data.
   */
  public query func certified(path : [Blob]) : async T.Witnessed {
    if (not Certified.isPath(path)) fail("Other: not a certified path; they are [head], [contexts, <context>, application | revision] and [contexts, <context>, members, <identity>]");
    { value = Certified.lookup(tree, path); certificate = CertifiedData.getCertificate(); witness = HashTree.encode(Certified.witness(tree, path)) }
  };

  // ---- Funds ----

  /** Sets the ICRC-1 ledger the contexts' funds are on (controllers only). */
  public shared ({ caller }) func setLedger(id : Principal) : async () {
    if (not Principal.isController(caller)) fail("Other: only a controller of the canister sets its ledger");
    ledger := ?id
  };

  public query func ledgerId() : async ?Principal { ledger };

  /** The ledger account holding `context`'s funds: send ICP there to fund its transfer proposals. */
  public query func fundsAccount(context : Blob) : async Funds.Account {
    { owner = Principal.fromActor(ContextConfig); subaccount = ?Funds.subaccount(context) }
  };

  system func postupgrade() {
    // A canister from before the tree: build it once from the state.
    if (Certified.contextCount(tree) != Map.size(contexts)) {
      for (c in Map.values(contexts)) certify(c, Array.map<(Blob, T.Member), Blob>(Map.toArray(c.members), func((id, _)) { id }))
    };
    CertifiedData.set(Certified.root(tree))
  };
}
