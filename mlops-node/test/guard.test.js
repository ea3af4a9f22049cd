'use strict'
// The serving guard (issue #20) from Node: requests checked against a
// package's signature from apache-arrow tables, IPC bytes and JSON bodies,
// problems as data (`err.problems`), observation into a monitor on a local
// folder store and into the rolling profile, and the Express example
// (examples/express_guard.js) on a loopback port answering 422 with every
// problem, never 500, never a coerced value (the same cases as
// mlops-py/tests/test_guard.py).
const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { tableFromArrays, tableToIPC, vectorFromArray, Int32, Float64 } = require('apache-arrow')
const { Guard, Package, monitor } = require('..')
const { createApp, predict } = require('../examples/express_guard')

const SIGNATURE = {
  inputs: [
    { name: 'age', type: 'Float64' },
    { name: 'tenure', type: 'Int64' },
    { name: 'plan', type: 'Utf8' },
    { name: 'monthly', type: 'Float64', nullable: true },
  ],
  outputs: [{ name: 'churn', type: 'Float64' }],
}

function tmpdir(name) {
  return fs.mkdtempSync(path.join(os.tmpdir(), `mlops-node-${name}-`))
}

async function churnPackage(t) {
  const dir = tmpdir('guard')
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }))
  const pkgDir = path.join(dir, 'pkg')
  fs.mkdirSync(pkgDir)
  fs.writeFileSync(path.join(pkgDir, 'model.json'), JSON.stringify({ bias: -1.5 }))
  const pkg = await Package.build(pkgDir, { name: 'churn', version: '1.0.0', flavor: 'custom', signature: SIGNATURE })
  return { pkg, dir }
}

test('check takes tables, IPC bytes and JSON and returns the inputs', async (t) => {
  const { pkg } = await churnPackage(t)
  const g = new Guard(pkg)
  const table = tableFromArrays({
    request_id: ['r1', 'r2'],
    monthly: vectorFromArray([29.9, null], new Float64()),
    plan: ['pro', 'free'],
    tenure: vectorFromArray([7, 0], new Int32()), // widened to Int64
    age: Float64Array.from([41, 23]),
  })
  const rows = [{ age: 41, tenure: 7, plan: 'pro', monthly: 29.9, request_id: 'r1' }, { age: 23, tenure: 0, plan: 'free' }]
  for (const data of [table, tableToIPC(table, 'stream'), rows, JSON.stringify(rows), { age: [41, 23], tenure: [7, 0], plan: ['pro', 'free'], monthly: [29.9, null] }]) {
    const x = g.check(data)
    assert.deepEqual(x.schema.fields.map((f) => f.name), ['age', 'tenure', 'plan', 'monthly'])
    assert.deepEqual(x.schema.fields.map((f) => String(f.type)), ['Float64', 'Int64', 'Utf8', 'Float64'])
    assert.deepEqual([...x.getChild('age').toArray()], [41, 23])
    assert.deepEqual([...x.getChild('tenure').toArray()], [7n, 0n])
    assert.deepEqual(x.getChild('monthly').toJSON(), [29.9, null])
  }
  assert.deepEqual(g.inputSchema, [
    { name: 'age', type: 'Float64' }, { name: 'tenure', type: 'Int64' }, { name: 'plan', type: 'Utf8' }, { name: 'monthly', type: 'Float64' },
  ])
  assert.deepEqual(g.signature.inputs.map((c) => c.name), ['age', 'tenure', 'plan', 'monthly'])
  assert.equal(g.monitor, null)
})

test('every problem is listed as data, JSON values are never coerced', async (t) => {
  const { pkg } = await churnPackage(t)
  const g = new Guard(pkg)
  const bad = tableFromArrays({ age: vectorFromArray([1, null, null], new Float64()), plan: Int32Array.from([1, 2, 3]), monthly: Float64Array.from([1, 2, 3]) })
  assert.throws(() => g.check(bad), (e) => {
    assert.equal(e.code, 'SIGNATURE')
    assert.deepEqual(e.problems, [
      { column: 'age', kind: 'nulls', expected: null, found: null, count: 2, first_row: 1, message: 'column age is not nullable but holds 2 null(s), the first at row 1' },
      { column: 'tenure', kind: 'missing_column', expected: null, found: null, count: null, first_row: null, message: 'column tenure is missing' },
      { column: 'plan', kind: 'type_mismatch', expected: 'Utf8', found: 'Int32', count: null, first_row: null, message: 'column plan is Int32, expected Utf8' },
    ])
    return true
  })
  assert.throws(() => g.check([{ age: '3', tenure: 1.5, plan: 'a', monthly: '1' }, { age: 2, tenure: 2, plan: null }]), (e) => {
    assert.deepEqual(e.problems.map((p) => [p.column, p.kind, p.found, p.count, p.first_row]), [
      ['age', 'bad_values', 'string', 1, 0],
      ['tenure', 'bad_values', 'non-integer number', 1, 0],
      ['plan', 'nulls', null, 1, 1],
      ['monthly', 'bad_values', 'string', 1, 0],
    ])
    return true
  })
  for (const [body, kind] of [['{', 'malformed'], [[], 'no_rows'], ['['.repeat(100000) + ']'.repeat(100000), 'malformed']]) {
    assert.throws(() => g.check(body), (e) => e.code === 'SIGNATURE' && e.problems[0].kind === kind)
  }
  assert.throws(() => g.check(42), (e) => e.code === 'INVALID_INPUT')
})

test('observe feeds the rolling profile and a monitor on a folder store', async (t) => {
  const { pkg, dir } = await churnPackage(t)
  const g = new Guard(pkg)
  const scores = []
  for (let i = 0; i < 30; i++) {
    const x = g.check(Array.from({ length: 1 + (i % 3) }, () => ({ age: 20 + i, tenure: i, plan: 'pro', monthly: 10 + i })))
    const y = predict(x)
    scores.push(...y)
    g.observe(x, y)
  }
  await g.flush()
  const p = g.profile()
  assert.equal(p.rowCount, scores.length)
  const mean = scores.reduce((a, b) => a + b, 0) / scores.length
  assert.ok(Math.abs(p.column('churn').mean - mean) < 1e-12, `${p.column('churn').mean} vs ${mean}`)
  const x = g.check([{ age: 1, tenure: 1, plan: 'a', monthly: null }])
  assert.throws(() => g.observe(x, [0.1, 0.2]), (e) => e.code === 'INVALID_INPUT' && /1 input row\(s\) but 2 prediction\(s\)/.test(e.message))
  g.observe(x, tableFromArrays({ churn: Float64Array.from([0.5]) }))
  await g.flush()
  assert.equal(g.profile().rowCount, scores.length + 1)

  const mon = await monitor('churn-prod', { timestamp: 'observed_at', store: path.join(dir, 'store') })
  const gm = new Guard(pkg, { monitor: mon })
  assert.equal(gm.monitor, mon)
  for (let i = 0; i < 25; i++) {
    const x = gm.check([{ age: 30, tenure: i, plan: 'a', monthly: null }, { age: 31, tenure: i, plan: 'b' }])
    gm.observe(x, predict(x))
  }
  await gm.flush()
  assert.equal(gm.profile(), null)
  const results = await mon.results()
  assert.equal(results.getChild('rows').toArray().reduce((a, b) => a + b, 0), 50)
})

test('the Express example answers 422 with every problem and never coerces', async (t) => {
  const { pkg } = await churnPackage(t)
  const { app, guard } = createApp(pkg)
  const server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s))
  })
  t.after(() => server.close())
  const url = `http://127.0.0.1:${server.address().port}/predict`
  const post = async (body, raw = false) => {
    const r = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: raw ? body : JSON.stringify(body) })
    return { status: r.status, json: await r.json() }
  }
  const good = [{ age: 41.5, tenure: 7, plan: 'pro', monthly: 29.9 }, { age: 23, tenure: 0, plan: 'free' }]
  const r = await post(good)
  assert.equal(r.status, 200)
  const expected = [41.5 * 0.04 - 7 * 0.03 + 29.9 * 0.02 - 1.5, 23 * 0.04 - 1.5].map((z) => 1 / (1 + Math.exp(-z)))
  r.json.predictions.forEach((p, i) => assert.ok(Math.abs(p - expected[i]) < 1e-12))
  const cols = await post({ age: [41.5], tenure: [7], plan: ['pro'], monthly: [29.9] })
  assert.deepEqual(cols.json.predictions, [r.json.predictions[0]])

  const cases = {
    missing: [[{ age: 1, plan: 'a', monthly: 1 }], [['tenure', 'missing_column']]],
    'wrong type': [[{ age: '3', tenure: 1, plan: 'a', monthly: 1 }], [['age', 'bad_values']]],
    null: [[{ age: null, tenure: 1, plan: 'a', monthly: null }], [['age', 'nulls']]],
    'all at once': [[{ age: null, plan: 5, monthly: '1.5' }], [['age', 'nulls'], ['tenure', 'missing_column'], ['plan', 'bad_values'], ['monthly', 'bad_values']]],
    empty: [[], [[null, 'no_rows']]],
    'not rows': [{ rows: [1] }, ['age', 'tenure', 'plan', 'monthly'].map((c) => [c, 'missing_column'])],
  }
  for (const [name, [body, problems]] of Object.entries(cases)) {
    const got = await post(body)
    assert.equal(got.status, 422, name)
    assert.deepEqual(got.json.problems.map((p) => [p.column, p.kind]), problems, name)
    assert.ok(got.json.problems.every((p) => p.message.length > 0))
  }
  const malformed = await post('{not json', true)
  assert.equal(malformed.status, 422)
  assert.equal(malformed.json.problems[0].kind, 'malformed')
  await guard.flush()
  assert.equal(guard.profile().rowCount, 3)
  const mean = (r.json.predictions[0] * 2 + r.json.predictions[1]) / 3
  assert.ok(Math.abs(guard.profile().column('churn').mean - mean) < 1e-12)
})
