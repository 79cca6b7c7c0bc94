// Base58 (Bitcoin's alphabet), as NEAR writes keys and hashes. Small and dependency-free so
// the module's id and key checks load no client library.
const ALPHABET = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz'
const INDEX = new Map([...ALPHABET].map((c, i) => [c, BigInt(i)]))

export function base58Encode (bytes: Uint8Array): string {
  let n = 0n
  for (const b of bytes) n = (n << 8n) | BigInt(b)
  let out = ''
  while (n > 0n) { out = ALPHABET[Number(n % 58n)]! + out; n /= 58n }
  for (const b of bytes) { if (b !== 0) break; out = '1' + out }
  return out
}

export function base58Decode (text: string): Uint8Array {
  let n = 0n
  for (const c of text) {
    const v = INDEX.get(c)
    if (v === undefined) throw new Error(`not base58: ${c}`)
    n = n * 58n + v
  }
  const out: number[] = []
  while (n > 0n) { out.unshift(Number(n & 0xffn)); n >>= 8n }
  for (const c of text) { if (c !== '1') break; out.unshift(0) }
  return new Uint8Array(out)
}
