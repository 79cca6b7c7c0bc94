// A Starknet devnet with the context config contract deployed, and starknet.js clients of it.
import { Account, RpcProvider } from 'starknet'
import { StarknetAnchor, revertReason } from '../../adapters/starknet/anchor.ts'
import { deployTo } from '../../adapters/starknet/deploy.ts'
import { serveDevnet, type ServedDevnet } from '../../adapters/starknet/devnet/index.ts'
import type { Payer } from '../../adapters/starknet/keys.ts'
import { refusalCodeOfRevert } from '../../adapters/starknet/reasons.ts'
import type { RefusalCode } from '../../src/governance/refusals.ts'

export interface StarknetFixture {
  devnet: ServedDevnet
  contract: string
  payers: Payer[]
  anchor: (payer?: number) => StarknetAnchor
  /** Sends the calldata of transaction `tx` again from another account: the contract's verdict. */
  resend: (tx: string) => Promise<RefusalCode | 'accepted'>
  close: () => Promise<void>
}

export async function starknetFixture (): Promise<StarknetFixture> {
  const devnet = await serveDevnet()
  const payers = devnet.accounts.map((a) => ({ address: a.address, privateKey: a.privateKey }))
  const contract = (await deployTo({ rpc: devnet.url, payer: payers[0]! })).contract
  const anchors: StarknetAnchor[] = []
  const provider = new RpcProvider({ nodeUrl: devnet.url })
  const other = new Account({ provider, address: payers[3]!.address, signer: payers[3]!.privateKey, cairoVersion: '1' })
  return {
    devnet,
    contract,
    payers,
    anchor: (i = 0) => {
      const a = new StarknetAnchor({ rpc: devnet.url, contract, payer: payers[i]!, pollIntervalMs: 50 })
      anchors.push(a)
      return a
    },
    resend: async (tx) => {
      const t = await provider.getTransactionByHash(tx) as unknown as { calldata: string[] }
      // The account's calldata: [1 call, to, selector, n, ...data]
      const data = t.calldata.slice(4)
      try {
        const sent = await other.execute([{ contractAddress: contract, entrypoint: 'execute', calldata: data }], { tip: 0n })
        const r = await provider.waitForTransaction(sent.transaction_hash, { retryInterval: 20 }) as unknown as { execution_status: string, revert_reason?: string }
        return r.execution_status === 'SUCCEEDED' ? 'accepted' : (refusalCodeOfRevert(r.revert_reason ?? '') ?? 'Other')
      } catch (err) {
        const reason = revertReason(err)
        if (reason === undefined) throw err
        return refusalCodeOfRevert(reason) ?? 'Other'
      }
    },
    close: async () => {
      for (const a of anchors) await a.close()
      await devnet.close()
    }
  }
}
