'use strict'
// Drift reports: `drift()` and `DriftReport`.
const { native, codedError, typed, ipcBuffer } = require('./native')
const { ColumnDrift, Report, jsonGetters } = require('./results')
const { Profile } = require('./profile')

/** A drift report: the verdict, and per column the method, score and verdict (`drift()` makes one). */
class DriftReport extends Report {
  /** Names of the drifted columns, in schema order. */
  get driftedColumns() {
    return this._json.columns.filter((c) => c.drifted).map((c) => c.column)
  }

  /** One column's result; throws an error with code `NOT_FOUND` for an unknown name. */
  column(name) {
    const col = this._json.columns.find((c) => c.column === name)
    if (!col) throw codedError('NOT_FOUND', `not found: column '${name}' is not in the drift report`)
    return new ColumnDrift(col)
  }
}

jsonGetters(DriftReport, {
  // Whether the data set drifted (the share of drifted columns reached `driftShare`).
  datasetDrift: 'dataset_drift',
  // 'drift', 'no_drift', or 'not_tested' when no column could be tested (see
  // `skippedColumns`): then `datasetDrift` is false, but a drift gate should not pass.
  verdict: 'verdict',
  // Columns not tested, with the reason.
  skippedColumns: 'skipped_columns',
  // Drifted columns over tested columns.
  shareOfDriftedColumns: 'share_of_drifted_columns',
  // Columns compared (tested or skipped).
  numberOfColumns: 'number_of_columns',
  // Columns that drifted.
  numberOfDriftedColumns: 'number_of_drifted_columns',
  // Per-column results, in schema order (objects as in the JSON document).
  columns: 'columns',
  // 'data' (exact) or 'profiles' (from sketches).
  source: 'source',
})

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

module.exports = { DriftReport, drift, driftOptions }
