// Amounts as the API and the CLI take them: decimal strings of a chain's smallest unit.
import type { AmountRule } from './module.ts'

/** How an amount is written, for messages: a decimal string of the smallest unit, with an example of one whole unit. */
export function amountHelp (rule: AmountRule): string {
  return `a decimal string of ${rule.unit}, e.g. "${10n ** BigInt(rule.decimals)}" (1 ${rule.symbol})`
}
