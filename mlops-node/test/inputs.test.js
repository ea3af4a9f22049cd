'use strict'
// Arrow IPC bytes are validated where they enter: invalid UTF-8 in a string
// column is INVALID_INPUT naming the column, whichever function reads it.
const test = require('node:test')
const assert = require('node:assert/strict')
const { tableToIPC, vectorFromArray, Table, Utf8, Int32 } = require('apache-arrow')
const { profile, drift, validate, checks, Suite, Registry } = require('..')

const MARK = 'mlops-marker-value'

/** IPC stream bytes of a table whose Utf8 column `name` holds `\xff`. */
function invalidUtf8() {
  const t = new Table({
    id: vectorFromArray([1, 2], new Int32()),
    name: vectorFromArray(['a', MARK], new Utf8()),
  })
  const bytes = Buffer.from(tableToIPC(t, 'stream'))
  const at = bytes.indexOf(Buffer.from(MARK))
  assert.ok(at > 0, 'the marker is in the bytes')
  bytes[at] = 0xff
  return bytes
}

const invalidColumn = (e) => e.code === 'INVALID_INPUT' && /column 'name'/.test(e.message)

test('invalid UTF-8 in IPC bytes is INVALID_INPUT naming the column', async () => {
  const bad = invalidUtf8()
  await assert.rejects(profile(bad), invalidColumn)
  await assert.rejects(drift(bad, bad), invalidColumn)
  await assert.rejects(validate(bad, new Suite('s', [checks.notNull('name')])), invalidColumn)
  const r = new Registry('memory://')
  await assert.rejects(async () => r.commitDataset('d', bad), invalidColumn)
})

test('empty IPC bytes are INVALID_INPUT', async () => {
  await assert.rejects(profile(new Uint8Array(0)), (e) => e.code === 'INVALID_INPUT' && /empty/.test(e.message))
})

test('metadata that JSON cannot hold is INVALID_INPUT naming the field', async () => {
  const r = new Registry('memory://')
  const cases = [
    [{ a: { b: NaN } }, 'metadata["a"]["b"]: NaN is not a JSON number'],
    [{ xs: [1, -Infinity] }, 'metadata["xs"][1]: -Infinity is not a JSON number'],
    [{ u: undefined }, 'metadata["u"]: a value of type undefined is not JSON'],
    [{ n: 10n }, 'metadata["n"]: a value of type bigint is not JSON'],
  ]
  for (const [metadata, message] of cases) {
    await assert.rejects(
      async () => r.add('model', 'm', 'x', { metadata }),
      (e) => e.code === 'INVALID_INPUT' && e.message.includes(message),
    )
  }
  await assert.rejects(r.asset('model', 'm'), (e) => e.code === 'NOT_FOUND')
})
