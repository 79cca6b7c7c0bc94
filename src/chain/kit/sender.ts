// The serialised sender: the one paying account of a chain adapter sends its
// transactions one at a time, so its account nonces (sequence numbers) are handed out in
// order. After a nonce error (another process used the account, a transaction was
// dropped) the nonce is re-read from the chain and the send retried.
import type { Logger } from '../../log/index.ts'

export interface SenderInit<Tx, Sent> {
  /** The account's next nonce as the chain sees it (pending transactions included). */
  readNonce: () => Promise<number>
  send: (tx: Tx, nonce: number) => Promise<Sent>
  /** Whether a failed send was refused for its nonce (and is worth re-reading it). */
  isNonceError: (err: unknown) => boolean
  /** Re-reads after a nonce error before giving up. */
  retries: number
  logger: Logger
}

export class SerialSender<Tx, Sent> {
  private readonly init: SenderInit<Tx, Sent>
  private next: number | undefined
  private queue: Promise<unknown> = Promise.resolve()

  constructor (init: SenderInit<Tx, Sent>) {
    this.init = init
  }

  async send (tx: Tx): Promise<Sent> {
    const run = this.queue.then(async () => await this.sendNow(tx))
    this.queue = run.catch(() => undefined)
    return await run
  }

  /** Forgets the local nonce (the next send re-reads it from the chain). */
  reset (): void {
    this.next = undefined
  }

  private async sendNow (tx: Tx): Promise<Sent> {
    for (let attempt = 0; ; attempt++) {
      const nonce = this.next ?? await this.init.readNonce()
      try {
        const sent = await this.init.send(tx, nonce)
        this.next = nonce + 1
        return sent
      } catch (err) {
        this.next = undefined
        if (!this.init.isNonceError(err) || attempt >= this.init.retries) throw err
        this.init.logger.info('account nonce out of step; re-reading it and resending', { nonce, attempt: attempt + 1, error: (err as Error).message })
      }
    }
  }
}
