// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {Sha512} from "./Sha512.sol";

/// Ed25519 signature verification (RFC 8032, section 5.1.7) that gives OpenSSL's verdict
/// (node:crypto; test/ethereum/ed25519.test.ts compares them): s < L; the public key
/// decodes to a curve point with a canonical y and is not of small order ([8]A ≠ O); the
/// encoding of [s]B - [k]A equals R byte for byte (cofactorless, so a non-canonical R never
/// matches) and is not of small order either.
///
/// Arithmetic is on the twisted Edwards curve -x^2 + y^2 = 1 + d x^2 y^2 over p = 2^255 - 19
/// in extended coordinates (X:Y:Z:T), x = X/Z, y = Y/Z, xy = T/Z. Additions use the
/// formulas of Hisil, Wong, Carter and Dawson (2008) with the second point in a "cached"
/// form (Y-X, Y+X, 2Z, 2dT); the two scalar multiplications are interleaved (Straus) with
/// fixed 4-bit windows over tables of 1..15 times B and -A built on the fly. The one
/// square root (decoding A) and the one inversion (encoding the result) are exponentiations
/// by the modexp precompile (0x05).
///
/// Values handed to mulmod may be unreduced as long as they stay below 2p < 2^256.
library Ed25519 {
    uint256 internal constant P = 0x7fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffed;
    uint256 internal constant L = 0x1000000000000000000000000000000014def9dea2f79cd65812631a5cf5d3ed;

    /// True when `signature` (R ‖ s) is `publicKey`'s signature of `message`. Never reverts
    /// on malformed input; returns false instead.
    function verify(bytes32 publicKey, bytes32 r, bytes32 s, bytes memory message) internal view returns (bool ok) {
        (bytes32 h0, bytes32 h1) = Sha512.hash(abi.encodePacked(r, publicKey, message));
        assembly ("memory-safe") {
            // Little-endian bytes <-> integer: reverses the 32 bytes of a word.
            function rev(v) -> w {
                w := or(shr(8, and(v, 0xff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00)), shl(8, and(v, 0x00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff)))
                w := or(shr(16, and(w, 0xffff0000ffff0000ffff0000ffff0000ffff0000ffff0000ffff0000ffff0000)), shl(16, and(w, 0x0000ffff0000ffff0000ffff0000ffff0000ffff0000ffff0000ffff0000ffff)))
                w := or(shr(32, and(w, 0xffffffff00000000ffffffff00000000ffffffff00000000ffffffff00000000)), shl(32, and(w, 0x00000000ffffffff00000000ffffffff00000000ffffffff00000000ffffffff)))
                w := or(shr(64, and(w, 0xffffffffffffffff0000000000000000ffffffffffffffff0000000000000000)), shl(64, and(w, 0x0000000000000000ffffffffffffffff0000000000000000ffffffffffffffff)))
                w := or(shr(128, w), shl(128, w))
            }
            // base^e mod p through the modexp precompile; `buf` is 192 bytes of scratch.
            function powp(buf, base, e) -> z {
                mstore(buf, 0x20)
                mstore(add(buf, 0x20), 0x20)
                mstore(add(buf, 0x40), 0x20)
                mstore(add(buf, 0x60), base)
                mstore(add(buf, 0x80), e)
                mstore(add(buf, 0xa0), 0x7fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffed)
                if iszero(staticcall(gas(), 0x05, buf, 0xc0, buf, 0x20)) { revert(0, 0) }
                z := mload(buf)
            }
            // q := 2q in place (extended coordinates at q); T only when `withT`.
            function dbl(q, withT) {
                let pp := 0x7fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffed
                let x := mload(q)
                let y := mload(add(q, 0x20))
                let aa := mulmod(x, x, pp)
                let bb := mulmod(y, y, pp)
                let zz := mload(add(q, 0x40))
                zz := mulmod(zz, zz, pp)
                x := add(x, y)
                let sab := add(aa, bb)
                // E = (X+Y)^2 - A - B, G = B - A, F = G - 2Z^2, H = -(A + B)
                let e := addmod(mulmod(x, x, pp), sub(add(pp, pp), sab), pp)
                let g := addmod(bb, sub(pp, aa), pp)
                let f := add(g, sub(pp, addmod(zz, zz, pp)))
                let h := sub(add(pp, pp), sab)
                mstore(q, mulmod(e, f, pp))
                mstore(add(q, 0x20), mulmod(g, h, pp))
                mstore(add(q, 0x40), mulmod(f, g, pp))
                if withT { mstore(add(q, 0x60), mulmod(e, h, pp)) }
            }
            // q := q + c in place; c is a cached point (Y-X, Y+X, 2Z, 2dT).
            function addc(q, c) {
                let pp := 0x7fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffed
                let x := mload(q)
                let y := mload(add(q, 0x20))
                let a := mulmod(add(y, sub(pp, x)), mload(c), pp)
                let b := mulmod(add(y, x), mload(add(c, 0x20)), pp)
                let cc := mulmod(mload(add(q, 0x60)), mload(add(c, 0x60)), pp)
                let d := mulmod(mload(add(q, 0x40)), mload(add(c, 0x40)), pp)
                let e := add(b, sub(pp, a))
                let f := add(d, sub(pp, cc))
                let g := add(d, cc)
                let h := add(b, a)
                mstore(q, mulmod(e, f, pp))
                mstore(add(q, 0x20), mulmod(g, h, pp))
                mstore(add(q, 0x40), mulmod(f, g, pp))
                mstore(add(q, 0x60), mulmod(e, h, pp))
            }
            // True when the extended point at q times 8 is the identity (q is overwritten).
            function smallOrder(q) -> yes {
                dbl(q, 0)
                dbl(q, 0)
                dbl(q, 0)
                yes := and(iszero(mload(q)), eq(mload(add(q, 0x20)), mload(add(q, 0x40))))
            }
            // Stores the cached form of the extended point at q to c.
            function cache(q, c) {
                let pp := 0x7fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffed
                let x := mload(q)
                let y := mload(add(q, 0x20))
                mstore(c, addmod(y, sub(pp, x), pp))
                mstore(add(c, 0x20), addmod(y, x, pp))
                mstore(add(c, 0x40), addmod(mload(add(q, 0x40)), mload(add(q, 0x40)), pp))
                // 2d
                mstore(add(c, 0x60), mulmod(mload(add(q, 0x60)), 0x2406d9dc56dffce7198e80f2eef3d13000e0149a8283b156ebd69b9426b2f159, pp))
            }
            // Fills tbl with the cached forms of 1..15 times the affine point (x, y); q is scratch.
            function table(tbl, q, x, y) {
                mstore(q, x)
                mstore(add(q, 0x20), y)
                mstore(add(q, 0x40), 1)
                mstore(add(q, 0x60), mulmod(x, y, 0x7fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffed))
                cache(q, tbl)
                for { let c := add(tbl, 0x80) } lt(c, add(tbl, 0x780)) { c := add(c, 0x80) } {
                    addc(q, tbl)
                    cache(q, c)
                }
            }

            let pp := P
            let sc := rev(s)
            let enc := rev(publicKey)
            let y := and(enc, 0x7fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff)
            // s must be reduced; A's y must be canonical.
            if and(lt(sc, L), lt(y, pp)) {
                let buf := mload(0x40)
                // Decode A: x^2 = (y^2 - 1) / (d y^2 + 1); x = u v^3 (u v^7)^((p-5)/8).
                let y2 := mulmod(y, y, pp)
                let u := addmod(y2, sub(pp, 1), pp)
                let v := addmod(mulmod(y2, 0x52036cee2b6ffe738cc740797779e89800700a4d4141d8ab75eb4dca135978a3, pp), 1, pp)
                let v3 := mulmod(mulmod(v, v, pp), v, pp)
                let x := mulmod(mulmod(u, v3, pp), powp(buf, mulmod(u, mulmod(mulmod(v3, v3, pp), v, pp), pp), 0x0ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffd), pp)
                let vx2 := mulmod(v, mulmod(x, x, pp), pp)
                let valid := 1
                if iszero(eq(vx2, u)) {
                    switch iszero(addmod(vx2, u, pp))
                    case 1 { x := mulmod(x, 0x2b8324804fc1df0b2b4d00993dfbd7a72f431806ad2fe478c4ee1b274a0ea0b0, pp) }
                    default { valid := 0 }
                }
                let sign := shr(255, enc)
                if and(iszero(x), sign) { valid := 0 }
                if valid {
                    if iszero(eq(and(x, 1), sign)) { x := sub(pp, x) }
                    // -A
                    x := mod(sub(pp, x), pp)
                    let ta := add(buf, 0xc0)
                    let tb := add(ta, 0x780)
                    let q := add(tb, 0x780)
                    table(ta, q, x, y)
                    // Small-order keys are refused (as OpenSSL does).
                    mstore(q, x)
                    mstore(add(q, 0x20), y)
                    mstore(add(q, 0x40), 1)
                    if smallOrder(q) { valid := 0 }
                }
                if valid {
                    let ta := add(buf, 0xc0)
                    let tb := add(ta, 0x780)
                    let q := add(tb, 0x780)
                    table(tb, q,
                        0x216936d3cd6e53fec0a4e231fdd6dc5c692cc7609525a7b2c9562d608f25d51a,
                        0x6666666666666666666666666666666666666666666666666666666666666658)
                    // k = SHA-512(R ‖ A ‖ M) as a little-endian number, mod L.
                    let k := addmod(mulmod(rev(h1), 0x0ffffffffffffffffffffffffffffffec6ef5bf4737dcf70d6ec31748d98951d, L), rev(h0), L)
                    // q := identity, then [s]B + [k](-A), four bits of each scalar at a time.
                    mstore(q, 0)
                    mstore(add(q, 0x20), 1)
                    mstore(add(q, 0x40), 1)
                    mstore(add(q, 0x60), 0)
                    for { let i := 256 } i { } {
                        i := sub(i, 4)
                        if lt(i, 252) {
                            dbl(q, 0)
                            dbl(q, 0)
                            dbl(q, 0)
                            dbl(q, 1)
                        }
                        let n := and(shr(i, sc), 15)
                        if n { addc(q, add(tb, shl(7, sub(n, 1)))) }
                        n := and(shr(i, k), 15)
                        if n { addc(q, add(ta, shl(7, sub(n, 1)))) }
                    }
                    // Encode: y | (x mod 2) << 255, little-endian; compare with R.
                    let zi := powp(buf, mload(add(q, 0x40)), 0x7fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffeb)
                    let rx := mulmod(mload(q), zi, pp)
                    let ry := mulmod(mload(add(q, 0x20)), zi, pp)
                    ok := eq(rev(r), or(ry, shl(255, and(rx, 1))))
                    // A small-order R is refused (as OpenSSL does).
                    if ok { ok := iszero(smallOrder(q)) }
                }
            }
        }
    }
}

/// The verifier as a contract of its own, called by the context config contract: it keeps
/// the config contract under the code size limit and can be shared by several deployments.
contract Ed25519Verifier {
    function verify(bytes32 publicKey, bytes32 r, bytes32 s, bytes calldata message) external view returns (bool) {
        return Ed25519.verify(publicKey, r, s, message);
    }
}
