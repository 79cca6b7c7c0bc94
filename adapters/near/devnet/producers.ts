// The devnet's block producers: ed25519 keys from fixed seeds (public knowledge, for this
// devnet only), a stake per epoch that shifts every epoch so each epoch's set hashes
// differently (the next_bp_hash chain a light client follows), and their approvals.
// Producers named offline never sign, so a devnet can be made whose blocks lack 2/3.
import { keyPairFromSeed, sign, type KeyPair } from '../../../src/crypto/ed25519.ts'
import { sha256 } from '../../../src/crypto/hash.ts'
import { base58Encode } from '../base58.ts'
import { NEAR } from '../constants.ts'
import type { ValidatorStakeView } from '../lightclient/views.ts'

export interface ProducersInit {
  chainId: string
  count: number
  /** Blocks per epoch. */
  epochLength: number
  /** Indexes of producers that never approve. */
  offline?: readonly number[]
}

export class BlockProducers {
  readonly init: ProducersInit
  private readonly keys: KeyPair[]

  constructor (init: ProducersInit) {
    if (!Number.isInteger(init.count) || init.count < 1 || init.count > 100) throw new RangeError('block producers: 1 to 100')
    if (!Number.isInteger(init.epochLength) || init.epochLength < 3) throw new RangeError('epoch length: at least 3 blocks')
    this.init = init
    this.keys = Array.from({ length: init.count }, (_, i) => keyPairFromSeed(sha256(new TextEncoder().encode(`moorage-near-devnet-producer:${init.chainId}:${i}`))))
  }

  /** The producers of epoch `epoch`, in block-producer order. */
  of (epoch: number): ValidatorStakeView[] {
    const n = this.init.count
    return this.keys.map((k, i) => ({
      validator_stake_struct_version: 'V1',
      account_id: `producer-${i}.devnet`,
      public_key: `ed25519:${base58Encode(k.publicKey)}`,
      stake: String(BigInt(100 + 10 * ((i + epoch) % n)) * 1000n * NEAR)
    }))
  }

  /** Every online producer's signature over `message`, by position (null: no approval). */
  approve (message: Uint8Array): Array<string | null> {
    const off = new Set(this.init.offline ?? [])
    return this.keys.map((k, i) => off.has(i) ? null : `ed25519:${base58Encode(sign(k.secretKey, message))}`)
  }
}
