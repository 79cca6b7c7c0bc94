// Ed25519 signature verification (RFC 8032): the canister checks every request's signature
// by the context identity itself, so any principal can relay a request. Field elements are
// Motoko's arbitrary-precision Nat reduced mod p; points are in extended coordinates
// (X, Y, Z, T) on the twisted Edwards curve -x² + y² = 1 + d x² y². The check is
// encode([S]B + [k](-A)) == R with k = SHA-512(R ‖ A ‖ M) mod L, and S < L.
import Nat "mo:core/Nat";
import Nat8 "mo:core/Nat8";
import Array "mo:core/Array";
import VarArray "mo:core/VarArray";
import Sha2 "Sha2";

module {
  let P : Nat = 57896044618658097711785492504343953926634992332820282019728792003956564819949; // 2^255 - 19
  let L : Nat = 7237005577332262213973186563042994240857116359379907606001950938285454250989; // 2^252 + 27742317777372353535851937790883648493
  let D : Nat = 37095705934669439343138083508754565189542113879843219016388785533085940283555;
  let D2 : Nat = 16295367250680780974490674513165176452449235426866156013048779062215315747161; // 2d mod p
  let SQRT_M1 : Nat = 19681161376707505956807079304988542015446066515923890162744021073123829784752;
  let BX : Nat = 15112221349535400772501151409588531511454012693041857206046113283949847762202;
  let BY : Nat = 46316835694926478169428394003475163141307993866256225615783033603165251855960;

  type Point = (Nat, Nat, Nat, Nat);

  let TWO255 : Nat = 57896044618658097711785492504343953926634992332820282019728792003956564819968;

  /** x mod p by folding: 2^255 ≡ 19 (mod p), so shifts and a small product replace a division. */
  func reduce(x : Nat) : Nat {
    var r = x;
    while (r >= TWO255) {
      let hi = Nat.bitshiftRight(r, 255);
      r := r - Nat.bitshiftLeft(hi, 255) + 19 * hi
    };
    if (r >= P) r - P else r
  };
  func add(a : Nat, b : Nat) : Nat { let s = a + b; if (s >= P) s - P else s };
  func sub(a : Nat, b : Nat) : Nat { if (a >= b) a - b else a + P - b };
  func mul(a : Nat, b : Nat) : Nat { reduce(a * b) };

  func pow(base : Nat, exp : Nat) : Nat {
    var result = 1;
    var b = base % P;
    var e = exp;
    while (e > 0) {
      if (e % 2 == 1) result := mul(result, b);
      b := mul(b, b);
      e /= 2
    };
    result
  };

  func padd(p : Point, q : Point) : Point {
    let (x1, y1, z1, t1) = p;
    let (x2, y2, z2, t2) = q;
    let a = mul(sub(y1, x1), sub(y2, x2));
    let b = mul(add(y1, x1), add(y2, x2));
    let c = mul(mul(t1, D2), t2);
    let d = mul(add(z1, z1), z2);
    let e = sub(b, a);
    let f = sub(d, c);
    let g = add(d, c);
    let h = add(b, a);
    (mul(e, f), mul(g, h), mul(f, g), mul(e, h))
  };

  func pdouble(p : Point) : Point {
    let (x1, y1, z1, _) = p;
    let a = mul(x1, x1);
    let b = mul(y1, y1);
    let c = add(mul(z1, z1), mul(z1, z1));
    let dd = (P - a) % P;
    let xy = add(x1, y1);
    let e = sub(sub(mul(xy, xy), a), b);
    let g = add(dd, b);
    let f = sub(g, c);
    let h = sub(dd, b);
    (mul(e, f), mul(g, h), mul(f, g), mul(e, h))
  };

  /** Little-endian bytes as a number. */
  func leNat(bytes : [Nat8], from : Nat, len : Nat) : Nat {
    var n = 0;
    var i = len;
    while (i > 0) { i -= 1; n := n * 256 + Nat8.toNat(bytes[from + i]) };
    n
  };

  /** The point a 32-byte encoding names, or null when it names none. */
  func decompress(bytes : [Nat8]) : ?Point {
    let sign = Nat8.toNat(bytes[31]) / 128;
    let y = leNat(bytes, 0, 32) % (2 ** 255);
    if (y >= P) return null;
    let y2 = mul(y, y);
    let u = sub(y2, 1);
    let v = add(mul(D, y2), 1);
    let v3 = mul(mul(v, v), v);
    let v7 = mul(mul(v3, v3), v);
    var x = mul(mul(u, v3), pow(mul(u, v7), (P - 5) / 8));
    let vx2 = mul(v, mul(x, x));
    if (vx2 == u) {} else if (vx2 == (P - u) % P) { x := mul(x, SQRT_M1) } else return null;
    if (x == 0 and sign == 1) return null;
    if (x % 2 != sign) x := (P - x) % P;
    ?(x, y, 1, mul(x, y))
  };

  func encode(p : Point) : [Nat8] {
    let (x, y, z, _) = p;
    let zi = pow(z, P - 2);
    let ax = mul(x, zi);
    let ay = mul(y, zi);
    Array.tabulate<Nat8>(32, func(i) {
      let byte = (ay / (2 ** (8 * i))) % 256;
      Nat8.fromNat(if (i == 31) byte + (ax % 2) * 128 else byte)
    })
  };

  func bits(n : Nat) : [var Nat8] {
    let out = VarArray.repeat<Nat8>(0, 256);
    var x = n;
    var i = 0;
    while (i < 256) { out[i] := Nat8.fromNat(x % 2); x /= 2; i += 1 };
    out
  };

  /** Whether `signature` (64 bytes) is `publicKey`'s (32 bytes) ed25519 signature of `message`. */
  public func verify(publicKey : [Nat8], message : [Nat8], signature : [Nat8]) : Bool {
    if (publicKey.size() != 32 or signature.size() != 64) return false;
    let s = leNat(signature, 32, 32);
    if (s >= L) return false;
    let a = switch (decompress(publicKey)) { case null { return false }; case (?p) p };
    let r = Array.sliceToArray<Nat8>(signature, 0, 32);
    let k = leNat(Sha2.sha512(Array.flatten<Nat8>([r, publicKey, message])), 0, 64) % L;
    let (ax, ay, az, at) = a;
    let negA : Point = ((P - ax) % P, ay, az, (P - at) % P);
    let base : Point = (BX, BY, 1, mul(BX, BY));
    let both = padd(base, negA);
    let sb = bits(s);
    let kb = bits(k);
    var q : Point = (0, 1, 1, 0);
    var i = 256;
    while (i > 0) {
      i -= 1;
      q := pdouble(q);
      if (sb[i] == 1 and kb[i] == 1) q := padd(q, both)
      else if (sb[i] == 1) q := padd(q, base)
      else if (kb[i] == 1) q := padd(q, negA)
    };
    Array.equal<Nat8>(encode(q), r, Nat8.equal)
  };
}
