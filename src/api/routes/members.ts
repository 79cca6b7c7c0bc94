// Members of a context: roles, capabilities, removal, leaving.
//
//   GET    /admin/contexts/:id/members                                   -> { members: MemberInfo[] }
//   PUT    /admin/contexts/:id/members/:identity/role       { role }     -> MemberInfo
//          role "member" or "reader" (admins are added and removed through proposals)
//   POST   /admin/contexts/:id/members/:identity/capabilities/:capability -> MemberInfo
//   DELETE /admin/contexts/:id/members/:identity/capabilities/:capability -> MemberInfo
//          capability ManageMembers, ManageApplication or Proxy
//   DELETE /admin/contexts/:id/members/:identity                         -> ContextInfo
//          removes the member; the group key rotates
//   POST   /admin/contexts/:id/leave                                     -> 204
//          this node leaves (others see a leave op), then deletes the context locally;
//          422 for the last admin (DELETE /admin/contexts/:id drops it locally regardless)
// A change governance refuses answers 422 GovernanceRejectedError with the reason.

import { Router } from 'express'
import { CAPABILITIES } from '../../governance/types.ts'
import type { Capability } from '../../node/types.ts'
import { hexIdSchema, input, validated } from '../schema.ts'
import type { Schema } from '../schema.ts'
import type { ApiComponents } from '../types.ts'
import { jsonBody } from '../middleware/body.ts'
import { CONTEXT_PARAMS } from './contexts.ts'

const MEMBER_PARAMS = { ...CONTEXT_PARAMS, identity: hexIdSchema('the member\'s identity') }

export const SET_ROLE: Schema = {
  type: 'object',
  description: 'send JSON `{ "role": "member" }` or `{ "role": "reader" }`',
  required: ['role'],
  additionalProperties: false,
  properties: { role: { type: 'string', enum: ['member', 'reader'], description: 'admins are added and removed through proposals (addAdmin, removeAdmin)' } }
}

export function memberRoutes ({ node }: ApiComponents): Router {
  const router = Router()
  const json = jsonBody()

  router.get('/admin/contexts/:id/members', validated({ params: CONTEXT_PARAMS }), (_req, res) => {
    res.json({ members: node.members(input(res).params.id) })
  })

  router.put('/admin/contexts/:id/members/:identity/role', json, validated({ params: MEMBER_PARAMS, body: SET_ROLE }), async (_req, res) => {
    const { params, body } = input<{ role: 'member' | 'reader' }>(res)
    res.json(await node.setRole(params.id, params.identity, body.role))
  })

  const capability = validated({ params: { ...MEMBER_PARAMS, capability: { type: 'string', enum: CAPABILITIES } }, body: 'none' })
  for (const method of ['post', 'delete'] as const) {
    router[method]('/admin/contexts/:id/members/:identity/capabilities/:capability', json, capability, async (_req, res) => {
      const { id, identity, capability } = input(res).params as { id: string, identity: string, capability: Capability }
      res.json(method === 'post' ? await node.grant(id, identity, capability) : await node.revoke(id, identity, capability))
    })
  }

  router.delete('/admin/contexts/:id/members/:identity', json, validated({ params: MEMBER_PARAMS, body: 'none' }), async (_req, res) => {
    const { params } = input(res)
    res.json(await node.removeMember(params.id, params.identity))
  })

  router.post('/admin/contexts/:id/leave', json, validated({ params: CONTEXT_PARAMS, body: 'none' }), async (_req, res) => {
    await node.leave(input(res).params.id)
    res.status(204).end()
  })

  return router
}
