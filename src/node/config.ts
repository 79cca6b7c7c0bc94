// A node's home: where it lives on disk, its config.json and its admin token.
//
//   <home>/config.json   api host and port, call limits, log level (written by `moor init`)
//   <home>/token         admin token for the HTTP API (32 random bytes, base64url, mode 0600)
//
// config.json stores gas as a decimal string (JSON has no bigint). Every field is optional:
// a missing one takes its default from constants.ts; an unknown one is an error, so that a
// typo never silently falls back to a default.

import { randomBytes } from 'node:crypto'
import { access, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises'
import { isIP } from 'node:net'
import { homedir } from 'node:os'
import { join, resolve } from 'node:path'
import { InvalidInputError } from '../errors/index.ts'
import { createLogger } from '../log/index.ts'
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

export interface NodeConfig {
  home: string
  api: ApiConfig
  p2p: P2pConfig
  limits: LimitsConfig
  logLevel: LogLevel
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

export function configPath (home: string): string { return join(home, CONFIG_FILE) }
export function tokenPath (home: string): string { return join(home, TOKEN_FILE) }
export function runFilePath (home: string): string { return join(home, RUN_FILE) }

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
    logLevel: DEFAULT_LOG_LEVEL
  }
}

/** config.json's text for a config (gas as a decimal string; `home` is not stored). */
export function serializeConfig (config: NodeConfig): string {
  return JSON.stringify({
    api: config.api,
    p2p: config.p2p,
    limits: { gas: config.limits.gas.toString(), memoryPages: config.limits.memoryPages },
    logLevel: config.logLevel
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
  if (!isLoopback(config.api.host)) {
    const logger = options.logger ?? createLogger({}, 'moor:config')
    logger.warn(`api.host in ${file} is ${config.api.host}: the admin API is reachable from other machines; anyone who can reach it and holds the token controls this node`)
  }
  return config
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
  onlyFields(top, ['api', 'p2p', 'limits', 'logLevel'], file, '')
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
  return config
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
