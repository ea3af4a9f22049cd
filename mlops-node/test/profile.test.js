'use strict'
const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { tableFromArrays, tableToIPC, vectorFromArray, Table, Utf8, Bool, Float64, Int32 } = require('apache-arrow')
const { profile, Profile } = require('..')

function sample() {
  return new Table({
    f: vectorFromArray([1.5, null, 2.5, 4.0, NaN, Infinity], new Float64()),
    i: vectorFromArray([3, 1, 2, 2, 2, 5], new Int32()),
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
  assert.equal(i.data_type, 'Int32')
  assert.equal(i.count, 6)
  assert.equal(i.null_count, 0)
  assert.equal(i.min, 1)
  assert.equal(i.max, 5)
  assert.equal(i.mean, (3 + 1 + 2 + 2 + 2 + 5) / 6)
  assert.deepEqual(i.top_k[0], { value: 2, count: 3 })
  assert.equal(i.quantiles.find(([q]) => q === 0.5)[1], 2)
  const s = p.column('s')
  assert.equal(s.null_count, 1)
  assert.deepEqual(s.top_k[0], { value: 'a', count: 3 })
  assert.equal(s.min, '')
  assert.equal(s.max, 'b')
  assert.equal(s.semantic_type, 'categorical')
  const b = p.column('b')
  assert.equal(b.true_count, 3)
  assert.equal(b.null_count, 1)
  assert.deepEqual(b.top_k, [
    { value: true, count: 3 },
    { value: false, count: 2 },
  ])
  assert.equal(b.semantic_type, 'boolean')
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
  assert.equal(fromBytes.toJson(), p.toJson())
  assert.equal(fromJson.toJson(), p.toJson())
  assert.deepEqual(strip(fromBytes), strip(p))
  assert.equal(fromBytes.rowCount, 6)
  assert.equal(JSON.parse(JSON.stringify(p)).format, 'mlops.profile')
  assert.ok(p.toHtml().startsWith('<!DOCTYPE html>'))
})

test('merge of parts equals the profile of the whole', async () => {
  const n = 500
  const xs = Array.from({ length: n }, (_, k) => (k % 7 === 0 ? null : Math.sin(k) * 100))
  const ids = Int32Array.from({ length: n }, (_, k) => (k * 37) % 101)
  const table = (from, to) => new Table({ x: vectorFromArray(xs.slice(from, to), new Float64()), n: vectorFromArray(ids.slice(from, to), new Int32()) })
  const whole = await profile(table(0, n))
  const merged = (await profile(table(0, 180))).merge(await profile(table(180, n)))
  assert.equal(merged.rowCount, n)
  const rel = (a, e) => Math.abs(a - e) <= 1e-12 * Math.abs(e)
  for (const name of ['x', 'n']) {
    const m = merged.column(name)
    const w = whole.column(name)
    for (const f of ['count', 'null_count', 'min', 'max']) assert.equal(m[f], w[f], `${name}.${f}`)
    assert.ok(rel(m.mean, w.mean), `${name}.mean ${m.mean} vs ${w.mean}`)
    assert.ok(rel(m.variance, w.variance), `${name}.variance ${m.variance} vs ${w.variance}`)
  }
  assert.equal(merged.column('x').null_count, Math.ceil(n / 7))
})

test('errors carry a code and never crash the process', async () => {
  await assert.rejects(profile('/no/such/file.parquet'), (e) => e instanceof Error && e.code === 'NOT_FOUND' && e.message === 'not found: file /no/such/file.parquet')
  await assert.rejects(profile(Buffer.from('not arrow at all')), (e) => e.code === 'INVALID_INPUT')
  await assert.rejects(profile('data.xlsx'), (e) => e.code === 'INVALID_INPUT' || e.code === 'NOT_FOUND')
  await assert.rejects(profile(42), TypeError)
  assert.throws(() => Profile.fromBytes(Buffer.from('garbage')), (e) => e.code === 'INTEGRITY')
  const p = await profile(sample())
  const newer = Buffer.from(p.toBytes())
  assert.equal(newer.readUInt16LE(8), 2)
  newer.writeUInt16LE(3, 8) // the format version
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

test('a column profile: length statistics, top values and quantiles from its sketches', async () => {
  const { ColumnProfile } = require('..')
  const p = await profile(tableFromArrays({ x: Float64Array.from([1, 2, 3, 4, 5]), s: ['aa', 'b', 'aa', 'cccc', 'aa'] }))
  const s = p.column('s')
  assert.ok(s instanceof ColumnProfile)
  assert.deepEqual([s.length_min, s.length_max, s.length_mean], [1, 4, 2.2])
  assert.deepEqual(s.top(1), [{ value: 'aa', count: 3 }])
  assert.equal(s.top(0).length, 0)
  const x = p.column('x')
  assert.equal(x.length_min, null)
  assert.equal(x.quantile(0), 1)
  assert.equal(x.quantile(1), 5)
  assert.equal(x.quantile(0.5), 3)
  assert.throws(() => x.quantile(1.5), (e) => e.code === 'INVALID_INPUT' && /quantile 1.5/.test(e.message))
  assert.throws(() => s.top(-1), (e) => e.code === 'INVALID_INPUT' && /k: -1/.test(e.message))
  assert.deepEqual(Object.keys(JSON.parse(JSON.stringify(s))), Object.keys(p.toJSON().columns[1]))
})
