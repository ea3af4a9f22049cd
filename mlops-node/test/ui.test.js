'use strict'
// The web UI from Node (`mlops.ui.serve`): the same server as `mlops ui`,
// started in this process. Its answers are the engine's (a search page
// equals `Registry.search`), it keeps the event loop alive until stopped,
// and bad starts throw coded errors. The HTTP API itself is tested in
// mlops-ui/tests/api.rs, the pages in a real browser (mlops-ui/tests-browser).
const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const mlops = require('..')

async function store() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlops-ui-'))
  const reg = new mlops.Registry(dir)
  for (let v = 0; v < 3; v++) await reg.add('model', 'churn', Buffer.from(`w${v}`), { metadata: { metrics: { auc: 0.8 + v / 100 } } })
  await reg.add('model', 'fraud', Buffer.from('w'), { metadata: { metrics: { auc: 0.95 } } })
  return { dir, reg }
}

test('a search page is the engine search', async () => {
  const { dir, reg } = await store()
  const server = mlops.ui.serve(dir, { port: 0 })
  try {
    assert.equal(server.running, true)
    assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+\/$/)
    const r = await fetch(`${server.url}api/assets?q=${encodeURIComponent('metrics.auc > 0.805')}`)
    assert.equal(r.status, 200)
    const page = await r.json()
    const engine = await reg.search('metrics.auc > 0.805')
    assert.deepEqual(
      page.hits.map((h) => `${h.name}@${h.version}`),
      engine.map((h) => `${h.name}@${h.version}`),
    )
    assert.deepEqual(page.hits.map((h) => `${h.name}@${h.version}`), ['churn@2', 'churn@3', 'fraud@1'])
    const bad = await fetch(`${server.url}api/assets?q=${encodeURIComponent('metrics.auc >')}`)
    assert.equal(bad.status, 400)
    assert.equal((await bad.json()).error.position, 13)
  } finally {
    server.stop()
  }
  assert.equal(server.running, false)
  server.stop()
})

test('bad starts throw coded errors', async () => {
  const { dir } = await store()
  assert.throws(() => mlops.ui.serve(path.join(dir, 'missing'), { port: 0 }), { code: 'NOT_FOUND' })
  assert.throws(() => mlops.ui.serve(dir, { host: '0.0.0.0', port: 0 }), { code: 'INVALID_INPUT', message: /loopback/ })
  assert.throws(() => mlops.ui.serve(dir, { port: 70000 }), { code: 'INVALID_INPUT', message: /port/ })
  assert.throws(() => mlops.ui.serve(42), { code: 'INVALID_INPUT' })
  const first = mlops.ui.serve(dir, { port: 0 })
  try {
    assert.throws(() => mlops.ui.serve(dir, { port: first.port }), { code: 'CONFLICT' })
  } finally {
    first.stop()
  }
})

test('a token server refuses a request without its token', async () => {
  const { dir } = await store()
  const server = mlops.ui.serve(dir, { port: 0, token: 'ana=0123456789abcdef0123', allowWrites: true })
  try {
    assert.equal((await fetch(`${server.url}api/info`)).status, 401)
    const ok = await fetch(`${server.url}api/info`, { headers: { Authorization: 'Bearer 0123456789abcdef0123' } })
    const info = await ok.json()
    assert.equal(info.writes, true)
    assert.equal(info.csrf.length, 64)
  } finally {
    server.stop()
  }
})
