// moor devnet [chain…] — local devnets of the registered chains (each module's
// devnet.launch, adapters/<chain>/devnet/), the contracts deployed, until SIGINT/SIGTERM.
// Without a chain: every chain that has a devnet. With --configure the node home's
// config.json gets chains.<chain> { rpc, contract } and each devnet's funded dev key
// becomes the home's relayer key for that chain. With --nodes <n>, n node homes of their
// own are configured that way and run, bootstrapped to each other (devnet-nodes.ts).

import { mkdtemp, rm } from 'node:fs/promises'
import { isIP } from 'node:net'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { writeDeploymentFile } from '../../chain/deployment.ts'
import type { ChainModule, LaunchedDevnet } from '../../chain/module.ts'
import { ConflictError } from '../../errors/index.ts'
import { CHAIN_MODULES } from '../../node/chains.ts'
import { configureChain, isLoopback, loadConfig, relayerKeyPath, sameKey, storedRelayerKey, writeRelayerKey } from '../../node/config.ts'
import { chainArg, outputFileArg, portArg, positiveIntArg } from '../command.ts'
import type { Command, CommandContext } from '../command.ts'
import { startDevnetNodes } from '../devnet-nodes.ts'
import type { DevnetNode, DevnetNodes } from '../devnet-nodes.ts'
import { UsageError } from '../errors.ts'
import { fields, printLines } from '../output.ts'
import { statusLine } from '../progress.ts'
import { reloadLine, reloadRunningNode } from '../reload.ts'

const withDevnet = (m: ChainModule): boolean => m.devnet !== undefined
/** Most nodes --nodes starts (each is a process of its own). */
const MAX_NODES = 8

export const devnet: Command = {
  path: ['devnet'],
  group: 'Chains',
  synopsis: 'devnet [chain…] [--port <port>] [--host <host>] [--block-time <ms>] [--no-deploy] [--out <file>] [--configure [--force]] [--nodes <n> [--dir <dir>]]',
  summary: 'Run local devnets (default: every chain that has one) with the contracts deployed, until Ctrl-C.',
  optionHelp: [
    ['--port <port>', 'JSON-RPC port, with one chain (default: the chain\'s usual port; 0: any free port)'],
    ['--host <host>', 'address to listen on (default 127.0.0.1)'],
    ['--block-time <ms>', 'also make a block every <ms> (default: one block per transaction)'],
    ['--no-deploy', 'start empty chains: do not deploy the contracts'],
    ['--out <file>', 'with one chain: also write the deployment file (as `moor deploy <chain>` does)'],
    ['--configure', 'point the home\'s node at the devnets: write chains.<chain> { rpc,\ncontract } to its config.json and store each dev key as its relayer key\n(the home must be initialised: `moor init`)'],
    ['--force', 'with --configure: replace a different relayer key already in the home'],
    ['--nodes <n>', `also run n nodes (1 to ${MAX_NODES}), each with a home of its own configured for\nthe devnets, connected to each other; stopped with the devnets`],
    ['--dir <dir>', 'with --nodes: keep the homes in <dir>/node1 … (default: a temporary\ndirectory, deleted on Ctrl-C); a home kept from an earlier run is reused']
  ],
  notes: [
    `Chains with a devnet: ${CHAIN_MODULES.all().filter(withDevnet).map((m) => m.kind).join(', ') || 'none'}.`,
    ...CHAIN_MODULES.all().flatMap((m) => m.devnet?.about ?? []),
    'Each chain lives in memory: stopping the devnet loses it (contexts included).',
    '--json prints one line of JSON once the devnets are ready: the devnet\'s fields for one',
    'chain, `{ "devnets": [...] }` for several, `{ "devnets": [...], "nodes": [...], "dir" }` with --nodes.',
    'The nodes log at warn ($MOOR_LOG sets another level), each line on stderr after its name.'
  ],
  options: {
    port: { type: 'string' },
    host: { type: 'string' },
    'block-time': { type: 'string' },
    'no-deploy': { type: 'boolean' },
    out: { type: 'string' },
    configure: { type: 'boolean' },
    force: { type: 'boolean' },
    nodes: { type: 'string' },
    dir: { type: 'string' }
  },
  positionals: { min: 0, max: 16, names: '[chain…]' },
  async run (ctx) {
    const chosen = ctx.positionals.length > 0 ? ctx.positionals.map((p) => chainArg(p, ctx.usage, withDevnet)) : CHAIN_MODULES.all().filter(withDevnet)
    const modules = [...new Set(chosen)]
    if (modules.length === 0) throw new UsageError('no registered chain has a devnet', ctx.usage)
    const port = portArg(ctx.values.port, '--port', ctx.usage)
    if (port !== undefined && modules.length > 1) throw new UsageError('--port applies to one chain: name it (`moor devnet <chain> --port <port>`)', ctx.usage)
    const host = (ctx.values.host as string | undefined) ?? '127.0.0.1'
    if (isIP(host) === 0 && host !== 'localhost') {
      throw new UsageError('--host must be an IP address or localhost', ctx.usage, { details: `got ${JSON.stringify(host)}` })
    }
    const blockTime = ctx.values['block-time'] as string | undefined
    const blockTimeMs = blockTime !== undefined ? positiveIntArg(blockTime, '--block-time', ctx.usage, 3_600_000) : undefined
    const deploy = ctx.values['no-deploy'] !== true
    const configure = ctx.values.configure === true
    const force = ctx.values.force === true
    if (configure && !deploy) throw new UsageError('--configure needs the contracts: it cannot be combined with --no-deploy', ctx.usage)
    if (force && !configure) throw new UsageError('--force only applies with --configure', ctx.usage)
    const outArg = ctx.values.out as string | undefined
    if (outArg !== undefined && !deploy) throw new UsageError('--out writes the deployment: it cannot be combined with --no-deploy', ctx.usage)
    if (outArg !== undefined && modules.length > 1) throw new UsageError('--out applies to one chain: name it', ctx.usage)
    const out = outArg !== undefined ? outputFileArg(outArg, '--out', ctx.usage) : undefined
    const nodeCount = ctx.values.nodes !== undefined ? positiveIntArg(ctx.values.nodes as string, '--nodes', ctx.usage, MAX_NODES) : undefined
    const dirArg = ctx.values.dir as string | undefined
    if (dirArg !== undefined && nodeCount === undefined) throw new UsageError('--dir only applies with --nodes', ctx.usage)
    if (nodeCount !== undefined && configure) throw new UsageError('--nodes makes homes of its own: it cannot be combined with --configure', ctx.usage)

    if (configure) {
      // Everything --configure needs is checked before a devnet starts. A devnet's dev key
      // is only known once it runs, so any other key already stored needs --force.
      await loadConfig(ctx.home)
      for (const m of modules) {
        const existing = await storedRelayerKey(ctx.home, m.kind).catch((err: unknown) => { if (force) return undefined; throw err })
        if (existing !== undefined && !force && !isDevKey(m, existing)) {
          throw new ConflictError(`${relayerKeyPath(ctx.home, m.kind)} already holds another relayer key`, {
            hint: 'replacing it with the dev key loses that account unless you have a copy; pass --force to replace it, or leave out --configure'
          })
        }
      }
    }

    const chains: Array<{ m: ChainModule, chain: LaunchedDevnet }> = []
    let nodes: DevnetNodes | undefined
    let started: { nodes: DevnetNode[], dir: string, temporary: boolean } | undefined
    let tempDir: string | undefined
    const closeAll = async (): Promise<void> => {
      await nodes?.close()
      await Promise.allSettled(chains.map(async ({ chain }) => { await chain.close() }))
      if (tempDir !== undefined) await rm(tempDir, { recursive: true, force: true })
    }
    const signals = closeOnSignal(closeAll)
    const status = statusLine(ctx.io)
    try {
      for (const m of modules) {
        // Progress on stderr: a first start may compile the contracts for a while.
        const say = (message: string): void => { status.set(`${m.title} devnet: ${message}`) }
        say('loading…')
        chains.push({ m, chain: await m.devnet!.launch({ host, port: port ?? m.devnet!.defaultPort, deploy, ...(blockTimeMs !== undefined ? { blockTimeMs } : {}), onProgress: say }) })
      }
      if (nodeCount !== undefined) {
        const dir = dirArg !== undefined ? resolve(dirArg) : (tempDir = await mkdtemp(join(tmpdir(), 'moor-devnet-')))
        nodes = startDevnetNodes({
          count: nodeCount,
          dir,
          chains: chains.flatMap(({ m, chain }) => chain.deployment !== undefined ? [{ kind: m.kind, rpc: chain.rpc, contract: chain.deployment.record.contract, key: chain.key }] : []),
          logLevel: ctx.io.env.MOOR_LOG ?? 'warn',
          onLog: (name, line) => { status.done(); ctx.io.stderr(`[${name}] ${line}\n`) },
          onProgress: (message) => { status.set(`nodes: ${message}`) }
        })
        started = { nodes: await nodes.ready, dir: nodes.dir, temporary: tempDir !== undefined }
      }
      status.done()
      const infos: DevnetInfo[] = []
      for (const { m, chain } of chains) {
        const file = out !== undefined && chain.deployment !== undefined ? writeDeploymentFile(out, chain.deployment.record) : undefined
        if (configure && chain.deployment !== undefined) {
          await configureChain(ctx.home, m.kind, { rpc: chain.rpc, contract: chain.deployment.record.contract })
          await writeRelayerKey(ctx.home, m.kind, chain.key, { force })
        }
        infos.push({ m, chain, file: file ?? null, configured: configure ? ctx.home : null })
      }
      const node = configure ? await reloadRunningNode(ctx.home) : null
      if (ctx.json) {
        const docs = infos.map((i) => ({ ...jsonOf(i), ...(configure ? { node } : {}) }))
        ctx.io.stdout(JSON.stringify(started !== undefined ? { devnets: docs, nodes: started.nodes, dir: started.dir } : docs.length === 1 ? docs[0] : { devnets: docs }) + '\n')
      } else {
        printHuman(ctx, infos, host, reloadLine(node), started)
      }
    } catch (err) {
      status.done()
      // Ctrl-C while starting: what failed was stopped on purpose.
      if (signals.received()) { await signals.stopped; return 130 }
      signals.cancel()
      await closeAll()
      throw err
    }
    await signals.stopped
    return 0
  }
}

interface DevnetInfo { m: ChainModule, chain: LaunchedDevnet, file: string | null, configured: string | null }

/** Whether `key` is the dev key this chain's devnet hands out on every run. */
function isDevKey (m: ChainModule, key: string): boolean {
  return m.devnet?.devKey !== undefined && sameKey(m.devnet.devKey, key)
}

function jsonOf ({ m, chain, file, configured }: DevnetInfo): Record<string, unknown> {
  return {
    chain: m.kind,
    rpc: chain.rpc,
    network: `${m.namespace}:${chain.network}`,
    ...chain.info,
    contract: chain.deployment?.record.contract ?? null,
    key: chain.key,
    address: chain.account,
    deployment: chain.deployment?.record ?? null,
    file,
    configured
  }
}

function printHuman (ctx: CommandContext, infos: DevnetInfo[], host: string, reloaded: string[], started?: { nodes: DevnetNode[], dir: string, temporary: boolean }): void {
  const lines: string[] = []
  for (const { m, chain, file, configured } of infos) {
    const contract = chain.deployment?.record.contract
    const pairs: Array<[string, string]> = [['rpc', chain.rpc], ...chain.fields]
    if (contract !== undefined) pairs.push(['contract', `${contract}${chain.contractNote !== undefined ? ' ' + chain.contractNote : ''}`])
    else pairs.push(['contract', `none (--no-deploy): deploy with \`moor deploy ${m.kind} --rpc ${chain.rpc}\``])
    pairs.push(['dev key', chain.key], ['dev account', `${chain.account}${chain.accountNote !== undefined ? ' ' + chain.accountNote : ''}`])
    if (file !== null) pairs.push(['deployment', file])
    lines.push(chain.title, ...fields(pairs).map((l) => '  ' + l), '', ...chain.notes)
    if (configured !== null) {
      lines.push('', `configured ${configured}: chains.${m.kind} { rpc, contract } in config.json, the dev key as relayer key`, ...reloaded)
    } else if (contract !== undefined && started === undefined) {
      lines.push('', `point a node at it with \`moor devnet --configure --home <dir>\`, or set chains.${m.kind} in its config.json`)
    }
    lines.push('')
  }
  if (started !== undefined) lines.push(...nodeLines(infos, started))
  if (!isLoopback(host)) lines.push(`warning: listening on ${host}: other machines can reach ${infos.length === 1 ? 'this devnet' : 'these devnets'}`)
  lines.push('press Ctrl-C to stop')
  printLines(ctx, lines)
}

function nodeLines (infos: DevnetInfo[], { nodes, dir, temporary }: { nodes: DevnetNode[], dir: string, temporary: boolean }): string[] {
  const configured = infos.filter((i) => i.chain.deployment !== undefined).map((i) => i.m.kind)
  const lines = [
    `${nodes.length} node${nodes.length === 1 ? '' : 's'}, connected to each other, configured for ${configured.length > 0 ? configured.join(', ') : 'no chain (--no-deploy)'}`,
    `  homes in ${dir}${temporary ? ' (deleted on Ctrl-C; --dir <dir> keeps them)' : ''}`
  ]
  for (const n of nodes) {
    lines.push(`${n.name}`, ...fields([['api', n.url], ['admin page', `${n.url}/ (log in with the token in ${n.token})`], ['peer', n.nodeId], ['home', n.home]]).map((l) => '  ' + l))
  }
  const [first, second] = [nodes[0]!, nodes[1]]
  lines.push('', 'try:', `  moor app install apps/kv-store/build/kv-store.wasm --home ${first.home}`, `  moor context create --app <application id> --home ${first.home}   (--anchor <chain>: on a devnet)`)
  if (second !== undefined) lines.push(`  moor context invite <context id> --open --home ${first.home}`, `  moor context join <invitation> --home ${second.home}`)
  lines.push('')
  return lines
}

/**
 * `stopped` resolves once the first SIGINT/SIGTERM has closed the devnets (a second signal
 * exits at once); `cancel` removes the handlers; `received` says whether a signal came.
 */
function closeOnSignal (close: () => Promise<void>): { stopped: Promise<void>, cancel: () => void, received: () => boolean } {
  let onSignal = (): void => {}
  let received = false
  const cancel = (): void => {
    process.off('SIGINT', onSignal)
    process.off('SIGTERM', onSignal)
  }
  const stopped = new Promise<void>((resolve, reject) => {
    onSignal = (): void => {
      if (received) process.exit(130)
      received = true
      close().then(() => { cancel(); resolve() }, reject)
    }
  })
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)
  return { stopped, cancel, received: () => received }
}
