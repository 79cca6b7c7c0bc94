import { test } from 'node:test'
import assert from 'node:assert/strict'
import { ModuleCache } from '../../src/runtime/module-cache.ts'
import type { CompiledApp } from '../../src/runtime/module-cache.ts'
import { InstancePool } from '../../src/runtime/pool.ts'

const app = (name: string): CompiledApp => {
  const module = {} as CompiledApp['module']
  return { module, methods: [name], startGas: 0n, pool: new InstancePool(module, { mutableGlobals: [], poolable: true, startGas: 0n, size: 4 }) }
}

test('evicts the least recently used entry beyond capacity', () => {
  const cache = new ModuleCache(2)
  cache.set('a', app('a'))
  cache.set('b', app('b'))
  assert.deepEqual(cache.get('a')?.methods, ['a']) // a is now most recent
  cache.set('c', app('c'))
  assert.equal(cache.has('b'), false)
  assert.deepEqual(cache.keys(), ['a', 'c'])
  assert.equal(cache.size, 2)
})

test('re-setting a key refreshes it without growing', () => {
  const cache = new ModuleCache(2)
  cache.set('a', app('a'))
  cache.set('b', app('b'))
  cache.set('a', app('a2'))
  cache.set('c', app('c'))
  assert.deepEqual(cache.keys(), ['a', 'c'])
  assert.deepEqual(cache.get('a')?.methods, ['a2'])
})

test('delete and clear', () => {
  const cache = new ModuleCache(3)
  cache.set('a', app('a'))
  cache.set('b', app('b'))
  assert.equal(cache.delete('a'), true)
  assert.equal(cache.delete('a'), false)
  cache.clear()
  assert.equal(cache.size, 0)
})

test('rejects a non-positive capacity', () => {
  assert.throws(() => new ModuleCache(0), RangeError)
})
