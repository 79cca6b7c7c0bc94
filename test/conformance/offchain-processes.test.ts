// The offchain anchor against the conformance suite across node processes: requests are
// signed and recorded on node process A, every answer is read from node process B, a
// member that received the ops over the network (see test/helpers/process-anchor.ts).
import { after } from 'node:test'
import { ProcessAnchor } from '../helpers/process-anchor.ts'
import { anchorConformance } from './suite.ts'

let fallbacks = 0
anchorConformance({
  name: 'offchain (across node processes)',
  setup: async () => {
    const anchor = await ProcessAnchor.start()
    return {
      anchor,
      replay: async (context, receipt) => { await anchor.replay(context, receipt) },
      advance: async (ms) => { await anchor.advance(ms) },
      now: async () => await anchor.now(),
      close: async () => { fallbacks = anchor.fallbacks; await anchor.close() }
    }
  }
})

after(() => {
  if (fallbacks > 0) process.stderr.write(`offchain across processes: ${fallbacks} read(s) needed an explicit catch-up\n`)
})
