'use strict'
// Monitoring in a service (issue #18): the Express example logs from its
// request handler what logging the same rows directly logs, and a process
// ended by SIGTERM, SIGINT or a normal exit flushes what it had buffered
// (the same cases as mlops-py/tests/test_monitor_service.py).
const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const readline = require('node:readline')
const { spawn } = require('node:child_process')
const { Registry, monitor } = require('..')
const { createApp, score, asTable } = require('../examples/monitor_express')

const HOUR = 3_600_000

/** A seeded generator of uniform numbers in [0, 1) (mulberry32). */
function uniform(seed) {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** `n` request rows, event times (whole seconds) in the three hours from `firstHour`. */
function rows(rand, n, firstHour, firstId) {
  return Array.from({ length: n }, (_, j) => ({
    request_id: firstId + j,
    event_time: new Date(firstHour + Math.floor(rand() * 3 * 3600) * 1000).toISOString(),
    x1: rand() * 4 - 2,
    x2: j % 7 === 3 ? null : 5 + rand() * 4,
    country: ['de', 'fr', 'us'][Math.floor(rand() * 3)],
  }))
}

function tmpdir(name) {
  return fs.mkdtempSync(path.join(os.tmpdir(), `mlops-node-${name}-`))
}

const sorted = (table) =>
  table
    .toArray()
    .map((r) => r.toJSON())
    .sort((a, b) => a.window_start - b.window_start || (a.segment < b.segment ? -1 : a.segment > b.segment ? 1 : 0))

test('the Express example logs from its handler what logging the same rows directly logs', async (t) => {
  const dir = tmpdir('express')
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }))
  const store = path.join(dir, 'store')
  const rand = uniform(18)
  // Three whole hours before the current one: on time (48 h lateness).
  const firstHour = Math.floor(Date.now() / HOUR) * HOUR - 3 * HOUR
  const reg = new Registry(store)
  const ref = rows(rand, 3000, firstHour - 24 * HOUR, -1_000_000).map((r) => ({ ...r, x2: 5 + rand() * 4 }))
  assert.equal(await reg.commitDataset('churn-train', asTable(ref, ref.map(score))), 1)

  const { app, monitor: served } = await createApp({ store, reference: ['churn-train', 1] })
  const server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s))
  })
  const base = `http://127.0.0.1:${server.address().port}`
  const sizes = [1, 1000, ...Array.from({ length: 28 }, () => 1 + Math.floor(rand() * 1000))]
  const bodies = []
  let nextId = 0
  for (const n of sizes) {
    const body = { rows: rows(rand, n, firstHour, nextId) }
    nextId += n
    bodies.push(body)
    const r = await fetch(`${base}/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
    assert.equal(r.status, 200)
    const got = await r.json()
    assert.equal(got.monitored, n)
    assert.deepEqual(got.scores, body.rows.map(score))
  }
  const bad = await fetch(`${base}/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"rows": 1}' })
  assert.equal(bad.status, 400)
  const metrics = await fetch(`${base}/metrics`)
  assert.match(metrics.headers.get('content-type'), /^text\/plain; version=0\.0\.4/)
  const text = await metrics.text()
  const om = await fetch(`${base}/metrics`, { headers: { accept: 'application/openmetrics-text; version=1.0.0' } })
  assert.match(om.headers.get('content-type'), /^application\/openmetrics-text/)
  assert.ok((await om.text()).endsWith('# EOF\n'))
  await new Promise((resolve) => server.close(resolve))
  await served.flush()

  // The same requests' rows logged directly, request by request.
  const direct = await monitor('direct', {
    reference: ['churn-train', 1],
    timestamp: 'event_time',
    prediction: 'score',
    id: 'request_id',
    segments: ['country'],
    window: '1h',
    store,
  })
  for (const body of bodies) await direct.log(asTable(body.rows, body.rows.map(score)))

  const got = sorted(await (await monitor('churn-prod', { store })).results())
  const want = sorted(await direct.results())
  const perWindow = [0, 0, 0]
  const nulls = [0, 0, 0]
  for (const body of bodies) {
    for (const r of body.rows) {
      const h = Math.floor((Date.parse(r.event_time) - firstHour) / HOUR)
      perWindow[h] += 1
      if (r.x2 === null) nulls[h] += 1
    }
  }
  const overall = got.filter((r) => r.segment === '')
  assert.deepEqual(
    overall.map((r) => r.window_start),
    [0, 1, 2].map((h) => firstHour + h * HOUR),
  )
  assert.deepEqual(
    overall.map((r) => r.rows),
    perWindow,
  )
  overall.forEach((r, h) => assert.ok(Math.abs(r['null_ratio.x2'] - nulls[h] / perWindow[h]) < 1e-12))
  for (const r of overall) {
    for (const figure of ['drift.share', 'drift.score.x1', 'drift.score.score', 'out_of_range_ratio', 'null_ratio']) {
      assert.equal(typeof r[figure], 'number', figure)
      assert.ok(!Number.isNaN(r[figure]), figure)
    }
  }
  assert.equal(got.length, 3 * 4) // '' and the three countries
  assert.deepEqual(
    got.map((r) => [r.window_start, r.segment]),
    want.map((r) => [r.window_start, r.segment]),
  )
  // Quantile sketches depend on how rows were grouped (the monitor's
  // thread joins what requests queued; direct logging did not): drift
  // scores (p-values, distances) of numeric columns agree within the
  // sketches' error, and verdicts wherever no score is near the 0.05 or
  // 0.1 thresholds. Every other figure is exact.
  got.forEach((g, i) => {
    const w = want[i]
    assert.deepEqual(Object.keys(g).sort(), Object.keys(w).sort())
    const near = new Set(
      Object.keys(g)
        .filter((k) => k.startsWith('drift.score.'))
        .filter((k) => Math.min(g[k], w[k]) < 0.1 && Math.max(g[k], w[k]) >= 0.02)
        .map((k) => k.slice('drift.score.'.length)),
    )
    for (const k of Object.keys(g)) {
      if (k.startsWith('drift.score.')) {
        assert.ok(Math.abs(g[k] - w[k]) <= 0.05 * (1 + Math.abs(w[k])), `${g.window_start} ${g.segment} ${k}: ${g[k]} vs ${w[k]}`)
      } else if (k.startsWith('drift.detected.') && near.has(k.slice('drift.detected.'.length))) {
        continue
      } else if (['drift.share', 'drift.count', 'drift.detected'].includes(k) && near.size > 0) {
        continue
      } else if (typeof g[k] === 'number' && !Number.isInteger(g[k])) {
        assert.ok(Math.abs(g[k] - w[k]) <= 1e-9 * Math.max(1, Math.abs(w[k])), `${g.window_start} ${g.segment} ${k}: ${g[k]} vs ${w[k]}`)
      } else {
        assert.deepEqual(g[k], w[k], k)
      }
    }
  })
  const total = perWindow.reduce((a, b) => a + b, 0)
  assert.ok(text.includes(`mlops_monitor_rows_total{monitor="churn-prod"} ${total}.0\n`), text)
})

// A process that opens a monitor, logs 10 rows, prints "logged" and then
// exits (mode "exit") or waits for a signal; mode "own" first sets a
// SIGTERM listener of its own that exits with status 3.
const CHILD = `
const { monitor } = require(${JSON.stringify(path.join(__dirname, '..'))})
const { vectorFromArray, makeTable, TimestampMillisecond, Float64 } = require(${JSON.stringify(require.resolve('apache-arrow'))})
;(async () => {
  const [store, mode] = process.argv.slice(1)
  if (mode === 'own') process.on('SIGTERM', () => process.exit(3))
  const m = await monitor('m', { timestamp: 't', store })
  const t0 = Date.UTC(2026, 10, 2)
  m.setClock(t0 + 3 * 3600000)
  await m.log(makeTable({ t: vectorFromArray(Array(10).fill(t0), new TimestampMillisecond('UTC')), x: vectorFromArray(Array(10).fill(1), new Float64()) }))
  console.log('logged')
  if (mode !== 'exit') setInterval(() => {}, 1000)
})()
`

for (const [mode, signal, code] of [
  ['exit', null, 0],
  ['wait', 'SIGTERM', null],
  ['wait', 'SIGINT', null],
  ['own', 'SIGTERM', 3],
]) {
  test(`${signal ?? 'a normal exit'}${mode === 'own' ? ' with the application listening' : ''} flushes what was buffered`, async (t) => {
    const dir = tmpdir('exit')
    t.after(() => fs.rmSync(dir, { recursive: true, force: true }))
    const store = path.join(dir, 'store')
    const p = spawn(process.execPath, ['-e', CHILD, store, mode], { stdio: ['ignore', 'pipe', 'inherit'] })
    const exited = new Promise((resolve) => p.on('exit', (c, s) => resolve([c, s])))
    for await (const line of readline.createInterface({ input: p.stdout })) {
      if (line === 'logged') break
    }
    if (signal) p.kill(signal)
    // The signal still ends the process as it would have (or the
    // application's own listener does).
    assert.deepEqual(await exited, [code, code === null ? signal : null])
    const state = await (await monitor('m', { store })).state()
    assert.deepEqual(
      state.windows.map((w) => w.rows),
      [10],
    )
  })
}
