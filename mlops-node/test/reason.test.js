'use strict'
// Every mutating call takes `{ reason }` and records it in the audit trail.
const test = require('node:test')
const assert = require('node:assert/strict')
const { WRITES, recordedReason } = require('./writes')

for (const name of Object.keys(WRITES)) {
  test(`${name} records its reason`, async () => {
    assert.equal(await recordedReason(name, `why ${name}`), `why ${name}`)
  })
}

test('a write without a reason records none', async () => {
  assert.equal(await recordedReason('Registry.archive', undefined), null)
})
