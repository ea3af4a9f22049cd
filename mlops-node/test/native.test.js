'use strict'
// The JavaScript layer against the native addon itself: every addon
// function, class, static and method lib/ calls exists in mlops.node, and
// everything the addon exports is called by lib/ (no dead native API). The
// addon's calls are read from lib/*.js with the TypeScript compiler API.
const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const path = require('node:path')
const ts = require('typescript')

const LIB = path.join(__dirname, '..', 'lib')
const addon = require(path.join(__dirname, '..', 'mlops.node'))

// Which native classes a module's `this._native` (or `other._native`) holds
// (results.js: the `Report` base of the drift report and validation result);
// `file:Class` when the classes of one module hold different handles.
const HANDLE = {
  'accumulate.js:Spec': ['NativeSpec'],
  'accumulate.js:Accumulator': ['NativeAccumulator'],
  'profile.js': ['NativeProfile'],
  'drift.js': ['NativeDriftReport'],
  'registry.js': ['NativeRegistry'],
  'registry.js:Watch': ['NativeWatch'],
  'monitor.js': ['NativeMonitor'],
  'guard.js': ['NativeGuard'],
  'ui.js': ['NativeUiServer'],
  'runs.js': ['NativeRun'],
  'validate.js': ['NativeValidationResult'],
  'results.js': ['NativeDriftReport', 'NativeValidationResult'],
  'results.js:RowDiff': ['NativeRowDiff'],
}

/** The name of the class declaration `node` is in, if any. */
function enclosingClass(node) {
  for (let p = node.parent; p; p = p.parent) if (ts.isClassDeclaration(p) && p.name) return p.name.text
  return undefined
}

/** `Set` of `name`, `Class.static` and `Class#method` that lib/ uses from the addon. */
function calls() {
  const used = new Set()
  for (const f of fs.readdirSync(LIB).filter((x) => x.endsWith('.js'))) {
    const file = path.join(LIB, f)
    const src = ts.createSourceFile(file, fs.readFileSync(file, 'utf8'), ts.ScriptTarget.ES2020, true, ts.ScriptKind.JS)
    const visit = (node) => {
      if (ts.isPropertyAccessExpression(node)) {
        const on = node.expression
        if (ts.isIdentifier(on) && on.text === 'native') used.add(node.name.text)
        else if (ts.isPropertyAccessExpression(on) && ts.isIdentifier(on.expression) && on.expression.text === 'native') {
          used.add(`${on.name.text}.${node.name.text}`)
        } else if (ts.isPropertyAccessExpression(on) && on.name.text === '_native') {
          const handles = HANDLE[`${f}:${enclosingClass(node)}`] || HANDLE[f]
          assert.ok(handles, `${f} calls a native handle; name its class in HANDLE`)
          for (const handle of handles) used.add(`${handle}#${node.name.text}`)
        }
      }
      ts.forEachChild(node, visit)
    }
    visit(src)
  }
  return used
}

/** The same names, as the addon defines them. */
function exported() {
  const out = new Set()
  for (const [name, value] of Object.entries(addon)) {
    out.add(name)
    if (typeof value === 'function' && value.prototype && name.startsWith('Native')) {
      for (const m of Object.getOwnPropertyNames(value.prototype)) if (m !== 'constructor') out.add(`${name}#${m}`)
      for (const s of Object.getOwnPropertyNames(value)) {
        if (!['length', 'name', 'prototype', 'arguments', 'caller'].includes(s)) out.add(`${name}.${s}`)
      }
    }
  }
  return out
}

test('everything lib/ calls on the addon exists in it', () => {
  const have = exported()
  assert.deepEqual([...calls()].filter((n) => !have.has(n)).sort(), [])
})

test('everything the addon exports is used by lib/', () => {
  const used = calls()
  // A class is used when lib/ reaches it through an instance or a static.
  const reached = (n) => used.has(n) || [...used].some((u) => u.startsWith(`${n}#`) || u.startsWith(`${n}.`))
  assert.deepEqual([...exported()].filter((n) => !reached(n)).sort(), [])
})
