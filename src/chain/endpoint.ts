// A chain's endpoint as config.json, the CLI and the API take it.
import { InvalidInputError } from '../errors/index.ts'

/** An http(s):// or ws(s):// URL with a host. */
export function isRpcUrl (value: unknown): value is string {
  if (typeof value !== 'string') return false
  try {
    const url = new URL(value)
    return ['http:', 'https:', 'ws:', 'wss:'].includes(url.protocol) && url.hostname !== ''
  } catch {
    return false
  }
}

/** `value` as an endpoint; InvalidInputError naming `field` (and the file) otherwise. */
export function checkRpcUrl (value: unknown, field: string, file?: string): string {
  if (!isRpcUrl(value)) {
    const text = value === undefined ? 'nothing' : JSON.stringify(value)
    throw new InvalidInputError(`${file != null ? `${file}: ` : ''}"${field}" must be an http(s):// or ws(s):// URL (e.g. http://127.0.0.1:8545)`, { details: `got ${text.length > 80 ? text.slice(0, 77) + '...' : text}` })
  }
  return value
}
