'use strict'
// The registry and its governance: `Registry`, `Audit`, `Policy`.
const { native, typed, ipcBuffer, jsonText } = require('./native')
const { Version, Asset, SearchHit, FeedEvent, DatasetDiff, AuditReport, PolicyState, RunInfo, records } = require('./results')
const { RowDiff } = require('./results')
const { TreeDiff, Checkout } = require('./results')
const { Profile } = require('./profile')
const { Package } = require('./package')

/**
 * A version reference as text (a number becomes `'3'`), or undefined when
 * none was given: the engine then reads the newest version.
 */
function ref(reference) {
  return reference === undefined || reference === null ? undefined : String(reference)
}

/** Metadata as JSON text, or undefined when none was given (the addon records `{}`). */
function meta(metadata) {
  return metadata === undefined ? undefined : jsonText(metadata, 'metadata')
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
  constructor(url, { principal } = {}) {
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
  add(kind, name, data, { message, metadata, reason } = {}) {
    const buf = typeof data === 'string' ? Buffer.from(data) : Buffer.from(data.buffer, data.byteOffset, data.byteLength)
    return this._native.add(kind, name, buf, message, meta(metadata), reason)
  }

  /** Adds a file, streamed through content-defined chunking, or a folder as a tree of its files; resolves to the version number. */
  addFile(kind, name, path, { message, metadata, reason } = {}) {
    return this._native.addFile(kind, name, path, message, meta(metadata), reason)
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

  /** A version's content (by number, alias or 'latest'; unset: the newest), verified against its hashes. */
  get(kind, name, reference) {
    return this._native.get(kind, name, ref(reference))
  }

  /**
   * Commits a data set version from an apache-arrow Table, Arrow IPC bytes or
   * a data file path: Parquet plus schema, rows and profile. Resolves to its number.
   */
  commitDataset(name, data, { message, metadata, reason } = {}) {
    const json = meta(metadata)
    if (typeof data === 'string') return this._native.commitDatasetPath(name, data, message, json, reason)
    return this._native.commitDatasetIpc(name, ipcBuffer(data), message, json, reason)
  }

  /** Verifies and pushes a model package as the next version of model `name`; resolves to the version number. */
  pushPackage(pkg, name, { message, reason } = {}) {
    return native.packagePush(this._native, pkg.path, name, message, reason)
  }

  /** Pulls a model version (number, alias or 'latest') into the new folder `dest`, verified. */
  async pullPackage(name, reference, dest) {
    return new Package(dest, await native.packagePull(this._native, name, String(reference), dest))
  }

  /** A data set version (number, alias or 'latest'; unset: the newest) as an apache-arrow Table. */
  async readDataset(name, reference, { columns } = {}) {
    const { tableFromIPC } = require('apache-arrow')
    const bytes = await typed(() => this._native.readDataset(name, ref(reference), columns))
    return tableFromIPC(bytes)
  }

  /**
   * Schema, row and column statistic changes between two data set versions
   * (`to` unset: the newest); with `{ key }` (a column name or an array),
   * row by row: a `RowDiff` of added, removed and changed rows as Tables.
   */
  async diff(name, from, to, options = {}) {
    if (to !== null && typeof to === 'object') {
      options = to
      to = undefined
    }
    const { key } = options
    if (key === undefined || key === null) {
      return new DatasetDiff(await this._native.diff(name, String(from), ref(to)))
    }
    const keys = typed(() => (Array.isArray(key) ? key : [key]).map((k) => {
      if (typeof k !== 'string') throw Object.assign(new TypeError('key must be a column name or an array of them'), { code: 'InvalidArg' })
      return k
    }))
    return new RowDiff(await this._native.diffRows(name, String(from), ref(to), keys))
  }

  /** Every move of `alias`, oldest first: version, principal, time, seq and reason. */
  async aliasHistory(kind, name, alias) {
    return this._native.aliasHistory(kind, name, alias)
  }

  /**
   * What changed in the folder `path` since a version (unset: the newest) of
   * an asset added from a folder; only files whose stat changed are read.
   */
  async status(kind, name, path, reference) {
    return new TreeDiff(await this._native.status(kind, name, path, ref(reference)))
  }

  /** Restores a version (unset: the newest) of an asset added from a folder into `dest`, byte-identical. */
  async checkout(kind, name, dest, reference) {
    return new Checkout(await this._native.checkout(kind, name, dest, ref(reference)))
  }

  /** What changed, per path, between two versions of an asset added from folders (`to` unset: the newest). */
  async diffFiles(kind, name, from, to) {
    return new TreeDiff(await this._native.diffFiles(kind, name, String(from), ref(to)))
  }

  /** The profile stored with a data set version (number, alias or 'latest'; unset: the newest). */
  async datasetProfile(name, reference) {
    return new Profile(await this._native.datasetProfile(name, ref(reference)))
  }

  /**
   * Saves `profile` as the profile of data set `name` under `key` (a
   * partition date, a batch): a new version of the asset `profile/<name>`;
   * saving a key again supersedes its profile. Resolves to the version number.
   */
  async saveProfile(name, key, profile, { reason } = {}) {
    if (!(profile instanceof Profile)) throw new TypeError('saveProfile expects a Profile')
    return typed(() => this._native.saveProfile(name, key, profile._native, reason))
  }

  /** The profile last saved under `key` (NOT_FOUND naming the key when there is none). */
  async loadProfile(name, key) {
    return new Profile(await typed(() => this._native.loadProfile(name, key)))
  }

  /** The keys data set `name` has profiles under, sorted. */
  async profileKeys(name) {
    return typed(() => this._native.profileKeys(name))
  }

  /**
   * The profile of the union of the slices saved under `keys` (each key's
   * latest profile), merged without reading the data again.
   */
  async mergeProfiles(name, keys) {
    return new Profile(await typed(() => this._native.mergeProfiles(name, keys)))
  }

  /** Sets a tag of a version (`value` null removes it). */
  async tag(kind, name, version, key, value = null, { reason } = {}) {
    await this._native.tag(kind, name, version, key, value === null ? undefined : String(value), reason)
  }

  /**
   * Records that `product` ({kind, name, version}) was made from `inputs`,
   * by `run` from source `commit`, because of `cause` (a monitor's retrain
   * request, `'monitor:<name>@<seq>'`: it must exist, and the monitor's log
   * then names the product).
   */
  async lineage(product, inputs, { run, commit, reason, cause } = {}) {
    await typed(() => this._native.lineage(product, inputs, run, commit, reason, cause))
  }

  /** One version (by number, alias or 'latest'; unset: the newest), read through the registry's indexes. */
  async version(kind, name, reference) {
    return new Version(await this._native.version(kind, name, ref(reference)))
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

  /**
   * Versions matching a filter such as "kind = 'model' and aliases = 'production'",
   * in kind, name and version order. With `limit` or `pageToken`, one page:
   * the array's `nextPageToken` (null on the last page) fetches the next,
   * and versions added between pages neither shift nor repeat hits.
   */
  async search(query, { includeArchived = false, limit, pageToken } = {}) {
    if (limit === undefined && pageToken === undefined) {
      const hits = (await this._native.search(query, includeArchived)).map((h) => new SearchHit(h))
      hits.nextPageToken = null
      return hits
    }
    const page = await typed(() => this._native.searchPage(query, includeArchived, limit, pageToken))
    const hits = page.hits.map((h) => new SearchHit(h))
    hits.nextPageToken = page.nextPageToken
    return hits
  }

  /**
   * The change feed's events after cursor `since` (`'start'` for every
   * event), in log order, at most `limit`: `{events, cursor}`, the cursor
   * after the last event returned.
   */
  async changes(since, { limit } = {}) {
    const { events, cursor } = await typed(() => this._native.changes(String(since), limit))
    return { events: events.map((e) => new FeedEvent(e)), cursor }
  }

  /** The cursor after the last event of every log now. */
  async feedCursor() {
    return this._native.feedCursor()
  }

  /**
   * A `Watch` of the change feed: from cursor `since`, else from the one
   * saved in `cursorFile`, else from now. Iterate it with `for await`; it
   * ends after `timeout` seconds without an event (default: never). With
   * `cursorFile`, the cursor is saved there each time the next event is
   * asked for. `pollInterval` (seconds) is how often a bucket is read.
   */
  watch({ since, cursorFile, timeout, pollInterval } = {}) {
    return new Watch(typed(() => this._native.watch(since, cursorFile, pollInterval)), timeout)
  }

  /**
   * Posts each change feed event to webhook `url`, signed with HMAC-SHA256
   * under the secret in environment variable `secretEnv`, starting as
   * `watch` does, until no event comes for `timeout` seconds (default:
   * never). The cursor is saved in `cursorFile` after each delivered
   * event. Resolves to how many were delivered; an event that cannot be
   * delivered rejects with STORAGE naming it.
   */
  async dispatch(url, { secretEnv, since, cursorFile, timeout, pollInterval } = {}) {
    return typed(() => this._native.dispatch(url, secretEnv, since, cursorFile, timeout, pollInterval))
  }

  /** The monitors of the registry, by name. */
  async monitors() {
    return typed(() => native.monitorNames(this._native))
  }

  /** Run `id`: what is known of it (NOT_FOUND naming it when there is none). */
  async run(id) {
    return new RunInfo(await typed(() => native.runInfo(this._native, id)))
  }

  /** Every run (of `experiment`, when given), newest first. */
  async runs(experiment) {
    return (await typed(() => native.runList(this._native, experiment))).map((r) => new RunInfo(r))
  }

  /**
   * The points of series `key` of run `id` as an apache-arrow Table (`step`,
   * `time`, `value`, `context`) ordered by (step, time): `context` keeps one
   * context's points; `downsample: N` keeps the first, last, smallest and
   * largest point of each of N step buckets.
   */
  async runHistory(id, key, { context, downsample } = {}) {
    const { tableFromIPC } = require('apache-arrow')
    return tableFromIPC(await typed(() => native.runHistory(this._native, id, key, context, downsample)))
  }

  /**
   * The runs matching `query` (the filter language with `in (...)`, `is
   * null`, `metrics.KEY.STAT`, `parent`, `order by` and `limit`) as an
   * apache-arrow Table: a row per run, a column per param and summary.
   */
  async searchRuns(query) {
    const { tableFromIPC } = require('apache-arrow')
    return tableFromIPC(await typed(() => native.runSearch(this._native, query)))
  }

  /**
   * 2 to 10 runs side by side: `{ runs, params, metrics }` (each param with
   * `values` per run and `differs`; each series' summary per run).
   */
  async compareRuns(ids) {
    const c = await typed(() => native.runCompare(this._native, ids))
    return { ...c, runs: c.runs.map((r) => new RunInfo(r)) }
  }

  /** The comparison of runs `ids` as one self-contained HTML page (curves overlaid, inline SVG). */
  async compareRunsHtml(ids) {
    return typed(() => native.runCompareHtml(this._native, ids))
  }

  /** Checks run `id`: its log's hash chain and every segment and artifact it names; resolves to its number of points. */
  async verifyRun(id) {
    return typed(() => native.runVerify(this._native, id))
  }

  /** Writes the table of the runs matching `query` (all when omitted) to the Parquet file `path`, whole or not at all; resolves to the number of runs. */
  async exportRunsParquet(path, query) {
    return typed(() => native.runsExportParquet(this._native, path, query))
  }

  /** Writes the run table that search reads anew from every run's log; resolves to its number of rows (ended runs). */
  async rebuildRunTable() {
    return typed(() => native.runsRebuildTable(this._native))
  }

  /**
   * Writes run `id`'s series as TensorBoard event files under `dir`, one
   * per context (a context's in the subdirectory named by it; values as
   * 32-bit floats); resolves to the files written.
   */
  async exportRunTensorboard(id, dir) {
    return typed(() => native.runExportTensorboard(this._native, id, dir))
  }

  /**
   * Reads TensorBoard event files (a file, or every `*tfevents*` file under
   * a directory, subdirectories as contexts) into a new run; resolves to its id.
   */
  async importTensorboard(path, { experiment, name, tags } = {}) {
    return typed(() => native.runImportTensorboard(this._native, path, experiment, name, tags))
  }

  /**
   * Imports the runs of an MLflow tracking store (an `mlruns` folder or
   * `sqlite:///mlflow.db`): params, tags, every metric point, status and
   * times; runs imported before are skipped. Resolves to `{ imported,
   * skipped }`, each MLflow run id → run id.
   */
  async importMlflow(source, { experiment } = {}) {
    return typed(() => native.runImportMlflow(this._native, source, experiment))
  }

  // Retention, garbage collection and fsck.

  /**
   * Expires the versions `keepLast` / `keepWithin` (text such as `'30d'`,
   * or seconds) do not keep; aliased, tagged, lineage-referenced and pinned
   * versions and the newest are kept. Resolves to the versions expired;
   * reading one then rejects with code `EXPIRED`.
   */
  async expire(kind, name, { keepLast, keepWithin, reason } = {}) {
    return this._native.expire(kind, name, keepLast, duration(keepWithin), reason)
  }

  /** Pins a version (kept by every retention rule), or with `unpin: true` unpins it. */
  async pin(kind, name, version, { unpin = false, reason } = {}) {
    await this._native.pin(kind, name, version, !unpin, reason)
  }

  /**
   * A garbage collection plan (a dry run): `items` (hash, bytes, reason),
   * `count`, `bytes`. `grace` defaults to 7 days; below 1 hour it needs
   * `unsafe: true`.
   */
  async gcPlan({ grace, unsafe = false } = {}) {
    return JSON.parse(await this._native.gcPlan(duration(grace), unsafe))
  }

  /** Deletes what a plan lists that is still unreferenced and old enough; resolves to `{ count, bytes, skipped }`. */
  async gcApply(plan) {
    const text = typeof plan === 'string' ? plan : jsonText(plan, 'plan')
    return JSON.parse(await this._native.gcApply(text))
  }

  /** Orphans (unreferenced blobs, with bytes) and missing blobs; `ok` is false when something is missing. */
  async fsck() {
    return JSON.parse(await this._native.fsck())
  }
}

/** A duration for the addon: text as given, a number as milliseconds of text. */
function duration(d) {
  if (d === undefined || d === null) return undefined
  if (typeof d === 'number') return `${Math.round(d * 1000)}ms`
  return String(d)
}

/** The audit trail of a registry (`registry.audit`). */
/** How long one wait of a `Watch` on the thread pool lasts (seconds), so a closed watch frees its thread soon. */
const WATCH_SLICE = 1

/**
 * A watch of a registry's change feed: `for await (const e of watch)`
 * yields `FeedEvent`s; `cursor` is the cursor after the last one yielded
 * (save it and give it back as `since`); `close()` ends the iteration.
 */
class Watch {
  constructor(nativeWatch, timeout) {
    this._native = nativeWatch
    this._timeout = timeout
    this._closed = false
  }

  /** The cursor after the last event returned. */
  get cursor() {
    return this._native.cursor
  }

  /** Whether file notifications (a local folder) wake it rather than polling. */
  get notified() {
    return this._native.notified
  }

  /** The next event, waiting up to `timeout` seconds (default: without end); null when none came in time or the watch was closed. */
  async next(timeout) {
    // The engine checks a timeout (a negative one is INVALID_INPUT).
    if (timeout !== undefined && timeout !== null && !(timeout >= 0)) await typed(() => this._native.next(timeout))
    const deadline = timeout === undefined || timeout === null ? undefined : Date.now() + timeout * 1000
    while (!this._closed) {
      const left = deadline === undefined ? WATCH_SLICE : Math.max(0, Math.min(WATCH_SLICE, (deadline - Date.now()) / 1000))
      const e = await typed(() => this._native.next(left))
      if (e) return new FeedEvent(e)
      if (deadline !== undefined && Date.now() >= deadline) return null
    }
    return null
  }

  /** Ends the iteration (a wait in progress ends within a second). */
  close() {
    this._closed = true
  }

  async *[Symbol.asyncIterator]() {
    for (;;) {
      const e = await this.next(this._timeout)
      if (!e) return
      yield e
    }
  }
}

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

  /** Grants `role` to `principal` over assets matching `scope` (unset: every asset). */
  async grant(principal, role, scope, { reason } = {}) {
    await this._native.policyGrant(principal, role, scope, reason)
  }

  /** Revokes a grant. */
  async revoke(principal, role, scope, { reason } = {}) {
    await this._native.policyRevoke(principal, role, scope, reason)
  }

  /** Protects an alias: only `role` (default approver) may move it; with `requireGate`, only to a version with a passed gate report. */
  async protect(alias, { scope, role, requireGate = false, reason } = {}) {
    await this._native.policyProtect(alias, scope, role, requireGate, reason)
  }

  /** Removes a protection. */
  async unprotect(alias, scope, { reason } = {}) {
    await this._native.policyUnprotect(alias, scope, reason)
  }
}

module.exports = { Registry, Audit, Policy, Watch }
