// The interface spec's hash tree ("Certification", "Encoding of certificates"): the shape
// a canister's certified data is the root hash of, and what a witness (a pruned copy that
// reveals one path) is sent as. Hashes are sha256 with the spec's domain separators
// (a length byte, then "ic-hashtree-empty" / "-fork" / "-labeled" / "-leaf"); witnesses are
// CBOR [tag, …] arrays (0 empty, 1 fork, 2 labelled, 3 leaf, 4 pruned), as agent-js's
// `Cbor.decode` and `reconstruct` read them.
import Array "mo:core/Array";
import Blob "mo:core/Blob";
import List "mo:core/List";
import Nat8 "mo:core/Nat8";
import Text "mo:core/Text";
import Sha2 "Sha2";

module {
  public type HashTree = {
    #empty;
    #fork : (HashTree, HashTree);
    #labeled : (Blob, HashTree);
    #leaf : Blob;
    #pruned : Blob;
  };

  func sep(s : Text) : [Nat8] {
    let b = Blob.toArray(Text.encodeUtf8(s));
    Array.concat<Nat8>([Nat8.fromNat(b.size())], b)
  };
  func sha(parts : [[Nat8]]) : Blob { Blob.fromArray(Sha2.sha256(Array.flatten<Nat8>(parts))) };

  public func emptyHash() : Blob { sha([sep("ic-hashtree-empty")]) };
  public func leafHash(value : Blob) : Blob { sha([sep("ic-hashtree-leaf"), Blob.toArray(value)]) };
  public func labeledHash(name : Blob, subtree : Blob) : Blob { sha([sep("ic-hashtree-labeled"), Blob.toArray(name), Blob.toArray(subtree)]) };
  public func forkHash(left : Blob, right : Blob) : Blob { sha([sep("ic-hashtree-fork"), Blob.toArray(left), Blob.toArray(right)]) };

  /** The root hash of `t` (a pruned node stands for its hash). */
  public func reconstruct(t : HashTree) : Blob {
    switch t {
      case (#empty) emptyHash();
      case (#fork(l, r)) forkHash(reconstruct(l), reconstruct(r));
      case (#labeled(l, s)) labeledHash(l, reconstruct(s));
      case (#leaf(v)) leafHash(v);
      case (#pruned(h)) h
    }
  };

  /** `t` as CBOR with the self-describe tag, as the IC's canisters send witnesses. */
  public func encode(t : HashTree) : Blob {
    let out = List.empty<Nat8>();
    let tag : [Nat8] = [0xd9, 0xd9, 0xf7];
    for (b in tag.vals()) List.add(out, b);
    write(out, t);
    Blob.fromArray(List.toArray(out))
  };

  // CBOR, as much as witnesses need (public for canisters that wrap a tree in more CBOR).

  /** A CBOR head: major type and length (lengths up to 2^32 - 1). */
  public func cborHead(out : List.List<Nat8>, major : Nat8, n : Nat) {
    let m = major << 5;
    if (n < 24) { List.add(out, m | Nat8.fromNat(n)); return };
    let (extra, count) : (Nat8, Nat) = if (n < 256) (24, 1) else if (n < 65536) (25, 2) else (26, 4);
    List.add(out, m | extra);
    var i = count;
    while (i > 0) { i -= 1; List.add(out, Nat8.fromNat((n / (256 ** i)) % 256)) }
  };
  /** A CBOR byte string. */
  public func cborBytes(out : List.List<Nat8>, b : Blob) {
    cborHead(out, 2, b.size());
    for (x in b.vals()) List.add(out, x)
  };
  /** `t` as CBOR, untagged. */
  public func write(out : List.List<Nat8>, t : HashTree) {
    switch t {
      case (#empty) { cborHead(out, 4, 1); List.add<Nat8>(out, 0) };
      case (#fork(l, r)) { cborHead(out, 4, 3); List.add<Nat8>(out, 1); write(out, l); write(out, r) };
      case (#labeled(l, s)) { cborHead(out, 4, 3); List.add<Nat8>(out, 2); cborBytes(out, l); write(out, s) };
      case (#leaf(v)) { cborHead(out, 4, 2); List.add<Nat8>(out, 3); cborBytes(out, v) };
      case (#pruned(h)) { cborHead(out, 4, 2); List.add<Nat8>(out, 4); cborBytes(out, h) }
    }
  };
}
