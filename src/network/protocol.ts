// Request/response protocols over libp2p streams: the responder side (`serve`) and the
// requester side (`request`). The wire format is described in frames.ts.
import type { Connection, Stream } from '@libp2p/interface'
import { MoorageError } from '../errors/base.ts'
import type { Logger } from '../log/index.ts'
import { MAX_REQUEST_BYTES, MAX_RESPONSE_FRAME_BYTES, REFUSED_STREAM_GRACE_MS, REQUEST_TIMEOUT_MS, STREAM_READ_BUFFER_BYTES } from './constants.ts'
import { FrameTooLargeError, MalformedFrameError, NetworkError, ProtocolError } from './errors.ts'
import { FrameReader, TAG_DATA, TAG_END, TAG_ERROR, dataFrame, endFrame, errorFrame, frame, parseResponseFrame, send, tooLargeFrame } from './frames.ts'
import type { HandleOptions, RequestHandler, RequestOptions } from './types.ts'

/** How long a responder waits for the request frame after the stream opens. */
export const REQUEST_RECEIVE_TIMEOUT_MS = 10_000

export interface ServeContext {
  protocol: string
  handler: RequestHandler
  options: HandleOptions
  /** Aborts when the network stops. */
  stopSignal: AbortSignal
  logger: Logger
}

/** Answers one inbound stream: reads the request frame, runs the handler, writes the response. */
export async function serve (stream: Stream, connection: Connection, ctx: ServeContext): Promise<void> {
  const { protocol, handler, logger } = ctx
  const from = connection.remotePeer.toString()
  const maxRequest = ctx.options.maxRequestBytes ?? MAX_REQUEST_BYTES
  const maxResponse = ctx.options.maxResponseFrameBytes ?? MAX_RESPONSE_FRAME_BYTES
  stream.maxReadBufferLength = Math.max(stream.maxReadBufferLength, STREAM_READ_BUFFER_BYTES)

  const reader = new FrameReader(stream, maxRequest, 'request')
  const gone = new AbortController()
  const onClose = (evt: Event & { error?: Error }): void => {
    if (evt.error != null) gone.abort(evt.error)
  }
  stream.addEventListener('close', onClose)
  const signal = AbortSignal.any([gone.signal, ctx.stopSignal])

  try {
    let request: Uint8Array | null
    try {
      request = await reader.next(AbortSignal.any([signal, AbortSignal.timeout(REQUEST_RECEIVE_TIMEOUT_MS)]))
    } catch (err) {
      if (err instanceof FrameTooLargeError) {
        logger.warn('request refused: frame too large', { protocol, from, error: err.shortMessage })
        await refuse(stream, reader, tooLargeFrame(err.shortMessage))
      } else if (err instanceof MalformedFrameError) {
        logger.warn('request refused: malformed frame', { protocol, from, error: err.shortMessage })
        await refuse(stream, reader, errorFrame(err.shortMessage))
      } else {
        logger.debug('request not received', { protocol, from, error: (err as Error).message })
        stream.abort(err as Error)
      }
      return
    }
    if (request === null) {
      logger.debug('stream closed before a request', { protocol, from })
      await refuse(stream, reader, errorFrame('the stream ended before a request frame'))
      return
    }
    // Nothing more is expected from the requester: drop whatever else it sends.
    reader.discard()

    try {
      const result = handler(request, from, signal)
      if (isAsyncIterable(result)) {
        for await (const payload of result) {
          signal.throwIfAborted()
          checkResponseSize(payload, maxResponse)
          await send(stream, dataFrame(payload), signal)
        }
      } else {
        const payload = await result
        signal.throwIfAborted()
        checkResponseSize(payload, maxResponse)
        await send(stream, dataFrame(payload), signal)
      }
      await send(stream, endFrame(), signal)
    } catch (err) {
      if (signal.aborted || stream.writeStatus !== 'writable') {
        logger.debug('response abandoned', { protocol, from, error: (err as Error).message })
        stream.abort(err as Error)
        return
      }
      const message = errorMessage(err)
      logger.debug('handler failed', { protocol, from, error: message })
      await send(stream, errorFrame(message), signal)
    }
    await stream.close({ signal: AbortSignal.any([signal, AbortSignal.timeout(REQUEST_TIMEOUT_MS)]) })
  } catch (err) {
    logger.debug('stream failed', { protocol, from, error: (err as Error).message })
    stream.abort(err as Error)
  } finally {
    stream.removeEventListener('close', onClose)
    reader.dispose()
  }
}

/**
 * Sends a refusal and closes our side; the rest of the request is discarded so the
 * requester can finish writing and read the refusal. The stream is reset if the
 * requester has not closed its side within the grace period.
 */
async function refuse (stream: Stream, reader: FrameReader, refusal: ReturnType<typeof frame>): Promise<void> {
  reader.discard()
  const grace = AbortSignal.timeout(REFUSED_STREAM_GRACE_MS)
  try {
    await send(stream, refusal, grace)
    await stream.close({ signal: grace })
  } catch (err) {
    stream.abort(err as Error)
    return
  }
  if (stream.status === 'open') {
    const timer = setTimeout(() => {
      if (stream.status === 'open') stream.abort(new ProtocolError('requester did not close the refused stream'))
    }, REFUSED_STREAM_GRACE_MS)
    timer.unref()
  }
}

function checkResponseSize (payload: Uint8Array, max: number): void {
  if (!(payload instanceof Uint8Array)) {
    throw new TypeError('a request handler must produce Uint8Array payloads')
  }
  if (payload.byteLength > max) {
    throw new FrameTooLargeError(`response frame is over the limit of ${max} bytes`, { details: `the handler produced ${payload.byteLength} bytes` })
  }
}

function errorMessage (err: unknown): string {
  if (err instanceof MoorageError) return err.shortMessage
  if (err instanceof Error) return err.message
  return String(err)
}

function isAsyncIterable (value: unknown): value is AsyncIterable<Uint8Array> {
  return value != null && typeof (value as AsyncIterable<Uint8Array>)[Symbol.asyncIterator] === 'function'
}

export interface RequestContext {
  /** Opens a stream for the protocol to the peer. */
  open (peer: string, protocol: string, signal: AbortSignal): Promise<Stream>
}

/** Sends one request and yields the response payloads (see Network.request). */
export async function * request (ctx: RequestContext, peer: string, protocol: string, payload: Uint8Array, options: RequestOptions = {}): AsyncGenerator<Uint8Array, void, undefined> {
  const signal = options.signal ?? AbortSignal.timeout(REQUEST_TIMEOUT_MS)
  const maxFrame = options.maxResponseFrameBytes ?? MAX_RESPONSE_FRAME_BYTES
  const where = `${options.what ?? protocol} request to peer ${peer}`
  let stream: Stream
  try {
    stream = await ctx.open(peer, protocol, signal)
  } catch (err) {
    if (signal.aborted) throw signal.reason
    if (err instanceof MoorageError) throw err
    throw new NetworkError(`cannot open a stream for ${where}`, { details: (err as Error).message, cause: err })
  }
  stream.maxReadBufferLength = Math.max(stream.maxReadBufferLength, STREAM_READ_BUFFER_BYTES)
  const reader = new FrameReader(stream, maxFrame, 'response', 1)
  let complete = false
  try {
    await send(stream, frame(payload), signal)
    await stream.close({ signal })
    while (true) {
      const body = await reader.next(signal)
      if (body === null) throw new ProtocolError(`${where} was cut off`, { details: 'the stream ended before the END frame' })
      const response = parseResponseFrame(body)
      if (response.tag === TAG_DATA) {
        yield response.data
      } else if (response.tag === TAG_END) {
        complete = true
        return
      } else if (response.tag === TAG_ERROR) {
        complete = true
        throw new ProtocolError(response.message, { details: `${where} failed on the remote side` })
      } else {
        complete = true
        throw new FrameTooLargeError(response.message, { details: `${where} was refused by the remote side` })
      }
    }
  } catch (err) {
    if (signal.aborted) throw signal.reason
    if (err instanceof MoorageError) throw err
    throw new NetworkError(`${where} failed`, { details: (err as Error).message, cause: err })
  } finally {
    reader.dispose()
    if (!complete) stream.abort(new NetworkError(`${where} abandoned`))
  }
}
