// Ids of a chain (contracts, accounts) as every front end reads them: within the module's
// bound, then in the module's own terms.
import type { IdRule } from './module.ts'

/** `text` as an id of `rule`'s kind in its stored form, or undefined when it is not one. */
export function parseId (rule: IdRule, text: unknown): string | undefined {
  return typeof text === 'string' && text.length > 0 && text.length <= rule.maxLength ? rule.parse(text) : undefined
}
