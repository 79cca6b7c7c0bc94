// moor peers — connected peers and the contexts shared with each.

import type { PeerInfo } from '../../node/types.ts'
import { NodeClient } from '../client.ts'
import type { Command } from '../command.ts'
import { printJson, printLines, table } from '../output.ts'

export const peers: Command = {
  path: ['peers'],
  group: 'Sync',
  synopsis: 'peers',
  summary: 'List the peers this node is connected to and the contexts it shares with each.',
  positionals: { min: 0, max: 0, names: 'no arguments' },
  async run (ctx) {
    const client = await NodeClient.fromHome(ctx.home)
    const { peers: list } = await client.request<{ peers: PeerInfo[] }>('GET', '/admin/peers')
    if (ctx.json) {
      printJson(ctx, list)
      return 0
    }
    if (list.length === 0) {
      printLines(ctx, ['no peers connected'])
      return 0
    }
    printLines(ctx, table(['PEER', 'SHARED CONTEXTS'], list.map((p) => [p.peerId, p.contexts.join(', ') || '-'])))
    return 0
  }
}
