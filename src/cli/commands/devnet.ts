// moor devnet [ethereum] — a local Ethereum devnet (Hardhat 3's EDR, a real EVM, behind
// JSON-RPC in this process) with the contracts deployed, until SIGINT/SIGTERM.
//
// The devnet and its deployment are launchDevnet (adapters/ethereum/devnet/), the same
// code scripts/devnet-ethereum.ts runs. With --configure the node home's config.json gets
// chains.ethereum { rpc, contract } and the dev key becomes the home's relayer key.

import { isIP } from 'node:net'
import { DEVNET_RELAYER_KEY } from '../../../adapters/ethereum/constants.ts'
import { ConflictError } from '../../errors/index.ts'
import { configureEthereum, isLoopback, loadConfig, relayerKeyPath, storedRelayerKey, writeRelayerKey } from '../../node/config.ts'
import { chainArg, outputFileArg, portArg, positiveIntArg } from '../command.ts'
import type { Command, CommandContext } from '../command.ts'
import { UsageError } from '../errors.ts'
import { fields, printLines } from '../output.ts'

const DEFAULT_PORT = 8545

export const devnet: Command = {
  path: ['devnet'],
  group: 'Chains',
  synopsis: 'devnet [ethereum] [--port <port>] [--host <host>] [--block-time <ms>] [--no-deploy] [--out <file>] [--configure [--force]]',
  summary: 'Run a local Ethereum devnet (EDR) with the contracts deployed, until Ctrl-C.',
  optionHelp: [
    ['--port <port>', `JSON-RPC port (default ${DEFAULT_PORT}; 0: any free port)`],
    ['--host <host>', 'address to listen on (default 127.0.0.1)'],
    ['--block-time <ms>', 'also mine a block every <ms> (default: one block per transaction)'],
    ['--no-deploy', 'start an empty chain: do not deploy the contracts'],
    ['--out <file>', 'also write the deployment file (as `moor deploy ethereum` does)'],
    ['--configure', 'point the home\'s node at this devnet: write chains.ethereum { rpc,\ncontract } to its config.json and store the dev key as its relayer key\n(the home must be initialised: `moor init`)'],
    ['--force', 'with --configure: replace a different relayer key already in the home']
  ],
  notes: [
    'Only `ethereum` so far: devnets for NEAR, ICP and Starknet are not part of moor devnet yet.',
    'The chain lives in memory: stopping the devnet loses it (contexts included). On a fresh',
    'devnet the contracts land at the same address every time.',
    'The funded dev key printed is Hardhat\'s first default account: its key is public',
    'knowledge. It is for this devnet only; never use it, or send funds to it, on a real network.',
    '--json prints one line of JSON once the devnet is ready.'
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
  positionals: { min: 0, max: 1, names: '[ethereum]' },
  async run (ctx) {
    chainArg(ctx.positionals[0] ?? 'ethereum', ctx.usage)
    const port = portArg(ctx.values.port, '--port', ctx.usage) ?? DEFAULT_PORT
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
    const out = outArg !== undefined ? outputFileArg(outArg, '--out', ctx.usage) : undefined

    if (configure) {
      // Everything --configure needs is checked before the devnet starts.
      await loadConfig(ctx.home)
      const existing = await storedRelayerKey(ctx.home).catch((err: unknown) => { if (force) return undefined; throw err })
      if (existing !== undefined && existing.toLowerCase() !== DEVNET_RELAYER_KEY.toLowerCase() && !force) {
        throw new ConflictError(`${relayerKeyPath(ctx.home)} already holds another relayer key`, {
          hint: 'replacing it with the dev key loses that account unless you have a copy; pass --force to replace it, or leave out --configure'
        })
      }
    }

    const { launchDevnet } = await import('../../../adapters/ethereum/devnet/index.ts')
    const { writeDeploymentFile } = await import('../../../adapters/ethereum/deploy.ts')
    const chain = await launchDevnet({ host, port, deploy, ...(blockTimeMs !== undefined ? { blockTimeMs } : {}) })
    const signals = closeOnSignal(chain.close)
    try {
      const file = out !== undefined && chain.deployment !== undefined ? writeDeploymentFile(out, chain.deployment) : undefined
      if (configure && chain.deployment !== undefined) {
        await configureEthereum(ctx.home, { rpc: chain.url, contract: chain.deployment.contract })
        await writeRelayerKey(ctx.home, chain.key, { force })
      }
      const info = {
        chain: 'ethereum',
        rpc: chain.url,
        chainId: chain.chainId,
        contract: chain.deployment?.contract ?? null,
        key: chain.key,
        address: chain.address,
        deployment: chain.deployment ?? null,
        file: file ?? null,
        configured: configure ? ctx.home : null
      }
      if (ctx.json) {
        ctx.io.stdout(JSON.stringify(info) + '\n')
      } else {
        printHuman(ctx, info, host)
      }
    } catch (err) {
      signals.cancel()
      await chain.close()
      throw err
    }
    await signals.stopped
    return 0
  }
}

function printHuman (ctx: CommandContext, info: { rpc: string, chainId: number, contract: string | null, key: string, address: string, file: string | null, configured: string | null }, host: string): void {
  const pairs: Array<[string, string]> = [['rpc', info.rpc], ['chain id', String(info.chainId)]]
  if (info.contract !== null) pairs.push(['contract', `${info.contract} (ContextConfig)`])
  else pairs.push(['contract', 'none (--no-deploy): deploy with `moor deploy ethereum --rpc ' + info.rpc + '`'])
  pairs.push(['dev key', info.key], ['dev account', `${info.address} (10,000 ETH)`])
  if (info.file !== null) pairs.push(['deployment', info.file])
  const lines = [`Ethereum devnet (EDR, in memory)`, ...fields(pairs).map((l) => '  ' + l), '']
  lines.push(
    'The dev key is Hardhat\'s first default account: public knowledge, funded on this devnet',
    'only. Never use it on a real network.'
  )
  if (!isLoopback(host)) lines.push(`warning: listening on ${host}: other machines can reach this devnet`)
  if (info.configured !== null) {
    lines.push('', `configured ${info.configured}: chains.ethereum { rpc, contract } in config.json, the dev key as relayer key`,
      '(a running node reads config.json at start: restart it)')
  } else if (info.contract !== null) {
    lines.push('', 'point a node at it with `moor devnet --configure --home <dir>`, or set chains.ethereum in its config.json')
  }
  lines.push('press Ctrl-C to stop')
  printLines(ctx, lines)
}

/**
 * `stopped` resolves once the first SIGINT/SIGTERM has closed the devnet (a second signal
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
