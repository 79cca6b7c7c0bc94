// Deploys the context config contract; its constructor deploys the Ed25519 verifier and
// the ContextProxy implementation that every context's proxy clones. deployTo is the one
// implementation behind scripts/deploy-ethereum.ts, `moor deploy ethereum` (through the
// chain module, index.ts), and the devnet's deployment (scripts/devnet-ethereum.ts, `moor devnet`).
import { Contract, ContractFactory, Wallet, WebSocketProvider, type JsonRpcApiProvider, type Signer } from 'ethers'
import { InvalidInputError } from '../../src/errors/index.ts'
import { loadArtifacts } from './artifacts.ts'
import { EthereumRpcError } from './errors.ts'
import { QuietJsonRpcProvider } from './rpc.ts'

export interface Deployment {
  chainId: number
  /** The ContextConfig contract: what `--contract` and the node config name. */
  contextConfig: string
  contextProxyImplementation: string
  ed25519Verifier: string
  deployer: string
  transaction: string
  block: number
  gasUsed: string
  solc: string
}

export async function deployContracts (deployer: Signer, options: { signal?: AbortSignal } = {}): Promise<Deployment> {
  const artifacts = await loadArtifacts()
  options.signal?.throwIfAborted()
  const factory = new ContractFactory(artifacts.ContextConfig.abi as never[], artifacts.ContextConfig.bytecode, deployer)
  const contract = await factory.deploy()
  const tx = contract.deploymentTransaction()!
  const receipt = await tx.wait()
  if (receipt === null || receipt.status !== 1) throw new Error(`deployment transaction ${tx.hash} failed`)
  const address = await contract.getAddress()
  const config = new Contract(address, artifacts.ContextConfig.abi as never[], deployer)
  const [proxy, verifier] = await Promise.all([config.getFunction('proxyImplementation')(), config.getFunction('verifier')()]) as [string, string]
  const network = await deployer.provider!.getNetwork()
  return {
    chainId: Number(network.chainId),
    contextConfig: address,
    contextProxyImplementation: proxy,
    ed25519Verifier: verifier,
    deployer: await deployer.getAddress(),
    transaction: tx.hash,
    block: receipt.blockNumber,
    gasUsed: receipt.gasUsed.toString(),
    solc: artifacts.solc
  }
}

/** What the deploy script, `moor deploy ethereum` and `moor devnet` print and write. */
export interface DeploymentRecord extends Deployment {
  anchor: 'ethereum'
  /** The endpoint deployed through (what a node's chains.ethereum.rpc names). */
  rpc: string
  /** The ContextConfig contract (= contextConfig): what chains.ethereum.contract names. */
  contract: string
  deployedAt: string
}

export interface DeployToInit {
  /** JSON-RPC endpoint: http(s):// or ws(s)://. */
  rpc: string
  /** The deployer's private key (0x + 64 hex); its account pays the gas. */
  key: string
  /** Called once the endpoint answered, just before the deployment is sent. */
  onDeploying?: (info: { chainId: number, deployer: string, balance: bigint }) => void
  signal?: AbortSignal
}

/**
 * Deploys the contracts through `rpc` from `key`'s account. The contracts are compiled (or
 * loaded from the cache) first: a cold compile blocks long enough for an idle connection
 * to the endpoint to be dropped. An unreachable endpoint is an EthereumRpcError, a
 * malformed key an InvalidInputError.
 */
export async function deployTo (init: DeployToInit): Promise<DeploymentRecord> {
  let wallet: Wallet
  try {
    wallet = new Wallet(init.key)
  } catch (err) {
    throw new InvalidInputError('the deployer key is not an EVM private key', { hint: 'a key is 0x followed by 64 hex digits', cause: err })
  }
  await loadArtifacts()
  init.signal?.throwIfAborted()
  const ws = /^wss?:/i.test(init.rpc)
  const provider: JsonRpcApiProvider = ws
    ? new WebSocketProvider(init.rpc, undefined, { cacheTimeout: -1, staticNetwork: true })
    : new QuietJsonRpcProvider(init.rpc)
  try {
    const network = await provider.getNetwork().catch((err: Error) => {
      throw new EthereumRpcError(`cannot reach ${init.rpc}`, { details: err.message, cause: err })
    })
    const deployer = wallet.connect(provider)
    const balance = await provider.getBalance(deployer.address)
    init.onDeploying?.({ chainId: Number(network.chainId), deployer: deployer.address, balance })
    const d = await deployContracts(deployer, init.signal !== undefined ? { signal: init.signal } : {})
    return { anchor: 'ethereum', rpc: init.rpc, ...d, contract: d.contextConfig, deployedAt: new Date().toISOString() }
  } finally {
    await provider.destroy()
  }
}

export { writeDeploymentFile } from '../../src/chain/deployment.ts'
