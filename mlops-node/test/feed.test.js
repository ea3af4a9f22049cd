'use strict'
// The registry's change feed from Node: events after a cursor in log
// order, a watch that sees new commits and resumes from its cursor file
// (a folder and S3), and the dispatcher's signature checked with Node's crypto.
const { test } = require('node:test')
const assert = require('node:assert/strict')
const crypto = require('node:crypto')
const fs = require('node:fs')
const http = require('node:http')
const os = require('node:os')
const path = require('node:path')
const mlops = require('..')

const NAMES = ['version.created', 'version.created', 'alias.set', 'alias.moved', 'tag.set', 'tag.deleted', 'asset.archived', 'asset.restored']

async function history(r) {
  await r.add('model', 'churn', 'v1', { message: 'first' })
  await r.add('model', 'churn', 'v2', { message: 'second' })
  await r.alias('model', 'churn', 'production', 1)
  await r.alias('model', 'churn', 'production', 2, { reason: 'better auc' })
  await r.tag('model', 'churn', 2, 'team', 'risk')
  await r.tag('model', 'churn', 2, 'team', null)
  await r.archive('model', 'churn')
  await r.archive('model', 'churn', { restore: true })
}

function tmp(name) {
  return fs.mkdtempSync(path.join(os.tmpdir(), `mlops-feed-${name}-`))
}

test('changes name every event in log order', async () => {
  const r = new mlops.Registry(path.join(tmp('changes'), 'store'), { principal: 'ana' })
  await history(r)
  const { events, cursor } = await r.changes('start')
  assert.deepEqual(events.map((e) => e.event), NAMES)
  assert.deepEqual(events.map((e) => e.id), NAMES.map((_, i) => `model/churn@${i + 1}`))
  assert.ok(events[0] instanceof mlops.FeedEvent)
  const moved = events[3]
  assert.deepEqual([moved.version, moved.previous, moved.reason, moved.change.alias], [2, 1, 'better auc', 'production'])
  assert.equal(events[2].previous, null)
  assert.equal(events[0].toJSON().principal, 'ana')
  assert.deepEqual((await r.changes(cursor)).events, [])
  assert.equal(await r.feedCursor(), cursor)
  const two = await r.changes('start', { limit: 2 })
  assert.deepEqual((await r.changes(two.cursor)).events.map((e) => e.seq), [3, 4, 5, 6, 7, 8])
})

// The S3-compatible server scripts/test.sh starts (MLOPS_TEST_S3_URL), as registry.test.js uses it.
const stores = [['folder', () => path.join(tmp('watch'), 'store')]]
if (process.env.MLOPS_TEST_S3_URL) {
  stores.push(['s3', () => `${process.env.MLOPS_TEST_S3_URL.replace(/\/$/, '')}/node-feed-${crypto.randomUUID()}`])
}

for (const [where, url] of stores) {
  test(`a watch sees commits and resumes from its cursor file (${where})`, async () => {
    const r = new mlops.Registry(url())
    await r.add('model', 'old', 'x')
    const cursorFile = path.join(tmp('cursor'), 'feed.cursor')
    const w = r.watch({ cursorFile, pollInterval: 0.05 })
    assert.equal(w.notified, where === 'folder')
    assert.equal(await w.next(0.1), null)
    const writing = (async () => {
      for (let i = 0; i < 4; i++) await r.add('model', 'new', `v${i}`)
    })()
    const got = [await w.next(20), await w.next(20)]
    await writing
    w.close()
    await r.alias('model', 'new', 'production', 4)
    // The file holds the cursor after the first event (the second was not
    // yet handled when the watch stopped): the second comes again.
    const again = []
    for await (const e of r.watch({ cursorFile, timeout: 0.5, pollInterval: 0.05 })) again.push(e.id)
    assert.deepEqual(got.map((e) => e.id), ['model/new@1', 'model/new@2'])
    assert.deepEqual(again, ['model/new@2', 'model/new@3', 'model/new@4', 'model/new@5'])
  })
}

test('bad cursors and options reject with INVALID_INPUT', async () => {
  const r = new mlops.Registry('memory://')
  await assert.rejects(r.changes('not a cursor'), { code: 'INVALID_INPUT', message: /cursor/ })
  const bad = path.join(tmp('bad'), 'bad.cursor')
  fs.writeFileSync(bad, 'garbage')
  assert.throws(() => r.watch({ cursorFile: bad }), { code: 'INVALID_INPUT', message: /bad\.cursor/ })
  await assert.rejects(r.watch().next(-1), { code: 'INVALID_INPUT', message: /timeout/ })
  await assert.rejects(r.dispatch('ftp://x', { secretEnv: 'S', timeout: 0 }), { code: 'INVALID_INPUT', message: /url/ })
})

test('dispatch signs each event and resumes after a refusal', async () => {
  const r = new mlops.Registry(path.join(tmp('dispatch'), 'store'))
  await history(r)
  process.env.MLOPS_TEST_FEED_SECRET = 's3cret'
  const got = []
  const statuses = [200, 200, 200, 400]
  const server = http.createServer((req, res) => {
    const chunks = []
    req.on('data', (c) => chunks.push(c))
    req.on('end', () => {
      got.push({ headers: req.headers, body: Buffer.concat(chunks) })
      res.writeHead(statuses.shift() ?? 200, { 'content-length': 0 })
      res.end()
    })
  })
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  const url = `http://127.0.0.1:${server.address().port}/hook`
  const cursorFile = path.join(tmp('hook'), 'hook.cursor')
  try {
    await assert.rejects(
      r.dispatch(url, { secretEnv: 'MLOPS_TEST_FEED_SECRET', since: 'start', cursorFile, timeout: 1 }),
      { code: 'STORAGE', message: /model\/churn@4/ },
    )
    got.forEach(({ headers, body }, i) => {
      const want = 'sha256=' + crypto.createHmac('sha256', 's3cret').update(body).digest('hex')
      assert.equal(headers['x-mlops-signature'], want)
      assert.equal(headers['x-mlops-event-id'], `model/churn@${i + 1}`)
      assert.equal(JSON.parse(body).event, NAMES[i])
    })
    got.length = 0
    assert.equal(await r.dispatch(url, { secretEnv: 'MLOPS_TEST_FEED_SECRET', cursorFile, timeout: 0.5 }), 5)
    assert.deepEqual(got.map((g) => g.headers['x-mlops-event-id']), [4, 5, 6, 7, 8].map((i) => `model/churn@${i}`))
  } finally {
    server.close()
  }
})
