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
import { reloadLine, reloadRunningNode } from '../reload.ts'
import { KEY_OPTIONS, readChainKey } from '../secret-key.ts'
import { ConflictError } from '../../errors/index.ts'

/** Options of chains that deploy into an existing contract (ChainModule.deployInto), e.g. `--canister <id>`. */
const INTO = CHAIN_MODULES.all().flatMap((m) => m.deployInto !== undefined ? [{ kind: m.kind, ...m.deployInto }] : [])

export const deploy: Command = {
  path: ['deploy'],
  group: 'Chains',
  synopsis: `deploy <chain> --rpc <url> [--key-file <path>]${INTO.map((o) => ` [--${o.option} ${o.value}]`).join('')} [--out <file>] [--configure [--replace]]`,
  summary: 'Deploy a chain\'s context config contracts through an endpoint.',
  optionHelp: [
    ['--rpc <url>', 'JSON-RPC endpoint: http(s):// or ws(s)://'],
    ['--key-file <path>', 'read the deployer\'s key (its account pays) from this file;\nelse from the chain\'s variable (below)'],
    ...INTO.map((o): [string, string] => [`--${o.option} ${o.value}`, o.help]),
    ['--out <file>', 'where to write the deployment (default ./<chain>-deployment.json)'],
    ['--configure', 'write chains.<chain> { rpc, contract } to the home\'s config.json\n(the home must be initialised: `moor init`); a running node takes it at once'],
    ['--replace', 'with --configure: replace a contract config.json already names']
  ],
  notes: [
    `Supported chains: ${CHAIN_MODULES.kinds.join(', ')}. A local chain to deploy to: \`moor devnet <chain> --no-deploy\`.`,
    ...CHAIN_MODULES.all().map((m) => `${m.kind}: the key is ${m.payer.description}, from --key-file or $${m.payer.inputEnv}.`),
    'The key is never taken from the command line: it would stay in shell history.',
    'The node pays for its requests from its relayer key, set apart: `moor relayer set <chain>`.'
  ],
  options: {
    ...KEY_OPTIONS,
    rpc: { type: 'string' },
    out: { type: 'string' },
    configure: { type: 'boolean' },
    replace: { type: 'boolean' },
    ...Object.fromEntries(INTO.map((o) => [o.option, { type: 'string' as const }]))
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
    const into = INTO.find((o) => ctx.values[o.option] !== undefined && o.kind !== m.kind)
    if (into !== undefined) throw new UsageError(`--${into.option} applies to ${into.kind} only`, ctx.usage)
    const existing = m.deployInto !== undefined ? ctx.values[m.deployInto.option] as string | undefined : undefined
    const key = readChainKey(ctx, m, 'the deployer key')
    const out = outputFileArg((ctx.values.out as string | undefined) ?? deploymentFileName(m.kind), '--out', ctx.usage)
    const configure = ctx.values.configure === true
    const replace = ctx.values.replace === true
    if (replace && !configure) throw new UsageError('--replace only applies with --configure', ctx.usage)
    if (configure) {
      // The home exists, its config is valid and says nothing we would overwrite unasked,
      // before anything is spent.
      const configured = (await loadConfig(ctx.home)).chains[m.kind]
      if (configured !== undefined && !replace) {
        throw new ConflictError(`config.json already names a contract for ${m.kind}: ${configured.contract} (via ${configured.rpc})`, {
          details: 'contexts created on it stay there; new ones would go to the contract deployed now',
          hint: `pass --replace to point the home at the new contract, or deploy without --configure`
        })
      }
    }

    const status = statusLine(ctx.io)
    status.set(`connecting to ${rpc}…`)
    let deployed: Deployed
    try {
      deployed = await m.deploy({ rpc, key, ...(existing !== undefined ? { into: existing } : {}), onProgress: (message) => { status.set(message) } })
    } finally {
      status.done()
    }
    const { record } = deployed
    const file = writeDeploymentFile(out, record)
    if (configure) await configureChain(ctx.home, m.kind, { rpc: record.rpc, contract: record.contract })
    const node = configure ? await reloadRunningNode(ctx.home) : null

    if (ctx.json) {
      printJson(ctx, { ...record, file, configured: configure ? ctx.home : null, node })
      return 0
    }
    const lines = [
      `deployed ${deployed.summary} (${rpc})`,
      ...fields([...deployed.fields, ['written to', file]]).map((l) => '  ' + l)
    ]
    if (configure) {
      lines.push(`configured ${ctx.home}: chains.${m.kind} { rpc, contract } in config.json`, ...reloadLine(node))
    } else {
      lines.push(`point a node at it with --configure, or set chains.${m.kind} in its config.json`)
    }
    printLines(ctx, lines)
    return 0
  }
}
