// Moorage as a library: what `import … from 'moorage'` gives (package.json "exports").
// A node (createNode and its public types), its home and config, the errors it throws,
// and the chain-module contract a chain adapter implements (docs/chains.md).

export { createNode } from './node/index.ts'
export type * from './node/index.ts'
export { defaultConfig, initHome, loadConfig, resolveHome } from './node/config.ts'
export type { NodeConfig, ChainConfig, ChainsConfig } from './node/config.ts'
export type { ChainSettings, ChainNodeSettings } from './node/chain/registry.ts'
export { createLogger, silentLogger } from './log/index.ts'
export type { Logger, LogLevel } from './log/index.ts'
export * from './errors/index.ts'
export { GovernanceRejectedError, UnknownAnchorError } from './governance/anchor.ts'
export type { Anchor, ChainAnchor, GovernanceView, ChainGovernanceView, AnchorChange, Receipt, Signer } from './governance/anchor.ts'
export { ChainModules } from './chain/modules.ts'
export type * from './chain/module.ts'
export { CHAIN_MODULES } from './node/chains.ts'
export { createApiServer } from './api/index.ts'
export type { ApiServer, ApiServerInit } from './api/index.ts'
