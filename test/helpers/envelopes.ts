// Envelopes as tests need them: sealed under made-up keys (what a stranger can forge), and
// opened straight from an epoch secret (what anyone holding that secret can read), without
// touching a node's ratchet state.
import { randomBytes } from 'node:crypto'
import { openEnvelope, RATCHETED_KINDS, sealEnvelope, CHAIN_ID_BYTES, type Envelope, type EnvelopeKind } from '../../src/sync/envelope.ts'
import { chainStart, frameKey, messageKey, nextChainKey, type Ratchets } from '../../src/sync/ratchet/index.ts'
import { toHex } from '../../src/crypto/bytes.ts'
import { DecryptionError } from '../../src/errors/index.ts'

const random = (n: number): Uint8Array => new Uint8Array(randomBytes(n))

/** An envelope under a random key, naming `keyId` (random unless given) and a random chain. */
export function forgedEnvelope (kind: EnvelopeKind, ctx: Uint8Array, subject: Uint8Array, payload: Uint8Array, keyId = random(32), gen: Uint8Array = new Uint8Array(0)): Uint8Array {
  const at = RATCHETED_KINDS.has(kind) ? { gen, sender: random(32), chain: random(CHAIN_ID_BYTES), index: 0 } : undefined
  return sealEnvelope(kind, ctx, keyId, random(32), subject, payload, at)
}

/**
 * Opens `env` from the secret of the epoch it names (and, for a later generation, that
 * generation's secret): the chain is derived afresh from its start.
 */
export function openWithSecret (env: Envelope, epochSecret: Uint8Array, generationSecret?: Uint8Array): Uint8Array {
  if (!RATCHETED_KINDS.has(env.kind)) return openEnvelope(env, frameKey(epochSecret, env.context), env.context)
  const secret = env.gen.byteLength === 0 ? epochSecret : generationSecret
  if (secret === undefined) throw new DecryptionError('a later generation needs its own secret')
  let ck = chainStart(secret, env.context, env.sender, env.chain)
  for (let i = 0; i < env.index; i++) ck = nextChainKey(ck)
  return openEnvelope(env, messageKey(ck), env.context)
}

/**
 * Replaces a node's ratchets by the sealing they replaced, as a benchmark baseline: every
 * message under one key per epoch (its frame key), no chain stepped, nothing kept.
 */
export function usePlainSeal (ratchets: Ratchets): void {
  const keys = new Map<string, Uint8Array>()
  const keyOf = (ctx: Uint8Array, epoch: { id: Uint8Array, key: Uint8Array }): Uint8Array => {
    const id = toHex(epoch.id)
    let k = keys.get(id)
    if (k === undefined) keys.set(id, k = frameKey(epoch.key, ctx))
    return k
  }
  const chain = new Uint8Array(CHAIN_ID_BYTES)
  ratchets.seal = (ctx, epoch, sender, kind, subject, payload) =>
    sealEnvelope(kind, ctx, epoch.id, keyOf(ctx, epoch), subject, payload, RATCHETED_KINDS.has(kind) ? { gen: new Uint8Array(0), sender, chain, index: 0 } : undefined)
  ratchets.open = (ctx, env, epochs) => {
    const epoch = epochs.find((e) => toHex(e.id) === toHex(env.keyId))
    if (epoch === undefined) throw new Error('no group key for this envelope')
    return openEnvelope(env, keyOf(ctx, epoch), ctx)
  }
  ratchets.due = () => false
}
