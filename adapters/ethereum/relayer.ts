// The relayer: the funded EVM account that pays for the adapter's transactions. It signs
// nothing on behalf of identities (requests carry their own signatures); it only wraps
// them in transactions, through the chain kit's serialised sender (account nonces in
// order, re-read after a nonce error).
import type { Signer, TransactionRequest, TransactionResponse } from 'ethers'
import { SerialSender } from '../../src/chain/kit/index.ts'
import type { Logger } from '../../src/log/index.ts'

const NONCE_ERROR = /nonce|replacement (transaction )?underpriced|already known/i

export class Relayer {
  readonly signer: Signer
  private readonly sender: SerialSender<TransactionRequest, TransactionResponse>
  private addressMemo: Promise<string> | undefined

  constructor (signer: Signer, logger: Logger, retries: number) {
    this.signer = signer
    this.sender = new SerialSender({
      readNonce: async () => await this.signer.provider!.getTransactionCount(await this.address(), 'pending'),
      send: async (tx, nonce) => await this.signer.sendTransaction({ ...tx, nonce }),
      isNonceError: (err) => {
        const e = err as { code?: string, message?: string }
        return e.code === 'NONCE_EXPIRED' || e.code === 'REPLACEMENT_UNDERPRICED' || NONCE_ERROR.test(e.message ?? '')
      },
      retries,
      logger
    })
  }

  async address (): Promise<string> {
    this.addressMemo ??= this.signer.getAddress()
    return await this.addressMemo
  }

  async send (tx: TransactionRequest): Promise<TransactionResponse> {
    return await this.sender.send(tx)
  }

  /** Forgets the local nonce (the next send re-reads it from the chain). */
  reset (): void {
    this.sender.reset()
  }
}
