'use strict'
// Production monitoring: `monitor`, `Monitor`, `monitors`, and what a
// process owes its monitors when it exits.
//
// Everything a monitor does is the engine's (mlops_core::monitor): rows are
// cut into event-time windows and profiled in Rust off the JavaScript
// thread, a thread of the engine writes the buffered profiles every few
// seconds, and every default (window, lateness, tolerance, retention,
// threshold, drift options) is the engine's. This module only adds what is
// Node's to do: apache-arrow tables as IPC bytes, Dates as milliseconds,
// results as apache-arrow tables, and flushing the monitors still open when
// the process exits or is sent SIGINT. SIGTERM is the engine's, as for runs
// (lib/runs.js): a thread of its own flushes every open monitor, then the
// process ends as SIGTERM would have ended it.
const { native, codedError, typed, isArrowTable, ipcBuffer } = require('./native')
const { Registry } = require('./registry')
const { driftOptions } = require('./drift')
const { Suite } = require('./validate')

/** A monitor's suite as the addon takes it (JSON): a Suite, or a suite file's path. */
function suiteOf(suite) {
  if (suite === undefined || suite === null) return undefined
  if (suite instanceof Suite) return JSON.stringify(suite._doc)
  if (typeof suite === 'string') return typed(() => native.suiteFromFile(suite))
  throw codedError('INVALID_INPUT', "invalid input: monitor option 'suite' expects a Suite or a suite file's path")
}

// The options `monitor()` takes (src/monitor.rs `MonitorOptions`, and the
// store); a name not listed is refused rather than ignored, so a typo does
// not silently run with the engine's default.
const MONITOR_OPTIONS = new Set(['reference', 'window', 'timestamp', 'prediction', 'target', 'id', 'segments', 'maxSegments',
  'allowedLateness', 'futureTolerance', 'predictionRetention', 'task', 'threshold', 'drift', 'suite', 'store'])

/** The monitors opened here, weakly. */
const open = new Set()
let exitHook = false

/** Flushes every monitor opened here and not collected, synchronously. */
function flushOpen() {
  for (const ref of open) {
    const m = ref.deref()
    if (m === undefined) continue
    try {
      m._native.flushAtExit()
    } catch {
      // At exit there is no one left to tell.
    }
  }
}

function onExit() {
  flushOpen()
  open.clear()
}

/**
 * SIGINT (Ctrl-C) ends a Node process without its 'exit' event: flush
 * first. When no other listener handles it, the process then ends by the
 * signal as it would have without this one; an application's own listener
 * (a graceful shutdown) is left to end the process, and its exit flushes
 * again.
 */
function onSignal(signal) {
  flushOpen()
  if (process.listenerCount(signal) > 1) return
  process.removeListener(signal, onSignal)
  process.kill(process.pid, signal)
}

/** Forgets monitors that were collected. */
function prune() {
  for (const ref of open) if (ref.deref() === undefined) open.delete(ref)
}

/** A clock as Unix milliseconds: a number as it is, a Date, or undefined when unset. */
function ms(now, what) {
  if (now === undefined || now === null) return undefined
  if (now instanceof Date) return now.getTime()
  if (typeof now === 'number') return now
  throw codedError('INVALID_INPUT', `invalid input: ${what} expects Unix milliseconds (a number), a Date or undefined`)
}

/** Calls `ipc(bytes)` for an apache-arrow Table or IPC bytes, `path(p)` for a file path. */
function byInput(data, what, ipc, path) {
  if (typeof data === 'string') return typed(() => path(data))
  if (data instanceof Uint8Array || isArrowTable(data)) return typed(() => ipc(ipcBuffer(data)))
  throw codedError('INVALID_INPUT', `invalid input: ${what} expects an apache-arrow Table, Arrow IPC bytes or a data file path`)
}

/** The reference as the addon takes it: `[name, version]` or `['dataset', name, version]`, as text. */
function referenceOf(reference) {
  if (reference === undefined || reference === null) return undefined
  if (!Array.isArray(reference)) {
    throw codedError('INVALID_INPUT', "invalid input: monitor option 'reference': expected [name, version] or ['dataset', name, version]")
  }
  return reference.map(String)
}

/**
 * A monitor open for logging; see `monitor`. It flushes every few seconds,
 * on `flush()`, when the process exits and on SIGTERM or SIGINT.
 */
class Monitor {
  /** @param {object} nativeMonitor the native handle */
  constructor(nativeMonitor) {
    this._native = nativeMonitor
  }

  /** The monitor's name. */
  get name() {
    return this._native.name
  }

  /** Its settings, every default filled in by the engine (`window_secs`, `timestamp`, `allowed_lateness_secs`, `drift`, ...). */
  get config() {
    return JSON.parse(this._native.configJson())
  }

  /**
   * Logs what the model saw (and predicted): an apache-arrow Table, Arrow
   * IPC bytes or a data file path. Each row goes to the window of its event
   * time (floored to the window length, UTC) and to its segment; rows with
   * no event time, an event time past the clock by more than the tolerance,
   * or a window already final are counted (`rejected.*` in `results`), not
   * placed. Resolves to the rows placed. A missing timestamp or segment
   * column is an INVALID_INPUT naming it.
   */
  async log(table) {
    return byInput(table, 'log', (b) => this._native.logIpc(b), (p) => this._native.logPath(p))
  }

  /**
   * Joins labels (the monitor's `id` and `target` columns, as `log` takes
   * them) with the predictions it kept; each joined label counts in its
   * prediction's window. Resolves to `{ joined, unknownIds, duplicates, nulls }`.
   */
  async logLabels(table) {
    return byInput(table, 'logLabels', (b) => this._native.logLabelsIpc(b), (p) => this._native.logLabelsPath(p))
  }

  /** Writes every buffered row now. */
  async flush() {
    await typed(() => this._native.flush())
  }

  /**
   * Sets "now" for the future-date and lateness checks: Unix milliseconds
   * or a Date; undefined gives them back the system clock. For tests and
   * replaying past traffic.
   */
  setClock(now) {
    typed(() => this._native.setClock(ms(now, 'setClock')))
  }

  /**
   * Sets how often the monitor's thread writes what was logged, in seconds
   * (5 until set): what a process killed outright can lose. Not a positive
   * number of seconds is an `InvalidInputError`.
   */
  setFlushInterval(seconds) {
    typed(() => this._native.setFlushInterval(seconds))
  }

  /**
   * Flushes, then every (window, segment) evaluated, as an apache-arrow
   * Table: `window_start`, `window_end`, `segment` ('' for all rows),
   * `is_final`, then a number column per figure (`rows`, `null_ratio`,
   * `drift.share`, `drift.detected.<column>`, `labels.count`,
   * `rejected.future`, ...). `now` (as `setClock` takes it) decides which
   * windows are final; the system clock when unset.
   */
  async results(now) {
    const { tableFromIPC } = require('apache-arrow')
    return tableFromIPC(await typed(() => this._native.results(ms(now, 'results'))))
  }

  /** Flushes, then what the monitor's log holds, folded (settings, reference, each window's counts), as an object. */
  async state() {
    return JSON.parse(await typed(() => this._native.stateJson()))
  }

  /**
   * Adds an alert rule over the window figures (`'drift.share > 0.3 for 2
   * windows'`, `'quality.realized.roc_auc < reference.roc_auc - 0.05'`) with
   * `{ name, severity, cooldownWindows }` (the engine's defaults when
   * unset); resolves to its name. A rule that does not parse is an
   * INVALID_INPUT naming the position.
   */
  async rule(rule, options = {}) {
    const { name, severity, cooldownWindows } = options ?? {}
    return typed(() => this._native.rule(rule, name, severity, cooldownWindows))
  }

  /**
   * Posts each retrain request a later `check()` logs to `url` as JSON,
   * signed like GitHub's webhooks: `X-Mlops-Signature: sha256=<hex
   * HMAC-SHA256 of the raw body>` with the secret held in environment
   * variable `secretEnv` (its name is logged, never its value; it is read
   * when a request is posted), plus `X-Mlops-Event-Id` (`<monitor>:<seq>`,
   * stable across retries) and `X-Mlops-Timestamp`. A failed delivery never
   * fails the check: it is in the request's `webhook` entry of the report
   * and logged. `url` null removes the webhook. A bad URL or variable name
   * is an INVALID_INPUT.
   */
  async webhook(url, options = {}) {
    const { secretEnv } = options ?? {}
    await typed(() => this._native.webhook(url ?? undefined, secretEnv))
  }

  /**
   * Calls `callback(alert)` for each alert that fires in a later `check()`
   * (once per firing: the alert is logged). `alert` has `rule`, `state`,
   * `severity`, `window`, `windows`, `seq`, `retrainRequested` (the
   * number of the retrain_requested event, or null) and `cause` (what a
   * retraining run passes as `startRun(..., { cause })`, or null).
   */
  onAlert(callback) {
    if (typeof callback !== 'function') throw codedError('INVALID_INPUT', 'invalid input: onAlert expects a function')
    ;(this._callbacks ??= []).push(callback)
  }

  /**
   * Flushes, evaluates every rule and logs each new state change; each new
   * firing of severity `retrainOn` or worse (the engine's default:
   * critical) also logs a retrain_requested event. Calls the `onAlert`
   * callbacks for the new firings (awaiting them). Resolves to
   * `{ newAlerts, firing, retrainRequests, worst }`.
   */
  async check(options = {}) {
    const raw = JSON.parse(await typed(() => this._native.checkJson((options ?? {}).retrainOn)))
    const requests = new Map(raw.retrain_requests.map((r) => [r.alert, r]))
    const report = { newAlerts: raw.new_alerts, firing: raw.firing, retrainRequests: raw.retrain_requests, worst: raw.worst }
    for (const a of raw.new_alerts) {
      if (a.state !== 'firing') continue
      const request = requests.get(a.seq)
      const alert = { ...a, retrainRequested: request?.seq ?? null, cause: request?.cause ?? null }
      for (const cb of this._callbacks ?? []) await cb(alert)
    }
    return report
  }

  /** Flushes, then the monitor in the Prometheus exposition format: `'text'` (0.0.4, the default) or `'openmetrics'`. */
  async prometheusText(format) {
    return typed(() => this._native.prometheusText(format))
  }

  /** Flushes, then writes the dashboard (one HTML page) to `path` and the drifted windows' drift reports beside it; resolves to how many. */
  async report(path) {
    return typed(() => this._native.report(String(path)))
  }
}

/** The registry a module-level call uses: `store` (a URL or a Registry), else the default store. */
function registryOf(store) {
  return store instanceof Registry ? store : typed(() => new Registry(store))
}

/**
 * Opens monitor `name` of `store` (a URL or folder, or a `Registry`;
 * unset: $MLOPS_STORE, else `.mlops`), creating it with these settings
 * when there is none; resolves to it. Opening an existing monitor with
 * settings that differ from its own is a CONFLICT naming the first
 * (settings left unset are the monitor's).
 *
 * `timestamp` (required to create one) is the event-time column;
 * `reference` a data set version windows are compared with (`['churn-train',
 * 7]` or `['dataset', 'churn-train', 'production']`). Durations are text
 * (`'90s'`, `'15m'`, `'1h'`, `'2d'`, `'1w'`): `window`, `allowedLateness`,
 * `futureTolerance`, `predictionRetention`. `prediction`, `target` and `id`
 * name the model's output, the label and the prediction id; `segments` cut
 * each window (at most `maxSegments` kept apart); `task` is `'binary'`,
 * `'multiclass'` or `'regression'`, `threshold` the positive-class score;
 * `drift` the options of `drift()`; `suite` a validation suite (a `Suite`
 * or a suite file's path) every window and segment is checked with, its
 * verdicts the `suite.*` fields of `results()`. Every option left unset
 * takes the engine's default.
 */
async function monitor(name, options = {}) {
  for (const k of Object.keys(options ?? {})) {
    if (!MONITOR_OPTIONS.has(k)) throw codedError('INVALID_INPUT', `invalid input: unknown monitor option '${k}'`)
  }
  const {
    reference,
    window,
    timestamp,
    prediction,
    target,
    id,
    segments,
    maxSegments,
    allowedLateness,
    futureTolerance,
    predictionRetention,
    task,
    threshold,
    drift,
    suite,
    store,
  } = options ?? {}
  const registry = registryOf(store)
  const given = {
    reference: referenceOf(reference),
    window,
    timestamp,
    prediction,
    target,
    id,
    segments,
    maxSegments,
    allowedLateness,
    futureTolerance,
    predictionRetention,
    task,
    threshold,
    drift: driftOptions(drift),
    suite: suiteOf(suite),
  }
  // Node's SIGTERM handler stands for the default action until the program
  // listens for SIGTERM itself: then its listener decides (and its exit
  // flushes).
  if (process.listenerCount('SIGTERM') === 0) native.runsTakeOverSigterm()
  const m = new Monitor(await typed(() => native.monitorOpen(registry._native, name, given)))
  prune()
  open.add(new WeakRef(m))
  if (!exitHook) {
    exitHook = true
    process.on('exit', onExit)
    process.on('SIGINT', onSignal)
  }
  return m
}

/** The names of the monitors of `store`, sorted. */
async function monitors({ store } = {}) {
  return registryOf(store).monitors()
}

module.exports = { monitor, monitors, Monitor }
