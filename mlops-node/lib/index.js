'use strict'
/**
 * mlops for Node: the same engine as `import mlops` in Python and the
 * `mlops-core` crate, in-process. This layer only converts inputs (apache-arrow
 * tables become Arrow IPC bytes) and results; all behaviour lives in the Rust
 * engine. Engine errors arrive from the native addon already as `Error`s
 * whose `code` is the engine's error kind (see src/error.rs).
 *
 * One module per capability, named as in the core and the Python package:
 * profile, stats, drift, validate, accumulate, package, registry, runs,
 * monitor, guard, ui; results.js holds the
 * typed result classes, native.js the addon and the boundary helpers.
 */
const { Version, Asset, SearchHit, FeedEvent, DatasetDiff, AuditRecord, AuditReport, PolicyState, ColumnDrift, GateReport, RunInfo } = require('./results')
const { TreeDiff, Checkout } = require('./results')
const { profile, Profile, ColumnProfile } = require('./profile')
const { stats } = require('./stats')
const { drift, DriftReport } = require('./drift')
const { Package, Signature, generateKey } = require('./package')
const { Registry, Audit, Policy, Watch } = require('./registry')
const { checks, Suite, validate, ValidationResult, gate } = require('./validate')
const { Spec, Accumulator } = require('./accumulate')
const { startRun, searchRuns, compareRuns, RunComparison, Run } = require('./runs')
const { monitor, monitors, Monitor } = require('./monitor')
const { Guard } = require('./guard')
const { ui } = require('./ui')

module.exports = {
  ui,
  TreeDiff,
  Checkout,
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
  FeedEvent,
  Watch,
  DatasetDiff,
  RowDiff: require('./results').RowDiff,
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
  Spec,
  Accumulator,
  startRun,
  searchRuns,
  compareRuns,
  RunComparison,
  Run,
  RunInfo,
  monitor,
  monitors,
  Monitor,
  Guard,
}
