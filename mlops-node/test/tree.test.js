'use strict'
// Folders as versions: addFile with a folder, status, checkout, diffFiles.
const test = require('node:test')
const assert = require('node:assert/strict')
const crypto = require('node:crypto')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { Registry, TreeDiff, Checkout } = require('..')
const { s3Bucket } = require('./s3')

// The stat cache goes to a folder of this run's own.
process.env.MLOPS_CACHE_DIR = fs.mkdtempSync(path.join(os.tmpdir(), 'mlops-tree-cache-'))

function write(root, rel, data) {
  const p = path.join(root, rel)
  fs.mkdirSync(path.dirname(p), { recursive: true })
  fs.writeFileSync(p, data)
  // An hour old, so the stat cache trusts it at once.
  const t = Date.now() / 1000 - 3600
  fs.utimesSync(p, t, t)
}

function folder(root) {
  for (let i = 0; i < 120; i++) write(root, `c${i % 3}/img${String(i).padStart(4, '0')}.jpg`, Buffer.alloc(50 + i * 41, i))
  write(root, 'labels.csv', 'path,label\n')
}

function digests(root) {
  const out = {}
  for (const rel of fs.readdirSync(root, { recursive: true })) {
    const p = path.join(root, rel)
    if (fs.statSync(p).isFile()) out[rel] = crypto.createHash('sha256').update(fs.readFileSync(p)).digest('hex')
  }
  return out
}

async function mainPath(url) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlops-tree-'))
  const r = new Registry(url)
  const src = path.join(dir, 'images')
  folder(src)
  assert.equal(await r.addFile('dataset', 'images', src, { message: 'first' }), 1)
  const v = await r.version('dataset', 'images')
  assert.deepEqual(v.tree, { files: 121 })
  const clean = await r.status('dataset', 'images', src)
  assert.ok(clean instanceof TreeDiff)
  assert.deepEqual([clean.added, clean.removed, clean.changed, clean.unchanged, clean.hashed], [[], [], [], 121, 0])
  write(src, 'c1/img0001.jpg', 'edited')
  write(src, 'c7/new.jpg', 'new!')
  fs.rmSync(path.join(src, 'c2/img0002.jpg'))
  const st = await r.status('dataset', 'images', src, 1)
  assert.deepEqual(st.added, [{ path: 'c7/new.jpg', sizeBefore: null, sizeAfter: 4 }])
  assert.deepEqual(st.removed, [{ path: 'c2/img0002.jpg', sizeBefore: 132, sizeAfter: null }])
  assert.deepEqual(st.changed, [{ path: 'c1/img0001.jpg', sizeBefore: 91, sizeAfter: 6 }])
  assert.equal(st.hashed, 2)
  assert.equal(await r.addFile('dataset', 'images', src, { reason: 'relabel' }), 2)
  const d = await r.diffFiles('dataset', 'images', 1, 2)
  assert.deepEqual(d.toJSON(), { ...st.toJSON(), unchanged: 119, hashed: 0 })
  const dest = path.join(dir, 'restored')
  const c = await r.checkout('dataset', 'images', dest, 1)
  assert.ok(c instanceof Checkout)
  assert.deepEqual(c.toJSON(), { files: 121, written: 121, bytes: v.size })
  const v1 = path.join(dir, 'v1')
  folder(v1)
  assert.deepEqual(digests(dest), digests(v1))
  await assert.rejects(r.get('dataset', 'images', 1), (e) => e.code === 'INVALID_INPUT' && /directory of 121 files/.test(e.message))
}

test('a folder round trips, with status and a per-file diff', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlops-tree-store-'))
  await mainPath(path.join(dir, 'store'))
})

test('the same on S3', async (t) => {
  await mainPath(`${await s3Bucket(t)}/node-tree-${process.pid}-${Date.now()}`)
})

test('a link leaving the folder is refused, naming it', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlops-tree-'))
  const r = new Registry(path.join(dir, 'store'))
  const src = path.join(dir, 'images')
  folder(src)
  fs.symlinkSync('/etc/passwd', path.join(src, 'c0', 'evil'))
  await assert.rejects(r.addFile('dataset', 'images', src), (e) => e.code === 'INVALID_INPUT' && e.message.includes('c0/evil'))
})
