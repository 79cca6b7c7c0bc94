// Calls between Motoko canisters on the ICP devnet, driven through agent-js: an await on
// another canister and on the canister itself, a query method called from a canister, a
// trap after an await (the state from before the await stays), and a global timer.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { Actor, HttpAgent, type ActorSubclass } from '@dfinity/agent'
import { IDL } from '@dfinity/candid'
import { Principal } from '@dfinity/principal'
import { launchReplica, type Replica } from '../../adapters/icp/devnet/index.ts'
import { until } from '../helpers/until.ts'
import { compileFixture } from '../fixtures/icp/compile.ts'

const callerIdl: IDL.InterfaceFactory = ({ IDL }) => IDL.Service({
  callInc: IDL.Func([IDL.Principal], [IDL.Nat], []),
  callGreet: IDL.Func([IDL.Principal], [IDL.Text], []),
  trapAfterAwait: IDL.Func([IDL.Principal], [], []),
  getBefore: IDL.Func([], [IDL.Nat], ['query']),
  selfAwait: IDL.Func([], [IDL.Nat], []),
  startTimer: IDL.Func([], [], []),
  getTicks: IDL.Func([], [IDL.Nat], ['query'])
})
interface Caller {
  callInc: (p: Principal) => Promise<bigint>
  callGreet: (p: Principal) => Promise<string>
  trapAfterAwait: (p: Principal) => Promise<void>
  getBefore: () => Promise<bigint>
  selfAwait: () => Promise<bigint>
  startTimer: () => Promise<void>
  getTicks: () => Promise<bigint>
}

describe('ICP devnet inter-canister calls', () => {
  let replica: Replica
  let caller: ActorSubclass<Caller>
  let counter: Principal

  before(async () => {
    replica = await launchReplica({})
    counter = Principal.fromText(await replica.installCanister(compileFixture('counter.mo')))
    const id = await replica.installCanister(compileFixture('caller.mo'))
    const agent = await HttpAgent.create({ host: replica.url, rootKey: replica.rootKey, retryTimes: 0 })
    caller = Actor.createActor<Caller>(callerIdl, { agent, canisterId: id })
  })
  after(async () => { await replica.close() })

  it('awaits another canister and itself', async () => {
    assert.equal(await caller.callInc(counter), 1n)
    assert.equal(await caller.callInc(counter), 2n)
    assert.equal(await caller.callGreet(counter), 'Hello, caller!')
    assert.equal(await caller.selfAwait(), 42n)
  })

  it('keeps what ran before an await when the callback traps', async () => {
    await assert.rejects(caller.trapAfterAwait(counter), /after await/)
    assert.equal(await caller.getBefore(), 1n)
    assert.equal(await caller.callInc(counter), 4n) // the counter's inc from the trapped call stays too
  })

  it('fires a global timer', async () => {
    await caller.startTimer()
    await until('the timer to fire', async () => await caller.getTicks() === 1n)
  })
})
