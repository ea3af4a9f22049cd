'use strict'
// Partial states that merge: `Spec` and `Accumulator`, the primitive for
// computing a profile or a validation per partition (on workers, in
// shards, over days) and merging the states wherever they meet.
const { native, typed, isArrowTable, ipcBuffer } = require('./native')
const { Profile } = require('./profile')
const { Suite, ValidationResult } = require('./validate')

/** A Buffer view of the same memory as `bytes` (no copy); a TypeError naming `what` otherwise. */
function buffer(bytes, what) {
  if (!(bytes instanceof Uint8Array)) throw new TypeError(`${what} expects a Buffer or Uint8Array`)
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
}

/** An array of state bytes as Buffers, naming the first that is not bytes. */
function buffers(states, what) {
  if (!Array.isArray(states)) throw new TypeError(`${what} expects an array of state bytes`)
  return states.map((s, i) => buffer(s, `${what}: states[${i}]`))
}

function nativeSpec(spec, what) {
  if (!(spec instanceof Spec)) throw new TypeError(`${what} expects a Spec`)
  return spec._native
}

/**
 * What an accumulator computes: a profile of some columns, or a validation
 * suite. Ship `toBytes()` to the workers and rebuild it there with
 * `Spec.fromBytes()`; states of different specs do not merge.
 */
class Spec {
  /** @param {object} nativeSpec the native handle; use `Spec.profile()` or `Spec.validation()` */
  constructor(nativeSpec) {
    this._native = nativeSpec
  }

  /**
   * A profile of `columns` (every column when unset), in that order.
   * @param {string[]} [columns]
   */
  static profile(columns) {
    return new Spec(typed(() => native.NativeSpec.profile(columns)))
  }

  /**
   * A validation of `suite`; `options.now` (seconds since the epoch, the
   * clock of freshness checks) is fixed here for every partition. A check
   * whose exact state grows with the data (`unique`, `median_between`, ...)
   * throws `UNSUPPORTED` naming the approximate alternative.
   * @param {Suite} suite
   * @param {object} [options] `{ unexpectedLimit, now }`
   */
  static validation(suite, options) {
    if (!(suite instanceof Suite)) throw new TypeError('Spec.validation expects a Suite')
    const doc = JSON.stringify(suite._doc)
    return new Spec(typed(() => native.NativeSpec.validation(doc, suite._base, options)))
  }

  /** Reads `toBytes()`; `INVALID_INPUT` naming the field of a bad spec. */
  static fromBytes(bytes) {
    return new Spec(typed(() => native.NativeSpec.fromBytes(buffer(bytes, 'Spec.fromBytes'))))
  }

  /** The canonical encoding (JSON bytes). */
  toBytes() {
    return this._native.toBytes()
  }

  /** The BLAKE3 hash of the encoding, in hex: states carry it. */
  get hash() {
    return this._native.hash
  }

  /** `'profile'` or `'validation'`. */
  get kind() {
    return this._native.kind
  }
}

/**
 * The partial state of a profile or validation over some partitions of the
 * data: `update()` it with one partition's rows, send `toBytes()` to where
 * the states meet, `Accumulator.merge()` them there and `finish()` into the
 * same `Profile` or `ValidationResult` as `profile()` / `validate()`.
 */
class Accumulator {
  /**
   * An empty state of `spec` for the partition numbered `partition`.
   * @param {Spec} spec
   * @param {number} partition a whole number from 0
   */
  constructor(spec, partition) {
    const s = nativeSpec(spec, 'Accumulator')
    this._native = typed(() => new native.NativeAccumulator(s, partition))
  }

  static _of(nativeAcc) {
    const a = Object.create(Accumulator.prototype)
    a._native = nativeAcc
    return a
  }

  /**
   * Folds the partition's rows in, off the JavaScript thread. Calls apply in
   * the order they are made (rows are folded in that order), even when one
   * is made before the previous one settled.
   * @param {import('apache-arrow').Table | Uint8Array | string} data an
   *   apache-arrow Table, Arrow IPC bytes, or the path of a data file
   * @returns {Promise<void>}
   */
  update(data) {
    let run
    if (typeof data === 'string') {
      run = () => typed(() => this._native.updatePath(data))
    } else if (data instanceof Uint8Array || isArrowTable(data)) {
      const ipc = ipcBuffer(data)
      run = () => typed(() => this._native.updateIpc(ipc))
    } else {
      return Promise.reject(new TypeError('Accumulator.update expects an apache-arrow Table, Arrow IPC bytes (Uint8Array) or a file path'))
    }
    const done = (this._queue || Promise.resolve()).then(run)
    // The next call waits for this one, whether it succeeds or not.
    this._queue = done.then(
      () => undefined,
      () => undefined,
    )
    return done
  }

  /** The state as bytes (what a worker sends back). */
  toBytes() {
    return this._native.toBytes()
  }

  /**
   * Reads `toBytes()` for `spec`: `INVALID_INPUT` for a state of another
   * spec, `INTEGRITY` for damaged bytes or a newer format.
   */
  static fromBytes(spec, bytes) {
    const s = nativeSpec(spec, 'Accumulator.fromBytes')
    return Accumulator._of(typed(() => native.NativeAccumulator.fromBytes(s, buffer(bytes, 'Accumulator.fromBytes'))))
  }

  /**
   * Merges the states (bytes) of one key, of disjoint partitions, in any
   * order; a partition in two states is `INVALID_INPUT`.
   */
  static merge(spec, states) {
    const s = nativeSpec(spec, 'Accumulator.merge')
    return Accumulator._of(typed(() => native.NativeAccumulator.merge(s, buffers(states, 'Accumulator.merge'))))
  }

  /** Merges states (bytes) of any keys, e.g. the per-key merges of `split()` states, into one state. */
  static combine(spec, states) {
    const s = nativeSpec(spec, 'Accumulator.combine')
    return Accumulator._of(typed(() => native.NativeAccumulator.combine(s, buffers(states, 'Accumulator.combine'))))
  }

  /**
   * One `[key, state bytes]` per column (profile) or check (validation), to
   * merge each key's states apart; consumes the accumulator.
   * @returns {Array<[number, Buffer]>}
   */
  split() {
    return this._native.split().map(({ key, state }) => [key, state])
  }

  /**
   * The `Profile` or `ValidationResult` of the rows folded in; consumes the
   * accumulator. `schema` (an apache-arrow Schema) is needed only when no
   * partition had rows.
   * @param {import('apache-arrow').Schema} [schema]
   * @returns {Profile | ValidationResult}
   */
  finish(schema) {
    let ipc
    if (schema !== undefined && schema !== null) {
      const { Schema, Table, tableToIPC } = require('apache-arrow')
      if (!(schema instanceof Schema)) throw new TypeError('Accumulator.finish expects an apache-arrow Schema')
      ipc = ipcBuffer(tableToIPC(new Table(schema), 'stream'))
    }
    const done = this._native.finish(ipc)
    return done instanceof native.NativeProfile ? new Profile(done) : new ValidationResult(done)
  }

  /** Rows folded in. */
  get rows() {
    return this._native.rows
  }

  /** The partitions folded in, as inclusive `[first, last]` ranges. */
  get partitions() {
    return this._native.partitions
  }

  /** The indices of the columns (profile) or checks (validation) held. */
  get keys() {
    return this._native.keys
  }
}

module.exports = { Spec, Accumulator }
