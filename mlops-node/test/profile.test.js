'use strict'
const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { tableFromArrays, tableToIPC, vectorFromArray, Table, Utf8, Bool, Float64 } = require('apache-arrow')
const { profile, Profile } = require('..')

function sample() {
  return new Table({
    f: vectorFromArray([1.5, null, 2.5, 4.0, NaN, Infinity], new Float64()),
    i: vectorFromArray([3, 1, 2, 2, 2, 5]),
    s: vectorFromArray(['a', 'b', null, 'a', '', 'a'], new Utf8()),
    b: vectorFromArray([true, false, true, null, true, false], new Bool()),
  })
}

test('profiles an apache-arrow Table with real values', async () => {
  const p = await profile(sample())
  assert.equal(p.rowCount, 6)
  assert.deepEqual(p.columnNames, ['f', 'i', 's', 'b'])
  const f = p.column('f')
  assert.equal(f.count, 6)
  assert.equal(f.null_count, 1)
  assert.equal(f.nan_count, 1)
  assert.equal(f.pos_inf_count, 1)
  assert.equal(f.mean, (1.5 + 2.5 + 4.0) / 3)
  const m = 8 / 3
  const variance = ((1.5 - m) ** 2 + (2.5 - m) ** 2 + (4 - m) ** 2) / 2
  assert.ok(Math.abs(f.variance - variance) < 1e-12)
  assert.equal(f.min, 1.5)
  assert.equal(f.max, 4.0)
  const i = p.column('i')
  assert.deepEqual(i.top_k[0], { value: 2, count: 3 })
  assert.equal(i.quantiles.find(([q]) => q === 0.5)[1], 2)
  const s = p.column('s')
  assert.deepEqual(s.top_k[0], { value: 'a', count: 3 })
  assert.equal(s.min, '')
  assert.equal(s.max, 'b')
  assert.equal(s.semantic_type, 'categorical')
  assert.equal(p.column('b').true_count, 3)
  assert.equal(p.column('b').semantic_type, 'boolean')
})

test('IPC bytes (stream and file) and a file path agree with the Table route', async () => {
  const t = sample()
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlops-node-'))
  const file = path.join(dir, 'sample.arrow')
  fs.writeFileSync(file, tableToIPC(t, 'file'))
  const ways = [await profile(t), await profile(tableToIPC(t, 'stream')), await profile(tableToIPC(t, 'file')), await profile(file)]
  const strip = (p) => p.toJSON().columns.map(({ state, ...rest }) => rest)
  for (const p of ways) assert.deepEqual(strip(p), strip(ways[0]))
  fs.rmSync(dir, { recursive: true })
})

test('binary and JSON encodings round-trip', async () => {
  const p = await profile(sample())
  const fromBytes = Profile.fromBytes(p.toBytes())
  const fromJson = Profile.fromJson(p.toJson())
  const strip = (q) => q.toJSON().columns.map(({ state, ...rest }) => rest)
  assert.deepEqual(strip(fromBytes), strip(p))
  assert.deepEqual(strip(fromJson), strip(p))
  assert.equal(fromBytes.rowCount, 6)
  assert.equal(JSON.parse(JSON.stringify(p)).format, 'mlops.profile')
  assert.ok(p.toHtml().startsWith('<!DOCTYPE html>'))
})

test('merge of parts equals the profile of the whole', async () => {
  const n = 500
  const xs = Float64Array.from({ length: n }, (_, k) => Math.sin(k) * 100)
  const whole = await profile(tableFromArrays({ x: xs }))
  const a = await profile(tableFromArrays({ x: xs.slice(0, 180) }))
  const b = await profile(tableFromArrays({ x: xs.slice(180) }))
  const merged = a.merge(b).column('x')
  const w = whole.column('x')
  assert.equal(merged.count, w.count)
  assert.equal(merged.min, w.min)
  assert.equal(merged.max, w.max)
  assert.ok(Math.abs(merged.mean - w.mean) <= 1e-12 * Math.max(1, Math.abs(w.mean)))
  assert.ok(Math.abs(merged.variance - w.variance) <= 1e-10 * w.variance)
})

test('errors carry a code and never crash the process', async () => {
  await assert.rejects(profile('/no/such/file.parquet'), (e) => e.code === 'NOT_FOUND' && e.message.includes('file.parquet'))
  await assert.rejects(profile(Buffer.from('not arrow at all')), (e) => e.code === 'INVALID_INPUT')
  await assert.rejects(profile('data.xlsx'), (e) => e.code === 'INVALID_INPUT' || e.code === 'NOT_FOUND')
  await assert.rejects(profile(42), TypeError)
  assert.throws(() => Profile.fromBytes(Buffer.from('garbage')), (e) => e.code === 'INTEGRITY')
  const p = await profile(sample())
  const newer = Buffer.from(p.toBytes())
  newer[8] = 2
  assert.throws(() => Profile.fromBytes(newer), (e) => e.code === 'INTEGRITY' && /newer/.test(e.message))
  const doc = p.toJSON()
  assert.throws(() => Profile.fromJson(JSON.stringify({ ...doc, version: 7 })), (e) => e.code === 'INTEGRITY')
  const other = await profile(tableFromArrays({ y: Float64Array.from([1, 2]) }))
  assert.throws(() => p.merge(other), (e) => e.code === 'SCHEMA_MISMATCH')
  assert.throws(() => p.column('nope'), (e) => e.code === 'NOT_FOUND')
})

test('the profile runs off the JavaScript thread', async () => {
  // 1M values take the engine tens of milliseconds on a worker thread; the
  // event loop must keep turning meanwhile, so an immediate runs first.
  const n = 1000000
  const big = tableFromArrays({ x: Float64Array.from({ length: n }, (_, k) => (k * 0.618) % 1) })
  let resolved = false
  const pending = profile(big).then((p) => {
    resolved = true
    return p
  })
  const loopRanWhileWorking = await new Promise((r) => setImmediate(() => r(!resolved)))
  const p = await pending
  assert.equal(loopRanWhileWorking, true)
  assert.equal(p.rowCount, n)
})
