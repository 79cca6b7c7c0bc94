// A node's home: where it lives on disk, its config.json and its admin token.
//
//   <home>/config.json   api host and port, call limits, log level (written by `moor init`)
//   <home>/token         admin token for the HTTP API (32 random bytes, base64url, mode 0600)
//   <home>/keys/ethereum-relayer.key
//                        the Ethereum relayer key (0x + 64 hex, mode 0600): the funded EVM
//                        account the node pays gas from; $MOOR_ETH_RELAYER_KEY overrides it
//
// config.json stores gas as a decimal string (JSON has no bigint). Every field is optional:
// a missing one takes its default from constants.ts; an unknown one is an error, so that a
// typo never silently falls back to a default.

import { randomBytes } from 'node:crypto'
import { access, chmod, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises'
import { isIP } from 'node:net'
import { homedir } from 'node:os'
import { join, resolve } from 'node:path'
import { DEFAULT_CONFIRMATIONS, DEFAULT_POLL_INTERVAL_MS } from '../../adapters/ethereum/constants.ts'
import { ConflictError, InvalidInputError } from '../errors/index.ts'
import { createLogger, silentLogger } from '../log/index.ts'
import type { Logger, LogLevel } from '../log/index.ts'
import {
  CONFIG_FILE, DEFAULT_API_HOST, DEFAULT_API_PORT, DEFAULT_P2P_LISTEN, DEFAULT_GAS_LIMIT, DEFAULT_LOG_LEVEL,
  DEFAULT_MEMORY_PAGES, HOME_DIR_NAME, RUN_FILE, TOKEN_BYTES, TOKEN_FILE
} from './constants.ts'

export interface ApiConfig {
  /** Address the HTTP API binds to; loopback unless config.json says otherwise. */
  host: string
  /** 0 picks a free port (the running node records the real one in node.json). */
  port: number
}

export interface LimitsConfig {
  /** Gas budget of one application call. */
  gas: bigint
  /** Linear-memory cap of one application instance, in 64 KiB pages. */
  memoryPages: number
}

export interface P2pConfig {
  /** Multiaddrs to listen on; loopback and a free port unless configured. */
  listen: string[]
  /** Peers to connect to at start and keep connected (multiaddrs with /p2p/<peer id>). */
  bootstrap: string[]
  /** Find peers on the local network with mDNS. */
  mdns: boolean
}

/** Where a node reaches the Ethereum anchor (config.json `chains.ethereum`). */
export interface EthereumChainConfig {
  /** JSON-RPC endpoint: an http(s):// or ws(s):// URL. */
  rpc: string
  /** Address of the ContextConfig contract (0x + 40 hex digits, any letter case). */
  contract: string
  /** Blocks a change needs, its own included, before the node acts on it (≥ 1, default 1). */
  confirmations: number
  /** How often the change feed polls the chain, in ms (≥ 50, default 1000). */
  pollIntervalMs: number
}

/** What `configureEthereum` writes: the endpoint and contract, the rest optional. */
export type EthereumChainSettings = Pick<EthereumChainConfig, 'rpc' | 'contract'> & Partial<Pick<EthereumChainConfig, 'confirmations' | 'pollIntervalMs'>>

/** The chains a node can anchor contexts on, each configured or absent. */
export interface ChainsConfig {
  ethereum?: EthereumChainConfig
}

/** Chains `chains` may name (and the CLI's `deploy` and `relayer` commands take). */
export const SUPPORTED_CHAINS = ['ethereum'] as const
export type ChainName = typeof SUPPORTED_CHAINS[number]

export interface NodeConfig {
  home: string
  api: ApiConfig
  p2p: P2pConfig
  limits: LimitsConfig
  logLevel: LogLevel
  chains: ChainsConfig
}

export interface InitHomeOptions {
  apiPort?: number
  apiHost?: string
  /** Overwrite an existing config.json and token. */
  force?: boolean
}

export interface LoadConfigOptions {
  /** Receives the warning about a non-loopback api.host. */
  logger?: Logger
}

const LOG_LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error', 'silent']
const MAX_MEMORY_PAGES = 65_536
/** Smallest chains.*.pollIntervalMs: polling faster only loads the endpoint. */
const MIN_POLL_INTERVAL_MS = 50

/** Environment variable that overrides <home>/keys/ethereum-relayer.key. */
export const ETH_RELAYER_KEY_ENV = 'MOOR_ETH_RELAYER_KEY'
const KEYS_DIR = 'keys'
const ETH_RELAYER_KEY_FILE = 'ethereum-relayer.key'
/** Order of the secp256k1 group: a private key is a scalar in [1, n). */
const SECP256K1_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n

export function configPath (home: string): string { return join(home, CONFIG_FILE) }
export function tokenPath (home: string): string { return join(home, TOKEN_FILE) }
export function runFilePath (home: string): string { return join(home, RUN_FILE) }
export function relayerKeyPath (home: string): string { return join(home, KEYS_DIR, ETH_RELAYER_KEY_FILE) }

/**
 * The home directory: the flag, else $MOOR_HOME, else $XDG_DATA_HOME/moorage, else
 * ~/.local/share/moorage. Always absolute; a leading `~/` is expanded.
 */
export function resolveHome (flag?: string, env: NodeJS.ProcessEnv = process.env): string {
  const chosen = nonEmpty(flag) ?? nonEmpty(env.MOOR_HOME)
  if (chosen != null) return resolve(expandTilde(chosen))
  const xdg = nonEmpty(env.XDG_DATA_HOME)
  if (xdg != null) return resolve(expandTilde(xdg), HOME_DIR_NAME)
  return join(homedir(), '.local', 'share', HOME_DIR_NAME)
}

export function defaultConfig (home: string): NodeConfig {
  return {
    home,
    api: { host: DEFAULT_API_HOST, port: DEFAULT_API_PORT },
    p2p: { listen: [DEFAULT_P2P_LISTEN], bootstrap: [], mdns: false },
    limits: { gas: DEFAULT_GAS_LIMIT, memoryPages: DEFAULT_MEMORY_PAGES },
    logLevel: DEFAULT_LOG_LEVEL,
    chains: {}
  }
}

/** config.json's text for a config (gas as a decimal string; `home` is not stored). */
export function serializeConfig (config: NodeConfig): string {
  return JSON.stringify({
    api: config.api,
    p2p: config.p2p,
    limits: { gas: config.limits.gas.toString(), memoryPages: config.limits.memoryPages },
    logLevel: config.logLevel,
    chains: config.chains
  }, null, 2) + '\n'
}

/**
 * Creates the home (mode 0700), config.json and the admin token. Idempotent: files that
 * exist are left alone unless `force`. Returns whether it wrote anything.
 */
export async function initHome (home: string, options: InitHomeOptions = {}): Promise<boolean> {
  const config = defaultConfig(home)
  if (options.apiHost !== undefined) config.api.host = checkHost(options.apiHost, 'apiHost')
  if (options.apiPort !== undefined) config.api.port = checkPort(options.apiPort, 'apiPort')
  const force = options.force === true

  await mkdir(home, { recursive: true, mode: 0o700 })
  let created = false
  if (force || !await exists(configPath(home))) {
    await writeAtomic(configPath(home), serializeConfig(config), 0o600)
    created = true
  }
  if (force || !await exists(tokenPath(home))) {
    await writeAtomic(tokenPath(home), randomBytes(TOKEN_BYTES).toString('base64url') + '\n', 0o600)
    created = true
  }
  return created
}

/** Reads and validates <home>/config.json; errors name the file and the field. */
export async function loadConfig (home: string, options: LoadConfigOptions = {}): Promise<NodeConfig> {
  const file = configPath(home)
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new InvalidInputError(`no config.json in ${home}`, {
        details: `${file} does not exist`,
        hint: `create it with \`moor init --home ${home}\``
      })
    }
    throw new InvalidInputError(`cannot read ${file}`, { details: (err as Error).message, cause: err })
  }
  let raw: unknown
  try {
    raw = JSON.parse(text)
  } catch (err) {
    throw new InvalidInputError(`${file} is not valid JSON`, { details: (err as Error).message, cause: err })
  }
  const config = parseConfig(raw, home, file)
  warnIfExposed(config, file, options)
  return config
}

function warnIfExposed (config: NodeConfig, file: string, options: LoadConfigOptions): void {
  if (!isLoopback(config.api.host)) {
    const logger = options.logger ?? createLogger({}, 'moor:config')
    logger.warn(`api.host in ${file} is ${config.api.host}: the admin API is reachable from other machines; anyone who can reach it and holds the token controls this node`)
  }
}

/**
 * Sets `chains.ethereum` in <home>/config.json to `chain` (replacing what was there; the
 * optional fields take their defaults when not given) and leaves every other field of the
 * file as it was. The file must exist and be valid; the result is checked before it is
 * written. Returns the new config.
 */
export async function configureEthereum (home: string, chain: EthereumChainSettings): Promise<NodeConfig> {
  const file = configPath(home)
  await loadConfig(home, { logger: silentLogger }) // it exists and is valid
  const raw = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>
  const chains = { ...(raw.chains as Record<string, unknown> | undefined), ethereum: chain }
  const next = parseConfig({ ...raw, chains }, home, file)
  await writeAtomic(file, JSON.stringify({ ...raw, chains }, null, 2) + '\n', 0o600)
  return next
}

/** Whether `key` is an EVM private key: 0x and 64 hex digits, a scalar in [1, n). */
export function isEvmPrivateKey (key: string): boolean {
  if (!/^0x[0-9a-fA-F]{64}$/.test(key)) return false
  const k = BigInt(key)
  return k > 0n && k < SECP256K1_N
}

/** Where the relayer key came from. */
export interface RelayerKeySource {
  /** 0x + 64 hex digits. */
  key: string
  /** `env`: $MOOR_ETH_RELAYER_KEY; `file`: <home>/keys/ethereum-relayer.key. */
  source: 'env' | 'file'
  /** The variable's name or the file's path. */
  from: string
}

/**
 * The Ethereum relayer key (the funded account the node pays gas from):
 * $MOOR_ETH_RELAYER_KEY when set, else <home>/keys/ethereum-relayer.key (made mode 0600 on
 * every read, like keys/node.key), else undefined. A malformed key is an error naming its
 * source; the key itself is never part of a message.
 */
export async function findRelayerKey (home: string, env: NodeJS.ProcessEnv = process.env): Promise<RelayerKeySource | undefined> {
  const fromEnv = env[ETH_RELAYER_KEY_ENV]?.trim()
  if (fromEnv != null && fromEnv !== '') {
    if (!isEvmPrivateKey(fromEnv)) throw badKey(`$${ETH_RELAYER_KEY_ENV}`)
    return { key: fromEnv, source: 'env', from: ETH_RELAYER_KEY_ENV }
  }
  const key = await storedRelayerKey(home)
  return key === undefined ? undefined : { key, source: 'file', from: relayerKeyPath(home) }
}

/**
 * The key in <home>/keys/ethereum-relayer.key (the environment aside), or undefined when
 * the file does not exist. Makes the file mode 0600 first, like keys/node.key.
 */
export async function storedRelayerKey (home: string): Promise<string | undefined> {
  const file = relayerKeyPath(home)
  let text: string
  try {
    await chmod(file, 0o600)
    text = await readFile(file, 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw new InvalidInputError(`cannot read ${file}`, { details: (err as Error).message, cause: err })
  }
  const key = text.trim()
  if (!isEvmPrivateKey(key)) throw badKey(file)
  return key
}

/** The relayer key's hex (see findRelayerKey), or undefined when none is set. */
export async function readRelayerKey (home: string, env: NodeJS.ProcessEnv = process.env): Promise<string | undefined> {
  return (await findRelayerKey(home, env))?.key
}

/**
 * Stores `key` (0x + 64 hex) as <home>/keys/ethereum-relayer.key, mode 0600 (keys/ mode
 * 0700). A different key already there is kept (ConflictError) unless `force`. Returns
 * the file's path.
 */
export async function writeRelayerKey (home: string, key: string, options: { force?: boolean } = {}): Promise<string> {
  const trimmed = key.trim()
  if (!isEvmPrivateKey(trimmed)) throw badKey('the key given')
  const file = relayerKeyPath(home)
  let existing: string | undefined
  try {
    existing = await storedRelayerKey(home)
  } catch (err) {
    // A file that holds no key can be replaced with --force (it is lost anyway).
    if (options.force !== true) throw err
  }
  if (existing !== undefined && existing.toLowerCase() !== trimmed.toLowerCase() && options.force !== true) {
    throw new ConflictError(`${file} already holds another relayer key`, {
      hint: 'replacing it loses that account unless you have a copy; pass --force to replace it'
    })
  }
  await mkdir(join(home, KEYS_DIR), { recursive: true, mode: 0o700 })
  await writeAtomic(file, trimmed + '\n', 0o600)
  await chmod(file, 0o600)
  return file
}

function badKey (where: string): InvalidInputError {
  return new InvalidInputError(`${where} does not hold an EVM private key`, {
    hint: 'a key is 0x followed by 64 hex digits (a secp256k1 scalar)'
  })
}

/** The admin token from <home>/token. */
export async function readToken (home: string): Promise<string> {
  const file = tokenPath(home)
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new InvalidInputError(`no admin token in ${home}`, {
        details: `${file} does not exist`,
        hint: `create it with \`moor init --home ${home}\``
      })
    }
    throw new InvalidInputError(`cannot read ${file}`, { details: (err as Error).message, cause: err })
  }
  const token = text.trim()
  if (token.length < 16 || /\s/.test(token)) {
    throw new InvalidInputError(`${file} does not hold a usable token`, {
      details: 'the token must be at least 16 characters without whitespace',
      hint: `recreate it with \`moor init --home ${home} --force\``
    })
  }
  return token
}

/** Whether binding to `host` keeps the API on this machine. */
export function isLoopback (host: string): boolean {
  const h = host.toLowerCase()
  if (h === 'localhost' || h === '::1' || h === '[::1]') return true
  if (isIP(h) === 4) return h.startsWith('127.')
  if (h.startsWith('::ffff:')) return h.slice(7).startsWith('127.')
  return false
}

function parseConfig (raw: unknown, home: string, file: string): NodeConfig {
  const config = defaultConfig(home)
  const top = asObject(raw, file, '(top level)')
  onlyFields(top, ['api', 'p2p', 'limits', 'logLevel', 'chains'], file, '')
  if (top.p2p !== undefined) {
    const p2p = asObject(top.p2p, file, 'p2p')
    onlyFields(p2p, ['listen', 'bootstrap', 'mdns'], file, 'p2p.')
    if (p2p.listen !== undefined) config.p2p.listen = checkAddrs(p2p.listen, 'p2p.listen', file)
    if (p2p.bootstrap !== undefined) config.p2p.bootstrap = checkAddrs(p2p.bootstrap, 'p2p.bootstrap', file)
    if (p2p.mdns !== undefined) {
      if (typeof p2p.mdns !== 'boolean') throw fieldError(file, 'p2p.mdns', 'must be true or false', p2p.mdns)
      config.p2p.mdns = p2p.mdns
    }
  }

  if (top.api !== undefined) {
    const api = asObject(top.api, file, 'api')
    onlyFields(api, ['host', 'port'], file, 'api.')
    if (api.host !== undefined) config.api.host = checkHost(api.host, 'api.host', file)
    if (api.port !== undefined) config.api.port = checkPort(api.port, 'api.port', file)
  }
  if (top.limits !== undefined) {
    const limits = asObject(top.limits, file, 'limits')
    onlyFields(limits, ['gas', 'memoryPages'], file, 'limits.')
    if (limits.gas !== undefined) config.limits.gas = checkGas(limits.gas, file)
    if (limits.memoryPages !== undefined) {
      const pages = limits.memoryPages
      if (typeof pages !== 'number' || !Number.isInteger(pages) || pages < 1 || pages > MAX_MEMORY_PAGES) {
        throw fieldError(file, 'limits.memoryPages', `must be an integer from 1 to ${MAX_MEMORY_PAGES}`, pages)
      }
      config.limits.memoryPages = pages
    }
  }
  if (top.logLevel !== undefined) {
    if (typeof top.logLevel !== 'string' || !LOG_LEVELS.includes(top.logLevel as LogLevel)) {
      throw fieldError(file, 'logLevel', `must be one of ${LOG_LEVELS.join(', ')}`, top.logLevel)
    }
    config.logLevel = top.logLevel as LogLevel
  }
  if (top.chains !== undefined) {
    const chains = asObject(top.chains, file, 'chains')
    onlyFields(chains, [...SUPPORTED_CHAINS], file, 'chains.')
    if (chains.ethereum !== undefined) config.chains.ethereum = parseEthereum(chains.ethereum, file)
  }
  return config
}

function parseEthereum (value: unknown, file: string): EthereumChainConfig {
  const eth = asObject(value, file, 'chains.ethereum')
  onlyFields(eth, ['rpc', 'contract', 'confirmations', 'pollIntervalMs'], file, 'chains.ethereum.')
  return {
    rpc: checkRpcUrl(eth.rpc, 'chains.ethereum.rpc', file),
    contract: checkEvmAddress(eth.contract, 'chains.ethereum.contract', file),
    confirmations: eth.confirmations === undefined ? DEFAULT_CONFIRMATIONS : checkInt(eth.confirmations, 1, 'chains.ethereum.confirmations', file),
    pollIntervalMs: eth.pollIntervalMs === undefined ? DEFAULT_POLL_INTERVAL_MS : checkInt(eth.pollIntervalMs, MIN_POLL_INTERVAL_MS, 'chains.ethereum.pollIntervalMs', file)
  }
}

/** A JSON-RPC endpoint: an http, https, ws or wss URL with a host. */
export function checkRpcUrl (value: unknown, field: string, file?: string): string {
  if (!isRpcUrl(value)) throw fieldError(file, field, 'must be an http(s):// or ws(s):// URL (e.g. http://127.0.0.1:8545)', value)
  return value as string
}

/** An EVM address: 0x and 40 hex digits (the EIP-55 letter case is not checked). */
export function checkEvmAddress (value: unknown, field: string, file?: string): string {
  if (!isEvmAddress(value)) throw fieldError(file, field, 'must be an address: 0x followed by 40 hex digits', value)
  return value as string
}

/** A JSON-RPC endpoint: an http(s):// or ws(s):// URL with a host. */
export function isRpcUrl (value: unknown): boolean {
  if (typeof value !== 'string') return false
  try {
    const url = new URL(value)
    return ['http:', 'https:', 'ws:', 'wss:'].includes(url.protocol) && url.hostname !== ''
  } catch {
    return false
  }
}

/** 0x and 40 hex digits, any letter case. */
export function isEvmAddress (value: unknown): boolean {
  return typeof value === 'string' && /^0x[0-9a-fA-F]{40}$/.test(value)
}

function checkInt (value: unknown, min: number, field: string, file: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) {
    throw fieldError(file, field, `must be an integer ≥ ${min}`, value)
  }
  return value
}

function checkHost (value: unknown, field: string, file?: string): string {
  const hostname = /^(?=.{1,253}$)[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/i
  if (typeof value !== 'string' || (isIP(value) === 0 && !hostname.test(value))) {
    throw fieldError(file, field, 'must be an IP address or a host name (e.g. 127.0.0.1)', value)
  }
  return value
}

/** Multiaddr strings (checked for shape here; the network parses them at start). */
export function checkAddrs (value: unknown, field: string, file?: string): string[] {
  if (!Array.isArray(value) || !value.every((a) => typeof a === 'string' && /^\/(ip4|ip6|dns|dns4|dns6)\/[^/]+\/tcp\/\d+(\/p2p\/\w+)?$/.test(a))) {
    throw fieldError(file, field, 'must be a list of multiaddrs like /ip4/127.0.0.1/tcp/2529 (bootstrap peers end in /p2p/<peer id>)', value)
  }
  return value as string[]
}

function checkPort (value: unknown, field: string, file?: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 65_535) {
    throw fieldError(file, field, 'must be an integer port from 0 to 65535 (0 picks a free port)', value)
  }
  return value
}

function checkGas (value: unknown, file: string): bigint {
  let gas: bigint | null = null
  if (typeof value === 'string' && /^[0-9]{1,30}$/.test(value)) gas = BigInt(value)
  if (typeof value === 'number' && Number.isSafeInteger(value)) gas = BigInt(value)
  if (gas == null || gas <= 0n) {
    throw fieldError(file, 'limits.gas', 'must be a positive integer, preferably as a decimal string (e.g. "300000000")', value)
  }
  return gas
}

function asObject (value: unknown, file: string, field: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw fieldError(file, field, 'must be a JSON object', value)
  }
  return value as Record<string, unknown>
}

function onlyFields (obj: Record<string, unknown>, known: string[], file: string, prefix: string): void {
  for (const key of Object.keys(obj)) {
    if (!known.includes(key)) {
      throw new InvalidInputError(`${file}: unknown field "${prefix}${key}"`, {
        hint: `known fields${prefix === '' ? '' : ` of ${prefix.slice(0, -1)}`}: ${known.join(', ')}`
      })
    }
  }
}

function fieldError (file: string | undefined, field: string, rule: string, got: unknown): InvalidInputError {
  const where = file != null ? `${file}: ` : ''
  return new InvalidInputError(`${where}"${field}" ${rule}`, { details: `got ${describe(got)}` })
}

function describe (value: unknown): string {
  if (value === undefined) return 'nothing'
  const text = JSON.stringify(value)
  return text.length > 80 ? text.slice(0, 77) + '...' : text
}

function nonEmpty (value: string | undefined): string | undefined {
  return value != null && value.trim() !== '' ? value : undefined
}

function expandTilde (path: string): string {
  if (path === '~') return homedir()
  if (path.startsWith('~/')) return join(homedir(), path.slice(2))
  return path
}

async function exists (path: string): Promise<boolean> {
  try {
    await access(path)
    return true
  } catch {
    return false
  }
}

async function writeAtomic (path: string, data: string, mode: number): Promise<void> {
  const tmp = `${path}.${process.pid}.tmp`
  try {
    await writeFile(tmp, data, { mode, flag: 'w' })
    await rename(tmp, path)
  } catch (err) {
    await rm(tmp, { force: true })
    throw err
  }
}
