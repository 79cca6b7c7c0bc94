// What the chain kit's change feed needs of ICP: the canister's own revision log. A
// position is a log entry (seq = its number, id = its hash in the log's sha256 chain);
// ICP has no reorgs, so an id never changes. Every accepted request but a creation is a
// change; the request's Candid bytes carry its action.
import type { ChainChange } from '../../src/governance/anchor.ts'
import type { FeedSource } from '../../src/chain/kit/index.ts'
import { sha256 } from '../../src/crypto/hash.ts'
import { toHex } from '../../src/crypto/bytes.ts'
import { decodeAction } from './encoding.ts'
import type { ContextConfigService, EntryRecord } from './idl.ts'
import { decodeRequest } from './request.ts'

/** A request's id: the hex sha256 of its Candid bytes (what a receipt and its change carry). */
export function requestId (request: Uint8Array): string {
  return toHex(sha256(request))
}

export class IcpSource implements FeedSource {
  private readonly canister: () => ContextConfigService
  private readonly ids = new Map<number, string>()

  constructor (canister: () => ContextConfigService) {
    this.canister = canister
  }

  async head (): Promise<number> {
    return Number((await this.canister().tip()).seq)
  }

  async idAt (seq: number): Promise<string | undefined> {
    const known = this.ids.get(seq)
    if (known !== undefined) return known
    const [hash] = await this.canister().entryHash(BigInt(seq))
    if (hash === undefined) return undefined
    if (this.ids.size > 4096) this.ids.clear()
    this.ids.set(seq, toHex(hash))
    return toHex(hash)
  }

  async changes (contexts: string[], from: number, to: number): Promise<ChainChange[]> {
    const wanted = new Set(contexts)
    const out: ChainChange[] = []
    for (let next = Math.max(1, from); next <= to;) {
      const page = await this.canister().entries(BigInt(next), BigInt(to))
      if (page.length === 0) break
      for (const e of page) {
        this.ids.set(Number(e.seq), toHex(e.hash))
        const change = this.decode(e, wanted)
        if (change !== undefined) out.push(change)
      }
      next = Number(page.at(-1)!.seq) + 1
    }
    return out
  }

  private decode (e: EntryRecord, contexts: Set<string>): ChainChange | undefined {
    if (!contexts.has(toHex(e.context))) return undefined
    const req = decodeRequest(e.request)
    if ('create' in req.action) return undefined
    return {
      context: e.context,
      id: requestId(e.request),
      author: e.identity,
      action: decodeAction(req.action) as ChainChange['action'],
      accepted: true,
      revision: Number(e.revision),
      position: { seq: Number(e.seq), id: toHex(e.hash) },
      index: 0,
      nonce: e.nonce,
      at: Number(e.time)
    }
  }
}
