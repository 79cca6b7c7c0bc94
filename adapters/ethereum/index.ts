// The Ethereum adapter: `ethereum(init)` makes an Anchor backed by a deployed
// ContextConfig contract (contracts/ethereum/). See docs/ethereum.md.
import { EthereumAnchor, type EthereumInit } from './anchor.ts'

export type { EthereumInit, EthereumGovernanceView, EthereumProposalRecord, PreparedRequest } from './anchor.ts'
export type { EthereumGovAction, EthereumProposalAction } from './encoding.ts'
export type { EthereumChange } from './feed.ts'
export type { Deployment, DeploymentRecord, DeployToInit } from './deploy.ts'
export { EthereumAnchor } from './anchor.ts'
export { deployContracts, deployTo, writeDeploymentFile } from './deploy.ts'
export { loadArtifacts } from './artifacts.ts'
export { startDevnet, serveDevnet, launchDevnet, type Devnet, type DevnetServer, type DevnetInit, type LaunchDevnetInit, type LaunchedDevnet } from './devnet/index.ts'
export { ContractNotFoundError, EthereumRpcError, TransactionTimeoutError, CompileError } from './errors.ts'
export { DEVNET_RELAYER_KEY, DEVNET_CHAIN_ID } from './constants.ts'

export function ethereum (init: EthereumInit): EthereumAnchor {
  return new EthereumAnchor(init)
}
