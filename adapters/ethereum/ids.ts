// Ethereum ids and keys as text, checked without loading ethers: addresses (0x and 40 hex
// digits, any letter case: the EIP-55 case is not checked) and private keys (0x and 64 hex
// digits, a secp256k1 scalar in [1, n)).

/** Order of the secp256k1 group. */
export const SECP256K1_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n

export function isAddress (text: string): boolean {
  return /^0x[0-9a-fA-F]{40}$/.test(text)
}

export function isPrivateKey (text: string): boolean {
  if (!/^0x[0-9a-fA-F]{64}$/.test(text)) return false
  const k = BigInt(text)
  return k > 0n && k < SECP256K1_N
}
