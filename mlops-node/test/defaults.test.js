'use strict'
// Default values live in mlops-core only: the JavaScript layer gives no
// number as a default to any parameter or option, so an option the caller
// did not set reaches the engine unset and its `Default` decides.
const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const path = require('node:path')
const ts = require('typescript')

test('the JavaScript layer gives no parameter or option a numeric default', () => {
  const dir = path.join(__dirname, '..', 'lib')
  const found = []
  for (const f of fs.readdirSync(dir).filter((x) => x.endsWith('.js'))) {
    const file = path.join(dir, f)
    const src = ts.createSourceFile(file, fs.readFileSync(file, 'utf8'), ts.ScriptTarget.ES2020, true, ts.ScriptKind.JS)
    const visit = (node) => {
      if ((ts.isParameter(node) || ts.isBindingElement(node)) && node.initializer) {
        const init = node.initializer
        const numeric = ts.isNumericLiteral(init) ||
          (ts.isPrefixUnaryExpression(init) && ts.isNumericLiteral(init.operand))
        if (numeric) {
          const { line } = src.getLineAndCharacterOfPosition(node.getStart())
          found.push(`${f}:${line + 1}: ${node.getText(src)}`)
        }
      }
      ts.forEachChild(node, visit)
    }
    visit(src)
  }
  assert.deepEqual(found, [])
})

test('the addon fills no unset option with a number of its own', () => {
  // The binding's Rust converts types only: an unset option stays unset
  // (`Option`) or comes from the core's `Default`, never from a literal.
  const dir = path.join(__dirname, '..', 'src')
  const found = []
  for (const f of fs.readdirSync(dir).filter((x) => x.endsWith('.rs'))) {
    fs.readFileSync(path.join(dir, f), 'utf8').split('\n').forEach((line, i) => {
      if (/\b(unwrap_or|map_or|unwrap_or_else)\(\s*-?[0-9]/.test(line)) found.push(`${f}:${i + 1}: ${line.trim()}`)
    })
  }
  assert.deepEqual(found, [])
})

test('options not given are filled by the engine', async () => {
  const { tableFromArrays } = require('apache-arrow')
  const { drift, Suite } = require('..')
  const t = tableFromArrays({ x: Float64Array.from([1, 2, 3, 4]) })
  // The report names the options it ran with: the core's defaults.
  const { options } = (await drift(t, t)).toJSON()
  assert.equal(options.drift_share, 0.5)
  assert.equal(options.significance_level, 0.05)
  const s = new Suite('s', [{ check: 'values_between', column: 'x', min: 10, max: 20 }])
  const r = await s.validate(t)
  assert.equal(r.results[0].unexpected_count, 4)
  assert.equal(r.results[0].partial_unexpected.length, 4)
  // A set option reaches the engine as given.
  assert.equal((await s.validate(t, { unexpectedLimit: 1 })).results[0].partial_unexpected.length, 1)
  await assert.rejects(s.validate(t, { unexpectedLimit: 'all' }), (e) => e.code === 'INVALID_INPUT' && /unexpectedLimit/.test(e.message))
  const k = tableFromArrays({ k: ['a', 'b', 'a', 'b'] })
  const inferred = await Suite.infer(k, { name: 'inferred', maxCategories: 1 })
  assert.equal(inferred.name, 'inferred')
  assert.ok(!inferred.checks.some((c) => c.check === 'in_set'))
  assert.ok((await Suite.infer(k)).checks.some((c) => c.check === 'in_set'))
})
