// The EVM key of a context identity. It is derived from the identity's ed25519 seed and the
// context id, so a node needs to store nothing more and the same identity gets the same
// key on every node that holds it:
//
//   key = keccak256("moorage:evm-key:v1" ‖ seed ‖ context ‖ counter) as a secp256k1
//         scalar, counter = 0, 1, ... until the scalar is in [1, n).
//
// The derivation is one-way: the EVM key (which signs every request) reveals nothing of
// the ed25519 seed. The contract learns of the key through a binding signed by the
// identity (bindingMessage in encoding.ts), verified on chain.
import { Wallet, keccak256 } from 'ethers'
import { concatBytes, utf8 } from '../../src/crypto/bytes.ts'
import type { Signer } from '../../src/governance/anchor.ts'
import { EVM_KEY_DOMAIN } from './constants.ts'
import { SECP256K1_N as N } from './ids.ts'

export function evmKeyFor (signer: Signer, context: Uint8Array): Wallet {
  for (let counter = 0; ; counter++) {
    const h = keccak256(concatBytes(utf8(EVM_KEY_DOMAIN), signer.secretKey, context, Uint8Array.of(counter)))
    const k = BigInt(h)
    if (k > 0n && k < N) return new Wallet(h)
  }
}
