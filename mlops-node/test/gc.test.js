'use strict'
// Retention (expire, pin, EXPIRED; who expired what, on assets and search
// hits), garbage collection and fsck, on a folder and on S3.
const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { Registry } = require('..')
const { s3Store } = require('./s3')

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

test('assets and search hits say what was expired, by whom and by which rule', async () => {
  const url = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'mlops-gc-hits-')), 'store')
  const r = new Registry(url, { principal: 'ops' })
  await threeVersions(r)
  await r.pin('model', 'm', 1)
  let a = await r.asset('model', 'm')
  assert.deepEqual([a.expired, a.pinned], [{}, [1]])
  assert.deepEqual((await r.search("name = 'm'")).map((h) => h.expired), [false, false, false])
  const bot = new Registry(url, { principal: 'retention-bot' })
  assert.deepEqual(await bot.expire('model', 'm', { keepLast: 1, reason: 'budget' }), [2])
  a = await r.asset('model', 'm')
  const [expiry] = (await r.log('model', 'm')).filter((e) => e.action === 'expire')
  assert.deepEqual(a.expired, { 2: { principal: 'retention-bot', time: expiry.time, seq: 5, policy: 'keep_last=1' } })
  assert.deepEqual(a.pinned, [1])
  assert.deepEqual(a.toJSON().pinned, [1])
  const hits = await r.search("name = 'm'")
  assert.deepEqual(hits.map((h) => [h.version, h.expired]), [[1, false], [2, true], [3, false]])
  assert.equal(hits[1].toJSON().expired, true)
  assert.deepEqual((await r.search('expired = true')).map((h) => h.version), [2])
  assert.deepEqual((await r.search('expired = false')).map((h) => h.version), [1, 3])
  const page = await r.search('expired = true', { limit: 5 })
  assert.deepEqual(page.map((h) => [h.version, h.expired]), [[2, true]])
})

test('gc plan/apply and fsck on S3: what goes is what the plan lists, and nothing is left over', async (t) => {
  const r = new Registry(await s3Store(t, 'node-gc'), { principal: 'ops' })
  await threeVersions(r)
  await r.alias('model', 'm', 'production', 1)
  assert.deepEqual(await r.expire('model', 'm', { keepLast: 1, reason: 'cleanup' }), [2])
  await assert.rejects(r.get('model', 'm', 2), (e) => e.code === 'EXPIRED' && /v2 was expired by ops/.test(e.message))
  assert.deepEqual((await r.search("name = 'm'")).map((h) => h.expired), [false, true, false])
  const v2 = (await r.asset('model', 'm')).versions[1]
  const before = await r.fsck()
  assert.deepEqual([before.ok, before.orphans, before.missing], [true, [], []])

  // The default grace (7 days) keeps everything just written; below an hour needs unsafe.
  assert.equal((await r.gcPlan()).count, 0)
  await assert.rejects(r.gcPlan({ grace: '10m' }), (e) => e.code === 'INVALID_INPUT')
  // The collector's now is the store's clock (a marker's last_modified), which
  // S3 keeps in whole seconds: let it pass the second of the expiry, which the
  // writer's clock stamped in milliseconds, or a grace of 0 still finds it young.
  await new Promise((resolve) => setTimeout(resolve, 1100))
  const plan = await r.gcPlan({ grace: 0, unsafe: true })
  // Exactly v2's blobs: its manifest (the version's content hash) and its one chunk (v2's bytes).
  assert.equal(plan.count, 2)
  assert.deepEqual([...new Set(plan.items.map((i) => i.reason))], ['expired_only'])
  assert.ok(plan.items.some((i) => i.hash === v2.content))
  assert.ok(plan.items.some((i) => i.hash !== v2.content && i.bytes === v2.size))
  assert.equal(plan.bytes, plan.items.reduce((n, i) => n + i.bytes, 0))
  const done = await r.gcApply(plan)
  assert.deepEqual(done, { count: plan.count, bytes: plan.bytes, skipped: [] })
  // The store shrank by exactly the plan, and nothing is orphaned or missing.
  const after = await r.fsck()
  assert.deepEqual([after.ok, after.orphans, after.orphan_bytes, after.missing], [true, [], 0, []])
  assert.deepEqual([before.objects - after.objects, before.bytes - after.bytes], [plan.count, plan.bytes])
  // A second plan finds nothing; what stays still reads.
  assert.deepEqual([(await r.gcPlan({ grace: 0, unsafe: true })).count, (await r.gcApply(plan)).count], [0, 0])
  assert.equal(Buffer.from(await r.get('model', 'm', 'production')).toString(), 'weights 0'.repeat(1000))
  assert.equal(Buffer.from(await r.get('model', 'm', 3)).toString(), 'weights 2'.repeat(1000))
})
