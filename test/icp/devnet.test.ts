// The ICP devnet driven only through @dfinity/agent 3 (HttpAgent, Actor, Certificate,
// CanisterStatus) with certificate and query-signature verification on: a Motoko canister
// compiled here, update calls (v3 sync and v2 with polling), queries, read_state, certified
// data, and the refusals the replica makes and agent-js makes.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { Actor, CanisterStatus, Certificate, Cbor, check_canister_ranges, Expiry, HttpAgent, polling, SignIdentity, type ActorSubclass, type HashTree, type Identity, type PublicKey, type Signature } from '@dfinity/agent'
import { IDL } from '@dfinity/candid'
import { DelegationChain, DelegationIdentity, Ed25519KeyIdentity } from '@dfinity/identity'
import { Secp256k1KeyIdentity } from '@dfinity/identity-secp256k1'
import { Principal } from '@dfinity/principal'
import { launchReplica, type Replica } from '../../adapters/icp/devnet/index.ts'
import { compileFixture } from '../fixtures/icp/compile.ts'

const idlFactory: IDL.InterfaceFactory = ({ IDL }) => IDL.Service({
  greet: IDL.Func([IDL.Text], [IDL.Text], ['query']),
  inc: IDL.Func([], [IDL.Nat], []),
  get: IDL.Func([], [IDL.Nat], ['query']),
  boom: IDL.Func([], [], []),
  whoami: IDL.Func([], [IDL.Principal], []),
  whoamiQuery: IDL.Func([], [IDL.Principal], ['query']),
  certify: IDL.Func([IDL.Vec(IDL.Nat8)], [], []),
  certificate: IDL.Func([], [IDL.Opt(IDL.Vec(IDL.Nat8))], ['query'])
})

interface Counter {
  greet: (name: string) => Promise<string>
  inc: () => Promise<bigint>
  get: () => Promise<bigint>
  boom: () => Promise<void>
  whoami: () => Promise<Principal>
  whoamiQuery: () => Promise<Principal>
  certify: (data: Uint8Array) => Promise<void>
  certificate: () => Promise<[] | [Uint8Array]>
}

/** Signs as an ed25519 identity would, then spoils the signature. */
class BadSignature extends SignIdentity {
  readonly inner = Ed25519KeyIdentity.generate()
  getPublicKey (): PublicKey { return this.inner.getPublicKey() }
  async sign (b: Uint8Array): Promise<Signature> {
    const s = new Uint8Array(await this.inner.sign(b))
    s[0]! ^= 1
    return s as unknown as Signature
  }
}

describe('ICP devnet through agent-js', () => {
  let replica: Replica
  let wasm: Uint8Array
  let canisterId: string
  let other: string

  const agentFor = async (identity?: Identity): Promise<HttpAgent> => await HttpAgent.create({ host: replica.url, rootKey: replica.rootKey, identity, retryTimes: 0 })
  const actorFor = async (identity?: Identity): Promise<ActorSubclass<Counter>> => Actor.createActor<Counter>(idlFactory, { agent: await agentFor(identity), canisterId })

  before(async () => {
    wasm = compileFixture('counter.mo')
    replica = await launchReplica({})
    canisterId = await replica.installCanister(wasm)
    other = await replica.installCanister(wasm)
  })
  after(async () => { await replica.close() })

  it('serves its root key at /api/v2/status, and an agent that fetches it works', async () => {
    const agent = await HttpAgent.create({ host: replica.url, shouldFetchRootKey: true })
    assert.deepEqual(new Uint8Array(agent.rootKey!), replica.rootKey)
    const status = await agent.status()
    assert.deepEqual(new Uint8Array(status.root_key as unknown as Uint8Array), replica.rootKey)
    const counter = Actor.createActor<Counter>(idlFactory, { agent, canisterId })
    assert.equal(await counter.greet('fetched'), 'Hello, fetched!')
  })

  it('answers a query with a node signature agent-js verifies', async () => {
    const counter = await actorFor(Ed25519KeyIdentity.generate())
    assert.equal(await counter.greet('world'), 'Hello, world!')
  })

  it('runs update calls with certificates (v3 sync) and counts instructions', async () => {
    const identity = Ed25519KeyIdentity.generate()
    const counter = await actorFor(identity)
    const before = await counter.get()
    assert.equal(await counter.inc(), before + 1n)
    assert.equal(await counter.get(), before + 1n)
    assert.equal((await counter.whoami()).toText(), identity.getPrincipal().toText())
    assert.equal((await counter.whoamiQuery()).toText(), identity.getPrincipal().toText())
    const n = replica.instructions(canisterId, 'inc')
    assert.ok(n !== undefined && n > 100, `instructions ${n}`)
  })

  it('takes a v2 call with 202 and answers the polling read_state with a certificate', async () => {
    const agent = await agentFor(Secp256k1KeyIdentity.generate())
    const counter = Actor.createActor<Counter>(idlFactory, { agent, canisterId })
    const before = await counter.get()
    const { requestId, response } = await agent.call(canisterId, { methodName: 'inc', arg: IDL.encode([], []), callSync: false })
    assert.equal(response.status, 202)
    const { reply } = await polling.pollForResponse(agent, Principal.fromText(canisterId), requestId)
    assert.deepEqual(IDL.decode([IDL.Nat], reply), [before + 1n])
  })

  it('certifies canister paths and subnet keys read through read_state', async () => {
    const agent = await agentFor()
    const status = await CanisterStatus.request({ agent, canisterId: Principal.fromText(canisterId), paths: ['time', 'module_hash', 'controllers', 'candid', 'subnet'] })
    assert.ok(Math.abs((status.get('time') as Date).getTime() - Date.now()) < 60_000)
    assert.match(status.get('module_hash') as string, /^[0-9a-f]{64}$/)
    assert.deepEqual((status.get('controllers') as Principal[]).map((p) => p.toText()), ['2vxsx-fae'])
    assert.match(status.get('candid') as string, /greet : \(name: text\) -> \(text\) query|greet: \(name: text\) -> \(text\) query/)
    const subnet = status.get('subnet') as { subnetId: string, nodeKeys: Map<string, Uint8Array> }
    assert.equal(subnet.subnetId, Principal.selfAuthenticating(replica.rootKey).toText())
    assert.equal(subnet.nodeKeys.size, 1)
  })

  it('answers a subnet read_state with the subnet\'s keys and canister ranges', async () => {
    const agent = await agentFor(Ed25519KeyIdentity.generate())
    const subnetId = Principal.selfAuthenticating(replica.rootKey)
    const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s)
    const request = await agent.createReadStateRequest({ paths: [[utf8('subnet'), subnetId.toUint8Array(), utf8('canister_ranges')], [utf8('subnet'), subnetId.toUint8Array(), utf8('public_key')]] })
    const res = await fetch(`${replica.url}/api/v2/subnet/${subnetId.toText()}/read_state`, { method: 'POST', headers: { 'content-type': 'application/cbor' }, body: Cbor.encode((request as { body: unknown }).body) as Uint8Array<ArrayBuffer> })
    assert.equal(res.status, 200)
    const { certificate } = Cbor.decode<{ certificate: Uint8Array }>(new Uint8Array(await res.arrayBuffer()))
    const cert = await Certificate.create({ certificate, rootKey: replica.rootKey, canisterId: Principal.fromText(canisterId) })
    assert.ok(check_canister_ranges({ canisterId: Principal.fromText(canisterId), subnetId, tree: cert.cert.tree }))
    const key = cert.lookup_path(['subnet', subnetId.toUint8Array(), 'public_key'])
    assert.deepEqual(new Uint8Array((key as { value: Uint8Array }).value), replica.rootKey)
    const wrong = await fetch(`${replica.url}/api/v2/subnet/aaaaa-aa/read_state`, { method: 'POST', body: Cbor.encode((request as { body: unknown }).body) as Uint8Array<ArrayBuffer> })
    assert.equal(wrong.status, 404)
  })

  it('runs a query on state it then throws away, even an update method called as a query', async () => {
    const agent = await agentFor()
    const counter = Actor.createActor<Counter>(idlFactory, { agent, canisterId })
    const before = await counter.get()
    const res = await agent.query(canisterId, { methodName: 'inc', arg: IDL.encode([], []) })
    assert.equal(res.status, 'replied')
    assert.deepEqual(IDL.decode([IDL.Nat], (res as { reply: { arg: Uint8Array } }).reply.arg), [before + 1n])
    assert.equal(await counter.get(), before)
  })

  it('hands a query the data certificate over the canister\'s certified data', async () => {
    const counter = await actorFor()
    const data = new Uint8Array(32).fill(7)
    await counter.certify(data)
    const [cert] = await counter.certificate()
    assert.ok(cert !== undefined)
    const certificate = await Certificate.create({ certificate: cert, rootKey: replica.rootKey, canisterId: Principal.fromText(canisterId) })
    const found = certificate.lookup_path(['canister', Principal.fromText(canisterId).toUint8Array(), 'certified_data'])
    assert.equal(found.status, 'Found')
    assert.deepEqual(new Uint8Array((found as { value: Uint8Array }).value), data)
  })

  it('rolls a trapped message back', async () => {
    const counter = await actorFor()
    const before = await counter.get()
    await assert.rejects(counter.boom(), /trapped explicitly: boom/)
    assert.equal(await counter.get(), before)
  })

  it('refuses a bad sender signature', async () => {
    const counter = await actorFor(new BadSignature())
    await assert.rejects(counter.inc(), /403[\s\S]*sender signature does not verify/)
    await assert.rejects(counter.greet('x'), /sender signature does not verify/)
  })

  it('refuses an expired ingress message', async () => {
    const agent = await agentFor(Ed25519KeyIdentity.generate())
    agent.addTransform('update', async (req) => {
      (req.body as { ingress_expiry: Expiry }).ingress_expiry = Expiry.fromDeltaInMilliseconds(-120_000)
      return req
    })
    const counter = Actor.createActor<Counter>(idlFactory, { agent, canisterId })
    const before = await counter.get()
    await assert.rejects(counter.inc(), /Invalid request expiry/)
    assert.equal(await counter.get(), before)
  })

  it('takes a delegation chain for its targets and refuses other targets and expired links', async () => {
    const root = Ed25519KeyIdentity.generate()
    const session = Ed25519KeyIdentity.generate()
    const soon = new Date(Date.now() + 60_000)
    const scoped = DelegationIdentity.fromDelegation(session, await DelegationChain.create(root, session.getPublicKey(), soon, { targets: [Principal.fromText(canisterId)] }))
    assert.equal((await (await actorFor(scoped)).whoami()).toText(), root.getPrincipal().toText())
    const elsewhere = DelegationIdentity.fromDelegation(session, await DelegationChain.create(root, session.getPublicKey(), soon, { targets: [Principal.fromText(other)] }))
    await assert.rejects((await actorFor(elsewhere)).inc(), /does not allow canister/)
    const expired = DelegationIdentity.fromDelegation(session, await DelegationChain.create(root, session.getPublicKey(), new Date(Date.now() - 1000)))
    await assert.rejects((await actorFor(expired)).inc(), /expired/)
    const stranger = Ed25519KeyIdentity.generate()
    const broken = DelegationIdentity.fromDelegation(session, await DelegationChain.create(stranger, session.getPublicKey(), soon))
    // The chain's signer is not the key it claims to start from.
    const forged = DelegationIdentity.fromDelegation(session, DelegationChain.fromDelegations(broken.getDelegation().delegations, root.getPublicKey().toDer()))
    await assert.rejects((await actorFor(forged)).inc(), /delegation 0 has an invalid signature/)
  })

  it('serves certificates agent-js refuses under a wrong root key, an altered tree or a stale time', async () => {
    const agent = await agentFor()
    const cid = Principal.fromText(canisterId)
    const read = async (): Promise<Uint8Array> => (await agent.readState(cid, { paths: [[new TextEncoder().encode('time')]] })).certificate
    const good = await read()
    await Certificate.create({ certificate: good, rootKey: replica.rootKey, canisterId: cid })
    const otherReplica = await launchReplica({})
    try {
      await assert.rejects(Certificate.create({ certificate: good, rootKey: otherReplica.rootKey, canisterId: cid }), /Invalid signature|Signature verification failed/)
    } finally { await otherReplica.close() }
    const decoded = Cbor.decode<{ tree: HashTree, signature: Uint8Array }>(good)
    const altered = Cbor.encode({ ...decoded, tree: [1, decoded.tree, [0]] as unknown as HashTree })
    await assert.rejects(Certificate.create({ certificate: altered, rootKey: replica.rootKey, canisterId: cid }), /Invalid signature|Signature verification failed/)
    replica.tamper.clockSkew(-10 * 60_000)
    try {
      const stale = await read()
      await assert.rejects(Certificate.create({ certificate: stale, rootKey: replica.rootKey, canisterId: cid }), /Certificate is signed more than 5 minutes in the past|past/)
    } finally { replica.tamper.clockSkew(0) }
  })

  it('makes agent-js itself reject the certificates it tampers with', async () => {
    const counter = await actorFor(Ed25519KeyIdentity.generate())
    const before = await counter.get()
    replica.tamper.certificates(true)
    try {
      await assert.rejects(counter.inc(), /Invalid signature|Signature verification failed/)
      // A fresh agent must fetch the subnet's node keys through a certificate before it trusts a query.
      await assert.rejects((await actorFor()).greet('x'))
    } finally { replica.tamper.certificates(false) }
    assert.equal(await counter.get(), before + 1n) // the call ran; only its certificate was forged
  })

  it('upgrades a canister keeping its state (64-bit main memory and stable memory)', async () => {
    const counter = await actorFor()
    await counter.inc()
    const before = await counter.get()
    await replica.upgradeCanister(canisterId, compileFixture('counter.mo', { '"Hello, "': '"Hi, "' }))
    assert.equal(await counter.greet('there'), 'Hi, there!')
    assert.equal(await counter.get(), before)
    assert.equal(await counter.inc(), before + 1n)
  })
})
