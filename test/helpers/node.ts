// A real node (LMDB, runtime, CRDT) in a temporary home, with helpers to call it.
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { fromUtf8, utf8 } from '../../src/crypto/bytes.ts'
import { silentLogger } from '../../src/log/index.ts'
import { defaultConfig, type EncryptionConfig } from '../../src/node/config.ts'
import { createNode, type MoorNode } from '../../src/node/index.ts'
import type { ChainSettings } from '../../src/node/chain/registry.ts'
import { tempDir } from './tmp.ts'

export function appWasm (name: string): Uint8Array {
  return readFileSync(fileURLToPath(new URL(`../../apps/${name}/build/${name}.wasm`, import.meta.url)))
}

export function fixtureWasm (name: string): Uint8Array {
  return readFileSync(fileURLToPath(new URL(`../fixtures/apps/build/${name}.wasm`, import.meta.url)))
}

export interface TestNode {
  node: MoorNode
  home: string
  /** Mutation with JSON args; returns the parsed JSON output. */
  call: (ctx: string, method: string, args?: unknown) => Promise<unknown>
  query: (ctx: string, method: string, args?: unknown) => Promise<unknown>
  close: () => Promise<void>
}

/** A node in a fresh temporary home, or in `home` (a restart: close() then leaves the home in place). */
export async function startTestNode (overrides: { gas?: bigint, memoryPages?: number, chains?: ChainSettings, encryption?: Partial<EncryptionConfig>, home?: string } = {}): Promise<TestNode> {
  const dir = overrides.home !== undefined ? { path: overrides.home, cleanup: () => {} } : tempDir('moor-node-')
  const config = defaultConfig(dir.path)
  if (overrides.gas !== undefined) config.limits.gas = overrides.gas
  if (overrides.memoryPages !== undefined) config.limits.memoryPages = overrides.memoryPages
  config.encryption = { ...config.encryption, ...overrides.encryption }
  const node = await createNode({ home: dir.path, config, logger: silentLogger, ...(overrides.chains !== undefined ? { chains: overrides.chains } : {}) })
  const parse = (out: Uint8Array | null): unknown => (out === null ? undefined : JSON.parse(fromUtf8(out)))
  return {
    node,
    home: dir.path,
    call: async (ctx, method, args = {}) => parse((await node.execute({ contextId: ctx, method, args: utf8(JSON.stringify(args)) })).output),
    query: async (ctx, method, args = {}) => parse((await node.execute({ contextId: ctx, method, args: utf8(JSON.stringify(args)), readOnly: true })).output),
    close: async () => { await node.stop(); dir.cleanup() }
  }
}

/** A kv-store context created on `admin`, joined by each of `others` as a member; its id. */
export async function joinedContext (admin: TestNode, others: TestNode[]): Promise<string> {
  const app = await admin.node.installApplication({ wasm: appWasm('kv-store') })
  const ctx = (await admin.node.createContext({ applicationId: app.id })).id
  for (const t of others) {
    const id = await t.node.newIdentity()
    await t.node.join((await admin.node.invite(ctx, { identity: id.publicKey, role: 'member' })).invitation)
  }
  return ctx
}
