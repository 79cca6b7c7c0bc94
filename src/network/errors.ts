// Errors of the network layer: one class per condition, each with a stable `name`.
import { MoorageError } from '../errors/base.ts'

/** The network could not do what was asked: not started, a peer unreachable, a stream lost. */
export class NetworkError extends MoorageError {
  static override readonly status: number = 503
  override name = 'NetworkError'
}

/** Dialling a peer failed (unreachable, refused, blocked, or the dial timed out). */
export class DialError extends NetworkError {
  override name = 'DialError'
}

/**
 * The remote side of a request/response protocol failed the request: its handler threw
 * (the message is the remote one), or it broke the wire format.
 */
export class ProtocolError extends NetworkError {
  static override readonly status: number = 502
  override name = 'ProtocolError'
}

/** A frame's length prefix was over the limit; the stream was closed without reading it. */
export class FrameTooLargeError extends ProtocolError {
  static override readonly status: number = 413
  override name = 'FrameTooLargeError'
}

/** Bytes on a stream that are not a valid frame (bad length prefix, truncated frame, unknown tag). */
export class MalformedFrameError extends ProtocolError {
  override name = 'MalformedFrameError'
}
