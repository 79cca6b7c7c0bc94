// moor claim verify <chain> <statement-json> [--rpc <url,url>] [--checkpoint <number>:<hash>] [--block <n>]
// — prove a statement about chain state from untrusted endpoints (docs/claims.md). Without
// --rpc, the endpoints (and checkpoint) of config.json's `claims.<chain>` are used.
import { parseClaimStatementText, parseVerifyInit } from '../../claims/statement.ts'
import { loadConfig } from '../../node/config.ts'
import { silentLogger } from '../../log/index.ts'
import { chainArg } from '../command.ts'
import type { Command } from '../command.ts'
import { UsageError } from '../errors.ts'
import { fields, printJson, printLines } from '../output.ts'
import type { RestsOn } from '../../claims/types.ts'

/** What each kind of result rests on, said plainly. */
const RESTS_ON: Partial<Record<RestsOn, string>> = {
  quorum: 'quorum (the endpoints agreed; no proof was checked)',
  'light-client': 'light-client (a proof against headers signed by > 2/3 of the block producers\' stake, followed from the checkpoint)'
}

export const claimVerify: Command = {
  path: ['claim', 'verify'],
  group: 'Chains',
  synopsis: 'claim verify <chain> <statement-json> [--rpc <url,url>] [--checkpoint <n>:<hash>] [--block <n>]',
  summary: 'Prove a statement about chain state (a balance, storage, a token balance…) from proofs or agreeing endpoints.',
  optionHelp: [
    ['--rpc <urls>', 'comma-separated JSON-RPC endpoints; ≥ 2 must agree on the block\n(default: claims.<chain>.rpc in config.json)'],
    ['--checkpoint <n>:<hash>', 'a pinned block you trust: instead of a quorum, or where a light client starts (default: claims.<chain>.checkpoint)'],
    ['--block <n>', 'prove at this block (default: the latest)']
  ],
  notes: ['Statement kinds are the chain\'s (docs/claims.md), e.g. {"kind":"balance","account":…}; a wrong kind lists the chain\'s kinds.'],
  options: { rpc: { type: 'string' }, checkpoint: { type: 'string' }, block: { type: 'string' } },
  positionals: { min: 2, max: 2, names: '<chain> <statement-json>' },
  async run (ctx) {
    const m = chainArg(ctx.positionals[0], ctx.usage, (x) => x.claims !== undefined)
    const statement = parseClaimStatementText(ctx.positionals[1]!, m.claims!)
    let rpc: unknown = ctx.values.rpc
    let checkpoint: unknown = ctx.values.checkpoint
    if (rpc === undefined) {
      const configured = (await loadConfig(ctx.home, { logger: silentLogger })).claims[m.kind]
      if (configured === undefined) throw new UsageError(`no --rpc, and ${ctx.home}/config.json has no claims.${m.kind}`, ctx.usage, { hint: `pass --rpc <url,url>, or set claims.${m.kind}.rpc (docs/claims.md)` })
      rpc = configured.rpc
      checkpoint ??= configured.checkpoint
    }
    const init = parseVerifyInit({ endpoints: rpc, checkpoint, block: ctx.values.block })
    const r = await m.claims!.verify(statement, init)
    if (ctx.json) { printJson(ctx, r); return 0 }
    printLines(ctx, fields([['value', r.value], ['rests on', RESTS_ON[r.restsOn] ?? r.restsOn], ['block', `${r.block.number} ${r.block.hash}`], [r.restsOn === 'light-client' ? 'served by' : 'agreed by', r.agreedBy.join(', ')], ...(r.assumes !== undefined ? [['assumes', r.assumes] as [string, string]] : [])]))
    return 0
  }
}
