// The relayer: the funded EVM account that pays for the adapter's transactions. It signs
// nothing on behalf of identities (requests carry their own signatures); it only wraps
// them in transactions. Sends are serialised so the account's nonces are handed out in
// order; after a nonce error (another process used the account, a transaction was
// dropped) the nonce is re-read from the chain and the send retried.
import type { Signer, TransactionRequest, TransactionResponse } from 'ethers'
import type { Logger } from '../../src/log/index.ts'

const NONCE_ERROR = /nonce|replacement (transaction )?underpriced|already known/i

export class Relayer {
  readonly signer: Signer
  private readonly log: Logger
  private readonly retries: number
  private next: number | undefined
  private queue: Promise<unknown> = Promise.resolve()
  private addressMemo: Promise<string> | undefined

  constructor (signer: Signer, logger: Logger, retries: number) {
    this.signer = signer
    this.log = logger
    this.retries = retries
  }

  async address (): Promise<string> {
    this.addressMemo ??= this.signer.getAddress()
    return await this.addressMemo
  }

  async send (tx: TransactionRequest): Promise<TransactionResponse> {
    const run = this.queue.then(async () => await this.sendNow(tx))
    this.queue = run.catch(() => undefined)
    return await run
  }

  /** Forgets the local nonce (the next send re-reads it from the chain). */
  reset (): void {
    this.next = undefined
  }

  private async sendNow (tx: TransactionRequest): Promise<TransactionResponse> {
    for (let attempt = 0; ; attempt++) {
      const nonce = this.next ?? await this.signer.provider!.getTransactionCount(await this.address(), 'pending')
      try {
        const response = await this.signer.sendTransaction({ ...tx, nonce })
        this.next = nonce + 1
        return response
      } catch (err) {
        this.next = undefined
        const e = err as { code?: string, message?: string }
        const nonceProblem = e.code === 'NONCE_EXPIRED' || e.code === 'REPLACEMENT_UNDERPRICED' || NONCE_ERROR.test(e.message ?? '')
        if (!nonceProblem || attempt >= this.retries) throw err
        this.log.info('relayer nonce out of step; re-reading it and resending', { nonce, attempt: attempt + 1, error: e.message })
      }
    }
  }
}
