// Ethereum against the chain node conformance suite: nodes on an EDR devnet over HTTP.
import { JsonRpcProvider, Wallet } from 'ethers'
import { EthereumAnchor } from '../../adapters/ethereum/anchor.ts'
import { DEVNET_RELAYER_KEY } from '../../adapters/ethereum/constants.ts'
import { deployContracts } from '../../adapters/ethereum/deploy.ts'
import { serveDevnet } from '../../adapters/ethereum/devnet/index.ts'
import { RELAYER_B_KEY, RELAYER_C_KEY, RELAYER_D_KEY, jsonRpc } from '../ethereum/harness.ts'
import { chainNodeConformance } from './chain-node-suite.ts'

chainNodeConformance({
  name: 'ethereum (EDR over HTTP)',
  reorgs: true,
  setup: async () => {
    const devnet = await serveDevnet()
    const provider = new JsonRpcProvider(devnet.url, undefined, { cacheTimeout: -1, staticNetwork: true })
    const contract = (await deployContracts(new Wallet(DEVNET_RELAYER_KEY, provider))).contextConfig
    provider.destroy()
    const snapshots = new Map<number, string>()
    return {
      anchor: { kind: 'ethereum', rpc: devnet.url, contract },
      nodeInit: (i) => ({ chains: { ethereum: { relayerKey: [RELAYER_B_KEY, RELAYER_C_KEY, RELAYER_D_KEY][i]!, pollIntervalMs: 50 } } }),
      client: async () => new EthereumAnchor({ rpc: devnet.url, contract, relayer: DEVNET_RELAYER_KEY, pollIntervalMs: 50 }),
      fork: {
        mark: async () => {
          const seq = Number(await jsonRpc<string>(devnet.url, 'eth_blockNumber'))
          snapshots.set(seq, await jsonRpc<string>(devnet.url, 'evm_snapshot'))
          return seq
        },
        reorg: async (at) => {
          await jsonRpc(devnet.url, 'evm_revert', [snapshots.get(at)])
          await jsonRpc(devnet.url, 'evm_increaseTime', [13])
          for (let i = 0; i < 4; i++) await jsonRpc(devnet.url, 'evm_mine')
        }
      },
      close: async () => { await devnet.close() }
    }
  }
})
