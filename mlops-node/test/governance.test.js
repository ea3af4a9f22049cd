// Registry governance from Node: the shared promotion vector (also run by
// the Rust and Python suites), tampering detected, denials typed.
const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { Registry, gate } = require('..')

const vector = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'tests', 'vectors', 'governance', 'promotion.json'), 'utf8'))

function tmpStore () {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'mlops-gov-'))
}

async function runStep (url, step) {
  const r = new Registry(url, { principal: step.as })
  try {
    switch (step.op) {
      case 'grant': await r.policy.grant(step.principal, step.role, step.scope); break
      case 'revoke': await r.policy.revoke(step.principal, step.role, step.scope); break
      case 'protect': await r.policy.protect(step.alias, { scope: step.scope, role: step.role, requireGate: step.require_gate }); break
      case 'add': return await r.add(step.kind, step.name, step.data)
      case 'alias': await r.alias(step.kind, step.name, step.alias, step.version, { reason: step.reason }); break
      case 'gate': await r.recordGate(step.kind, step.name, step.version, gate(step.metrics, step.rules)); break
      default: throw new Error(`unknown op ${step.op}`)
    }
  } catch (e) {
    if (e.code) return e.code
    throw e
  }
  return 'ok'
}

test('the shared promotion vector', async () => {
  const url = tmpStore()
  for (const [i, step] of vector.steps.entries()) {
    assert.deepEqual(await runStep(url, step), step.expect, `step ${i}: ${JSON.stringify(step)}`)
  }
  const r = new Registry(url)
  const report = await r.audit.verify()
  assert.equal(report.broken, null)
  assert.equal(report.events, vector.audit.events)
  assert.match(report.digest, /^[0-9a-f]{64}$/)
  const denied = (await r.audit.log({ action: 'denied' })).map(e => [e.principal, e.event.action, e.target])
  assert.deepEqual(denied, vector.audit.denied)
  const production = (await r.audit.log({ action: 'alias' }))
    .filter(e => e.event.alias === 'production')
    .map(e => [e.principal, e.target, e.reason])
  assert.deepEqual(production, vector.audit.production)
  const policy = (await r.audit.log()).filter(e => e.log === 'policy/log').map(e => e.action)
  assert.deepEqual(policy, vector.audit.policy)
  const p = await r.policy.show()
  assert.equal(p.grants.length, 3)
  assert.deepEqual(p.protections, [{ alias: 'production', scope: 'model/*', role: 'approver', require_gate: true }])
})

test('a denial is a PERMISSION_DENIED error naming who, what and the role needed', async () => {
  const url = tmpStore()
  const ana = new Registry(url, { principal: 'ana' })
  await ana.policy.grant('ana', 'admin')
  await ana.policy.grant('bob', 'writer', 'model/*')
  const bob = new Registry(url, { principal: 'bob' })
  assert.equal(bob.principal, 'bob')
  await bob.add('model', 'churn', 'w')
  await assert.rejects(bob.policy.grant('bob', 'admin'), e => e.code === 'PERMISSION_DENIED' && /'bob' may not change the policy/.test(e.message))
  await assert.rejects(ana.policy.grant('dan', 'owner'), e => e.code === 'INVALID_INPUT' && /unknown role 'owner'/.test(e.message))
  await assert.rejects(ana.recordGate('model', 'churn', 1, { passed: true, rules: [] }), e => e.code === 'INVALID_INPUT')
})

test('a changed byte in an event breaks the audit chain at the next event', async () => {
  const url = tmpStore()
  const r = new Registry(url, { principal: 'ana' })
  for (let i = 0; i < 3; i++) await r.add('model', 'm', `w${i}`, { message: `v${i}` })
  assert.equal((await r.audit.verify()).broken, null)
  const ev = path.join(url, 'assets', 'model', 'm', 'log', `${'2'.padStart(20, '0')}.json`)
  fs.writeFileSync(ev, fs.readFileSync(ev, 'utf8').replace('"v1"', '"v9"'))
  const broken = (await r.audit.verify()).broken
  assert.equal(broken.log, 'assets/model/m/log')
  assert.equal(broken.seq, 3)
})

test('results are typed objects; the audit filter is one typed object', async () => {
  const { AuditRecord, AuditReport, PolicyState } = require('..')
  const r = new Registry('memory://', { principal: 'ana' })
  await r.add('model', 'm', 'w', { reason: 'first cut' })
  await r.policy.grant('ana', 'admin', '*', { reason: 'bootstrap' })
  const report = await r.audit.verify()
  assert.ok(report instanceof AuditReport)
  assert.equal(report.ok, true)
  assert.equal(report.events, 2)
  const [v] = await r.audit.log({ action: 'version', principal: 'ana' })
  assert.ok(v instanceof AuditRecord)
  assert.deepEqual([v.target, v.reason, v.event.version], ['model/m@1', 'first cut', 1])
  assert.deepEqual(JSON.parse(JSON.stringify(v)), v.toJSON())
  assert.equal((await r.audit.log({ principal: 'bob' })).length, 0)
  assert.equal((await r.audit.log({ until: 0 })).length, 0)
  const p = await r.policy.show()
  assert.ok(p instanceof PolicyState)
  assert.deepEqual(p.toJSON(), { grants: [{ principal: 'ana', role: 'admin', scope: '*' }], protections: [], events: 1 })
  await assert.rejects(r.audit.log({ since: -1 }), (e) => e.code === 'INVALID_INPUT' && /'since'/.test(e.message))
  await assert.rejects(r.audit.log({ since: 'yesterday' }), (e) => e.code === 'INVALID_INPUT' && /since/.test(e.message))
})
