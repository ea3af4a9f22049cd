'use strict'
// Profiles: `profile()`, `Profile` and `ColumnProfile`.
const { native, codedError, isArrowTable } = require('./native')

/**
 * One column of a profile: the fields of its JSON (`name`, `count`,
 * `null_count`, `mean`, `top_k`, `histogram`, ...), the string/binary length
 * statistics, and queries of its sketches.
 */
class ColumnProfile {
  constructor(fields, nativeProfile) {
    Object.assign(this, fields)
    Object.defineProperty(this, '_native', { value: nativeProfile, enumerable: false })
  }

  /** Shortest string (characters) or binary (bytes) length, or null. */
  get length_min() {
    return this.length ? this.length.min : null
  }

  /** Mean length, or null. */
  get length_mean() {
    return this.length ? this.length.mean : null
  }

  /** Longest length, or null. */
  get length_max() {
    return this.length ? this.length.max : null
  }

  /** The `k` most frequent non-null values with their counts, most frequent first. */
  top(k) {
    return this._native.columnTop(this.name, k)
  }

  /** The `q` quantile (0 to 1) from the column's sketch, or null without finite values. */
  quantile(q) {
    return this._native.columnQuantile(this.name, q)
  }
}

/** The profile of a data set: one entry per column, as JSON-ready objects. */
class Profile {
  /** @param {object} nativeProfile the native handle; use `profile()` to make one */
  constructor(nativeProfile) {
    this._native = nativeProfile
    this._json = undefined
  }

  /** Number of rows profiled. */
  get rowCount() {
    return this._native.rowCount
  }

  /** Column names, in schema order. */
  get columnNames() {
    return this._native.columnNames
  }

  /** The statistics of one column; throws an error with code `NOT_FOUND` for an unknown name. */
  column(name) {
    const col = this.toJSON().columns.find((c) => c.name === name)
    if (!col) throw codedError('NOT_FOUND', `not found: column '${name}' is not in the profile`)
    return new ColumnProfile(col, this._native)
  }

  /** The profile as a plain object (what `JSON.stringify` writes). */
  toJSON() {
    if (this._json === undefined) this._json = JSON.parse(this._native.toJson())
    return this._json
  }

  /** The profile as a JSON string, the same document Python's `to_json()` gives. */
  toJson() {
    return this._native.toJson()
  }

  /** The compact, versioned binary encoding. */
  toBytes() {
    return this._native.toBytes()
  }

  /** A self-contained HTML page of the profile. */
  toHtml() {
    return this._native.toHtml()
  }

  /** The profile of the rows of both profiles; `SCHEMA_MISMATCH` when their columns differ. */
  merge(other) {
    if (!(other instanceof Profile)) throw new TypeError('merge expects a Profile')
    return new Profile(this._native.merge(other._native))
  }

  /** Decodes `toBytes()`; `INTEGRITY` for corrupt bytes or a newer format. */
  static fromBytes(bytes) {
    if (!(bytes instanceof Uint8Array)) throw new TypeError('fromBytes expects a Buffer or Uint8Array')
    return new Profile(native.NativeProfile.fromBytes(bytes))
  }

  /** Decodes `toJson()`; `INTEGRITY` for a newer format. */
  static fromJson(json) {
    if (typeof json !== 'string') throw new TypeError('fromJson expects a string')
    return new Profile(native.NativeProfile.fromJson(json))
  }
}

/**
 * Profiles Arrow data in one parallel pass, off the JavaScript thread.
 *
 * @param {import('apache-arrow').Table | Uint8Array | string} input an
 *   apache-arrow Table, Arrow IPC bytes (stream or file format), or the path of
 *   a .parquet, .csv, .arrow / .feather or .arrows file
 * @returns {Promise<Profile>}
 */
async function profile(input) {
  let pending
  if (typeof input === 'string') {
    pending = native.profilePath(input)
  } else if (input instanceof Uint8Array) {
    // A Buffer view of the same memory: no copy (the engine borrows it).
    const buf = Buffer.isBuffer(input) ? input : Buffer.from(input.buffer, input.byteOffset, input.byteLength)
    pending = native.profileIpc(buf)
  } else if (isArrowTable(input)) {
    const { tableToIPC } = require('apache-arrow')
    // apache-arrow has no zero-copy export to native code (no C data
    // interface), so the table is serialized once to IPC bytes here; those
    // bytes are wrapped, not copied, and the engine borrows them in turn.
    const ipc = tableToIPC(input, 'stream')
    pending = native.profileIpc(Buffer.from(ipc.buffer, ipc.byteOffset, ipc.byteLength))
  } else {
    throw new TypeError('profile expects an apache-arrow Table, Arrow IPC bytes (Uint8Array) or a file path')
  }
  return new Profile(await pending)
}

module.exports = { ColumnProfile, Profile, profile }
