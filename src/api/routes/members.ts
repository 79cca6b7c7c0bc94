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
import type { ApiComponents } from '../types.ts'
import { hexId, noBody, object, oneOf, only, query } from '../validate.ts'
import { jsonBody } from '../middleware/body.ts'

export function memberRoutes ({ node }: ApiComponents): Router {
  const router = Router()
  const json = jsonBody()
  const ids = (params: Record<string, string | undefined>): [string, string] => [hexId(params.id, 'params.id'), hexId(params.identity, 'params.identity')]

  router.get('/admin/contexts/:id/members', (req, res) => {
    query(req, [])
    res.json({ members: node.members(hexId(req.params.id, 'params.id')) })
  })

  router.put('/admin/contexts/:id/members/:identity/role', json, async (req, res) => {
    query(req, [])
    const [contextId, identity] = ids(req.params)
    const body = object(req.body, 'request body', 'send JSON `{ "role": "member" }` or `{ "role": "reader" }`')
    only(body, ['role'], 'body')
    const role = oneOf(body.role, 'body.role', ['member', 'reader'] as const, 'admins are added and removed through proposals (addAdmin, removeAdmin)')
    res.json(await node.setRole(contextId, identity, role))
  })

  for (const method of ['post', 'delete'] as const) {
    router[method]('/admin/contexts/:id/members/:identity/capabilities/:capability', json, async (req, res) => {
      query(req, [])
      noBody(req)
      const [contextId, identity] = ids(req.params)
      const capability = oneOf(req.params.capability, 'params.capability', CAPABILITIES)
      res.json(method === 'post' ? await node.grant(contextId, identity, capability) : await node.revoke(contextId, identity, capability))
    })
  }

  router.delete('/admin/contexts/:id/members/:identity', json, async (req, res) => {
    query(req, [])
    noBody(req)
    const [contextId, identity] = ids(req.params)
    res.json(await node.removeMember(contextId, identity))
  })

  router.post('/admin/contexts/:id/leave', json, async (req, res) => {
    query(req, [])
    noBody(req)
    await node.leave(hexId(req.params.id, 'params.id'))
    res.status(204).end()
  })

  return router
}
