// Deploys the context config contract: the deployer's account creates a sub-account
// (`moorage-<hex>.<deployer>`), funds it for the code's storage, and from it deploys the
// WASM, calls `new({chain_id})` and deletes the temporary key in one transaction, so no
// one holds a key to the contract account afterwards (its code can never change).
import { randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { Account, JsonRpcProvider, KeyPair, KeyPairSigner, actions, type KeyPairString } from 'near-api-js'
import { NEAR_CONTRACT_WASM, buildNearContract } from '../../scripts/build-near.ts'
import { NEAR } from './constants.ts'
import { NearRpcError } from './errors.ts'

export interface NearDeploymentRecord {
  anchor: 'near'
  rpc: string
  contract: string
  deployer: string
  chainId: string
  transaction: string
  deployedAt: string
  [field: string]: unknown
}

const TGAS = 10n ** 12n

export async function deployNear (init: { rpc: string, account: string, key: string, funding?: bigint, name?: string, onDeploying?: (info: { chainId: string, deployer: string, balance: bigint }) => void }): Promise<NearDeploymentRecord> {
  const problem = await buildNearContract(false, () => {})
  if (problem !== null) throw new NearRpcError(`the NEAR contract does not build: ${problem}`)
  const provider = new JsonRpcProvider({ url: init.rpc })
  const deployer = new Account(init.account, provider, KeyPairSigner.fromSecretKey(init.key as KeyPairString))
  try {
    const chainId = (await provider.viewNodeStatus()).chain_id
    const state = await deployer.getState()
    init.onDeploying?.({ chainId, deployer: init.account, balance: state.balance.available })
    const contract = `${init.name ?? `moorage-${randomBytes(4).toString('hex')}`}.${init.account}`
    const temp = KeyPair.fromRandom('ed25519')
    await deployer.createAccount({ newAccountId: contract, publicKey: temp.getPublicKey(), nearToTransfer: init.funding ?? 2n * NEAR })
    const self = new Account(contract, provider, new KeyPairSigner(temp))
    const out = await self.signAndSendTransaction({
      receiverId: contract,
      actions: [
        actions.deployContract(readFileSync(NEAR_CONTRACT_WASM)),
        actions.functionCall('new', { chain_id: chainId }, 30n * TGAS, 0n),
        actions.deleteKey(temp.getPublicKey())
      ],
      waitUntil: 'FINAL'
    })
    return { anchor: 'near', rpc: init.rpc, contract, deployer: init.account, chainId, transaction: out.transaction_outcome.id, deployedAt: new Date().toISOString() }
  } catch (e) {
    if (e instanceof NearRpcError) throw e
    throw new NearRpcError(`deploying the NEAR contract through ${init.rpc} from ${init.account} failed: ${(e as Error).message}`, { cause: e })
  }
}
