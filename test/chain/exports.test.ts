// package.json "exports" names a real entry: the package imports by its own name and gives
// createNode, the chain-module list and the errors.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { ChainModule, ContextInfo, NodeInit } from 'moorage'

describe('package entry', () => {
  it('`import "moorage"` gives createNode, the config helpers, the chain modules and the errors', async () => {
    const moorage = await import('moorage')
    assert.equal(typeof moorage.createNode, 'function')
    assert.equal(typeof moorage.loadConfig, 'function')
    assert.deepEqual(moorage.CHAIN_MODULES.kinds, ['ethereum', 'icp', 'near', 'starknet'])
    assert.equal(new moorage.UnknownAnchorError('x').name, 'UnknownAnchorError')
    assert.equal(new moorage.InvalidInputError('x').name, 'InvalidInputError')
    // The public types come along (checked by the typecheck).
    const init: Pick<NodeInit, 'home'> = { home: '/tmp/x' }
    const kinds: Array<ChainModule['kind'] | ContextInfo['anchor']['kind']> = moorage.CHAIN_MODULES.all().map((m: ChainModule) => m.kind)
    assert.equal(init.home, '/tmp/x')
    assert.deepEqual(kinds, ['ethereum', 'icp', 'near', 'starknet'])
  })
})
