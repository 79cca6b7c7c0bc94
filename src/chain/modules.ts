// The registered chain modules, looked up by kind or by CAIP-2 namespace. The list itself
// is src/node/chains.ts; everything else asks an instance of this class.
import { UnknownAnchorError } from '../governance/anchor.ts'
import type { ChainModule } from './module.ts'

const KIND = /^[a-z0-9-]{2,16}$/
const NAMESPACE = /^[-a-z0-9]{3,8}$/

export class ChainModules {
  private readonly byKind = new Map<string, ChainModule>()

  constructor (modules: readonly ChainModule[]) {
    for (const m of modules) {
      if (!KIND.test(m.kind) || m.kind === 'offchain') throw new Error(`chain module kind "${m.kind}" must be 2 to 16 of [a-z0-9-], and not "offchain"`)
      if (!NAMESPACE.test(m.namespace)) throw new Error(`chain module ${m.kind}: "${m.namespace}" is not a CAIP-2 namespace`)
      if (this.byKind.has(m.kind)) throw new Error(`chain module ${m.kind} is listed twice`)
      this.byKind.set(m.kind, m)
    }
  }

  /** The registered kinds, in list order. */
  get kinds (): string[] {
    return [...this.byKind.keys()]
  }

  all (): ChainModule[] {
    return [...this.byKind.values()]
  }

  find (kind: string): ChainModule | undefined {
    return this.byKind.get(kind)
  }

  /** The module of `kind`; UnknownAnchorError listing the registered ones otherwise. */
  get (kind: string): ChainModule {
    const m = this.byKind.get(kind)
    if (m === undefined) throw this.unknown(kind)
    return m
  }

  /** The error for an anchor kind nobody registered. */
  unknown (kind: string): UnknownAnchorError {
    const shown = JSON.stringify(String(kind).slice(0, 40))
    return new UnknownAnchorError(`unknown anchor ${shown}`, { details: `known anchors: ${['offchain', ...this.kinds].join(', ')}` })
  }
}
