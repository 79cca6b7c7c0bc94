// The Starknet chain module: governance in the context config contract
// (contracts/starknet/, Cairo, not compiled here), read and written with starknet.js 10.
// See docs/starknet.md, and docs/chains.md for what a chain module is. This file stays
// light: starknet.js, the anchor, the deployment and the devnet load on first use.
import type { ChainModule, Deployed, LaunchedDevnet } from '../../src/chain/module.ts'
import { STARKNET_KINDS, parseStarknetStatement, type StarknetStatement } from './claims/statement.ts'

const DEVNET_PORT = 5050
/** The Stark curve's order: a private key is a scalar below it. */
const STARK_ORDER = 0x0800000000000010ffffffffffffffffb781126dcae7b2321e66a241adc64d2fn
const FELT_MAX = 2n ** 251n + 17n * 2n ** 192n
const FELT = /^0x[0-9a-fA-F]{1,64}$/

const felt = {
  description: 'a Starknet address (0x and up to 64 hex digits, below the field prime)',
  maxLength: 66,
  parse: (text: string) => FELT.test(text) && BigInt(text) !== 0n && BigInt(text) < FELT_MAX ? '0x' + BigInt(text).toString(16).padStart(64, '0') : undefined
}

/** "<account address>:<Stark private key>" in its stored form, or undefined. */
function parsePayerText (text: string): string | undefined {
  const [address, key, ...rest] = text.trim().split(':')
  if (rest.length > 0 || address === undefined || key === undefined || felt.parse(address) === undefined || !FELT.test(key)) return undefined
  const k = BigInt(key)
  if (k === 0n || k >= STARK_ORDER) return undefined
  return `${felt.parse(address)!}:0x${k.toString(16).padStart(64, '0')}`
}

const payerOf = (stored: string): { address: string, privateKey: string } => {
  const [address, privateKey] = stored.split(':') as [string, string]
  return { address, privateKey }
}

function describe (record: { contract: string, chainId: string, classHash: string, deployer: string, transaction: string, block: number } & Deployed['record']): Deployed {
  return {
    record: { ...record },
    summary: `the Starknet context config contract to ${record.chainId}`,
    fields: [['ContextConfig', record.contract], ['class', record.classHash], ['deployer', record.deployer], ['transaction', `${record.transaction} (block ${record.block})`]]
  }
}

export const starknet: ChainModule = {
  kind: 'starknet',
  title: 'Starknet',
  namespace: 'starknet',
  settings: {
    options: {
      finality: { type: 'choice', values: ['l2', 'l1'], default: 'l2', description: 'a change counts once its block is ACCEPTED_ON_L2 (l2) or ACCEPTED_ON_L1 (l1)' },
      pollIntervalMs: { type: 'integer', min: 20, default: 2000, description: 'how often the change feed polls the chain, in ms' }
    }
  },
  contract: felt,
  account: felt,
  amount: { unit: 'fri', symbol: 'STRK', decimals: 18, max: 2n ** 256n - 1n },
  payer: {
    env: 'MOOR_STARKNET_RELAYER_KEY',
    inputEnv: 'MOOR_STARKNET_KEY',
    description: 'a Starknet account and its Stark private key',
    hint: 'write <account address>:<private key>, both 0x-hex (the account is an OpenZeppelin-style account holding that key)',
    parse: parsePayerText,
    account: async (key: string) => payerOf(key).address
  },
  endpoints: { SN_MOORAGE_DEVNET: `http://127.0.0.1:${DEVNET_PORT}` },

  async createAnchor (init) {
    const { StarknetAnchor } = await import('./anchor.ts')
    // Without a payer the anchor still reads; the node refuses requests before they get here.
    const payer = init.payerKey !== undefined ? payerOf(init.payerKey) : { address: '0x1', privateKey: '0x1' }
    return new StarknetAnchor({
      rpc: init.rpc,
      contract: init.contract,
      payer,
      logger: init.logger,
      finality: init.options.finality === 'l1' ? 'l1' : 'l2',
      pollIntervalMs: Number(init.options.pollIntervalMs ?? 2000)
    })
  },

  async deploy (init) {
    const { deployTo } = await import('./deploy.ts')
    const record = await deployTo({
      rpc: init.rpc,
      payer: payerOf(init.key),
      onDeploying: ({ chainId, deployer }) => { init.onProgress?.(`deploying to ${chainId} from ${deployer}…`) },
      ...(init.signal !== undefined ? { signal: init.signal } : {})
    })
    return describe(record)
  },

  // Storage proofs against the agreed state root where endpoints serve them, else agreement (docs/claims.md).
  claims: {
    kinds: STARKNET_KINDS,
    parse: (statement) => parseStarknetStatement(statement, felt),
    async verify (statement, init) {
      const { verifyStarknetClaim } = await import('./claims/verify.ts')
      return await verifyStarknetClaim(statement as unknown as StarknetStatement, init)
    }
  },

  walletLink: {
    async create (init) {
      const { StarknetWalletVerifier } = await import('./wallet/verifier.ts')
      return new StarknetWalletVerifier(init.rpc === undefined ? {} : { rpcUrl: init.rpc })
    }
  },
  devnet: {
    defaultPort: DEVNET_PORT,
    about: [
      'starknet: a Starknet JSON-RPC 0.9 devnet (TypeScript, in memory): starknet.js talks to it',
      '  unmodified; account signatures, nonces and resource bounds are checked; the context',
      '  config contract\'s semantics run in TypeScript (the Cairo source is not compiled here).',
      '  The dev account\'s key is public knowledge: never use it on a real network.'
    ],
    async launch (init): Promise<LaunchedDevnet> {
      const [{ serveDevnet }, { deployTo }] = await Promise.all([import('./devnet/index.ts'), import('./deploy.ts')])
      const d = await serveDevnet({ host: init.host, port: init.port })
      const payer = d.accounts[0]!
      const record = init.deploy ? await deployTo({ rpc: d.url, payer, salt: 1n }) : undefined
      return {
        rpc: d.url,
        network: 'SN_MOORAGE_DEVNET',
        key: `${payer.address}:${payer.privateKey}`,
        account: payer.address,
        ...(record !== undefined ? { deployment: describe(record) } : {}),
        info: { chainId: 'SN_MOORAGE_DEVNET' },
        title: 'Starknet devnet (JSON-RPC 0.9, in memory; the Cairo contract is not compiled here)',
        fields: [['chain id', 'SN_MOORAGE_DEVNET']],
        contractNote: '(ContextConfig, built-in class)',
        accountNote: '(1,000,000 STRK)',
        notes: ['The dev key is public knowledge, funded on this devnet only. Never use it on a real network.'],
        close: d.close
      }
    }
  }
}
