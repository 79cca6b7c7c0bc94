// One injected logger with a per-component name. Multi-node tests give each node a
// prefix so interleaved output stays readable.
//
// Two formats: `text` (default, for people) and `json` (one JSON object per line, for log
// shippers): { time, level, component, msg, context?, peer?, ...fields }. `context` and
// `peer` are lifted from the fields (also from `contextId`/`peerId`) so every line that is
// about a context or a peer can be filtered on the same key.

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent'
export type LogFormat = 'text' | 'json'
export const LOG_FORMATS: readonly LogFormat[] = ['text', 'json']
const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 }

export interface Logger {
  debug (msg: string, fields?: Record<string, unknown>): void
  info (msg: string, fields?: Record<string, unknown>): void
  warn (msg: string, fields?: Record<string, unknown>): void
  error (msg: string, fields?: Record<string, unknown>): void
  child (component: string): Logger
}

export interface LoggerInit {
  level?: LogLevel
  /** Default `text`, or $MOOR_LOG_FORMAT. */
  format?: LogFormat
  prefix?: string
  write?: (line: string) => void
}

export function createLogger (init: LoggerInit = {}, component = 'moor'): Logger {
  const level = init.level ?? (process.env.MOOR_LOG as LogLevel | undefined) ?? 'info'
  const format = init.format ?? (process.env.MOOR_LOG_FORMAT === 'json' ? 'json' : 'text')
  const write = init.write ?? ((line: string) => process.stderr.write(line + '\n'))
  const prefix = init.prefix != null ? `[${init.prefix}] ` : ''
  const emit = (lvl: LogLevel, msg: string, fields?: Record<string, unknown>): void => {
    if (ORDER[lvl] < (ORDER[level] ?? 20)) return
    if (format === 'json') {
      write(jsonLine(lvl, component, msg, init.prefix, fields))
      return
    }
    const extra = fields != null && Object.keys(fields).length > 0 ? ' ' + JSON.stringify(fields, bigintSafe) : ''
    write(`${new Date().toISOString()} ${prefix}${lvl.toUpperCase()} ${component}: ${msg}${extra}`)
  }
  return {
    debug: (m, f) => { emit('debug', m, f) },
    info: (m, f) => { emit('info', m, f) },
    warn: (m, f) => { emit('warn', m, f) },
    error: (m, f) => { emit('error', m, f) },
    child: (name) => createLogger(init, `${component}:${name}`)
  }
}

function jsonLine (level: LogLevel, component: string, msg: string, node: string | undefined, fields: Record<string, unknown> = {}): string {
  const { context, contextId, peer, peerId, ...rest } = fields
  const line: Record<string, unknown> = { time: new Date().toISOString(), level, component, msg }
  if (node != null) line.node = node
  const ctx = context ?? contextId
  const p = peer ?? peerId
  if (ctx !== undefined) line.context = ctx
  if (p !== undefined) line.peer = p
  for (const [key, value] of Object.entries(rest)) {
    if (!(key in line)) line[key] = value instanceof Error ? { name: value.name, message: value.message } : value
  }
  return JSON.stringify(line, bigintSafe)
}

function bigintSafe (_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? value.toString() : value
}

export const silentLogger: Logger = createLogger({ level: 'silent' })
