'use strict'
// Spec and Accumulator, as the Rust suite (mlops-core/tests/accumulate.rs)
// tests them: the data cut into 1, 2, 7 and 32 partitions, each partition's
// state sent as bytes and merged (in partition order, in reverse, and per
// column then combined), gives the single-machine profile (counts, min and
// max exactly, moments to 1e-12) and the single-machine validation verdicts
// and unexpected counts. Then the refusals: another spec, a newer format,
// damaged bytes, a partition counted twice, unmergeable checks, a consumed
// accumulator.
const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { Table, Schema, Field, Float64, Int32, Utf8, vectorFromArray, tableToIPC } = require('apache-arrow')
const { Spec, Accumulator, Profile, ValidationResult, Suite, checks, profile, validate } = require('..')

const ROWS = 5000

/** Deterministic rows: nulls, NaN, a break in the order of `n`, values out of range. */
function table(start, len) {
  const x = []
  const n = []
  const s = []
  for (let i = start; i < start + len; i++) {
    x.push(i % 97 === 3 ? null : i % 97 === 5 ? NaN : ((i * 7919) % 1000) * 0.37 - 50)
    n.push(i % 50 === 7 ? null : i === 1234 ? 3 : i)
    s.push(i % 13 === 0 ? null : ['free', 'pro', 'team', 'gold'][(i % 13) % 4])
  }
  return new Table({
    x: vectorFromArray(x, new Float64()),
    n: vectorFromArray(n, new Int32()),
    s: vectorFromArray(s, new Utf8()),
  })
}

const WHOLE = table(0, ROWS)

/** The data cut into `parts` contiguous partitions, each fed in updates of at most 300 rows. */
async function states(spec, parts) {
  const out = []
  for (let p = 0; p < parts; p++) {
    const [a, b] = [Math.floor((p * ROWS) / parts), Math.floor(((p + 1) * ROWS) / parts)]
    const acc = new Accumulator(spec, p)
    for (let i = a; i < b; i += 300) await acc.update(table(i, Math.min(300, b - i)))
    assert.equal(acc.rows, b - a)
    out.push(acc.toBytes())
  }
  return out
}

const close = (a, b, what) => {
  if (a === null || b === null) return assert.equal(a, b, what)
  assert.ok(Math.abs(a - b) <= 1e-12 * Math.max(Math.abs(b), 1), `${what}: ${a} vs ${b}`)
}

function assertSameProfile(got, want) {
  assert.ok(got instanceof Profile)
  assert.equal(got.rowCount, want.rowCount)
  for (const name of want.columnNames) {
    const [g, w] = [got.column(name), want.column(name)]
    for (const f of ['count', 'null_count', 'nan_count', 'true_count', 'min', 'max', 'length']) {
      assert.deepEqual(g[f], w[f], `${name} ${f}`)
    }
    close(g.mean, w.mean, `${name} mean`)
    close(g.variance, w.variance, `${name} variance`)
  }
}

/** Resolves when `fn` throws (or rejects with) an error of `code` whose message contains every one of `parts`. */
async function refused(fn, code, ...parts) {
  await assert.rejects(async () => fn(), (e) => {
    assert.equal(e.code, code, e.message)
    for (const p of parts) assert.ok(e.message.includes(p), `${JSON.stringify(p)} not in: ${e.message}`)
    return true
  })
}

test('merged profiles equal the single-machine profile at 1, 2, 7 and 32 partitions, in any order', async () => {
  const spec = Spec.profile()
  assert.equal(spec.kind, 'profile')
  const want = await profile(WHOLE)
  for (const parts of [1, 2, 7, 32]) {
    const bytes = await states(spec, parts)
    const merged = Accumulator.merge(spec, bytes)
    assert.deepEqual(merged.partitions, [[0, parts - 1]])
    assert.equal(merged.rows, ROWS)
    assertSameProfile(merged.finish(), want)
    assertSameProfile(Accumulator.merge(spec, [...bytes].reverse()).finish(), want)
  }
})

test('per-column merges then combine give the profile, with one state per column', async () => {
  const spec = Spec.profile(['s', 'x'])
  const byColumn = new Map()
  for (const b of await states(spec, 7)) {
    const acc = Accumulator.fromBytes(spec, b)
    assert.deepEqual(acc.keys, [0, 1])
    for (const [k, state] of acc.split()) {
      assert.ok(Buffer.isBuffer(state))
      if (!byColumn.has(k)) byColumn.set(k, [])
      byColumn.get(k).push(state)
    }
  }
  assert.deepEqual([...byColumn.keys()].sort(), [0, 1])
  const perColumn = [...byColumn.values()].map((g) => Accumulator.merge(spec, g))
  assert.deepEqual(perColumn.map((a) => a.keys), [[0], [1]])
  const p = Accumulator.combine(spec, perColumn.map((a) => a.toBytes())).finish()
  assert.deepEqual(p.columnNames, ['s', 'x'], "the spec's column order")
  const want = await profile(WHOLE)
  for (const name of ['s', 'x']) {
    const [g, w] = [p.column(name), want.column(name)]
    assert.deepEqual([g.count, g.null_count, g.min, g.max], [w.count, w.null_count, w.min, w.max], name)
  }
})

function suite() {
  return new Suite('orders', [
    checks.notNull('n'),
    checks.valuesBetween('x', 0, 300),
    checks.inSet('s', ['free', 'pro', 'team']),
    checks.meanBetween('x', 0, 200),
    checks.increasing('n', { strict: true }),
    checks.rowCountBetween(1, ROWS),
  ])
}

test('merged validation gives the verdicts and unexpected counts of validate() at 1, 2, 7 and 32 partitions', async () => {
  const want = await validate(WHOLE, suite())
  const spec = Spec.validation(suite())
  assert.equal(spec.kind, 'validation')
  for (const parts of [1, 2, 7, 32]) {
    const bytes = await states(spec, parts)
    const bounds = Array.from({ length: parts + 1 }, (_, p) => Math.floor((p * ROWS) / parts))
    for (const order of [bytes, [...bytes].reverse()]) {
      const got = Accumulator.merge(spec, order).finish()
      assert.ok(got instanceof ValidationResult)
      assert.equal(got.success, want.success)
      assert.equal(got.rows, ROWS)
      want.results.forEach((w, i) => {
        const g = got.results[i]
        const what = `${w.check} at ${parts} partitions`
        assert.deepEqual(
          [g.success, g.unexpected_count, g.missing_count, g.element_count],
          [w.success, w.unexpected_count, w.missing_count, w.element_count],
          what,
        )
        assert.equal(g.partial_unexpected.length, w.partial_unexpected.length, what)
        // The same rows, named by partition and row within it.
        g.partial_unexpected.forEach((u, k) => {
          assert.equal(typeof u.partition, 'number', what)
          assert.equal(bounds[u.partition] + u.row, w.partial_unexpected[k].row, what)
          assert.deepEqual(u.value, w.partial_unexpected[k].value, what)
        })
      })
    }
  }
  // The data breaks three checks; a test that compares two passes would prove little.
  assert.deepEqual(want.results.map((r) => r.success), [false, false, false, true, false, true])
})

test('a break in order at the seam of two partitions is found', async () => {
  const spec = Spec.validation(suite())
  const a = new Accumulator(spec, 0)
  await a.update(table(0, 1234))
  const b = new Accumulator(spec, 1)
  await b.update(table(1234, ROWS - 1234))
  const inc = Accumulator.merge(spec, [b.toBytes(), a.toBytes()]).finish().results[4]
  assert.equal(inc.unexpected_count, 1)
  assert.deepEqual([inc.partial_unexpected[0].partition, inc.partial_unexpected[0].row], [1, 0])
})

test('a partition merged twice is refused', async () => {
  const spec = Spec.profile()
  const b = await states(spec, 2)
  await refused(() => Accumulator.merge(spec, [b[0], b[1], b[0]]), 'INVALID_INPUT', 'partition 0 is in two')
})

test('states of another spec, a newer format or damaged bytes are refused', async () => {
  const spec = Spec.profile()
  const other = Spec.profile(['x'])
  assert.notEqual(spec.hash, other.hash)
  const [b] = await states(spec, 1)
  await refused(() => Accumulator.fromBytes(other, b), 'INVALID_INPUT', spec.hash, other.hash)
  await refused(() => Accumulator.merge(other, [b]), 'INVALID_INPUT', spec.hash, other.hash)
  const newer = Buffer.from(b)
  newer[8] = 9
  await refused(() => Accumulator.fromBytes(spec, newer), 'INTEGRITY', 'version 9')
  for (const at of [20, b.length >> 1, b.length - 1]) {
    const bad = Buffer.from(b)
    bad[at] ^= 0x40
    await refused(() => Accumulator.fromBytes(spec, bad), 'INTEGRITY')
  }
  for (const cut of [0, 9, 40, b.length - 1]) {
    await refused(() => Accumulator.fromBytes(spec, b.subarray(0, cut)), 'INTEGRITY')
  }
  // A plain Uint8Array reads as a Buffer does.
  assert.equal(Accumulator.fromBytes(spec, new Uint8Array(b)).rows, ROWS)
})

test('checks whose state grows with the data are refused, naming the alternative', async () => {
  for (const [check, hint] of [
    [checks.unique('n'), 'group-by'],
    [checks.medianBetween('x', null, null), 'quantile'],
    [checks.distinctCountBetween('s', null, null), 'distinct_estimate'],
  ]) {
    await refused(() => Spec.validation(suite().add(check)), 'UNSUPPORTED', 'checks[6]', check.check, hint)
  }
  assert.throws(() => Spec.validation('suite.yaml'), TypeError)
})

test('empty partitions add nothing, and an all-empty input needs the schema', async () => {
  const spec = Spec.profile()
  const empty = [0, 1, 2].map((p) => new Accumulator(spec, p).toBytes())
  const merged = Accumulator.merge(spec, empty)
  assert.deepEqual([merged.partitions, merged.rows, merged.keys], [[[0, 2]], 0, []])
  await refused(() => Accumulator.fromBytes(spec, merged.toBytes()).finish(), 'INVALID_INPUT', 'schema')
  const p = new Accumulator(spec, 0).finish(WHOLE.schema)
  assert.deepEqual([p.rowCount, p.columnNames], [0, ['x', 'n', 's']])
  const schema = new Schema([new Field('y', new Float64(), true)])
  assert.deepEqual(new Accumulator(spec, 0).finish(schema).columnNames, ['y'])
  assert.throws(() => new Accumulator(spec, 0).finish({ fields: [] }), TypeError)
})

test('a merged or split state takes no more rows, a part cannot finish, and a consumed one is refused', async () => {
  const spec = Spec.profile()
  const merged = Accumulator.merge(spec, await states(spec, 2))
  await refused(() => merged.update(table(0, 10)), 'INVALID_INPUT', 'merged')
  const parts = merged.split()
  assert.deepEqual(parts.map(([k]) => k), [0, 1, 2])
  for (const call of [() => merged.toBytes(), () => merged.rows, () => merged.keys, () => merged.partitions, () => merged.split(), () => merged.finish()]) {
    await refused(call, 'INVALID_INPUT', 'consumed by split() or finish()')
  }
  await refused(() => merged.update(table(0, 10)), 'INVALID_INPUT', 'consumed')
  const one = Accumulator.fromBytes(spec, parts[0][1])
  await refused(() => one.update(table(0, 10)), 'INVALID_INPUT', 'no more rows')
  await refused(() => one.finish(), 'INVALID_INPUT', '1 of 3')
  const done = Accumulator.combine(spec, parts.map(([, s]) => s))
  assert.equal(done.finish().rowCount, ROWS)
  await refused(() => done.finish(), 'INVALID_INPUT', 'consumed')
})

test('a profile spec naming a missing column names it', async () => {
  const acc = new Accumulator(Spec.profile(['x', 'nope']), 0)
  await refused(() => acc.update(table(0, 10)), 'SCHEMA_MISMATCH', "'nope'")
})

test('update takes a Table, Arrow IPC bytes or a file path alike', async () => {
  const spec = Spec.profile()
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlops-acc-'))
  const file = path.join(dir, 'part.arrows')
  fs.writeFileSync(file, tableToIPC(table(0, 700), 'stream'))
  const want = await profile(table(0, 700))
  for (const data of [table(0, 700), tableToIPC(table(0, 700), 'stream'), file]) {
    const acc = new Accumulator(spec, 4)
    await acc.update(data)
    assert.deepEqual([acc.rows, acc.partitions, acc.keys], [700, [[4, 4]], [0, 1, 2]])
    assertSameProfile(Accumulator.fromBytes(spec, acc.toBytes()).finish(), want)
  }
  fs.rmSync(dir, { recursive: true })
  await refused(() => new Accumulator(spec, 0).update(path.join(dir, 'gone.parquet')), 'NOT_FOUND')
  await assert.rejects(new Accumulator(spec, 0).update(42), TypeError)
})

test('updates made without awaiting each one fold the rows in call order', async () => {
  const spec = Spec.validation(suite())
  const acc = new Accumulator(spec, 0)
  const pending = []
  for (let i = 0; i < ROWS; i += 250) pending.push(acc.update(table(i, 250)))
  await Promise.all(pending)
  const got = Accumulator.merge(spec, [acc.toBytes()]).finish()
  const want = await validate(WHOLE, suite())
  assert.deepEqual(
    got.results.map((r) => [r.unexpected_count, r.partial_unexpected.map((u) => u.row)]),
    want.results.map((r) => [r.unexpected_count, r.partial_unexpected.map((u) => u.row)]),
  )
  // A failed update does not stop the next one.
  const acc2 = new Accumulator(Spec.profile(['x']), 0)
  const bad = acc2.update(new Table({ y: vectorFromArray([1], new Float64()) }))
  const good = acc2.update(table(0, 10))
  await assert.rejects(bad, { code: 'SCHEMA_MISMATCH' })
  await good
  assert.equal(acc2.rows, 10)
})

test('bad arguments are typed errors naming them', async () => {
  const spec = Spec.profile()
  for (const p of [-1, 1.5, NaN, 2 ** 60]) await refused(() => new Accumulator(spec, p), 'INVALID_INPUT', 'partition')
  await refused(() => new Accumulator(spec, '3'), 'INVALID_INPUT')
  assert.throws(() => new Accumulator({}, 0), TypeError)
  assert.throws(() => Accumulator.merge(spec, ['bytes']), /states\[0\]/)
  assert.throws(() => Accumulator.merge(spec, 'bytes'), TypeError)
})

test('specs round-trip through their bytes and fix the clock for every partition', async () => {
  const spec = Spec.validation(suite(), { now: 1700000000 })
  const again = Spec.fromBytes(spec.toBytes())
  assert.equal(again.hash, spec.hash)
  assert.equal(again.kind, 'validation')
  assert.equal(JSON.parse(spec.toBytes().toString()).validation.now, 1700000000)
  assert.notEqual(Spec.validation(suite(), { now: 1700000001 }).hash, spec.hash)
  // A state made with the rebuilt spec merges with one made with the original.
  const a = new Accumulator(spec, 0)
  await a.update(table(0, 100))
  const b = new Accumulator(again, 1)
  await b.update(table(100, 100))
  assert.equal(Accumulator.merge(spec, [a.toBytes(), b.toBytes()]).finish().rows, 200)
  const bad = Buffer.from('{"format":"mlops.spec","version":7,"profile":{"columns":null}}')
  await refused(() => Spec.fromBytes(bad), 'INVALID_INPUT', "'version'")
})
