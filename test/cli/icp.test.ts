// `moor devnet icp --configure` and `moor deploy icp` as separate processes: the devnet runs
// the Motoko canister, --configure points the home at it with the dev identity as relayer,
// and a deploy from the CLI installs another canister through the management canister;
// `--canister` installs into an existing canister its controller made (as on the IC, where
// canisters are made with cycles first), upgrades it on a second deploy, and refuses a
// deployer that does not control it. The devnet's ledger is set on the canister it deploys.
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { Actor, HttpAgent } from '@dfinity/agent'
import { IDL } from '@dfinity/candid'
import { Ed25519KeyIdentity } from '@dfinity/identity'
import { Principal } from '@dfinity/principal'
import { DEVNET_SEED_HEX } from '../../adapters/icp/constants.ts'
import { identityFromPem } from '../../adapters/icp/identity.ts'
import { idlFactory, type ContextConfigService } from '../../adapters/icp/idl.ts'
import { accountOf, icrc1Idl, type Icrc1Ledger } from '../../adapters/icp/funds.ts'
import { ed25519Pem } from '../../adapters/icp/keys.ts'
import { MOOR_BIN, moor } from '../helpers/cli.ts'
import { tempDir } from '../helpers/tmp.ts'

const NO_KEYS = { MOOR_ICP_KEY: '', MOOR_ICP_RELAYER_KEY: '' }
const DEV_PEM = ed25519Pem(Buffer.from(DEVNET_SEED_HEX, 'hex'))

describe('moor devnet icp and moor deploy icp', () => {
  const dir = tempDir('moor-cli-icp-')
  after(() => { dir.cleanup() })

  it('the devnet installs the canister and configures the home; deploy installs another; both answer certified', async () => {
    const home = join(dir.path, 'home')
    assert.equal((await moor(['init', '--home', home])).code, 0)
    const child = spawn(process.execPath, [MOOR_BIN, 'devnet', 'icp', '--json', '--port', '0', '--home', home, '--configure'], {
      env: { ...process.env, ...NO_KEYS, MOOR_HOME: '' },
      stdio: ['ignore', 'pipe', 'pipe']
    })
    let stdout = ''
    let stderr = ''
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString() })
    const exited = new Promise<{ code: number | null, signal: NodeJS.Signals | null }>((resolve) => {
      child.once('exit', (code, signal) => { resolve({ code, signal }) })
    })
    try {
      const line = await new Promise<string>((resolve, reject) => {
        child.stdout.on('data', (d: Buffer) => {
          stdout += d.toString()
          if (stdout.includes('\n')) resolve(stdout.slice(0, stdout.indexOf('\n')))
        })
        void exited.then(({ code }) => { reject(new Error(`moor devnet exited with ${String(code)}: ${stderr}`)) })
      })
      const info = JSON.parse(line) as { rpc: string, contract: string, key: string, network: string, ledger: string }
      assert.match(info.rpc, /^http:\/\/127\.0\.0\.1:\d+$/)
      assert.match(info.contract, /-cai$/)
      assert.equal(info.key, DEV_PEM)
      assert.deepEqual(JSON.parse(readFileSync(join(home, 'config.json'), 'utf8')).chains, { icp: { rpc: info.rpc, contract: info.contract } })
      const keyFile = join(home, 'keys', 'icp-relayer.key')
      assert.equal(statSync(keyFile).mode & 0o777, 0o600)
      const shown = await moor(['relayer', 'show', 'icp', '--home', home, '--json'], { env: NO_KEYS })
      assert.equal(JSON.parse(shown.stdout).address, identityFromPem(DEV_PEM).getPrincipal().toText())

      const out = join(dir.path, 'icp-deployment.json')
      const deployed = await moor(['deploy', 'icp', '--rpc', info.rpc, '--out', out, '--json'], { env: { ...NO_KEYS, MOOR_ICP_KEY: DEV_PEM } })
      assert.equal(deployed.code, 0, deployed.stderr)
      const record = JSON.parse(readFileSync(out, 'utf8')) as { anchor: string, contract: string, rpc: string }
      assert.equal(record.anchor, 'icp')
      assert.notEqual(record.contract, info.contract)
      // Both canisters answer a query agent-js checks against the devnet's node key.
      const agent = await HttpAgent.create({ host: info.rpc, shouldFetchRootKey: true })
      for (const canisterId of [info.contract, record.contract]) {
        const tip = await Actor.createActor<ContextConfigService>(idlFactory, { agent, canisterId }).tip()
        assert.equal(tip.seq, 0n)
      }
      // The devnet's ledger: set on its canister, the dev identity funded.
      assert.equal((await Actor.createActor<ContextConfigService>(idlFactory, { agent, canisterId: info.contract }).ledgerId())[0]?.toText(), info.ledger)
      const ledger = Actor.createActor<Icrc1Ledger>(icrc1Idl, { agent, canisterId: info.ledger })
      assert.equal(await ledger.icrc1_balance_of(accountOf(identityFromPem(DEV_PEM).getPrincipal())), 100_000_000_000n)

      // --canister: into an empty canister its controller made, then as an upgrade; another deployer is refused.
      const owner = Ed25519KeyIdentity.generate()
      const ownerPem = ed25519Pem(owner.getKeyPair().secretKey.slice(0, 32))
      const management = Actor.createActor<{ create_canister: (a: { settings: [] }) => Promise<{ canister_id: Principal }> }>(
        () => IDL.Service({ create_canister: IDL.Func([IDL.Record({ settings: IDL.Opt(IDL.Record({ controllers: IDL.Opt(IDL.Vec(IDL.Principal)) })) })], [IDL.Record({ canister_id: IDL.Principal })], []) }),
        { agent: await HttpAgent.create({ host: info.rpc, shouldFetchRootKey: true, identity: owner }), canisterId: 'aaaaa-aa', effectiveCanisterId: Principal.fromText(info.contract) })
      const made = (await management.create_canister({ settings: [] })).canister_id.toText()
      const into = async (pem: string): Promise<{ code: number, stdout: string, stderr: string }> =>
        await moor(['deploy', 'icp', '--rpc', info.rpc, '--canister', made, '--out', join(dir.path, 'into.json'), '--json'], { env: { ...NO_KEYS, MOOR_ICP_KEY: pem } })
      const stranger = await into(DEV_PEM)
      assert.notEqual(stranger.code, 0)
      assert.match(stranger.stderr, new RegExp(`${identityFromPem(DEV_PEM).getPrincipal().toText()} is not a controller of canister ${made}`))
      const installed = await into(ownerPem)
      assert.equal(installed.code, 0, installed.stderr)
      assert.deepEqual([JSON.parse(installed.stdout).contract, JSON.parse(installed.stdout).mode], [made, 'install'])
      assert.equal((await Actor.createActor<ContextConfigService>(idlFactory, { agent, canisterId: made }).tip()).seq, 0n)
      const upgraded = await into(ownerPem)
      assert.equal(upgraded.code, 0, upgraded.stderr)
      assert.equal(JSON.parse(upgraded.stdout).mode, 'upgrade')
    } finally {
      child.kill('SIGTERM')
    }
    assert.deepEqual(await exited, { code: 0, signal: null }, stderr)
  })
})
