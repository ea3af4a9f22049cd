'use strict'
// The Node side of api/parity.json (the public API manifest, docs/parity.md):
// every entry's Node name exists, every public name of the module is an
// entry, and every mutating entry takes `{ reason }` and records it.
const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const path = require('node:path')
const { tableFromArrays } = require('apache-arrow')
const mlops = require('..')
const { declarations, runtimeSurface } = require('./declarations')
const { WRITES, recordedReason } = require('./writes')

const manifest = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'api', 'parity.json'), 'utf8'))
const entries = manifest.capabilities.filter((c) => c.node !== null)
const declared = declarations()

/** `NotFound` → `NOT_FOUND`, the `code` of Node errors. */
const errorCode = (name) => name.replace(/([a-z])([A-Z])/g, '$1_$2').toUpperCase()

/** Why the Node name `node` does not exist, or null when it does. */
function missing(node) {
  const [name, code] = node.split('=')
  const dot = name.indexOf('.')
  const head = dot < 0 ? name : name.slice(0, dot)
  const member = dot < 0 ? undefined : name.slice(dot + 1)
  const d = declared.get(head)
  const runtime = Object.prototype.hasOwnProperty.call(mlops, head) ? mlops[head] : undefined
  if (!d) return `${head} is not declared in lib/index.d.ts`
  if (['class', 'function', 'const'].includes(d.kind) && runtime === undefined) return `${head} is not exported`
  if (code !== undefined) {
    return declared.get('ErrorCode').literals.has(errorCode(code)) ? null : `no error code ${errorCode(code)}`
  }
  if (member === undefined) return null
  if (typeof runtime === 'function' && d.kind === 'class') {
    if (member in runtime || member in runtime.prototype) return null
    return d.members.get(member) === 'property' ? null : `${head}.${member} is neither a method nor a declared field`
  }
  if (runtime !== undefined) return typeof runtime[member] === 'function' ? null : `${head}.${member} is not a function`
  return d.members.has(member) ? null : `${head}.${member} is not declared`
}

test('the manifest is the one the Python side reads', () => {
  assert.equal(manifest.format, 'mlops.parity')
  assert.ok(entries.length > 100)
})

test("every entry's Node name exists", () => {
  const bad = entries.map((e) => [e.capability, e.node, missing(e.node)]).filter(([, , why]) => why !== null)
  assert.deepEqual(bad, [])
})

test('every public export and method of the module is in the manifest', () => {
  const names = new Set(entries.map((e) => e.node.split('=')[0]))
  const heads = new Set([...names].map((n) => n.split('.')[0]))
  const unlisted = []
  for (const { name, members, statics } of runtimeSurface(mlops)) {
    if (!heads.has(name)) unlisted.push(name)
    for (const m of [...members, ...statics]) if (!names.has(`${name}.${m}`)) unlisted.push(`${name}.${m}`)
  }
  assert.deepEqual(unlisted, [])
})

test('every mutating entry has a call recipe, and every recipe is a mutating entry', () => {
  const mutating = entries.filter((e) => e.mutating).map((e) => e.node).sort()
  assert.deepEqual(Object.keys(WRITES).sort(), mutating)
})

for (const e of entries.filter((x) => x.mutating)) {
  test(`${e.node} takes { reason } and records it`, async () => {
    assert.ok(WRITES[e.node], `no call recipe for mutating ${e.node} in test/writes.js`)
    assert.equal(await recordedReason(e.node, `because ${e.capability}`), `because ${e.capability}`)
  })
}

// One instance of each result type, to check that its manifest fields are
// there at run time, not only in the declarations.
async function instances() {
  const r = new mlops.Registry('memory://', { principal: 'ana' })
  await r.add('model', 'm', 'w', { metadata: { auc: 0.9 } })
  await r.policy.grant('ana', 'admin')
  const t1 = tableFromArrays({ x: Float64Array.from([1, 2, 3]), s: ['a', 'b', 'a'] })
  const t2 = tableFromArrays({ x: Float64Array.from([1, 2, 9]), s: ['a', 'b', 'c'] })
  await r.commitDataset('d', t1)
  await r.commitDataset('d', t2)
  const report = await mlops.drift(t1, t2)
  const run = await mlops.startRun('parity', { store: r })
  run.log({ x: 1 }, 0)
  await run.end('finished')
  return {
    Run: run,
    RunInfo: await run.info(),
    Version: await r.version('model', 'm'),
    Asset: await r.asset('model', 'm'),
    SearchHit: (await r.search("kind = 'model'"))[0],
    DatasetDiff: await r.diff('d', 1, 2),
    AuditRecord: (await r.audit.log())[0],
    AuditReport: await r.audit.verify(),
    PolicyState: await r.policy.show(),
    GateReport: mlops.gate({ auc: 0.9 }, ['auc > 0.5']),
    ColumnProfile: (await r.datasetProfile('d')).column('s'),
    ColumnDrift: report.column('x'),
  }
}

test('result objects carry every field the manifest names', async () => {
  const made = await instances()
  const absent = []
  for (const e of entries) {
    const [head, member] = e.node.split('.')
    if (made[head] === undefined || member === undefined) continue
    if (!(member in made[head])) absent.push(e.node)
  }
  assert.deepEqual(absent, [])
  for (const [name, value] of Object.entries(made)) assert.ok(value instanceof mlops[name], name)
})
