// moor deploy <chain> --rpc <url> [--key <key> | $<chain's variable>] [--out <file>] [--configure]
// — deploy the contracts of a chain anchor, write the deployment file and optionally point
// the node home's config.json at them.
//
// The deployment is the chain module's deploy (adapters/<chain>/), the same code the
// chain's deploy script and `moor devnet` run.

import { deploymentFileName, writeDeploymentFile } from '../../chain/deployment.ts'
import { checkRpcUrl } from '../../chain/endpoint.ts'
import type { Deployed } from '../../chain/module.ts'
import { CHAIN_MODULES } from '../../node/chains.ts'
import { configureChain, loadConfig } from '../../node/config.ts'
import { chainArg, outputFileArg } from '../command.ts'
import type { Command } from '../command.ts'
import { UsageError } from '../errors.ts'
import { fields, printJson, printLines } from '../output.ts'
import { statusLine } from '../progress.ts'

export const deploy: Command = {
  path: ['deploy'],
  group: 'Chains',
  synopsis: 'deploy <chain> --rpc <url> [--key <key>] [--out <file>] [--configure]',
  summary: 'Deploy a chain\'s context config contracts through an endpoint.',
  optionHelp: [
    ['--rpc <url>', 'JSON-RPC endpoint: http(s):// or ws(s)://'],
    ['--key <key>', 'the deployer\'s private key (its account pays);\nbetter: set the chain\'s variable (below), which keeps it out of shell history'],
    ['--out <file>', 'where to write the deployment (default ./<chain>-deployment.json)'],
    ['--configure', 'write chains.<chain> { rpc, contract } to the home\'s config.json\n(the home must be initialised: `moor init`)']
  ],
  notes: [
    `Supported chains: ${CHAIN_MODULES.kinds.join(', ')}. A local chain to deploy to: \`moor devnet <chain> --no-deploy\`.`,
    ...CHAIN_MODULES.all().map((m) => `${m.kind}: the key is ${m.payer.description}, from --key or $${m.payer.inputEnv}.`),
    'The node pays for its requests from its relayer key, set apart: `moor relayer set <chain>`.'
  ],
  options: {
    rpc: { type: 'string' },
    key: { type: 'string' },
    out: { type: 'string' },
    configure: { type: 'boolean' }
  },
  positionals: { min: 1, max: 1, names: '<chain>' },
  async run (ctx) {
    const m = chainArg(ctx.positionals[0], ctx.usage)
    const rpcArg = ctx.values.rpc as string | undefined
    if (rpcArg === undefined) throw new UsageError('missing --rpc <url>', ctx.usage)
    let rpc: string
    try {
      rpc = checkRpcUrl(rpcArg, '--rpc')
    } catch (err) {
      throw new UsageError((err as Error).message, ctx.usage)
    }
    const fromFlag = ctx.values.key as string | undefined
    const text = (fromFlag ?? ctx.io.env[m.payer.inputEnv] ?? '').trim()
    if (text === '') throw new UsageError(`no deployer key: set $${m.payer.inputEnv} (or pass --key <key>)`, ctx.usage)
    const key = m.payer.parse(text)
    if (key === undefined) {
      throw new UsageError(`${fromFlag !== undefined ? '--key' : `$${m.payer.inputEnv}`} is not ${m.payer.description}`, ctx.usage, { hint: m.payer.hint })
    }
    const out = outputFileArg((ctx.values.out as string | undefined) ?? deploymentFileName(m.kind), '--out', ctx.usage)
    const configure = ctx.values.configure === true
    if (configure) await loadConfig(ctx.home) // the home exists and its config is valid, before anything is spent

    const status = statusLine(ctx.io)
    status.set(`connecting to ${rpc}…`)
    let deployed: Deployed
    try {
      deployed = await m.deploy({ rpc, key, onProgress: (message) => { status.set(message) } })
    } finally {
      status.done()
    }
    const { record } = deployed
    const file = writeDeploymentFile(out, record)
    if (configure) await configureChain(ctx.home, m.kind, { rpc: record.rpc, contract: record.contract })

    if (ctx.json) {
      printJson(ctx, { ...record, file, configured: configure ? ctx.home : null })
      return 0
    }
    const lines = [
      `deployed ${deployed.summary} (${rpc})`,
      ...fields([...deployed.fields, ['written to', file]]).map((l) => '  ' + l)
    ]
    if (configure) {
      lines.push(`configured ${ctx.home}: chains.${m.kind} { rpc, contract } in config.json (a running node reads it at start: restart it)`)
    } else {
      lines.push(`point a node at it with --configure, or set chains.${m.kind} in its config.json`)
    }
    printLines(ctx, lines)
    return 0
  }
}
