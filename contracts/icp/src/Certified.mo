// What the context config canister certifies: a hash tree whose root hash is its certified
// data, so a certified query can answer one value with a witness the subnet's certificate
// vouches for. The tree (labels in order, as the spec requires):
//
//   contexts / <context id> / application          -> the application id (32 bytes)
//                           / members / <identity>  -> [role, capabilities] (2 bytes)
//                           / revision              -> the context's revision (u64 big-endian)
//   head                                           -> the revision log's head hash (32 bytes)
//
// role: 1 admin, 2 member, 3 reader; capabilities: a bit set, 1 ManageMembers,
// 2 ManageApplication, 4 Proxy. Contexts and members are CertifiedMaps, so an update
// rehashes O(log contexts + log members) nodes, never the whole tree.
import Array "mo:core/Array";
import Blob "mo:core/Blob";
import Nat "mo:core/Nat";
import Nat8 "mo:core/Nat8";
import Text "mo:core/Text";
import HT "HashTree";
import CM "CertifiedMap";

module {
  public type Context = { application : Blob; revision : Nat; members : CM.Map<Blob> };
  public type Tree = { contexts : CM.Map<Context>; head : Blob };

  func name(s : Text) : Blob { Text.encodeUtf8(s) };
  func be64(n : Nat) : Blob { Blob.fromArray(Array.tabulate<Nat8>(8, func(i) { Nat8.fromNat((n / (256 ** (7 - i))) % 256) })) };

  // The shapes of the fixed parts; hashes and witnesses are both made through them.
  func contextShape(application : HT.HashTree, members : HT.HashTree, revision : HT.HashTree) : HT.HashTree {
    #fork(#fork(#labeled(name("application"), application), #labeled(name("members"), members)), #labeled(name("revision"), revision))
  };
  func rootShape(contexts : HT.HashTree, head : HT.HashTree) : HT.HashTree {
    #fork(#labeled(name("contexts"), contexts), #labeled(name("head"), head))
  };
  func leafPruned(v : Blob) : HT.HashTree { #pruned(HT.leafHash(v)) };

  func contextHash(c : Context) : Blob {
    HT.reconstruct(contextShape(#leaf(c.application), #pruned(CM.hash(c.members)), #leaf(be64(c.revision))))
  };

  public func empty() : Tree { { contexts = CM.empty(); head = Blob.fromArray(Array.repeat<Nat8>(0, 32)) } };

  /** The root hash: what the canister sets as its certified data. */
  public func root(t : Tree) : Blob {
    HT.reconstruct(rootShape(#pruned(CM.hash(t.contexts)), #leaf(t.head)))
  };

  public func contextCount(t : Tree) : Nat { CM.size(t.contexts) };
  public func memberCount(t : Tree, context : Blob) : Nat {
    switch (CM.get(t.contexts, context)) { case (?c) CM.size(c.members); case null 0 }
  };

  /**
   * `t` with the log head `head` and context `context`'s application and revision, and each
   * identity in `members` set to its entry bytes (null: no longer a member). Only these
   * change: the caller names every identity the request may have touched.
   */
  public func update(t : Tree, head : Blob, context : Blob, application : Blob, revision : Nat, members : [(Blob, ?Blob)]) : Tree {
    var ms = switch (CM.get(t.contexts, context)) { case (?c) c.members; case null CM.empty<Blob>() };
    for ((id, entry) in members.vals()) {
      ms := switch entry {
        case (?e) { if (CM.get(ms, id) == ?e) ms else CM.put(ms, id, e, HT.leafHash(e)) };
        case null CM.remove(ms, id)
      }
    };
    let c : Context = { application; revision; members = ms };
    { contexts = CM.put(t.contexts, context, c, contextHash(c)); head }
  };

  func contextWitness(c : Context, rest : [Blob]) : HT.HashTree {
    let app = leafPruned(c.application);
    let members = #pruned(CM.hash(c.members));
    let revision = leafPruned(be64(c.revision));
    if (rest.size() == 1 and rest[0] == name("application")) return contextShape(#leaf(c.application), members, revision);
    if (rest.size() == 1 and rest[0] == name("revision")) return contextShape(app, members, #leaf(be64(c.revision)));
    // rest is ["members", identity] (checked by `isPath`)
    contextShape(app, CM.witness<Blob>(c.members, rest[1], func(e) { #leaf(e) }), revision)
  };

  /** Whether `path` names a value the tree holds or can prove absent (only leaves are answered). */
  public func isPath(path : [Blob]) : Bool {
    if (path.size() == 1) return path[0] == name("head");
    if (path.size() < 3 or path[0] != name("contexts")) return false;
    if (path.size() == 3) return path[2] == name("application") or path[2] == name("revision");
    path.size() == 4 and path[2] == name("members")
  };

  /** The tree pruned to `path` (an `isPath` path): its value, or the proof it is absent. */
  public func witness(t : Tree, path : [Blob]) : HT.HashTree {
    if (path.size() == 1) return rootShape(#pruned(CM.hash(t.contexts)), #leaf(t.head));
    let rest = Array.sliceToArray<Blob>(path, 2, path.size());
    rootShape(CM.witness<Context>(t.contexts, path[1], func(c) { contextWitness(c, rest) }), leafPruned(t.head))
  };

  /** The value at `path` (an `isPath` path), null when it is absent. */
  public func lookup(t : Tree, path : [Blob]) : ?Blob {
    if (path.size() == 1) return ?t.head;
    switch (CM.get(t.contexts, path[1])) {
      case null null;
      case (?c) {
        if (path[2] == name("application")) ?c.application
        else if (path[2] == name("revision")) ?be64(c.revision)
        else CM.get(c.members, path[3])
      }
    }
  };
}
