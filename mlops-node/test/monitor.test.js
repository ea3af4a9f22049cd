'use strict'
// Production monitoring from Node: a reference data set committed to the
// registry, hourly batches with drift injected from hour 3, labels that
// arrive two hours late joined by id, future-dated and timeless rows
// counted, coded errors naming the column, and a monitor reopened with
// other settings refused (the same cases as mlops-py/tests/test_monitor.py).
const test = require('node:test')
const assert = require('node:assert/strict')
const { tableFromArrays, vectorFromArray, makeTable, TimestampMillisecond, Float64, Int32, Utf8 } = require('apache-arrow')
const mlops = require('..')
const { Registry, monitor, monitors } = mlops

const HOUR = 3_600_000
/** 2026-11-02T00:00:00Z. */
const START = Date.UTC(2026, 10, 2)
const ROWS = 500

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

/** A table of the given columns: times in milliseconds (null: none) as UTC timestamps. */
function table({ times, ids, x, cat, score, label }) {
  const cols = { event_time: vectorFromArray(times, new TimestampMillisecond('UTC')) }
  if (ids) cols.request_id = vectorFromArray(ids, new Int32())
  if (x) cols.x = vectorFromArray(x, new Float64())
  if (cat) cols.cat = vectorFromArray(cat, new Utf8())
  if (score) cols.score = vectorFromArray(score, new Float64())
  if (label) cols.label = vectorFromArray(label, new Int32())
  return makeTable(cols)
}

/** An hour of traffic at `t0`: x ~ N(shift, 1), a category, the score, and the labels (which follow x). */
function traffic(rand, t0, shift, firstId) {
  const times = []
  const ids = []
  const x = []
  const cat = []
  const score = []
  const label = []
  for (let i = 0; i < ROWS; i++) {
    times.push(t0 + Math.floor((i * HOUR) / ROWS))
    ids.push(firstId + i)
    const xi = shift + Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand())
    x.push(xi)
    cat.push(['a', 'b', 'c'][Math.floor(rand() * 3)])
    const p = 1 / (1 + Math.exp(-xi))
    score.push(p)
    label.push(rand() < p ? 1 : 0)
  }
  return {
    batch: { times, ids, x, cat, score },
    labels: tableFromArrays({ request_id: Int32Array.from(ids), label: Int32Array.from(label) }),
    label,
  }
}

async function withReference() {
  const reg = new Registry('memory://', { principal: 'ana' })
  const rand = uniform(7)
  const cols = { times: [], ids: [], x: [], cat: [], score: [], label: [] }
  for (let h = 0; h < 24; h++) {
    const t = traffic(rand, START - (24 - h) * HOUR, 0, h * 10_000)
    for (const k of ['times', 'ids', 'x', 'cat', 'score']) cols[k].push(...t.batch[k])
    cols.label.push(...t.label)
  }
  assert.equal(await reg.commitDataset('churn-train', table(cols)), 1)
  return reg
}

const settings = (reg, more = {}) => ({
  reference: ['churn-train', 1],
  timestamp: 'event_time',
  prediction: 'score',
  target: 'label',
  id: 'request_id',
  segments: ['cat'],
  store: reg,
  ...more,
})

test('hourly traffic: windows, drift from hour 3, labels joined two hours late', async () => {
  const reg = await withReference()
  const mon = await monitor('churn-prod', settings(reg))
  assert.equal(mon.name, 'churn-prod')
  assert.equal(mon.config.window_secs, 3600)
  assert.deepEqual(mon.config.reference, { name: 'churn-train', version: 1 })
  const rand = uniform(11)
  const hours = 6
  const labels = []
  for (let h = 0; h < hours; h++) {
    const t0 = START + h * HOUR
    mon.setClock(new Date(t0 + HOUR))
    const t = traffic(rand, t0, h >= 3 ? 2 : 0, 1_000_000 + h * 10_000)
    assert.equal(await mon.log(table(t.batch)), ROWS)
    labels.push(t.labels)
    if (h >= 2) {
      assert.deepEqual(await mon.logLabels(labels[h - 2]), { joined: ROWS, unknownIds: 0, duplicates: 0, nulls: 0 })
    }
  }
  const results = await mon.results(START + hours * HOUR)
  const rows = results.toArray().map((r) => r.toJSON())
  const all = rows.filter((r) => r.segment === '')
  assert.equal(all.length, hours)
  all.forEach((w, h) => {
    assert.equal(w.window_start, START + h * HOUR)
    assert.equal(w.rows, ROWS)
    assert.equal(w.null_ratio, 0)
    assert.equal(w['drift.detected.x'], h >= 3 ? 1 : 0, `hour ${h}`)
    assert.equal(w['drift.detected.cat'], 0)
    assert.equal(w['labels.count'], h < hours - 2 ? ROWS : 0)
    assert.equal(w.is_final, false)
  })
  const first = rows.filter((r) => r.window_start === START)
  assert.deepEqual(first.map((r) => r.segment), ['', 'cat=a', 'cat=b', 'cat=c'])
  assert.equal(first.slice(1).reduce((a, r) => a + r.rows, 0), ROWS)
  // Past the allowed lateness (the engine's 48h) every window is final.
  const later = await mon.results(new Date(START + (hours + 48) * HOUR))
  assert.ok(later.getChild('is_final').toArray().every((f) => f === true))
  const state = await mon.state()
  assert.equal(state.name, 'churn-prod')
  const windows = state.windows.filter((w) => w.segment === '')
  assert.deepEqual(windows.map((w) => w.rows), Array(hours).fill(ROWS))
  assert.equal(windows[0].labels, ROWS)
  assert.deepEqual(await monitors({ store: reg }), ['churn-prod'])
  assert.deepEqual(await reg.monitors(), ['churn-prod'])
})

test('future-dated, too late and timeless rows are counted, not placed', async () => {
  const reg = await withReference()
  const mon = await monitor('m', settings(reg))
  const now = START + 100 * HOUR
  mon.setClock(now)
  const times = [now - HOUR, now - 40 * HOUR, now - 60 * HOUR, now + 60_000, now + 2 * HOUR, null]
  const n = times.length
  const placed = await mon.log(
    table({ times, ids: [0, 1, 2, 3, 4, 5], x: Array(n).fill(0), cat: Array(n).fill('a'), score: Array(n).fill(0.5) }),
  )
  assert.equal(placed, 3)
  const got = await mon.logLabels(
    makeTable({ request_id: vectorFromArray([0, 0, 999, null], new Int32()), label: vectorFromArray([1, 1, 0, 1], new Int32()) }),
  )
  assert.deepEqual(got, { joined: 1, unknownIds: 1, duplicates: 1, nulls: 1 })
  const all = (await mon.results(now))
    .toArray()
    .map((r) => r.toJSON())
    .filter((r) => r.segment === '')
  assert.deepEqual(
    all.map((r) => (r.window_start - now) / HOUR),
    [-40, -1, 0],
  )
  const current = all[2]
  assert.equal(current['rejected.too_late'], 1)
  assert.equal(current['rejected.future'], 1)
  assert.equal(current['rejected.no_timestamp'], 1)
  assert.equal(current['rejected.unknown_ids'], 1)
  assert.equal(all[1]['labels.count'], 1)
})

test('wrong calls are coded errors naming what is wrong', async () => {
  const reg = await withReference()
  const mon = await monitor('churn-prod', settings(reg))
  const code = (c, re) => (e) => e.code === c && re.test(e.message)
  await assert.rejects(mon.log(tableFromArrays({ x: Float64Array.from([1]) })), code('INVALID_INPUT', /'event_time'/))
  await assert.rejects(
    mon.log(table({ times: [START], ids: [1], x: [1], score: [0.5] })),
    code('INVALID_INPUT', /segment column 'cat'/),
  )
  await assert.rejects(mon.logLabels(tableFromArrays({ request_id: Int32Array.from([1]) })), code('INVALID_INPUT', /'label'/))
  await assert.rejects(mon.log(42), code('INVALID_INPUT', /log expects/))
  assert.throws(() => mon.setClock('now'), code('INVALID_INPUT', /setClock expects/))
  assert.throws(() => mon.setClock(1.5), code('INVALID_INPUT', /now: 1.5/))
  // Reopening with other settings names the first that differs; with none, the same monitor.
  await assert.rejects(monitor('churn-prod', { window: '15m', store: reg }), code('CONFLICT', /'window'/))
  assert.deepEqual((await monitor('churn-prod', { store: reg })).config, mon.config)
  await assert.rejects(monitor('m2', settings(reg, { window: '1 hour' })), code('INVALID_INPUT', /'window'/))
  await assert.rejects(monitor('m3', { store: reg }), code('INVALID_INPUT', /'timestamp'/))
  await assert.rejects(
    monitor('m4', settings(reg, { reference: ['model', 'churn-train', 1] })),
    code('INVALID_INPUT', /'reference'.*dataset/),
  )
  await assert.rejects(monitor('m5', settings(reg, { task: 'ranking' })), code('INVALID_INPUT', /'task'/))
  await assert.rejects(monitor('m6', settings(reg, { maxSegments: -1 })), code('INVALID_INPUT', /maxSegments/))
  await assert.rejects(monitor('m7', settings(reg, { allowed_lateness: '1h' })), code('INVALID_INPUT', /unknown monitor option 'allowed_lateness'/))
  await assert.rejects(monitor('m8', settings(reg, { drift: { driftShare: 2 } })), code('INVALID_INPUT', /drift_share/))
  await assert.rejects(monitor('m9', settings(reg, { reference: ['no-such-data', 'latest'] })), code('NOT_FOUND', /no-such-data/))
  assert.deepEqual(await monitors({ store: reg }), ['churn-prod'])
})

test('rules alert once, ask for retraining, and show in the Prometheus text and the dashboard', async () => {
  const fs = require('node:fs')
  const os = require('node:os')
  const path = require('node:path')
  const reg = await withReference()
  const mon = await monitor('alerts', settings(reg))
  assert.equal(await mon.rule('drift.share > 0.3 for 2 windows', { severity: 'critical' }), 'drift_share_0_3_for_2_windows')
  await assert.rejects(mon.rule('drift.share >> 0.3'), (e) => e.code === 'INVALID_INPUT' && /at 14/.test(e.message))
  const fired = []
  mon.onAlert((a) => fired.push(a))
  const rand = uniform(5)
  for (let h = 0; h < 6; h++) {
    const t0 = START + h * HOUR
    mon.setClock(t0 + HOUR)
    await mon.log(table(traffic(rand, t0, h >= 3 ? 2 : 0, 5_000_000 + h * 10_000).batch))
    const report = await mon.check()
    assert.equal(report.retrainRequests.length, h === 4 ? 1 : 0, `hour ${h}`)
  }
  const hour = (h) => (START + h * HOUR) / 1000
  assert.deepEqual(
    fired.map((a) => [a.rule, a.state, a.window, a.windows]),
    [['drift_share_0_3_for_2_windows', 'firing', hour(4), [hour(3), hour(4)]]],
  )
  assert.equal(fired[0].retrainRequested, fired[0].seq + 1)
  const text = await mon.prometheusText()
  assert.match(text, /mlops_monitor_alert_firing\{monitor="alerts",rule="drift_share_0_3_for_2_windows",severity="critical"\} 1\.0\n/)
  assert.match(text, /mlops_monitor_rows_total\{monitor="alerts"\} 3000\.0\n/)
  assert.ok((await mon.prometheusText('openmetrics')).endsWith('# EOF\n'))
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlops-monitor-'))
  assert.equal(await mon.report(path.join(dir, 'monitor.html')), 3)
  assert.match(fs.readFileSync(path.join(dir, 'monitor.html'), 'utf8'), /<h3>drift.share<\/h3>/)
  fs.rmSync(dir, { recursive: true })
})
