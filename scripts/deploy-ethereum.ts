// Deploys the Moorage Ethereum contracts (ContextConfig, which deploys its Ed25519
// verifier and the ContextProxy implementation) to any JSON-RPC endpoint, prints the
// addresses and writes them to a JSON file a node's config can point at. A thin wrapper
// of deployTo (adapters/ethereum/deploy.ts), which `moor deploy ethereum` runs too.
//
//   node scripts/deploy-ethereum.ts --rpc http://127.0.0.1:8545 --key 0x<hex> [--out ethereum-deployment.json] [--json]
//
// The key may come from $MOOR_ETH_KEY instead of --key (keeps it out of shell history).
// The deployment file:
//   { "anchor": "ethereum", "rpc": ..., "chainId": ..., "contract": <ContextConfig>,
//     "contextProxyImplementation": ..., "ed25519Verifier": ..., "deployer": ...,
//     "transaction": ..., "block": ..., "gasUsed": ..., "solc": ..., "deployedAt": ... }
import { parseArgs } from 'node:util'
import { formatEther } from 'ethers'
import { deployTo, writeDeploymentFile } from '../adapters/ethereum/deploy.ts'

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
  const record = await deployTo({
    rpc: values.rpc,
    key,
    onDeploying: ({ chainId, deployer, balance }) => {
      if (!values.json) process.stderr.write(`deploying to chain ${chainId} at ${values.rpc} from ${deployer} (balance ${formatEther(balance)} ETH)…\n`)
    }
  })
  const out = writeDeploymentFile(values.out, record)
  if (values.json) {
    process.stdout.write(JSON.stringify({ ...record, file: out }) + '\n')
  } else {
    process.stdout.write([
      `ContextConfig               ${record.contextConfig}`,
      `ContextProxy implementation ${record.contextProxyImplementation}`,
      `Ed25519Verifier             ${record.ed25519Verifier}`,
      `chain ${record.chainId}, block ${record.block}, gas ${record.gasUsed}, tx ${record.transaction}`,
      `written to ${out}`,
      ''
    ].join('\n'))
  }
}

main().catch((err: Error) => {
  process.stderr.write(`error: ${err.message}\n`)
  process.exitCode = 1
})
