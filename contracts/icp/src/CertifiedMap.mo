// A map from Blob labels to values whose hash-tree root is kept up to date: an immutable
// AVL tree, each node caching the root hash of its subtree, so a put or a remove rehashes
// only the O(log n) nodes on its path. A node (left, key ↦ value, right) is the hash tree
// fork(left, fork(labeled(key, value), right)), with empty children left out, so the
// labels appear in order and a witness of one key is the path to it with everything else
// pruned; a key that is not there is proved absent by its neighbours on that path.
import Blob "mo:core/Blob";
import Nat "mo:core/Nat";
import Runtime "mo:core/Runtime";
import HT "HashTree";

module {
  public type Map<V> = { #nil; #node : Node<V> };
  public type Node<V> = {
    key : Blob;
    value : V;
    /** The root hash of what the key labels (a leaf's hash, or a subtree's root). */
    valueHash : Blob;
    left : Map<V>;
    right : Map<V>;
    height : Nat;
    size : Nat;
    hash : Blob;
  };

  public func empty<V>() : Map<V> { #nil };

  public func size<V>(m : Map<V>) : Nat { switch m { case (#nil) 0; case (#node(n)) n.size } };
  func height<V>(m : Map<V>) : Nat { switch m { case (#nil) 0; case (#node(n)) n.height } };

  /** The root hash of the map's hash tree (the empty tree's hash when it is empty). */
  public func hash<V>(m : Map<V>) : Blob { switch m { case (#nil) HT.emptyHash(); case (#node(n)) n.hash } };

  // The one place the node layout is defined: hashes and witnesses both go through it.
  func shape(left : HT.HashTree, middle : HT.HashTree, right : HT.HashTree) : HT.HashTree {
    switch (left, right) {
      case (#empty, #empty) middle;
      case (#empty, _) #fork(middle, right);
      case (_, #empty) #fork(left, middle);
      case _ #fork(left, #fork(middle, right))
    }
  };
  func pruned<V>(m : Map<V>) : HT.HashTree { switch m { case (#nil) #empty; case (#node(n)) #pruned(n.hash) } };

  func make<V>(key : Blob, value : V, valueHash : Blob, left : Map<V>, right : Map<V>) : Map<V> {
    #node {
      key;
      value;
      valueHash;
      left;
      right;
      height = 1 + Nat.max(height(left), height(right));
      size = 1 + size(left) + size(right);
      hash = HT.reconstruct(shape(pruned(left), #pruned(HT.labeledHash(key, valueHash)), pruned(right)))
    }
  };

  func node<V>(m : Map<V>) : Node<V> { switch m { case (#node(n)) n; case (#nil) Runtime.trap("CertifiedMap: unbalanced tree") } };

  // Rebuilds a node whose children's heights differ by at most 2, rotating back into balance.
  func balance<V>(key : Blob, value : V, valueHash : Blob, left : Map<V>, right : Map<V>) : Map<V> {
    let hl = height(left);
    let hr = height(right);
    if (hl > hr + 1) {
      let l = node(left);
      if (height(l.left) >= height(l.right)) {
        make(l.key, l.value, l.valueHash, l.left, make(key, value, valueHash, l.right, right))
      } else {
        let lr = node(l.right);
        make(lr.key, lr.value, lr.valueHash, make(l.key, l.value, l.valueHash, l.left, lr.left), make(key, value, valueHash, lr.right, right))
      }
    } else if (hr > hl + 1) {
      let r = node(right);
      if (height(r.right) >= height(r.left)) {
        make(r.key, r.value, r.valueHash, make(key, value, valueHash, left, r.left), r.right)
      } else {
        let rl = node(r.left);
        make(rl.key, rl.value, rl.valueHash, make(key, value, valueHash, left, rl.left), make(r.key, r.value, r.valueHash, rl.right, r.right))
      }
    } else make(key, value, valueHash, left, right)
  };

  public func get<V>(m : Map<V>, key : Blob) : ?V {
    switch m {
      case (#nil) null;
      case (#node(n)) switch (Blob.compare(key, n.key)) {
        case (#less) get(n.left, key);
        case (#greater) get(n.right, key);
        case (#equal) ?n.value
      }
    }
  };

  /** `m` with `key` ↦ `value`, whose hash-tree root hash is `valueHash`. */
  public func put<V>(m : Map<V>, key : Blob, value : V, valueHash : Blob) : Map<V> {
    switch m {
      case (#nil) make(key, value, valueHash, #nil, #nil);
      case (#node(n)) switch (Blob.compare(key, n.key)) {
        case (#less) balance(n.key, n.value, n.valueHash, put(n.left, key, value, valueHash), n.right);
        case (#greater) balance(n.key, n.value, n.valueHash, n.left, put(n.right, key, value, valueHash));
        case (#equal) make(key, value, valueHash, n.left, n.right)
      }
    }
  };

  public func remove<V>(m : Map<V>, key : Blob) : Map<V> {
    switch m {
      case (#nil) #nil;
      case (#node(n)) switch (Blob.compare(key, n.key)) {
        case (#less) balance(n.key, n.value, n.valueHash, remove(n.left, key), n.right);
        case (#greater) balance(n.key, n.value, n.valueHash, n.left, remove(n.right, key));
        case (#equal) switch (n.left, n.right) {
          case (#nil, r) r;
          case (l, #nil) l;
          case (l, r) {
            let (k, v, h, rest) = removeFirst(node(r));
            balance(k, v, h, l, rest)
          }
        }
      }
    }
  };

  func removeFirst<V>(n : Node<V>) : (Blob, V, Blob, Map<V>) {
    switch (n.left) {
      case (#nil) (n.key, n.value, n.valueHash, n.right);
      case (#node(l)) {
        let (k, v, h, rest) = removeFirst(l);
        (k, v, h, balance(n.key, n.value, n.valueHash, rest, n.right))
      }
    }
  };

  /**
   * The map's hash tree pruned to the path of `key`: what `key` labels is `reveal(value)`
   * when it is there; when it is not, the keys around where it would be are revealed
   * (their values pruned), which proves it absent.
   */
  public func witness<V>(m : Map<V>, key : Blob, reveal : V -> HT.HashTree) : HT.HashTree {
    switch m {
      case (#nil) #empty;
      case (#node(n)) switch (Blob.compare(key, n.key)) {
        case (#equal) shape(pruned(n.left), #labeled(n.key, reveal(n.value)), pruned(n.right));
        case (#less) shape(witness(n.left, key, reveal), #labeled(n.key, #pruned(n.valueHash)), pruned(n.right));
        case (#greater) shape(pruned(n.left), #labeled(n.key, #pruned(n.valueHash)), witness(n.right, key, reveal))
      }
    }
  };
}
