// Executes an ingress message and everything it sets off: the calls canisters make to each
// other (and to the management canister), their replies and rejects delivered to the
// callbacks named in call_new, cleanup callbacks after a callback traps, and global timers
// that are due. Every message commits or rolls back on its own, as on the IC: the state a
// method changed before an `await` stays when a later callback traps. Call contexts are
// answered once, by whichever message replies or rejects first; a context with nothing
// outstanding and no answer is rejected as "did not reply". All of it runs before the
// ingress message's status is certified (one subnet, no rounds).
import { Principal } from '@dfinity/principal'
import { manage } from './management.ts'
import type { Subnet } from './subnet.ts'
import type { Canister, Execution, Message, OutgoingCall, Outcome } from './vm.ts'

/** Messages one ingress message may set off before the rest are dropped (a runaway self-call loop). */
const MAX_MESSAGES = 10_000

interface CallContext {
  canister: Canister
  method: string
  caller: Uint8Array
  answered: boolean
  outstanding: number
  respond: (o: Outcome) => void
}

const toOutcome = (e: Execution): Outcome => ({ status: e.status === 'replied' ? 'replied' : 'rejected', reply: e.reply, rejectCode: e.rejectCode, rejectMessage: e.rejectMessage, errorCode: e.errorCode, instructions: e.instructions, logs: e.logs })
const didNotReply = (c: Canister): Outcome => ({ status: 'rejected', rejectCode: 5, rejectMessage: `Canister ${c.idText} did not reply to the call`, errorCode: 'IC0506', instructions: 0, logs: [] })

class Run {
  readonly subnet: Subnet
  private readonly queue: Array<() => Promise<void>> = []
  private count = 0

  constructor (subnet: Subnet) { this.subnet = subnet }

  async drain (): Promise<void> {
    for (let task = this.queue.shift(); task !== undefined; task = this.queue.shift()) {
      if (++this.count > MAX_MESSAGES) {
        this.subnet.onPrint?.(`more than ${MAX_MESSAGES} messages from one ingress message: the rest are dropped`)
        this.queue.length = 0
        return
      }
      await task()
    }
  }

  /** Runs one message in `ctx` and schedules the calls it made. */
  message (ctx: CallContext, msg: Message, call?: OutgoingCall): void {
    const ex = ctx.canister.run({ ...msg, canReply: msg.canReply ?? !ctx.answered })
    if (ex.trapped && msg.kind === 'callback' && call?.cleanup !== undefined) {
      ctx.canister.run({ kind: 'cleanup', method: ctx.method, arg: new Uint8Array(0), caller: ctx.caller, timeNs: this.subnet.now(), closure: call.cleanup, canReply: false })
    }
    if (ex.status !== 'none' && !ctx.answered) {
      ctx.answered = true
      ctx.respond(toOutcome(ex))
    }
    for (const c of ex.calls) {
      ctx.outstanding++
      this.queue.push(async () => { await this.deliver(ctx, c) })
    }
    if (!ctx.answered && ctx.outstanding === 0) {
      ctx.answered = true
      ctx.respond(didNotReply(ctx.canister))
    }
  }

  private async deliver (parent: CallContext, call: OutgoingCall): Promise<void> {
    const back = (o: Outcome): void => { this.queue.push(async () => { this.callback(parent, call, o) }) }
    const from = parent.canister.id
    if (call.callee.length === 0) {
      back(await manage(this.subnet, call.method, call.arg, from, undefined))
      return
    }
    const target = this.subnet.canister(call.callee)
    if (target === undefined) {
      back({ status: 'rejected', rejectCode: 3, rejectMessage: `Canister ${Principal.fromUint8Array(call.callee).toText()} not found`, errorCode: 'IC0301', instructions: 0, logs: [] })
      return
    }
    const child: CallContext = { canister: target, method: call.method, caller: from, answered: false, outstanding: 0, respond: back }
    // A query method called from a canister runs, and its changes are dropped.
    const kind = !target.hasMethod('update', call.method) && target.hasMethod('query', call.method) ? 'query' : 'update'
    this.message(child, { kind, method: call.method, arg: call.arg, caller: from, timeNs: this.subnet.now() })
  }

  private callback (parent: CallContext, call: OutgoingCall, o: Outcome): void {
    parent.outstanding--
    const replied = o.status === 'replied'
    this.message(parent, {
      kind: 'callback',
      method: parent.method,
      arg: replied ? o.reply ?? new Uint8Array(0) : new Uint8Array(0),
      caller: parent.caller,
      timeNs: this.subnet.now(),
      closure: replied ? call.reply : call.reject,
      reject: replied ? undefined : { code: o.rejectCode ?? 5, message: o.rejectMessage ?? '' }
    }, call)
  }
}

/** The outcome of an ingress update call to `canister`, after everything it set off has run. */
export async function executeIngress (subnet: Subnet, canister: Canister, method: string, arg: Uint8Array, sender: Uint8Array): Promise<Outcome> {
  const run = new Run(subnet)
  let result: Outcome | undefined
  const root: CallContext = { canister, method, caller: sender, answered: false, outstanding: 0, respond: (o) => { result = o } }
  run.message(root, { kind: 'update', method, arg, caller: sender, timeNs: subnet.now() })
  await run.drain()
  await fireTimers(subnet, run)
  return result ?? didNotReply(canister)
}

/** Runs canister_global_timer on every canister whose timer is due (the timer is cleared first, as on the IC). */
export async function fireTimers (subnet: Subnet, run = new Run(subnet)): Promise<void> {
  const now = subnet.now()
  for (const c of subnet.canisters.values()) {
    if (c.globalTimer === 0n || c.globalTimer > now || !c.installed) continue
    c.globalTimer = 0n
    const ctx: CallContext = { canister: c, method: 'canister_global_timer', caller: new Uint8Array(0), answered: true, outstanding: 0, respond: () => {} }
    run.message(ctx, { kind: 'timer', method: 'canister_global_timer', arg: new Uint8Array(0), caller: new Uint8Array(0), timeNs: now, canReply: false })
  }
  await run.drain()
}
