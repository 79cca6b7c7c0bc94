// The EIP-6492 validator (contracts/ethereum/wallet/SignatureValidator.sol), compiled
// with solc from npm on first use (offline, about a second) and memoised. It is never
// deployed: its creation code runs inside eth_call.
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { CONTRACTS_DIR } from '../artifacts.ts'
import { EVM_VERSION } from '../constants.ts'
import { CompileError } from '../errors.ts'

let memo: Promise<string> | undefined

export function validatorBytecode (): Promise<string> {
  memo ??= compile()
  return memo
}

async function compile (): Promise<string> {
  const { default: solc } = await import('solc')
  const file = 'SignatureValidator.sol'
  const input = {
    language: 'Solidity',
    sources: { [file]: { content: readFileSync(path.join(CONTRACTS_DIR, 'wallet', file), 'utf8') } },
    settings: { optimizer: { enabled: true, runs: 200 }, evmVersion: EVM_VERSION, outputSelection: { '*': { '*': ['evm.bytecode.object'] } } }
  }
  const out = JSON.parse(solc.compile(JSON.stringify(input))) as {
    errors?: Array<{ severity: string, formattedMessage: string }>
    contracts?: Record<string, Record<string, { evm: { bytecode: { object: string } } }>>
  }
  const errors = (out.errors ?? []).filter((e) => e.severity === 'error')
  const object = out.contracts?.[file]?.SignatureValidator?.evm.bytecode.object
  if (errors.length > 0 || object === undefined) {
    memo = undefined
    throw new CompileError('solc could not compile the wallet signature validator', { details: errors.map((e) => e.formattedMessage).join('\n') })
  }
  return `0x${object}`
}
