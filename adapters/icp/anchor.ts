// The ICP anchor: governance lives in the context config canister (contracts/icp/), read
// and written with @dfinity/agent 3 and Candid.
//
//  - Writes: each request is signed by the context identity (ed25519, checked in the
//    canister); the paying identity (any principal) sends it as an update call to `mutate`,
//    whose reply agent-js accepts only with a valid certificate. A refusal is the
//    canister's trap, whose text starts with the shared refusal code.
//  - Reads are queries whose replies agent-js checks against the subnet's node signatures.
//    ICP cannot read past state: a view is of the log's head when it was read (`pastState`
//    false).
//  - The change feed is the chain kit's: feed.ts reads the canister's revision log.
import { randomBytes } from 'node:crypto'
import { Actor, AnonymousIdentity, HttpAgent, type Identity } from '@dfinity/agent'
import { ChangeFeed, KeyedQueue, type Finality } from '../../src/chain/kit/index.ts'
import { toHex } from '../../src/crypto/bytes.ts'
import { NotFoundError } from '../../src/errors/index.ts'
import {
  GovernanceRejectedError, type AnchorChange, type AnchorOptions, type ChainAction, type ChainAnchor, type ChainGovernanceView,
  type ChainWatchOptions, type GovernanceView, type Lookup, type LookupOptions, type Receipt, type Signer, type SubmitOptions
} from '../../src/governance/anchor.ts'
import { contextIdFor } from '../../src/governance/context-id.ts'
import { REFUSAL_CODES, type RefusalCode } from '../../src/governance/refusals.ts'
import type { Capability, Role } from '../../src/governance/types.ts'
import { silentLogger, type Logger } from '../../src/log/index.ts'
import { DEFAULT_POLL_INTERVAL_MS, DEVNET_NETWORK, FEED_RANGE } from './constants.ts'
import { decodeInvitation, decodeProposalAction, encodeAction } from './encoding.ts'
import { IcpEndpointError } from './errors.ts'
import { IcpSource, requestId } from './feed.ts'
import { idlFactory, type AccountRecord, type ContextConfigService, type Variant, type ViewRecord } from './idl.ts'
import { isLoopback } from './ids.ts'
import { signRequest, type SignedRequest } from './request.ts'

export interface IcpInit {
  /** The replica or boundary node (e.g. http://127.0.0.1:4943, https://icp-api.io). */
  host: string
  /** The context config canister's id. */
  canister: string
  /** Who sends the calls (any principal may relay); anonymous when absent. */
  identity?: Identity
  /** The root key (DER); fetched from the endpoint for a loopback host, else the IC's own. */
  rootKey?: Uint8Array
  pollIntervalMs?: number
  logger?: Logger
}

const name = (v: Variant): string => Object.keys(v)[0]!

/** The canister's trap text as a refusal: "… trapped explicitly: <Code>: why". */
export function refusalOf (message: string): GovernanceRejectedError | undefined {
  const m = /trapped explicitly: ([A-Za-z]+): ([^\n]*)/.exec(message)
  if (m === null) return undefined
  const code = (REFUSAL_CODES as string[]).includes(m[1]!) ? m[1] as RefusalCode : 'Other'
  return new GovernanceRejectedError(`${m[1]}: ${m[2]}`, { code })
}

export class IcpAnchor implements ChainAnchor {
  readonly kind = 'icp'
  /** A certified reply is final: ICP has no forks. */
  readonly finality: Finality = { confirmations: 1 }
  readonly pastState = false
  readonly canister: string
  private readonly init: IcpInit
  private readonly source: IcpSource
  private readonly feed: ChangeFeed
  private readonly log: Logger
  private readonly usedNonces = new Map<string, bigint>()
  private readonly queue = new KeyedQueue()
  private actorMemo: Promise<ContextConfigService> | undefined
  private actor: ContextConfigService | undefined

  constructor (init: IcpInit) {
    this.init = init
    this.canister = init.canister
    this.log = (init.logger ?? silentLogger).child('icp')
    this.source = new IcpSource(() => this.actor!)
    const source = {
      head: async () => { await this.service(); return await this.source.head() },
      idAt: async (seq: number) => { await this.service(); return await this.source.idAt(seq) },
      changes: async (contexts: string[], from: number, to: number) => { await this.service(); return await this.source.changes(contexts, from, to) }
    }
    this.feed = new ChangeFeed({
      source,
      finality: this.finality,
      pollIntervalMs: init.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS,
      reorgDepth: 4,
      range: FEED_RANGE,
      logger: this.log
    })
  }

  /** The actor, once: the agent (with the root key) is made on first use. */
  private async service (): Promise<ContextConfigService> {
    this.actorMemo ??= (async () => {
      try {
        const agent = await HttpAgent.create({
          host: this.init.host,
          identity: this.init.identity ?? new AnonymousIdentity(),
          ...(this.init.rootKey !== undefined ? { rootKey: this.init.rootKey } : {}),
          shouldFetchRootKey: this.init.rootKey === undefined && isLoopback(this.init.host)
        })
        this.actor = Actor.createActor<ContextConfigService>(idlFactory, { agent, canisterId: this.canister })
        return this.actor
      } catch (e) {
        this.actorMemo = undefined
        throw new IcpEndpointError(`ICP endpoint ${this.init.host} failed: ${(e as Error).message}`, { cause: e })
      }
    })()
    return await this.actorMemo
  }

  private async call<T> (what: string, fn: (s: ContextConfigService) => Promise<T>): Promise<T> {
    const s = await this.service()
    try {
      return await fn(s)
    } catch (e) {
      const refusal = refusalOf(String((e as Error).message))
      if (refusal !== undefined) throw refusal
      throw new IcpEndpointError(`${what} on canister ${this.canister} through ${this.init.host} failed: ${(e as Error).message}`, { cause: e })
    }
  }

  // ---- Anchor ----

  async createContext (init: { application: Uint8Array, creator: Signer, salt?: Uint8Array }, options?: AnchorOptions): Promise<{ context: Uint8Array, receipt: Receipt }> {
    const salt = init.salt ?? new Uint8Array(randomBytes(32))
    const context = contextIdFor(init.creator.publicKey, init.application, salt)
    // Creation spends no nonce; the canister refuses a second creation of the same id.
    const receipt = await this.send(this.prepare(context, init.creator, 0n, encodeAction({ type: 'create', application: init.application, salt })), options)
    return { context, receipt }
  }

  async submit (context: Uint8Array, signer: Signer, action: ChainAction, options?: SubmitOptions): Promise<Receipt> {
    const who = `${toHex(context)}:${toHex(signer.publicKey)}`
    const candid = encodeAction(action)
    return await this.queue.run(who, async () => {
      const onChain = await this.nonce(context, signer.publicKey, options)
      const used = this.usedNonces.get(who)
      const nonce = options?.nonce ?? (used !== undefined && used + 1n > onChain ? used + 1n : onChain)
      try {
        const receipt = await this.send(this.prepare(context, signer, nonce, candid), options)
        this.usedNonces.set(who, nonce)
        this.feed.kick()
        return receipt
      } catch (e) {
        if (e instanceof GovernanceRejectedError) this.usedNonces.delete(who)
        throw e
      }
    })
  }

  /** The request `action` (Candid) of `signer` with `nonce`, as `mutate`'s arguments (any principal may send them). */
  prepare (context: Uint8Array, signer: Signer, nonce: bigint, action: Variant): SignedRequest {
    return signRequest({ canister: this.canister, context, identity: signer, nonce, action })
  }

  /** Sends `mutate(request, signature)`; the canister's verdict, certified. */
  async send (args: SignedRequest, options?: AnchorOptions): Promise<Receipt> {
    options?.signal?.throwIfAborted()
    const out = await this.call('mutate', async (s) => await s.mutate(args.request, args.signature))
    return { id: requestId(args.request), revision: Number(out.revision) }
  }

  async nonce (context: Uint8Array, identity: Uint8Array, options?: AnchorOptions): Promise<bigint> {
    options?.signal?.throwIfAborted()
    return await this.call('nonce', async (s) => await s.nonce(context, identity)) + 1n
  }

  async view (context: Uint8Array, options?: AnchorOptions): Promise<GovernanceView> {
    return await this.viewAt(context, options) as unknown as GovernanceView
  }

  watch (context: Uint8Array, listener: (change: AnchorChange) => void, options?: ChainWatchOptions): () => void {
    return this.feed.watch(context, listener, options)
  }

  async viewAt (context: Uint8Array, options?: AnchorOptions): Promise<ChainGovernanceView> {
    const found = await this.lookup(context, options)
    if (!found.found) throw new NotFoundError(`context ${toHex(context)} does not exist on canister ${this.canister} (ICP, ${this.init.host})`)
    return found.value
  }

  async lookup (context: Uint8Array, options: LookupOptions = {}): Promise<Lookup<ChainGovernanceView>> {
    options.signal?.throwIfAborted()
    const [v] = await this.call('view', async (s) => await s.view(context))
    if (options.at !== undefined) {
      const head = v?.head.seq ?? (await this.call('tip', async (s) => await s.tip())).seq
      if (options.at > Number(head)) return { found: false, missing: 'no-position' }
      if (options.at < Number(head)) return { found: false, missing: 'no-past-state' }
    }
    return v === undefined ? { found: false, missing: 'no-context' } : { found: true, value: viewOf(v) }
  }

  /** The ledger account holding `context`'s funds (what its transfer proposals spend), as the canister names it. */
  async fundsAccount (context: Uint8Array, options?: AnchorOptions): Promise<AccountRecord> {
    options?.signal?.throwIfAborted()
    return await this.call('fundsAccount', async (s) => await s.fundsAccount(context))
  }

  async idAt (seq: number): Promise<string | undefined> {
    await this.service()
    return await this.source.idAt(seq)
  }

  /** `local` on a loopback endpoint (a devnet), else `mainnet`. */
  async network (): Promise<string> {
    return isLoopback(this.init.host) ? DEVNET_NETWORK : 'mainnet'
  }

  /** Polls now and resolves once the feed has caught up. */
  async sync (): Promise<void> {
    await this.feed.settle()
  }

  async close (): Promise<void> {
    this.feed.close()
  }
}

function viewOf (v: ViewRecord): ChainGovernanceView {
  return {
    context: v.context,
    application: v.application,
    members: v.members.map((m) => ({ identity: m.identity, role: name(m.role) as Role, capabilities: m.capabilities.map(name) as Capability[] })),
    threshold: v.threshold,
    activeLimit: v.activeLimit,
    revision: Number(v.revision),
    proposals: v.proposals.map((p) => ({
      id: p.id,
      author: p.author,
      createdAt: Number(p.createdAt),
      approvals: p.approvals,
      actions: p.actions.map(decodeProposalAction)
    })),
    history: v.history.map((h) => {
      const failed = (h.outcome as { failed?: string }).failed
      return { proposal: toHex(h.proposal), outcome: failed === undefined ? 'executed' as const : 'failed' as const, ...(failed !== undefined ? { reason: failed } : {}), at: Number(h.at) }
    }),
    invitations: v.invitations.map((i) => ({ ...decodeInvitation(i.spec as Record<string, unknown>), uses: i.uses, revoked: i.revoked, createdBy: i.createdBy })),
    values: v.values.map((x) => ({ key: x.key, value: x.value })),
    position: { seq: Number(v.head.seq), id: toHex(v.head.hash) },
    genesis: { seq: Number(v.createdSeq), creator: v.creator, application: v.genesisApplication }
  }
}
