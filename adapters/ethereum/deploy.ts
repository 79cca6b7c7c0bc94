// Deploys the context config contract; its constructor deploys the Ed25519 verifier and
// the ContextProxy implementation that every context's proxy clones.
import { Contract, ContractFactory, type Signer } from 'ethers'
import { loadArtifacts } from './artifacts.ts'

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
