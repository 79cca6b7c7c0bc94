// Runs the Ethereum devnet (Hardhat 3's EDR behind a JSON-RPC server on 127.0.0.1) until
// interrupted; with --deploy it also deploys the contracts and writes the deployment file.
//
//   node scripts/devnet-ethereum.ts [--port 8545] [--block-time <ms>] [--deploy] [--out ethereum-deployment.json] [--json]
//
// Prints the RPC URL and the funded development key (Hardhat's first default account:
// public knowledge, never use it on a real network). With --json, one line of JSON.
import { writeFileSync } from 'node:fs'
import path from 'node:path'
import { parseArgs } from 'node:util'
import { JsonRpcProvider, Wallet } from 'ethers'
import { DEVNET_RELAYER_KEY } from '../adapters/ethereum/constants.ts'
import { loadArtifacts } from '../adapters/ethereum/artifacts.ts'
import { deployContracts } from '../adapters/ethereum/deploy.ts'
import { serveDevnet } from '../adapters/ethereum/devnet/index.ts'

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
  if (values.deploy) await loadArtifacts()
  const blockTime = values['block-time'] !== undefined ? Number(values['block-time']) : undefined
  const server = await serveDevnet({ host: values.host, port: Number(values.port), ...(blockTime !== undefined ? { intervalMs: blockTime } : {}) })
  const info: Record<string, unknown> = { rpc: server.url, chainId: server.chainId, key: DEVNET_RELAYER_KEY }
  if (values.deploy) {
    const provider = new JsonRpcProvider(server.url, undefined, { cacheTimeout: -1, staticNetwork: true })
    const d = await deployContracts(new Wallet(DEVNET_RELAYER_KEY, provider))
    provider.destroy()
    const out = path.resolve(values.out)
    writeFileSync(out, JSON.stringify({ anchor: 'ethereum', rpc: server.url, ...d, contract: d.contextConfig, deployedAt: new Date().toISOString() }, null, 2) + '\n')
    Object.assign(info, { contract: d.contextConfig, file: out })
  }
  if (values.json) {
    process.stdout.write(JSON.stringify(info) + '\n')
  } else {
    process.stdout.write(`Ethereum devnet (EDR, chain ${server.chainId}) at ${server.url}\nfunded dev key ${DEVNET_RELAYER_KEY}\n`)
    if (info.contract !== undefined) process.stdout.write(`ContextConfig ${String(info.contract)} (written to ${String(info.file)})\n`)
    process.stdout.write('Ctrl-C to stop\n')
  }
  const stop = (): void => { void server.close().then(() => process.exit(0)) }
  process.once('SIGINT', stop)
  process.once('SIGTERM', stop)
}

main().catch((err: Error) => {
  process.stderr.write(`error: ${err.message}\n`)
  process.exitCode = 1
})
