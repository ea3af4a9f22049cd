'use strict'
// Typed results: the engine's values as the addon builds them
// (src/convert.rs), each in a class with `toJSON()`.

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

/** One event of the registry's change feed: id (`<kind>/<name>@<seq>`), event, kind, name, seq, time, principal, reason, version, previous, change. */
class FeedEvent extends Result {}

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

/**
 * What is known of a run: id, experiment, name, parent, status, exit_code,
 * start_time, end_time, principal, source, params, tags, metrics, points,
 * inputs, outputs, artifacts, segments, events. `metrics` maps each series
 * (`loss`, or `loss[subset=train]`) to its summary `{key, context, count,
 * nans, first_step, last_step, last, min, max, sum, mean}`, with NaN and
 * infinities as JavaScript numbers.
 */
class RunInfo extends Result {
  constructor(fields) {
    super(fields)
    const metrics = {}
    for (const { series, ...summary } of fields.metrics) {
      // Defined, not assigned: a series named `__proto__` stays a key.
      Object.defineProperty(metrics, series, { value: summary, enumerable: true, writable: true, configurable: true })
    }
    this.metrics = metrics
  }
}

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
 * A report the engine made (drift, validation): its native handle and its
 * JSON document, parsed once.
 */
class Report {
  /** @param {object} nativeReport the native handle */
  constructor(nativeReport) {
    this._native = nativeReport
    this._json = JSON.parse(nativeReport.toJson())
  }

  /** The report as a plain object (what `JSON.stringify` writes). */
  toJSON() {
    return this._json
  }

  /** The report as a JSON string, the same document Python's `to_json()` gives. */
  toJson() {
    return this._native.toJson()
  }

  /** One self-contained HTML page. */
  toHtml() {
    return this._native.toHtml()
  }
}

/**
 * Defines on `cls` a read-only property per entry of `fields`
 * (`{ property: 'json_key' }`) that gives that field of the report's JSON,
 * as a class `get` accessor would.
 */
function jsonGetters(cls, fields) {
  for (const [property, key] of Object.entries(fields)) {
    Object.defineProperty(cls.prototype, property, {
      get() {
        return this._json[key]
      },
      configurable: true,
      enumerable: false,
    })
  }
}

/** The camelCase name of a snake_case key. */
function camel(key) {
  return key.replace(/_([a-z])/g, (_, c) => c.toUpperCase())
}

/**
 * Two data set versions compared row by row by key: `added`, `removed` and
 * `changed` as apache-arrow Tables, and `summary` (fromVersion, toVersion, key, rows,
 * added, removed, changed, unchanged, changedCells, columnsAdded,
 * columnsRemoved, columnsRetyped, rowGroups, rowGroupsSkipped).
 */
class RowDiff {
  constructor(native) {
    const { tableFromIPC } = require('apache-arrow')
    const summary = {}
    const names = { from: 'fromVersion', to: 'toVersion' }
    for (const [k, v] of Object.entries(JSON.parse(native.summary))) summary[names[k] || camel(k)] = v
    this.summary = summary
    this.added = tableFromIPC(native.added)
    this.removed = tableFromIPC(native.removed)
    this.changed = tableFromIPC(native.changed)
  }

  /** Changed cells per compared column. */
  get changedCells() {
    return this.summary.changedCells
  }

  /** The summary as a plain object (the tables are left out). */
  toJSON() {
    return { ...this.summary }
  }
}

module.exports = {
  Version, Asset, SearchHit, FeedEvent, DatasetDiff, AuditRecord, AuditReport, PolicyState, ColumnDrift, GateReport, Report, RunInfo,
  RowDiff,
  records, jsonGetters,
}
