'use strict'
// A monitor's validation suite from Node: each window's `suite.*` fields,
// built from two flushes, equal `validate()` on the window's rows (the same
// case as mlops-py/tests/test_monitor_suite.py); a suite file's path works;
// a check naming a column the monitor lacks is INVALID_INPUT naming both.
const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { vectorFromArray, makeTable, TimestampMillisecond, Float64, Utf8 } = require('apache-arrow')
const { monitor, Suite, checks, validate } = require('..')

const T0 = Date.UTC(2026, 10, 2) / 1000
const NOW = (T0 + 7200) * 1000

const suite = () => new Suite('contract', [
  checks.valuesBetween('x', 0, 10, { name: 'x_range' }),
  checks.inSet('plan', ['free', 'pro']),
  checks.notNull('x'),
  checks.meanBetween('x', 0, 5, { severity: 'warn' }),
  checks.unique('plan'),
])

function rows(seconds, x, plan, withTime = true) {
  const cols = {}
  if (withTime) cols.t = vectorFromArray(seconds.map((s) => (T0 + s) * 1000), new TimestampMillisecond('UTC'))
  cols.x = vectorFromArray(x, new Float64())
  cols.plan = vectorFromArray(plan, new Utf8())
  return makeTable(cols)
}

const FIELDS = ['x_range', 'in_set.plan', 'not_null.x', 'mean_between.x']

test('window verdicts equal validate() on the window rows', async () => {
  const mon = await monitor('m', { timestamp: 't', suite: suite(), store: 'memory://' })
  mon.setClock(NOW)
  await mon.log(rows([0, 10, 20, 3600], [1, 12, null, 3], ['free', 'gold', null, 'pro']))
  await mon.flush()
  await mon.log(rows([30, 40, 50, 55], [-2, 4, 9, 100], ['pro', 'pro', 'vip', 'free']))
  const results = (await mon.results()).toArray().map((r) => r.toJSON())
  const w0 = results.find((r) => r.segment === '' && Number(r.window_start) === T0 * 1000)
  const perWindow = new Suite('contract', suite().checks.filter((c) => c.check !== 'unique'))
  const want = await validate(
    rows([], [1, 12, null, -2, 4, 9, 100], ['free', 'gold', null, 'pro', 'pro', 'vip', 'free'], false),
    perWindow,
  )
  assert.equal(w0['suite.success'], 0)
  assert.equal(w0['suite.checks'], 4)
  assert.equal(w0['suite.not_evaluated'], 1)
  assert.equal(w0['suite.failed'], want.results.filter((r) => !r.success).length)
  FIELDS.forEach((name, i) => {
    const r = want.results[i]
    assert.equal(w0[`suite.${name}.success`], r.success ? 1 : 0, name)
    assert.equal(w0[`suite.${name}.unexpected_percent`] ?? null, r.unexpected_percent, name)
  })
  assert.equal(w0['suite.x_range.unexpected_percent'], 50)
  // Means merge by Chan's formula: equal up to floating-point rounding.
  assert.ok(Math.abs(w0['suite.mean_between.x.observed'] - want.results[3].observed_value) < 1e-12)
  assert.ok(Math.abs(w0['suite.mean_between.x.observed'] - 124 / 6) < 1e-12)
  const w1 = results.find((r) => r.segment === '' && Number(r.window_start) === (T0 + 3600) * 1000)
  assert.deepEqual([w1['suite.success'], w1['suite.failed']], [1, 0])
})

test('a suite file, and a check naming a column the monitor lacks', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlops-suite-'))
  const file = path.join(dir, 'contract.yaml')
  suite().save(file)
  const mon = await monitor('m', { timestamp: 't', suite: file, store: 'memory://' })
  mon.setClock(NOW)
  await mon.log(rows([0, 1], [1, 50], ['free', 'pro']))
  const text = await mon.prometheusText()
  assert.match(text, /mlops_monitor_validation_success\{check="x_range",monitor="m"\} 0\.0/)
  const bad = await monitor('n', { timestamp: 't', suite: new Suite('bad', [checks.notNull('age')]), store: 'memory://' })
  bad.setClock(NOW)
  await assert.rejects(bad.log(rows([0], [1], ['free'])), (e) => e.code === 'INVALID_INPUT' && /checks\[0\] \(not_null\).*'age'/.test(e.message))
  await assert.rejects(monitor('o', { timestamp: 't', suite: 42, store: 'memory://' }), (e) => e.code === 'INVALID_INPUT')
})
