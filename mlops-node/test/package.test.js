'use strict'
// Model packages from Node: the shared vector, tampering, signing, archives,
// signature checks and the registry.
const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { tableFromArrays, vectorFromArray, Int32, Float64, makeTable } = require('apache-arrow')
const { Package, Signature, Registry, generateKey } = require('..')

const VECTOR = path.join(__dirname, '..', '..', 'tests', 'vectors', 'package')
const expected = JSON.parse(fs.readFileSync(path.join(VECTOR, 'expected.json'), 'utf8'))

function tmp() {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'mlops-package-'))
}

function vectorCopy() {
  const dest = path.join(tmp(), 'churn')
  fs.cpSync(path.join(VECTOR, 'churn'), dest, { recursive: true })
  return dest
}

function tamper(dir, t) {
  const file = path.join(dir, t.file)
  if (t.op === 'flip') {
    const b = fs.readFileSync(file)
    b[t.offset] ^= 1
    fs.writeFileSync(file, b)
  } else if (t.op === 'remove') {
    fs.unlinkSync(file)
  } else {
    fs.writeFileSync(file, t.content)
  }
}

test('the shared vector verifies with the expected hashes', async () => {
  const pkg = await Package.load(vectorCopy())
  await pkg.verify()
  assert.equal(pkg.manifest.name, expected.name)
  assert.equal(pkg.manifest.flavor, expected.flavor)
  assert.deepEqual(pkg.manifest.metrics, { auc: 0.91 })
  assert.deepEqual(pkg.manifest.files.map((f) => f.path), expected.files.map((f) => f.path))
  for (const [i, want] of expected.files.entries()) {
    assert.equal(pkg.manifest.files[i].size, want.size)
    if (want.blake3) assert.equal(pkg.manifest.files[i].blake3, want.blake3)
  }
})

test('every tampered copy of the vector is refused, naming the file', async () => {
  for (const t of expected.tampered) {
    const dir = vectorCopy()
    tamper(dir, t)
    await assert.rejects(
      async () => (await Package.load(dir)).verify(),
      (e) => e.code === 'INTEGRITY' && e.message.includes(t.error_contains),
      JSON.stringify(t),
    )
  }
})

test('build, sign, archive, tamper', async () => {
  const dir = tmp()
  const src = path.join(dir, 'w.bin')
  fs.writeFileSync(src, Buffer.alloc(50000, 9))
  const pkg = await Package.build(path.join(dir, 'pkg'), {
    name: 'churn',
    version: '1.0.0',
    flavor: 'sklearn',
    metrics: { auc: 0.93 },
    card: { owners: ['risk-team'] },
    files: [src],
  })
  assert.deepEqual(pkg.manifest.files.map((f) => [f.path, f.size]), [['w.bin', 50000]])
  assert.deepEqual(pkg.manifest.card.owners, ['risk-team'])
  const key = path.join(dir, 'release.key')
  const id = generateKey(key)
  assert.equal(fs.statSync(key).mode & 0o777, 0o600)
  await assert.rejects(pkg.verifySignature([key + '.pub']), (e) => e.code === 'NOT_FOUND' && /not signed/.test(e.message))
  assert.equal(await pkg.sign(key), id)
  assert.equal(await pkg.verifySignature([key + '.pub']), id)
  const archive = path.join(dir, 'm.tar.zst')
  await pkg.saveArchive(archive)
  const back = await Package.load(archive)
  assert.equal(await back.verifySignature([key + '.pub']), id)
  const other = path.join(dir, 'other.key')
  generateKey(other)
  await assert.rejects(back.verifySignature([other + '.pub']), (e) => e.code === 'PERMISSION_DENIED' && e.message.includes(id))
  const b = fs.readFileSync(path.join(dir, 'pkg', 'w.bin'))
  b[100] ^= 1
  fs.writeFileSync(path.join(dir, 'pkg', 'w.bin'), b)
  await assert.rejects(pkg.verifySignature([key + '.pub']), (e) => e.code === 'INTEGRITY' && e.message.includes('w.bin'))
  await assert.rejects(Package.build(dir, { name: 'x', version: '1', flavor: 'caffe' }), (e) => e.code === 'INVALID_INPUT')
})

test('signature validation reports every problem', async () => {
  const sig = new Signature({
    inputs: [
      { name: 'age', type: 'Float64', nullable: false },
      { name: 'plan', type: 'Utf8', nullable: false },
      { name: 'tenure', type: 'Int64', nullable: false },
    ],
  })
  const table = makeTable({
    age: vectorFromArray([41, null, null], new Int32()),
    plan: vectorFromArray([1, 2, 3], new Float64()),
  })
  const r = await sig.validate(table)
  assert.equal(r.ok, false)
  assert.deepEqual(r.problems, [
    { kind: 'nulls', column: 'age', count: 2, first_row: 1 },
    { kind: 'type_mismatch', column: 'plan', expected: 'Utf8', found: 'Float64' },
    { kind: 'missing_column', column: 'tenure' },
  ])
  const ok = await new Signature({ inputs: [{ name: 'x', type: 'Float64' }] }).validate(tableFromArrays({ x: Float64Array.from([1, 2]) }))
  assert.deepEqual(ok, { ok: true, problems: [], messages: [] })
})

test('push and pull through the registry', async () => {
  const dir = tmp()
  fs.mkdirSync(path.join(dir, 'pkg'))
  fs.writeFileSync(path.join(dir, 'pkg', 'model.pkl'), 'weights')
  const pkg = await Package.build(path.join(dir, 'pkg'), { name: 'churn', version: '1', flavor: 'sklearn', metrics: { auc: 0.95 } })
  const reg = new Registry(path.join(dir, 'store'))
  assert.equal(await reg.pushPackage(pkg, 'churn', { message: 'first' }), 1)
  const hits = await reg.search('metrics.auc > 0.9')
  assert.deepEqual(hits.map((h) => h.version), [1])
  const back = await reg.pullPackage('churn', 'latest', path.join(dir, 'pulled'))
  await back.verify()
  assert.deepEqual(back.manifest, pkg.manifest)
  await assert.rejects(reg.pullPackage('churn', 1, path.join(dir, 'pulled')), (e) => e.code === 'ALREADY_EXISTS')
})
