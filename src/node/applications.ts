// Installed applications: content-addressed (id = sha256 of the WASM), validated and
// instrumented by the runtime before anything is stored.
import { toHex } from '../crypto/bytes.ts'
import { sha256 } from '../crypto/hash.ts'
import { ConflictError, InvalidInputError, NotFoundError, PayloadTooLargeError } from '../errors/index.ts'
import type { Runtime } from '../runtime/index.ts'
import { key, type Store } from '../store/index.ts'
import { MAX_APPLICATION_BYTES } from './constants.ts'
import type { ApplicationInfo } from './types.ts'

interface ApplicationRecord {
  id: Uint8Array
  name: string | null
  size: number
  methods: string[]
  installedAt: number
}

const WASM = Uint8Array.of(1)

export class Applications {
  private readonly store: Store
  private readonly runtime: Runtime

  constructor (store: Store, runtime: Runtime) {
    this.store = store
    this.runtime = runtime
  }

  async install (wasm: Uint8Array, name?: string): Promise<ApplicationInfo> {
    if (wasm.byteLength === 0) throw new InvalidInputError('the WASM module is empty')
    if (wasm.byteLength > MAX_APPLICATION_BYTES) throw new PayloadTooLargeError(`module of ${wasm.byteLength} bytes exceeds the ${MAX_APPLICATION_BYTES}-byte limit`)
    if (name !== undefined && (name.length === 0 || name.length > 128)) throw new InvalidInputError('name must be 1 to 128 characters')
    const id = sha256(wasm)
    const existing = this.record(id)
    if (existing !== undefined) return info(existing)
    const methods = this.runtime.prepare(id, wasm) // throws InvalidModuleError before any write
    const record: ApplicationRecord = { id, name: name ?? null, size: wasm.byteLength, methods, installedAt: Date.now() }
    await this.store.transaction(() => {
      this.store.db.applications.put(Buffer.from(id), record)
      this.store.db.applications.put(key(id, WASM), wasm)
    })
    return info(record)
  }

  list (): ApplicationInfo[] {
    const out: ApplicationInfo[] = []
    for (const { key: k, value } of this.store.db.applications.getRange({})) {
      if ((k as Buffer).length === 32) out.push(info(value as ApplicationRecord))
    }
    return out
  }

  get (id: Uint8Array): ApplicationInfo {
    const rec = this.record(id)
    if (rec === undefined) throw new NotFoundError(`application ${toHex(id)} is not installed`, { hint: 'install it with `moor app install <file.wasm>`' })
    return info(rec)
  }

  has (id: Uint8Array): boolean {
    return this.record(id) !== undefined
  }

  wasm (id: Uint8Array): Uint8Array {
    const bytes = this.store.db.applications.get(key(id, WASM)) as Uint8Array | undefined
    if (bytes === undefined) throw new NotFoundError(`application ${toHex(id)} is not installed`)
    return bytes
  }

  async remove (id: Uint8Array, inUseBy: string[]): Promise<void> {
    this.get(id)
    if (inUseBy.length > 0) throw new ConflictError(`application ${toHex(id)} is used by ${inUseBy.length} context(s)`, { details: inUseBy.join(', '), hint: 'delete those contexts first' })
    await this.store.transaction(() => {
      this.store.db.applications.remove(Buffer.from(id))
      this.store.db.applications.remove(key(id, WASM))
    })
    this.runtime.evict(id)
  }

  private record (id: Uint8Array): ApplicationRecord | undefined {
    return this.store.db.applications.get(Buffer.from(id)) as ApplicationRecord | undefined
  }
}

function info (r: ApplicationRecord): ApplicationInfo {
  return { id: toHex(r.id), name: r.name, size: r.size, methods: [...r.methods], installedAt: r.installedAt }
}
