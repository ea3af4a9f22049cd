'use strict'
// Retention (expire, pin, EXPIRED), garbage collection and fsck.
const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { Registry } = require('..')

async function threeVersions(r) {
  for (let i = 0; i < 3; i++) await r.add('model', 'm', `weights ${i}`.repeat(1000))
}

test('expire, gc plan/apply and fsck on a folder store', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlops-gc-'))
  const r = new Registry(path.join(dir, 'store'), { principal: 'ops' })
  await threeVersions(r)
  await r.alias('model', 'm', 'production', 1)
  assert.deepEqual(await r.expire('model', 'm', { keepLast: 1, reason: 'cleanup' }), [2])
  await assert.rejects(r.get('model', 'm', 2), (e) => e.code === 'EXPIRED' && /v2 was expired by ops/.test(e.message))
  await assert.rejects(r.version('model', 'm', 'v2'), (e) => e.code === 'EXPIRED')
  assert.equal(Buffer.from(await r.get('model', 'm', 'production')).toString(), 'weights 0'.repeat(1000))
  const expiry = (await r.log('model', 'm')).filter((e) => e.action === 'expire')
  assert.equal(expiry.length, 1)
  assert.equal(expiry[0].principal, 'ops')

  await assert.rejects(r.gcPlan({ grace: '10m' }), (e) => e.code === 'INVALID_INPUT')
  assert.equal((await r.gcPlan()).count, 0)
  const plan = await r.gcPlan({ grace: 0, unsafe: true })
  assert.ok(plan.count >= 2)
  assert.deepEqual([...new Set(plan.items.map((i) => i.reason))], ['expired_only'])
  const done = await r.gcApply(plan)
  assert.deepEqual([done.count, done.bytes], [plan.count, plan.bytes])
  const report = await r.fsck()
  assert.equal(report.ok, true)
  assert.deepEqual([report.orphans, report.missing], [[], []])
  assert.equal(Buffer.from(await r.get('model', 'm', 3)).toString(), 'weights 2'.repeat(1000))
})

test('pins keep versions; bad rules are refused', async () => {
  const r = new Registry('memory://')
  await threeVersions(r)
  await r.pin('model', 'm', 1)
  assert.deepEqual(await r.expire('model', 'm', { keepWithin: '30d' }), [])
  assert.deepEqual(await r.expire('model', 'm', { keepLast: 1 }), [2])
  await r.pin('model', 'm', 1, { unpin: true })
  assert.deepEqual(await r.expire('model', 'm', { keepLast: 1 }), [1])
  await assert.rejects(r.expire('model', 'm', {}), (e) => e.code === 'INVALID_INPUT')
  await assert.rejects(r.expire('model', 'm', { keepLast: 0.5 }), (e) => e.code === 'INVALID_INPUT')
})
