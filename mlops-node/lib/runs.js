'use strict'
// Experiment tracking: `startRun`, `Run`, and what a process owes its runs
// when it exits.
//
// Everything a run does is the engine's (mlops_core::runs): `log` buffers
// points in Rust (synchronously: no Promise per point) and a thread of the
// engine writes them as Parquet segments. This module only adds what is
// Node's to do: ending the runs still open when the process exits
// (`finished`, as Python's atexit hook does), and letting the engine's
// SIGTERM hook in (Node's own SIGTERM handler only restores the terminal
// and dies; while the program has no 'SIGTERM' listener the engine's hook
// takes its place: it flushes every open run, ends it `killed`, then dies
// of SIGTERM as Node would have).
const { native, codedError, typed, isArrowTable, ipcBuffer, jsonText } = require('./native')
const { RunInfo } = require('./results')
const { Registry } = require('./registry')
const { Package } = require('./package')

/** The runs started here, weakly: a run collected unended is ended by the engine. */
const open = new Set()
let exitHook = false

function onExit() {
  for (const ref of open) {
    const run = ref.deref()
    if (run === undefined) continue
    try {
      run._native.finishAtExit()
    } catch {
      // At exit there is no one left to tell.
    }
  }
  open.clear()
}

/** Forgets runs that ended or were collected, so the set stays the size of the open ones. */
function prune() {
  for (const ref of open) {
    const run = ref.deref()
    if (run === undefined || run.ended) open.delete(ref)
  }
}

/** `tags` checked as key → string (or null, where `nullable`), naming a bad value's key. */
function textMap(tags, what, nullable) {
  if (tags === null || typeof tags !== 'object' || Array.isArray(tags)) {
    throw codedError('INVALID_INPUT', `invalid input: ${what} must be an object of key → string`)
  }
  for (const [k, v] of Object.entries(tags)) {
    if (typeof v !== 'string' && !(nullable && v === null)) {
      throw codedError('INVALID_INPUT', `invalid input: ${what}[${JSON.stringify(k)}]: ${v === null ? 'null' : typeof v} is not a string`)
    }
  }
  return tags
}

/**
 * A run being written; see `startRun`. `log` is synchronous and cheap (the
 * points are buffered by the engine); every other call resolves a Promise.
 */
class Run {
  /** @param {object} nativeRun the native handle */
  constructor(nativeRun) {
    this._native = nativeRun
    // `log` reaches the run by its slot: cheaper than a method call on the handle.
    this._slot = this._native.slot
  }

  /** The run's id. */
  get id() {
    return this._native.id
  }

  /** Whether this handle writes no more (the run ended, or, attached, was let go). */
  get ended() {
    return this._native.ended
  }

  /**
   * Logs `metrics` (a plain object of key → number) at `step` (a whole
   * number), with an optional `context` (`'subset=train'`). Any step order
   * and repeated steps are kept. A value that is not a number is an
   * INVALID_INPUT naming its key, and nothing of the call is logged.
   */
  log(metrics, step, { context } = {}) {
    typed(() => native.runLog(this._slot, metrics, step, context))
  }

  /**
   * Logs a table of points (an apache-arrow Table or Arrow IPC bytes:
   * `key`, `step`, `value`, optional `time` and `context`): all of it, or,
   * on an INVALID_INPUT naming the column and row, none of it.
   */
  async logTable(table) {
    if (!(table instanceof Uint8Array) && !isArrowTable(table)) {
      throw codedError('INVALID_INPUT', 'invalid input: logTable expects an apache-arrow Table or Arrow IPC bytes')
    }
    await typed(() => this._native.logTable(ipcBuffer(table)))
  }

  /**
   * Adds parameters (nested objects flatten to `a.b` keys, values are kept
   * as text). Add-only: a key already set to another value is a CONFLICT
   * naming it.
   */
  async logParams(params) {
    await typed(() => this._native.logParams(jsonText(params, 'params')))
  }

  /** Sets tags (key → string; null removes one). */
  async setTags(tags) {
    await typed(() => this._native.setTags(textMap(tags, 'tags', true)))
  }

  /** Records that the run used version `version` of data set `name` (which must exist). */
  async useDataset(name, version) {
    return this.useAsset('dataset', name, version)
  }

  /** Records that the run used version `version` of asset `name` of `kind` (which must exist). */
  async useAsset(kind, name, version) {
    await typed(() => this._native.useAsset(kind, name, version))
  }

  /**
   * Records that the run made version `version` of asset `name` of `kind`
   * (which must exist), and on the asset's side the lineage: made by this
   * run from the run's inputs.
   */
  async recordOutput(kind, name, version) {
    await typed(() => this._native.recordOutput(kind, name, version))
  }

  /** Registers `pkg` as the next version of model `name` and records it as this run's output; resolves to the version. */
  async logModel(pkg, name, { message } = {}) {
    if (!(pkg instanceof Package)) throw new TypeError('logModel expects a Package')
    return typed(() => this._native.logModel(pkg.path, name, message))
  }

  /** Stores the file at `path` with the run, as `name` (unset: its file name). */
  async logArtifact(path, { name } = {}) {
    await typed(() => this._native.logArtifact(path, name))
  }

  /** Writes every buffered point now. */
  async flush() {
    await this._native.flush()
  }

  /** Ends the run: `'finished'`, `'failed'` or `'killed'`. Ending twice is a CONFLICT. */
  async end(status, { exitCode } = {}) {
    await typed(() => this._native.end(status, exitCode))
  }

  /** The points of series `key` of this run as an apache-arrow Table (see `Registry.runHistory`). */
  async history(key, { context, downsample } = {}) {
    const { tableFromIPC } = require('apache-arrow')
    return tableFromIPC(await typed(() => this._native.history(key, context, downsample)))
  }

  /** What is known of the run now. */
  async info() {
    return new RunInfo(await this._native.info())
  }
}

/**
 * Starts a run of `experiment` (unset: the engine's default experiment) in
 * `store` (a URL or folder, or a `Registry`; unset: $MLOPS_STORE, else
 * `.mlops`) and resolves to it. `params` are add-only; `tags` can change
 * later; `parent` nests the run under another (a `Run` or its id);
 * `flushPoints` and `flushInterval` (seconds) tune how points are
 * buffered; `compact` whether the end rewrites the run's segments as one
 * file. `systemMetrics: true` samples the machine's CPU, memory, disk and
 * network into the run under MLflow's `system/...` keys (off by default)
 * every `systemMetricsInterval` seconds (10 by default). A run still open
 * when the process exits is ended `finished`.
 *
 * `cause` names the monitor's retrain request the run answers
 * (`'monitor:<name>@<seq>'`, a request's `cause` in `Monitor.check`'s
 * report): the run and the models it records link back to it in lineage.
 * A cause naming no such request is a NOT_FOUND.
 *
 * Under `mlops run exec` (MLOPS_RUN_ID set) a run started without a parent
 * is the command's run: its params and tags are added there.
 */
async function startRun(
  experiment,
  { name, parent, params, tags, store, flushPoints, flushInterval, compact, systemMetrics, systemMetricsInterval, cause } = {},
) {
  const registry = registryOf(store)
  const options = {
    experiment,
    name,
    parent: parent instanceof Run ? parent.id : parent,
    params: params === undefined ? undefined : jsonText(params, 'params'),
    tags: tags === undefined ? undefined : textMap(tags, 'tags', false),
    flushPoints,
    flushInterval,
    compact,
    systemMetrics,
    systemMetricsInterval,
    cause,
  }
  // Node's SIGTERM handler stands for the default action until the program
  // listens for SIGTERM itself: then its listener decides.
  if (process.listenerCount('SIGTERM') === 0) native.runsTakeOverSigterm()
  const run = new Run(await typed(() => native.runStart(registry._native, options)))
  prune()
  open.add(new WeakRef(run))
  if (!exitHook) {
    exitHook = true
    process.on('exit', onExit)
  }
  return run
}

/** The registry a module-level call uses: `store` (a URL or a Registry), else the default store. */
function registryOf(store) {
  return store instanceof Registry ? store : typed(() => new Registry(store))
}

/**
 * The runs of `store` matching `query` as an apache-arrow Table (see
 * `Registry.searchRuns`).
 */
async function searchRuns(query, { store } = {}) {
  return registryOf(store).searchRuns(query)
}

/**
 * 2 to 10 runs side by side: `runs` (RunInfo), `params` (each `{ key,
 * values, differs }`), `metrics` (each `{ series, summaries }`).
 */
class RunComparison {
  constructor(registry, ids, comparison) {
    Object.defineProperty(this, '_registry', { value: registry })
    Object.defineProperty(this, '_ids', { value: ids })
    this.runs = comparison.runs
    this.params = comparison.params
    this.metrics = comparison.metrics
  }

  /** The parameters whose values differ between the runs: key → values. */
  differingParams() {
    const out = {}
    for (const p of this.params) if (p.differs) out[p.key] = p.values
    return out
  }

  /** The comparison as one self-contained HTML page. */
  async html() {
    return this._registry.compareRunsHtml(this._ids)
  }
}

/** Compares 2 to 10 runs (Run objects or ids) of `store`. */
async function compareRuns(ids, { store } = {}) {
  const registry = registryOf(store)
  const list = ids.map((r) => (r instanceof Run ? r.id : r))
  return new RunComparison(registry, list, await registry.compareRuns(list))
}

module.exports = { startRun, searchRuns, compareRuns, RunComparison, Run }
