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
import type { ApiComponents } from '../types.ts'
import { hexId, integer, kind, noBody, object, oneOf, only, query, requiredHexId } from '../validate.ts'
import { jsonBody } from '../middleware/body.ts'

const ACTION_TYPES = ['setThreshold', 'setActiveLimit', 'addAdmin', 'removeAdmin', 'setValue', 'deleteProposal'] as const
const HOW = 'send JSON `{ "actions": [{ "type": "addAdmin", "identity": "<64 hex>" }] }`'

export function proposalRoutes ({ node }: ApiComponents): Router {
  const router = Router()
  const json = jsonBody()

  router.get('/admin/contexts/:id/proposals', (req, res) => {
    query(req, [])
    res.json({ proposals: node.proposals(hexId(req.params.id, 'params.id')) })
  })

  router.post('/admin/contexts/:id/proposals', json, async (req, res) => {
    query(req, [])
    const contextId = hexId(req.params.id, 'params.id')
    const body = object(req.body, 'request body', HOW)
    only(body, ['actions'], 'body')
    if (body.actions === undefined) throw new InvalidInputError('missing body.actions', { hint: HOW })
    if (!Array.isArray(body.actions) || body.actions.length === 0 || body.actions.length > MAX_PROPOSAL_ACTIONS) {
      throw new InvalidInputError(`body.actions must be an array of 1 to ${MAX_PROPOSAL_ACTIONS} actions`, { details: `got ${kind(body.actions)}`, hint: HOW })
    }
    const actions = body.actions.map((a: unknown, i: number) => action(a, `body.actions[${i}]`))
    res.status(201).json(await node.propose(contextId, actions))
  })

  router.get('/admin/contexts/:id/proposals/:pid', (req, res) => {
    query(req, [])
    res.json(node.proposal(hexId(req.params.id, 'params.id'), hexId(req.params.pid, 'params.pid')))
  })

  router.post('/admin/contexts/:id/proposals/:pid/approve', json, async (req, res) => {
    query(req, [])
    noBody(req)
    res.json(await node.approve(hexId(req.params.id, 'params.id'), hexId(req.params.pid, 'params.pid')))
  })

  return router
}

function action (value: unknown, where: string): ProposalActionInfo {
  const a = object(value, where)
  const type = oneOf(a.type, `${where}.type`, ACTION_TYPES)
  switch (type) {
    case 'setThreshold':
      only(a, ['type', 'threshold'], where)
      return { type, threshold: integer(a.threshold, `${where}.threshold`, 1, 1_000_000) }
    case 'setActiveLimit':
      only(a, ['type', 'limit'], where)
      return { type, limit: integer(a.limit, `${where}.limit`, 1, 1_000_000) }
    case 'addAdmin':
    case 'removeAdmin':
      only(a, ['type', 'identity'], where)
      return { type, identity: requiredHexId(a, 'identity', where) }
    case 'deleteProposal':
      only(a, ['type', 'proposal'], where)
      return { type, proposal: requiredHexId(a, 'proposal', where) }
    case 'setValue': {
      only(a, ['type', 'key', 'value', 'encoding'], where)
      const encoding = a.encoding === undefined ? 'utf8' : oneOf(a.encoding, `${where}.encoding`, ['utf8', 'hex'] as const)
      const bytes = (field: 'key' | 'value', max: number, allowEmpty: boolean): string => {
        const v = a[field]
        if (typeof v !== 'string') throw new InvalidInputError(`${where}.${field} must be a string`, { details: `got ${kind(v)}` })
        if (!allowEmpty && v.length === 0) throw new InvalidInputError(`${where}.${field} must not be empty`)
        if (encoding === 'hex' && !/^([0-9a-fA-F]{2})*$/.test(v)) throw new InvalidInputError(`${where}.${field} must be hex (encoding is hex)`)
        const size = encoding === 'hex' ? v.length / 2 : Buffer.byteLength(v, 'utf8')
        if (size > max) throw new InvalidInputError(`${where}.${field} is longer than ${max} bytes`)
        return v
      }
      const out: ProposalActionInfo = { type, key: bytes('key', MAX_VALUE_KEY_BYTES, false), value: bytes('value', MAX_VALUE_BYTES, true) }
      if (a.encoding !== undefined) out.encoding = encoding
      return out
    }
  }
}
