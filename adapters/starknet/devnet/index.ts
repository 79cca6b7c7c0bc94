// The Starknet devnet: a protocol-faithful test host (docs/starknet.md). starknet.js talks to
// it unmodified over JSON-RPC 0.9; account signatures, nonces and resource bounds are
// checked; the context config contract runs as a function-by-function TypeScript port of
// contracts/starknet/src/lib.cairo (contract.ts) on Cairo's storage layout (storage.ts).
import { DevnetChain, devKey, type DevnetChainInit } from './chain.ts'
import { serveRpc } from './rpc.ts'

export { CHAIN_ID, CONFIG_CLASS_HASH, ACCOUNT_CLASS_HASH, DevnetChain, devKey } from './chain.ts'

export interface ServedDevnet {
  url: string
  chain: DevnetChain
  /** Funded accounts: address and private key, as hex. */
  accounts: Array<{ address: string, privateKey: string }>
  close: () => Promise<void>
}

export async function serveDevnet (init: DevnetChainInit & { host?: string, port?: number } = {}): Promise<ServedDevnet> {
  const chain = new DevnetChain(init)
  const { server, url } = await serveRpc(chain, init.host ?? '127.0.0.1', init.port ?? 0)
  const accounts = [...chain.accounts.values()].map((a, i) => ({ address: '0x' + a.address.toString(16).padStart(64, '0'), privateKey: '0x' + devKey(i).toString(16).padStart(64, '0') }))
  return {
    url,
    chain,
    accounts,
    close: async () => {
      chain.close()
      server.closeAllConnections()
      await new Promise<void>((resolve) => { server.close(() => { resolve() }) })
    }
  }
}
