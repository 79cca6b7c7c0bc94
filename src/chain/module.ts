// The ChainModule contract: everything the node, the API and the CLI need to know about one
// chain, in one object. Each adapters/<chain>/index.ts exports one; src/node/chains.ts holds
// the only list. Nothing here names a chain, and nothing here imports an adapter.
//
// A module object is light: its fields are data and small pure functions, so the list can
// be read at start-up (config parsing, invitation strings, input checks) without loading a
// chain client. The heavy parts (createAnchor, deploy, devnet.launch, the verifiers) load
// their client library on first use.
//
// How to write one: docs/chains.md.
import type { ChainAnchor } from '../governance/anchor.ts'
import type { Logger } from '../log/index.ts'
import type { ClaimResult, ClaimStatement, ClaimVerifyInit } from '../claims/types.ts'

export interface ChainModule {
  /** The anchor kind as config.json, context records, the API and the CLI name it ([a-z0-9-], 2 to 16). */
  readonly kind: string
  /** The chain's name for people, capitalised as in prose. */
  readonly title: string
  /** The CAIP-2 namespace of the chain's networks; a network id is `<namespace>:<reference>`. */
  readonly namespace: string
  /** `chains.<kind>` in config.json: options beyond `rpc` and `contract`. */
  readonly settings: ChainSettingsSpec
  /** A contract's id: the context config contract's (`--contract`, `chains.<kind>.contract`), a call's target. */
  readonly contract: IdRule
  /** An account on the chain: a transfer's recipient, a wallet. */
  readonly account: IdRule
  /** Amounts (a transfer, the value sent with a call), in the chain's smallest unit. */
  readonly amount: AmountRule
  /** The funded account this node pays for its requests from (`moor relayer set <kind>`). */
  readonly payer: PayerSpec
  /**
   * Endpoints a joiner may fall back to for well-known networks, by CAIP-2 reference
   * (a local devnet, a public endpoint). Used only when neither `--rpc`, config.json nor the
   * invitation names one.
   */
  readonly endpoints?: Readonly<Record<string, string>>
  /** The anchor for one deployed contract, reached through `rpc`. */
  createAnchor (init: CreateAnchorInit): Promise<ChainAnchor>
  /** Deploys the chain's contracts through `rpc`, paid by `key`'s account. */
  deploy (init: DeployInit): Promise<Deployed>
  /**
   * Deploying into an existing contract instead of making one (`DeployInit.into`), where the
   * chain makes contracts apart from installing code: the `moor deploy` option naming it.
   */
  readonly deployInto?: { option: string, value: string, help: string }
  /** A local chain for development (`moor devnet <kind>`); absent when the chain has none. */
  readonly devnet?: DevnetLauncher
  /** Checks wallet links (a wallet account and a context identity that belong together), asking the chain through `rpc` when given (contract wallets). */
  readonly walletLink?: { create (init: { rpc?: string }): Promise<WalletLinkVerifier> }
  /** Proves claims about chain state (the kinds are the chain's: balances, storage, tokens, views…). */
  readonly claims?: ClaimVerifier
}

/** A kind of id (contract, account): how to check it, normalise it and explain it. */
export interface IdRule {
  /** What a valid id looks like, after "must be" in messages. */
  readonly description: string
  /** Longest accepted input, in characters: longer text is refused before `parse` sees it. */
  readonly maxLength: number
  /** The id in its stored form, or undefined when `text` is not one (callers use parseId, src/chain/ids.ts). */
  parse (text: string): string | undefined
  /** The form two ids are compared in (default: as parsed). */
  key? (id: string): string
}

/** Amounts are decimal strings of the smallest unit (JSON numbers cannot hold them). */
export interface AmountRule {
  /** The smallest unit, as amounts are written. */
  readonly unit: string
  /** The unit people count in, and how many decimal places it has over `unit`. */
  readonly symbol: string
  readonly decimals: number
  /** The largest amount the chain can carry. */
  readonly max: bigint
}

/**
 * The paying account's credentials. The key is read from `$<env>`, else from
 * `<home>/keys/<kind>-relayer.key` (mode 0600); the CLI takes a new one from `$<inputEnv>`
 * or a file, never from its arguments. The key is never printed: `account` is.
 */
export interface PayerSpec {
  /** The variable that overrides the stored key for a node (MOOR_<CHAIN>_RELAYER_KEY, say). */
  readonly env: string
  /** The variable `moor relayer set` and `moor deploy` read a key from (MOOR_<CHAIN>_KEY, say). */
  readonly inputEnv: string
  /** What a key is, after "does not hold" / "is not" ("a private key" and what kind). */
  readonly description: string
  /** How to write one, as a hint. */
  readonly hint: string
  /** The key in its stored form, or undefined when `text` is not one. */
  parse (text: string): string | undefined
  /** The public account of a key (its address): what may be shown. */
  account (key: string): Promise<string>
}

/** One option of `chains.<kind>`, with its documented default. */
export type ChainOption =
  | { type: 'integer', min: number, default: number, description: string }
  | { type: 'choice', values: readonly string[], default: string, description: string }

export interface ChainSettingsSpec {
  readonly options: Readonly<Record<string, ChainOption>>
}

/** Option values by name, defaults filled in. */
export type ChainOptions = Record<string, number | string>

export interface CreateAnchorInit {
  rpc: string
  /** As `contract.parse` returned it. */
  contract: string
  /** The paying account's key; without one the anchor still reads (the node refuses requests first). */
  payerKey?: string
  options: ChainOptions
  logger: Logger
}

export interface DeployInit {
  rpc: string
  /** The deployer's key (as `payer.parse` returned it); its account pays. */
  key: string
  /** One line of progress at a time (which network, from which account). */
  onProgress?: (message: string) => void
  signal?: AbortSignal
  /** The existing contract to deploy into (chains with `deployInto`). */
  into?: string
}

/** What a deployment file holds and `moor deploy --json` prints: these fields and the chain's own. */
export interface DeploymentRecord {
  anchor: string
  /** The endpoint deployed through (what `chains.<kind>.rpc` names). */
  rpc: string
  /** The context config contract (what `chains.<kind>.contract` names). */
  contract: string
  deployedAt: string
  [field: string]: unknown
}

export interface Deployed {
  record: DeploymentRecord
  /** What was deployed where, after "deployed " ("the <chain> contracts to <network>"). */
  summary: string
  /** Labelled lines for people. */
  fields: Array<[string, string]>
}

export interface DevnetLauncher {
  /** The port it listens on unless told otherwise. */
  readonly defaultPort: number
  /** Lines for `moor devnet --help`: what this devnet is, and what its printed key is. */
  readonly about: readonly string[]
  /** The funded dev key, when it is the same on every run (lets `--configure` check a home before starting). */
  readonly devKey?: string
  launch (init: DevnetInit): Promise<LaunchedDevnet>
}

export interface DevnetInit {
  host: string
  /** 0 = any free port. */
  port: number
  /** Also make a block every so many ms (default: one per transaction). */
  blockTimeMs?: number
  /** Deploy the contracts from the funded dev account. */
  deploy: boolean
  /** Told what the launch is doing (e.g. a first compile that takes a while), for a status line. */
  onProgress?: (message: string) => void
}

export interface LaunchedDevnet {
  rpc: string
  /** The CAIP-2 reference of its network. */
  network: string
  /** The funded dev account's key: public knowledge, for this devnet only. */
  key: string
  /** That account. */
  account: string
  deployment?: Deployed
  /** The chain's own fields for `--json` (e.g. a numeric chain id). */
  info: Record<string, unknown>
  /** First line for people (what runs, and where), the chain's own fields, and warnings. */
  title: string
  fields: Array<[string, string]>
  /** Shown after the contract's address (its name) and the dev account (its balance). */
  contractNote?: string
  accountNote?: string
  notes: string[]
  close (): Promise<void>
}

/**
 * A wallet link as the node receives it: a wallet account (CAIP-10), the statement the
 * wallet signed (see src/wallets/statement.ts) and the wallet's signature. The shape of
 * `proof` is the chain's (an EOA or contract-wallet signature, …).
 */
export interface WalletLink {
  account: string
  context: Uint8Array
  identity: Uint8Array
  statement: {
    domain: string, account: string, context: string, identity: string,
    nonce: string, issuedAt: string, expiry: string
    /** "unlink": the wallet revokes the link (the chain renders another text to sign). */
    purpose?: 'unlink'
  }
  proof: unknown
}

/**
 * What a wallet is asked to sign: the wallet API's method and its JSON params (e.g.
 * personal_sign, NEP-413 signMessage, SNIP-12 typed data), and `answer`, how to write the
 * wallet's reply as the `signature` text the node takes (the proof of every chain is text).
 */
export interface WalletSignRequest {
  method: string
  params: unknown
  answer: string
}

export interface WalletLinkVerifier {
  /** Whether this verifier handles the CAIP-10 account's network. */
  handles (account: string): boolean
  /** The text the wallet signs for `statement`, as the chain's wallets show it. */
  message (statement: WalletLink['statement']): string
  /** The call to make to the chain's wallets for `statement`, and how their answer becomes the proof the node takes. */
  request (statement: WalletLink['statement']): WalletSignRequest
  /** Resolves with the linked CAIP-10 account; throws (with `why`) when the wallet signature does not hold. */
  verify (link: WalletLink, options?: { signal?: AbortSignal }): Promise<{ account: string }>
}

/** Proves a statement about chain state from untrusted endpoints (docs/claims.md). */
export interface ClaimVerifier {
  /** The statement kinds this chain proves, each with its fields (besides `kind`), in the order they are written. */
  readonly kinds: Readonly<Record<string, readonly string[]>>
  /** A statement as given (parsed JSON), checked field by field; InvalidClaimError naming the field. */
  parse (statement: unknown): ClaimStatement
  /** The value and what it rests on; throws ClaimRejectedError / EndpointDisagreementError. */
  verify (statement: ClaimStatement, init: ClaimVerifyInit): Promise<ClaimResult>
}
