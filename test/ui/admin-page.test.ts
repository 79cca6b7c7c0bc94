// The admin page in real headless Chromium against a real node: log in, create a context,
// invite a second node and watch it join and its writes arrive live, approve the second
// admin's proposal, remove the second node. Screenshots go to test-results/screenshots/.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { Browser, Page } from 'playwright-core'
import { UI_CSP } from '../../src/api/ui/serve.ts'
import { kvWasm, startApi, type TestApi } from '../helpers/api-server.ts'
import { launchBrowser, screenshot } from '../helpers/browser.ts'
import { startTestNode, type TestNode } from '../helpers/node.ts'
import { until } from '../helpers/until.ts'

describe('admin page', () => {
  let a: TestApi
  let b: TestNode
  let browser: Browser
  let page: Page
  const errors: string[] = []

  before(async () => {
    browser = await launchBrowser()
    a = await startApi()
    b = await startTestNode()
    await a.call('POST', '/admin/applications?name=kv-store', { body: kvWasm(), headers: { 'content-type': 'application/wasm' } })
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } })
    // Any CSP violation or script error shows up here and fails the last test.
    page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()) })
    page.on('pageerror', (e) => { errors.push(e.message) })
  })
  after(async () => {
    await browser?.close()
    await b?.close()
    await a?.close()
  })

  it('serves only the static shell without the token, with a strict CSP', async () => {
    const res = await fetch(a.url + '/')
    assert.equal(res.status, 200)
    assert.equal(res.headers.get('content-security-policy'), UI_CSP)
    assert.match(UI_CSP, /script-src 'self'/)
    assert.doesNotMatch(UI_CSP, /unsafe/)
    const text = await res.text()
    assert.doesNotMatch(text, /<script>|[0-9a-f]{64}/, 'no inline script, no data')
    assert.equal((await a.call('GET', '/admin/contexts', { noAuth: true })).status, 401)
  })

  let ctx = ''
  it('logs in with the token (kept in sessionStorage, never in the URL) after refusing a wrong one', async () => {
    await page.goto(a.url + '/')
    await page.locator('#token').fill('wrong')
    await page.getByRole('button', { name: 'Log in' }).click()
    await page.getByText('the token was refused').waitFor()
    await screenshot(page, '01-login')
    await page.locator('#token').fill(a.token)
    await page.getByRole('button', { name: 'Log in' }).click()
    await page.getByRole('heading', { name: 'Contexts' }).waitFor()
    errors.length = 0 // the wrong token's 401s were expected
    assert.equal(await page.evaluate(() => sessionStorage.getItem('moorage.token')), a.token)
    assert.ok(!page.url().includes(a.token))
  })

  it('creates a context', async () => {
    await page.getByRole('button', { name: 'Create context' }).click()
    await page.locator('dl.facts').waitFor()
    const contexts = (await a.call('GET', '/admin/contexts')).json.contexts
    assert.equal(contexts.length, 1)
    ctx = contexts[0].id
    await page.getByText(`Context ${ctx.slice(0, 16)}`).waitFor()
    await screenshot(page, '02-context')
  })

  let bIdentity = ''
  it('invites the second node, shows the string and its QR code, and sees it join', async () => {
    bIdentity = (await b.node.newIdentity()).publicKey
    await page.locator('#invitee').fill(bIdentity)
    await page.getByRole('button', { name: 'Invite', exact: true }).click()
    const invitation = await page.locator('textarea.invitation-string').inputValue()
    assert.match(invitation, /^moorinv/)
    assert.ok(await page.locator('svg.qr path').count() === 1)
    await screenshot(page, '03-invitation')
    await b.node.join(invitation)
    await page.locator(`tr[data-identity="${bIdentity}"]`).waitFor()
  })

  it("shows the second node's writes live", async () => {
    await b.call(ctx, 'set', { key: 'from-b', value: '1' })
    const head = b.node.syncStatus(ctx).heads[0]
    await page.locator('ol.feed li.feed-delta', { hasText: 'received' }).first().waitFor()
    await page.locator('ol.feed').getByText(head.slice(0, 12)).first().waitFor()
    await until('A has B\'s delta', () => a.node.getContext(ctx).deltaCount === b.node.getContext(ctx).deltaCount)
    await page.locator('dd.delta-count', { hasText: String(a.node.getContext(ctx).deltaCount) }).waitFor()
    await screenshot(page, '04-live-deltas')
  })

  it("approves the second admin's proposal", async () => {
    // B becomes admin and two approvals are needed: B's proposal waits for A's.
    await a.node.propose(ctx, [{ type: 'addAdmin', identity: bIdentity }])
    await a.node.propose(ctx, [{ type: 'setThreshold', threshold: 2 }])
    await until('B sees threshold 2', () => b.node.governance(ctx).threshold === 2)
    const proposal = await b.node.propose(ctx, [{ type: 'removeAdmin', identity: bIdentity }])
    assert.equal(proposal.status, 'open')
    await page.getByRole('button', { name: 'Proposals' }).click()
    const row = page.locator(`tr[data-proposal="${proposal.id}"]`)
    await row.waitFor()
    assert.match(await row.innerText(), /1\/2/)
    await screenshot(page, '05-proposal')
    await row.getByRole('button', { name: 'Approve' }).click()
    await row.waitFor({ state: 'detached' })
    assert.equal(a.node.proposal(ctx, proposal.id).status, 'executed')
    assert.equal(a.node.members(ctx).find((m) => m.identity === bIdentity)?.role, 'member')
  })

  it('removes the second node; the audit lists every operation', async () => {
    await page.getByRole('button', { name: 'Members & invitations' }).click()
    const row = page.locator(`tr[data-identity="${bIdentity}"]`)
    await row.getByRole('button', { name: 'Remove' }).click()
    await row.waitFor({ state: 'detached' })
    assert.equal(a.node.members(ctx).some((m) => m.identity === bIdentity), false)
    await until('B knows it was removed', () => b.node.getContext(ctx).removed !== null)
    // The removal rotated the group key: the facts show A holding the new one.
    assert.equal(a.node.syncStatus(ctx).awaitingKey, false)
    await page.locator('dd.key-epoch', { hasText: new RegExp(`^${a.node.syncStatus(ctx).keyEpochNumber} *$`) }).waitFor()
    await page.getByRole('button', { name: 'Governance audit' }).click()
    await page.locator('table.audit tbody tr').first().waitFor()
    assert.ok(await page.locator('table.audit tbody tr').count() >= 6)
    await screenshot(page, '06-audit')
    await page.getByRole('button', { name: 'Peers' }).click()
    await page.locator('table.peers').waitFor()
    assert.deepEqual(errors, [])
  })
})
