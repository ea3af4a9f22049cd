'use strict'
// validate(): the Great Expectations fixture (the same shared vector the Rust
// and Python suites run), the builder, suite files and their errors, inference
// and gates.
const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { tableFromArrays } = require('apache-arrow')
const { checks, Suite, validate, ValidationResult, gate, GateReport, Registry } = require('..')

const ROOT = path.join(__dirname, '..', '..')
const F = JSON.parse(fs.readFileSync(path.join(ROOT, 'tests', 'fixtures', 'ge_validation.json'), 'utf8'))
const DATA = path.join(ROOT, 'tests', 'vectors', 'validate', 'ge.parquet')

function geObserved(c) {
  const o = c.observed_value
  if (c.check.check === 'max_null_fraction') return 1 - o
  if (c.check.check === 'quantile_between') return o.values[0]
  if (c.check.check === 'column_exists' || c.check.check === 'column_type') return null
  return o
}

test('agrees with Great Expectations on the shared vector', async () => {
  const r = await validate(DATA, new Suite('ge', F.cases.map((c) => c.check)))
  assert.ok(r instanceof ValidationResult)
  assert.equal(r.rows, F.rows)
  assert.equal(r.results.length, F.cases.length)
  F.cases.forEach((c, i) => {
    const got = r.results[i]
    const what = JSON.stringify(c.check)
    assert.equal(got.success, c.success, what)
    if (c.unexpected_count !== null) {
      assert.equal(got.unexpected_count, c.unexpected_count, what)
      assert.ok(Math.abs(got.unexpected_percent - c.unexpected_percent) <= 1e-9 * Math.max(1, c.unexpected_percent), what)
      assert.deepEqual(got.partial_unexpected.map((u) => u.row), c.first_unexpected_rows, what)
    }
    const want = geObserved(c)
    if (typeof want === 'number') assert.ok(Math.abs(got.observed_value - want) <= 1e-9 * Math.max(1, Math.abs(want)), what)
    else if (want !== null) assert.deepEqual(got.observed_value, want, what)
  })
})

test('builder, tables and the verdict by severity', async () => {
  const n = 1000
  const x = Float64Array.from({ length: n }, (_, i) => (i % 100) / 10)
  const t = tableFromArrays({ x, plan: Array.from({ length: n }, (_, i) => (i === 7 ? 'gold' : ['free', 'pro'][i % 2])) })
  const suite = new Suite('users')
    .add(checks.valuesBetween('x', 0, 9.5))
    .add(checks.inSet('plan', ['free', 'pro'], { severity: 'warn' }))
    .add(checks.meanBetween('x', 4, 5))
  const r = await suite.validate(t)
  // x is 0.0..9.9 ten times: 4 values per cycle above 9.5.
  assert.equal(r.results[0].unexpected_count, 40)
  assert.equal(r.results[0].partial_unexpected[0].row, 96)
  assert.deepEqual(r.results[1].partial_unexpected, [{ row: 7, value: 'gold' }])
  assert.ok(Math.abs(r.results[2].observed_value - 4.95) < 1e-12)
  assert.equal(r.success, false)
  assert.equal(r.statistics.failed_warnings, 1)
  assert.ok(r.toHtml().includes('FAILED'))
})

test('suite files round-trip; bad ones reject with INVALID_INPUT naming the place', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlops-validate-'))
  const s = new Suite('s', [checks.notNull('f0'), checks.columnPair('end', '>', 'start', { mostly: 0.99 })])
  s.save(path.join(dir, 's.yaml'))
  assert.deepEqual(Suite.load(path.join(dir, 's.yaml')).checks, s.checks)
  assert.deepEqual(Suite.fromYaml(s.toYaml()).checks, s.checks)
  fs.writeFileSync(path.join(dir, 'bad.yaml'), 'checks:\n  - check: not_null\n    column: f0\n  - check: in_sett\n    column: c0\n')
  assert.throws(() => Suite.load(path.join(dir, 'bad.yaml')), (e) => e.code === 'INVALID_INPUT' && /checks\[1\].*in_sett.*line 4/.test(e.message))
  assert.throws(() => new Suite('s', [{ check: 'values_between', column: 'f0', min: 'x', max: [1] }]), (e) => e.code === 'INVALID_INPUT' && /field `max`/.test(e.message))
  await assert.rejects(validate(DATA, new Suite('s', [checks.notNull('nope')])), (e) => e.code === 'SCHEMA_MISMATCH' && /'nope'/.test(e.message))
  const r = await validate(DATA, new Suite('s', [checks.matchesRegex('f0', '^1')]))
  assert.match(r.results[0].reason, /column 'f0' is Float64/)
  fs.rmSync(dir, { recursive: true })
})

test('inferred suites pass on their data', async () => {
  const s = await Suite.infer(DATA, { name: 'ge-data' })
  assert.equal(s.name, 'ge-data')
  assert.ok(s.checks.some((c) => c.check === 'in_set' && c.column === 'c0'))
  assert.equal((await validate(DATA, s)).success, true)
})

test('gate', () => {
  const g = gate({ auc: 0.905, latency_p95_ms: 61 }, ['auc >= baseline.auc - 0.01', 'latency_p95_ms <= 50'], { auc: 0.91 })
  assert.equal(g.passed, false)
  assert.deepEqual(g.rules.map((r) => r.passed), [true, false])
  assert.throws(() => gate({ auc: 1 }, ['auc >= baseline.auc']), (e) => e.code === 'INVALID_INPUT' && /position 7/.test(e.message))
  assert.throws(() => gate({ auc: 'high' }, ['auc > 0.5']), (e) => e.code === 'INVALID_INPUT' && /candidate metric 'auc'/.test(e.message))
  assert.throws(() => gate({ auc: 1 }, ['auc > baseline.auc'], { auc: null }), (e) => e.code === 'INVALID_INPUT' && /baseline metric 'auc'/.test(e.message))
  // A typed report: the fields of the engine's, and its JSON as recordGate stores it.
  assert.ok(g instanceof GateReport)
  assert.deepEqual(g.rules[1], { rule: 'latency_p95_ms <= 50', left: 61, op: '<=', right: 50, passed: false, metrics: { latency_p95_ms: 61 } })
  assert.deepEqual(JSON.parse(g.toJson()), { passed: g.passed, rules: g.rules })
})

test('a gate report is recorded as the typed object gate() returns', async () => {
  const r = new Registry('memory://')
  await r.add('model', 'm', 'w')
  await r.recordGate('model', 'm', 1, gate({ auc: 0.9 }, ['auc >= 0.8']))
  assert.deepEqual(Object.values((await r.asset('model', 'm')).gates).map((x) => x.passed), [true])
  await assert.rejects(r.recordGate('model', 'm', 1, { passed: true }), (e) => e.code === 'INVALID_INPUT' && /rules/.test(e.message))
})
