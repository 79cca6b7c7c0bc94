// Frames on a libp2p stream, and the envelope of response frames.
//
// Wire format of every request/response protocol registered through `Network.handle`:
//
//   frame    := varint(length) body[length]            unsigned LEB128, at most 8 bytes
//   request  := one frame (body = the request payload), then the requester closes its side
//   response := frame*, each body = tag byte + rest:
//                 0 DATA       rest = one response payload
//                 1 ERROR      rest = UTF-8 message (the handler failed the request)
//                 2 END        rest = empty (the response is complete)
//                 3 TOO_LARGE  rest = UTF-8 message (the request frame was over the limit)
//               then the responder closes its side.
//
// A response that stops without END or ERROR was cut off (the peer went away), and the
// requester reports it as such instead of taking a partial answer as complete.
//
// Reading is event based (libp2p 3 streams emit 'message' events and do not apply
// backpressure by themselves): the reader pauses the stream while too many complete frames
// wait for the consumer, so a slow consumer of a paged transfer holds a bounded amount.
import type { Stream, StreamCloseEvent, StreamMessageEvent } from '@libp2p/interface'
import { Uint8ArrayList } from 'uint8arraylist'
import { READ_HIGH_WATER_BYTES, READ_LOW_WATER_BYTES } from './constants.ts'
import { FrameTooLargeError, MalformedFrameError, NetworkError } from './errors.ts'

export const TAG_DATA = 0
export const TAG_ERROR = 1
export const TAG_END = 2
export const TAG_TOO_LARGE = 3

/** Longest length prefix accepted: 8 bytes of LEB128 encode up to 2^56. */
export const MAX_VARINT_BYTES = 8

const encoder = new TextEncoder()
const decoder = new TextDecoder()

export function encodeVarint (value: number): Uint8Array {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`cannot encode ${value} as a length prefix`)
  const out: number[] = []
  while (value >= 0x80) {
    out.push((value % 0x80) | 0x80)
    value = Math.floor(value / 0x80)
  }
  out.push(value)
  return Uint8Array.from(out)
}

/**
 * Reads a length prefix at the start of `buf`. Returns undefined while it is incomplete;
 * throws as soon as the value (less `overhead`, the envelope bytes) is known to exceed
 * `max`, without waiting for the body, or when the prefix is longer than MAX_VARINT_BYTES.
 */
export function decodeLength (buf: Uint8ArrayList, max: number, what: string, overhead = 0): { length: number, bytes: number } | undefined {
  let value = 0
  let scale = 1
  const available = Math.min(buf.byteLength, MAX_VARINT_BYTES)
  for (let i = 0; i < available; i++) {
    const byte = buf.get(i)
    value += (byte & 0x7f) * scale
    if (value - overhead > max) {
      throw new FrameTooLargeError(`${what} frame is over the limit of ${max} bytes`, {
        details: `the frame announces ${(byte & 0x80) === 0 ? '' : 'at least '}${value - overhead} bytes`
      })
    }
    if ((byte & 0x80) === 0) return { length: value, bytes: i + 1 }
    scale *= 0x80
  }
  if (buf.byteLength >= MAX_VARINT_BYTES) {
    throw new MalformedFrameError(`${what} frame has a length prefix longer than ${MAX_VARINT_BYTES} bytes`)
  }
  return undefined
}

/** A frame ready to send: length prefix + body (the body parts are not copied). */
export function frame (...body: Uint8Array[]): Uint8ArrayList {
  let length = 0
  for (const part of body) length += part.byteLength
  return new Uint8ArrayList(encodeVarint(length), ...body)
}

const TAG_BYTES = [Uint8Array.of(TAG_DATA), Uint8Array.of(TAG_ERROR), Uint8Array.of(TAG_END), Uint8Array.of(TAG_TOO_LARGE)]

export function dataFrame (payload: Uint8Array): Uint8ArrayList {
  return frame(TAG_BYTES[TAG_DATA], payload)
}

export function errorFrame (message: string): Uint8ArrayList {
  return frame(TAG_BYTES[TAG_ERROR], encoder.encode(message))
}

export function endFrame (): Uint8ArrayList {
  return frame(TAG_BYTES[TAG_END])
}

export function tooLargeFrame (message: string): Uint8ArrayList {
  return frame(TAG_BYTES[TAG_TOO_LARGE], encoder.encode(message))
}

export type ResponseFrame =
  | { tag: typeof TAG_DATA, data: Uint8Array }
  | { tag: typeof TAG_ERROR | typeof TAG_TOO_LARGE, message: string }
  | { tag: typeof TAG_END }

/** Splits a response frame body into its tag and content. */
export function parseResponseFrame (body: Uint8Array): ResponseFrame {
  if (body.byteLength === 0) throw new MalformedFrameError('response frame is empty (no tag byte)')
  const tag = body[0]
  switch (tag) {
    case TAG_DATA: return { tag, data: body.subarray(1) }
    case TAG_ERROR:
    case TAG_TOO_LARGE: return { tag, message: decoder.decode(body.subarray(1)) }
    case TAG_END:
      if (body.byteLength !== 1) throw new MalformedFrameError('END frame carries data')
      return { tag }
    default: throw new MalformedFrameError(`response frame has an unknown tag ${tag}`)
  }
}

/**
 * Sends bytes on a stream, waiting for the stream to drain when its buffer is full.
 *
 * `Stream.onDrain()` is not used: in @libp2p/utils 7.4 it resolves every call after the
 * first drain at once (its promise is never reset), which silently disables backpressure.
 */
export async function send (stream: Stream, data: Uint8Array | Uint8ArrayList, signal?: AbortSignal): Promise<void> {
  if (stream.send(data)) return
  signal?.throwIfAborted()
  const drained = Promise.withResolvers<void>()
  const onDrain = (): void => { drained.resolve() }
  const onClose = (evt: StreamCloseEvent): void => {
    drained.reject(evt.error ?? new NetworkError('the stream closed while waiting to send'))
  }
  stream.addEventListener('drain', onDrain)
  stream.addEventListener('close', onClose)
  try {
    await raceSignal(drained.promise, signal)
  } finally {
    stream.removeEventListener('drain', onDrain)
    stream.removeEventListener('close', onClose)
  }
}

/**
 * Reads length-prefixed frames from a stream. Attach it before anything can arrive that
 * it must see (libp2p buffers data that arrives before the first 'message' listener).
 */
export class FrameReader {
  readonly #stream: Stream
  readonly #max: number
  readonly #what: string
  readonly #overhead: number
  readonly #buffer = new Uint8ArrayList()
  readonly #frames: Uint8Array[] = []
  #queued = 0
  #paused = false
  #ended = false
  #error: Error | undefined
  #wake: PromiseWithResolvers<void> | undefined

  /**
   * @param maxFrameBytes largest frame body accepted
   * @param what 'request' or 'response', for error messages
   * @param overhead envelope bytes a frame may carry beyond `maxFrameBytes`
   */
  constructor (stream: Stream, maxFrameBytes: number, what: string, overhead = 0) {
    this.#stream = stream
    this.#max = maxFrameBytes
    this.#what = what
    this.#overhead = overhead
    stream.addEventListener('message', this.#onMessage)
    stream.addEventListener('end', this.#onEnd)
    stream.addEventListener('close', this.#onClose)
    if (stream.readableEnded) this.#ended = true
  }

  /** The next frame body, or null once the remote closed its side cleanly between frames. */
  async next (signal?: AbortSignal): Promise<Uint8Array | null> {
    while (true) {
      const body = this.#frames.shift()
      if (body !== undefined) {
        this.#queued -= body.byteLength
        if (this.#paused && this.#queued <= READ_LOW_WATER_BYTES) this.#resume()
        return body
      }
      if (this.#error !== undefined) throw this.#error
      if (this.#ended) {
        if (this.#buffer.byteLength > 0) {
          throw new MalformedFrameError(`${this.#what} stream ended inside a frame`, { details: `${this.#buffer.byteLength} bytes of an incomplete frame` })
        }
        return null
      }
      signal?.throwIfAborted()
      this.#wake = Promise.withResolvers<void>()
      await raceSignal(this.#wake.promise, signal)
    }
  }

  /**
   * Stops parsing: later bytes are dropped instead of buffered. Used after a refused frame
   * so the remote can finish writing while the refusal is on its way.
   */
  discard (): void {
    this.#buffer.consume(this.#buffer.byteLength)
    this.#frames.length = 0
    this.#queued = 0
    if (this.#paused) this.#resume()
    this.#error ??= new NetworkError(`${this.#what} stream is discarded`)
  }

  /** Removes the reader's listeners from the stream. */
  dispose (): void {
    this.#stream.removeEventListener('message', this.#onMessage)
    this.#stream.removeEventListener('end', this.#onEnd)
    this.#stream.removeEventListener('close', this.#onClose)
    this.#wakeUp()
  }

  readonly #onMessage = (evt: StreamMessageEvent): void => {
    if (this.#error !== undefined) return
    this.#buffer.append(evt.data)
    try {
      while (true) {
        const header = decodeLength(this.#buffer, this.#max, this.#what, this.#overhead)
        if (header === undefined || this.#buffer.byteLength < header.bytes + header.length) break
        const body = plain(this.#buffer.subarray(header.bytes, header.bytes + header.length))
        this.#buffer.consume(header.bytes + header.length)
        this.#frames.push(body)
        this.#queued += body.byteLength
      }
    } catch (err) {
      this.#error = err as Error
      this.#buffer.consume(this.#buffer.byteLength)
    }
    if (!this.#paused && this.#queued > READ_HIGH_WATER_BYTES && this.#stream.readStatus === 'readable') {
      this.#stream.pause()
      this.#paused = true
    }
    this.#wakeUp()
  }

  readonly #onEnd = (): void => {
    this.#ended = true
    this.#wakeUp()
  }

  readonly #onClose = (evt: StreamCloseEvent): void => {
    if (evt.error != null) {
      if (!this.#ended) this.#error ??= new NetworkError(`${this.#what} stream closed: ${evt.error.message}`, { cause: evt.error })
    } else if (this.#stream.readBufferLength === 0) {
      // Closed cleanly with nothing held back by a pause: nothing more will arrive.
      this.#ended = true
    }
    this.#wakeUp()
  }

  #resume (): void {
    this.#paused = false
    if (this.#stream.readStatus === 'paused') this.#stream.resume()
  }

  #wakeUp (): void {
    const wake = this.#wake
    this.#wake = undefined
    wake?.resolve()
  }
}

/** A plain Uint8Array view of bytes that may be a Node Buffer (libp2p hands out Buffers). */
export function plain (bytes: Uint8Array): Uint8Array {
  return Object.getPrototypeOf(bytes) === Uint8Array.prototype ? bytes : new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength)
}

/** Resolves with `promise`, or rejects with the signal's reason once it aborts. */
export async function raceSignal<T> (promise: Promise<T>, signal?: AbortSignal): Promise<T> {
  if (signal == null) return await promise
  signal.throwIfAborted()
  const aborted = Promise.withResolvers<never>()
  const onAbort = (): void => { aborted.reject(signal.reason) }
  signal.addEventListener('abort', onAbort, { once: true })
  try {
    return await Promise.race([promise, aborted.promise])
  } finally {
    signal.removeEventListener('abort', onAbort)
  }
}
