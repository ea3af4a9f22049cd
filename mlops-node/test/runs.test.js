'use strict'
// Experiment tracking from Node: runs, params, tags, metric series at full
// resolution, histories, and what bad input, signals and killed processes
// leave behind (the same cases as mlops-py/tests/test_runs.py).
const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { spawn } = require('node:child_process')
const { tableFromArrays } = require('apache-arrow')
const mlops = require('..')
const { Registry, startRun, searchRuns, compareRuns } = mlops

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'mlops-runs-'))

/** A seeded generator of uniform numbers in [0, 1) (mulberry32). */
function uniform(seed) {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** `n` normal draws (Box–Muller) of mean `mu` and deviation `sigma`. */
function normals(rand, n, mu, sigma) {
  const out = new Float64Array(n)
  for (let i = 0; i < n; i++) {
    const u = 1 - rand()
    out[i] = mu + sigma * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand())
  }
  return out
}

/** A shuffled copy of `xs` (Fisher–Yates). */
function shuffled(rand, xs) {
  const out = xs.slice()
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1))
    ;[out[i], out[j]] = [out[j], out[i]]
  }
  return out
}

const column = (t, name) => Array.from(t.getChild(name).toArray(), Number)

/** Whether `got` is within `rel` of `want`, relatively. */
const near = (got, want, rel) => Math.abs(got - want) <= rel * Math.abs(want)

test('a run keeps every point and summarises it', async () => {
  const dir = tmp()
  const rand = uniform(7)
  const steps = shuffled(rand, Array.from({ length: 4000 }, (_, i) => i >> 1)) // any order, each step twice
  const loss = normals(rand, steps.length, 1.0, 0.3)
  loss[5] = NaN
  loss[9] = Infinity
  const x = normals(rand, steps.length, 0, 1)
  const run = await mlops.startRun('churn', {
    name: 'baseline',
    params: { lr: 0.01, model: { depth: 6 }, layers: [64, 32] },
    tags: { team: 'risk' },
    store: dir,
    flushPoints: 1000,
  })
  assert.match(run.id, /^[0-9a-f]{32}$/)
  for (let i = 0; i < steps.length; i++) run.log({ loss: loss[i], acc: 0.5, x: x[i] }, steps[i])
  run.log({ loss: 0.25 }, 3, { context: 'subset=val' })
  assert.equal(run.ended, false)
  await run.end('finished')
  assert.equal(run.ended, true)
  const info = await run.info()
  assert.ok(info instanceof mlops.RunInfo)
  assert.equal(info.status, 'finished')
  assert.equal(info.experiment, 'churn')
  assert.equal(info.name, 'baseline')
  assert.equal(info.parent, null)
  assert.deepEqual(info.params, { lr: '0.01', 'model.depth': '6', layers: '[64,32]' })
  assert.deepEqual(info.tags, { team: 'risk' })
  assert.equal(info.points, 3 * steps.length + 1)
  assert.equal(info.source.pid, process.pid)
  assert.ok(info.end_time >= info.start_time)

  const m = info.metrics.loss
  const finite = Array.from(loss).filter((v) => !Number.isNaN(v))
  assert.equal(m.key, 'loss')
  assert.equal(m.context, null)
  assert.equal(m.count, steps.length)
  assert.equal(m.nans, 1)
  assert.equal(m.min, Math.min(...finite))
  assert.equal(m.max, Infinity)
  assert.equal(m.sum, Infinity)
  assert.equal(m.first_step, 0)
  assert.equal(m.last_step, 1999)
  // The last value: the one at the largest step, logged last there.
  assert.equal(m.last, loss[steps.lastIndexOf(1999)])
  const sx = info.metrics.x
  const xs = Array.from(x)
  assert.equal(sx.min, Math.min(...xs))
  assert.equal(sx.max, Math.max(...xs))
  assert.ok(near(sx.sum, xs.reduce((a, b) => a + b, 0), 1e-9), `${sx.sum}`)
  assert.ok(near(sx.mean, sx.sum / xs.length, 1e-15))
  assert.deepEqual(info.metrics.acc, {
    key: 'acc', context: null, count: steps.length, nans: 0, first_step: 0, last_step: 1999,
    last: 0.5, min: 0.5, max: 0.5, sum: 0.5 * steps.length, mean: 0.5,
  })
  assert.deepEqual(Object.keys(info.metrics), ['loss', 'acc', 'x', 'loss[subset=val]'], 'in order of first appearance')
  assert.equal(info.metrics['loss[subset=val]'].count, 1)
  assert.equal(info.metrics['loss[subset=val]'].context, 'subset=val')

  const h = await run.history('loss')
  assert.deepEqual(h.schema.fields.map((f) => f.name), ['step', 'time', 'value', 'context'])
  assert.equal(h.numRows, steps.length + 1)
  const got = column(h, 'step').map((s, i) => `${s}:${h.getChild('value').get(i)}`).sort()
  const want = steps.map((s, i) => `${s}:${loss[i]}`).concat(['3:0.25']).sort()
  assert.deepEqual(got, want, 'exactly the points logged')
  const hs = column(h, 'step')
  assert.deepEqual(hs, hs.slice().sort((a, b) => a - b))
  const val = await run.history('loss', { context: 'subset=val' })
  assert.deepEqual(column(val, 'value'), [0.25])
  assert.equal(val.getChild('context').get(0), 'subset=val')
  const reg = new mlops.Registry(dir)
  assert.equal(await reg.verifyRun(run.id), info.points)
  assert.deepEqual(await reg.run(run.id), info)
  assert.deepEqual(JSON.parse(JSON.stringify(info)).params, info.params)
})

test('a downsampled history keeps each bucket\'s extremes, the same every time', async () => {
  const reg = new mlops.Registry('memory://')
  const n = 100000
  const value = Float64Array.from({ length: n }, (_, i) => Math.sin(i / 100))
  value[54321] = 99
  const run = await mlops.startRun(undefined, { store: reg })
  await run.logTable(tableFromArrays({
    key: Array.from({ length: n }, () => 'x'),
    step: BigInt64Array.from({ length: n }, (_, i) => BigInt(i)),
    value,
  }))
  await run.end('finished')
  assert.equal((await run.info()).experiment, 'default', "the engine's default experiment")
  const d = await reg.runHistory(run.id, 'x', { downsample: 250 })
  assert.ok(d.numRows >= 500 && d.numRows <= 1000, `${d.numRows}`)
  const s = column(d, 'step')
  assert.ok(s.includes(54321), 'the spike is kept')
  assert.equal(s[0], 0)
  assert.equal(s[s.length - 1], n - 1)
  const again = await reg.runHistory(run.id, 'x', { downsample: 250 })
  assert.deepEqual(column(again, 'step'), s, 'deterministic')
  assert.deepEqual(column(again, 'value'), column(d, 'value'))
  assert.equal((await reg.runHistory(run.id, 'x')).numRows, n)
})

test('bad values, keys and params are typed errors that log nothing', async () => {
  const reg = new mlops.Registry('memory://')
  const run = await mlops.startRun(undefined, { store: reg, params: { lr: 0.1 } })
  const invalid = (re) => (e) => e.code === 'INVALID_INPUT' && re.test(e.message)
  assert.throws(() => run.log({ loss: 1, acc: 'high' }, 0), invalid(/'acc'/))
  assert.throws(() => run.log({ 'a b': 1 }, 0), invalid(/key/))
  assert.throws(() => run.log(null, 0), invalid(/metrics/))
  assert.throws(() => run.log({ x: 1 }, 1.5), invalid(/step/))
  assert.throws(() => run.log({ x: 1 }), invalid(/step/))
  assert.throws(() => run.log({ x: 1 }, 0, { context: 'train' }), invalid(/context/))
  assert.throws(() => run.log({ x: 1 }, 0, { context: 7 }), invalid(/context/))
  await run.logParams({ lr: 0.1 }) // the same value again: fine
  await assert.rejects(run.logParams({ lr: 0.2 }), (e) => e.code === 'CONFLICT' && /'lr'/.test(e.message))
  await assert.rejects(run.logParams({ lr: NaN }), invalid(/params\["lr"\]/))
  await assert.rejects(run.setTags({ team: 3 }), invalid(/tags\["team"\]/))
  await assert.rejects(
    run.logTable(tableFromArrays({ key: ['a'], step: Float64Array.from([1.5]), value: Float64Array.from([1]) })),
    invalid(/'step'/),
  )
  await assert.rejects(
    run.logTable(tableFromArrays({ key: ['a', null], step: Int32Array.from([1, 2]), value: Float64Array.from([1, 2]) })),
    invalid(/row 1/),
  )
  // A table of two batches whose second is bad: refused whole.
  const two = tableFromArrays({ key: ['a', 'b'], step: Int32Array.from([1, 2]), value: Float64Array.from([1, 2]) })
    .concat(tableFromArrays({ key: [null], step: Int32Array.from([3]), value: Float64Array.from([3]) }))
  assert.equal(two.batches.length, 2)
  await assert.rejects(run.logTable(two), invalid(/'key' row 2/))
  await assert.rejects(run.logTable('points.csv'), invalid(/logTable/))
  await assert.rejects(reg.runHistory(run.id, 'x', { downsample: -1 }), invalid(/downsample/))
  await run.flush()
  assert.equal((await reg.run(run.id)).points, 0, 'the bad calls logged nothing')
  await assert.rejects(reg.run('0123456789abcdef0123456789abcdef'), (e) => e.code === 'NOT_FOUND')
  await assert.rejects(reg.run('../etc'), (e) => e.code === 'INVALID_INPUT')
  await assert.rejects(reg.runHistory(run.id, 'nope'), (e) => e.code === 'NOT_FOUND' && /'nope'/.test(e.message))
  await assert.rejects(run.end('crashed'), invalid(/not crashed/))
  await assert.rejects(run.end('done'), invalid(/done/))
  await run.end('failed')
  assert.equal((await run.info()).status, 'failed')
  assert.throws(() => run.log({ x: 1 }, 0), (e) => e.code === 'CONFLICT')
  await assert.rejects(run.end('finished'), (e) => e.code === 'CONFLICT')
  await assert.rejects(mlops.startRun('e', { store: reg, flushPoints: 0 }), invalid(/flush/))
  await assert.rejects(mlops.startRun('e', { store: reg, parent: '0123456789abcdef0123456789abcdef' }), (e) => e.code === 'NOT_FOUND')
})

test('params, tags and a table of points with contexts and times', async () => {
  const reg = new mlops.Registry('memory://')
  const run = await mlops.startRun('e', { store: reg, tags: { team: 'risk', stage: 'dev' } })
  await run.logParams({ optimizer: { name: 'adam', betas: [0.9, 0.999] }, seed: 7 })
  await run.setTags({ stage: null, owner: 'ana' })
  await run.logTable(tableFromArrays({
    key: ['f1', 'f1', 'f1'],
    step: Int32Array.from([2, 1, 3]),
    value: Float64Array.from([0.5, 0.25, NaN]),
    context: ['subset=train', 'subset=train', null],
    time: BigInt64Array.from([3n, 2n, 1n]),
  }))
  await run.end('finished')
  const info = await run.info()
  assert.deepEqual(info.params, { 'optimizer.name': 'adam', 'optimizer.betas': '[0.9,0.999]', seed: '7' })
  assert.deepEqual(info.tags, { team: 'risk', owner: 'ana' })
  const train = info.metrics['f1[subset=train]']
  assert.deepEqual([train.count, train.first_step, train.last_step, train.last, train.min, train.max], [2, 1, 2, 0.5, 0.25, 0.5])
  const plain = info.metrics.f1
  assert.equal(plain.nans, 1)
  assert.ok(Number.isNaN(plain.last) && Number.isNaN(plain.min) && Number.isNaN(plain.mean))
  assert.equal(plain.sum, 0)
  const h = await run.history('f1', { context: 'subset=train' })
  assert.deepEqual(column(h, 'step'), [1, 2])
  assert.deepEqual(column(h, 'value'), [0.25, 0.5])
})

test('nested runs, inputs, outputs, models and artifacts', async () => {
  const dir = tmp()
  const reg = new mlops.Registry(path.join(dir, 'store'))
  await reg.commitDataset('train', tableFromArrays({ x: Float64Array.from([1, 2]) }))
  fs.mkdirSync(path.join(dir, 'pkg'))
  fs.writeFileSync(path.join(dir, 'pkg', 'model.pkl'), 'weights')
  const pkg = await mlops.Package.build(path.join(dir, 'pkg'), { name: 'scorer', version: '1', flavor: 'sklearn' })
  const parent = await mlops.startRun('e', { store: reg })
  const child = await mlops.startRun('e', { store: reg, parent })
  await child.useDataset('train', 1)
  const v = await reg.add('model', 'churn', 'weights')
  await child.recordOutput('model', 'churn', v)
  assert.equal(await child.logModel(pkg, 'scorer', { message: 'trained' }), 1)
  const notes = path.join(dir, 'notes.txt')
  fs.writeFileSync(notes, 'hello')
  await child.logArtifact(notes, { name: 'docs/notes.txt' })
  await child.logArtifact(notes)
  await child.end('finished')
  await parent.end('finished')
  const info = await reg.run(child.id)
  assert.equal(info.parent, parent.id)
  assert.deepEqual(info.inputs, [{ kind: 'dataset', name: 'train', version: 1 }])
  assert.deepEqual(info.outputs, [
    { kind: 'model', name: 'churn', version: 1 },
    { kind: 'model', name: 'scorer', version: 1 },
  ])
  assert.deepEqual(info.artifacts.map((a) => [a.path, a.size]), [['docs/notes.txt', 5], ['notes.txt', 5]])
  assert.equal(info.artifacts[0].content, info.artifacts[1].content)
  for (const name of ['churn', 'scorer']) {
    const model = await reg.asset('model', name)
    assert.equal(model.inputs[0].run, child.id, name)
    assert.deepEqual(model.inputs[0].other, { kind: 'dataset', name: 'train', version: 1 })
  }
  assert.equal((await reg.version('model', 'scorer', 1)).message, 'trained')
  assert.deepEqual((await reg.runs('e')).map((r) => r.id), [child.id, parent.id])
  assert.deepEqual((await reg.runs('nope')).map((r) => r.id), [])
  const ended = (e) => e.code === 'CONFLICT' && /has ended/.test(e.message)
  await assert.rejects(child.useAsset('dataset', 'train', 1), ended)
  await assert.rejects(child.logArtifact(notes), ended)
  await assert.rejects(child.logModel(pkg, 'scorer'), ended)
  assert.equal((await reg.asset('model', 'scorer')).versions.length, 1, 'an ended run registers no model')
  assert.equal(await reg.verifyRun(child.id), 0)
})

// A child process that logs 5000 points, flushes them, logs 1000 more that
// stay buffered (no flush for an hour), prints its run's id, then ends as
// `mode` says: `exit` (the event loop empties), `wait` (until a signal),
// `listen` (its own SIGTERM listener exits 0).
const WRITER = `
'use strict'
const mlops = require(${JSON.stringify(path.join(__dirname, '..'))})
const [store, mode] = process.argv.slice(2)
if (mode === 'listen') {
  process.on('SIGTERM', () => {
    console.log('handled')
    process.exit(0)
  })
}
;(async () => {
  const run = await mlops.startRun('signals', { store, flushInterval: 3600 })
  for (let step = 0; step < 5000; step++) run.log({ k: step }, step)
  await run.flush()
  for (let step = 5000; step < 6000; step++) run.log({ k: step }, step)
  console.log(run.id)
  if (mode !== 'exit') setInterval(() => {}, 1000)
})()
`

/** Runs the writer in `mode`, sends it `signal` once it has printed its run, and resolves to its run and how it ended. */
function writer(mode, signal) {
  const dir = tmp()
  const script = path.join(dir, 'writer.js')
  fs.writeFileSync(script, WRITER)
  const store = path.join(dir, 'store')
  const p = spawn(process.execPath, [script, store, mode], { stdio: ['ignore', 'pipe', 'inherit'] })
  return new Promise((resolve, reject) => {
    let out = ''
    let sent = false
    p.stdout.on('data', (b) => {
      out += b
      if (!sent && out.includes('\n')) {
        sent = true
        if (signal) p.kill(signal)
      }
    })
    p.on('error', reject)
    p.on('close', (code, sig) => resolve({ store, lines: out.trim().split('\n'), code, sig }))
  })
}

const allPoints = Array.from({ length: 6000 }, (_, i) => i)

test('a process that exits ends its open run finished, with every point', async () => {
  const { store, lines, code } = await writer('exit', null)
  assert.equal(code, 0)
  const reg = new mlops.Registry(store)
  const info = await reg.run(lines[0])
  assert.equal(info.status, 'finished')
  assert.equal(info.points, 6000)
  assert.equal(await reg.verifyRun(lines[0]), 6000)
  assert.deepEqual(column(await reg.runHistory(lines[0], 'k'), 'value'), allPoints)
})

test('SIGTERM ends the open run killed, with every point, and the process dies of it', async () => {
  const { store, lines, sig } = await writer('wait', 'SIGTERM')
  assert.equal(sig, 'SIGTERM')
  const reg = new mlops.Registry(store)
  const info = await reg.run(lines[0])
  assert.equal(info.status, 'killed')
  assert.equal(info.points, 6000, 'the buffered points were flushed')
  assert.equal(await reg.verifyRun(lines[0]), 6000)
  assert.deepEqual(column(await reg.runHistory(lines[0], 'k'), 'value'), allPoints)
})

test('SIGKILL leaves the run crashed, with what was flushed', async () => {
  const { store, lines, sig } = await writer('wait', 'SIGKILL')
  assert.equal(sig, 'SIGKILL')
  const reg = new mlops.Registry(store)
  const info = await reg.run(lines[0])
  assert.equal(info.status, 'crashed')
  assert.equal(info.points, 5000)
  assert.equal(await reg.verifyRun(lines[0]), 5000)
  assert.deepEqual(column(await reg.runHistory(lines[0], 'k'), 'value'), allPoints.slice(0, 5000))
})

test("a program's own SIGTERM listener keeps SIGTERM; its exit ends the run finished", async () => {
  const { store, lines, code } = await writer('listen', 'SIGTERM')
  assert.equal(code, 0)
  assert.equal(lines[1], 'handled')
  const info = await new mlops.Registry(store).run(lines[0])
  assert.equal(info.status, 'finished')
  assert.equal(info.points, 6000)
})

test('searchRuns and compareRuns: the filter language over runs, and runs side by side', async () => {
  const reg = new Registry('memory://')
  const ids = []
  for (const [i, lr] of [0.1, 0.01, 0.001].entries()) {
    for (const [j, team] of ['risk', 'growth'].entries()) {
      const run = await startRun('search', { store: reg, params: { lr, layers: i + 1 }, tags: { team } })
      for (let step = 0; step < 50; step++) run.log({ loss: lr * 10 + j + 1 / (step + 1) }, step)
      await run.end('finished')
      ids.push(run.id)
    }
  }
  const t = await searchRuns(
    "params.lr in (0.1, 0.01) and metrics.loss.min < 1.5 and tags.team = 'risk' order by metrics.loss.min limit 5",
    { store: reg },
  )
  assert.deepEqual(t.getChild('params.lr').toArray(), ['0.01', '0.1'])
  const mins = Array.from(t.getChild('metrics.loss.min').toArray())
  assert.ok(Math.abs(mins[0] - 0.12) < 1e-12 && Math.abs(mins[1] - 1.02) < 1e-12, String(mins))
  assert.equal((await reg.searchRuns('parent is null')).numRows, 6)
  await assert.rejects(reg.searchRuns('params.lr in 0.1'), (e) => e.code === 'INVALID_INPUT' && /position 13/.test(e.message))
  const c = await compareRuns(ids.slice(0, 3), { store: reg })
  assert.deepEqual(c.runs.map((r) => r.id), ids.slice(0, 3))
  assert.deepEqual(c.differingParams(), { layers: ['1', '1', '2'], lr: ['0.1', '0.1', '0.01'] })
  assert.equal(c.metrics[0].series, 'loss')
  assert.ok(Math.abs(c.metrics[0].summaries[2].min - 0.12) < 1e-12)
  const html = await c.html()
  assert.equal(html.split('<polyline').length - 1, 3)
  await assert.rejects(compareRuns(ids.slice(0, 1), { store: reg }), (e) => e.code === 'INVALID_INPUT')
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'mlops-runs-')), 'risk.parquet')
  assert.equal(await reg.exportRunsParquet(file, "tags.team = 'risk'"), 3)
  assert.equal(fs.readFileSync(file).subarray(0, 4).toString(), 'PAR1')
  assert.equal(await reg.exportRunsParquet(file), 6)
  assert.equal(await reg.rebuildRunTable(), 6)
  await assert.rejects(reg.exportRunsParquet(file, 'params.lr in 0.1'), (e) => e.code === 'INVALID_INPUT')
})

test('system metrics are off by default, and MLflow\'s system/ keys when on', async () => {
  const keys = [
    'system/cpu_utilization_percentage',
    'system/system_memory_usage_megabytes',
    'system/system_memory_usage_percentage',
    'system/disk_usage_megabytes',
    'system/disk_available_megabytes',
    'system/disk_usage_percentage',
    'system/network_receive_megabytes',
    'system/network_transmit_megabytes',
  ]
  const dir = tmp()
  const off = await startRun('sys', { store: dir })
  off.log({ loss: 1 }, 0)
  await off.end('finished')
  assert.deepEqual(Object.keys((await off.info()).metrics), ['loss'])

  const run = await startRun('sys', { store: dir, systemMetrics: true, systemMetricsInterval: 0.02, flushInterval: 0.02 })
  // Bounded wait for two samples of every key (no timing assumed).
  for (let i = 0; i < 3000; i++) {
    await run.flush()
    const m = (await run.info()).metrics
    if (keys.every((k) => m[k] && m[k].count >= 2)) break
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
  await run.end('finished')
  const info = await run.info()
  assert.deepEqual(Object.keys(info.metrics).sort(), keys.slice().sort())
  const n = info.metrics['system/cpu_utilization_percentage'].count
  assert.ok(n >= 2, `${n}`)
  for (const k of keys) {
    const m = info.metrics[k]
    assert.deepEqual([m.count, m.first_step, m.last_step], [n, 0, n - 1], k)
  }
  const cpu = await run.history('system/cpu_utilization_percentage')
  assert.deepEqual(column(cpu, 'step'), Array.from({ length: n }, (_, i) => i))
  assert.ok(column(cpu, 'value').every((v) => v >= 0 && v <= 100))
  assert.ok(info.metrics['system/system_memory_usage_megabytes'].min > 0)
  assert.ok(info.metrics['system/network_receive_megabytes'].min >= 0)
  await assert.rejects(
    startRun('sys', { store: dir, systemMetrics: true, systemMetricsInterval: 0.001 }),
    (e) => e.code === 'INVALID_INPUT' && /system_metrics_interval/.test(e.message),
  )
})
