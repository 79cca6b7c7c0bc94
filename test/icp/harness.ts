// Shared setup of the ICP tests: the devnet on a free port, the context config canister
// (the real Motoko WASM) installed, relayer identities, and anchors through them.
import { readFileSync } from 'node:fs'
import { Actor, HttpAgent } from '@dfinity/agent'
import { Ed25519KeyIdentity } from '@dfinity/identity'
import { IcpAnchor, refusalOf } from '../../adapters/icp/anchor.ts'
import { requestId } from '../../adapters/icp/feed.ts'
import { idlFactory, type ContextConfigService } from '../../adapters/icp/idl.ts'
import { ed25519Pem } from '../../adapters/icp/keys.ts'
import { launchReplica, type Replica } from '../../adapters/icp/devnet/index.ts'
import type { RefusalCode } from '../../src/governance/refusals.ts'
import { ICP_CANISTER_WASM } from '../../scripts/build-icp.ts'

export interface IcpFixture {
  replica: Replica
  canister: string
  /** Relayer identities as PEM (what a node's relayer key holds). */
  relayers: string[]
  anchor: () => IcpAnchor
  /** Has another relayer send the request of receipt `id` again: the canister's verdict. */
  resend: (id: string) => Promise<RefusalCode | 'accepted'>
  now: () => Promise<number>
  advance: (ms: number) => Promise<void>
  close: () => Promise<void>
}

export async function icpFixture (relayerCount = 2): Promise<IcpFixture> {
  const replica = await launchReplica({ port: 0 })
  const canister = await replica.installCanister(new Uint8Array(readFileSync(ICP_CANISTER_WASM)))
  const relayers = Array.from({ length: Math.max(2, relayerCount) }, () => ed25519Pem(Ed25519KeyIdentity.generate().getKeyPair().secretKey.slice(0, 32)))
  const anchors: IcpAnchor[] = []
  const other = Actor.createActor<ContextConfigService>(idlFactory, {
    agent: await HttpAgent.create({ host: replica.url, rootKey: replica.rootKey, identity: Ed25519KeyIdentity.generate() }),
    canisterId: canister
  })
  return {
    replica,
    canister,
    relayers,
    anchor: () => {
      const a = new IcpAnchor({ host: replica.url, canister, rootKey: replica.rootKey, identity: Ed25519KeyIdentity.generate(), pollIntervalMs: 20 })
      anchors.push(a)
      return a
    },
    resend: async (id) => {
      const tip = await other.tip()
      for (let from = 1n; from <= tip.seq; from += 100n) {
        const e = (await other.entries(from, tip.seq)).find((x) => requestId(x.request) === id)
        if (e === undefined) continue
        try {
          await other.mutate(e.request, e.signature)
          return 'accepted'
        } catch (err) {
          const r = refusalOf((err as Error).message)
          if (r === undefined) throw err
          return r.code
        }
      }
      throw new Error(`no request ${id} in the canister's log`)
    },
    now: async () => replica.clock.pin(),
    advance: async (ms) => { replica.clock.advance(ms) },
    close: async () => {
      for (const a of anchors) await a.close()
      await replica.close()
    }
  }
}
