// What the node stores of a chain-anchored context (src/node/chain/index.ts).
import type { AnchorChange, Genesis, Position } from '../../governance/anchor.ts'

/** One accepted change as the node keeps it (the timeline's input, the audit, key shares). */
export interface ChainChangeRecord {
  id: string
  position: Position
  index: number
  author: Uint8Array
  nonce: string
  action: AnchorChange['action']
  revision: number
  /** The chain's time at the change's position, in ms. */
  at: number
}

/** Where the node has read a context's chain up to, and where the context began. */
export interface ChainMeta {
  version: 2
  through: Position
  genesis: Genesis
}
