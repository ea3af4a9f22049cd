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

test('types-check.ts uses every function, class member and namespace member index.d.ts declares', () => {
  const ts = require('typescript')
  const { declarations } = require('./declarations')
  const file = path.join(__dirname, 'types-check.ts')
  const program = ts.createProgram([file], {
    strict: true,
    noEmit: true,
    module: ts.ModuleKind.Node16,
    moduleResolution: ts.ModuleResolutionKind.Node16,
    target: ts.ScriptTarget.ES2020,
    types: ['node'],
  })
  const checker = program.getTypeChecker()
  const dts = path.resolve(__dirname, '..', 'lib', 'index.d.ts')
  const owner = (decl) => {
    for (let p = decl.parent; p; p = p.parent) {
      if ((ts.isClassDeclaration(p) || ts.isInterfaceDeclaration(p) || ts.isVariableDeclaration(p)) && p.name) return p.name.getText()
    }
    return undefined
  }
  const used = new Set()
  const visit = (node) => {
    if (ts.isIdentifier(node)) {
      let sym = checker.getSymbolAtLocation(node)
      if (sym && sym.flags & ts.SymbolFlags.Alias) sym = checker.getAliasedSymbol(sym)
      for (const d of (sym && sym.declarations) || []) {
        if (path.resolve(d.getSourceFile().fileName) !== dts) continue
        const o = owner(d)
        used.add(o && o !== sym.name ? `${o}.${sym.name}` : sym.name)
      }
    }
    ts.forEachChild(node, visit)
  }
  visit(program.getSourceFile(file))
  const unused = []
  for (const [name, d] of declarations()) {
    if (!['class', 'function', 'const'].includes(d.kind)) continue
    if (!used.has(name)) unused.push(name)
    for (const m of [...d.members.keys(), ...d.statics]) if (!used.has(`${name}.${m}`)) unused.push(`${name}.${m}`)
  }
  assert.deepEqual(unused, [], `not used in test/types-check.ts: ${unused.join(', ')}`)
})
