// The `chain` suite: an Ethereum-anchored context on three node processes and the EDR
// devnet behind JSON-RPC on 127.0.0.1.
//   - revocation: from a removal's receipt (the block is mined) to the moment every member
//     node no longer lists the identity (its deltas at later points are rejected from
//     then on): with new blocks pushed over the devnet's WebSocket (eth_subscribe) and a
//     one-minute poll, so only the push can explain a fast one; and polling only, at two
//     intervals (the bar there is one poll interval).
//   - propagation on a chain-anchored context: commit on A → applied on B and C.
import { JsonRpcProvider, Wallet } from 'ethers'
import { EthereumAnchor } from '../../adapters/ethereum/anchor.ts'
import { DEVNET_RELAYER_KEY } from '../../adapters/ethereum/constants.ts'
import { deployContracts } from '../../adapters/ethereum/deploy.ts'
import { serveDevnet } from '../../adapters/ethereum/devnet/index.ts'
import { toHex } from '../../src/crypto/bytes.ts'
import { generateKeyPair } from '../../src/crypto/ed25519.ts'
import { decodeTicket } from '../../src/node/invitation.ts'
import { fullMesh, NodeProcess, until } from '../../test/helpers/node-process.ts'
import { percentile, type Figure } from './report.ts'

/** Hardhat's default accounts #1–#3 (funded on every devnet; public knowledge). */
const RELAYERS = [
  '0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d',
  '0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a',
  '0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6'
]

/** Removal → enforcement on every node, `rounds` times, with the nodes polling every `pollMs` and new blocks pushed or not. */
async function revocation (pollMs: number, push: boolean, rounds: number): Promise<{ worst: number[], each: number[] }> {
  const devnet = await serveDevnet()
  const provider = new JsonRpcProvider(devnet.url, undefined, { cacheTimeout: -1, staticNetwork: true })
  const contract = (await deployContracts(new Wallet(DEVNET_RELAYER_KEY, provider))).contextConfig
  provider.destroy()
  const nodes = await Promise.all(RELAYERS.map(async (key, i) => await NodeProcess.start({ name: `n${i}`, logLevel: 'warn', chains: { ethereum: { relayerKey: key, pollIntervalMs: pollMs, push: push ? 'auto' : 'off', rpc: devnet.url } } })))
  const [a, ...others] = nodes as [NodeProcess, ...NodeProcess[]]
  const client = new EthereumAnchor({ rpc: devnet.url, contract, relayer: DEVNET_RELAYER_KEY, pollIntervalMs: pollMs, push: false })
  try {
    const created = await a.call('create', { app: 'kv-store', anchor: { kind: 'ethereum', rpc: devnet.url, contract } })
    const ctx: string = created.id
    for (const n of others) await n.call('join', { invitation: await a.call('invite', { ctx, identity: await n.call('identity') }) })
    await fullMesh(nodes)
    // A manager with no node, acting through its own client, and members to remove.
    const manager = generateKeyPair()
    const c = Buffer.from(ctx, 'hex')
    const claim = async (who: ReturnType<typeof generateKeyPair>): Promise<void> => {
      const inv = decodeTicket(await a.call('inviteAs', { ctx, identity: toHex(who.publicKey) }))
      await client.submit(c, who, { type: 'claim', invitation: inv.invitation })
    }
    await claim(manager)
    await until('a sees the manager', async () => (await a.call('members', { ctx })).some((m: { identity: string }) => m.identity === toHex(manager.publicKey)))
    await a.call('grant', { ctx, identity: toHex(manager.publicKey), capability: 'ManageMembers' })
    const worst: number[] = []
    const each: number[] = []
    for (let r = 0; r < rounds; r++) {
      const member = generateKeyPair()
      await claim(member)
      const id = toHex(member.publicKey)
      await until('every node lists the member', async () => {
        for (const n of nodes) if (!(await n.call('members', { ctx })).some((m: { identity: string }) => m.identity === id)) return false
        return true
      }, 30_000, 20)
      const seen = nodes.map(async (n) => await n.call('awaitRemoval', { ctx, identity: id }) as number)
      await client.submit(c, manager, { type: 'removeMember', identity: member.publicKey })
      const mined = Date.now()
      const at = (await Promise.all(seen)).map((t) => Math.max(0, t - mined))
      each.push(...at)
      worst.push(Math.max(...at))
    }
    return { worst, each }
  } finally {
    await client.close()
    await Promise.all(nodes.map(async (n) => { await n.cleanup() }))
    await devnet.close()
  }
}

export async function benchChain (): Promise<{ figures: Figure[], extra: Record<string, unknown> }> {
  const figures: Figure[] = []
  const extra: Record<string, unknown> = {}
  const pushed = await revocation(60_000, true, 10)
  const pushP50 = percentile(pushed.worst, 50)
  extra.revocationPushed = pushed
  const polled: number[] = []
  for (const pollMs of [250, 1000]) {
    const r = await revocation(pollMs, false, 10)
    const p50 = percentile(r.worst, 50)
    polled.push(p50)
    const max = Math.max(...r.worst)
    figures.push({
      name: `revocation on Ethereum, poll ${pollMs} ms: removal mined → dropped by all 3 nodes (p50)`,
      value: p50,
      unit: 'ms',
      goal: `≤ ${pollMs} (one poll interval)`,
      met: p50 <= pollMs,
      notes: `max ${max} ms over ${r.worst.length} removals; per node p50 ${percentile(r.each, 50)} ms`
    })
    extra[`revocation${pollMs}`] = r
  }
  figures.unshift({
    name: 'revocation on Ethereum, new blocks pushed (eth_subscribe), poll 60 s: removal mined → dropped by all 3 nodes (p50)',
    value: pushP50,
    unit: 'ms',
    goal: '≤ 100',
    met: pushP50 <= 100,
    notes: `max ${Math.max(...pushed.worst)} ms over ${pushed.worst.length} removals; per node p50 ${percentile(pushed.each, 50)} ms; ${(polled[0]! / Math.max(1, pushP50)).toFixed(1)}× faster than polling every 250 ms`
  })
  return { figures, extra }
}
