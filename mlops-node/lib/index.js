'use strict'
/**
 * mlops for Node: the same engine as `import mlops` in Python and the
 * `mlops-core` crate, in-process. This layer only converts inputs (apache-arrow
 * tables become Arrow IPC bytes) and results; all behaviour lives in the Rust
 * engine. Engine errors arrive from the native addon already as `Error`s
 * whose `code` is the engine's error kind (see src/error.rs).
 */
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

/**
 * A typed result: the fields of the engine's value (the native addon
 * builds them as typed objects, src/convert.rs), and `toJSON()` giving
 * them as a plain object.
 */
class Result {
  constructor(fields) {
    Object.assign(this, fields)
  }

  /** The fields as a plain object (what `JSON.stringify` writes). */
  toJSON() {
    return { ...this }
  }
}

/** A version of an asset: number, content hash, size, message, metadata, dataset, principal, time. */
class Version extends Result {}

/** An asset's state: versions, aliases (their moves), tags, lineage, archived, gates, events. */
class Asset extends Result {
  constructor(fields) {
    super(fields)
    this.versions = fields.versions.map((v) => new Version(v))
  }

  /** The fields as a plain object (what `JSON.stringify` writes). */
  toJSON() {
    return { ...this, versions: this.versions.map((v) => v.toJSON()) }
  }
}

/** One version found by `Registry.search`. */
class SearchHit extends Result {}

/** What changed between two data set versions: rows, added, removed, retyped, per-column statistics. */
class DatasetDiff extends Result {}

/** One event of the audit trail: log, seq, hash, time, principal, action, target, reason, event. */
class AuditRecord extends Result {}

/** What `audit.verify()` found: logs, events, broken (null or `{log, seq, problem}`), digest, ok. */
class AuditReport extends Result {}

/** The access policy: grants, protections, events. */
class PolicyState extends Result {}

/** One column of a drift report (the fields of the report's JSON). */
class ColumnDrift extends Result {}

/** The result of `gate()`: `passed`, and per rule `{rule, left, op, right, passed, metrics}`. */
class GateReport {
  constructor(fields) {
    Object.assign(this, fields)
  }

  /** The report as JSON, as `recordGate` stores it. */
  toJson() {
    return JSON.stringify(this)
  }
}

const records = (rs) => rs.map((r) => new AuditRecord(r))

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

function isArrowTable(x) {
  return x !== null && typeof x === 'object' && Array.isArray(x.batches) && x.schema && Array.isArray(x.schema.fields)
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

function floats(x, name) {
  if (x instanceof Float64Array) return x
  if (Array.isArray(x) || ArrayBuffer.isView(x)) return Float64Array.from(x)
  if (x && typeof x.toArray === 'function') return Float64Array.from(x.toArray()) // apache-arrow Vector
  throw new TypeError(`${name} must be an array of numbers`)
}

const pair = (fn) => (a, b) => fn(floats(a, 'first argument'), floats(b, 'second argument'))

/**
 * Two-sample statistics, correct to SciPy: distances return a number, tests
 * `{ statistic, pvalue }`. Samples are number arrays or Float64Arrays
 * (borrowed, not copied); distributions are counts or shares per bin.
 */
const stats = {
  wassersteinDistance: pair(native.statsWassersteinDistance),
  energyDistance: pair(native.statsEnergyDistance),
  wassersteinDistanceNorm: pair(native.statsWassersteinDistanceNorm),
  jensenShannon: pair(native.statsJensenShannon),
  klDivergence: pair(native.statsKlDivergence),
  hellinger: pair(native.statsHellinger),
  totalVariation: pair(native.statsTotalVariation),
  lInfinity: pair(native.statsLInfinity),
  psi: pair(native.statsPsi),
  cramerVonMises: pair(native.statsCramerVonMises),
  /**
   * Two-sample KS test (`scipy.stats.ks_2samp`); method 'auto' | 'exact' | 'asymp',
   * alternative 'two-sided' | 'less' | 'greater' (as SciPy's `alternative`).
   */
  ks2samp(x, y, method, alternative) {
    return typed(() => native.statsKs2Samp(floats(x, 'first argument'), floats(y, 'second argument'), method, alternative))
  },
  andersonKSamp(samples) {
    if (!Array.isArray(samples)) throw new TypeError('andersonKSamp expects an array of samples')
    return native.statsAndersonKsamp(samples.map((s, i) => floats(s, `sample ${i}`)))
  },
  chi2Contingency(observed) {
    const [statistic, pvalue, dof] = native.statsChi2Contingency(observed.map((row) => Array.from(row, Number)))
    return { statistic, pvalue, dof }
  },
  proportionsZTest(x1, n1, x2, n2) {
    return native.statsProportionsZtest(x1, n1, x2, n2)
  },
}

/** A drift report: the verdict, and per column the method, score and verdict. */
class DriftReport {
  /** @param {object} nativeReport the native handle; use `drift()` to make one */
  constructor(nativeReport) {
    this._native = nativeReport
    this._json = JSON.parse(nativeReport.toJson())
  }

  /** Whether the data set drifted (the share of drifted columns reached `driftShare`). */
  get datasetDrift() {
    return this._json.dataset_drift
  }

  /**
   * `'drift'`, `'no_drift'`, or `'not_tested'` when no column could be tested
   * (see `skippedColumns`): then `datasetDrift` is false, but a drift gate
   * should not pass.
   */
  get verdict() {
    return this._json.verdict
  }

  /** Columns not tested, with the reason. */
  get skippedColumns() {
    return this._json.skipped_columns
  }

  /** Drifted columns over tested columns. */
  get shareOfDriftedColumns() {
    return this._json.share_of_drifted_columns
  }

  /** Columns compared (tested or skipped). */
  get numberOfColumns() {
    return this._json.number_of_columns
  }

  /** Columns that drifted. */
  get numberOfDriftedColumns() {
    return this._json.number_of_drifted_columns
  }

  /** Names of the drifted columns, in schema order. */
  get driftedColumns() {
    return this._json.columns.filter((c) => c.drifted).map((c) => c.column)
  }

  /** Per-column results, in schema order (objects as in the JSON document). */
  get columns() {
    return this._json.columns
  }

  /** `data` (exact) or `profiles` (from sketches). */
  get source() {
    return this._json.source
  }

  /** One column's result; throws an error with code `NOT_FOUND` for an unknown name. */
  column(name) {
    const col = this._json.columns.find((c) => c.column === name)
    if (!col) throw codedError('NOT_FOUND', `not found: column '${name}' is not in the drift report`)
    return new ColumnDrift(col)
  }

  /** The report as a plain object (what `JSON.stringify` writes). */
  toJSON() {
    return this._json
  }

  /** The report as a JSON string, the same document Python's `to_json()` gives. */
  toJson() {
    return this._native.toJson()
  }

  /** One self-contained HTML page: verdict, sortable table, inline SVG charts. */
  toHtml() {
    return this._native.toHtml()
  }
}

// The options `drift()` takes (src/convert.rs `DriftOptions`); the engine
// fills the ones not given from its defaults. A name not listed is refused
// rather than ignored, so a typo does not silently run with the default.
const DRIFT_OPTIONS = new Set(['columns', 'method', 'threshold', 'perColumn', 'driftShare', 'correction', 'nullTest',
  'nullThreshold', 'nullMinEffect', 'includeDatetime', 'significanceGuard', 'significanceLevel'])

function driftOptions(options) {
  if (options === undefined || options === null) return undefined
  for (const k of Object.keys(options)) {
    if (!DRIFT_OPTIONS.has(k)) throw codedError('INVALID_INPUT', `invalid input: unknown drift option '${k}'`)
  }
  return options
}

/**
 * Version metadata as JSON text. JSON.stringify would write NaN and
 * Infinity as null and drop undefined silently; those are refused here
 * naming where they sit (`metadata.a[2]`), as the Python binding does.
 */
function metadataJson(metadata) {
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
  walk(metadata, 'metadata', 0)
  return JSON.stringify(metadata)
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
 * Compares a current data set with a reference one, column by column, off
 * the JavaScript thread: Evidently's default method per column and its
 * thresholds, a test of the share of missing values, the dataset verdict.
 * Two `Profile`s give the same report from their sketches (approximate).
 *
 * @param {import('apache-arrow').Table | Uint8Array | string | Profile} reference
 * @param {import('apache-arrow').Table | Uint8Array | string | Profile} current
 * @param {object} [options] `{ columns, method, threshold, perColumn, driftShare,
 *   correction, nullTest, nullThreshold, nullMinEffect, includeDatetime,
 *   significanceGuard, significanceLevel }`
 * @returns {Promise<DriftReport>}
 */
async function drift(reference, current, options) {
  const opts = driftOptions(options)
  if (reference instanceof Profile && current instanceof Profile) {
    return new DriftReport(typed(() => native.driftProfiles(reference._native, current._native, opts)))
  }
  if (reference instanceof Profile || current instanceof Profile) {
    throw new TypeError('drift compares two Profiles or two data sets, not one of each')
  }
  if (typeof reference === 'string' && typeof current === 'string') {
    return new DriftReport(await typed(() => native.driftPaths(reference, current, opts)))
  }
  if (typeof reference === 'string' || typeof current === 'string') {
    throw new TypeError('drift takes two file paths or two in-memory data sets, not one of each')
  }
  return new DriftReport(await typed(() => native.driftIpc(ipcBuffer(reference), ipcBuffer(current), opts)))
}

/**
 * A model's input and output schema: columns `{name, type, nullable}` with
 * Arrow type names (`Float64`, `Utf8`, ...), tensors with a `shape`.
 */
class Signature {
  /** @param {{inputs?: object[], outputs?: object[], input_example?: any}} spec */
  constructor(spec) {
    this.inputs = spec.inputs || []
    this.outputs = spec.outputs || []
    if (spec.input_example !== undefined) this.input_example = spec.input_example
  }

  /** Infers a signature from an ONNX model file's graph inputs and outputs. */
  static async fromOnnx(file) {
    return new Signature(JSON.parse(await native.signatureFromOnnx(file)))
  }

  /**
   * Checks an apache-arrow Table (or Arrow IPC bytes) against the inputs;
   * resolves to `{ok, problems, messages}` with every problem: missing
   * columns, type mismatches (lossless widening is accepted), nulls in
   * non-nullable columns (count and first row).
   */
  async validate(data) {
    return JSON.parse(await native.signatureValidateIpc(JSON.stringify(this.toJSON()), ipcBuffer(data)))
  }

  toJSON() {
    const out = { inputs: this.inputs, outputs: this.outputs }
    if (this.input_example !== undefined) out.input_example = this.input_example
    return out
  }
}

/**
 * A model package: a folder (or `.tar.zst` archive) of files listed with
 * their sizes and BLAKE3 hashes in `mlops-package.json`. Heavy calls return
 * Promises and run off the JavaScript thread.
 */
class Package {
  /** @param {string} path @param {object} manifest */
  constructor(path, manifest) {
    this.path = path
    this.manifest = manifest
  }

  /**
   * Makes `dir` a package (or, with `files`, copies them into the new folder
   * `dir` first). Options: `name`, `version`, `flavor` (required),
   * `flavorVersion`, `metrics`, `params`, `signature`, `lineage`,
   * `requirements`, `card`, `files`.
   */
  static async build(dir, { name, version, flavor, flavorVersion, metrics, params, signature, lineage, requirements, card, files } = {}) {
    const spec = { name, version, flavor }
    if (flavorVersion !== undefined) spec.flavor_version = flavorVersion
    if (metrics !== undefined) spec.metrics = metrics
    if (params !== undefined) spec.params = params
    if (signature !== undefined) spec.signature = signature instanceof Signature ? signature.toJSON() : signature
    if (lineage !== undefined) spec.lineage = lineage
    if (requirements !== undefined) spec.requirements = requirements
    if (card !== undefined) spec.card = card
    const m = await native.packageBuild(dir, JSON.stringify(spec), files || null)
    return new Package(dir, JSON.parse(m))
  }

  /** Opens a package folder or `.tar.zst` archive (the manifest is checked). */
  static async load(file) {
    return new Package(file, JSON.parse(await native.packageLoad(file)))
  }

  /** Reads an MLflow model folder into the new package folder `out`. */
  static async fromMlflow(dir, out, { name, version } = {}) {
    return new Package(out, JSON.parse(await native.packageFromMlflow(dir, out, name ?? null, version ?? null)))
  }

  /** The signature, or null. */
  get signature() {
    return this.manifest.signature ? new Signature(this.manifest.signature) : null
  }

  /** Checks every file's size and hash; rejects with code `INTEGRITY` naming the file. */
  async verify() {
    await native.packageVerify(this.path)
  }

  /** Signs the package with a secret key file; resolves to the key id. */
  sign(keyFile) {
    return native.packageSign(this.path, keyFile)
  }

  /** Checks the signature against trusted public key files, then every file; resolves to the key id. */
  verifySignature(trusted) {
    return native.packageVerifySignature(this.path, trusted)
  }

  /** Writes the package as one `.tar.zst` archive. */
  async saveArchive(out) {
    await native.packageSaveArchive(this.path, out)
  }

  /** Writes the package as a new MLflow model folder. */
  async toMlflow(out) {
    await native.packageToMlflow(this.path, out)
  }
}

/** Generates an Ed25519 key pair: `file` (secret, mode 0600) and `file.pub`; returns the key id. */
function generateKey(file) {
  return native.generateKey(file)
}

/**
 * Datasets, models and artifacts with numbered versions and aliases, in a
 * store: a folder (default `.mlops`), `file://...` or `memory://`. Every
 * method returns a Promise and runs off the JavaScript thread.
 */
class Registry {
  /**
   * @param {string} [url] the store (default `.mlops`)
   * @param {{principal?: string}} [options] who writes (default: MLOPS_PRINCIPAL, else USER)
   */
  constructor(url = '.mlops', { principal } = {}) {
    this._native = native.NativeRegistry.open(url, principal)
    /** The audit trail: `verify()` and `log(filter)`. */
    this.audit = new Audit(this._native)
    /** The access policy: `show()`, `grant`, `revoke`, `protect`, `unprotect`. */
    this.policy = new Policy(this._native)
  }

  /** Who this registry writes as. */
  get principal() {
    return this._native.principal
  }

  /** Records a gate report (what `gate()` returns) for a version. */
  async recordGate(kind, name, version, report, { reason } = {}) {
    await typed(() => this._native.recordGate(kind, name, version, report, reason))
  }

  /** Adds bytes (a Buffer, Uint8Array or string) as the next version; resolves to its number. */
  add(kind, name, data, { message = '', metadata = {}, reason } = {}) {
    const buf = typeof data === 'string' ? Buffer.from(data) : Buffer.from(data.buffer, data.byteOffset, data.byteLength)
    return this._native.add(kind, name, buf, message, metadataJson(metadata), reason)
  }

  /** Adds a file, streamed through content-defined chunking; resolves to the version number. */
  addFile(kind, name, path, { message = '', metadata = {}, reason } = {}) {
    return this._native.addFile(kind, name, path, message, metadataJson(metadata), reason)
  }

  /** Points an alias at a version, recording `reason` for the audit trail; rejects with PERMISSION_DENIED when the policy refuses. */
  async alias(kind, name, alias, version, { reason } = {}) {
    await this._native.alias(kind, name, alias, version, reason)
  }

  /** The asset: versions and aliases with their history. */
  async asset(kind, name) {
    return new Asset(await this._native.asset(kind, name))
  }

  /** The asset's history, oldest first: every version, alias move, tag, lineage edge, archive and gate. */
  async log(kind, name) {
    return records(await this._native.log(kind, name))
  }

  /** A version's content (by number, alias or 'latest'), verified against its hashes. */
  get(kind, name, reference = 'latest') {
    return this._native.get(kind, name, String(reference))
  }

  /**
   * Commits a data set version from an apache-arrow Table, Arrow IPC bytes or
   * a data file path: Parquet plus schema, rows and profile. Resolves to its number.
   */
  commitDataset(name, data, { message = '', metadata = {}, reason } = {}) {
    const meta = metadataJson(metadata)
    if (typeof data === 'string') return this._native.commitDatasetPath(name, data, message, meta, reason)
    return this._native.commitDatasetIpc(name, ipcBuffer(data), message, meta, reason)
  }

  /** Verifies and pushes a model package as the next version of model `name`; resolves to the version number. */
  pushPackage(pkg, name, { message = '', reason } = {}) {
    return native.packagePush(this._native, pkg.path, name, message, reason)
  }

  /** Pulls a model version (number, alias or 'latest') into the new folder `dest`, verified. */
  async pullPackage(name, reference, dest) {
    return new Package(dest, JSON.parse(await native.packagePull(this._native, name, String(reference), dest)))
  }

  /** A data set version (number, alias or 'latest') as an apache-arrow Table. */
  async readDataset(name, reference = 'latest', { columns } = {}) {
    const { tableFromIPC } = require('apache-arrow')
    const bytes = await typed(() => this._native.readDataset(name, String(reference), columns))
    return tableFromIPC(bytes)
  }

  /** Schema, row and column statistic changes between two data set versions. */
  async diff(name, from, to = 'latest') {
    return new DatasetDiff(await this._native.diff(name, String(from), String(to)))
  }

  /** The profile stored with a data set version (number, alias or 'latest'). */
  async datasetProfile(name, reference = 'latest') {
    return new Profile(await this._native.datasetProfile(name, String(reference)))
  }

  /** Sets a tag of a version (`value` null removes it). */
  async tag(kind, name, version, key, value = null, { reason } = {}) {
    await this._native.tag(kind, name, version, key, value === null ? undefined : String(value), reason)
  }

  /** Records that `product` ({kind, name, version}) was made from `inputs`. */
  async lineage(product, inputs, { run, commit, reason } = {}) {
    await typed(() => this._native.lineage(product, inputs, run, commit, reason))
  }

  /** One version (by number, alias or 'latest'), read through the registry's indexes. */
  async version(kind, name, reference = 'latest') {
    return new Version(await this._native.version(kind, name, String(reference)))
  }

  /** Checks an asset from its log's own events (hash chain, numbering, indexes); resolves to the number of events. */
  async verify(kind, name) {
    return this._native.verify(kind, name)
  }

  /** Archives an asset (hidden from listings and searches, history kept), or restores it. */
  async archive(kind, name, { restore = false, reason } = {}) {
    await this._native.archive(kind, name, !restore, reason)
  }

  /** Names of the assets of a kind. */
  async list(kind, { includeArchived = false } = {}) {
    return this._native.list(kind, includeArchived)
  }

  /** Versions matching a filter such as "kind = 'model' and metrics.auc > 0.9". */
  async search(query, { includeArchived = false } = {}) {
    return (await this._native.search(query, includeArchived)).map((h) => new SearchHit(h))
  }
}

/**
 * Builders of checks for `Suite`: each returns the check as a plain object,
 * exactly as a suite file (YAML or JSON) writes it. Options: `mostly` (row-level
 * checks), `severity` ('error' | 'warn') and `name`; plus each check's own
 * fields (e.g. `strictMin`, `tiesOkay`).
 */
function check(kind, fields, opts = {}) {
  const out = { check: kind }
  const extra = {}
  for (const [k, v] of Object.entries(opts)) {
    extra[k.replace(/[A-Z]/g, (c) => '_' + c.toLowerCase())] = v
  }
  for (const [k, v] of Object.entries({ ...fields, ...extra })) {
    if (v !== undefined && v !== null && v !== false && !(k === 'severity' && v === 'error')) out[k] = v
  }
  return out
}
const between = (kind) => (column, min, max, opts) => check(kind, { column, min, max }, opts)
const checks = {
  columnExists: (column, opts) => check('column_exists', { column }, opts),
  columnType: (column, type, opts) => check('column_type', { column, type }, opts),
  notNull: (column, opts) => check('not_null', { column }, opts),
  maxNullFraction: (column, max, opts) => check('max_null_fraction', { column, max }, opts),
  unique: (column, opts) => check('unique', { column }, opts),
  compoundUnique: (columns, opts) => check('compound_unique', { columns }, opts),
  valuesBetween: between('values_between'),
  inSet: (column, values, opts) => check('in_set', { column, values }, opts),
  notInSet: (column, values, opts) => check('not_in_set', { column, values }, opts),
  matchesRegex: (column, regex, opts) => check('matches_regex', { column, regex }, opts),
  lengthBetween: between('length_between'),
  minBetween: between('min_between'),
  maxBetween: between('max_between'),
  meanBetween: between('mean_between'),
  stdBetween: between('std_between'),
  medianBetween: between('median_between'),
  quantileBetween: (column, quantile, min, max, opts) => check('quantile_between', { column, quantile, min, max }, opts),
  distinctCountBetween: between('distinct_count_between'),
  mostCommonInSet: (column, values, opts) => check('most_common_in_set', { column, values }, opts),
  rowCountBetween: (min, max, opts) => check('row_count_between', { min, max }, opts),
  columnPair: (a, op, b, opts) => check('column_pair', { a, op, b }, opts),
  increasing: (column, opts) => check('increasing', { column }, opts),
  decreasing: (column, opts) => check('decreasing', { column }, opts),
  freshness: (column, maxAge, opts) => check('freshness', { column, max_age: maxAge }, opts),
  distribution: (column, reference, opts) => check('distribution', { column, reference }, opts),
}

/**
 * A named collection of checks (a data contract), saved as YAML or JSON.
 * Checks are parsed by the engine: an unknown kind or field, or a wrong
 * argument type, throws `INVALID_INPUT` naming `checks[i]` and the field.
 */
class Suite {
  /** @param {string} [name] @param {object[]} [checkList] */
  constructor(name = 'suite', checkList = []) {
    this._doc = JSON.parse(native.suiteFromJson(JSON.stringify({ name, checks: checkList })))
    this._base = undefined
  }

  static _of(json, base) {
    const s = Object.create(Suite.prototype)
    s._doc = JSON.parse(json)
    s._base = base
    return s
  }

  /** Appends checks; returns the suite. */
  add(...more) {
    const doc = { ...this._doc, checks: [...this._doc.checks, ...more] }
    this._doc = JSON.parse(native.suiteFromJson(JSON.stringify(doc)))
    return this
  }

  get name() {
    return this._doc.name
  }

  /** The checks, as plain objects. */
  get checks() {
    return this._doc.checks
  }

  toJson() {
    return JSON.stringify(this._doc, null, 2)
  }

  toYaml() {
    return native.suiteToYaml(JSON.stringify(this._doc))
  }

  /** Writes the suite: JSON for a `.json` path, YAML otherwise. */
  save(file) {
    require('node:fs').writeFileSync(file, file.endsWith('.json') ? this.toJson() : this.toYaml())
  }

  /** Reads a suite file (.yaml, .yml, .json); reference profiles resolve relative to its folder. */
  static load(file) {
    return Suite._of(native.suiteFromFile(file), path.dirname(path.resolve(file)))
  }

  static fromYaml(text) {
    return Suite._of(native.suiteFromYaml(text))
  }

  static fromJson(text) {
    return Suite._of(native.suiteFromJson(text))
  }

  /**
   * Infers a suite from trusted data (a Table, IPC bytes or a file path):
   * types, null rates, widened ranges, category sets, lengths, uniqueness.
   * @param {object} [options] `{ name, margin, maxCategories }`
   */
  static async infer(input, options) {
    const json = typeof input === 'string'
      ? await typed(() => native.inferSuitePath(input, options))
      : await typed(() => native.inferSuiteIpc(ipcBuffer(input), options))
    return Suite._of(json)
  }

  /** Same as `validate(input, this, options)`. */
  validate(input, options) {
    return validate(input, this, options)
  }
}

/** The result of a validation: the verdict and one object per check. */
class ValidationResult {
  constructor(nativeResult) {
    this._native = nativeResult
    this._json = JSON.parse(nativeResult.toJson())
  }

  /** Whether no error-severity check failed. */
  get success() {
    return this._json.success
  }

  get rows() {
    return this._json.rows
  }

  /** The suite's name. */
  get suite() {
    return this._json.suite
  }

  get statistics() {
    return this._json.statistics
  }

  /** Per check: check, columns, severity, success, observed_value, unexpected_count,
   * unexpected_percent, partial_unexpected ([{ row, value }]), reason, ... */
  get results() {
    return this._json.results
  }

  /** The failed checks. */
  get failures() {
    return this._json.results.filter((r) => !r.success)
  }

  toJSON() {
    return this._json
  }

  toJson() {
    return this._native.toJson()
  }

  /** One self-contained HTML page. */
  toHtml() {
    return this._native.toHtml()
  }
}

/**
 * Validates data against a suite in one parallel pass, off the JavaScript thread.
 *
 * @param {import('apache-arrow').Table | Uint8Array | string} input a Table, Arrow IPC bytes or a data file path
 * @param {Suite | string} suite a Suite, or the path of a suite file
 * @param {object} [options] `{ unexpectedLimit, now }` (`now`: seconds since the epoch, for freshness)
 * @returns {Promise<ValidationResult>}
 */
async function validate(input, suite, options) {
  if (typeof suite === 'string') suite = Suite.load(suite)
  if (!(suite instanceof Suite)) throw new TypeError('validate expects a Suite or a suite file path')
  const doc = JSON.stringify(suite._doc)
  const pending = typeof input === 'string'
    ? typed(() => native.validatePath(input, doc, suite._base, options))
    : typed(() => native.validateIpc(ipcBuffer(input), doc, suite._base, options))
  return new ValidationResult(await pending)
}

/**
 * A model promotion gate: rules such as `auc >= baseline.auc - 0.01` or
 * `latency_p95_ms <= 50`; returns `{ passed, rules: [{ rule, left, op, right, passed, metrics }] }`.
 * A bad rule or a missing metric throws `INVALID_INPUT` naming the position.
 */
function gate(candidate, rules, baseline) {
  return new GateReport(typed(() => native.gate(candidate, rules, baseline)))
}

/** The audit trail of a registry (`registry.audit`). */
class Audit {
  constructor(native) {
    this._native = native
  }

  /** Walks every log's hash chain: an `AuditReport`. */
  async verify() {
    return new AuditReport(await this._native.auditVerify())
  }

  /** Events oldest first, filtered by `{principal, action, target, since, until}` (unset fields match everything). */
  async log(filter) {
    return records(await typed(() => this._native.auditLog(filter)))
  }
}

/** The access policy of a registry (`registry.policy`): roles reader < writer < approver < admin. */
class Policy {
  constructor(native) {
    this._native = native
  }

  /** Grants, protections and the number of policy events: a `PolicyState`. */
  async show() {
    return new PolicyState(await this._native.policyShow())
  }

  /** Grants `role` to `principal` over assets matching `scope` (default `*`). */
  async grant(principal, role, scope = '*', { reason } = {}) {
    await this._native.policyGrant(principal, role, scope, reason)
  }

  /** Revokes a grant. */
  async revoke(principal, role, scope = '*', { reason } = {}) {
    await this._native.policyRevoke(principal, role, scope, reason)
  }

  /** Protects an alias: only `role` (default approver) may move it; with `requireGate`, only to a version with a passed gate report. */
  async protect(alias, { scope = '*', role = 'approver', requireGate = false, reason } = {}) {
    await this._native.policyProtect(alias, scope, role, requireGate, reason)
  }

  /** Removes a protection. */
  async unprotect(alias, scope = '*', { reason } = {}) {
    await this._native.policyUnprotect(alias, scope, reason)
  }
}

module.exports = {
  profile,
  Profile,
  ColumnProfile,
  drift,
  DriftReport,
  ColumnDrift,
  Registry,
  Version,
  Asset,
  SearchHit,
  DatasetDiff,
  Audit,
  AuditRecord,
  AuditReport,
  Policy,
  PolicyState,
  Package,
  Signature,
  generateKey,
  stats,
  checks,
  Suite,
  validate,
  ValidationResult,
  gate,
  GateReport,
}
