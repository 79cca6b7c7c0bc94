// Refusal codes (src/governance/refusals.ts): every refusal's text leads back to its code,
// alone or inside an error message, so a reason that travelled as text (an offchain op's
// verdict, an error from another process) keeps its code; GovernanceRejectedError carries it.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { GovernanceRejectedError } from '../../src/governance/anchor.ts'
import { REFUSAL_CODES, refusal, refusalCodeOf, refusedMessage } from '../../src/governance/refusals.ts'

const sample = { who: '0123456789ab', nonce: 3, last: 5, context: 'abcdef012345', key: '0xKey', kind: 9, capability: 'ManageMembers', what: 'grant', time: '2026-01-01T00:00:00.000Z', max: 16, open: 2, limit: 2, threshold: 3, admins: 2, target: '0xT', detail: 'reverted', amount: '5 units', to: '0xTo' }

describe('refusal codes', () => {
  it('every refusal\'s text leads back to its code, alone or after "<request> was refused: "', () => {
    for (const code of REFUSAL_CODES.filter((c) => c !== 'Other')) {
      const text = refusal(code, sample)
      assert.equal(refusalCodeOf(text), code, text)
      assert.equal(refusalCodeOf(`${refusedMessage('addMember', text)}\nDetails: transaction 0x12`), code, text)
    }
  })

  it('an error names its code, given or found from its message; unknown text is Other', () => {
    assert.equal(new GovernanceRejectedError(refusedMessage('leave', refusal('LastAdminCannotLeave'))).code, 'LastAdminCannotLeave')
    assert.equal(new GovernanceRejectedError('something else happened').code, 'Other')
    assert.equal(new GovernanceRejectedError('whatever the words', { code: 'NoUsesLeft' }).code, 'NoUsesLeft')
    assert.equal(refusalCodeOf('no rule says this'), undefined)
  })
})
