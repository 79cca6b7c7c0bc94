// Before a node takes governance ops from a peer, the wallet signatures they carry (a
// link, a wallet's revocation, a wallet-account claim) are checked exactly as a local link
// is, except the nonce and domain (another node issued them), and at the op's own time:
// every node judges a replicated link at the same moment, however late it syncs. An op
// whose wallet part is refused is not taken; one that could not be checked now (the
// chain did not answer) is left for the next sync.
import { toHex } from '../crypto/bytes.ts'
import type { GovOp } from '../governance/offchain/op.ts'
import type { Logger } from '../log/index.ts'
import { WalletLinkRefusedError } from './errors.ts'
import type { WalletLinks } from './links.ts'

export interface Vetted {
  ok: GovOp[]
  refused: Array<{ op: GovOp, reason: string }>
  /** Not judged now (a chain endpoint failed): fetched and judged again later. */
  later: GovOp[]
}

/** Whether an op carries a wallet signature to check. */
export function carriesWallet (op: GovOp): boolean {
  const a = op.action
  return a.type === 'linkWallet' || (a.type === 'unlinkWallet' && a.revocation !== undefined) || (a.type === 'claim' && a.link !== undefined)
}

export async function vetOps (links: () => Promise<WalletLinks>, ops: GovOp[], known: (op: GovOp) => boolean, log: Logger): Promise<Vetted> {
  const out: Vetted = { ok: [], refused: [], later: [] }
  for (const op of ops) {
    if (!carriesWallet(op) || known(op)) { out.ok.push(op); continue }
    const a = op.action
    try {
      const checker = await links()
      const at = op.hlc.ms
      if (a.type === 'linkWallet') await checker.check(a.link, { at })
      else if (a.type === 'claim' && a.link !== undefined) await checker.check(a.link, { at })
      else if (a.type === 'unlinkWallet' && a.revocation !== undefined) await checker.checkRevocation(a.revocation, { at })
      out.ok.push(op)
    } catch (err) {
      if (err instanceof WalletLinkRefusedError) {
        out.refused.push({ op, reason: err.shortMessage })
        log.info('governance op refused: its wallet signature does not hold', { context: toHex(op.context), op: toHex(op.id), action: a.type, reason: err.shortMessage })
      } else {
        out.later.push(op)
        log.warn('governance op left for later: its wallet could not be checked now', { context: toHex(op.context), op: toHex(op.id), action: a.type, error: (err as Error).message })
      }
    }
  }
  return out
}
