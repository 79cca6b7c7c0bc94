// One injected logger with a per-component name. Multi-node tests give each node a
// prefix so interleaved output stays readable.

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent'
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
  prefix?: string
  write?: (line: string) => void
}

export function createLogger (init: LoggerInit = {}, component = 'moor'): Logger {
  const level = init.level ?? (process.env.MOOR_LOG as LogLevel | undefined) ?? 'info'
  const write = init.write ?? ((line: string) => process.stderr.write(line + '\n'))
  const prefix = init.prefix != null ? `[${init.prefix}] ` : ''
  const emit = (lvl: LogLevel, msg: string, fields?: Record<string, unknown>): void => {
    if (ORDER[lvl] < (ORDER[level] ?? 20)) return
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

function bigintSafe (_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? value.toString() : value
}

export const silentLogger: Logger = createLogger({ level: 'silent' })
