// moor claim verify <chain> <statement-json> --rpc <url,url> [--checkpoint <number>:<hash>]
// — prove a statement about chain state from untrusted endpoints (docs/claims.md).
import type { ClaimStatement, ClaimVerifyInit } from '../../claims/types.ts'
import { chainArg } from '../command.ts'
import type { Command } from '../command.ts'
import { UsageError } from '../errors.ts'
import { fields, printJson, printLines } from '../output.ts'

export const claimVerify: Command = {
  path: ['claim', 'verify'],
  group: 'Chains',
  synopsis: 'claim verify <chain> <statement-json> --rpc <url,url> [--checkpoint <n>:<hash>]',
  summary: 'Prove a balance, storage slot, token balance, NFT owner or code hash from proofs.',
  optionHelp: [
    ['--rpc <urls>', 'comma-separated JSON-RPC endpoints; ≥ 2 must agree on the block'],
    ['--checkpoint <n>:<hash>', 'a pinned block instead of a quorum']
  ],
  notes: ['Statements: {"kind":"balance","account":…}, {"kind":"storage","account":…,"slot":…}, {"kind":"token-balance","token":…,"holder":…,"slotIndex":k}, {"kind":"nft-owner","token":…,"tokenId":…,"slotIndex":k}, {"kind":"code-hash","account":…}.'],
  options: { rpc: { type: 'string' }, checkpoint: { type: 'string' } },
  positionals: { min: 2, max: 2, names: '<chain> <statement-json>' },
  async run (ctx) {
    const m = chainArg(ctx.positionals[0], ctx.usage)
    if (m.claims === undefined) throw new UsageError(`${m.kind} has no claim verifier`, ctx.usage)
    let statement: ClaimStatement
    try { statement = JSON.parse(ctx.positionals[1]!) as ClaimStatement } catch { throw new UsageError('<statement-json> is not JSON', ctx.usage) }
    const rpc = ctx.values.rpc as string | undefined
    if (rpc === undefined) throw new UsageError('missing --rpc <url,url>', ctx.usage)
    const init: ClaimVerifyInit = { endpoints: rpc.split(',').map((u) => u.trim()).filter((u) => u !== '') }
    const cp = ctx.values.checkpoint as string | undefined
    if (cp !== undefined) {
      const [n, hash] = cp.split(':')
      if (n === undefined || hash === undefined || !/^\d+$/.test(n)) throw new UsageError('--checkpoint is <number>:<hash>', ctx.usage)
      init.checkpoint = { number: Number(n), hash }
    }
    const r = await m.claims.verify(statement, init)
    if (ctx.json) { printJson(ctx, r); return 0 }
    printLines(ctx, fields([['value', r.value], ['rests on', r.restsOn], ['block', `${r.block.number} ${r.block.hash}`], ...(r.assumes !== undefined ? [['assumes', r.assumes] as [string, string]] : [])]))
    return 0
  }
}
