// moor devnet [chain…] — local devnets of the registered chains (each module's
// devnet.launch, adapters/<chain>/devnet/), the contracts deployed, until SIGINT/SIGTERM.
// Without a chain: every chain that has a devnet. With --configure the node home's
// config.json gets chains.<chain> { rpc, contract } and each devnet's funded dev key
// becomes the home's relayer key for that chain.

import { isIP } from 'node:net'
import { writeDeploymentFile } from '../../chain/deployment.ts'
import type { ChainModule, LaunchedDevnet } from '../../chain/module.ts'
import { ConflictError } from '../../errors/index.ts'
import { CHAIN_MODULES } from '../../node/chains.ts'
import { configureChain, isLoopback, loadConfig, relayerKeyPath, sameKey, storedRelayerKey, writeRelayerKey } from '../../node/config.ts'
import { chainArg, outputFileArg, portArg, positiveIntArg } from '../command.ts'
import type { Command, CommandContext } from '../command.ts'
import { UsageError } from '../errors.ts'
import { fields, printLines } from '../output.ts'
import { statusLine } from '../progress.ts'
import { reloadLine, reloadRunningNode } from '../reload.ts'

const withDevnet = (m: ChainModule): boolean => m.devnet !== undefined

export const devnet: Command = {
  path: ['devnet'],
  group: 'Chains',
  synopsis: 'devnet [chain…] [--port <port>] [--host <host>] [--block-time <ms>] [--no-deploy] [--out <file>] [--configure [--force]]',
  summary: 'Run local devnets (default: every chain that has one) with the contracts deployed, until Ctrl-C.',
  optionHelp: [
    ['--port <port>', 'JSON-RPC port, with one chain (default: the chain\'s usual port; 0: any free port)'],
    ['--host <host>', 'address to listen on (default 127.0.0.1)'],
    ['--block-time <ms>', 'also make a block every <ms> (default: one block per transaction)'],
    ['--no-deploy', 'start empty chains: do not deploy the contracts'],
    ['--out <file>', 'with one chain: also write the deployment file (as `moor deploy <chain>` does)'],
    ['--configure', 'point the home\'s node at the devnets: write chains.<chain> { rpc,\ncontract } to its config.json and store each dev key as its relayer key\n(the home must be initialised: `moor init`)'],
    ['--force', 'with --configure: replace a different relayer key already in the home']
  ],
  notes: [
    `Chains with a devnet: ${CHAIN_MODULES.all().filter(withDevnet).map((m) => m.kind).join(', ') || 'none'}.`,
    ...CHAIN_MODULES.all().flatMap((m) => m.devnet?.about ?? []),
    'Each chain lives in memory: stopping the devnet loses it (contexts included).',
    '--json prints one line of JSON once the devnets are ready: the devnet\'s fields for one',
    'chain, `{ "devnets": [...] }` for several.'
  ],
  options: {
    port: { type: 'string' },
    host: { type: 'string' },
    'block-time': { type: 'string' },
    'no-deploy': { type: 'boolean' },
    out: { type: 'string' },
    configure: { type: 'boolean' },
    force: { type: 'boolean' }
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
    const closeAll = async (): Promise<void> => { await Promise.allSettled(chains.map(async ({ chain }) => { await chain.close() })) }
    const signals = closeOnSignal(closeAll)
    const status = statusLine(ctx.io)
    try {
      for (const m of modules) {
        // Progress on stderr: a first start may compile the contracts for a while.
        const say = (message: string): void => { status.set(`${m.title} devnet: ${message}`) }
        say('loading…')
        chains.push({ m, chain: await m.devnet!.launch({ host, port: port ?? m.devnet!.defaultPort, deploy, ...(blockTimeMs !== undefined ? { blockTimeMs } : {}), onProgress: say }) })
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
        ctx.io.stdout(JSON.stringify(docs.length === 1 ? docs[0] : { devnets: docs }) + '\n')
      } else {
        printHuman(ctx, infos, host, reloadLine(node))
      }
    } catch (err) {
      status.done()
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

function printHuman (ctx: CommandContext, infos: DevnetInfo[], host: string, reloaded: string[]): void {
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
    } else if (contract !== undefined) {
      lines.push('', `point a node at it with \`moor devnet --configure --home <dir>\`, or set chains.${m.kind} in its config.json`)
    }
    lines.push('')
  }
  if (!isLoopback(host)) lines.push(`warning: listening on ${host}: other machines can reach ${infos.length === 1 ? 'this devnet' : 'these devnets'}`)
  lines.push('press Ctrl-C to stop')
  printLines(ctx, lines)
}

/**
 * `stopped` resolves once the first SIGINT/SIGTERM has closed the devnets (a second signal
 * exits at once); `cancel` removes the handlers.
 */
function closeOnSignal (close: () => Promise<void>): { stopped: Promise<void>, cancel: () => void } {
  let onSignal = (): void => {}
  const cancel = (): void => {
    process.off('SIGINT', onSignal)
    process.off('SIGTERM', onSignal)
  }
  const stopped = new Promise<void>((resolve, reject) => {
    let received = false
    onSignal = (): void => {
      if (received) process.exit(130)
      received = true
      close().then(() => { cancel(); resolve() }, reject)
    }
  })
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)
  return { stopped, cancel }
}
