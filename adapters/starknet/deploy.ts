// Deploying the context config contract: through the Universal Deployer from the paying
// account. On the devnet the class is built in (CONFIG_CLASS_HASH); on a real network
// `classHash` names the class a user declared from their own `scarb build` (not compiled
// here), and `verifier` the ed25519 verifier contract its constructor takes.
import { Account, RpcProvider, hash, shortString } from 'starknet'
import type { Payer } from './keys.ts'
import { hex } from './felts.ts'

export const UDC = '0x041a78e741e5af2fec34b695679bc6891742439f7afb8484ecd7766661ad02bf'
/** The devnet's built-in context config class (a label, not the hash of a compiled class). */
export const DEVNET_CONFIG_CLASS_HASH = hex(BigInt(hash.starknetKeccak('moorage:devnet:context-config')))

export interface DeploymentRecord {
  anchor: 'starknet'
  rpc: string
  contract: string
  deployedAt: string
  chainId: string
  classHash: string
  deployer: string
  transaction: string
  block: number
  [field: string]: unknown
}

export async function deployTo (init: { rpc: string, payer: Payer, classHash?: string, verifier?: string, salt?: bigint, onDeploying?: (info: { chainId: string, deployer: string }) => void, signal?: AbortSignal }): Promise<DeploymentRecord> {
  const provider = new RpcProvider({ nodeUrl: init.rpc })
  const account = new Account({ provider, address: init.payer.address, signer: init.payer.privateKey, cairoVersion: '1' })
  const chainId = shortString.decodeShortString(await provider.getChainId())
  init.onDeploying?.({ chainId, deployer: init.payer.address })
  const classHash = init.classHash ?? DEVNET_CONFIG_CLASS_HASH
  const salt = init.salt ?? BigInt('0x' + Buffer.from(crypto.getRandomValues(new Uint8Array(31))).toString('hex'))
  const calldata = [BigInt(init.verifier ?? '0x0')]
  init.signal?.throwIfAborted()
  const sent = await account.execute([{ contractAddress: UDC, entrypoint: 'deployContract', calldata: [classHash, hex(salt), '0x1', String(calldata.length), ...calldata.map(String)] }], { tip: 0n })
  const receipt = await provider.waitForTransaction(sent.transaction_hash, { retryInterval: 100 }) as unknown as { execution_status: string, revert_reason?: string, block_number: number, events: Array<{ keys: string[], data: string[] }> }
  if (receipt.execution_status !== 'SUCCEEDED') throw new Error(`the deployment reverted: ${receipt.revert_reason ?? 'no reason given'}`)
  const deployed = receipt.events.find((e) => BigInt(e.keys[0]!) === BigInt(hash.getSelectorFromName('ContractDeployed')))
  if (deployed === undefined) throw new Error('the deployment emitted no ContractDeployed event')
  return {
    anchor: 'starknet',
    rpc: init.rpc,
    contract: hex(BigInt(deployed.data[0]!)),
    deployedAt: new Date().toISOString(),
    chainId,
    classHash,
    deployer: init.payer.address,
    transaction: sent.transaction_hash,
    block: receipt.block_number
  }
}
