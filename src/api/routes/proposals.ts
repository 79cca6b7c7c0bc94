// Proposals: governance actions that execute once enough admins approve.
//
//   GET  /admin/contexts/:id/proposals                 -> { proposals: ProposalInfo[] } (open ones)
//   POST /admin/contexts/:id/proposals   { actions }   -> 201 ProposalInfo
//        actions: 1..16 of
//          { "type": "setThreshold", "threshold": n }     { "type": "setActiveLimit", "limit": n }
//          { "type": "addAdmin", "identity": hex }        { "type": "removeAdmin", "identity": hex }
//          { "type": "setValue", "key": string, "value": string, "encoding"?: "utf8" | "hex" }
//          { "type": "deleteProposal", "proposal": hex }
//        With enough approvals (the author's counts when it is an admin) the proposal
//        executes at once: see `status`.
//   GET  /admin/contexts/:id/proposals/:pid            -> ProposalInfo (open or closed, with its outcome)
//   POST /admin/contexts/:id/proposals/:pid/approve    -> ProposalInfo

import { Router } from 'express'
import { InvalidInputError } from '../../errors/index.ts'
import { MAX_PROPOSAL_ACTIONS } from '../../governance/acl.ts'
import type { ProposalActionInfo } from '../../node/types.ts'
import { MAX_VALUE_BYTES, MAX_VALUE_KEY_BYTES } from '../../node/proposals.ts'
import { hexIdSchema, input, validated } from '../schema.ts'
import type { Schema } from '../schema.ts'
import type { ApiComponents } from '../types.ts'
import { jsonBody } from '../middleware/body.ts'
import { CONTEXT_PARAMS } from './contexts.ts'

const HOW = 'send JSON `{ "actions": [{ "type": "addAdmin", "identity": "<64 hex>" }] }`'

/** One action of a proposal: its `type` and fields. */
function actionSchema (type: string, fields: Record<string, Schema>): Schema {
  return { type: 'object', required: ['type', ...Object.keys(fields).filter((f) => f !== 'encoding')], additionalProperties: false, properties: { type: { type: 'string', enum: [type] }, ...fields } }
}

const COUNT: Schema = { type: 'integer', minimum: 1, maximum: 1_000_000 }
// setValue's sizes are in bytes of the encoding named: checked in the handler.
const BYTES: Schema = { type: 'string', description: `UTF-8, or hex with "encoding": "hex"; keys 1..${MAX_VALUE_KEY_BYTES} bytes, values up to ${MAX_VALUE_BYTES}` }

export const ACTION: Schema = {
  description: 'a governance action',
  discriminator: { propertyName: 'type' },
  oneOf: [
    actionSchema('setThreshold', { threshold: COUNT }),
    actionSchema('setActiveLimit', { limit: COUNT }),
    actionSchema('addAdmin', { identity: hexIdSchema() }),
    actionSchema('removeAdmin', { identity: hexIdSchema() }),
    actionSchema('setValue', { key: BYTES, value: BYTES, encoding: { type: 'string', enum: ['utf8', 'hex'] } }),
    actionSchema('deleteProposal', { proposal: hexIdSchema() })
  ]
}

export const PROPOSE: Schema = {
  type: 'object',
  description: HOW,
  required: ['actions'],
  additionalProperties: false,
  properties: { actions: { type: 'array', minItems: 1, maxItems: MAX_PROPOSAL_ACTIONS, items: ACTION, description: HOW } }
}

const PROPOSAL_PARAMS = { ...CONTEXT_PARAMS, pid: hexIdSchema('the proposal id') }

export function proposalRoutes ({ node }: ApiComponents): Router {
  const router = Router()
  const json = jsonBody()

  router.get('/admin/contexts/:id/proposals', validated({ params: CONTEXT_PARAMS }), (_req, res) => {
    res.json({ proposals: node.proposals(input(res).params.id) })
  })

  router.post('/admin/contexts/:id/proposals', json, validated({ params: CONTEXT_PARAMS, body: PROPOSE }), async (_req, res) => {
    const { params, body } = input<{ actions: ProposalActionInfo[] }>(res)
    body.actions.forEach((a, i) => { if (a.type === 'setValue') checkValue(a, `body.actions[${i}]`) })
    res.status(201).json(await node.propose(params.id, body.actions))
  })

  router.get('/admin/contexts/:id/proposals/:pid', validated({ params: PROPOSAL_PARAMS }), (_req, res) => {
    const { params } = input(res)
    res.json(node.proposal(params.id, params.pid))
  })

  router.post('/admin/contexts/:id/proposals/:pid/approve', json, validated({ params: PROPOSAL_PARAMS, body: 'none' }), async (_req, res) => {
    const { params } = input(res)
    res.json(await node.approve(params.id, params.pid))
  })

  return router
}

/** A setValue's key and value: sizes in bytes of its encoding, hex when it says so. */
function checkValue (a: Extract<ProposalActionInfo, { type: 'setValue' }>, where: string): void {
  const encoding = a.encoding ?? 'utf8'
  const bytes = (field: 'key' | 'value', max: number, allowEmpty: boolean): void => {
    const v = a[field]
    if (!allowEmpty && v.length === 0) throw new InvalidInputError(`${where}.${field} must not be empty`)
    if (encoding === 'hex' && !/^([0-9a-fA-F]{2})*$/.test(v)) throw new InvalidInputError(`${where}.${field} must be hex (encoding is hex)`)
    const size = encoding === 'hex' ? v.length / 2 : Buffer.byteLength(v, 'utf8')
    if (size > max) throw new InvalidInputError(`${where}.${field} is longer than ${max} bytes`)
  }
  bytes('key', MAX_VALUE_KEY_BYTES, false)
  bytes('value', MAX_VALUE_BYTES, true)
}
