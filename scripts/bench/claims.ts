// The `claims` suite: verification time per claim (eth_getProof + header quorum of 2
// endpoints + Merkle-Patricia checks) against the EDR devnet behind JSON-RPC on 127.0.0.1.
import { serveDevnet } from '../../adapters/ethereum/devnet/index.ts'
import { verifyClaim } from '../../adapters/ethereum/claims/verify.ts'
import type { EthereumStatement as ClaimStatement } from '../../adapters/ethereum/claims/statement.ts'
import { percentile, type Figure } from './report.ts'

export async function benchClaims (): Promise<Figure[]> {
  const devnet = await serveDevnet()
  try {
    const endpoints = [devnet.url, devnet.url]
    const statements: Array<[string, ClaimStatement]> = [
      ['account balance', { kind: 'balance', account: '0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266' }],
      ['storage slot', { kind: 'storage', account: '0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266', slot: '0x0' }]
    ]
    const figures: Figure[] = []
    for (const [name, statement] of statements) {
      await verifyClaim(statement, { endpoints }) // warm up
      const times: number[] = []
      for (let i = 0; i < 50; i++) {
        const t0 = performance.now()
        await verifyClaim(statement, { endpoints })
        times.push(performance.now() - t0)
      }
      figures.push({ name: `claim verification, ${name}, quorum of 2 (p50)`, value: Math.round(percentile(times, 50) * 100) / 100, unit: 'ms', notes: `p90 ${Math.round(percentile(times, 90) * 100) / 100} ms over ${times.length}` })
    }
    return figures
  } finally { await devnet.close() }
}
