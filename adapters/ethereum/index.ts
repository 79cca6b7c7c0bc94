// The Ethereum chain module: governance in a deployed ContextConfig contract
// (contracts/ethereum/), read and written with ethers 6. See docs/ethereum.md, and
// docs/chains.md for what a chain module is.
//
// This file stays light (the node reads the module at start-up): ethers, the anchor, the
// deployment and the devnet are imported on first use.
import { randomBytes } from 'node:crypto'
import type { ChainModule, Deployed, DeployInit, LaunchedDevnet } from '../../src/chain/module.ts'
import {
  DEFAULT_CONFIRMATIONS, DEFAULT_POLL_INTERVAL_MS, DEVNET_CHAIN_ID, DEVNET_PORT, DEVNET_RELAYER_KEY, MIN_POLL_INTERVAL_MS
} from './constants.ts'
import type { DeploymentRecord } from './deploy.ts'
import { isAddress, isPrivateKey } from './ids.ts'
import { ETHEREUM_KINDS, parseEthereumStatement, type EthereumStatement } from './claims/statement.ts'

export type { EthereumInit, EthereumGovernanceView, EthereumProposalRecord, PreparedRequest } from './anchor.ts'
export type { EthereumGovAction, EthereumProposalAction } from './encoding.ts'
export type { EthereumChange } from './feed.ts'
export type { Deployment, DeploymentRecord, DeployToInit } from './deploy.ts'
export type { Devnet, DevnetServer, DevnetInit, LaunchDevnetInit, LaunchedDevnet as LaunchedEthereumDevnet } from './devnet/index.ts'

const ADDRESS = 'an address (0x and 40 hex characters)'
const address = {
  description: ADDRESS,
  maxLength: 42,
  parse: (text: string) => isAddress(text) ? text : undefined,
  key: (id: string) => id.toLowerCase()
}

function describeDeployment (record: DeploymentRecord): Deployed {
  return {
    record: { ...record },
    summary: `the Ethereum contracts to chain ${record.chainId}`,
    fields: [
      ['ContextConfig', record.contextConfig],
      ['ContextProxy implementation', record.contextProxyImplementation],
      ['Ed25519Verifier', record.ed25519Verifier],
      ['deployer', record.deployer],
      ['transaction', `${record.transaction} (block ${record.block}, gas ${record.gasUsed})`]
    ]
  }
}

export const ethereum: ChainModule = {
  kind: 'ethereum',
  title: 'Ethereum',
  namespace: 'eip155',
  settings: {
    options: {
      confirmations: { type: 'integer', min: 1, default: DEFAULT_CONFIRMATIONS, description: 'blocks a change needs, its own included, before the node acts on it' },
      pollIntervalMs: { type: 'integer', min: MIN_POLL_INTERVAL_MS, default: DEFAULT_POLL_INTERVAL_MS, description: 'how often the change feed polls the chain, in ms' },
      push: { type: 'choice', values: ['auto', 'off'], default: 'auto', description: 'auto: subscribe to new blocks (eth_subscribe) on the endpoint\'s ws:// address, so changes are read within a block rather than a poll; off: poll only' }
    }
  },
  contract: address,
  account: address,
  amount: { unit: 'wei', symbol: 'ETH', decimals: 18, max: 2n ** 256n - 1n },
  payer: {
    env: 'MOOR_ETH_RELAYER_KEY',
    inputEnv: 'MOOR_ETH_KEY',
    description: 'an EVM private key',
    hint: 'a key is 0x followed by 64 hex digits (a secp256k1 scalar)',
    parse: (text: string) => isPrivateKey(text) ? text : undefined,
    account: async (key: string) => {
      const { Wallet } = await import('ethers')
      return new Wallet(key).address
    }
  },
  // The devnet `moor devnet` runs, at its usual address.
  endpoints: { [String(DEVNET_CHAIN_ID)]: `http://127.0.0.1:${DEVNET_PORT}` },
  claims: {
    kinds: ETHEREUM_KINDS,
    parse: (statement) => parseEthereumStatement(statement, address),
    async verify (statement, init) {
      const { verifyClaim } = await import('./claims/verify.ts')
      // What parse gave: one of Ethereum's statements.
      return await verifyClaim(statement as unknown as EthereumStatement, init)
    }
  },

  async createAnchor (init) {
    const { EthereumAnchor } = await import('./anchor.ts')
    return new EthereumAnchor({
      rpc: init.rpc,
      contract: init.contract,
      // Without a payer the anchor still reads; the node refuses requests before they get here.
      relayer: init.payerKey ?? '0x' + randomBytes(32).toString('hex'),
      logger: init.logger,
      confirmations: Number(init.options.confirmations ?? DEFAULT_CONFIRMATIONS),
      pollIntervalMs: Number(init.options.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS),
      ...(init.options.push === 'off' ? { push: false } : {})
    })
  },

  async deploy (init: DeployInit) {
    const [{ formatEther }, { deployTo }] = await Promise.all([import('ethers'), import('./deploy.ts')])
    const record = await deployTo({
      rpc: init.rpc,
      key: init.key,
      onDeploying: ({ chainId, deployer, balance }) => {
        init.onProgress?.(`deploying to chain ${chainId} from ${deployer} (balance ${formatEther(balance)} ETH)…`)
      },
      ...(init.signal !== undefined ? { signal: init.signal } : {})
    })
    return describeDeployment(record)
  },

  walletLink: {
    async create (init) {
      const { EthereumWalletVerifier } = await import('./wallet/verifier.ts')
      return new EthereumWalletVerifier(init.rpc === undefined ? {} : { rpcUrl: init.rpc })
    }
  },
  devnet: {
    defaultPort: DEVNET_PORT,
    devKey: DEVNET_RELAYER_KEY,
    about: [
      'ethereum: Hardhat 3\'s EDR (a real EVM) behind JSON-RPC, the contracts deployed. On a',
      '  fresh devnet they land at the same address every time. The funded dev key printed is',
      '  Hardhat\'s first default account: its key is public knowledge. It is for this devnet',
      '  only; never use it, or send funds to it, on a real network.'
    ],
    async launch (init): Promise<LaunchedDevnet> {
      const { launchDevnet } = await import('./devnet/index.ts')
      const chain = await launchDevnet({ host: init.host, port: init.port, deploy: init.deploy, ...(init.blockTimeMs !== undefined ? { blockTimeMs: init.blockTimeMs } : {}), ...(init.onProgress !== undefined ? { onProgress: init.onProgress } : {}) })
      return {
        rpc: chain.url,
        network: String(chain.chainId),
        key: chain.key,
        account: chain.address,
        ...(chain.deployment !== undefined ? { deployment: describeDeployment(chain.deployment) } : {}),
        info: { chainId: chain.chainId },
        title: 'Ethereum devnet (EDR, in memory)',
        fields: [['chain id', String(chain.chainId)]],
        contractNote: '(ContextConfig)',
        accountNote: '(10,000 ETH)',
        notes: [
          'The dev key is Hardhat\'s first default account: public knowledge, funded on this devnet',
          'only. Never use it on a real network.'
        ],
        close: chain.close
      }
    }
  }
}
