// Item 5 of "what a new user trips over": a chain endpoint that is not there fails with an
// error that names the chain and the endpoint and says what to check (a devnet loses its
// chain when it stops), the raw transport error only in the details.
import assert from 'node:assert/strict'
import { createServer } from 'node:net'
import { describe, it } from 'node:test'
import { EthereumRpcError } from '../../adapters/ethereum/errors.ts'
import { Rpc, providerFor } from '../../adapters/ethereum/rpc.ts'

/** A loopback port nobody listens on (bound, then closed). */
async function closedPort (): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as { port: number }).port
  await new Promise<void>((resolve) => server.close(() => { resolve() }))
  return port
}

describe('Ethereum endpoint errors', () => {
  it('an endpoint nobody serves: the chain, the endpoint and what to do, not a bare "eth_call failed"', async () => {
    const url = `http://127.0.0.1:${await closedPort()}`
    const rpc = new Rpc(providerFor(url), 1, url)
    try {
      await assert.rejects(rpc.send('eth_call', [{ to: '0x' + '00'.repeat(20), data: '0x' }, 'latest']), (err: unknown) => {
        assert.ok(err instanceof EthereumRpcError)
        assert.equal(err.shortMessage, `the Ethereum endpoint ${url} cannot be reached`)
        assert.match(err.details ?? '', /^eth_call: .*ECONNREFUSED/)
        assert.match(err.hint ?? '', /is the chain running\? A devnet \(`moor devnet`\) keeps its chain in memory/)
        assert.match(err.hint ?? '', /chains\.ethereum\.rpc in config\.json, or --rpc/)
        return true
      })
    } finally {
      rpc.provider.destroy()
    }
  })
})
