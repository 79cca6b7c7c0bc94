// Runs the Ethereum devnet (Hardhat 3's EDR behind a JSON-RPC server on 127.0.0.1) until
// interrupted; with --deploy it also deploys the contracts and writes the deployment file.
// A thin wrapper of launchDevnet (adapters/ethereum/devnet/), which `moor devnet` runs too.
//
//   node scripts/devnet-ethereum.ts [--port 8545] [--host 127.0.0.1] [--block-time <ms>] [--deploy] [--out ethereum-deployment.json] [--json]
//
// Prints the RPC URL and the funded development key (Hardhat's first default account:
// public knowledge, never use it on a real network). With --json, one line of JSON.
import { parseArgs } from 'node:util'
import { writeDeploymentFile } from '../adapters/ethereum/deploy.ts'
import { launchDevnet } from '../adapters/ethereum/devnet/index.ts'

async function main (): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: '8545' },
      host: { type: 'string', default: '127.0.0.1' },
      'block-time': { type: 'string' },
      deploy: { type: 'boolean', default: false },
      out: { type: 'string', default: 'ethereum-deployment.json' },
      json: { type: 'boolean', default: false }
    }
  })
  const port = Number(values.port)
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new Error(`--port must be a port number from 0 to 65535, got ${values.port}`)
  const blockTime = values['block-time'] !== undefined ? Number(values['block-time']) : undefined
  if (blockTime !== undefined && (!Number.isInteger(blockTime) || blockTime < 1)) throw new Error(`--block-time must be a positive integer (ms), got ${values['block-time']}`)
  const devnet = await launchDevnet({ host: values.host, port, deploy: values.deploy, ...(blockTime !== undefined ? { blockTimeMs: blockTime } : {}) })
  const info: Record<string, unknown> = { rpc: devnet.url, chainId: devnet.chainId, key: devnet.key }
  if (devnet.deployment !== undefined) {
    Object.assign(info, { contract: devnet.deployment.contract, file: writeDeploymentFile(values.out, devnet.deployment) })
  }
  if (values.json) {
    process.stdout.write(JSON.stringify(info) + '\n')
  } else {
    process.stdout.write(`Ethereum devnet (EDR, chain ${devnet.chainId}) at ${devnet.url}\nfunded dev key ${devnet.key}\n`)
    if (info.contract !== undefined) process.stdout.write(`ContextConfig ${String(info.contract)} (written to ${String(info.file)})\n`)
    process.stdout.write('Ctrl-C to stop\n')
  }
  const stop = (): void => { void devnet.close().then(() => process.exit(0)) }
  process.once('SIGINT', stop)
  process.once('SIGTERM', stop)
}

main().catch((err: Error) => {
  process.stderr.write(`error: ${err.message}\n`)
  process.exitCode = 1
})
