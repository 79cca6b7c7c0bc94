// The NEAR chain module: governance in the context config contract (contracts/near/, an
// AssemblyScript contract on NEAR's raw host functions), read and written with
// near-api-js 7. See docs/near.md, and docs/chains.md for what a chain module is.
//
// This file stays light (the node reads the module at start-up): near-api-js, the anchor,
// the deployment and the devnet are imported on first use.
import type { ChainModule, Deployed, DeployInit, LaunchedDevnet } from '../../src/chain/module.ts'
import { DEFAULT_POLL_INTERVAL_MS, DEVNET_ACCOUNT, DEVNET_CHAIN_ID, DEVNET_PORT, DEVNET_SEED_HEX, MIN_POLL_INTERVAL_MS, NEAR } from './constants.ts'
import type { NearDeploymentRecord } from './deploy.ts'
import { isAccountId, parsePayer } from './ids.ts'
import { secretKeyFromSeed } from './keys.ts'
import { NEAR_KINDS, parseNearStatement, type NearStatement } from './claims/statement.ts'

export type { NearInit } from './anchor.ts'
export type { NearDeploymentRecord } from './deploy.ts'
export type { NearDevnet, NearDevnetInit } from './devnet/index.ts'

const ACCOUNT = 'a NEAR account id (2 to 64 characters of a-z, 0-9 and - _ . ; no separator at either end or twice in a row)'
const account = { description: ACCOUNT, maxLength: 64, parse: (text: string) => isAccountId(text) ? text : undefined }
/** The dev account's payer credentials: public knowledge, for the devnet only. */
const DEV_PAYER = `${DEVNET_ACCOUNT}:${secretKeyFromSeed(Buffer.from(DEVNET_SEED_HEX, 'hex'))}`

function describeDeployment (record: NearDeploymentRecord): Deployed {
  return {
    record: { ...record },
    summary: `the NEAR context config contract to ${record.chainId}`,
    fields: [
      ['contract', record.contract],
      ['deployer', record.deployer],
      ['transaction', record.transaction]
    ]
  }
}

export const near: ChainModule = {
  kind: 'near',
  title: 'NEAR',
  namespace: 'near',
  settings: {
    options: {
      pollIntervalMs: { type: 'integer', min: MIN_POLL_INTERVAL_MS, default: DEFAULT_POLL_INTERVAL_MS, description: 'how often the change feed polls the endpoint, in ms (reads and the feed stop at the final block)' }
    }
  },
  contract: account,
  account,
  amount: { unit: 'yoctoNEAR', symbol: 'NEAR', decimals: 24, max: 2n ** 128n - 1n },
  payer: {
    env: 'MOOR_NEAR_RELAYER_KEY',
    inputEnv: 'MOOR_NEAR_KEY',
    description: 'a NEAR account and its ed25519 secret key',
    hint: 'write <account id>:ed25519:<base58 secret key>, e.g. relayer.testnet:ed25519:3D4Y… (the key of a full-access key of the account)',
    parse: (text: string) => {
      const p = parsePayer(text)
      return p === undefined ? undefined : `${p.account}:${p.key}`
    },
    account: async (key: string) => parsePayer(key)?.account ?? ''
  },
  endpoints: { [DEVNET_CHAIN_ID]: `http://127.0.0.1:${DEVNET_PORT}`, testnet: 'https://rpc.testnet.near.org', mainnet: 'https://rpc.mainnet.near.org' },

  // State: agreement of ≥ 2 endpoints at a final block (`quorum`, not a proof); outcomes:
  // the light client from a pinned checkpoint (`light-client`) (docs/claims.md).
  claims: {
    kinds: NEAR_KINDS,
    parse: (statement) => parseNearStatement(statement, account),
    async verify (statement, init) {
      const s = statement as unknown as NearStatement
      if (s.kind === 'outcome') {
        const { verifyNearOutcome } = await import('./claims/outcome.ts')
        return await verifyNearOutcome(s, init)
      }
      const { verifyNearClaim } = await import('./claims/verify.ts')
      return await verifyNearClaim(s, init)
    }
  },

  walletLink: {
    async create (init) {
      const { NearWalletVerifier } = await import('./wallet/verifier.ts')
      return new NearWalletVerifier(init.rpc === undefined ? {} : { rpcUrl: init.rpc })
    }
  },

  async createAnchor (init) {
    const { NearAnchor } = await import('./anchor.ts')
    // Without a payer the anchor still reads; the node refuses requests before they get here.
    const payer = parsePayer(init.payerKey ?? DEV_PAYER) ?? parsePayer(DEV_PAYER)!
    return new NearAnchor({
      rpc: init.rpc,
      contract: init.contract,
      relayer: payer,
      logger: init.logger,
      pollIntervalMs: Number(init.options.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS)
    })
  },

  async deploy (init: DeployInit) {
    const { deployNear } = await import('./deploy.ts')
    const payer = parsePayer(init.key)
    if (payer === undefined) throw new TypeError('the NEAR deployer key must be <account id>:ed25519:<base58 secret key>')
    const record = await deployNear({
      rpc: init.rpc,
      ...payer,
      onDeploying: ({ chainId, deployer, balance }) => {
        init.onProgress?.(`deploying to ${chainId} from ${deployer} (available ${(Number(balance / 10n ** 20n) / 10_000).toFixed(4)} NEAR)…`)
      }
    })
    return describeDeployment(record)
  },

  devnet: {
    defaultPort: DEVNET_PORT,
    devKey: DEV_PAYER,
    about: [
      'near: a TypeScript host running the real context config WASM with NEAR\'s host',
      '  functions, behind nearcore\'s JSON-RPC (not nearcore: one shard, block producers',
      '  that sign every block but no consensus; docs/near.md). The funded dev account',
      '  test.near and its key are public knowledge, for this devnet only.'
    ],
    async launch (init): Promise<LaunchedDevnet> {
      const [{ startNearDevnet }, { deployNear }] = await Promise.all([import('./devnet/index.ts'), import('./deploy.ts')])
      const d = await startNearDevnet({ host: init.host, port: init.port, ...(init.blockTimeMs !== undefined ? { blockTimeMs: init.blockTimeMs } : {}) })
      let deployment: NearDeploymentRecord | undefined
      try {
        if (init.deploy) deployment = await deployNear({ rpc: d.url, account: d.account, key: d.key, name: 'config', funding: 10n * NEAR })
      } catch (e) {
        await d.close()
        throw e
      }
      return {
        rpc: d.url,
        network: d.chainId,
        key: `${d.account}:${d.key}`,
        account: d.account,
        ...(deployment !== undefined ? { deployment: describeDeployment(deployment) } : {}),
        info: { chainId: d.chainId },
        title: 'NEAR devnet (TypeScript host running the real contract WASM, in memory)',
        fields: [['chain id', d.chainId], ['block producers', `${d.chain.producers.init.count}, epochs of ${d.chain.epochLength} blocks (light-client RPC served)`]],
        contractNote: '(context config)',
        accountNote: '(1,000,000,000 NEAR)',
        notes: [
          'The dev account test.near and its key are public knowledge, funded on this devnet only.',
          'This is not nearcore: see docs/near.md for what it leaves out.'
        ],
        close: d.close
      }
    }
  }
}
