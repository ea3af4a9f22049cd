'use strict'
// drift(): the shared drift vector against Evidently 0.7's answers (the same
// fixture the Rust and Python suites run), inputs, options and errors.
const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const path = require('node:path')
const { tableFromArrays } = require('apache-arrow')
const { drift, profile, DriftReport } = require('..')

const ROOT = path.join(__dirname, '..', '..')
const F = JSON.parse(fs.readFileSync(path.join(ROOT, 'tests', 'fixtures', 'evidently_drift.json'), 'utf8'))
const REF = path.join(ROOT, 'tests', 'vectors', 'drift', 'ref_1k.parquet')
const CUR = path.join(ROOT, 'tests', 'vectors', 'drift', 'strong_1k.parquet')

test('the shared drift vector agrees with Evidently', async () => {
  const ev = F.cases.find((c) => c.name === '1k_strong')
  const r = await drift(REF, CUR, { significanceGuard: false, nullTest: false })
  assert.ok(r instanceof DriftReport)
  assert.equal(r.columns.length, Object.keys(ev.columns).length)
  for (const [name, want] of Object.entries(ev.columns)) {
    const c = r.column(name)
    if (want.method === 'text') {
      assert.equal(c.column_type, 'text')
      continue
    }
    assert.equal(c.method, want.method, name)
    assert.ok(Math.abs(c.score - want.score) <= 1e-6, `${name}: ${c.score} vs ${want.score}`)
    assert.equal(c.value_drifted, want.drifted, name)
  }
  // Default options add the null-rate test (f7 drifts only in its share of nulls):
  // exactly the workload's ground truth (gen_tabular.py --list-drifted strong).
  const d = await drift(REF, CUR)
  assert.deepEqual(d.driftedColumns, ['f0', 'f1', 'f7', 'i1', 'c1', 'c2', 'b0', 'y_pred'])
  assert.equal(d.source, 'data')
  assert.equal(typeof d.datasetDrift, 'boolean')
})

test('tables, IPC bytes and profiles', async () => {
  const n = 3000
  const ref = tableFromArrays({
    x: Float64Array.from({ length: n }, (_, i) => (i * 7919) % 1000),
    k: Array.from({ length: n }, (_, i) => ['a', 'b', 'c'][i % 3]),
  })
  const cur = tableFromArrays({
    x: Float64Array.from({ length: n }, (_, i) => ((i * 7919) % 1000) + 300),
    k: Array.from({ length: n }, (_, i) => ['a', 'b', 'c'][i % 3]),
  })
  const r = await drift(ref, cur)
  assert.equal(r.column('x').method, 'wasserstein')
  assert.ok(r.column('x').drifted)
  assert.ok(!r.column('k').drifted)
  assert.deepEqual(r.driftedColumns, ['x'])
  assert.ok(r.datasetDrift) // 1 of 2 columns reaches the 0.5 share
  const fromProfiles = await drift(await profile(ref), await profile(cur))
  assert.equal(fromProfiles.source, 'profiles')
  assert.deepEqual(fromProfiles.driftedColumns, ['x'])
  assert.ok(fromProfiles.column('x').approximate)
  const html = r.toHtml()
  assert.ok(html.startsWith('<!DOCTYPE html>') && html.includes('<svg'))
  assert.equal(JSON.parse(r.toJson()).format, 'mlops.drift')
})

test('options and errors carry codes', async () => {
  const a = tableFromArrays({ x: Float64Array.from([1, 2, 3]), y: Float64Array.from([1, 2, 3]) })
  const b = tableFromArrays({ x: Float64Array.from([1, 2, 3]) })
  await assert.rejects(drift(a, b), (e) => e.code === 'SCHEMA_MISMATCH' && e.message.includes("'y'"))
  await assert.rejects(drift(a, a, { method: 't-test' }), (e) => e.code === 'INVALID_INPUT' && e.message.includes('t-test'))
  await assert.rejects(drift(a, a, { driftShare: 2 }), (e) => e.code === 'INVALID_INPUT' && e.message.includes('drift_share'))
  await assert.rejects(drift(a, a, { colums: ['x'] }), (e) => e.code === 'INVALID_INPUT' && e.message.includes('colums'))
  await assert.rejects(drift(a, a, { threshold: 'high' }), (e) => e.code === 'INVALID_INPUT' && e.message.includes('threshold'))
  await assert.rejects(drift(a, a, { perColumn: { x: { threshold: 'low' } } }), (e) => e.code === 'INVALID_INPUT' && e.message.includes('threshold'))
  // Options not given are the engine's defaults: the same report as with none.
  assert.deepEqual((await drift(a, a, {})).toJSON(), (await drift(a, a)).toJSON())
  await assert.rejects(drift('/nonexistent/a.parquet', '/nonexistent/b.parquet'), (e) => e.code === 'NOT_FOUND')
  await assert.rejects(drift(await profile(a), a), TypeError)
  const r = await drift(a, a, { perColumn: { x: { method: 'ks', threshold: 0.01 } }, correction: 'bonferroni' })
  assert.equal(r.column('x').method, 'ks')
  assert.equal(r.column('x').threshold, 0.01)
  assert.throws(() => r.column('nope'), (e) => e.code === 'NOT_FOUND')
})

test('non-finite options are refused naming the option', async () => {
  const a = tableFromArrays({ x: Float64Array.from([1, 2, 3]) })
  for (const [opts, name, value] of [
    [{ threshold: NaN }, "'threshold'", 'NaN'],
    [{ driftShare: Infinity }, "'drift_share'", 'inf'],
    [{ perColumn: { x: { threshold: -Infinity } } }, "per_column['x'].threshold", '-inf'],
  ]) {
    await assert.rejects(
      drift(a, a, opts),
      (e) => e.code === 'INVALID_INPUT' && e.message.includes(name) && e.message.includes(value),
    )
  }
})

test('a data set with no rows is not tested, and says so', async () => {
  const a = tableFromArrays({ x: Float64Array.from([1, 2, 3]) })
  const empty = tableFromArrays({ x: new Float64Array(0) })
  const r = await drift(a, empty)
  assert.equal(r.verdict, 'not_tested')
  assert.equal(r.datasetDrift, false)
  assert.deepEqual(r.skippedColumns.map((c) => c.column), ['x'])
  assert.ok(r.skippedColumns[0].reason.includes('no present values in the current data'))
  assert.equal((await drift(a, a)).verdict, 'no_drift')
})
