// GET /metrics: token-protected Prometheus text that parses strictly, and whose counters
// move with traffic.
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { reasonLabel } from '../../src/log/metrics.ts'
import { kvWasm, startApi, type TestApi } from '../helpers/api-server.ts'

interface Sample { name: string, labels: Record<string, string>, value: number }

/** Prometheus text format 0.0.4, strictly: every sample belongs to a family with HELP and TYPE. */
function parsePrometheus (text: string): Sample[] {
  const types = new Map<string, string>()
  const helps = new Set<string>()
  const samples: Sample[] = []
  const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (-?[0-9.e+-]+|NaN|\+Inf|-Inf)( -?[0-9]+)?$/
  const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"(,|$)/y
  for (const line of text.split('\n')) {
    if (line === '') continue
    let m = /^# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) .*$/.exec(line)
    if (m != null) { helps.add(m[1]!); continue }
    m = /^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped)$/.exec(line)
    if (m != null) {
      assert.ok(!types.has(m[1]!), `TYPE of ${m[1]} given twice`)
      types.set(m[1]!, m[2]!); continue
    }
    assert.ok(!line.startsWith('#'), `a comment line that is neither HELP nor TYPE: ${line}`)
    m = SAMPLE.exec(line)
    assert.ok(m != null, `not a sample line: ${line}`)
    const labels: Record<string, string> = {}
    if (m[3] !== undefined && m[3] !== '') {
      LABEL.lastIndex = 0
      while (LABEL.lastIndex < m[3].length) {
        const l = LABEL.exec(m[3])
        assert.ok(l != null, `bad labels in ${line}`)
        labels[l[1]!] = l[2]!
      }
    }
    const name = m[1]!
    const family = types.has(name) ? name : name.replace(/_(bucket|sum|count|total|created)$/, '')
    assert.ok(types.has(family) || types.has(name), `sample ${name} has no TYPE`)
    assert.ok(helps.has(family) || helps.has(name), `sample ${name} has no HELP`)
    const value = Number(m[4]!.replace('+Inf', 'Infinity').replace('-Inf', '-Infinity'))
    assert.ok(m[4] === 'NaN' || !Number.isNaN(value), `bad value in ${line}`)
    samples.push({ name, labels, value })
  }
  return samples
}

function value (samples: Sample[], name: string, labels: Record<string, string> = {}): number {
  return samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
    .reduce((n, s) => n + s.value, 0)
}

describe('GET /metrics', () => {
  let api: TestApi
  const scrape = async (): Promise<Sample[]> => {
    const res = await api.call('GET', '/metrics')
    assert.equal(res.status, 200, res.text)
    assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/)
    return parsePrometheus(res.text)
  }
  before(async () => { api = await startApi() })
  after(async () => { await api.close() })

  it('needs the token', async () => {
    const res = await api.call('GET', '/metrics', { noAuth: true })
    assert.equal(res.status, 401)
  })

  it('parses as Prometheus text and its counters move with traffic', async () => {
    const before = await scrape()
    assert.ok(value(before, 'process_resident_memory_bytes') > 0 || value(before, 'moor_process_rss_bytes') > 0)
    assert.ok(value(before, 'moor_process_rss_bytes') > 0)
    assert.equal(value(before, 'moor_contexts'), 0)

    const app = await api.call('POST', '/admin/applications', { body: kvWasm(), headers: { 'content-type': 'application/wasm' } })
    const ctx = (await api.call('POST', '/admin/contexts', { body: { applicationId: app.json.id } })).json.id as string
    for (let i = 0; i < 3; i++) {
      const call = await api.call('POST', '/jsonrpc', { body: { jsonrpc: '2.0', id: i, method: 'execute', params: { contextId: ctx, method: 'set', args: { key: `k${i}`, value: 'v' } } } })
      assert.equal(call.status, 200, call.text)
    }
    await api.call('GET', '/admin/contexts/nope')

    const afterTraffic = await scrape()
    const rpc = { method: 'POST', route: '/jsonrpc', status: '200' }
    assert.equal(value(afterTraffic, 'moor_api_requests_total', rpc) - value(before, 'moor_api_requests_total', rpc), 3)
    assert.equal(value(afterTraffic, 'moor_api_request_duration_seconds_count', { method: 'POST', route: '/jsonrpc' }) - value(before, 'moor_api_request_duration_seconds_count', { method: 'POST', route: '/jsonrpc' }), 3)
    assert.ok(value(afterTraffic, 'moor_api_requests_total', { route: '/admin/contexts/:id', status: '400' }) >= 1)
    assert.ok(value(afterTraffic, 'moor_deltas_total', { event: 'committed' }) - value(before, 'moor_deltas_total', { event: 'committed' }) >= 3)
    assert.ok(value(afterTraffic, 'moor_deltas_total', { event: 'sent' }) - value(before, 'moor_deltas_total', { event: 'sent' }) >= 3)
    assert.equal(value(afterTraffic, 'moor_contexts'), 1)
    assert.ok(value(afterTraffic, 'moor_context_deltas', { context: ctx }) >= 3)
    assert.equal(value(afterTraffic, 'moor_context_pending_deltas', { context: ctx }), 0)
    assert.ok(afterTraffic.some((s) => s.name === 'moor_peers'))
  })

  it('rejection reasons become labels of bounded variety', () => {
    assert.equal(reasonLabel(`author ${'ab'.repeat(6)} is not a member at the delta's governance point`), 'author … is not a member at the delta\'s governance point')
    assert.equal(reasonLabel('delta 1234 refused: 99 ms ahead'), 'delta … refused: … ms ahead')
    assert.ok(reasonLabel('x'.repeat(500)).length <= 80)
  })
})
