'use strict'
// The retraining trigger from Node (issue #18, point 5): a retrain request
// posted to a webhook that a real local HTTP server receives and verifies
// with Node's own crypto.createHmac; an unreachable webhook reported while
// the check succeeds; a run and its model linking back to the request in
// lineage (the same cases as mlops-py/tests/test_monitor_trigger.py).
const test = require('node:test')
const assert = require('node:assert/strict')
const crypto = require('node:crypto')
const http = require('node:http')
const net = require('node:net')
const { vectorFromArray, makeTable, TimestampMillisecond, Float64 } = require('apache-arrow')
const mlops = require('..')

const T0 = Date.UTC(2026, 10, 2)
const code = (c, re) => (e) => e.code === c && re.test(e.message)

/** Monitor `m` whose critical rule `rows > 2` fires on its first window. */
async function firingMonitor(reg) {
  const mon = await mlops.monitor('m', { timestamp: 't', store: reg })
  mon.setClock(T0 + 2 * 3_600_000)
  await mon.rule('rows > 2', { name: 'busy', severity: 'critical' })
  const times = [0, 1, 2].map((i) => T0 + i * 60_000)
  await mon.log(makeTable({ t: vectorFromArray(times, new TimestampMillisecond('UTC')), x: vectorFromArray([1, 2, 3], new Float64()) }))
  return mon
}

test('a retrain request is posted to the webhook, signed', async () => {
  const received = []
  const server = http.createServer((req, res) => {
    const chunks = []
    req.on('data', (c) => chunks.push(c))
    req.on('end', () => {
      received.push({ url: req.url, headers: req.headers, body: Buffer.concat(chunks) })
      res.writeHead(200).end('ok')
    })
  })
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  try {
    process.env.MLOPS_NODE_HOOK_SECRET = 'node-secret'
    const reg = new mlops.Registry('memory://')
    const mon = await firingMonitor(reg)
    await mon.webhook(`http://127.0.0.1:${server.address().port}/hook`, { secretEnv: 'MLOPS_NODE_HOOK_SECRET' })
    const fired = []
    mon.onAlert((a) => fired.push(a))
    const report = await mon.check()
    assert.equal(report.retrainRequests.length, 1)
    const req = report.retrainRequests[0]
    assert.equal(req.cause, `monitor:m@${req.seq}`)
    assert.equal(fired[0].cause, req.cause)
    assert.deepEqual(
      { delivered: req.webhook.delivered, status: req.webhook.status, attempts: req.webhook.attempts, error: req.webhook.error },
      { delivered: true, status: 200, attempts: 1, error: null },
    )
    assert.equal(received.length, 1)
    const { url, headers, body } = received[0]
    assert.equal(url, '/hook')
    const expected = 'sha256=' + crypto.createHmac('sha256', 'node-secret').update(body).digest('hex')
    assert.ok(crypto.timingSafeEqual(Buffer.from(headers['x-mlops-signature']), Buffer.from(expected)))
    assert.equal(headers['x-mlops-event-id'], `m:${req.seq}`)
    assert.equal(headers['x-mlops-event'], 'retrain_requested')
    assert.equal(headers['content-type'], 'application/json')
    const payload = JSON.parse(body)
    assert.deepEqual(
      [payload.monitor, payload.rule, payload.severity, payload.retrain, payload.alert, payload.windows],
      ['m', 'busy', 'critical', req.seq, req.alert, [T0 / 1000]],
    )
    const state = await mon.state()
    assert.equal(state.webhook.secret_env, 'MLOPS_NODE_HOOK_SECRET')
    assert.deepEqual(state.deliveries.map((d) => [d.retrain, d.delivered, d.status]), [[req.seq, true, 200]])
    assert.ok(!JSON.stringify(state).includes('node-secret'))
  } finally {
    delete process.env.MLOPS_NODE_HOOK_SECRET
    await new Promise((resolve) => server.close(resolve))
  }
})

test('an unreachable webhook is reported and the check succeeds', async () => {
  const reg = new mlops.Registry('memory://')
  const mon = await firingMonitor(reg)
  await assert.rejects(mon.webhook('gopher://x', { secretEnv: 'X' }), code('INVALID_INPUT', /'url'/))
  await assert.rejects(mon.webhook('http://127.0.0.1/', {}), code('INVALID_INPUT', /'secret_env'/))
  // A port nobody listens on: take a free one, then close it.
  const probe = net.createServer()
  await new Promise((resolve) => probe.listen(0, '127.0.0.1', resolve))
  const port = probe.address().port
  await new Promise((resolve) => probe.close(resolve))
  process.env.MLOPS_NODE_HOOK_SECRET_2 = 'x'
  try {
    await mon.webhook(`http://127.0.0.1:${port}/`, { secretEnv: 'MLOPS_NODE_HOOK_SECRET_2' })
    const report = await mon.check()
    const hook = report.retrainRequests[0].webhook
    assert.equal(hook.delivered, false)
    assert.equal(hook.status, null)
    assert.equal(hook.attempts, 3)
    assert.match(hook.error, /127\.0\.0\.1/)
    assert.equal((await mon.state()).deliveries[0].delivered, false)
  } finally {
    delete process.env.MLOPS_NODE_HOOK_SECRET_2
  }
})

test('a run and its model link back to the retrain request', async () => {
  const reg = new mlops.Registry('memory://')
  const mon = await firingMonitor(reg)
  const cause = (await mon.check()).retrainRequests[0].cause
  await assert.rejects(mlops.startRun('churn', { store: reg, cause: 'monitor:m@1' }), code('NOT_FOUND', /no retrain request 1/))
  await assert.rejects(mlops.startRun('churn', { store: reg, cause: 'm@1' }), code('INVALID_INPUT', /cause/))
  const run = await mlops.startRun('churn', { store: reg, cause })
  const v = await reg.add('model', 'churn', 'weights')
  await run.recordOutput('model', 'churn', v)
  await run.end('finished')
  assert.equal((await reg.run(run.id)).cause, cause)
  const model = await reg.asset('model', 'churn')
  assert.deepEqual(model.causes, [{ version: 1, cause, run: run.id }])
  const links = (await mon.state()).retrained.map((l) => [l.run, l.asset])
  assert.deepEqual(links, [
    [run.id, null],
    [run.id, { kind: 'model', name: 'churn', version: 1 }],
  ])
  await reg.add('model', 'churn', 'weights 2')
  await reg.lineage({ kind: 'model', name: 'churn', version: 2 }, [], { cause })
  assert.deepEqual((await reg.asset('model', 'churn')).causes.map((c) => c.version), [1, 2])
})
