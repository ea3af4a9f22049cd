'use strict'
// Keyed profiles: a slice's profile saved under its key, several keys merged
// into the profile of their rows without the data.
const test = require('node:test')
const assert = require('node:assert/strict')
const { tableFromArrays } = require('apache-arrow')
const { Registry, Profile, profile } = require('..')

/** The profile of rows `x` (floats) and `n` (integers). */
function day(x, n) {
  return profile(tableFromArrays({ x: Float64Array.from(x), n: Int32Array.from(n) }))
}

const DAYS = {
  '2026-12-01': [[1.5, 2.25, 9], [1, 2, 3]],
  '2026-12-02': [[-4, 0.125], [7, -2]],
  '2026-12-03': [[3.75, 100, 6.5, 2], [0, 0, 5, 11]],
}

async function withDays(principal = 'ana') {
  const r = new Registry('memory://', { principal })
  for (const [key, [x, n]] of Object.entries(DAYS)) {
    await r.saveProfile('orders', key, await day(x, n))
  }
  return r
}

test('merging keys equals the profile of their rows', async () => {
  const r = await withDays()
  const keys = ['2026-12-01', '2026-12-03']
  const merged = await r.mergeProfiles('orders', keys)
  assert.ok(merged instanceof Profile)
  const whole = await day(
    keys.flatMap((k) => DAYS[k][0]),
    keys.flatMap((k) => DAYS[k][1]),
  )
  assert.equal(merged.rowCount, 7)
  assert.equal(merged.rowCount, whole.rowCount)
  for (const c of ['x', 'n']) {
    const [m, w] = [merged.column(c), whole.column(c)]
    assert.equal(m.count, w.count)
    assert.equal(m.null_count, w.null_count)
    assert.equal(m.min, w.min)
    assert.equal(m.max, w.max)
    assert.ok(Math.abs(m.mean - w.mean) < 1e-12, `${c}: ${m.mean} vs ${w.mean}`)
  }
  assert.equal(merged.column('x').min, 1.5)
  assert.equal(merged.column('x').max, 100)
  assert.equal(merged.column('n').min, 0)
  assert.equal(merged.column('n').max, 11)
})

test('keys are listed sorted and a key loads its own profile', async () => {
  const r = await withDays()
  assert.deepEqual(await r.profileKeys('orders'), ['2026-12-01', '2026-12-02', '2026-12-03'])
  const p = await r.loadProfile('orders', '2026-12-02')
  assert.ok(p instanceof Profile)
  assert.equal(p.rowCount, 2)
  assert.equal(p.column('x').min, -4)
  assert.equal(p.column('n').max, 7)
})

test('saving a key again supersedes its profile and numbers the next version', async () => {
  const r = await withDays()
  const v = await r.saveProfile('orders', '2026-12-02', await day([50], [50]))
  assert.equal(v, 4)
  assert.deepEqual(await r.profileKeys('orders'), ['2026-12-01', '2026-12-02', '2026-12-03'])
  const p = await r.loadProfile('orders', '2026-12-02')
  assert.equal(p.rowCount, 1)
  assert.equal(p.column('x').mean, 50)
  const both = await r.mergeProfiles('orders', ['2026-12-01', '2026-12-02'])
  assert.equal(both.rowCount, 4)
  assert.equal(both.column('x').max, 50)
})

test('a missing key is NOT_FOUND naming it', async () => {
  const r = await withDays()
  await assert.rejects(r.loadProfile('orders', '2026-11-30'), (e) => e.code === 'NOT_FOUND' && e.message.includes("'2026-11-30'"))
  await assert.rejects(
    r.mergeProfiles('orders', ['2026-12-01', '2026-11-30']),
    (e) => e.code === 'NOT_FOUND' && e.message.includes("'2026-11-30'"),
  )
  await assert.rejects(r.profileKeys('nothing'), (e) => e.code === 'NOT_FOUND')
})

test('a repeated key, no key and a bad key are INVALID_INPUT', async () => {
  const r = await withDays()
  await assert.rejects(
    r.mergeProfiles('orders', ['2026-12-01', '2026-12-01']),
    (e) => e.code === 'INVALID_INPUT' && e.message.includes("'2026-12-01'"),
  )
  await assert.rejects(r.mergeProfiles('orders', []), (e) => e.code === 'INVALID_INPUT')
  const p = await day([1], [1])
  await assert.rejects(r.saveProfile('orders', '', p), (e) => e.code === 'INVALID_INPUT' && e.message.includes('profile key'))
  await assert.rejects(r.saveProfile('orders', 'a\nb', p), (e) => e.code === 'INVALID_INPUT' && e.message.includes('profile key'))
  await assert.rejects(r.saveProfile('orders', 'x'.repeat(257), p), (e) => e.code === 'INVALID_INPUT')
  await assert.rejects(r.mergeProfiles('orders', '2026-12-01'), (e) => e.code === 'INVALID_INPUT')
  await assert.rejects(r.saveProfile('orders', 'k', { rowCount: 1 }), TypeError)
  assert.deepEqual(await r.profileKeys('orders'), ['2026-12-01', '2026-12-02', '2026-12-03'])
})

test('saving records its reason in the audit trail', async () => {
  const r = new Registry('memory://', { principal: 'ana' })
  await r.saveProfile('orders', '2026-12-01', await day([1], [1]), { reason: 'nightly batch' })
  const records = await r.audit.log({ action: 'version', target: 'profile/orders' })
  assert.equal(records.length, 1)
  assert.equal(records[0].reason, 'nightly batch')
  assert.equal(records[0].principal, 'ana')
})
