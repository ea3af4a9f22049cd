'use strict'
// Default values live in mlops-core only: the JavaScript layer gives no
// number as a default to any parameter or option, so an option the caller
// did not set reaches the engine unset and its `Default` decides.
const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const path = require('node:path')
const ts = require('typescript')

test('lib/index.js gives no parameter or option a numeric default', () => {
  const file = path.join(__dirname, '..', 'lib', 'index.js')
  const src = ts.createSourceFile(file, fs.readFileSync(file, 'utf8'), ts.ScriptTarget.ES2020, true, ts.ScriptKind.JS)
  const found = []
  const visit = (node) => {
    if ((ts.isParameter(node) || ts.isBindingElement(node)) && node.initializer) {
      const init = node.initializer
      const numeric = ts.isNumericLiteral(init) ||
        (ts.isPrefixUnaryExpression(init) && ts.isNumericLiteral(init.operand))
      if (numeric) {
        const { line } = src.getLineAndCharacterOfPosition(node.getStart())
        found.push(`line ${line + 1}: ${node.getText(src)}`)
      }
    }
    ts.forEachChild(node, visit)
  }
  visit(src)
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
  const r = await new Suite('s', [{ check: 'values_between', column: 'x', min: 10, max: 20 }]).validate(t)
  assert.equal(r.results[0].unexpected_count, 4)
})
