// A node's home: where it lives on disk, its config.json and its admin token.
//
//   <home>/config.json   api host and port, p2p listen address (a port chosen at init and
//                        kept), call limits, log level, chains (written by `moor init`)
//   <home>/token         admin token for the HTTP API (32 random bytes, base64url, mode 0600)
//   <home>/keys/<kind>-relayer.key
//                        a chain's relayer key (mode 0600): the funded account the node pays
//                        for its requests on that chain from; the chain module's variable
//                        ($<payer.env>) overrides it
//
// config.json stores gas as a decimal string (JSON has no bigint). Every field is optional:
// a missing one takes its default from constants.ts; an unknown one is an error, so that a
// typo never silently falls back to a default.

import { randomBytes } from 'node:crypto'
import { access, chmod, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises'
import { isIP } from 'node:net'
import { homedir } from 'node:os'
import { join, resolve } from 'node:path'
import { checkRpcUrl } from '../chain/endpoint.ts'
import { parseId } from '../chain/ids.ts'
import type { ChainModule, ChainOptions } from '../chain/module.ts'
import type { ChainModules } from '../chain/modules.ts'
import { ConflictError, InvalidInputError } from '../errors/index.ts'
import { createLogger, silentLogger } from '../log/index.ts'
import { freeTcpPort } from '../network/ports.ts'
import type { Logger, LogLevel } from '../log/index.ts'
import {
  CONFIG_FILE, DEFAULT_API_HOST, DEFAULT_API_PORT, DEFAULT_P2P_HOST, DEFAULT_P2P_LISTEN, DEFAULT_GAS_LIMIT, DEFAULT_LOG_LEVEL,
  DEFAULT_MEMORY_PAGES, HOME_DIR_NAME, RUN_FILE, TOKEN_BYTES, TOKEN_FILE
} from './constants.ts'
import { CHAIN_MODULES } from './chains.ts'
import { parseCheckpoint, parseEndpoints, type InvalidClaimError } from '../claims/statement.ts'
import type { ClaimEndpoints } from '../claims/types.ts'
import { ROTATE_AFTER_MESSAGES, ROTATE_EVERY_MS } from '../sync/ratchet/constants.ts'

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

/**
 * Where a node reaches a chain's anchor (config.json `chains.<kind>`): the endpoint, the
 * context config contract, and the chain module's own options (ChainModule.settings),
 * defaults filled in.
 */
export type ChainConfig = { rpc: string, contract: string } & ChainOptions

/** What `configureChain` writes: the endpoint and contract, the options optional. */
export type ChainConfigSettings = { rpc: string, contract: string } & Partial<ChainOptions>

/** The chains a node can anchor contexts on, by kind, each configured or absent. */
export type ChainsConfig = Partial<Record<string, ChainConfig>>

export interface NodeConfig {
  home: string
  api: ApiConfig
  p2p: P2pConfig
  limits: LimitsConfig
  logLevel: LogLevel
  chains: ChainsConfig
  /** Endpoints claims are verified through, by chain kind (`claims.<kind>`, docs/claims.md). */
  claims: ClaimsConfig
  /** The domain wallet-link statements name (config.json `domain`; default the API's host:port). */
  domain?: string
  /** Epoch rotation (config.json `encryption`, docs/encryption.md): by age and by message count. */
  encryption: EncryptionConfig
}

export interface EncryptionConfig {
  /** A context's epoch rotates once this old (ms; default 1 hour). */
  rotateEveryMs: number
  /** ... or once this many messages went under it on a node (default 10,000). */
  rotateAfterMessages: number
}

export type ClaimsConfig = Partial<Record<string, ClaimEndpoints>>

export interface InitHomeOptions {
  apiPort?: number
  apiHost?: string
  /**
   * The p2p TCP port (on 127.0.0.1). When not given, a free port is chosen once, here, and
   * kept in config.json: the addresses inside an invitation stay valid across restarts.
   * 0 asks for a new random port at every start.
   */
  p2pPort?: number
  /**
   * On an initialised home: set the options given in config.json and keep everything else
   * (chains, bootstrap peers, limits, the admin token). A config.json that does not load is
   * replaced, the old one kept as config.json.bak; an unusable token is replaced.
   */
  force?: boolean
}

export interface LoadConfigOptions {
  /** Receives the warning about a non-loopback api.host. */
  logger?: Logger
  /** The chain modules `chains` may name (default: all of this build's). */
  modules?: ChainModules
}

const LOG_LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error', 'silent']
const MAX_MEMORY_PAGES = 65_536
const KEYS_DIR = 'keys'

export function configPath (home: string): string { return join(home, CONFIG_FILE) }
export function tokenPath (home: string): string { return join(home, TOKEN_FILE) }
export function runFilePath (home: string): string { return join(home, RUN_FILE) }
/** <home>/keys/<kind>-relayer.key: where a chain's relayer key is stored. */
export function relayerKeyPath (home: string, kind: string): string { return join(home, KEYS_DIR, `${kind}-relayer.key`) }

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
    chains: {},
    claims: {},
    encryption: { rotateEveryMs: ROTATE_EVERY_MS, rotateAfterMessages: ROTATE_AFTER_MESSAGES }
  }
}

/** config.json's text for a config (gas as a decimal string; `home` is not stored). */
export function serializeConfig (config: NodeConfig): string {
  return JSON.stringify({
    api: config.api,
    p2p: config.p2p,
    limits: { gas: config.limits.gas.toString(), memoryPages: config.limits.memoryPages },
    logLevel: config.logLevel,
    chains: config.chains,
    ...(config.encryption.rotateEveryMs !== ROTATE_EVERY_MS || config.encryption.rotateAfterMessages !== ROTATE_AFTER_MESSAGES ? { encryption: config.encryption } : {}),
    ...(Object.keys(config.claims).length > 0 ? { claims: config.claims } : {}),
    ...(config.domain !== undefined ? { domain: config.domain } : {})
  }, null, 2) + '\n'
}

/**
 * Creates the home (mode 0700), config.json and the admin token. Idempotent: files that
 * exist are left alone unless `force` (see InitHomeOptions.force: it never drops a field
 * it was not asked to set). Returns whether it wrote anything.
 */
export async function initHome (home: string, options: InitHomeOptions = {}): Promise<boolean> {
  if (options.apiHost !== undefined) checkHost(options.apiHost, 'apiHost')
  if (options.apiPort !== undefined) checkPort(options.apiPort, 'apiPort')
  if (options.p2pPort !== undefined) checkPort(options.p2pPort, 'p2pPort')
  const force = options.force === true

  await mkdir(home, { recursive: true, mode: 0o700 })
  let wrote = false
  if (!await exists(configPath(home))) {
    await writeAtomic(configPath(home), serializeConfig(await freshConfig(home, options)), 0o600)
    wrote = true
  } else if (force) {
    wrote = await updateConfig(home, options)
  }
  if (!await exists(tokenPath(home)) || (force && !await usableToken(home))) {
    await writeAtomic(tokenPath(home), randomBytes(TOKEN_BYTES).toString('base64url') + '\n', 0o600)
    wrote = true
  }
  return wrote
}

/** A new home's config: the defaults, the options, and a p2p port of its own. */
async function freshConfig (home: string, options: InitHomeOptions): Promise<NodeConfig> {
  const config = defaultConfig(home)
  if (options.apiHost !== undefined) config.api.host = options.apiHost
  if (options.apiPort !== undefined) config.api.port = options.apiPort
  config.p2p.listen = [p2pListen(DEFAULT_P2P_HOST, options.p2pPort ?? await freeTcpPort(DEFAULT_P2P_HOST))]
  return config
}

/**
 * `init --force` on an existing home: the fields named by the options change, the others
 * stay as they are. A config.json that does not load is set aside as config.json.bak.
 */
async function updateConfig (home: string, options: InitHomeOptions): Promise<boolean> {
  const file = configPath(home)
  let raw: Record<string, unknown>
  try {
    await loadConfig(home, { logger: silentLogger })
    raw = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>
  } catch {
    await rename(file, `${file}.bak`)
    await writeAtomic(file, serializeConfig(await freshConfig(home, options)), 0o600)
    return true
  }
  if (options.apiHost === undefined && options.apiPort === undefined && options.p2pPort === undefined) return false
  const api = { ...(raw.api as Record<string, unknown> | undefined) }
  if (options.apiHost !== undefined) api.host = options.apiHost
  if (options.apiPort !== undefined) api.port = options.apiPort
  const p2p = { ...(raw.p2p as Record<string, unknown> | undefined) }
  if (options.p2pPort !== undefined) {
    const listen = Array.isArray(p2p.listen) ? p2p.listen as string[] : []
    const host = /^\/ip[46]\/([^/]+)\//.exec(listen[0] ?? '')?.[1] ?? DEFAULT_P2P_HOST
    p2p.listen = [p2pListen(host, options.p2pPort), ...listen.slice(1)]
  }
  const next = { ...raw, api, p2p }
  parseConfig(next, home, file, CHAIN_MODULES)
  await writeAtomic(file, JSON.stringify(next, null, 2) + '\n', 0o600)
  return true
}

/** The multiaddr a node listens on for peers, from an IP address and a port. */
export function p2pListen (host: string, port: number): string {
  return `/${isIP(host) === 6 ? 'ip6' : 'ip4'}/${host}/tcp/${port}`
}

async function usableToken (home: string): Promise<boolean> {
  try {
    await readToken(home)
    return true
  } catch {
    return false
  }
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
  const config = parseConfig(raw, home, file, options.modules ?? CHAIN_MODULES)
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
 * Sets `chains.<kind>` in <home>/config.json to `chain` (replacing what was there; the
 * options take their defaults when not given) and leaves every other field of the file as
 * it was. The file must exist and be valid; the result is checked before it is written.
 * Returns the new config.
 */
export async function configureChain (home: string, kind: string, chain: ChainConfigSettings, modules: ChainModules = CHAIN_MODULES): Promise<NodeConfig> {
  modules.get(kind)
  const file = configPath(home)
  await loadConfig(home, { logger: silentLogger, modules }) // it exists and is valid
  const raw = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>
  const chains = { ...(raw.chains as Record<string, unknown> | undefined), [kind]: chain }
  const next = parseConfig({ ...raw, chains }, home, file, modules)
  await writeAtomic(file, JSON.stringify({ ...raw, chains }, null, 2) + '\n', 0o600)
  return next
}

/** Where a relayer key came from. */
export interface RelayerKeySource {
  /** As the chain module's payer.parse returned it. */
  key: string
  /** `env`: the module's variable ($<payer.env>); `file`: <home>/keys/<kind>-relayer.key. */
  source: 'env' | 'file'
  /** The variable's name or the file's path. */
  from: string
}

/**
 * A chain's relayer key (the funded account the node pays from): $<payer.env> when set,
 * else <home>/keys/<kind>-relayer.key (made mode 0600 on every read, like keys/node.key),
 * else undefined. A malformed key is an error naming its source; the key itself is never
 * part of a message.
 */
export async function findRelayerKey (home: string, kind: string, env: NodeJS.ProcessEnv = process.env, modules: ChainModules = CHAIN_MODULES): Promise<RelayerKeySource | undefined> {
  const m = modules.get(kind)
  const fromEnv = env[m.payer.env]?.trim()
  if (fromEnv != null && fromEnv !== '') {
    const key = m.payer.parse(fromEnv)
    if (key === undefined) throw badKey(`$${m.payer.env}`, m)
    return { key, source: 'env', from: m.payer.env }
  }
  const key = await storedRelayerKey(home, kind, modules)
  return key === undefined ? undefined : { key, source: 'file', from: relayerKeyPath(home, kind) }
}

/**
 * The key in <home>/keys/<kind>-relayer.key (the environment aside), or undefined when the
 * file does not exist. Makes the file mode 0600 first, like keys/node.key.
 */
export async function storedRelayerKey (home: string, kind: string, modules: ChainModules = CHAIN_MODULES): Promise<string | undefined> {
  const m = modules.get(kind)
  const file = relayerKeyPath(home, kind)
  let text: string
  try {
    await chmod(file, 0o600)
    text = await readFile(file, 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw new InvalidInputError(`cannot read ${file}`, { details: (err as Error).message, cause: err })
  }
  const key = m.payer.parse(text.trim())
  if (key === undefined) throw badKey(file, m)
  return key
}

/** The relayer key (see findRelayerKey), or undefined when none is set. */
export async function readRelayerKey (home: string, kind: string, env: NodeJS.ProcessEnv = process.env, modules: ChainModules = CHAIN_MODULES): Promise<string | undefined> {
  return (await findRelayerKey(home, kind, env, modules))?.key
}

/**
 * Stores `key` as <home>/keys/<kind>-relayer.key, mode 0600 (keys/ mode 0700). A different
 * key already there is kept (ConflictError) unless `force`. Returns the file's path.
 */
export async function writeRelayerKey (home: string, kind: string, key: string, options: { force?: boolean, modules?: ChainModules } = {}): Promise<string> {
  const modules = options.modules ?? CHAIN_MODULES
  const m = modules.get(kind)
  const parsed = m.payer.parse(key.trim())
  if (parsed === undefined) throw badKey('the key given', m)
  const file = relayerKeyPath(home, kind)
  let existing: string | undefined
  try {
    existing = await storedRelayerKey(home, kind, modules)
  } catch (err) {
    // A file that holds no key can be replaced with --force (it is lost anyway).
    if (options.force !== true) throw err
  }
  if (existing !== undefined && !sameKey(existing, parsed) && options.force !== true) {
    throw new ConflictError(`${file} already holds another relayer key`, {
      hint: 'replacing it loses that account unless you have a copy; pass --force to replace it'
    })
  }
  await mkdir(join(home, KEYS_DIR), { recursive: true, mode: 0o700 })
  await writeAtomic(file, parsed + '\n', 0o600)
  await chmod(file, 0o600)
  return file
}

/** Keys written in hex compare without regard to letter case. */
export function sameKey (a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase()
}

function badKey (where: string, m: ChainModule): InvalidInputError {
  return new InvalidInputError(`${where} does not hold ${m.payer.description}`, { hint: m.payer.hint })
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

function parseConfig (raw: unknown, home: string, file: string, modules: ChainModules): NodeConfig {
  const config = defaultConfig(home)
  const top = asObject(raw, file, '(top level)')
  onlyFields(top, ['api', 'p2p', 'limits', 'logLevel', 'chains', 'domain', 'claims', 'encryption'], file, '')
  if (top.encryption !== undefined) {
    const enc = asObject(top.encryption, file, 'encryption')
    onlyFields(enc, ['rotateEveryMs', 'rotateAfterMessages'], file, 'encryption.')
    const positive = (v: unknown, field: string, min: number): number => {
      if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min) throw fieldError(file, `encryption.${field}`, `must be an integer of at least ${min}`, v)
      return v
    }
    if (enc.rotateEveryMs !== undefined) config.encryption.rotateEveryMs = positive(enc.rotateEveryMs, 'rotateEveryMs', 1_000)
    if (enc.rotateAfterMessages !== undefined) config.encryption.rotateAfterMessages = positive(enc.rotateAfterMessages, 'rotateAfterMessages', 1)
  }
  if (top.domain !== undefined) {
    if (typeof top.domain !== 'string' || !/^[a-z0-9.-]{1,253}(:[0-9]{1,5})?$/i.test(top.domain)) throw fieldError(file, 'domain', 'must be a host name, optionally with :port (what wallet-link statements name)', top.domain)
    config.domain = top.domain
  }
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
    onlyFields(chains, modules.kinds, file, 'chains.')
    for (const [kind, value] of Object.entries(chains)) config.chains[kind] = parseChain(modules.get(kind), value, file)
  }
  if (top.claims !== undefined) {
    const claims = asObject(top.claims, file, 'claims')
    onlyFields(claims, modules.all().filter((m) => m.claims !== undefined).map((m) => m.kind), file, 'claims.')
    for (const [kind, value] of Object.entries(claims)) config.claims[kind] = parseClaimEndpoints(kind, value, file)
  }
  return config
}

/** `claims.<kind>`: { rpc: [urls], checkpoint?: { number, hash } }, checked as the claims layer checks them. */
function parseClaimEndpoints (kind: string, value: unknown, file: string): ClaimEndpoints {
  const where = `claims.${kind}`
  const raw = asObject(value, file, where)
  onlyFields(raw, ['rpc', 'checkpoint'], file, `${where}.`)
  const field = <T>(name: string, parse: () => T): T => {
    try { return parse() } catch (err) { throw fieldError(file, `${where}.${name}`, (err as InvalidClaimError).shortMessage.replace(/^claim [a-z]+: /, ''), raw[name]) }
  }
  if (!Array.isArray(raw.rpc)) throw fieldError(file, `${where}.rpc`, 'must be a list of endpoint URLs', raw.rpc)
  const out: ClaimEndpoints = { rpc: field('rpc', () => parseEndpoints(raw.rpc)) }
  if (raw.checkpoint !== undefined) out.checkpoint = field('checkpoint', () => parseCheckpoint(raw.checkpoint))
  if (out.checkpoint === undefined && out.rpc.length < 2) throw fieldError(file, `${where}.rpc`, 'needs ≥ 2 independent endpoints (a quorum) unless a checkpoint is pinned', raw.rpc)
  return out
}

/** `chains.<kind>`: rpc, contract (checked by the chain module) and the module's options. */
function parseChain (m: ChainModule, value: unknown, file: string): ChainConfig {
  const where = `chains.${m.kind}`
  const raw = asObject(value, file, where)
  onlyFields(raw, ['rpc', 'contract', ...Object.keys(m.settings.options)], file, `${where}.`)
  const contract = parseId(m.contract, raw.contract)
  if (contract === undefined) throw fieldError(file, `${where}.contract`, `must be ${m.contract.description}`, raw.contract)
  const config: ChainConfig = { rpc: checkRpcUrl(raw.rpc, `${where}.rpc`, file), contract }
  for (const [name, spec] of Object.entries(m.settings.options)) {
    const v = raw[name]
    const field = `${where}.${name}`
    if (v === undefined) config[name] = spec.default
    else if (spec.type === 'integer') config[name] = checkInt(v, spec.min, field, file)
    else if (typeof v === 'string' && spec.values.includes(v)) config[name] = v
    else throw fieldError(file, field, `must be one of ${spec.values.join(', ')}`, v)
  }
  return config
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
