// Defaults of the ratchet (docs/encryption.md); the rotation ones are config.json
// `encryption.*` (src/node/config.ts).

/** A context's generation in force is replaced once it is this old (ms), counted from when a node first held it. */
export const ROTATE_EVERY_MS = 60 * 60 * 1000
/** ... or once this many messages were sealed or opened under it on a node. */
export const ROTATE_AFTER_MESSAGES = 10_000
/**
 * How long a node still opens messages of an epoch after a newer one took over (ms): what
 * was in flight at the rotation, or sealed by a member that saw it late. Counted from when
 * this node first saw the newer one; an epoch older than that is wiped from the ratchets.
 */
export const EPOCH_GRACE_MS = 10 * 60 * 1000
/**
 * Rotations of an epoch whose generations a node keeps (and serves to members who lack them):
 * the newest and the one before it. Members that rotate at the same time make sibling
 * generations of one rotation (the same `n`): all are kept, so that every member's messages
 * open while senders converge on the sibling with the lowest id.
 */
export const RETAINED_GENERATIONS = 2
/** Generations kept per epoch in all, siblings included (the newest first, then the lowest ids). */
export const MAX_KEPT_GENERATIONS = 16
/** Ids of dropped generations remembered per epoch (so that their messages are stale, not fetched). */
export const MAX_DROPPED_GENERATIONS = 64
/** Most message keys a chain steps over for one message (a longer gap is left to catch-up). */
export const MAX_SKIP = 2_000
/** Skipped message keys kept per node, in all. */
export const MAX_SKIPPED_KEYS = 10_000
/** How long a skipped message key is kept (ms). */
export const MAX_SKIPPED_AGE_MS = 10 * 60 * 1000
/**
 * Contexts whose ratchet state stays in memory (the most recently used); that of a context
 * that has received nothing since it was loaded is read from the store again when used.
 */
export const LOADED_CONTEXTS = 1_024
/** Receiving chains kept per epoch (the least recently used go first). */
export const MAX_CHAINS_PER_EPOCH = 1_024
