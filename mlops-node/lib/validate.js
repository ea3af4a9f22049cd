'use strict'
// Validation: `checks`, `Suite`, `validate()`, `ValidationResult`, `gate()`.
const path = require('node:path')

const { native, codedError, typed, ipcBuffer } = require('./native')
const { GateReport, Report, jsonGetters } = require('./results')

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
    if (v !== undefined && v !== null && v !== false) out[k] = v
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
  constructor(name, checkList) {
    this._doc = JSON.parse(native.suiteNew(name))
    if (checkList !== undefined) this.add(...checkList)
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
class ValidationResult extends Report {
  /** The failed checks. */
  get failures() {
    return this._json.results.filter((r) => !r.success)
  }
}

jsonGetters(ValidationResult, {
  // Whether no error-severity check failed.
  success: 'success',
  // Rows validated.
  rows: 'rows',
  // The suite's name.
  suite: 'suite',
  // Counts over the checks.
  statistics: 'statistics',
  // Per check: check, columns, severity, success, observed_value, unexpected_count,
  // unexpected_percent, partial_unexpected ([{ row, value }]), reason, ...
  results: 'results',
})

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
  metrics(candidate, 'candidate')
  if (baseline !== undefined && baseline !== null) metrics(baseline, 'baseline')
  return new GateReport(typed(() => native.gate(candidate, rules, baseline)))
}

/** Refuses metrics that are not numbers, naming the metric (napi's own error would not). */
function metrics(m, which) {
  if (m === null || typeof m !== 'object') throw codedError('INVALID_INPUT', `invalid input: ${which} metrics must be an object of numbers`)
  for (const [k, v] of Object.entries(m)) {
    if (typeof v !== 'number') throw codedError('INVALID_INPUT', `invalid input: ${which} metric '${k}' is not a number (got ${typeof v})`)
  }
}

module.exports = { checks, Suite, ValidationResult, validate, gate }
