// A bare replica of one context: real LMDB store, real CRDT layer, real signed deltas,
// without the WASM runtime. Used to test convergence properties directly.
import { generateKeyPair, toHex, type KeyPair } from '../../src/crypto/index.ts'
import { silentLogger } from '../../src/log/index.ts'
import { HybridClock } from '../../src/state/hlc.ts'
import { StateOverlay } from '../../src/state/overlay.ts'
import { RecordingState } from '../../src/state/shared-state.ts'
import type { SharedState } from '../../src/state/types.ts'
import { openStore, type Store } from '../../src/store/index.ts'
import { DeltaDag } from '../../src/sync/dag.ts'
import { decodeDelta } from '../../src/sync/delta.ts'

export class Replica {
  readonly store: Store
  readonly dag: DeltaDag
  readonly context: Uint8Array
  readonly key: KeyPair = generateKeyPair()
  readonly clock = new HybridClock()

  private constructor (store: Store, context: Uint8Array) {
    this.store = store
    this.context = context
    this.dag = new DeltaDag(store, silentLogger)
  }

  static async open (path: string, context: Uint8Array): Promise<Replica> {
    const r = new Replica(openStore({ path, noSync: true }), context)
    await r.store.transaction(() => r.dag.init(context))
    return r
  }

  /** Runs `fn` as one local call; returns the wire bytes of its delta (null if it wrote nothing). */
  async mutate (fn: (s: SharedState) => void): Promise<Uint8Array | null> {
    return await this.store.transaction(() => {
      const overlay = new StateOverlay(this.store, this.context)
      const hlc = this.clock.now()
      const state = new RecordingState({ overlay, author: this.key.publicKey, hlc, readOnly: false })
      fn(state)
      if (state.actions.length === 0) return null
      const delta = this.dag.createLocal(this.context, { author: this.key.publicKey, secretKey: this.key.secretKey, hlc, actions: state.actions })
      const rootHash = overlay.seal()
      overlay.commit()
      this.dag.append(delta, rootHash)
      return delta.bytes
    })
  }

  read<T> (fn: (s: SharedState) => T): T {
    const overlay = new StateOverlay(this.store, this.context)
    return fn(new RecordingState({ overlay, author: this.key.publicKey, hlc: this.clock.now(), readOnly: true }))
  }

  async receive (bytes: Uint8Array): Promise<string> {
    const delta = decodeDelta(bytes)
    this.clock.observe(delta.hlc)
    return await this.store.transaction(() => this.dag.receive(delta).status)
  }

  rootHash (): string {
    return toHex(this.dag.info(this.context)!.rootHash)
  }

  async close (): Promise<void> {
    await this.store.close()
  }
}
