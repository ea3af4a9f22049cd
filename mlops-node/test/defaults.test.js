'use strict'
// Default values live in mlops-core only: the JavaScript layer gives no
// parameter or option a default of its own (only `false`, `null` or `{}`;
// not even a word of the API's vocabulary: an unset reference, scope or
// message reaches the engine unset and `mlops_core::unset` decides), so an
// option the caller did not set reaches the engine unset and its `Default`
// decides.
const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const path = require('node:path')
const ts = require('typescript')

/**
 * Why the default `init` of the parameter or option `name` restates an
 * engine default, or null when it does not: `false` (a flag the caller
 * turns on), `null` (unset) or `{}` for an options object.
 */
function restated(name, init) {
  if (init.kind === ts.SyntaxKind.FalseKeyword || init.kind === ts.SyntaxKind.NullKeyword) return null
  if (ts.isObjectLiteralExpression(init) && init.properties.length === 0) return null
  return `${name} = ${init.getText()}`
}

test('the JavaScript layer restates no engine default', () => {
  const dir = path.join(__dirname, '..', 'lib')
  const found = []
  for (const f of fs.readdirSync(dir).filter((x) => x.endsWith('.js'))) {
    const file = path.join(dir, f)
    const src = ts.createSourceFile(file, fs.readFileSync(file, 'utf8'), ts.ScriptTarget.ES2020, true, ts.ScriptKind.JS)
    const visit = (node) => {
      if ((ts.isParameter(node) || ts.isBindingElement(node)) && node.initializer) {
        const why = restated(node.name.getText(src), node.initializer)
        if (why !== null) {
          const { line } = src.getLineAndCharacterOfPosition(node.getStart())
          found.push(`${f}:${line + 1}: ${why}`)
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
  // Unset: the core's defaults (Suite name, protected-alias role, store).
  assert.equal(new Suite().name, 'suite')
  const { Registry } = require('..')
  const reg = new Registry('memory://', { principal: 'ana' })
  await reg.policy.grant('ana', 'admin')
  await reg.policy.protect('production')
  assert.equal((await reg.policy.show()).protections[0].role, 'approver')
  // Reference, scope and message unset: the newest version, every asset,
  // no message (mlops_core::unset).
  assert.equal((await reg.policy.show()).grants[0].scope, '*')
  assert.equal((await reg.policy.show()).protections[0].scope, '*')
  await reg.add('model', 'm', 'one')
  await reg.add('model', 'm', 'two', { message: 'second' })
  assert.equal((await reg.get('model', 'm')).toString(), 'two')
  assert.equal((await reg.version('model', 'm')).version, 2)
  assert.equal((await reg.version('model', 'm', 1)).message, '')
  assert.equal((await reg.version('model', 'm', 2)).message, 'second')
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
