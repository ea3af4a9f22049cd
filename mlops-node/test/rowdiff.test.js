'use strict'
// Row-level diffs by key (the shared vector also run by the Python suite, and
// a diff on S3), alias history with reasons, `aliases` in hits and filters,
// and search pages that stay stable while versions are added between them.
const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { tableFromArrays, vectorFromArray, Table, Utf8, Float64, Int64, Bool } = require('apache-arrow')
const { Registry, RowDiff } = require('..')
const { s3Store } = require('./s3')

const vector = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'tests', 'vectors', 'versioning', 'row_diff.json'), 'utf8'))

function store() {
  return path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'mlops-rowdiff-')), 'store')
}

/** The vector's columns as a Table: id and a int64, b string, c float64, d bool. */
function table(cols) {
  const types = { id: new Int64(), a: new Int64(), b: new Utf8(), c: new Float64(), d: new Bool() }
  const vectors = {}
  for (const [name, values] of Object.entries(cols)) {
    const v = types[name] instanceof Int64 ? values.map((x) => BigInt(x)) : values
    vectors[name] = vectorFromArray(v, types[name])
  }
  return new Table(vectors)
}

const num = (x) => Number(x)

test('the shared row diff vector', async () => {
  const url = store()
  const r = new Registry(url)
  await r.commitDataset('people', table(vector.from))
  await r.commitDataset('people', table(vector.to))
  const d = await r.diff('people', 1, 2, { key: vector.key })
  assert.ok(d instanceof RowDiff)
  const e = vector.expect.summary
  assert.deepEqual(d.toJSON(), {
    fromVersion: e.from, toVersion: e.to, key: e.key, rows: e.rows,
    added: e.added, removed: e.removed, changed: e.changed, unchanged: e.unchanged,
    changedCells: e.changed_cells, columnsAdded: e.columns_added, columnsRemoved: e.columns_removed,
    columnsRetyped: e.columns_retyped, rowGroups: e.row_groups, rowGroupsSkipped: e.row_groups_skipped,
  })
  assert.deepEqual(d.changedCells, e.changed_cells)
  assert.deepEqual([...d.added.getChild('id')].map(num).sort((x, y) => x - y), vector.expect.added)
  assert.deepEqual([...d.removed.getChild('id')].map(num), vector.expect.removed)
  const changed = []
  for (let i = 0; i < d.changed.numRows; i++) {
    changed.push([num(d.changed.getChild('id').get(i)), [...d.changed.getChild('changed_columns').get(i)]])
  }
  changed.sort((x, y) => x[0] - y[0])
  assert.deepEqual(changed, vector.expect.changed)
  // `to` left out: the newest version.
  const latest = await r.diff('people', 1, { key: 'id' })
  assert.equal(latest.summary.toVersion, 2)
  for (const m of vector.moves) {
    await new Registry(url, { principal: m.as }).alias('dataset', 'people', 'production', m.version, { reason: m.reason ?? undefined })
  }
  const history = await r.aliasHistory('dataset', 'people', 'production')
  assert.deepEqual(history.map((h) => ({ version: h.version, principal: h.principal, reason: h.reason, seq: h.seq })), vector.history)
  assert.ok(history.every((h) => h.time > 0))
})

test('a row diff and alias history on S3', async (t) => {
  const url = await s3Store(t, 'node-rowdiff')
  const r = new Registry(url, { principal: 'ana' })
  await r.commitDataset('d', tableFromArrays({ id: Int32Array.from([1, 2, 3]), v: ['a', 'b', 'c'] }))
  await r.commitDataset('d', tableFromArrays({ id: Int32Array.from([3, 2, 4]), v: ['c', 'B', 'd'] }))
  const d = await new Registry(url).diff('d', 1, 2, { key: 'id' })
  const s = d.summary
  assert.deepEqual([s.fromVersion, s.toVersion, s.key, s.rows], [1, 2, ['id'], [3, 3]])
  assert.deepEqual([s.added, s.removed, s.changed, s.unchanged], [1, 1, 1, 1])
  assert.deepEqual(d.changedCells, { v: 1 })
  assert.deepEqual([s.columnsAdded, s.columnsRemoved, s.columnsRetyped], [[], [], []])
  assert.deepEqual([...d.added.getChild('id')].map(num), [4])
  assert.deepEqual([...d.added.getChild('v')], ['d'])
  assert.deepEqual([...d.removed.getChild('id')].map(num), [1])
  assert.equal(d.changed.numRows, 1)
  assert.equal(num(d.changed.getChild('id').get(0)), 2)
  assert.deepEqual([...d.changed.getChild('changed_columns').get(0)], ['v'])
  await r.alias('dataset', 'd', 'production', 2, { reason: 'reviewed' })
  const [move] = await r.aliasHistory('dataset', 'd', 'production')
  assert.deepEqual([move.version, move.principal, move.reason, move.seq], [2, 'ana', 'reviewed', 3])
  const [hit] = await r.search("aliases = 'production'")
  assert.deepEqual([hit.version, hit.aliases, hit.expired], [2, ['production'], false])
})

test('bad keys reject with codes naming the column and rows', async () => {
  const r = new Registry(store())
  await r.commitDataset('k', tableFromArrays({ id: Float64Array.from([1, 2, 3]) }))
  await r.commitDataset('k', tableFromArrays({ id: Float64Array.from([1, 2, 2]) }))
  await assert.rejects(r.diff('k', 1, 2, { key: 'nope' }), (e) => e.code === 'NOT_FOUND' && e.message.includes("key column 'nope'"))
  await assert.rejects(r.diff('k', 1, 2, { key: 'id' }), (e) => e.code === 'INVALID_INPUT' && e.message.includes('is on rows 1 and 2'))
  await assert.rejects(r.diff('k', 1, 2, { key: [7] }), (e) => e.code === 'INVALID_INPUT')
  await assert.rejects(r.aliasHistory('dataset', 'k', 'production'), (e) => e.code === 'NOT_FOUND' && e.message.includes("alias 'production'"))
  // Without a key: the statistics diff.
  assert.deepEqual((await r.diff('k', 1, 2)).rows, [3, 3])
})

test('aliases in hits and filters; pages stable with inserts between them', async () => {
  const r = new Registry(store())
  for (let a = 0; a < 6; a++) {
    for (let v = 0; v < 50; v++) await r.add('model', `m-${a}`, `w${v}`)
  }
  await r.alias('model', 'm-1', 'production', 3)
  const prod = await r.search("aliases = 'production'")
  assert.deepEqual(prod.map((h) => [h.name, h.version, h.aliases, h.alias]), [['m-1', 3, ['production'], ['production']]])
  assert.equal(prod.nextPageToken, null)
  assert.equal((await r.search("name = 'm-1' and aliases != 'production'")).length, 49)
  const seen = []
  let pageToken
  let pages = 0
  for (;;) {
    const page = await r.search('version > 0', { limit: 64, pageToken })
    assert.ok(page.length <= 64)
    seen.push(...page.map((h) => `${h.name}/${String(h.version).padStart(3, '0')}`))
    if (++pages === 2) {
      assert.equal(seen[seen.length - 1], 'm-2/028')
      await r.add('model', 'm-0', 'late') // before the token: not seen
      await r.add('model', 'm-2', 'late') // the token's asset: seen
      await r.add('model', 'm-5', 'late') // after: seen
    }
    pageToken = page.nextPageToken
    if (pageToken === null) break
  }
  assert.deepEqual(seen, [...seen].sort())
  assert.equal(new Set(seen).size, seen.length)
  assert.equal(seen.length, 302)
  assert.ok(seen.includes('m-2/051') && seen.includes('m-5/051') && !seen.includes('m-0/051'))
  await assert.rejects(r.search('version > 0', { limit: 5, pageToken: 'nope' }), (e) => e.code === 'INVALID_INPUT' && e.message.includes('page_token'))
})
