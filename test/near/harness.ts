// Shared setup of the NEAR tests: the devnet on a free port, the context config contract
// deployed and initialised from its own account, relayer accounts funded from the genesis
// account, and anchors through them.
import { readFileSync } from 'node:fs'
import { Account, JsonRpcProvider, KeyPair, KeyPairSigner, actions, type KeyPairString } from 'near-api-js'
import { NearAnchor, refusalOf } from '../../adapters/near/anchor.ts'
import { startNearDevnet, type NearDevnet, type NearDevnetInit } from '../../adapters/near/devnet/index.ts'
import type { RefusalCode } from '../../src/governance/refusals.ts'
import { NEAR_CONTRACT_WASM } from '../../scripts/build-near.ts'

const TGAS = 10n ** 12n
const NEAR = 10n ** 24n

export interface NearFixture {
  devnet: NearDevnet
  contract: string
  relayers: Array<{ account: string, key: string }>
  anchor: () => NearAnchor
  /** Has another relayer send the `mutate` arguments of transaction `tx` again: the contract's verdict. */
  resend: (tx: string) => Promise<RefusalCode | 'accepted'>
  now: () => Promise<number>
  advance: (ms: number) => Promise<void>
  close: () => Promise<void>
}

export async function nearFixture (relayerCount = 2, init: NearDevnetInit = {}): Promise<NearFixture> {
  const devnet = await startNearDevnet({ port: 0, ...init })
  const provider = new JsonRpcProvider({ url: devnet.url })
  const root = new Account(devnet.account, provider, KeyPairSigner.fromSecretKey(devnet.key as KeyPairString))
  const contract = `cfg.${devnet.account}`
  const contractKey = KeyPair.fromRandom('ed25519')
  await root.createAccount({ newAccountId: contract, publicKey: contractKey.getPublicKey(), nearToTransfer: 50n * NEAR })
  await new Account(contract, provider, new KeyPairSigner(contractKey)).signAndSendTransaction({
    receiverId: contract,
    actions: [actions.deployContract(readFileSync(NEAR_CONTRACT_WASM)), actions.functionCall('new', { chain_id: devnet.chainId }, 30n * TGAS, 0n)]
  })
  const relayers: Array<{ account: string, key: string }> = []
  for (let i = 0; i < Math.max(2, relayerCount); i++) {
    const name = `relay-${i}`
    const k = KeyPair.fromRandom('ed25519')
    const account = `${name}.${devnet.account}`
    await root.createAccount({ newAccountId: account, publicKey: k.getPublicKey(), nearToTransfer: 100n * NEAR })
    relayers.push({ account, key: k.toString() })
  }
  const anchors: NearAnchor[] = []
  const other = new Account(relayers[1]!.account, provider, KeyPairSigner.fromSecretKey(relayers[1]!.key as KeyPairString))
  return {
    devnet,
    contract,
    relayers,
    anchor: () => {
      const a = new NearAnchor({ rpc: devnet.url, contract, relayer: relayers[0]!, pollIntervalMs: 20 })
      anchors.push(a)
      return a
    },
    resend: async (tx) => {
      const status = await provider.sendJsonRpc('EXPERIMENTAL_tx_status', { tx_hash: tx, sender_account_id: relayers[0]!.account, wait_until: 'FINAL' } as never) as { transaction: { actions: Array<{ FunctionCall: { args: string } }> } }
      const args = JSON.parse(Buffer.from(status.transaction.actions[0]!.FunctionCall.args, 'base64').toString('utf8')) as object
      try {
        await other.callFunctionRaw({ contractId: contract, methodName: 'mutate', args, gas: 100n * TGAS, deposit: NEAR / 10n, waitUntil: 'FINAL' })
        return 'accepted'
      } catch (e) {
        const r = refusalOf((e as Error).message)
        if (r === undefined) throw e
        return r.code
      }
    },
    now: async () => Number(devnet.chain.head.timestampNs / 1_000_000n),
    advance: async (ms) => { await devnet.fastForward(Math.ceil(ms / 1000) + 1) },
    close: async () => {
      for (const a of anchors) await a.close()
      await devnet.close()
    }
  }
}
