'use strict'
// The shared profile test vectors (tests/vectors/README.md), as in the Rust
// and Python suites: every input profiled by path and as IPC bytes.
const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const path = require('node:path')
const { profile } = require('..')

const VECTORS = path.join(__dirname, '..', '..', 'tests', 'vectors')
const expectedFiles = fs.readdirSync(VECTORS).filter((f) => f.endsWith('.expected.json')).sort()

const close = (a, e) => typeof a === 'number' && Math.abs(a - e) <= 1e-9 * Math.max(1, Math.abs(e))

function equal(a, e) {
  if (typeof e === 'number' && typeof a === 'number') return a === e
  if (Array.isArray(e)) return Array.isArray(a) && a.length === e.length && e.every((x, k) => equal(a[k], x))
  if (e !== null && typeof e === 'object') return a !== null && typeof a === 'object' && Object.keys(e).every((k) => k in a && equal(a[k], e[k]))
  return a === e
}

function checkField(field, actual, expected) {
  switch (field) {
    case 'mean':
    case 'variance':
      return close(actual[field], expected)
    case 'length': {
      const g = actual.length || {}
      return equal(g.min, expected.min) && equal(g.max, expected.max) && close(g.mean, expected.mean)
    }
    case 'histogram': {
      const g = actual.histogram || {}
      const edges = g.edges || []
      return edges.length === expected.edges.length && edges.every((x, k) => close(x, expected.edges[k])) && equal(g.counts, expected.counts)
    }
    case 'distinct': {
      const est = actual.distinct_estimate
      return typeof est === 'number' && Math.abs(est - expected) <= Math.max(1, 0.02 * expected)
    }
    default:
      return equal(actual[field], expected)
  }
}

function compare(doc, expected) {
  const errs = []
  if (doc.row_count !== expected.row_count) errs.push(`row_count ${doc.row_count} != ${expected.row_count}`)
  for (const [name, fields] of Object.entries(expected.columns)) {
    const col = doc.columns.find((c) => c.name === name)
    if (!col) {
      errs.push(`column ${name} missing`)
      continue
    }
    for (const [field, e] of Object.entries(fields)) {
      if (!checkField(field, col, e)) {
        const got = field === 'distinct' ? col.distinct_estimate : col[field]
        errs.push(`column '${name}' field '${field}': got ${JSON.stringify(got)}, expected ${JSON.stringify(e)}`)
      }
    }
  }
  return errs
}

test('the shared vectors exist', () => {
  assert.ok(expectedFiles.length >= 4, `no shared vectors in ${VECTORS}`)
})

for (const file of expectedFiles) {
  test(`vector ${file}`, async () => {
    const expected = JSON.parse(fs.readFileSync(path.join(VECTORS, file), 'utf8'))
    const input = path.join(VECTORS, expected.input)
    for (const [how, p] of [
      ['path', await profile(input)],
      ['bytes', await profile(fs.readFileSync(input))],
    ]) {
      const errs = compare(p.toJSON(), expected)
      assert.deepEqual(errs, [], `${how}:\n${errs.join('\n')}`)
    }
  })
}
