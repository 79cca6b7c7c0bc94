// Keys on Starknet: the paying account's credentials ("<account address>:<Stark private
// key>"), and the Stark key each context identity binds (derived from its ed25519 secret,
// so a node needs to keep nothing more; lib.cairo checks the ed25519 binding once).
import { createHash } from 'node:crypto'
import { ec } from 'starknet'

const ORDER = ec.starkCurve.CURVE.n
const FELT = /^0x[0-9a-fA-F]{1,64}$/

export interface Payer { address: string, privateKey: string }

/** "<address>:<private key>", both 0x-hex felts; the key must be a Stark scalar. */
export function parsePayer (text: string): Payer | undefined {
  const [address, privateKey, ...rest] = text.trim().split(':')
  if (rest.length > 0 || address === undefined || privateKey === undefined || !FELT.test(address) || !FELT.test(privateKey)) return undefined
  const k = BigInt(privateKey)
  if (k === 0n || k >= ORDER || BigInt(address) === 0n) return undefined
  return { address: '0x' + BigInt(address).toString(16).padStart(64, '0'), privateKey: '0x' + k.toString(16).padStart(64, '0') }
}

export const formatPayer = (p: Payer): string => `${p.address}:${p.privateKey}`

/** The Stark private key an ed25519 identity binds in every context: its secret, hashed into the curve's scalars. */
export function identityStarkKey (secretKey: Uint8Array): { privateKey: string, publicKey: bigint } {
  const h = BigInt('0x' + createHash('sha256').update('moorage:starknet:identity-key:v1').update(secretKey).digest('hex'))
  const privateKey = '0x' + (h % (ORDER - 1n) + 1n).toString(16)
  return { privateKey, publicKey: BigInt(ec.starkCurve.getStarkKey(privateKey)) }
}
