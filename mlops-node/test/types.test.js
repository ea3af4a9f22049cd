'use strict'
// lib/index.d.ts type-checks as users would write against it.
const test = require('node:test')
const assert = require('node:assert/strict')
const path = require('node:path')
const { spawnSync } = require('node:child_process')

test('the TypeScript declarations compile in strict mode', () => {
  const tsc = require.resolve('typescript/bin/tsc')
  const file = path.join(__dirname, 'types-check.ts')
  const r = spawnSync(process.execPath, [tsc, '--noEmit', '--strict', '--module', 'node16', '--moduleResolution', 'node16', '--target', 'es2020', '--types', 'node', file], {
    cwd: path.join(__dirname, '..'),
    encoding: 'utf8',
  })
  assert.equal(r.status, 0, r.stdout + r.stderr)
})
