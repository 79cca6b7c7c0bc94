import { MoorageError } from './base.ts'

export { MoorageError } from './base.ts'
export type { MoorageErrorOptions } from './base.ts'

// 400 — the request itself is wrong.
export class InvalidInputError extends MoorageError {
  static override readonly status: number = 400
  override name = 'InvalidInputError'
}
// 401 — missing or wrong credentials.
export class UnauthorizedError extends MoorageError {
  static override readonly status: number = 401
  override name = 'UnauthorizedError'
}
// 403 — authenticated but not allowed.
export class ForbiddenError extends MoorageError {
  static override readonly status: number = 403
  override name = 'ForbiddenError'
}
// 404 — an id that names nothing on this node.
export class NotFoundError extends MoorageError {
  static override readonly status: number = 404
  override name = 'NotFoundError'
}
// 404 — a chain-anchored context its contract no longer has (the chain was reset).
export class AnchorContextMissingError extends NotFoundError {
  override name = 'AnchorContextMissingError'
}
// 409 — the operation conflicts with current state (already exists, in use).
export class ConflictError extends MoorageError {
  static override readonly status: number = 409
  override name = 'ConflictError'
}
// 403 — this node's identity was removed from the context (by an admin's removeMember).
export class RemovedFromContextError extends ForbiddenError {
  override name = 'RemovedFromContextError'
}
// 413 — a body or module over the configured size.
export class PayloadTooLargeError extends MoorageError {
  static override readonly status: number = 413
  override name = 'PayloadTooLargeError'
}
// 503 — a part of the node that was not built (the admin page's bundle).
export class NotBuiltError extends MoorageError {
  static override readonly status: number = 503
  override name = 'NotBuiltError'
}

// Store
export class SchemaVersionError extends MoorageError {
  override name = 'SchemaVersionError'
}
export class StoreClosedError extends MoorageError {
  override name = 'StoreClosedError'
}

// Crypto
export class InvalidSignatureError extends MoorageError {
  static override readonly status: number = 400
  override name = 'InvalidSignatureError'
}
export class DecryptionError extends MoorageError {
  override name = 'DecryptionError'
}

// Runtime: every failure of an application call is a 422 — the request was well formed,
// the application refused or failed it.
export class ApplicationError extends MoorageError {
  static override readonly status: number = 422
  override name = 'ApplicationError'
}
export class InvalidModuleError extends MoorageError {
  static override readonly status: number = 400
  override name = 'InvalidModuleError'
}
export class MethodNotFoundError extends ApplicationError {
  override name = 'MethodNotFoundError'
}
export class GasExhaustedError extends ApplicationError {
  override name = 'GasExhaustedError'
}
export class MemoryLimitError extends ApplicationError {
  override name = 'MemoryLimitError'
}
export class StackOverflowError extends ApplicationError {
  override name = 'StackOverflowError'
}
export class AppPanicError extends ApplicationError {
  override name = 'AppPanicError'
}
export class AppTrapError extends ApplicationError {
  override name = 'AppTrapError'
}
export class ReadOnlyViolationError extends ApplicationError {
  override name = 'ReadOnlyViolationError'
}
export class HostCallError extends ApplicationError {
  override name = 'HostCallError'
}
export class XcallDeniedError extends ApplicationError {
  static override readonly status: number = 403
  override name = 'XcallDeniedError'
}

// Sync / DAG
export class InvalidDeltaError extends MoorageError {
  static override readonly status: number = 400
  override name = 'InvalidDeltaError'
}
