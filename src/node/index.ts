// The composition root: the only place that wires store, crypto, state, runtime and
// sync together into a running node.
import { join } from 'node:path'
import { parseHex, toHex, utf8 } from '../crypto/bytes.ts'
import { ForbiddenError, InvalidInputError, NotFoundError, PayloadTooLargeError } from '../errors/index.ts'
import { createLogger, silentLogger, type Logger } from '../log/index.ts'
import { createRuntime } from '../runtime/index.ts'
import { HybridClock } from '../state/hlc.ts'
import { openStore, type Store } from '../store/index.ts'
import { RatchetStore } from '../sync/ratchet/store.ts'
import { DeltaDag } from '../sync/dag.ts'
import { Applications } from './applications.ts'
import { Claims } from '../claims/service.ts'
import { ClaimGate } from '../claims/gate.ts'
import { loadConfig, readRelayerKey, type NodeConfig } from './config.ts'
import { CHAIN_CONFIRM_WAIT_MS, MAX_CALL_ARGS_BYTES, NODE_VERSION } from './constants.ts'
import { Contexts } from './contexts.ts'
import { forgetContext } from './forget.ts'
import { removalOf, removedError } from './removed.ts'
import { EventBus } from './events.ts'
import { Publisher } from './publisher.ts'
import { Executor, type CallResult } from './executor.ts'
import { submitCallGovernance } from './call-governance.ts'
import { Identities } from './identities.ts'
import { OffchainAnchor } from '../governance/offchain/index.ts'
import { ChainGovernance, confirmedView } from './chain/index.ts'
import { ChainRegistry, isChainAnchor, type AnchorRef, type ChainSettings } from './chain/registry.ts'
import type { ChainModules } from '../chain/modules.ts'
import { CHAIN_MODULES } from './chains.ts'
import { enforceRemovals, enforceRemovalsIn, Governance } from './governance.ts'
import { generateKeyPair } from '../crypto/ed25519.ts'
import { loadNodeKeys } from './keys.ts'
import type { CallGovernanceInfo, Capability, ChainsReloadInfo, ContextEvent, CreateContextRequest, ExecuteResult, GovernanceQuery, InviteRequest, JoinOptions, MoorNode, PeerInfo, ProposalActionInfo, SyncProgressEvent, SyncStatusInfo } from './types.ts'
import { createNetwork, type Network } from '../network/index.ts'
import { Replicator } from './replication.ts'
import { Membership } from './membership.ts'
import { UNBOUND } from './identities.ts'
import { Joiner } from './join.ts'
import { Governing } from './governing.ts'
import { parseProposalActions, Proposals } from './proposals.ts'
import { governanceAudit } from './audit.ts'
import { invitationInfo } from './describe.ts'
import { GovernanceRejectedError } from '../governance/anchor.ts'
import { parseRole, type GovOp } from '../governance/offchain/op.ts'
import { CAPABILITIES } from '../governance/types.ts'
import { normalizeAccount } from '../wallets/account.ts'
import { WalletService } from '../wallets/service.ts'
import type { WalletStatementRequest, WalletSubmit } from '../wallets/types.ts'

export type * from './types.ts'

export interface NodeInit {
  home: string
  config: NodeConfig
  logger?: Logger
  /** Skip fsync (benchmarks of CPU cost only). */
  noSync?: boolean
  /** Chain settings over those of the config (relayer keys, defaults; tests and embedding). */
  chains?: ChainSettings
  /** The chain modules contexts may be anchored on (default: this build's list, src/node/chains.ts). */
  chainModules?: ChainModules
}

export async function createNode (init: NodeInit): Promise<MoorNode> {
  const logger = init.logger ?? createLogger({ level: init.config.logLevel })
  const log = logger.child('node')
  const keys = loadNodeKeys(init.home)
  const store = openStore({ path: join(init.home, 'data'), noSync: init.noSync })
  const runtime = createRuntime({ memoryPages: init.config.limits.memoryPages, defaultLimits: { gas: init.config.limits.gas }, logger })
  // Strong removal asks governance (made below) for a context's removals.
  const dag = new DeltaDag(store, logger.child('dag'), { removals: (ctx) => governance.removals(ctx) })
  const clock = new HybridClock()
  for (const { value } of store.db.dag.getRange({})) clock.observe((value as { hlc: { ms: number, c: number } }).hlc)
  const applications = new Applications(store, runtime)
  const claims = new Claims({ modules: init.chainModules ?? CHAIN_MODULES, endpoints: init.config.claims ?? {}, logger: logger.child('claims') })
  const offchain = new OffchainAnchor({ store, clock, logger: logger.child('governance') })
  const chainModules = init.chainModules ?? CHAIN_MODULES
  const registry = new ChainRegistry(chainModules, await chainSettings(init, chainModules), logger.child('chain'))
  // Told of chain-anchored contexts' changes; the parts it tells are made below.
  const chains = new ChainGovernance({
    store,
    registry,
    logger: logger.child('chain'),
    onUpdate: (ctx, u) => {
      replicator.chainUpdated(ctx, u.changed)
      if (u.changed) governing.chainUpdated(ctx)
    }
  })
  const governance = new Governance(offchain, chains)
  const contexts = new Contexts(store, dag, governance)
  const identities = new Identities(store, keys.sealing)
  const bus = new EventBus()
  const publisher = new Publisher(bus)
  const network = createNetwork({ seed: keys.node.secretKey, listen: init.config.p2p.listen, bootstrap: init.config.p2p.bootstrap, mdns: init.config.p2p.mdns, logger: logger.child('net') })
  const claimGate = new ClaimGate({ claims, modules: chainModules, logger: logger.child('claims') })
  const replicator = new Replicator({ network, store, dag, governance, contexts, identities, applications, publisher, clock, logger: logger.child('sync'), claimGate, encryption: init.config.encryption, ratchetStore: new RatchetStore(join(init.home, 'ratchet'), keys.sealing) })
  publisher.sendWith(replicator)
  const executor = new Executor({ store, dag, runtime, applications, contexts, identities, governance, clock, logger: logger.child('app'), gas: init.config.limits.gas, publisher })
  const membership = new Membership({ modules: chainModules, governance, identities, replicator, network, dag, logger: logger.child('membership') })
  const wallets = new WalletService({
    domain: init.config.domain ?? `${init.config.api.host}:${init.config.api.port}`,
    modules: chainModules,
    rpc: (kind) => registry.defaultRpc(kind),
    offchain,
    context: (id) => {
      const rec = contexts.find(id)
      return rec === undefined ? undefined : { identity: rec.identity, onChain: isChainAnchor(rec.anchor) }
    },
    identity: (ctx, publicKey) => identities.get(ctx ?? UNBOUND, publicKey),
    newIdentity: async () => await store.transaction(() => identities.createUnbound()),
    logger: logger.child('wallets')
  })
  // Peers' ops with wallet signatures, and wallet-account claimers, are checked by it.
  offchain.wallets = { vet: async (ctx, ops) => await wallets.vet(ctx, ops), check: async (link) => { await (await wallets.checker()).check(link) } }
  const joiner = new Joiner({ store, governance, registry, identities, contexts, dag, replicator, network, wallets, claims, logger: logger.child('membership') })
  const governing = new Governing({ store, governance, identities, contexts, applications, replicator, logger: logger.child('governance') })
  const proposals = new Proposals({ governance, identities, modules: chainModules })
  try {
    for (const rec of contexts.all()) {
      if (!isChainAnchor(rec.anchor)) continue
      try {
        await chains.attach(rec.id, rec.anchor)
      } catch (err) {
        log.error('cannot follow a chain-anchored context', { context: toHex(rec.id), anchor: rec.anchor.kind, error: (err as Error).message })
      }
    }
    await network.start()
    await replicator.start()
    // Application updates (local or from peers) also reach the context records.
    const replicate = offchain.onAdopt
    offchain.onAdopt = (ops) => { replicate?.(ops); governing.adopted(ops); enforceRemovals(dag, ops, publisher, log) }
    for (const rec of contexts.all()) enforceRemovalsIn(dag, rec.id, publisher, log)
    await governing.followAll()
  } catch (err) {
    await replicator.stop().catch(() => {})
    await network.stop().catch(() => {})
    await chains.close()
    await registry.close()
    await store.close()
    throw err
  }
  const startedAt = Date.now()
  log.info('node started', { home: init.home, nodeId: network.peerId, p2p: network.addresses() })
  const readChainSettings = async (): Promise<ChainSettings> => await chainSettings({ ...init, config: await loadConfig(init.home, { logger: silentLogger, modules: chainModules }) }, chainModules)
  const node = new Node({ home: init.home, readChainSettings, store, applications, contexts, identities, governance, registry, executor, dag, bus, publisher, network, replicator, membership, joiner, governing, proposals, wallets, claims, startedAt, nodeId: network.peerId, log })
  // Catch up on every context with whoever is reachable, in the background.
  for (const c of contexts.all()) replicator.tasks.run('catch-up at start', async () => { await replicator.syncAll(c.id) }, { context: toHex(c.id) }, 'debug')
  return node
}

interface NodeParts {
  home: string
  /** config.json `chains.*` and the relayer keys, read from the home now. */
  readChainSettings: () => Promise<ChainSettings>
  store: Store
  applications: Applications
  contexts: Contexts
  identities: Identities
  governance: Governance
  registry: ChainRegistry
  executor: Executor
  dag: DeltaDag
  bus: EventBus
  publisher: Publisher
  network: Network
  replicator: Replicator
  membership: Membership
  joiner: Joiner
  governing: Governing
  proposals: Proposals
  claims: Claims
  wallets: WalletService
  startedAt: number
  nodeId: string
  log: Logger
}

function id32 (text: string, what: string): Uint8Array {
  if (typeof text !== 'string') throw new InvalidInputError(`${what} must be a string`)
  const bytes = parseHex(text, 32)
  if (bytes === undefined) throw new InvalidInputError(`${what} must be 64 hex characters, got "${text.slice(0, 80)}"`)
  return bytes
}

class Node implements MoorNode {
  readonly home: string
  private readonly p: NodeParts
  private stopped = false

  constructor (parts: NodeParts) {
    this.p = parts
    this.home = parts.home
  }

  status () {
    return {
      version: NODE_VERSION,
      nodeId: this.p.nodeId,
      home: this.home,
      startedAt: this.p.startedAt,
      uptimeMs: Date.now() - this.p.startedAt,
      applications: this.p.applications.list().length,
      contexts: this.p.contexts.all().length,
      store: { path: this.p.store.path, schemaVersion: this.p.store.schemaVersion },
      p2p: { peerId: this.p.network.peerId, addresses: this.p.network.addresses(), peers: this.p.network.peers().length }
    }
  }

  async verifyClaim (req: { chain: unknown, statement: unknown, block?: unknown }) {
    return await this.p.claims.verify(req.chain, req.statement, { block: req.block })
  }

  async installApplication (req: { wasm: Uint8Array, name?: string }) {
    return await this.p.applications.install(req.wasm, req.name)
  }

  listApplications () { return this.p.applications.list() }
  getApplication (id: string) { return this.p.applications.get(id32(id, 'application id')) }

  async removeApplication (id: string) {
    const appId = id32(id, 'application id')
    const users = this.p.contexts.all().filter((c) => toHex(c.applicationId) === toHex(appId)).map((c) => toHex(c.id))
    await this.p.applications.remove(appId, users)
  }

  async createContext (req: CreateContextRequest) {
    const appId = id32(req.applicationId, 'applicationId')
    const app = this.p.applications.get(appId)
    const args = checkArgs(req.initArgs)
    if (req.anchor !== undefined && (typeof req.anchor !== 'object' || req.anchor === null || typeof req.anchor.kind !== 'string')) throw new InvalidInputError('anchor must be an object with a kind')
    const kind = req.anchor?.kind ?? 'offchain'
    // The creator's identity exists before the context does: the context id is derived
    // from it (offchain: from the genesis op; on a chain: by the contract).
    const creator = generateKeyPair()
    const offchain = this.p.governance.offchain
    let id: Uint8Array
    let anchor: AnchorRef
    let genesis: GovOp | undefined
    if (kind === 'offchain') {
      genesis = offchain.genesis(appId, creator)
      id = genesis.context
      anchor = { kind: 'offchain' }
      // init runs against the governance state, so the genesis is adopted before the
      // commit and forgotten again if the commit fails.
      offchain.adopt([genesis])
    } else {
      const base = this.p.registry.resolve({ kind, ...(req.anchor?.rpc !== undefined ? { rpc: req.anchor.rpc } : {}), ...(req.anchor?.contract !== undefined ? { contract: req.anchor.contract } : {}) })
      this.p.registry.canSubmit(base.kind)
      const adapter = await this.p.registry.get(base)
      const created = await adapter.createContext({ application: appId, creator })
      id = created.context
      anchor = { ...base, network: await adapter.network() }
      await this.p.governance.chains.attach(id, anchor, await confirmedView(adapter, id, () => true, { waitMs: CHAIN_CONFIRM_WAIT_MS, pollMs: 250 }))
    }
    const result = await this.p.store.transaction(() => settle(() => this.p.store.atomic(() => {
      this.p.identities.create(id, creator)
      if (genesis !== undefined) offchain.persist(genesis)
      this.p.contexts.put({ id, applicationId: appId, createdAt: genesis?.hlc.ms ?? Date.now(), identity: creator.publicKey, xcallGrants: [], anchor })
      this.p.dag.init(id)
      if (!app.methods.includes('init')) return null
      return this.p.executor.mutateInTransaction({ context: id, method: 'init', args, executor: null, readOnly: false })
    })))
    if (!result.ok) {
      if (genesis !== undefined) {
        offchain.forget(id)
      } else {
        // The context stays on the chain, with nobody here holding its creator key.
        await this.p.governance.chains.forget(id)
        this.p.log.warn('a context created on the chain could not be set up here; it is abandoned', { context: toHex(id) })
      }
      this.p.contexts.forget(id)
    }
    const call = unwrap(result)
    // The replicator takes the context up now that its record exists: subscribe to its
    // topic and make its first group key, as after a restart.
    this.p.replicator.refresh(id)
    if (call !== null) {
      this.p.publisher.committed({ deltas: call.deltas, events: call.events })
      // Governance requests of `init` (refusals are logged).
      await submitCallGovernance(this.p, call.governance, 'init')
    }
    this.p.log.info('context created', { context: toHex(id), application: app.id, anchor: anchor.kind })
    return this.getContext(toHex(id))
  }

  listContexts () { return this.p.contexts.all().map((c) => this.p.contexts.info(c)) }
  getContext (id: string) { return this.p.contexts.info(this.p.contexts.get(id32(id, 'context id'))) }

  async deleteContext (id: string) { await this.depart(id, false) }

  async leave (id: string) { await this.depart(id, true) }

  /**
   * Leaves a context, then deletes every local trace of it. `leave` insists on the leave
   * op (the last admin is refused); `delete` goes ahead without it.
   */
  private async depart (id: string, strict: boolean) {
    const ctx = this.p.contexts.get(id32(id, 'context id'))
    try {
      await this.p.membership.leave(ctx)
    } catch (err) {
      if (strict) {
        if (err instanceof GovernanceRejectedError) throw new GovernanceRejectedError(err.shortMessage, { hint: `make another member an admin first (\`moor proposal create ${id} add-admin <identity>\`), or drop the context from this node only with \`moor context delete ${id}\``, cause: err })
        throw err
      }
      this.p.log.info('left without a leave op', { context: id, reason: (err as Error).message })
    }
    await forgetContext(this.p, ctx)
    this.p.log.info('context deleted', { context: id })
  }

  async newIdentity () {
    const pair = await this.p.store.transaction(() => this.p.identities.createUnbound())
    return { publicKey: toHex(pair.publicKey), contextId: toHex(UNBOUND), createdAt: Date.now() }
  }

  async invite (contextId: string, req: InviteRequest) {
    const ctx = this.p.contexts.get(id32(contextId, 'context id'))
    if (typeof req !== 'object' || req === null) throw new InvalidInputError('an invitation request must be an object')
    const role = parseRole(req.role ?? 'member')
    if (req.includeRpc !== undefined && typeof req.includeRpc !== 'boolean') throw new InvalidInputError('includeRpc must be true or false')
    const expiry = { ...(req.expiresInMs !== undefined ? { expiresInMs: req.expiresInMs } : {}), ...(req.includeRpc === true ? { includeRpc: true } : {}) }
    if (req.wallet !== undefined) {
      if (req.identity !== undefined || req.open === true) throw new InvalidInputError('an invitation is for an identity, a wallet account, or open: one of them')
      if (req.maxUses !== undefined && req.maxUses !== 1) throw new InvalidInputError('a wallet-account invitation is used once; maxUses is for open invitations')
      return await this.p.membership.invite(ctx, { kind: 'account', account: normalizeAccount(this.p.registry.modules, req.wallet), role, ...expiry })
    }
    if (req.open === true) {
      if (req.identity !== undefined) throw new InvalidInputError('an invitation is either for an identity or open, not both')
      const condition = req.condition === undefined ? undefined : this.p.claims.condition(req.condition, isChainAnchor(ctx.anchor))
      return await this.p.membership.invite(ctx, { kind: 'open', role, ...expiry, ...(req.maxUses !== undefined ? { maxUses: req.maxUses } : {}), ...(condition !== undefined ? { condition } : {}) })
    }
    if (req.condition !== undefined) throw new InvalidInputError('a claim condition is for open invitations')
    if (req.identity === undefined) throw new InvalidInputError('an invitation names the invitee\'s identity, or is open', { hint: 'give `identity` (a public key from `moor identity new` on the invitee\'s node) or `open: true`' })
    if (req.maxUses !== undefined && req.maxUses !== 1) throw new InvalidInputError('an identity-bound invitation is used once; maxUses is for open invitations')
    return await this.p.membership.invite(ctx, { kind: 'identity', identity: id32(req.identity, 'identity'), role, ...expiry })
  }

  async revokeInvitation (contextId: string, invitationId: string) {
    const ctx = this.p.contexts.get(id32(contextId, 'context id'))
    return invitationInfo(await this.p.membership.revokeInvitation(ctx, id32(invitationId, 'invitation id')))
  }

  async join (invitation: string, options: JoinOptions = {}) {
    const identity = options.identity === undefined ? undefined : id32(options.identity, 'identity')
    const w = options.walletLink
    if (w !== undefined && (typeof w !== 'object' || w === null || typeof w.account !== 'string' || w.statement === undefined || w.proof === undefined)) throw new InvalidInputError('walletLink must be { account, statement, proof }', { hint: 'docs/claims.md, "Gated invitations"' })
    const rec = await this.p.joiner.join(invitation, options, { ...(identity !== undefined ? { identity } : {}), ...(w !== undefined ? { walletLink: w } : {}) })
    return this.p.contexts.info(rec)
  }

  async walletStatement (contextId: string, req: WalletStatementRequest) {
    return await this.p.wallets.statement(id32(contextId, 'context id'), req)
  }

  async linkWallet (contextId: string, submit: WalletSubmit) {
    return await this.p.wallets.link(id32(contextId, 'context id'), submit)
  }

  async walletLinks (contextId: string, options: { identity?: string, recheck?: boolean } = {}) {
    return await this.p.wallets.list(id32(contextId, 'context id'), options)
  }

  async unlinkWallet (contextId: string, account: string, options: { identity?: string, wallet?: WalletSubmit } = {}) {
    return await this.p.wallets.revoke(id32(contextId, 'context id'), account, options)
  }

  members (contextId: string) {
    return this.p.governing.members(this.p.contexts.get(id32(contextId, 'context id')))
  }

  async setRole (contextId: string, identity: string, role: 'member' | 'reader') {
    const ctx = this.p.contexts.get(id32(contextId, 'context id'))
    return await this.p.governing.setRole(ctx, id32(identity, 'identity'), parseRole(role))
  }

  async grant (contextId: string, identity: string, capability: Capability) {
    const ctx = this.p.contexts.get(id32(contextId, 'context id'))
    return await this.p.governing.grant(ctx, id32(identity, 'identity'), checkCapability(capability))
  }

  async revoke (contextId: string, identity: string, capability: Capability) {
    const ctx = this.p.contexts.get(id32(contextId, 'context id'))
    return await this.p.governing.revoke(ctx, id32(identity, 'identity'), checkCapability(capability))
  }

  async updateApplication (contextId: string, applicationId: string) {
    const ctx = this.p.contexts.get(id32(contextId, 'context id'))
    await this.p.governing.updateApplication(ctx, id32(applicationId, 'application id'))
    return this.getContext(contextId)
  }

  async propose (contextId: string, actions: ProposalActionInfo[]) {
    const ctx = this.p.contexts.get(id32(contextId, 'context id'))
    return await this.p.proposals.propose(ctx, parseProposalActions(actions))
  }

  async approve (contextId: string, proposalId: string) {
    const ctx = this.p.contexts.get(id32(contextId, 'context id'))
    return await this.p.proposals.approve(ctx, id32(proposalId, 'proposal id'))
  }

  proposals (contextId: string) {
    return this.p.proposals.list(this.p.contexts.get(id32(contextId, 'context id')))
  }

  proposal (contextId: string, proposalId: string) {
    const ctx = this.p.contexts.get(id32(contextId, 'context id'))
    return this.p.proposals.get(ctx, id32(proposalId, 'proposal id'))
  }

  governance (contextId: string, query: GovernanceQuery = {}) {
    const ctx = this.p.contexts.get(id32(contextId, 'context id'))
    if (query.limit !== undefined && (!Number.isSafeInteger(query.limit) || query.limit < 1)) throw new InvalidInputError('limit must be a positive integer')
    return governanceAudit(this.p.governance, ctx, query)
  }

  peers (): PeerInfo[] {
    const contexts = this.p.contexts.all().map((c) => ({ id: toHex(c.id), peers: this.p.replicator.status(c.id).peers }))
    return this.p.network.peers().map((peerId) => ({ peerId, contexts: contexts.filter((c) => c.peers.includes(peerId)).map((c) => c.id) }))
  }

  async removeMember (contextId: string, identity: string) {
    const ctx = this.p.contexts.get(id32(contextId, 'context id'))
    await this.p.membership.remove(ctx, id32(identity, 'identity'))
    return this.getContext(contextId)
  }

  async reloadChains (): Promise<ChainsReloadInfo> {
    const changed = this.p.registry.update(await this.p.readChainSettings())
    this.p.log.info('chain settings read again', { changed })
    return {
      changed,
      chains: this.p.registry.modules.all().map((m) => {
        const s = this.p.registry.settingsOf(m.kind)
        return { kind: m.kind, relayer: s.relayerKey !== undefined, rpc: s.rpc ?? null, contract: s.contract ?? null }
      })
    }
  }

  syncStatus (contextId: string): SyncStatusInfo {
    const ctx = this.p.contexts.get(id32(contextId, 'context id'))
    const removed = removalOf(this.p.governance, ctx)
    const status = this.p.replicator.status(ctx.id)
    const keyEpochNumber = status.keyEpoch === null ? null : this.p.governance.keyEpochNumber(ctx.id, Buffer.from(status.keyEpoch, 'hex')) ?? null
    return { ...status, keyEpochNumber, awaitingKey: status.awaitingKey && removed === null, removed }
  }

  async syncContext (contextId: string, options: { onProgress?: (p: SyncProgressEvent) => void } = {}) {
    const ctx = this.p.contexts.get(id32(contextId, 'context id'))
    const removed = removalOf(this.p.governance, ctx)
    if (removed !== null) throw removedError(ctx, removed)
    await this.p.replicator.syncAll(ctx.id, options.onProgress)
    return this.syncStatus(contextId)
  }

  async grantXcall (target: string, source: string) { return await this.updateGrants(target, source, true) }
  async revokeXcall (target: string, source: string) { return await this.updateGrants(target, source, false) }

  private async updateGrants (target: string, source: string, grant: boolean) {
    const targetId = id32(target, 'target context id')
    const sourceId = id32(source, 'source context id')
    unwrap(await this.p.store.transaction(() => settle(() => {
      const ctx = this.p.contexts.get(targetId)
      if (this.p.contexts.roleOf(ctx, ctx.identity) !== 'admin') throw new ForbiddenError(`this node is not an admin of context ${target}`)
      // xcalls run between contexts of this node: a grant naming any other is a mistake.
      if (grant && this.p.contexts.find(sourceId) === undefined) {
        throw new NotFoundError(`source context ${toHex(sourceId)} does not exist on this node`, { hint: 'an xcall comes from another context of this node: create or join it first (`moor context list`)' })
      }
      const others = ctx.xcallGrants.filter((g) => toHex(g) !== toHex(sourceId))
      this.p.contexts.put({ ...ctx, xcallGrants: grant ? [...others, sourceId] : others })
    })))
    return this.getContext(target)
  }

  async execute (req: { contextId: string, method: string, args?: Uint8Array, executor?: string, readOnly?: boolean, signal?: AbortSignal }): Promise<ExecuteResult> {
    req.signal?.throwIfAborted()
    const context = id32(req.contextId, 'contextId')
    if (typeof req.method !== 'string' || req.method.length === 0 || req.method.length > 256) throw new InvalidInputError('method must be a non-empty string of at most 256 characters')
    const args = checkArgs(req.args)
    const executor = req.executor === undefined ? null : id32(req.executor, 'executor')
    this.p.contexts.get(context) // NotFoundError before any work
    const call = { context, method: req.method, args, executor, readOnly: req.readOnly === true }
    let result: CallResult
    let governance: CallGovernanceInfo[] = []
    if (call.readOnly) {
      result = this.p.executor.query(call)
    } else {
      result = await this.p.executor.mutate(call)
      // Not part of the commit: the call's governance requests go out now that it is
      // durable, in order, and the result reports how each went.
      if (result.governance.length > 0) governance = await submitCallGovernance(this.p, result.governance, req.method)
    }
    return {
      output: result.output,
      gasUsed: result.gasUsed,
      deltaId: result.deltas[0] !== undefined && toHex(result.deltas[0].context) === toHex(context) ? toHex(result.deltas[0].id) : null,
      rootHash: toHex(result.rootHash),
      events: result.events,
      governance
    }
  }

  listIdentities (contextId?: string) {
    return this.p.identities.list(contextId === undefined ? undefined : id32(contextId, 'context id'))
  }

  subscribe (contextId: string, listener: (event: ContextEvent) => void) {
    this.p.contexts.get(id32(contextId, 'context id'))
    return this.p.bus.subscribe(contextId.toLowerCase(), listener)
  }

  async stop () {
    if (this.stopped) return
    this.stopped = true
    await this.p.replicator.stop()
    await this.p.network.stop()
    await this.p.governance.chains.close()
    await this.p.registry.close()
    await this.p.store.close()
    this.p.log.info('node stopped')
  }
}

/**
 * The node's chain settings, per registered chain: config.json `chains.<kind>` and the
 * stored relayer key (or the module's variable), with what the embedder passed over them.
 */
async function chainSettings (init: NodeInit, modules: ChainModules): Promise<ChainSettings> {
  const out: ChainSettings = {}
  for (const m of modules.all()) {
    const relayerKey = await readRelayerKey(init.home, m.kind, process.env, modules)
    out[m.kind] = { ...(init.config.chains?.[m.kind] ?? {}), ...(relayerKey !== undefined ? { relayerKey } : {}), ...(init.chains?.[m.kind] ?? {}) }
  }
  return out
}

function checkCapability (capability: unknown): Capability {
  if (!CAPABILITIES.includes(capability as Capability)) throw new InvalidInputError(`unknown capability ${JSON.stringify(capability)}`, { details: `one of ${CAPABILITIES.join(', ')}` })
  return capability as Capability
}

function checkArgs (args: Uint8Array | undefined): Uint8Array {
  if (args === undefined) return utf8('{}')
  if (!(args instanceof Uint8Array)) throw new InvalidInputError('args must be bytes')
  if (args.byteLength > MAX_CALL_ARGS_BYTES) throw new PayloadTooLargeError(`arguments of ${args.byteLength} bytes exceed ${MAX_CALL_ARGS_BYTES}`)
  return args
}

// A throw inside a batched LMDB transaction callback must not disturb the other callbacks
// of the batch; failures travel out as values and are rethrown after the batch.
type Settled<T> = { ok: true, value: T } | { ok: false, error: unknown }
function settle<T> (fn: () => T): Settled<T> {
  try { return { ok: true, value: fn() } } catch (error) { return { ok: false, error } }
}
function unwrap<T> (s: Settled<T>): T {
  if (!s.ok) throw s.error
  return s.value
}

