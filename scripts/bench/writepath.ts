// The write path with peers: the same sequential writes on A with 0, 1 and 4 member
// nodes subscribed to the context's topic (every node its own process). A write is
// acknowledged once durable; publishing to the peers must not slow it down.
import { fullMesh, NodeProcess, sharedContext, until, converged } from '../../test/helpers/node-process.ts'

const now = (): number => performance.timeOrigin + performance.now()

/** Per-write milliseconds of `n` sequential writes on A with `peers` member nodes on the topic. */
export async function writesWithPeers (peers: number, n: number): Promise<{ perWrite: number, ms: number }> {
  const nodes = await Promise.all(Array.from({ length: peers + 1 }, async (_, i) => await NodeProcess.start({ name: `w${i}`, logLevel: 'warn' })))
  try {
    const [a, ...others] = nodes as [NodeProcess, ...NodeProcess[]]
    const { ctx } = await sharedContext(a, others)
    await fullMesh(nodes)
    if (peers > 0) await until(`A to see ${peers} peers on the topic`, async () => (await a.call('topicPeers', { ctx })).length === peers, 20_000)
    await a.call('setMany', { ctx, prefix: 'warm', n: 100, concurrency: 1 })
    if (peers > 0) await converged(nodes, ctx)
    const t0 = now()
    await a.call('setMany', { ctx, prefix: 'k', n, concurrency: 1 }, 600_000)
    const ms = now() - t0
    if (peers > 0) await converged(nodes, ctx, 60_000)
    return { perWrite: ms / n, ms }
  } finally {
    await Promise.all(nodes.map(async (x) => { await x.cleanup() }))
  }
}

if (import.meta.main) {
  for (const p of [0, 1, 4]) console.log(p, await writesWithPeers(p, Number(process.argv[2] ?? 500)))
}
