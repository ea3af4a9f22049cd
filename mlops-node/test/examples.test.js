'use strict'
// examples/profile.js runs and prints what the profile holds.
const test = require('node:test')
const assert = require('node:assert/strict')
const path = require('node:path')
const { spawnSync } = require('node:child_process')

const ROOT = path.join(__dirname, '..', '..')

test('examples/profile.js profiles a file', () => {
  const r = spawnSync(process.execPath, [path.join(ROOT, 'examples', 'profile.js'), path.join(ROOT, 'tests', 'vectors', 'numeric.arrow')], { encoding: 'utf8' })
  assert.equal(r.status, 0, r.stderr)
  assert.match(r.stdout, /^120 rows/)
  assert.match(r.stdout, /i64_ids\s+identifier\s+nulls=0 mean=1059\.5/)
})

test('examples/profile.js reports a missing file with its code', () => {
  const r = spawnSync(process.execPath, [path.join(ROOT, 'examples', 'profile.js'), 'missing.parquet'], { encoding: 'utf8' })
  assert.equal(r.status, 2)
  assert.match(r.stderr, /NOT_FOUND/)
})
