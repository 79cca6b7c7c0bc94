// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

/// SHA-512 (FIPS 180-4) for the Ed25519 verifier. The EVM has no SHA-512 precompile, so
/// the compression function runs here on 64-bit words held in 256-bit stack slots. A
/// rotation uses the word doubled into 128 bits: rotr(x, n) = ((x << 64 | x) >> n) & mask.
/// Memory past the free memory pointer is used as scratch (state, round constants,
/// message schedule, padded message) and is never allocated.
library Sha512 {
    /// The 64-byte digest of `data`, as its first and last 32 bytes.
    function hash(bytes memory data) internal pure returns (bytes32 first, bytes32 last) {
        assembly ("memory-safe") {
            // One 128-byte block: 80 rounds over the 8 state words at `st`.
            function compress(st, bp, kp) {
                let m := 0xffffffffffffffff
                let wp := add(kp, 0xa00)
                // Message schedule.
                for { let i := 0 } lt(i, 16) { i := add(i, 1) } {
                    mstore(add(wp, shl(5, i)), shr(192, mload(add(bp, shl(3, i)))))
                }
                for { let p := add(wp, 0x200) } lt(p, add(wp, 0xa00)) { p := add(p, 0x20) } {
                    let w15 := mload(sub(p, 0x1e0))
                    let w2 := mload(sub(p, 0x40))
                    let x := or(w15, shl(64, w15))
                    let s0 := xor(and(xor(shr(1, x), shr(8, x)), m), shr(7, w15))
                    x := or(w2, shl(64, w2))
                    let s1 := xor(and(xor(shr(19, x), shr(61, x)), m), shr(6, w2))
                    mstore(p, and(add(add(s0, s1), add(mload(sub(p, 0xe0)), mload(sub(p, 0x200)))), m))
                }
                let a := mload(st)
                let b := mload(add(st, 0x20))
                let c := mload(add(st, 0x40))
                let d := mload(add(st, 0x60))
                let e := mload(add(st, 0x80))
                let f := mload(add(st, 0xa0))
                let g := mload(add(st, 0xc0))
                let h := mload(add(st, 0xe0))
                for { let p := kp } lt(p, wp) { p := add(p, 0x20) } {
                    let x := or(e, shl(64, e))
                    // h + Σ1(e) + Ch(e, f, g) + K[t] + W[t]
                    let t1 := add(add(h, and(xor(xor(shr(14, x), shr(18, x)), shr(41, x)), m)), add(xor(and(e, f), and(not(e), g)), add(mload(p), mload(add(p, 0xa00)))))
                    x := or(a, shl(64, a))
                    // Σ0(a) + Maj(a, b, c)
                    let t2 := add(and(xor(xor(shr(28, x), shr(34, x)), shr(39, x)), m), or(and(a, b), and(c, or(a, b))))
                    h := g
                    g := f
                    f := e
                    e := and(add(d, t1), m)
                    d := c
                    c := b
                    b := a
                    a := and(add(t1, t2), m)
                }
                mstore(st, and(add(mload(st), a), m))
                mstore(add(st, 0x20), and(add(mload(add(st, 0x20)), b), m))
                mstore(add(st, 0x40), and(add(mload(add(st, 0x40)), c), m))
                mstore(add(st, 0x60), and(add(mload(add(st, 0x60)), d), m))
                mstore(add(st, 0x80), and(add(mload(add(st, 0x80)), e), m))
                mstore(add(st, 0xa0), and(add(mload(add(st, 0xa0)), f), m))
                mstore(add(st, 0xc0), and(add(mload(add(st, 0xc0)), g), m))
                mstore(add(st, 0xe0), and(add(mload(add(st, 0xe0)), h), m))
            }

            let len := mload(data)
            // Scratch: [state: 8 words][K: 80 words][W: 80 words][padded message]
            let st := mload(0x40)
            let kp := add(st, 0x100)
            let buf := add(kp, 0x1400)
            // Padding: 0x80, zeros, the bit length as a 128-bit big-endian number.
            let total := and(add(len, 0x90), not(0x7f))
            mcopy(buf, add(data, 0x20), len)
            for { let p := add(buf, len) } lt(p, add(buf, total)) { p := add(p, 0x20) } { mstore(p, 0) }
            mstore8(add(buf, len), 0x80)
            let tail := add(buf, sub(total, 0x20))
            mstore(tail, or(mload(tail), shl(3, len)))
            mstore(add(st, 0x0), 0x6a09e667f3bcc908)
            mstore(add(st, 0x20), 0xbb67ae8584caa73b)
            mstore(add(st, 0x40), 0x3c6ef372fe94f82b)
            mstore(add(st, 0x60), 0xa54ff53a5f1d36f1)
            mstore(add(st, 0x80), 0x510e527fade682d1)
            mstore(add(st, 0xa0), 0x9b05688c2b3e6c1f)
            mstore(add(st, 0xc0), 0x1f83d9abfb41bd6b)
            mstore(add(st, 0xe0), 0x5be0cd19137e2179)
            mstore(add(kp, 0x0), 0x428a2f98d728ae22) mstore(add(kp, 0x20), 0x7137449123ef65cd)
            mstore(add(kp, 0x40), 0xb5c0fbcfec4d3b2f) mstore(add(kp, 0x60), 0xe9b5dba58189dbbc)
            mstore(add(kp, 0x80), 0x3956c25bf348b538) mstore(add(kp, 0xa0), 0x59f111f1b605d019)
            mstore(add(kp, 0xc0), 0x923f82a4af194f9b) mstore(add(kp, 0xe0), 0xab1c5ed5da6d8118)
            mstore(add(kp, 0x100), 0xd807aa98a3030242) mstore(add(kp, 0x120), 0x12835b0145706fbe)
            mstore(add(kp, 0x140), 0x243185be4ee4b28c) mstore(add(kp, 0x160), 0x550c7dc3d5ffb4e2)
            mstore(add(kp, 0x180), 0x72be5d74f27b896f) mstore(add(kp, 0x1a0), 0x80deb1fe3b1696b1)
            mstore(add(kp, 0x1c0), 0x9bdc06a725c71235) mstore(add(kp, 0x1e0), 0xc19bf174cf692694)
            mstore(add(kp, 0x200), 0xe49b69c19ef14ad2) mstore(add(kp, 0x220), 0xefbe4786384f25e3)
            mstore(add(kp, 0x240), 0x0fc19dc68b8cd5b5) mstore(add(kp, 0x260), 0x240ca1cc77ac9c65)
            mstore(add(kp, 0x280), 0x2de92c6f592b0275) mstore(add(kp, 0x2a0), 0x4a7484aa6ea6e483)
            mstore(add(kp, 0x2c0), 0x5cb0a9dcbd41fbd4) mstore(add(kp, 0x2e0), 0x76f988da831153b5)
            mstore(add(kp, 0x300), 0x983e5152ee66dfab) mstore(add(kp, 0x320), 0xa831c66d2db43210)
            mstore(add(kp, 0x340), 0xb00327c898fb213f) mstore(add(kp, 0x360), 0xbf597fc7beef0ee4)
            mstore(add(kp, 0x380), 0xc6e00bf33da88fc2) mstore(add(kp, 0x3a0), 0xd5a79147930aa725)
            mstore(add(kp, 0x3c0), 0x06ca6351e003826f) mstore(add(kp, 0x3e0), 0x142929670a0e6e70)
            mstore(add(kp, 0x400), 0x27b70a8546d22ffc) mstore(add(kp, 0x420), 0x2e1b21385c26c926)
            mstore(add(kp, 0x440), 0x4d2c6dfc5ac42aed) mstore(add(kp, 0x460), 0x53380d139d95b3df)
            mstore(add(kp, 0x480), 0x650a73548baf63de) mstore(add(kp, 0x4a0), 0x766a0abb3c77b2a8)
            mstore(add(kp, 0x4c0), 0x81c2c92e47edaee6) mstore(add(kp, 0x4e0), 0x92722c851482353b)
            mstore(add(kp, 0x500), 0xa2bfe8a14cf10364) mstore(add(kp, 0x520), 0xa81a664bbc423001)
            mstore(add(kp, 0x540), 0xc24b8b70d0f89791) mstore(add(kp, 0x560), 0xc76c51a30654be30)
            mstore(add(kp, 0x580), 0xd192e819d6ef5218) mstore(add(kp, 0x5a0), 0xd69906245565a910)
            mstore(add(kp, 0x5c0), 0xf40e35855771202a) mstore(add(kp, 0x5e0), 0x106aa07032bbd1b8)
            mstore(add(kp, 0x600), 0x19a4c116b8d2d0c8) mstore(add(kp, 0x620), 0x1e376c085141ab53)
            mstore(add(kp, 0x640), 0x2748774cdf8eeb99) mstore(add(kp, 0x660), 0x34b0bcb5e19b48a8)
            mstore(add(kp, 0x680), 0x391c0cb3c5c95a63) mstore(add(kp, 0x6a0), 0x4ed8aa4ae3418acb)
            mstore(add(kp, 0x6c0), 0x5b9cca4f7763e373) mstore(add(kp, 0x6e0), 0x682e6ff3d6b2b8a3)
            mstore(add(kp, 0x700), 0x748f82ee5defb2fc) mstore(add(kp, 0x720), 0x78a5636f43172f60)
            mstore(add(kp, 0x740), 0x84c87814a1f0ab72) mstore(add(kp, 0x760), 0x8cc702081a6439ec)
            mstore(add(kp, 0x780), 0x90befffa23631e28) mstore(add(kp, 0x7a0), 0xa4506cebde82bde9)
            mstore(add(kp, 0x7c0), 0xbef9a3f7b2c67915) mstore(add(kp, 0x7e0), 0xc67178f2e372532b)
            mstore(add(kp, 0x800), 0xca273eceea26619c) mstore(add(kp, 0x820), 0xd186b8c721c0c207)
            mstore(add(kp, 0x840), 0xeada7dd6cde0eb1e) mstore(add(kp, 0x860), 0xf57d4f7fee6ed178)
            mstore(add(kp, 0x880), 0x06f067aa72176fba) mstore(add(kp, 0x8a0), 0x0a637dc5a2c898a6)
            mstore(add(kp, 0x8c0), 0x113f9804bef90dae) mstore(add(kp, 0x8e0), 0x1b710b35131c471b)
            mstore(add(kp, 0x900), 0x28db77f523047d84) mstore(add(kp, 0x920), 0x32caab7b40c72493)
            mstore(add(kp, 0x940), 0x3c9ebe0a15c9bebc) mstore(add(kp, 0x960), 0x431d67c49c100d4c)
            mstore(add(kp, 0x980), 0x4cc5d4becb3e42b6) mstore(add(kp, 0x9a0), 0x597f299cfc657e2a)
            mstore(add(kp, 0x9c0), 0x5fcb6fab3ad6faec) mstore(add(kp, 0x9e0), 0x6c44198c4a475817)
            for { let bp := buf } lt(bp, add(buf, total)) { bp := add(bp, 0x80) } { compress(st, bp, kp) }
            first := or(or(shl(192, mload(st)), shl(128, mload(add(st, 0x20)))), or(shl(64, mload(add(st, 0x40))), mload(add(st, 0x60))))
            last := or(or(shl(192, mload(add(st, 0x80))), shl(128, mload(add(st, 0xa0)))), or(shl(64, mload(add(st, 0xc0))), mload(add(st, 0xe0))))
        }
    }
}
