// Amounts as the API and the CLI take them: decimal strings of a chain's smallest unit.
import type { AmountRule } from './module.ts'

/** The amount `text` names, or undefined when it is not a decimal string within the chain's bound. */
export function parseAmount (text: unknown, rule: AmountRule): bigint | undefined {
  if (typeof text !== 'string' || !/^[0-9]{1,80}$/.test(text)) return undefined
  const n = BigInt(text)
  return n <= rule.max ? n : undefined
}

/** How an amount is written, for messages: a decimal string of the smallest unit, with an example of one whole unit. */
export function amountHelp (rule: AmountRule): string {
  return `a decimal string of ${rule.unit}, e.g. "${10n ** BigInt(rule.decimals)}" (1 ${rule.symbol})`
}
