// The network layer: a libp2p 3 host that knows nothing about contexts (gossip topics,
// request/response protocols, peers). See types.ts for the contract, frames.ts for the
// wire format of request/response protocols.
export { createNetwork } from './host.ts'
export { peerIdFromSeed } from './identity.ts'
export { DialError, FrameTooLargeError, MalformedFrameError, NetworkError, ProtocolError } from './errors.ts'
export * as defaults from './constants.ts'
export type {
  AbortOptions,
  HandleOptions,
  InboundMessage,
  MessageHandler,
  MessageVerdict,
  Network,
  NetworkEvent,
  NetworkInit,
  RequestHandler,
  RequestOptions
} from './types.ts'
