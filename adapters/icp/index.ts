// The ICP chain module: governance in the context config canister (contracts/icp/, Motoko),
// read and written with @dfinity/agent 3 and Candid, every reply checked against the
// subnet's certificates and node signatures. See docs/icp.md, and docs/chains.md for what a
// chain module is.
//
// This file stays light (the node reads the module at start-up): agent-js, the anchor,
// the deployment and the devnet are imported on first use.
import type { ChainModule, Deployed, DeployInit, LaunchedDevnet } from '../../src/chain/module.ts'
import { DEFAULT_POLL_INTERVAL_MS, DEVNET_LEDGER_GRANT, DEVNET_NETWORK, DEVNET_PORT, DEVNET_SEED_HEX, MIN_POLL_INTERVAL_MS } from './constants.ts'
import type { IcpDeploymentRecord } from './deploy.ts'
import { isAccountPrincipal, isCanisterId } from './ids.ts'
import { ed25519Pem, parseIdentityPem } from './keys.ts'
import { ICP_KINDS, parseIcpStatement, type IcpStatement } from './claims/statement.ts'

export type { IcpInit } from './anchor.ts'
export type { IcpDeploymentRecord } from './deploy.ts'

const CANISTER = 'an ICP canister id (textual principal ending in -cai, e.g. rrkah-fqaaa-aaaaa-aaaaq-cai)'
const PRINCIPAL = 'an ICP principal in its textual form (groups of five base32 characters joined by -, not the anonymous principal)'
const canister = { description: CANISTER, maxLength: 63, parse: (text: string) => isCanisterId(text) ? text : undefined }
const principal = { description: PRINCIPAL, maxLength: 63, parse: (text: string) => isAccountPrincipal(text) ? text : undefined }
/** The dev identity: public knowledge, for the devnet only. */
const DEV_IDENTITY = ed25519Pem(Buffer.from(DEVNET_SEED_HEX, 'hex'))

async function identityOf (pem: string): Promise<import('@dfinity/agent').SignIdentity> {
  const { identityFromPem } = await import('./identity.ts')
  return identityFromPem(pem)
}

function describeDeployment (record: IcpDeploymentRecord): Deployed {
  return {
    record: { ...record },
    summary: `the ICP context config canister to ${record.network}`,
    fields: [
      ['canister', record.contract],
      ['installed', record.mode === 'create' ? 'into a new canister' : record.mode === 'install' ? 'into the existing canister (it was empty)' : 'as an upgrade of the existing canister (its state kept)'],
      ['controller', record.deployer],
      ['module sha256', record.moduleHash]
    ]
  }
}

export const icp: ChainModule = {
  kind: 'icp',
  title: 'ICP',
  namespace: 'icp',
  settings: {
    options: {
      pollIntervalMs: { type: 'integer', min: MIN_POLL_INTERVAL_MS, default: DEFAULT_POLL_INTERVAL_MS, description: 'how often the change feed polls the canister\'s revision log, in ms' }
    }
  },
  contract: canister,
  account: principal,
  amount: { unit: 'e8s', symbol: 'ICP', decimals: 8, max: 2n ** 64n - 1n },
  payer: {
    env: 'MOOR_ICP_RELAYER_KEY',
    inputEnv: 'MOOR_ICP_KEY',
    description: 'an ICP identity PEM (ed25519 or secp256k1)',
    hint: 'write the PEM that `dfx identity export <name>` prints (BEGIN PRIVATE KEY for ed25519, BEGIN EC PRIVATE KEY for secp256k1); any principal may send the requests, it pays no fees here',
    parse: parseIdentityPem,
    account: async (key: string) => (await identityOf(key)).getPrincipal().toText()
  },
  endpoints: { [DEVNET_NETWORK]: `http://127.0.0.1:${DEVNET_PORT}`, mainnet: 'https://icp-api.io' },

  // Values the subnet certifies about a canister, checked against the root key (docs/claims.md).
  claims: {
    kinds: ICP_KINDS,
    parse: (statement) => parseIcpStatement(statement, canister),
    async verify (statement, init) {
      const { verifyIcpClaim } = await import('./claims/verify.ts')
      return await verifyIcpClaim(statement as unknown as IcpStatement, init)
    }
  },

  // Self-authenticating principals and delegation chains, checked offline; canister-signature
  // roots through certificates by the network's root key (docs/icp.md).
  walletLink: {
    async create (init) {
      const { IcpWalletVerifier } = await import('./wallet/verifier.ts')
      return new IcpWalletVerifier(init.rpc !== undefined ? { rpc: init.rpc } : {})
    }
  },

  async createAnchor (init) {
    const { IcpAnchor } = await import('./anchor.ts')
    // Without a payer the anchor still reads; the node refuses requests before they get here.
    return new IcpAnchor({
      host: init.rpc,
      canister: init.contract,
      identity: await identityOf(parseIdentityPem(init.payerKey ?? DEV_IDENTITY) ?? DEV_IDENTITY),
      logger: init.logger,
      pollIntervalMs: Number(init.options.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS)
    })
  },

  async deploy (init: DeployInit) {
    const { deployIcp } = await import('./deploy.ts')
    const pem = parseIdentityPem(init.key)
    if (pem === undefined) throw new TypeError('the ICP deployer key must be an identity PEM (ed25519 or secp256k1)')
    const record = await deployIcp({
      host: init.rpc,
      identity: await identityOf(pem),
      ...(init.into !== undefined ? { canister: init.into } : {}),
      onDeploying: ({ network, deployer }) => { init.onProgress?.(`deploying to ${network} as ${deployer}…`) }
    })
    return describeDeployment(record)
  },

  deployInto: {
    option: 'canister',
    value: '<id>',
    help: 'icp: install into this existing canister (made with cycles first, as on the IC),\nwhich the key must control; upgraded, keeping its state, when it holds a module'
  },

  devnet: {
    defaultPort: DEVNET_PORT,
    devKey: DEV_IDENTITY,
    about: [
      'icp: a TypeScript replica running the real Motoko canister WASM through the ic0 system',
      '  API, behind the replica\'s HTTP interface with BLS-signed certificates by a test root',
      '  key (not the replica: one subnet, one node, no consensus; docs/icp.md). The dev',
      '  identity is public knowledge, for this devnet only.'
    ],
    async launch (init): Promise<LaunchedDevnet> {
      const [{ launchReplica }, { deployIcp, launchLedger, setLedgerIcp }] = await Promise.all([import('./devnet/index.ts'), import('./deploy.ts')])
      const replica = await launchReplica({ host: init.host, port: init.port })
      let deployment: IcpDeploymentRecord | undefined
      let ledger: string
      const identity = await identityOf(DEV_IDENTITY)
      try {
        init.onProgress?.('installing the ledger…')
        ledger = await launchLedger(replica, identity)
        if (init.deploy) {
          init.onProgress?.('installing the context config canister…')
          deployment = await deployIcp({ host: replica.url, identity, rootKey: replica.rootKey })
          await setLedgerIcp({ host: replica.url, identity, rootKey: replica.rootKey, canister: deployment.contract, ledger })
        }
      } catch (e) {
        await replica.close()
        throw e
      }
      return {
        rpc: replica.url,
        network: DEVNET_NETWORK,
        key: DEV_IDENTITY,
        account: identity.getPrincipal().toText(),
        ...(deployment !== undefined ? { deployment: describeDeployment(deployment) } : {}),
        info: { rootKey: Buffer.from(replica.rootKey).toString('hex'), ledger },
        title: 'ICP devnet (TypeScript replica running the real canister WASM, in memory)',
        fields: [['root key (DER)', `${Buffer.from(replica.rootKey).toString('hex').slice(0, 32)}…`], ['ledger', `${ledger} (ICRC-1; the dev identity holds ${DEVNET_LEDGER_GRANT / 100_000_000n} ICP)`]],
        contractNote: '(context config)',
        accountNote: '(controller of the canister)',
        notes: [
          'The dev identity and its key are public knowledge, for this devnet only.',
          'The root key is a test key made at start: clients fetch it from /api/v2/status on 127.0.0.1 only.',
          'This is not the replica: see docs/icp.md for what it leaves out.'
        ],
        close: replica.close
      }
    }
  }
}
