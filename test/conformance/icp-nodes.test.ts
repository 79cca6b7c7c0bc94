// ICP against the chain node conformance suite: nodes on the ICP devnet over HTTP, each
// sending its requests as its own identity (any principal may relay). The devnet runs in
// its own process (`moor devnet icp`), as it would for a user: a canister message runs for
// up to a second of synchronous WASM, which would otherwise stall the nodes' event loop.
import { spawn } from 'node:child_process'
import { Ed25519KeyIdentity } from '@dfinity/identity'
import { IcpAnchor } from '../../adapters/icp/anchor.ts'
import { identityFromPem } from '../../adapters/icp/identity.ts'
import { ed25519Pem } from '../../adapters/icp/keys.ts'
import { MOOR_BIN } from '../helpers/cli.ts'
import { chainNodeConformance } from './chain-node-suite.ts'

async function devnetProcess (): Promise<{ rpc: string, contract: string, rootKey: Uint8Array, close: () => Promise<void> }> {
  const child = spawn(process.execPath, [MOOR_BIN, 'devnet', 'icp', '--json', '--port', '0'], { env: { ...process.env, MOOR_HOME: '' }, stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  child.stderr.on('data', (d: Buffer) => { stderr += d.toString() })
  const exited = new Promise<void>((resolve) => { child.once('exit', () => { resolve() }) })
  const line = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString()
      if (stdout.includes('\n')) resolve(stdout.slice(0, stdout.indexOf('\n')))
    })
    void exited.then(() => { reject(new Error(`moor devnet icp exited: ${stderr}`)) })
  })
  const info = JSON.parse(line) as { rpc: string, contract: string, rootKey: string }
  return { rpc: info.rpc, contract: info.contract, rootKey: new Uint8Array(Buffer.from(info.rootKey, 'hex')), close: async () => { child.kill('SIGTERM'); await exited } }
}

chainNodeConformance({
  name: 'icp (devnet over HTTP)',
  reorgs: false,
  // Each canister message runs up to ~1 s of Motoko WASM (the ed25519 check); several land between a change and every node seeing it.
  waitMs: 60_000,
  setup: async () => {
    const d = await devnetProcess()
    const relayers = Array.from({ length: 4 }, () => ed25519Pem(Ed25519KeyIdentity.generate().getKeyPair().secretKey.slice(0, 32)))
    return {
      anchor: { kind: 'icp', rpc: d.rpc, contract: d.contract },
      nodeInit: (i) => ({ chains: { icp: { relayerKey: relayers[i + 1]!, pollIntervalMs: 50 } } }),
      client: async () => new IcpAnchor({ host: d.rpc, canister: d.contract, rootKey: d.rootKey, identity: identityFromPem(relayers[0]!), pollIntervalMs: 50 }),
      close: d.close
    }
  }
})
