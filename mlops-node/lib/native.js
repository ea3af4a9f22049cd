'use strict'
// The native addon and what every module needs at its boundary: coded
// errors, napi's argument errors as INVALID_INPUT, and Arrow inputs as IPC
// bytes.
const path = require('node:path')

const native = require(path.join(__dirname, '..', 'mlops.node'))

function codedError(code, message) {
  const err = new Error(message)
  err.code = code
  return err
}

// napi's own statuses for an argument of the wrong type or shape (its
// message names the field, e.g. `AuditFilter.since`).
const NAPI_TYPE_ERRORS = new Set(['InvalidArg', 'ObjectExpected', 'StringExpected', 'NumberExpected', 'BooleanExpected', 'ArrayExpected'])

/** Calls the addon; an argument napi cannot convert becomes an `INVALID_INPUT` error like the engine's. */
function typed(call) {
  try {
    return call()
  } catch (e) {
    if (e && NAPI_TYPE_ERRORS.has(e.code)) throw codedError('INVALID_INPUT', `invalid input: ${e.message}`)
    throw e
  }
}

function isArrowTable(x) {
  return x !== null && typeof x === 'object' && Array.isArray(x.batches) && x.schema && Array.isArray(x.schema.fields)
}

function ipcBuffer(input) {
  if (input instanceof Uint8Array) {
    return Buffer.isBuffer(input) ? input : Buffer.from(input.buffer, input.byteOffset, input.byteLength)
  }
  if (isArrowTable(input)) {
    const { tableToIPC } = require('apache-arrow')
    const ipc = tableToIPC(input, 'stream')
    return Buffer.from(ipc.buffer, ipc.byteOffset, ipc.byteLength)
  }
  throw new TypeError('drift expects apache-arrow Tables, Arrow IPC bytes, file paths or Profiles')
}

/**
 * `value` as JSON text for the engine (`what` names it: `metadata`,
 * `params`). JSON.stringify would write NaN and Infinity as null and drop
 * undefined silently; those are refused here naming where they sit
 * (`metadata["a"][2]`), as the Python binding does.
 */
function jsonText(value, what) {
  const walk = (v, at, depth) => {
    if (depth > 128) throw codedError('INVALID_INPUT', `invalid input: ${at}: nested deeper than 128 levels`)
    if (typeof v === 'number' && !Number.isFinite(v)) {
      throw codedError('INVALID_INPUT', `invalid input: ${at}: ${v} is not a JSON number`)
    }
    if (v === undefined || typeof v === 'function' || typeof v === 'symbol' || typeof v === 'bigint') {
      throw codedError('INVALID_INPUT', `invalid input: ${at}: a value of type ${typeof v} is not JSON`)
    }
    if (Array.isArray(v)) v.forEach((x, i) => walk(x, `${at}[${i}]`, depth + 1))
    else if (v !== null && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) walk(x, `${at}[${JSON.stringify(k)}]`, depth + 1)
    }
  }
  walk(value, what, 0)
  return JSON.stringify(value)
}

module.exports = { native, codedError, typed, isArrowTable, ipcBuffer, jsonText }
