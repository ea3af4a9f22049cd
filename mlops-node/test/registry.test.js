'use strict'
// Registry: versions, aliases, content, errors with codes.
const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { Registry } = require('..')

test('versions, aliases and content round trip through a folder store', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlops-registry-'))
  const r = new Registry(path.join(dir, 'store'))
  assert.equal(await r.add('model', 'churn', 'weights 1', { message: 'first', metadata: { auc: 0.8 } }), 1)
  const file = path.join(dir, 'w2.bin')
  fs.writeFileSync(file, Buffer.alloc(300000, 7))
  assert.equal(await r.addFile('model', 'churn', file, { message: 'retrained' }), 2)
  await r.alias('model', 'churn', 'production', 1)
  await r.alias('model', 'churn', 'production', 2)
  const a = await new Registry(path.join(dir, 'store')).asset('model', 'churn')
  assert.deepEqual(a.versions.map((v) => v.version), [1, 2])
  assert.deepEqual(a.versions[0].metadata, { auc: 0.8 })
  assert.deepEqual(a.aliases.production.map((m) => m.version), [1, 2])
  assert.deepEqual(await r.get('model', 'churn', 'production'), fs.readFileSync(file))
  assert.equal((await r.get('model', 'churn', 1)).toString(), 'weights 1')
  const h = await r.log('model', 'churn')
  assert.deepEqual(h.map((e) => [e.seq, e.action, e.target]), [
    [1, 'version', 'model/churn@1'],
    [2, 'version', 'model/churn@2'],
    [3, 'alias', 'model/churn@1'],
    [4, 'alias', 'model/churn@2'],
  ])
  assert.equal(h[1].event.message, 'retrained')
  await assert.rejects(r.log('model', 'nope'), (e) => e.code === 'NOT_FOUND')
})

test('fast version reads agree with the fold; verify finds a changed event', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlops-registry-'))
  const r = new Registry(path.join(dir, 'store'))
  for (let i = 1; i <= 150; i++) {
    await r.add('model', 'm', `w${i}`, { message: `v${i}`, metadata: { auc: i / 200 } })
    if (i % 10 === 0) await r.alias('model', 'm', 'production', i - 1)
  }
  const a = await r.asset('model', 'm')
  assert.equal(a.events, 165)
  for (const ref of ['latest', 'production', 1, 64, 65, 150]) {
    const v = await r.version('model', 'm', ref)
    assert.deepEqual(v, a.versions[v.version - 1])
  }
  assert.equal((await r.version('model', 'm', 'production')).version, 149)
  assert.equal(await r.verify('model', 'm'), 165)
  const ev = path.join(dir, 'store', 'assets', 'model', 'm', 'log', '100'.padStart(20, '0') + '.json')
  fs.writeFileSync(ev, fs.readFileSync(ev, 'utf8').replace('"v', '"V'))
  await assert.rejects(r.verify('model', 'm'), (e) => e.code === 'INTEGRITY' && /event 101/.test(e.message))
})

test('bad input rejects with codes and writes nothing', async () => {
  const r = new Registry('memory://')
  await assert.rejects(r.add('model', '../x', 'x'), (e) => e.code === 'INVALID_INPUT')
  await assert.rejects(r.add('table', 'x', 'x'), (e) => e.code === 'INVALID_INPUT')
  await r.add('dataset', 'd', 'x')
  await assert.rejects(r.alias('dataset', 'd', 'prod', 4), (e) => e.code === 'NOT_FOUND' && e.message.includes('version 4'))
  await assert.rejects(r.get('dataset', 'd', 'nope'), (e) => e.code === 'NOT_FOUND')
  assert.throws(() => new Registry('ftp://host/x'), (e) => e.code === 'UNSUPPORTED')
  assert.equal((await r.asset('dataset', 'd')).events, 1)
})

test('tags, lineage both ways, archive and search', async () => {
  const r = new Registry('memory://')
  await r.add('dataset', 'churn', 'rows')
  await r.add('model', 'gbm', 'm1', { metadata: { metrics: { auc: 0.81 } } })
  await r.add('model', 'gbm', 'm2', { metadata: { metrics: { auc: 0.93 } } })
  await r.tag('model', 'gbm', 2, 'team', 'risk')
  await r.lineage({ kind: 'model', name: 'gbm', version: 2 }, [{ kind: 'dataset', name: 'churn', version: 1 }], { run: 'run-7' })
  const hits = await r.search("kind = 'model' and tags.team = 'risk' and metrics.auc > 0.9")
  assert.deepEqual(hits.map((h) => [h.name, h.version]), [['gbm', 2]])
  const used = (await r.asset('dataset', 'churn')).used_by
  assert.deepEqual(used[0].other, { kind: 'model', name: 'gbm', version: 2 })
  await r.archive('dataset', 'churn')
  assert.deepEqual(await r.list('dataset'), [])
  assert.deepEqual(await r.list('dataset', { includeArchived: true }), ['churn'])
  await assert.rejects(r.search('kind = model'), (e) => e.code === 'INVALID_INPUT' && e.message.includes('position 7'))
})

test('datasets: commit tables and files, time travel, columns, diff', async () => {
  const { tableFromArrays } = require('apache-arrow')
  const r = new Registry('memory://')
  const v1 = tableFromArrays({ id: Int32Array.from([1, 2, 3]), x: Float64Array.from([0.5, 1.5, 2.5]) })
  assert.equal(await r.commitDataset('events', v1, { message: 'first' }), 1)
  const file = path.join(__dirname, '..', '..', 'tests', 'vectors', 'drift', 'ref_1k.parquet')
  assert.equal(await r.commitDataset('events', file), 2)
  const back = await r.readDataset('events', 1)
  assert.deepEqual(Array.from(back.getChild('x').toArray()), [0.5, 1.5, 2.5])
  const f0 = await r.readDataset('events', 'latest', { columns: ['f0'] })
  assert.equal(f0.numRows, 1000)
  assert.deepEqual(f0.schema.fields.map((f) => f.name), ['f0'])
  const d = await r.diff('events', 1, 2)
  assert.deepEqual(d.rows, [3, 1000])
  assert.ok(d.removed.some(([c]) => c === 'id'))
  await assert.rejects(r.readDataset('events', 1, { columns: ['nope'] }), (e) => e.code === 'NOT_FOUND')
})

// An S3 bucket URL on a loopback S3-compatible server: scripts/test.sh starts
// one and sets MLOPS_TEST_S3_URL and the AWS_* variables; run alone, this
// starts its own (scripts/s3_test_server.py with the project's .venv).
async function s3Bucket(t) {
  if (process.env.MLOPS_TEST_S3_URL) return process.env.MLOPS_TEST_S3_URL.replace(/\/$/, '')
  const { spawn } = require('node:child_process')
  const root = path.join(__dirname, '..', '..')
  const server = spawn(path.join(root, '.venv', 'bin', 'python'),
    [path.join(root, 'scripts', 's3_test_server.py'), '--port', '0', '--bucket', 'mlops-test'],
    { stdio: ['ignore', 'pipe', 'inherit'] })
  t.after(() => server.kill('SIGTERM'))
  const line = await new Promise((resolve, reject) => {
    let out = ''
    server.stdout.on('data', (d) => {
      out += d
      if (out.includes('\n')) resolve(out.split('\n')[0])
    })
    server.on('exit', (code) => reject(new Error(`S3 test server exited with ${code}`)))
  })
  assert.match(line, /^listening on 127\.0\.0\.1:\d+$/)
  Object.assign(process.env, {
    AWS_ENDPOINT: `http://${line.split(' ').pop()}`,
    AWS_ALLOW_HTTP: 'true',
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    AWS_REGION: 'us-east-1',
  })
  return 's3://mlops-test'
}

test('the same registry on S3', async (t) => {
  const url = `${await s3Bucket(t)}/node-${process.pid}-${Date.now()}`
  const r = new Registry(url)
  assert.equal(await r.add('model', 'churn', 'weights 1', { message: 'first' }), 1)
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlops-s3-'))
  const file = path.join(dir, 'w2.bin')
  fs.writeFileSync(file, require('node:crypto').randomBytes(3 << 20))
  assert.equal(await r.addFile('model', 'churn', file, { message: 'retrained' }), 2)
  await r.alias('model', 'churn', 'production', 2)
  const again = new Registry(url)
  assert.deepEqual((await again.asset('model', 'churn')).versions.map((v) => v.version), [1, 2])
  assert.deepEqual(await again.get('model', 'churn', 'production'), fs.readFileSync(file))
  assert.equal((await again.get('model', 'churn', 1)).toString(), 'weights 1')
  assert.deepEqual(await again.list('model'), ['churn'])
  assert.throws(() => new Registry('s3://no-such-bucket-here/x'), (e) => e.code === 'NOT_FOUND')
})

test('typed results: Version, Asset, SearchHit, DatasetDiff, and a data set version profile', async () => {
  const { tableFromArrays } = require('apache-arrow')
  const { Version, Asset, SearchHit, DatasetDiff, Profile } = require('..')
  const r = new Registry('memory://', { principal: 'ana' })
  await r.add('model', 'm', 'w', { message: 'first', metadata: { auc: 0.9 } })
  const v = await r.version('model', 'm')
  assert.ok(v instanceof Version)
  assert.deepEqual([v.version, v.size, v.message, v.metadata, v.dataset, v.principal], [1, 1, 'first', { auc: 0.9 }, null, 'ana'])
  const a = await r.asset('model', 'm')
  assert.ok(a instanceof Asset && a.versions[0] instanceof Version)
  assert.equal(JSON.stringify(a.toJSON().versions[0]), JSON.stringify(v))
  const [hit] = await r.search("metrics.auc > 0.5 or auc > 0.5")
  assert.ok(hit instanceof SearchHit)
  assert.deepEqual([hit.kind, hit.name, hit.version, hit.alias, hit.tags], ['model', 'm', 1, [], {}])
  await r.commitDataset('d', tableFromArrays({ x: Float64Array.from([1, 2]) }))
  await r.commitDataset('d', tableFromArrays({ x: Float64Array.from([1, 2, 6]), y: Int32Array.from([1, 2, 3]) }))
  const d = await r.diff('d', 1, 2)
  assert.ok(d instanceof DatasetDiff)
  assert.deepEqual([d.fromVersion, d.toVersion, d.rows, d.added], [1, 2, [2, 3], [['y', 'Int32']]])
  assert.deepEqual(d.columns[0].mean, [1.5, 3])
  const p = await r.datasetProfile('d', 1)
  assert.ok(p instanceof Profile)
  assert.equal(p.rowCount, 2)
  assert.equal((await r.datasetProfile('d')).column('x').max, 6)
  await assert.rejects(r.datasetProfile('d', 3), (e) => e.code === 'NOT_FOUND')
  await assert.rejects(r.lineage({ kind: 'model', name: 'm' }, []), (e) => e.code === 'INVALID_INPUT' && /version/.test(e.message))
})
