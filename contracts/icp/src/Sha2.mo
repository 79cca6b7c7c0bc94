// SHA-256 and SHA-512 (FIPS 180-4) over byte arrays: the canister's hashes (context ids,
// commitments, the revision log's hash chain) and the hash inside ed25519 verification.
import Nat8 "mo:core/Nat8";
import Nat32 "mo:core/Nat32";
import Nat64 "mo:core/Nat64";
import VarArray "mo:core/VarArray";
import Array "mo:core/Array";

module {
  let K512 : [Nat64] = [
    0x428a2f98d728ae22, 0x7137449123ef65cd, 0xb5c0fbcfec4d3b2f, 0xe9b5dba58189dbbc,
    0x3956c25bf348b538, 0x59f111f1b605d019, 0x923f82a4af194f9b, 0xab1c5ed5da6d8118,
    0xd807aa98a3030242, 0x12835b0145706fbe, 0x243185be4ee4b28c, 0x550c7dc3d5ffb4e2,
    0x72be5d74f27b896f, 0x80deb1fe3b1696b1, 0x9bdc06a725c71235, 0xc19bf174cf692694,
    0xe49b69c19ef14ad2, 0xefbe4786384f25e3, 0x0fc19dc68b8cd5b5, 0x240ca1cc77ac9c65,
    0x2de92c6f592b0275, 0x4a7484aa6ea6e483, 0x5cb0a9dcbd41fbd4, 0x76f988da831153b5,
    0x983e5152ee66dfab, 0xa831c66d2db43210, 0xb00327c898fb213f, 0xbf597fc7beef0ee4,
    0xc6e00bf33da88fc2, 0xd5a79147930aa725, 0x06ca6351e003826f, 0x142929670a0e6e70,
    0x27b70a8546d22ffc, 0x2e1b21385c26c926, 0x4d2c6dfc5ac42aed, 0x53380d139d95b3df,
    0x650a73548baf63de, 0x766a0abb3c77b2a8, 0x81c2c92e47edaee6, 0x92722c851482353b,
    0xa2bfe8a14cf10364, 0xa81a664bbc423001, 0xc24b8b70d0f89791, 0xc76c51a30654be30,
    0xd192e819d6ef5218, 0xd69906245565a910, 0xf40e35855771202a, 0x106aa07032bbd1b8,
    0x19a4c116b8d2d0c8, 0x1e376c085141ab53, 0x2748774cdf8eeb99, 0x34b0bcb5e19b48a8,
    0x391c0cb3c5c95a63, 0x4ed8aa4ae3418acb, 0x5b9cca4f7763e373, 0x682e6ff3d6b2b8a3,
    0x748f82ee5defb2fc, 0x78a5636f43172f60, 0x84c87814a1f0ab72, 0x8cc702081a6439ec,
    0x90befffa23631e28, 0xa4506cebde82bde9, 0xbef9a3f7b2c67915, 0xc67178f2e372532b,
    0xca273eceea26619c, 0xd186b8c721c0c207, 0xeada7dd6cde0eb1e, 0xf57d4f7fee6ed178,
    0x06f067aa72176fba, 0x0a637dc5a2c898a6, 0x113f9804bef90dae, 0x1b710b35131c471b,
    0x28db77f523047d84, 0x32caab7b40c72493, 0x3c9ebe0a15c9bebc, 0x431d67c49c100d4c,
    0x4cc5d4becb3e42b6, 0x597f299cfc657e2a, 0x5fcb6fab3ad6faec, 0x6c44198c4a475817
  ];
  let H512 : [Nat64] = [
    0x6a09e667f3bcc908, 0xbb67ae8584caa73b, 0x3c6ef372fe94f82b, 0xa54ff53a5f1d36f1,
    0x510e527fade682d1, 0x9b05688c2b3e6c1f, 0x1f83d9abfb41bd6b, 0x5be0cd19137e2179
  ];
  let K256 : [Nat32] = [
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5,
    0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3,
    0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc,
    0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
    0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
    0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3,
    0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5,
    0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
    0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2
  ];
  let H256 : [Nat32] = [
    0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
    0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19
  ];

  /** The message padded to whole blocks of `block` bytes, its bit length in the last `lenBytes`. */
  func pad(data : [Nat8], block : Nat, lenBytes : Nat) : [var Nat8] {
    let n = data.size();
    let total = ((n + 1 + lenBytes + block - 1) / block) * block;
    let msg = VarArray.repeat<Nat8>(0, total);
    var i = 0;
    while (i < n) { msg[i] := data[i]; i += 1 };
    msg[n] := 0x80;
    var bits = n * 8;
    var j = 0;
    while (j < 8) { msg[total - 1 - j] := Nat8.fromNat(bits % 256); bits /= 256; j += 1 };
    msg
  };

  public func sha512(data : [Nat8]) : [Nat8] {
    let msg = pad(data, 128, 16);
    let h = Array.toVarArray<Nat64>(H512);
    let w = VarArray.repeat<Nat64>(0, 80);
    var off = 0;
    while (off < msg.size()) {
      var t = 0;
      while (t < 16) {
        var x : Nat64 = 0;
        var b = 0;
        while (b < 8) { x := (x << 8) | Nat64.fromNat(Nat8.toNat(msg[off + t * 8 + b])); b += 1 };
        w[t] := x;
        t += 1
      };
      while (t < 80) {
        let a15 = w[t - 15];
        let a2 = w[t - 2];
        let s0 = (a15 <>> 1) ^ (a15 <>> 8) ^ (a15 >> 7);
        let s1 = (a2 <>> 19) ^ (a2 <>> 61) ^ (a2 >> 6);
        w[t] := w[t - 16] +% s0 +% w[t - 7] +% s1;
        t += 1
      };
      var a = h[0]; var b = h[1]; var c = h[2]; var d = h[3];
      var e = h[4]; var f = h[5]; var g = h[6]; var hh = h[7];
      t := 0;
      while (t < 80) {
        let s1 = (e <>> 14) ^ (e <>> 18) ^ (e <>> 41);
        let ch = (e & f) ^ ((^e) & g);
        let t1 = hh +% s1 +% ch +% K512[t] +% w[t];
        let s0 = (a <>> 28) ^ (a <>> 34) ^ (a <>> 39);
        let maj = (a & b) ^ (a & c) ^ (b & c);
        let t2 = s0 +% maj;
        hh := g; g := f; f := e; e := d +% t1;
        d := c; c := b; b := a; a := t1 +% t2;
        t += 1
      };
      h[0] +%= a; h[1] +%= b; h[2] +%= c; h[3] +%= d;
      h[4] +%= e; h[5] +%= f; h[6] +%= g; h[7] +%= hh;
      off += 128
    };
    Array.tabulate<Nat8>(64, func(i) { Nat8.fromNat(Nat64.toNat((h[i / 8] >> Nat64.fromNat(56 - 8 * (i % 8))) & 0xff)) })
  };

  public func sha256(data : [Nat8]) : [Nat8] {
    let msg = pad(data, 64, 8);
    let h = Array.toVarArray<Nat32>(H256);
    let w = VarArray.repeat<Nat32>(0, 64);
    var off = 0;
    while (off < msg.size()) {
      var t = 0;
      while (t < 16) {
        var x : Nat32 = 0;
        var b = 0;
        while (b < 4) { x := (x << 8) | Nat32.fromNat(Nat8.toNat(msg[off + t * 4 + b])); b += 1 };
        w[t] := x;
        t += 1
      };
      while (t < 64) {
        let a15 = w[t - 15];
        let a2 = w[t - 2];
        let s0 = (a15 <>> 7) ^ (a15 <>> 18) ^ (a15 >> 3);
        let s1 = (a2 <>> 17) ^ (a2 <>> 19) ^ (a2 >> 10);
        w[t] := w[t - 16] +% s0 +% w[t - 7] +% s1;
        t += 1
      };
      var a = h[0]; var b = h[1]; var c = h[2]; var d = h[3];
      var e = h[4]; var f = h[5]; var g = h[6]; var hh = h[7];
      t := 0;
      while (t < 64) {
        let s1 = (e <>> 6) ^ (e <>> 11) ^ (e <>> 25);
        let ch = (e & f) ^ ((^e) & g);
        let t1 = hh +% s1 +% ch +% K256[t] +% w[t];
        let s0 = (a <>> 2) ^ (a <>> 13) ^ (a <>> 22);
        let maj = (a & b) ^ (a & c) ^ (b & c);
        let t2 = s0 +% maj;
        hh := g; g := f; f := e; e := d +% t1;
        d := c; c := b; b := a; a := t1 +% t2;
        t += 1
      };
      h[0] +%= a; h[1] +%= b; h[2] +%= c; h[3] +%= d;
      h[4] +%= e; h[5] +%= f; h[6] +%= g; h[7] +%= hh;
      off += 64
    };
    Array.tabulate<Nat8>(32, func(i) { Nat8.fromNat(Nat32.toNat((h[i / 4] >> Nat32.fromNat(24 - 8 * (i % 4))) & 0xff)) })
  };
}
