// Envelopes as tests need them: sealed under made-up keys (what a stranger can forge), and
// opened straight from an epoch secret (what anyone holding that secret can read), without
// touching a node's ratchet state.
import { randomBytes } from 'node:crypto'
import { openEnvelope, RATCHETED_KINDS, sealEnvelope, CHAIN_ID_BYTES, type Envelope, type EnvelopeKind } from '../../src/sync/envelope.ts'
import { chainStart, frameKey, messageKey, nextChainKey } from '../../src/sync/ratchet/index.ts'

const random = (n: number): Uint8Array => new Uint8Array(randomBytes(n))

/** An envelope under a random key, naming `keyId` (random unless given) and a random chain. */
export function forgedEnvelope (kind: EnvelopeKind, ctx: Uint8Array, subject: Uint8Array, payload: Uint8Array, keyId = random(32)): Uint8Array {
  const at = RATCHETED_KINDS.has(kind) ? { gen: new Uint8Array(0), sender: random(32), chain: random(CHAIN_ID_BYTES), index: 0 } : undefined
  return sealEnvelope(kind, ctx, keyId, random(32), subject, payload, at)
}

/**
 * Opens `env` from the secret of the epoch it names (and, for a later generation, that
 * generation's secret): the chain is derived afresh from its start.
 */
export function openWithSecret (env: Envelope, epochSecret: Uint8Array, generationSecret?: Uint8Array): Uint8Array {
  if (!RATCHETED_KINDS.has(env.kind)) return openEnvelope(env, frameKey(epochSecret, env.context), env.context)
  const secret = env.gen.byteLength === 0 ? epochSecret : generationSecret
  if (secret === undefined) throw new Error('a later generation needs its own secret')
  let ck = chainStart(secret, env.context, env.sender, env.chain)
  for (let i = 0; i < env.index; i++) ck = nextChainKey(ck)
  return openEnvelope(env, messageKey(ck), env.context)
}
