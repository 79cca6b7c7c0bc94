// moor deploy ethereum --rpc <url> [--key <hex> | $MOOR_ETH_KEY] [--out <file>] [--configure]
// — deploy the contracts of a chain anchor, write the deployment file and optionally point
// the node home's config.json at them.
//
// The deployment is deployTo (adapters/ethereum/deploy.ts), the same code
// scripts/deploy-ethereum.ts and `moor devnet` run.

import type { DeploymentRecord } from '../../../adapters/ethereum/deploy.ts'
import { configureEthereum, isEvmPrivateKey, loadConfig, checkRpcUrl } from '../../node/config.ts'
import { chainArg, outputFileArg } from '../command.ts'
import type { Command } from '../command.ts'
import { UsageError } from '../errors.ts'
import { fields, printJson, printLines } from '../output.ts'
import { statusLine } from '../progress.ts'

const DEFAULT_OUT = 'ethereum-deployment.json'

export const deploy: Command = {
  path: ['deploy'],
  group: 'Chains',
  synopsis: 'deploy ethereum --rpc <url> [--key <hex>] [--out <file>] [--configure]',
  summary: 'Deploy the Ethereum contracts (ContextConfig, its Ed25519 verifier and proxy implementation).',
  optionHelp: [
    ['--rpc <url>', 'JSON-RPC endpoint: http(s):// or ws(s)://'],
    ['--key <hex>', 'the deployer\'s private key (0x + 64 hex; its account pays the gas);\nbetter: set $MOOR_ETH_KEY, which keeps it out of shell history'],
    ['--out <file>', `where to write the deployment (default ./${DEFAULT_OUT})`],
    ['--configure', 'write chains.ethereum { rpc, contract } to the home\'s config.json\n(the home must be initialised: `moor init`)']
  ],
  notes: [
    'Supported chains: ethereum. A local chain to deploy to: `moor devnet --no-deploy`.',
    'The node pays gas from its relayer key, set apart: `moor relayer set ethereum`.'
  ],
  options: {
    rpc: { type: 'string' },
    key: { type: 'string' },
    out: { type: 'string' },
    configure: { type: 'boolean' }
  },
  positionals: { min: 1, max: 1, names: '<chain>' },
  async run (ctx) {
    chainArg(ctx.positionals[0], ctx.usage)
    const rpcArg = ctx.values.rpc as string | undefined
    if (rpcArg === undefined) throw new UsageError('missing --rpc <url>', ctx.usage)
    let rpc: string
    try {
      rpc = checkRpcUrl(rpcArg, '--rpc')
    } catch (err) {
      throw new UsageError((err as Error).message, ctx.usage)
    }
    const fromFlag = ctx.values.key as string | undefined
    const key = (fromFlag ?? ctx.io.env.MOOR_ETH_KEY ?? '').trim()
    if (key === '') throw new UsageError('no deployer key: set $MOOR_ETH_KEY (or pass --key <hex>)', ctx.usage)
    if (!isEvmPrivateKey(key)) {
      throw new UsageError(`${fromFlag !== undefined ? '--key' : '$MOOR_ETH_KEY'} is not an EVM private key`, ctx.usage, { hint: 'a key is 0x followed by 64 hex digits' })
    }
    const out = outputFileArg((ctx.values.out as string | undefined) ?? DEFAULT_OUT, '--out', ctx.usage)
    const configure = ctx.values.configure === true
    if (configure) await loadConfig(ctx.home) // the home exists and its config is valid, before anything is spent

    const { formatEther } = await import('ethers')
    const { deployTo, writeDeploymentFile } = await import('../../../adapters/ethereum/deploy.ts')
    const status = statusLine(ctx.io)
    status.set(`connecting to ${rpc}…`)
    let record: DeploymentRecord
    try {
      record = await deployTo({
        rpc,
        key,
        onDeploying: ({ chainId, deployer, balance }) => {
          status.set(`deploying to chain ${chainId} from ${deployer} (balance ${formatEther(balance)} ETH)…`)
        }
      })
    } finally {
      status.done()
    }
    const file = writeDeploymentFile(out, record)
    if (configure) await configureEthereum(ctx.home, { rpc: record.rpc, contract: record.contract })

    if (ctx.json) {
      printJson(ctx, { ...record, file, configured: configure ? ctx.home : null })
      return 0
    }
    const lines = [
      `deployed the Ethereum contracts to chain ${record.chainId} (${rpc})`,
      ...fields([
        ['ContextConfig', record.contextConfig],
        ['ContextProxy implementation', record.contextProxyImplementation],
        ['Ed25519Verifier', record.ed25519Verifier],
        ['deployer', record.deployer],
        ['transaction', `${record.transaction} (block ${record.block}, gas ${record.gasUsed})`],
        ['written to', file]
      ]).map((l) => '  ' + l)
    ]
    if (configure) {
      lines.push(`configured ${ctx.home}: chains.ethereum { rpc, contract } in config.json (a running node reads it at start: restart it)`)
    } else {
      lines.push('point a node at it with --configure, or set chains.ethereum in its config.json')
    }
    printLines(ctx, lines)
    return 0
  }
}
