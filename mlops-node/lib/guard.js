'use strict'
// A guard for serving code: `Guard` checks each request against a model
// package's signature before the model sees it, and observes what the model
// saw and predicted without making the request wait for the store.
//
// Everything it decides is the engine's (mlops_core::guard): the check
// (every problem at once; lossless widening applied; columns the signature
// does not name dropped, as MLServer and KServe ignore extra inputs), the
// strict typing of JSON bodies ("3" for a float input is refused, never
// parsed) and the observation (queued for the monitor's thread, or a
// rolling profile folded on a thread of the engine). This module only turns
// Node's request bodies into what the engine reads: apache-arrow tables as
// IPC bytes, row objects and objects of arrays as JSON text. There is no
// CLI command: a guard lives in a serving process.
const { native, codedError, typed, isArrowTable, ipcBuffer } = require('./native')
const { Profile } = require('./profile')
const { Signature } = require('./package')

/** The error a refused request throws: `code` 'SIGNATURE', `problems` every problem. */
function signatureError(out) {
  const err = codedError('SIGNATURE', out.message)
  err.problems = out.problems.map((p) => ({
    column: p.column ?? null,
    kind: p.kind,
    expected: p.expected ?? null,
    found: p.found ?? null,
    count: p.count ?? null,
    first_row: p.first_row ?? null,
    message: p.message,
  }))
  return err
}

/** A check's outcome: the checked table, or the SIGNATURE error thrown. */
function outcome(out) {
  if (out.problems) throw signatureError(out)
  const { tableFromIPC } = require('apache-arrow')
  return tableFromIPC(out.ipc)
}

/**
 * Checks requests against `pkg`'s signature (a `Package`) and observes them
 * into `options.monitor` (a `Monitor`) or, without one, into a rolling
 * `Profile` (`profile()`). One guard serves every request of a process.
 */
class Guard {
  /** @param {import('./package').Package} pkg @param {{ monitor?: import('./monitor').Monitor }} [options] */
  constructor(pkg, { monitor } = {}) {
    if (pkg === null || typeof pkg !== 'object' || typeof pkg.path !== 'string') {
      throw codedError('INVALID_INPUT', 'invalid input: Guard expects a Package')
    }
    this._monitor = monitor ?? null
    this._native = typed(() => new native.NativeGuard(pkg.path, monitor ? monitor._native : undefined))
  }

  /**
   * Checks a request; returns an apache-arrow Table of exactly the
   * signature's inputs, in its order and declared types, or throws an
   * `Error` with `code` 'SIGNATURE' and `problems` (each `{ column, kind,
   * expected, found, count, first_row, message }`), ready to be a 422 body.
   * `data` is an apache-arrow Table or Arrow IPC bytes, a JSON body (a
   * string), or its parsed form: an array of row objects or an object of
   * column arrays (a key absent from a row is a null there).
   */
  check(data) {
    if (typeof data === 'string') return outcome(typed(() => this._native.checkJson(data)))
    if (data instanceof Uint8Array || isArrowTable(data)) {
      return outcome(typed(() => this._native.checkIpc(ipcBuffer(data))))
    }
    if (data !== null && typeof data === 'object') {
      return outcome(typed(() => this._native.checkJson(JSON.stringify(data))))
    }
    throw codedError('INVALID_INPUT', 'invalid input: Guard.check expects an apache-arrow Table, Arrow IPC bytes, a JSON string, an array of rows or an object of columns')
  }

  /**
   * Observes what the model saw (`inputs`, usually what `check` returned)
   * and predicted: an apache-arrow Table, or an array (or Float64Array) of
   * numbers, named after the signature's output. The rows are only queued;
   * the engine folds and writes them on a thread of its own. Row counts that
   * differ are an `INVALID_INPUT` error naming both.
   */
  observe(inputs, predictions) {
    const x = ipcBuffer(inputs)
    if (isArrowTable(predictions) || predictions instanceof Uint8Array) {
      typed(() => this._native.observeIpc(x, ipcBuffer(predictions)))
      return
    }
    if (Array.isArray(predictions) || predictions instanceof Float64Array || predictions instanceof Float32Array) {
      typed(() => this._native.observeValues(x, Array.from(predictions, (v) => (v === null || v === undefined ? null : Number(v)))))
      return
    }
    throw codedError('INVALID_INPUT', 'invalid input: Guard.observe expects predictions as an apache-arrow Table or an array of numbers')
  }

  /** Writes what was observed: flushes the monitor, or folds every queued row into the rolling profile. */
  async flush() {
    await typed(() => this._native.flush())
  }

  /** The rolling profile so far (call `flush()` first); null with a monitor or before any row. */
  profile() {
    const p = this._native.profile()
    return p ? new Profile(p) : null
  }

  /** The monitor observed rows go to, or null. */
  get monitor() {
    return this._monitor
  }

  /** The signature requests are checked against. */
  get signature() {
    return new Signature(JSON.parse(this._native.signatureJson()))
  }

  /** The inputs' names and Arrow types, in order: what `check` returns. */
  get inputSchema() {
    return this._native.inputSchema().map(([name, type]) => ({ name, type }))
  }
}

module.exports = { Guard }
