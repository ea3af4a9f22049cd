'use strict'
// Package exports from Node: the MLServer layout and every refusal, each
// with its error code (the layouts are served by MLServer and parsed by
// Triton's schema in the Python tests).
const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { Package, generateKey } = require('..')

const SIGNATURE = {
  inputs: [
    { name: 'age', type: 'Float64', nullable: false },
    { name: 'plan', type: 'Utf8', nullable: true },
  ],
  outputs: [{ name: 'churn', type: 'Int64', nullable: false }],
}

async function signedPackage(flavor = 'sklearn') {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlops-export-'))
  const src = path.join(dir, 'pkg')
  fs.mkdirSync(src)
  fs.writeFileSync(path.join(src, 'model.pkl'), 'pickled estimator')
  const pkg = await Package.build(src, { name: 'churn', version: '1.2.0', flavor, signature: SIGNATURE })
  const key = path.join(dir, 'release.key')
  const id = generateKey(key)
  await pkg.sign(key)
  return { dir, pkg, key: `${key}.pub`, id }
}

test('an MLServer export declares the signature and names the signing key', async () => {
  const { dir, pkg, key, id } = await signedPackage()
  const out = path.join(dir, 'serve')
  const side = await pkg.export(out, 'mlserver', { trusted: [key] })
  assert.equal(side.target, 'mlserver')
  assert.equal(side.name, 'churn')
  assert.equal(side.version, '1.2.0')
  assert.equal(side.signed_by, id)
  assert.equal(side.numeric_version, null)
  const settings = JSON.parse(fs.readFileSync(path.join(out, 'churn', 'model-settings.json'), 'utf8'))
  assert.equal(settings.implementation, 'mlops.serving.mlserver.PackageRuntime')
  assert.deepEqual(settings.inputs.map((i) => [i.name, i.datatype, i.shape]), [['age', 'FP64', [-1]], ['plan', 'BYTES', [-1]]])
  assert.deepEqual(settings.outputs.map((o) => [o.name, o.datatype]), [['churn', 'INT64']])
  assert.deepEqual(JSON.parse(fs.readFileSync(path.join(out, 'churn', 'mlops.json'), 'utf8')), side)
  const triton = await pkg.export(path.join(dir, 'triton'), 'triton', { trusted: [key], version: 7 })
  assert.equal(triton.numeric_version, 7)
  assert.ok(fs.existsSync(path.join(dir, 'triton', 'churn', '7', 'model.py')))
})

test('unsigned, tampered, unholdable and existing-folder exports are refused with their codes', async () => {
  const { dir, pkg, key } = await signedPackage()
  await assert.rejects(pkg.export(path.join(dir, 'a'), 'mlserver'), (e) => e.code === 'PERMISSION_DENIED' && /allow_unsigned/.test(e.message))
  const side = await pkg.export(path.join(dir, 'b'), 'mlserver', { allowUnsigned: true })
  assert.equal(side.signed_by, null)
  await assert.rejects(pkg.export(path.join(dir, 'c'), 'tfserving', { trusted: [key] }),
    (e) => e.code === 'UNSUPPORTED' && e.message.includes('export target tfserving') && e.message.includes('flavor sklearn'))
  await assert.rejects(pkg.export(path.join(dir, 'b'), 'mlserver', { trusted: [key] }), (e) => e.code === 'ALREADY_EXISTS')
  await assert.rejects(pkg.export(path.join(dir, 'd'), 'torchserve', { trusted: [key] }),
    (e) => e.code === 'INVALID_INPUT' && e.message.includes("unknown export target 'torchserve'"))
  fs.writeFileSync(path.join(pkg.path, 'model.pkl'), 'pickled estimatoR')
  await assert.rejects(pkg.export(path.join(dir, 'e'), 'mlserver', { trusted: [key] }),
    (e) => e.code === 'INTEGRITY' && e.message.includes('model.pkl'))
  await assert.rejects(pkg.export(path.join(dir, 'f'), 'mlserver', { allowUnsigned: true }), (e) => e.code === 'INTEGRITY')
  for (const f of ['a', 'c', 'd', 'e', 'f']) assert.ok(!fs.existsSync(path.join(dir, f)), f)
})
