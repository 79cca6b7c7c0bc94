// New blocks pushed over the devnet's WebSocket (eth_subscribe): a watcher whose poll
// interval is ten minutes still learns of a removal made by another client, which only the
// push can explain; with no WebSocket to reach, polling still delivers it.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { JsonRpcProvider, Wallet } from 'ethers'
import { EthereumAnchor } from '../../adapters/ethereum/anchor.ts'
import { DEVNET_RELAYER_KEY } from '../../adapters/ethereum/constants.ts'
import { deployContracts } from '../../adapters/ethereum/deploy.ts'
import { serveDevnet, type DevnetServer } from '../../adapters/ethereum/devnet/index.ts'
import { pushUrlFor } from '../../adapters/ethereum/heads.ts'
import { toHex } from '../../src/crypto/bytes.ts'
import { generateKeyPair } from '../../src/crypto/ed25519.ts'
import type { AnchorChange } from '../../src/governance/anchor.ts'
import { RELAYER_B_KEY, RELAYER_C_KEY } from './harness.ts'

const TEN_MINUTES = 600_000

describe('pushed new blocks (eth_subscribe over WebSocket)', () => {
  let devnet: DevnetServer
  let contract: string
  before(async () => {
    devnet = await serveDevnet()
    const provider = new JsonRpcProvider(devnet.url, undefined, { cacheTimeout: -1, staticNetwork: true })
    contract = (await deployContracts(new Wallet(DEVNET_RELAYER_KEY, provider))).contextConfig
    provider.destroy()
  })
  after(async () => { await devnet.close() })

  /** A context with a member, a watcher (its first poll done), and the member's removal by another client. */
  async function removalSeenBy (watcher: EthereumAnchor): Promise<AnchorChange> {
    const manager = new EthereumAnchor({ rpc: devnet.url, contract, relayer: RELAYER_B_KEY, push: false })
    try {
      const admin = generateKeyPair(); const bob = generateKeyPair()
      const { context } = await manager.createContext({ application: new Uint8Array(32).fill(7), creator: admin })
      await manager.submit(context, admin, { type: 'addMember', identity: bob.publicKey, role: 'reader' })
      const removal = new Promise<AnchorChange>((resolve) => {
        let polled: () => void
        const first = new Promise<void>((resolve) => { polled = resolve })
        watcher.watch(context, (c) => { if (c.action.type === 'removeMember') resolve(c) }, { onPosition: () => { polled() } })
        // Removed only once the watcher has polled: its next poll is minutes away.
        void first.then(async () => { await manager.submit(context, admin, { type: 'removeMember', identity: bob.publicKey }) })
      })
      const seen = await removal
      assert.equal(toHex((seen.action as { identity: Uint8Array }).identity), toHex(bob.publicKey))
      assert.equal(seen.accepted, true)
      return seen
    } finally {
      await manager.close()
    }
  }

  it('a watcher polling every ten minutes sees a removal by another client within the block', async () => {
    const watcher = new EthereumAnchor({ rpc: devnet.url, contract, relayer: RELAYER_C_KEY, pollIntervalMs: TEN_MINUTES })
    try {
      await removalSeenBy(watcher)
    } finally {
      await watcher.close()
    }
  })

  it('with no WebSocket to reach, the poll still delivers the removal', async () => {
    const watcher = new EthereumAnchor({ rpc: devnet.url, contract, relayer: RELAYER_C_KEY, pollIntervalMs: 50, push: 'ws://127.0.0.1:1/' })
    try {
      await removalSeenBy(watcher)
    } finally {
      await watcher.close()
    }
  })

  it('the push address of an endpoint is its own, as ws:// or wss://', () => {
    assert.equal(pushUrlFor('http://127.0.0.1:8545'), 'ws://127.0.0.1:8545/')
    assert.equal(pushUrlFor('https://rpc.example/v1/key'), 'wss://rpc.example/v1/key')
    assert.equal(pushUrlFor('wss://rpc.example/ws'), 'wss://rpc.example/ws')
    assert.equal(pushUrlFor('not a url'), undefined)
    assert.equal(pushUrlFor('ipc:///tmp/geth.ipc'), undefined)
  })
})
