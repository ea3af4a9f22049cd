'use strict'
// Runs to and from other trackers from Node: TensorBoard event files out and
// back in, and an MLflow `mlruns` folder in (the Python tests check the same
// against the real TensorBoard and MLflow).
const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const mlops = require('..')
const { Registry } = mlops

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'mlops-interop-'))

/** [step, value, context] of a series, in (step, time) order. */
async function points(reg, id, key) {
  const t = await reg.runHistory(id, key)
  const out = []
  for (let i = 0; i < t.numRows; i++) {
    out.push([Number(t.getChild('step').get(i)), t.getChild('value').get(i), t.getChild('context').get(i)])
  }
  return out
}

test('a run exported to TensorBoard event files imports back as 32-bit floats', async () => {
  const reg = new Registry(tmp())
  const run = await mlops.startRun('tb', { store: reg })
  run.log({ loss: 1 / 3 }, 1)
  run.log({ loss: NaN }, 2)
  run.log({ acc: 0.8 }, 1, { context: 'subset=val' })
  await run.end('finished')
  const out = tmp()
  const files = await reg.exportRunTensorboard(run.id, out)
  assert.deepEqual(
    files.map((f) => path.relative(out, path.dirname(f))),
    ['', 'subset=val'],
  )
  assert.ok(files.every((f) => path.basename(f).startsWith('events.out.tfevents.')))
  await assert.rejects(reg.exportRunTensorboard(run.id, out), (e) => e.code === 'ALREADY_EXISTS')
  const back = await reg.importTensorboard(out, { experiment: 'back', tags: { from: 'node' } })
  const info = await reg.run(back)
  assert.equal(info.experiment, 'back')
  assert.equal(info.tags.from, 'node')
  assert.equal(info.tags['mlops.imported_from'], `tensorboard:${out}`)
  const loss = await points(reg, back, 'loss')
  assert.deepEqual(loss[0], [1, Math.fround(1 / 3), null])
  assert.ok(Number.isNaN(loss[1][1]))
  assert.deepEqual(await points(reg, back, 'acc'), [[1, Math.fround(0.8), 'subset=val']])

  // A damaged record: INTEGRITY naming the file and the byte offset.
  const bytes = fs.readFileSync(files[0])
  bytes[bytes.length - 1] ^= 0xff
  const bad = path.join(tmp(), 'events.out.tfevents.1.bad')
  fs.writeFileSync(bad, bytes)
  await assert.rejects(
    reg.importTensorboard(bad),
    (e) => e.code === 'INTEGRITY' && e.message.includes(bad) && /at byte \d+/.test(e.message),
  )
})

test('an MLflow mlruns folder imports once, with params, tags and every point', async () => {
  const root = tmp()
  const put = (rel, text) => {
    fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true })
    fs.writeFileSync(path.join(root, rel), text)
  }
  const id = '0123456789abcdef0123456789abcdef'
  put('0/meta.yaml', "experiment_id: '0'\nlifecycle_stage: active\nname: Default\n")
  put(
    `0/${id}/meta.yaml`,
    `experiment_id: '0'\nlifecycle_stage: active\nrun_id: ${id}\nrun_name: fox\nstart_time: 1700000001000\nend_time: 1700000002000\nstatus: 5\n`,
  )
  put(`0/${id}/params/lr`, '0.01')
  put(`0/${id}/tags/mlflow.user`, 'ana')
  put(`0/${id}/metrics/loss`, '1700000001000 0.5 0\n1700000001500 nan 1\n1700000001600 -inf 2\n')
  const reg = new Registry(tmp())
  const report = await reg.importMlflow(root)
  assert.deepEqual(Object.keys(report.imported), [id])
  assert.deepEqual(report.skipped, {})
  const info = await reg.run(report.imported[id])
  assert.equal(info.name, 'fox')
  assert.equal(info.status, 'killed')
  assert.equal(info.start_time, 1700000001000)
  assert.equal(info.end_time, 1700000002000)
  assert.deepEqual(info.params, { lr: '0.01' })
  assert.equal(info.tags['mlflow.user'], 'ana')
  const loss = await points(reg, info.id, 'loss')
  assert.deepEqual(loss[0], [0, 0.5, null])
  assert.ok(Number.isNaN(loss[1][1]))
  assert.equal(loss[2][1], -Infinity)
  const again = await reg.importMlflow(`file://${root}`)
  assert.deepEqual(again, { imported: {}, skipped: report.imported })
  await assert.rejects(reg.importMlflow('sqlite:'), (e) => e.code === 'INVALID_INPUT')
})
