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

test('every export of lib/index.js and every method of its classes is declared in index.d.ts', () => {
  const { declarations, runtimeSurface } = require('./declarations')
  const declared = declarations()
  const undeclared = []
  for (const { name, kind, members, statics } of runtimeSurface(require('..'))) {
    const d = declared.get(name)
    if (!d || d.kind !== kind) {
      undeclared.push(`${name} (a ${kind})`)
      continue
    }
    for (const m of members) if (!d.members.has(m)) undeclared.push(`${name}.${m}`)
    for (const m of statics) if (!d.statics.has(m)) undeclared.push(`static ${name}.${m}`)
  }
  assert.deepEqual(undeclared, [])
})

test('everything index.d.ts declares as a value exists in lib/index.js', () => {
  const { declarations, runtimeSurface } = require('./declarations')
  const runtime = new Map(runtimeSurface(require('..')).map((e) => [e.name, e]))
  const absent = []
  for (const [name, d] of declarations()) {
    if (!['class', 'function', 'const'].includes(d.kind)) continue
    const r = runtime.get(name)
    if (!r) {
      absent.push(name)
      continue
    }
    // Methods must exist; declared properties may be instance fields.
    for (const [m, kind] of d.members) if (kind === 'method' && !r.members.has(m)) absent.push(`${name}.${m}`)
    if (d.kind === 'const') for (const m of d.members.keys()) if (!r.members.has(m)) absent.push(`${name}.${m}`)
    for (const m of d.statics) if (!r.statics.has(m)) absent.push(`static ${name}.${m}`)
  }
  assert.deepEqual(absent, [])
})
