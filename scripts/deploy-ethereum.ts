// Deploys the Moorage Ethereum contracts (ContextConfig, which deploys its Ed25519
// verifier and the ContextProxy implementation) to any JSON-RPC endpoint, prints the
// addresses and writes them to a JSON file a node's config can point at.
//
//   node scripts/deploy-ethereum.ts --rpc http://127.0.0.1:8545 --key 0x<hex> [--out ethereum-deployment.json] [--json]
//
// The key may come from $MOOR_ETH_KEY instead of --key (keeps it out of shell history).
// The deployment file:
//   { "anchor": "ethereum", "rpc": ..., "chainId": ..., "contract": <ContextConfig>,
//     "contextProxyImplementation": ..., "ed25519Verifier": ..., "deployer": ...,
//     "transaction": ..., "block": ..., "gasUsed": ..., "solc": ..., "deployedAt": ... }
import { writeFileSync } from 'node:fs'
import path from 'node:path'
import { parseArgs } from 'node:util'
import { JsonRpcProvider, Wallet, formatEther } from 'ethers'
import { loadArtifacts } from '../adapters/ethereum/artifacts.ts'
import { deployContracts } from '../adapters/ethereum/deploy.ts'

const USAGE = 'usage: node scripts/deploy-ethereum.ts --rpc <url> --key <hex private key> [--out <file>] [--json]'

async function main (): Promise<void> {
  const { values } = parseArgs({
    options: {
      rpc: { type: 'string', default: 'http://127.0.0.1:8545' },
      key: { type: 'string' },
      out: { type: 'string', default: 'ethereum-deployment.json' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false }
    }
  })
  if (values.help) { process.stdout.write(USAGE + '\n'); return }
  const key = values.key ?? process.env.MOOR_ETH_KEY
  if (key === undefined || key === '') throw new Error(`no deployer key: pass --key or set MOOR_ETH_KEY\n${USAGE}`)
  // Compile (or load the cache) first: a cold compile blocks for a while, long enough for
  // an idle connection to the endpoint to be dropped.
  await loadArtifacts()
  const provider = new JsonRpcProvider(values.rpc, undefined, { cacheTimeout: -1, staticNetwork: true })
  try {
    const network = await provider.getNetwork().catch((err: Error) => { throw new Error(`cannot reach ${values.rpc}: ${err.message}`) })
    const deployer = new Wallet(key, provider)
    const balance = await provider.getBalance(deployer.address)
    if (!values.json) process.stderr.write(`deploying to chain ${network.chainId} at ${values.rpc} from ${deployer.address} (balance ${formatEther(balance)} ETH)…\n`)
    const d = await deployContracts(deployer)
    const record = { anchor: 'ethereum', rpc: values.rpc, ...d, contract: d.contextConfig, deployedAt: new Date().toISOString() }
    const out = path.resolve(values.out)
    writeFileSync(out, JSON.stringify(record, null, 2) + '\n')
    if (values.json) {
      process.stdout.write(JSON.stringify({ ...record, file: out }) + '\n')
    } else {
      process.stdout.write([
        `ContextConfig               ${d.contextConfig}`,
        `ContextProxy implementation ${d.contextProxyImplementation}`,
        `Ed25519Verifier             ${d.ed25519Verifier}`,
        `chain ${d.chainId}, block ${d.block}, gas ${d.gasUsed}, tx ${d.transaction}`,
        `written to ${out}`,
        ''
      ].join('\n'))
    }
  } finally {
    provider.destroy()
  }
}

main().catch((err: Error) => {
  process.stderr.write(`error: ${err.message}\n`)
  process.exitCode = 1
})
