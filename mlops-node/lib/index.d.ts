/**
 * mlops for Node: profiles, drift, validation, model packages, and a
 * versioned registry with its audit trail and access policy, computed
 * in-process by the Rust engine. Hand-written; test/types.test.js checks it
 * against lib/index.js (with the TypeScript compiler API) and compiles
 * test/types-check.ts against it, and test/parity.test.js against
 * api/parity.json.
 */
import type { Schema, Table } from 'apache-arrow'

/** A column value: numbers, booleans or strings (temporal values in their Arrow unit). */
export type Value = number | boolean | string

/** Error codes of `MlopsError.code`, one per engine error kind. */
export type ErrorCode =
  | 'NOT_FOUND'
  | 'ALREADY_EXISTS'
  | 'CONFLICT'
  | 'INVALID_INPUT'
  | 'SCHEMA_MISMATCH'
  | 'UNSUPPORTED'
  | 'INTEGRITY'
  | 'PERMISSION_DENIED'
  | 'STORAGE'
  | 'ARROW'
  | 'EXPIRED'
  | 'SIGNATURE'
  | 'INTERNAL'

/** Every error the engine raises: a plain `Error` with a `code`. */
export interface MlopsError extends Error {
  code: ErrorCode
}

/** An equal-width histogram: `counts[i]` values in `[edges[i], edges[i+1])`, the last bin closed. */
export interface Histogram {
  edges: number[]
  counts: number[]
}

/** The statistics of one column (the fields of the profile JSON of that column). */
export declare class ColumnProfile {
  private constructor()
  /** Shortest string (characters) or binary (bytes) length, or null. */
  readonly length_min: number | null
  /** Mean length, or null. */
  readonly length_mean: number | null
  /** Longest length, or null. */
  readonly length_max: number | null
  /** The `k` most frequent non-null values with their counts, most frequent first. */
  top(k: number): Array<{ value: Value; count: number }>
  /** The `q` quantile (0 to 1) from the column's sketch, or null without finite values. */
  quantile(q: number): number | null
  name: string
  /** Arrow type as Arrow displays it: `Int64`, `Utf8`, `Timestamp(ms)`, ... */
  data_type: string
  kind: 'numeric' | 'boolean' | 'string' | 'binary' | 'temporal' | 'nested'
  semantic_type: 'numeric' | 'categorical' | 'boolean' | 'datetime' | 'text' | 'identifier' | 'other'
  /** Rows, nulls included. */
  count: number
  null_count: number
  nan_count: number
  pos_inf_count: number
  neg_inf_count: number
  true_count: number
  /** Smallest finite value (byte order for strings). */
  min: Value | null
  max: Value | null
  /** Mean of the finite values (share of `true` for booleans). */
  mean: number | null
  /** Sample variance (ddof = 1). */
  variance: number | null
  std: number | null
  /** `[q, value]` pairs for q in 0, .01, .05, .25, .5, .75, .95, .99, 1 (KLL sketch). */
  quantiles: Array<[number, number]> | null
  quantile_rank_error: number | null
  histogram: Histogram | null
  /** HLL estimate of distinct non-null values. */
  distinct_estimate: number | null
  /** The 10 most frequent values, most frequent first. */
  top_k: Array<{ value: Value; count: number }>
  top_k_max_error: number
  /** String length in characters (bytes for binary). */
  length: { min: number; mean: number; max: number } | null
  /** Exact moments and sketch bytes from which the profile is rebuilt. */
  state: Record<string, unknown>
}

/** One column of the profile JSON document. */
export type ColumnProfileJson = Omit<ColumnProfile, 'top' | 'quantile' | 'length_min' | 'length_mean' | 'length_max'>

/** The profile JSON document. */
export interface ProfileJson {
  format: 'mlops.profile'
  version: number
  row_count: number
  columns: ColumnProfileJson[]
}

/** The profile of a data set. */
export declare class Profile {
  private constructor()
  /** Number of rows profiled. */
  get rowCount(): number
  /** Column names, in schema order. */
  get columnNames(): string[]
  /** One column's statistics; throws `NOT_FOUND` for an unknown name. */
  column(name: string): ColumnProfile
  /** The profile as a plain object. */
  toJSON(): ProfileJson
  /** The profile as a JSON string: the same document Python's `to_json()` gives. */
  toJson(): string
  /** The compact, versioned binary encoding. */
  toBytes(): Buffer
  /** A self-contained HTML page. */
  toHtml(): string
  /** The profile of the rows of both; throws `SCHEMA_MISMATCH` when their columns differ. */
  merge(other: Profile): Profile
  /** Decodes `toBytes()`; throws `INTEGRITY` for corrupt bytes or a newer format. */
  static fromBytes(bytes: Uint8Array): Profile
  /** Decodes `toJson()`; throws `INTEGRITY` for a newer format. */
  static fromJson(json: string): Profile
}

/**
 * Profiles Arrow data in one parallel pass, off the JavaScript thread.
 * Rejects with an `MlopsError` (`NOT_FOUND` for a missing file, `INVALID_INPUT`
 * for unreadable data, `UNSUPPORTED` naming a column, ...).
 */
export declare function profile(input: Table | Uint8Array | string): Promise<Profile>

/** A test's statistic and p-value, as SciPy's result objects. */
/** A drift method, named as Evidently names its stat tests. */
export type DriftMethod =
  | 'ks'
  | 'chisquare'
  | 'z'
  | 'wasserstein'
  | 'jensenshannon'
  | 'psi'
  | 'kl_div'
  | 'hellinger'
  | 'anderson'
  | 'cramer_von_mises'
  | 'energy_dist'
  | 'l_infinity'

/** Options of `drift()`; every one is optional. */
export interface DriftOptions {
  /** Only these columns, in this order. */
  columns?: string[]
  /** One method for every column instead of Evidently's default choice. */
  method?: DriftMethod
  /** One threshold for every column instead of the method's default. */
  threshold?: number
  /** Per-column overrides. */
  perColumn?: Record<string, { method?: DriftMethod; threshold?: number }>
  /** The data set drifts when at least this share of columns drift (0.5). */
  driftShare?: number
  /** Multiple-testing correction of the p-values. */
  correction?: 'none' | 'bonferroni' | 'benjamini_hochberg'
  /** Test the share of missing values (true). */
  nullTest?: boolean
  /** P-value threshold of the null-rate test (0.05). */
  nullThreshold?: number
  /** Smallest Cohen's h that counts as null-rate drift (0.1). */
  nullMinEffect?: number
  /** Test datetime columns as numbers (false). */
  includeDatetime?: boolean
  /** A distance above its threshold must also be significant to count (true); false = Evidently's verdicts. */
  significanceGuard?: boolean
  /** The p-value below which the guard confirms a distance (0.05). */
  significanceLevel?: number
}

/** Summary of one side of a column. */
export interface DriftSummary {
  rows: number
  missing: number
  distinct: number | null
  mean: number | null
  std: number | null
  min: number | null
  q25: number | null
  median: number | null
  q75: number | null
  max: number | null
  top: Array<[string, number]>
}

/** The drift of one column, as in the JSON document. */
export declare class ColumnDrift {
  private constructor()
  /** The fields as a plain object. */
  toJSON(): Omit<ColumnDrift, 'toJSON'>
  column: string
  column_type: 'numerical' | 'categorical' | 'text'
  method: DriftMethod | null
  score: number | null
  statistic: number | null
  p_value: number | null
  /** null when no value test ran and none was asked for */
  threshold: number | null
  guard_p_value: number | null
  value_drifted: boolean
  skipped: string | null
  distinct: number | null
  nulls: {
    reference_share: number
    current_share: number
    statistic: number
    p_value: number
    effect: number
    threshold: number
    min_effect: number
    drifted: boolean
  } | null
  drifted: boolean
  approximate: boolean
  reference: DriftSummary
  current: DriftSummary
  distribution: {
    kind: 'histogram' | 'categories'
    edges: number[]
    labels: string[]
    reference: number[]
    current: number[]
  }
}

/** The JSON document of a drift report. */
export interface DriftReportJson {
  format: 'mlops.drift'
  version: number
  source: 'data' | 'profiles'
  reference_rows: number
  current_rows: number
  number_of_columns: number
  number_of_drifted_columns: number
  share_of_drifted_columns: number
  dataset_drift: boolean
  /** `not_tested` when no column could be tested (a gate should not pass). */
  verdict: 'drift' | 'no_drift' | 'not_tested'
  options: Record<string, unknown>
  columns: Array<Omit<ColumnDrift, 'toJSON'>>
  skipped_columns: Array<{ column: string; reason: string }>
}

/** A drift report between a reference and a current data set. */
export declare class DriftReport {
  private constructor()
  readonly datasetDrift: boolean
  /** `not_tested` when no column could be tested (a gate should not pass). */
  readonly verdict: 'drift' | 'no_drift' | 'not_tested'
  /** Columns not tested, with the reason. */
  readonly skippedColumns: Array<{ column: string; reason: string }>
  readonly shareOfDriftedColumns: number
  /** Columns compared (tested or skipped). */
  readonly numberOfColumns: number
  /** Columns that drifted. */
  readonly numberOfDriftedColumns: number
  readonly driftedColumns: string[]
  readonly columns: ColumnDrift[]
  readonly source: 'data' | 'profiles'
  /** One column's result; throws `NOT_FOUND` for an unknown name. */
  column(name: string): ColumnDrift
  toJSON(): DriftReportJson
  toJson(): string
  /** One self-contained HTML page. */
  toHtml(): string
}

/**
 * Compares a current data set with a reference one, column by column.
 * Two Profiles give the same report from their sketches (approximate).
 */
export declare function drift(
  reference: Table | Uint8Array | string | Profile,
  current: Table | Uint8Array | string | Profile,
  options?: DriftOptions,
): Promise<DriftReport>

/** Options of the calls that add a version; `reason` is recorded in the audit trail. */
export interface WriteOptions {
  message?: string
  metadata?: Record<string, unknown>
  reason?: string
}

/** What an asset is. */
export type AssetKind = 'dataset' | 'model' | 'artifact' | 'profile'

/** Schema, rows and profile of a data set version. */
export interface DatasetInfo {
  format: string
  rows: number
  /** `[name, Arrow type]` per column. */
  schema: Array<[string, string]>
  /** BLAKE3 hash of the stored profile. */
  profile: string
}

/** One version of an asset. */
export declare class Version {
  private constructor()
  version: number
  /** BLAKE3 hash of its content's chunk manifest. */
  content: string
  size: number
  message: string
  metadata: Record<string, unknown>
  /** Schema, rows and profile of a data set version; null otherwise. */
  dataset: DatasetInfo | null
  principal: string
  /** Unix milliseconds. */
  time: number
  /** For a version added from a folder: how many paths its tree has; null otherwise. */
  tree: { files: number } | null
  /** The fields as a plain object. */
  toJSON(): Omit<Version, 'toJSON'>
}
/** One version of an asset (the name before `Version`). */
export type AssetVersion = Version

/** One move of an alias. */
export interface AliasMove {
  version: number
  principal: string
  time: number
  seq: number
  /** Why, as the writer gave it (null when it gave none). */
  reason: string | null
}

/** A lineage edge: `other` is an input (in `inputs`) or a product (in `used_by`). */
export interface LineageEdge {
  version: number
  other: AssetRef
  run: string | null
  commit: string | null
}

/** A version made because of a monitor's retrain request (`cause`: `'monitor:<name>@<seq>'`). */
export interface CauseEdge {
  version: number
  cause: string
  run: string | null
}

/** Who expired a version: the `expire` event's principal, time, number and rule (`keep_last=3 keep_within=30d`). */
export interface Expiry {
  principal: string
  /** Unix milliseconds. */
  time: number
  seq: number
  policy: string
}

/** An asset: its versions and each alias's moves (the last is current). */
export declare class Asset {
  private constructor()
  kind: AssetKind
  name: string
  versions: Version[]
  aliases: Record<string, AliasMove[]>
  /** Tags of each version, by version number. */
  tags: Record<string, Record<string, string>>
  inputs: LineageEdge[]
  used_by: LineageEdge[]
  /** The monitors' retrain requests versions were made because of. */
  causes: CauseEdge[]
  archived: boolean
  /** The last gate report recorded for each version. */
  gates: Record<string, { passed: boolean; report: string; principal: string; time: number }>
  events: number
  /** Versions retention expired, by version number: who expired each, when, in which event and by which rule. */
  expired: Record<string, Expiry>
  /** Pinned versions (kept by every retention rule), ascending. */
  pinned: number[]
  /** The fields as a plain object. */
  toJSON(): Omit<Asset, 'toJSON' | 'versions'> & { versions: Array<Omit<Version, 'toJSON'>> }
}

/** One version found by `Registry.search`. */
export declare class SearchHit {
  private constructor()
  kind: AssetKind
  name: string
  version: number
  message: string
  principal: string
  time: number
  size: number
  /** The aliases pointing at this version now (the older name of `aliases`). */
  alias: string[]
  /** The aliases pointing at this version now. */
  aliases: string[]
  archived: boolean
  /** Whether retention expired the version (reading it rejects with code `EXPIRED`). */
  expired: boolean
  tags: Record<string, string>
  metadata: Record<string, unknown>
  /** The fields as a plain object. */
  toJSON(): Omit<SearchHit, 'toJSON'>
}

/** One event of the registry's change feed. */
export declare class FeedEvent {
  private constructor()
  /** Its stable id, `<kind>/<name>@<seq>`: the same on every delivery. */
  id: string
  /** `version.created`, `alias.set`, `alias.moved`, `tag.set`, `tag.deleted`, `asset.archived`, `asset.restored`, `lineage.recorded`, `lineage.used_by`, `gate.recorded`, ... */
  event: string
  kind: AssetKind
  name: string
  /** Its number in the asset's log. */
  seq: number
  time: number
  principal: string
  reason: string | null
  /** The version it is about, if any. */
  version: number | null
  /** For an alias move: the version the alias left. */
  previous: number | null
  /** The stored change (`type` and its fields). */
  change: Record<string, unknown>
  /** The fields as a plain object. */
  toJSON(): Omit<FeedEvent, 'toJSON'>
}

/** A watch of a registry's change feed: `for await (const e of watch)`. */
export declare class Watch implements AsyncIterable<FeedEvent> {
  private constructor()
  /** The cursor after the last event returned (save it; give it back as `since`). */
  readonly cursor: string
  /** Whether file notifications (a local folder) wake it rather than polling. */
  readonly notified: boolean
  /** The next event, waiting up to `timeout` seconds (default: without end); null when none came. */
  next(timeout?: number): Promise<FeedEvent | null>
  /** Ends the iteration. */
  close(): void
  [Symbol.asyncIterator](): AsyncIterator<FeedEvent>
}

/** The hits of `Registry.search`, with the next page's token (null when not paged or on the last page). */
export type SearchHits = SearchHit[] & { nextPageToken: string | null }

/** The counts of a row diff. */
export interface RowDiffSummary {
  fromVersion: number
  toVersion: number
  key: string[]
  rows: [number, number]
  added: number
  removed: number
  changed: number
  unchanged: number
  /** Per compared column (in both versions with one type, not a key): matched rows that differ in it. */
  changedCells: Record<string, number>
  columnsAdded: Array<[string, string]>
  columnsRemoved: Array<[string, string]>
  columnsRetyped: Array<[string, string, string]>
  /** Row groups read in each version. */
  rowGroups: [number, number]
  /** Pairs of equal row groups skipped without decoding their values. */
  rowGroupsSkipped: number
}

/** Two data set versions compared row by row by key. */
export declare class RowDiff {
  private constructor()
  summary: RowDiffSummary
  /** Rows of the second version whose key the first lacks. */
  added: Table
  /** Rows of the first version whose key the second lacks. */
  removed: Table
  /** Rows in both that differ: the key columns and `changed_columns` (list of names). */
  changed: Table
  readonly changedCells: Record<string, number>
  /** The summary as a plain object. */
  toJSON(): RowDiffSummary
}

/** Statistics of one column in two data set versions (`[from, to]`). */
export interface ColumnChange {
  column: string
  nulls: [number, number]
  mean: [number | null, number | null]
  std: [number | null, number | null]
  distinct: [number | null, number | null]
}

/** One path that differs between a folder and a version, or two versions. */
export interface FileChange {
  path: string
  /** Its size in the older side (null: not there). */
  sizeBefore: number | null
  /** Its size in the newer side (null: not there). */
  sizeAfter: number | null
}

/** What differs between a folder and a version, or two versions, of an asset added from folders. */
export declare class TreeDiff {
  private constructor()
  added: FileChange[]
  removed: FileChange[]
  changed: FileChange[]
  unchanged: number
  /** Files read and hashed to find this out (a folder's status). */
  hashed: number
  /** The fields as a plain object. */
  toJSON(): Omit<TreeDiff, 'toJSON'>
}

/** What a checkout did. */
export declare class Checkout {
  private constructor()
  /** Paths in the version. */
  files: number
  /** Paths written (the others were there already). */
  written: number
  /** Bytes written. */
  bytes: number
  /** The fields as a plain object. */
  toJSON(): Omit<Checkout, 'toJSON'>
}

/** What changed between two data set versions. */
export declare class DatasetDiff {
  private constructor()
  fromVersion: number
  toVersion: number
  /** Rows in each. */
  rows: [number, number]
  /** Columns only in the newer version, `[name, type]`. */
  added: Array<[string, string]>
  /** Columns only in the older version, `[name, type]`. */
  removed: Array<[string, string]>
  /** `[name, from type, to type]`. */
  retyped: Array<[string, string, string]>
  columns: ColumnChange[]
  /** The fields as a plain object. */
  toJSON(): Omit<DatasetDiff, 'toJSON'>
}

/** One event of the audit trail. */
export declare class AuditRecord {
  private constructor()
  log: string
  seq: number
  hash: string
  time: number
  principal: string
  /** version, alias, tag, lineage, used_by, archive, gate; grant, revoke, protect, unprotect; denied */
  action: string
  /** `<kind>/<name>[@<version>]`, a policy scope, or the target a denial refused */
  target: string
  reason: string | null
  event: Record<string, unknown>
  /** The fields as a plain object. */
  toJSON(): Omit<AuditRecord, 'toJSON'>
}

/** What `audit.verify()` found. */
export declare class AuditReport {
  private constructor()
  logs: number
  events: number
  broken: { log: string; seq: number | null; problem: string } | null
  /** BLAKE3 over every log's name, length and newest hash: keep it elsewhere to detect rewrites. */
  digest: string
  /** Whether every chain holds (`broken` is null). */
  ok: boolean
  /** The fields as a plain object. */
  toJSON(): Omit<AuditReport, 'toJSON'>
}

/** Which audit events to list; omitted fields match everything. */
export interface AuditFilter {
  principal?: string
  action?: string
  target?: string
  /** Unix milliseconds (inclusive). */
  since?: number
  /** Unix milliseconds (exclusive). */
  until?: number
}

export type Role = 'reader' | 'writer' | 'approver' | 'admin'

/** The access policy: grants, protected aliases, events in its log. */
export declare class PolicyState {
  private constructor()
  grants: Array<{ principal: string; role: Role; scope: string }>
  protections: Array<{ alias: string; scope: string; role: Role; require_gate: boolean }>
  events: number
  /** The fields as a plain object. */
  toJSON(): Omit<PolicyState, 'toJSON'>
}
/** The access policy (the name before `PolicyState`). */
export type PolicyJson = PolicyState

/** The audit trail of a registry (`registry.audit`). */
export declare class Audit {
  private constructor()
  /** Walks every log's hash chain. */
  verify(): Promise<AuditReport>
  /** Events oldest first, filtered. */
  log(filter?: AuditFilter): Promise<AuditRecord[]>
}

/** The access policy of a registry; changes reject with PERMISSION_DENIED unless the caller is admin over '*'. */
export declare class Policy {
  private constructor()
  /** Grants, protections and events. */
  show(): Promise<PolicyState>
  /** Grants `role` to `principal` over assets matching `scope` (unset: every asset, `*`). */
  grant(principal: string, role: Role, scope?: string, options?: { reason?: string }): Promise<void>
  /** Revokes a grant. */
  revoke(principal: string, role: Role, scope?: string, options?: { reason?: string }): Promise<void>
  /** Protects an alias: only `role` may move it; with `requireGate` only to a version with a passed gate report. */
  protect(alias: string, options?: { scope?: string; role?: Role; requireGate?: boolean; reason?: string }): Promise<void>
  /** Removes a protection. */
  unprotect(alias: string, scope?: string, options?: { reason?: string }): Promise<void>
}

/**
 * Datasets, models and artifacts with numbered versions and aliases, in a
 * store: a folder (default ./.mlops), file://..., memory://, or a bucket
 * (s3://bucket/prefix, gs://bucket/prefix, az://container/prefix, configured
 * from the usual AWS_*, GOOGLE_* and AZURE_* environment variables).
 */
export declare class Registry {
  constructor(url?: string, options?: { principal?: string })
  /** Who this registry writes as. */
  readonly principal: string
  /** The audit trail. */
  readonly audit: Audit
  /** The access policy. */
  readonly policy: Policy
  /** Records a gate report (what `gate()` returns) for a version. */
  recordGate(kind: AssetKind, name: string, version: number, report: GateReport, options?: { reason?: string }): Promise<void>
  /** Adds bytes as the next version; resolves to its number. */
  add(kind: AssetKind, name: string, data: Uint8Array | string, options?: WriteOptions): Promise<number>
  /** Adds a file, streamed through content-defined chunking, or a folder as a tree of its files; resolves to the version number. */
  addFile(kind: AssetKind, name: string, path: string, options?: WriteOptions): Promise<number>
  alias(kind: AssetKind, name: string, alias: string, version: number, options?: { reason?: string }): Promise<void>
  asset(kind: AssetKind, name: string): Promise<Asset>
  /** The asset's history, oldest first: every version, alias move, tag, lineage edge, archive and gate. */
  log(kind: AssetKind, name: string): Promise<AuditRecord[]>
  get(kind: AssetKind, name: string, reference?: string | number): Promise<Buffer>
  /** One version by number, alias or 'latest' (unset: the newest), read through the registry's indexes. */
  version(kind: AssetKind, name: string, reference?: string | number): Promise<Version>
  /** Checks the log's hash chain, numbering and indexes; resolves to the number of events. */
  verify(kind: AssetKind, name: string): Promise<number>
  /** Commits a data set version (Parquet plus schema, rows and profile); resolves to its number. */
  commitDataset(name: string, data: Table | Uint8Array | string, options?: WriteOptions): Promise<number>
  readDataset(name: string, reference?: string | number, options?: { columns?: string[] }): Promise<Table>
  /** Schema, row and column statistic changes between two data set versions (`to` unset: the newest). */
  diff(name: string, from: string | number, to?: string | number): Promise<DatasetDiff>
  /** Row by row by `key`: added, removed and changed rows as Tables, changed cells per column, schema changes. */
  diff(name: string, from: string | number, to: string | number | undefined, options: { key: string | string[] }): Promise<RowDiff>
  diff(name: string, from: string | number, options: { key: string | string[] }): Promise<RowDiff>
  /** Every move of `alias`, oldest first (NOT_FOUND naming it when it was never set). */
  aliasHistory(kind: AssetKind, name: string, alias: string): Promise<AliasMove[]>
  /** What changed in the folder `path` since a version (unset: the newest) of an asset added from a folder. */
  status(kind: AssetKind, name: string, path: string, reference?: string | number): Promise<TreeDiff>
  /** Restores a version (unset: the newest) of an asset added from a folder into `dest`, byte-identical. */
  checkout(kind: AssetKind, name: string, dest: string, reference?: string | number): Promise<Checkout>
  /** What changed, per path, between two versions of an asset added from folders (`to` unset: the newest). */
  diffFiles(kind: AssetKind, name: string, from: string | number, to?: string | number): Promise<TreeDiff>
  /** The profile stored with a data set version (unset: the newest). */
  datasetProfile(name: string, reference?: string | number): Promise<Profile>
  /**
   * Saves `profile` as the profile of data set `name` under `key` (a partition
   * date, a batch): a new version of the asset `profile/<name>`; saving a key
   * again supersedes its profile. Resolves to the version number.
   */
  saveProfile(name: string, key: string, profile: Profile, options?: { reason?: string }): Promise<number>
  /** The profile last saved under `key`; rejects with NOT_FOUND naming the key when there is none. */
  loadProfile(name: string, key: string): Promise<Profile>
  /** The keys data set `name` has profiles under, sorted. */
  profileKeys(name: string): Promise<string[]>
  /**
   * The profile of the union of the slices saved under `keys` (each key's latest
   * profile), merged without reading the data again; a key listed twice is INVALID_INPUT.
   */
  mergeProfiles(name: string, keys: string[]): Promise<Profile>
  /** Sets a tag of a version (`value` null removes it). */
  tag(kind: AssetKind, name: string, version: number, key: string, value?: string | null, options?: { reason?: string }): Promise<void>
  /** Records that `product` was made from `inputs`. */
  /** Records that `product` was made from `inputs`; `cause` (`'monitor:<name>@<seq>'`) names the retrain request it answers. */
  lineage(product: AssetRef, inputs: AssetRef[], options?: { run?: string; commit?: string; reason?: string; cause?: string }): Promise<void>
  /** Archives an asset (hidden from listings and searches, history kept), or restores it. */
  archive(kind: AssetKind, name: string, options?: { restore?: boolean; reason?: string }): Promise<void>
  list(kind: AssetKind, options?: { includeArchived?: boolean }): Promise<string[]>
  /** Versions matching a filter such as "kind = 'model' and tags.team = 'risk' and metrics.auc > 0.9". */
  search(query: string, options?: { includeArchived?: boolean }): Promise<SearchHit[]>
  /** The change feed's events after cursor `since` (`'start'` for all), at most `limit`, and the cursor after them. */
  changes(since: string, options?: { limit?: number }): Promise<{ events: FeedEvent[]; cursor: string }>
  /** The cursor after the last event of every log now. */
  feedCursor(): Promise<string>
  /** A watch of the change feed from `since`, else `cursorFile`'s cursor, else now; ends after `timeout` seconds without an event. */
  watch(options?: { since?: string; cursorFile?: string; timeout?: number; pollInterval?: number }): Watch
  /** Posts each feed event to a webhook, HMAC-SHA256 signed; resolves to how many were delivered. */
  dispatch(url: string, options: { secretEnv: string; since?: string; cursorFile?: string; timeout?: number; pollInterval?: number }): Promise<number>
  /**
   * Versions matching a filter such as "kind = 'model' and aliases = 'production'"; with
   * `limit` or `pageToken`, one page, and `nextPageToken` (null on the last page) for the next.
   */
  search(query: string, options?: { includeArchived?: boolean; limit?: number; pageToken?: string }): Promise<SearchHits>
  /** Verifies and pushes a model package as the next version of model `name`. */
  pushPackage(pkg: Package, name: string, options?: { message?: string; reason?: string }): Promise<number>
  /** Pulls a model version into the new folder `dest`, verified. */
  pullPackage(name: string, reference: string | number, dest: string): Promise<Package>
  /** The monitors of the registry, by name. */
  monitors(): Promise<string[]>
  /** Run `id`: what is known of it; rejects with NOT_FOUND naming it when there is none. */
  run(id: string): Promise<RunInfo>
  /** Every run (of `experiment`, when given), newest first. */
  runs(experiment?: string): Promise<RunInfo[]>
  /**
   * The points of series `key` of run `id` as a Table (`step`, `time`,
   * `value`, `context`) ordered by (step, time); NOT_FOUND listing the
   * run's series when it has no `key`.
   */
  runHistory(id: string, key: string, options?: HistoryOptions): Promise<Table>
  /** Checks run `id`: its log's hash chain and every segment and artifact it names; resolves to its number of points. */
  verifyRun(id: string): Promise<number>
  /** Writes the table of the runs matching `query` (all when omitted) to the Parquet file `path`; resolves to the number of runs. */
  exportRunsParquet(path: string, query?: string): Promise<number>
  /** Writes the run table that search reads anew from every run's log; resolves to its number of rows. */
  rebuildRunTable(): Promise<number>
  /** Writes run `id` as TensorBoard event files under `dir` (one per context, values as 32-bit floats); resolves to the files. */
  exportRunTensorboard(id: string, dir: string): Promise<string[]>
  /** Reads TensorBoard event files (a file, or a directory; subdirectories as contexts) into a new run; resolves to its id. */
  importTensorboard(
    path: string,
    options?: { experiment?: string; name?: string; tags?: Record<string, string> },
  ): Promise<string>
  /** Imports an MLflow tracking store (`mlruns` folder or `sqlite:///...`); runs imported before are skipped. */
  importMlflow(source: string, options?: { experiment?: string }): Promise<MlflowImport>
  /** The runs matching `query` as a Table: a row per run, a column per param and summary. */
  searchRuns(query: string): Promise<Table>
  /** 2 to 10 runs side by side. */
  compareRuns(ids: string[]): Promise<{ runs: RunInfo[]; params: ParamRow[]; metrics: MetricRow[] }>
  /** The comparison as one self-contained HTML page. */
  compareRunsHtml(ids: string[]): Promise<string>
  /** Expires the versions the rule does not keep (aliased, tagged, lineage-referenced, pinned and the newest are kept); reading one then rejects with code EXPIRED. */
  expire(
    kind: string,
    name: string,
    options: { keepLast?: number; keepWithin?: string | number; reason?: string },
  ): Promise<number[]>
  /** Pins a version (kept by every retention rule), or unpins it with `unpin: true`. */
  pin(kind: string, name: string, version: number, options?: { unpin?: boolean; reason?: string }): Promise<void>
  /** A garbage collection plan (a dry run); grace defaults to 7 days, below 1 hour needs `unsafe: true`. */
  gcPlan(options?: { grace?: string | number; unsafe?: boolean }): Promise<GcPlan>
  /** Deletes what the plan lists that is still unreferenced and old enough. */
  gcApply(plan: GcPlan | string): Promise<GcApplied>
  /** Orphans and missing blobs. */
  fsck(): Promise<FsckReport>
}

/** One blob a garbage collection plan would delete. */
export interface GcItem {
  hash: string
  bytes: number
  reason: 'never_referenced' | 'expired_only'
  last_modified: number
  expired_at?: number
}

/** A garbage collection plan (`Registry.gcPlan`). */
export interface GcPlan {
  format: 'mlops.gc_plan'
  store: string
  created: number
  grace_ms: number
  unsafe: boolean
  items: GcItem[]
  count: number
  bytes: number
}

/** What `Registry.gcApply` freed, and the planned blobs it kept with why. */
export interface GcApplied {
  count: number
  bytes: number
  skipped: [string, string][]
}

/** What `Registry.fsck` found. */
export interface FsckReport {
  ok: boolean
  objects: number
  bytes: number
  orphans: [string, number][]
  orphan_bytes: number
  missing: { hash: string; referenced_by: string }[]
  logs: number
}

/** A column (or tensor) of a signature; `type` is an Arrow type name such as "Float64". */
export interface ColumnSpec {
  name: string
  type: string
  nullable?: boolean
  /** For a tensor: fixed sizes, named dynamic sizes, or null for unknown. */
  shape?: Array<number | string | null>
}

/** One way data fails a signature. */
export type SignatureProblem =
  | { kind: 'missing_column'; column: string }
  | { kind: 'type_mismatch'; column: string; expected: string; found: string }
  | { kind: 'nulls'; column: string; count: number; first_row: number }

/** Every problem found checking data against a signature's inputs. */
export interface SignatureReport {
  ok: boolean
  problems: SignatureProblem[]
  messages: string[]
}

/** A model's input and output schema. */
export declare class Signature {
  constructor(spec: { inputs?: ColumnSpec[]; outputs?: ColumnSpec[]; input_example?: unknown })
  inputs: ColumnSpec[]
  outputs: ColumnSpec[]
  input_example?: unknown
  /** Infers inputs and outputs from an ONNX model's graph (initializers excluded). */
  static fromOnnx(file: string): Promise<Signature>
  /** Checks an apache-arrow Table or Arrow IPC bytes against the inputs. */
  validate(data: Table | Uint8Array): Promise<SignatureReport>
  toJSON(): { inputs: ColumnSpec[]; outputs: ColumnSpec[]; input_example?: unknown }
}

/** The framework a model was made with. */
export type Flavor = 'sklearn' | 'xgboost' | 'lightgbm' | 'pytorch' | 'onnx' | 'custom'

/** A file of a package. */
export interface PackageFile {
  path: string
  size: number
  blake3: string
}

/** The manifest of a package (mlops-package.json). */
export interface PackageManifest {
  format: 'mlops.package'
  v: number
  name: string
  version: string
  flavor: Flavor
  flavor_version: string | null
  files: PackageFile[]
  signature: { inputs: ColumnSpec[]; outputs: ColumnSpec[]; input_example?: unknown } | null
  metrics: Record<string, number>
  params: Record<string, unknown>
  lineage: { datasets: string[]; run: string | null; commit: string | null }
  requirements: { python: string[]; entry_point: string | null }
  card: { intended_use: string | null; limitations: string | null; owners: string[] }
}

/** Options of Package.build. */
export interface PackageBuildOptions {
  name: string
  version: string
  flavor: Flavor
  flavorVersion?: string
  metrics?: Record<string, number>
  params?: Record<string, unknown>
  signature?: Signature | { inputs?: ColumnSpec[]; outputs?: ColumnSpec[]; input_example?: unknown }
  lineage?: { datasets?: string[]; run?: string | null; commit?: string | null }
  requirements?: { python?: string[]; entry_point?: string | null }
  card?: { intended_use?: string | null; limitations?: string | null; owners?: string[] }
  /** Files copied into the new folder `dir` first. */
  files?: string[]
}

/** A model package: a folder or .tar.zst archive of files listed with their BLAKE3 hashes. */
export declare class Package {
  constructor(path: string, manifest: PackageManifest)
  readonly path: string
  readonly manifest: PackageManifest
  readonly signature: Signature | null
  static build(dir: string, options: PackageBuildOptions): Promise<Package>
  static load(file: string): Promise<Package>
  static fromMlflow(dir: string, out: string, options?: { name?: string; version?: string }): Promise<Package>
  /** Rejects with code INTEGRITY naming the first missing, changed or unlisted file. */
  verify(): Promise<void>
  /** Signs with a secret key file; resolves to the key id. */
  sign(keyFile: string): Promise<string>
  /** Checks the signature against trusted public key files, then every file; resolves to the key id. */
  verifySignature(trusted: string[]): Promise<string>
  saveArchive(out: string): Promise<void>
  toMlflow(out: string): Promise<void>
  /**
   * Exports for a model server into the new (or empty) folder `out` after checking the
   * files and the signature; rejects with PERMISSION_DENIED (unsigned, untrusted),
   * INTEGRITY (tampered), UNSUPPORTED (flavor the target cannot hold), ALREADY_EXISTS.
   */
  export(out: string, target: ExportTarget, options?: ExportOptions): Promise<ExportSidecar>
}

/** A model server an export is for. */
export type ExportTarget = 'mlserver' | 'kserve' | 'triton' | 'tfserving'

export interface ExportOptions {
  /** Trusted public key files; the package must be signed by one. */
  trusted?: string[]
  /** Export an unsigned package, or without trusted keys (files are still checked). */
  allowUnsigned?: boolean
  /** The numeric version folder (Triton, TF Serving); default from the package version. */
  version?: number
}

/** The sidecar `mlops.json` of an export. */
export interface ExportSidecar {
  format: 'mlops.export'
  v: number
  target: ExportTarget
  name: string
  version: string
  numeric_version: number | null
  flavor: string
  manifest_blake3: string
  signed_by: string | null
}

/** Generates an Ed25519 key pair: `file` (secret, mode 0600) and `file.pub`; returns the key id. */
export declare function generateKey(file: string): string

/** A version of an asset. */
export interface AssetRef {
  kind: AssetKind
  name: string
  version: number
}

export interface StatResult {
  statistic: number
  pvalue: number
}

type Floats = Float64Array | ArrayLike<number>

/** Two-sample statistics, correct to SciPy (see `mlops_core::drift`). */
export declare const stats: {
  /** `scipy.stats.wasserstein_distance(u, v)` */
  wassersteinDistance(u: Floats, v: Floats): number
  /** `scipy.stats.energy_distance(u, v)` */
  energyDistance(u: Floats, v: Floats): number
  /** Evidently's normed Wasserstein distance (reference std, ddof 0, floored at 0.001). */
  wassersteinDistanceNorm(reference: Floats, current: Floats): number
  /** `scipy.spatial.distance.jensenshannon(p, q)` */
  jensenShannon(p: Floats, q: Floats): number
  /** `scipy.stats.entropy(p, q)` */
  klDivergence(p: Floats, q: Floats): number
  hellinger(p: Floats, q: Floats): number
  totalVariation(p: Floats, q: Floats): number
  /** TFDV's L-infinity distance. */
  lInfinity(p: Floats, q: Floats): number
  /** Population stability index (an empty bin counts as 1e-4). */
  psi(p: Floats, q: Floats): number
  /** `scipy.stats.cramervonmises_2samp(x, y)` */
  cramerVonMises(x: Floats, y: Floats): StatResult
  /**
   * Two-sample Kolmogorov–Smirnov test (`scipy.stats.ks_2samp`): two-sided
   * (max |F − G|), `less` (D- = max(G − F)) or `greater` (D+ = max(F − G)).
   */
  ks2samp(
    x: Floats,
    y: Floats,
    method?: 'auto' | 'exact' | 'asymp',
    alternative?: 'two-sided' | 'less' | 'greater',
  ): StatResult
  /** `scipy.stats.anderson_ksamp(samples, variant="midrank")` */
  andersonKSamp(samples: Floats[]): StatResult
  /** `scipy.stats.chi2_contingency(observed)` */
  chi2Contingency(observed: ArrayLike<number>[]): StatResult & { dof: number }
  /** Two-sample pooled z-test for proportions. */
  proportionsZTest(x1: number, n1: number, x2: number, n2: number): StatResult
}

/** A check as a suite file writes it: `{ check: 'not_null', column: 'id', mostly?: number, severity?: 'error' | 'warn' }`. */
export interface Check {
  check: string
  [field: string]: unknown
}

export interface CheckOptions {
  mostly?: number
  severity?: 'error' | 'warn'
  name?: string
  [field: string]: unknown
}

type Bound = number | string | undefined

export declare const checks: {
  columnExists(column: string, opts?: CheckOptions): Check
  columnType(column: string, type: string, opts?: CheckOptions): Check
  notNull(column: string, opts?: CheckOptions): Check
  maxNullFraction(column: string, max: number, opts?: CheckOptions): Check
  unique(column: string, opts?: CheckOptions): Check
  compoundUnique(columns: string[], opts?: CheckOptions): Check
  valuesBetween(column: string, min?: Bound, max?: Bound, opts?: CheckOptions): Check
  inSet(column: string, values: Value[], opts?: CheckOptions): Check
  notInSet(column: string, values: Value[], opts?: CheckOptions): Check
  matchesRegex(column: string, regex: string, opts?: CheckOptions): Check
  lengthBetween(column: string, min?: number, max?: number, opts?: CheckOptions): Check
  minBetween(column: string, min?: number, max?: number, opts?: CheckOptions): Check
  maxBetween(column: string, min?: number, max?: number, opts?: CheckOptions): Check
  meanBetween(column: string, min?: number, max?: number, opts?: CheckOptions): Check
  stdBetween(column: string, min?: number, max?: number, opts?: CheckOptions): Check
  medianBetween(column: string, min?: number, max?: number, opts?: CheckOptions): Check
  quantileBetween(column: string, quantile: number, min?: number, max?: number, opts?: CheckOptions): Check
  distinctCountBetween(column: string, min?: number, max?: number, opts?: CheckOptions): Check
  mostCommonInSet(column: string, values: Value[], opts?: CheckOptions): Check
  rowCountBetween(min?: number, max?: number, opts?: CheckOptions): Check
  columnPair(a: string, op: '<' | '<=' | '>' | '>=' | '==' | '!=', b: string, opts?: CheckOptions): Check
  increasing(column: string, opts?: CheckOptions): Check
  decreasing(column: string, opts?: CheckOptions): Check
  freshness(column: string, maxAge: string, opts?: CheckOptions): Check
  distribution(column: string, reference: string, opts?: CheckOptions): Check
}

export declare class Suite {
  constructor(name?: string, checks?: Check[])
  add(...checks: Check[]): this
  readonly name: string
  readonly checks: Check[]
  toJson(): string
  toYaml(): string
  save(file: string): void
  static load(file: string): Suite
  static fromYaml(text: string): Suite
  static fromJson(text: string): Suite
  static infer(input: Table | Uint8Array | string, options?: { name?: string; margin?: number; maxCategories?: number }): Promise<Suite>
  validate(input: Table | Uint8Array | string, options?: ValidateOptions): Promise<ValidationResult>
}

export interface ValidateOptions {
  unexpectedLimit?: number
  /** Seconds since the epoch, the clock of freshness checks. */
  now?: number
}

export interface CheckResult {
  index: number
  check: string
  name: string | null
  columns: string[]
  severity: 'error' | 'warn'
  success: boolean
  observed_value: unknown
  element_count: number
  missing_count: number
  unexpected_count: number | null
  unexpected_percent: number | null
  /** The first unexpected rows; `partition` (and `row` within it) in a result merged from partial states. */
  partial_unexpected: { row: number; value: unknown; partition?: number }[]
  mostly: number | null
  reason: string | null
  spec: Check
}

export declare class ValidationResult {
  private constructor()
  readonly success: boolean
  /** The suite's name. */
  readonly suite: string
  readonly rows: number
  readonly statistics: { evaluated: number; successful: number; failed_errors: number; failed_warnings: number; success_percent: number }
  readonly results: CheckResult[]
  readonly failures: CheckResult[]
  toJSON(): object
  toJson(): string
  toHtml(): string
}

export declare function validate(input: Table | Uint8Array | string, suite: Suite | string, options?: ValidateOptions): Promise<ValidationResult>

/**
 * What an `Accumulator` computes: a profile of some columns, or a validation
 * suite. Ship `toBytes()` to the workers and rebuild it there with
 * `Spec.fromBytes()`; states of different specs do not merge.
 */
export declare class Spec {
  private constructor()
  /** A profile of `columns` (every column when unset), in that order. */
  static profile(columns?: string[]): Spec
  /**
   * A validation of `suite`; `options.now` is fixed here for every
   * partition. A check whose exact state grows with the data (`unique`,
   * `compound_unique`, `median_between`, `quantile_between`,
   * `distinct_count_between`, `most_common_in_set`) throws `UNSUPPORTED`
   * naming the approximate alternative.
   */
  static validation(suite: Suite, options?: ValidateOptions): Spec
  /** Reads `toBytes()`; throws `INVALID_INPUT` naming the field of a bad spec. */
  static fromBytes(bytes: Uint8Array): Spec
  /** The canonical encoding (JSON bytes). */
  toBytes(): Buffer
  /** The BLAKE3 hash of the encoding, in hex: states carry it. */
  readonly hash: string
  /** What the spec computes. */
  readonly kind: 'profile' | 'validation'
}

/**
 * The partial state of a profile or validation over some partitions of the
 * data: `update()` it with one partition's rows, send `toBytes()` to where
 * the states meet, `Accumulator.merge()` them there and `finish()` into the
 * same `Profile` or `ValidationResult` as `profile()` / `validate()`.
 * Counts, min, max, verdicts and unexpected counts are exact after a merge;
 * mean and variance equal up to rounding; sketches stay within their bounds.
 * A consumed accumulator (after `split()` or `finish()`) throws `INVALID_INPUT`.
 */
export declare class Accumulator {
  /** An empty state of `spec` for the partition numbered `partition` (a whole number from 0). */
  constructor(spec: Spec, partition: number)
  /**
   * Folds the partition's rows in, off the JavaScript thread. Calls apply in
   * the order they are made, even before the previous one settled.
   * A merged or split state takes no more rows (`INVALID_INPUT`); a column
   * of a profile spec missing from the data is `SCHEMA_MISMATCH` naming it.
   */
  update(data: Table | Uint8Array | string): Promise<void>
  /** The state as bytes (what a worker sends back). */
  toBytes(): Buffer
  /**
   * Reads `toBytes()` for `spec`: `INVALID_INPUT` for a state of another
   * spec, `INTEGRITY` for damaged bytes or a newer format.
   */
  static fromBytes(spec: Spec, bytes: Uint8Array): Accumulator
  /**
   * Merges the states (bytes) of one key, of disjoint partitions, in any
   * order; a partition in two states is `INVALID_INPUT`.
   */
  static merge(spec: Spec, states: Uint8Array[]): Accumulator
  /** Merges states (bytes) of any keys, e.g. the per-key merges of `split()` states, into one state. */
  static combine(spec: Spec, states: Uint8Array[]): Accumulator
  /** One `[key, state bytes]` per column (profile) or check (validation); consumes the accumulator. */
  split(): Array<[number, Buffer]>
  /**
   * The `Profile` (profile spec) or `ValidationResult` (validation spec) of
   * the rows folded in; consumes the accumulator. `schema` is needed only
   * when no partition had rows. A state missing some keys is `INVALID_INPUT`:
   * `combine()` the split states first.
   */
  finish(schema?: Schema): Profile | ValidationResult
  /** Rows folded in. */
  readonly rows: number
  /** The partitions folded in, as inclusive `[first, last]` ranges. */
  readonly partitions: Array<[number, number]>
  /** The indices of the columns (profile) or checks (validation) held. */
  readonly keys: number[]
}

/** The result of `gate()`. */
export declare class GateReport {
  private constructor()
  passed: boolean
  rules: { rule: string; left: number; op: string; right: number; passed: boolean; metrics: Record<string, number> }[]
  /** The report as JSON, as `recordGate` stores it. */
  toJson(): string
}

export declare function gate(candidate: Record<string, number>, rules: string[], baseline?: Record<string, number>): GateReport

/** How a run stands (`crashed`: not ended, and its process is gone). */
export type RunStatus = 'running' | 'finished' | 'failed' | 'killed' | 'crashed'

/** Options of `startRun`; every one is optional. */
export interface StartRunOptions {
  /** A name for people. */
  name?: string
  /** The run it is nested in (a `Run` or its id). */
  parent?: Run | string
  /** Parameters (add-only): nested objects flatten to `a.b` keys, values are kept as text. */
  params?: Record<string, unknown>
  /** Tags (they can change later). */
  tags?: Record<string, string>
  /** The store (a URL or folder) or a `Registry`; unset: $MLOPS_STORE, else `.mlops`. */
  store?: string | Registry
  /** Points held before they are handed to the writer. */
  flushPoints?: number
  /** The longest a point waits before it is written, in seconds. */
  flushInterval?: number
  /** Whether the end rewrites the run's segments as one file. */
  compact?: boolean
  /** Sample the machine's CPU, memory, disk and network into the run under MLflow's `system/...` keys (off by default). */
  systemMetrics?: boolean
  /** How often, in seconds, when `systemMetrics` is on (10 by default). */
  systemMetricsInterval?: number
  /** The monitor's retrain request the run answers (`'monitor:<name>@<seq>'`, a request's `cause`). */
  cause?: string
}

/** What to read of a series. */
export interface HistoryOptions {
  /** Only the points of this context (`'subset=train'`). */
  context?: string
  /** At most this many step buckets, each keeping its first, last, smallest and largest point. */
  downsample?: number
}

/**
 * The summary of one metric series: `min`, `max`, `sum` and `mean` are
 * over the values that are not NaN (infinities included); NaNs are counted
 * in `nans`. Non-finite values are JavaScript's NaN and ±Infinity.
 */
export interface SeriesSummary {
  key: string
  context: string | null
  /** Points, NaNs included. */
  count: number
  nans: number
  first_step: number
  last_step: number
  /** The value at the largest (step, time); among equal ones, the one logged last. */
  last: number
  min: number
  max: number
  sum: number
  mean: number
}

/** Where a run's process ran. */
export interface RunSource {
  host: string
  pid: number
  /** The process's start time in clock ticks since boot (Linux). */
  pid_start: number | null
  /** The command line, for runs started by `mlops run exec`. */
  command: string[] | null
  git_commit: string | null
  /** Whether tracked files differed from `git_commit`. */
  git_dirty: boolean | null
}

/** What an MLflow import did: MLflow run id → run id, imported now or skipped (imported before). */
export interface MlflowImport {
  imported: Record<string, string>
  skipped: Record<string, string>
}

/** What is known of a run: the fold of its log. */
export declare class RunInfo {
  private constructor()
  id: string
  experiment: string
  name: string | null
  parent: string | null
  status: RunStatus
  /** The exit status of its command (`mlops run exec`). */
  exit_code: number | null
  /** Unix milliseconds. */
  start_time: number
  end_time: number | null
  principal: string
  source: RunSource
  /** Parameters, as text. */
  params: Record<string, string>
  tags: Record<string, string>
  /** Each series (`loss`, or `loss[subset=train]`) and its summary, in order of first appearance. */
  metrics: Record<string, SeriesSummary>
  /** Points logged. */
  points: number
  /** The asset versions it used. */
  inputs: AssetRef[]
  /** The asset versions it made. */
  outputs: AssetRef[]
  /** The monitor's retrain request it answers (`'monitor:<name>@<seq>'`), if any. */
  cause: string | null
  /** Its files: path, BLAKE3 hash of the content, size. */
  artifacts: Array<{ path: string; content: string; size: number }>
  /** The Parquet files that hold its points. */
  segments: string[]
  /** Events in its log. */
  events: number
  /** The fields as a plain object. */
  toJSON(): Omit<RunInfo, 'toJSON'>
}

/**
 * A run being written; see `startRun`. `log` is synchronous (the engine
 * buffers the points); every other call resolves a Promise.
 */
export declare class Run {
  private constructor()
  readonly id: string
  /** Whether this handle writes no more (the run ended, or, attached, was let go). */
  readonly ended: boolean
  /**
   * Logs `metrics` (key → number) at `step` (a whole number), with an
   * optional `context` (`'subset=train'`); throws INVALID_INPUT naming a
   * value that is not a number, and then logs nothing of the call.
   */
  log(metrics: Record<string, number>, step: number, options?: { context?: string }): void
  /** Logs a table of points (`key`, `step`, `value`, optional `time` and `context`): all of it or none. */
  logTable(table: Table | Uint8Array): Promise<void>
  /** Adds parameters (add-only: another value for a key is a CONFLICT naming it). */
  logParams(params: Record<string, unknown>): Promise<void>
  /** Sets tags (null removes one). */
  setTags(tags: Record<string, string | null>): Promise<void>
  /** Records that the run used an asset version (which must exist). */
  /** Records that the run used version `version` of data set `name`. */
  useDataset(name: string, version: number): Promise<void>
  useAsset(kind: AssetKind, name: string, version: number): Promise<void>
  /** Records that the run made an asset version (which must exist), and its lineage. */
  recordOutput(kind: AssetKind, name: string, version: number): Promise<void>
  /** Registers a package as the next version of model `name` and records it as this run's output. */
  logModel(pkg: Package, name: string, options?: { message?: string }): Promise<number>
  /** Stores a file with the run, as `name` (unset: its file name). */
  logArtifact(path: string, options?: { name?: string }): Promise<void>
  /** Writes every buffered point now. */
  flush(): Promise<void>
  /** Ends the run; ending twice is a CONFLICT. */
  end(status: 'finished' | 'failed' | 'killed', options?: { exitCode?: number }): Promise<void>
  /** The points of series `key` of this run as a Table (`step`, `time`, `value`, `context`). */
  history(key: string, options?: HistoryOptions): Promise<Table>
  /** What is known of the run now. */
  info(): Promise<RunInfo>
}

/**
 * Starts a run of `experiment` (unset: the engine's default experiment).
 * A run still open when the process exits is ended `finished`; on SIGTERM
 * (while the program has no 'SIGTERM' listener) every open run is flushed
 * and ended `killed`.
 */
export declare function startRun(experiment?: string, options?: StartRunOptions): Promise<Run>

/** One parameter across compared runs. */
export interface ParamRow {
  key: string
  /** Its value in each run (null when unset). */
  values: (string | null)[]
  /** Whether the values are not all the same. */
  differs: boolean
}

/** One metric series across compared runs. */
export interface MetricRow {
  /** The series (`loss`, `loss[subset=val]`). */
  series: string
  /** Its summary in each run (null when a run lacks it). */
  summaries: (SeriesSummary | null)[]
}

/** 2 to 10 runs side by side; see `compareRuns`. */
export declare class RunComparison {
  private constructor()
  readonly runs: RunInfo[]
  readonly params: ParamRow[]
  readonly metrics: MetricRow[]
  /** The parameters whose values differ between the runs: key → values. */
  differingParams(): Record<string, (string | null)[]>
  /** The comparison as one self-contained HTML page (curves overlaid, inline SVG). */
  html(): Promise<string>
}

/**
 * The runs of `store` matching `query` (the filter language with `in (...)`,
 * `is null`, `metrics.KEY.STAT`, `parent`, `order by` and `limit`) as a Table.
 */
export declare function searchRuns(query: string, options?: { store?: string | Registry }): Promise<Table>

/** Compares 2 to 10 runs (Run objects or ids) of `store`. */
export declare function compareRuns(ids: (Run | string)[], options?: { store?: string | Registry }): Promise<RunComparison>

/** Options of `monitor`; every one is optional (unset: the engine's default, or the monitor's own setting). */
export interface MonitorOptions {
  /** The data set version windows are compared with: `[name, version]` or `['dataset', name, version]`. */
  reference?: [string, string | number] | ['dataset', string, string | number]
  /** Window length (`'1h'`; durations are a whole number and s, m, h, d or w). */
  window?: string
  /** The event-time column (required to create a monitor). */
  timestamp?: string
  /** The model's output column (a score for binary tasks). */
  prediction?: string
  /** The label column. */
  target?: string
  /** The prediction id column, to join labels that arrive later. */
  id?: string
  /** Columns whose values cut each window into segments. */
  segments?: string[]
  /** The most segments kept apart. */
  maxSegments?: number
  /** How long after its end a window takes late rows. */
  allowedLateness?: string
  /** How far past the clock an event time may be. */
  futureTolerance?: string
  /** How long kept predictions wait for their labels. */
  predictionRetention?: string
  /** What the predictions are. */
  task?: 'binary' | 'multiclass' | 'regression'
  /** The positive-class score of binary tasks. */
  threshold?: number
  /** How windows are compared with the reference (the options of `drift`). */
  drift?: DriftOptions
  /** A validation suite (a `Suite` or a suite file's path) every window and segment is checked with: its verdicts are the `suite.*` fields of `results()` (`suite.success`, `suite.failed`, `suite.<check>.unexpected_percent`, ...). */
  suite?: Suite | string
  /** The store (a URL or folder) or a `Registry`; unset: $MLOPS_STORE, else `.mlops`. */
  store?: string | Registry
}

/** What `Monitor.logLabels` did with the labels it was given. */
export interface LabelsResult {
  /** Labels joined with a kept prediction. */
  joined: number
  /** Labels whose id no kept prediction has. */
  unknownIds: number
  /** Labels for a prediction that already had one (ignored). */
  duplicates: number
  /** Rows with a null id or label (ignored). */
  nulls: number
}

/** "Now" for a monitor: Unix milliseconds or a Date. */
export type MonitorClock = number | Date

/** A monitor open for logging; see `monitor`. It flushes every few seconds, on `flush()`, when the process exits and on SIGTERM or SIGINT. */
export declare class Monitor {
  private constructor()
  /** The monitor's name. */
  readonly name: string
  /** Its settings, every default filled in (`window_secs`, `timestamp`, `allowed_lateness_secs`, `drift`, ...). */
  readonly config: Record<string, unknown>
  /** Logs what the model saw (and predicted); resolves to the rows placed in windows. */
  log(table: Table | Uint8Array | string): Promise<number>
  /** Joins labels (the `id` and `target` columns) with the kept predictions. */
  logLabels(table: Table | Uint8Array | string): Promise<LabelsResult>
  /** Writes every buffered row now. */
  flush(): Promise<void>
  /** Sets "now" for the future-date and lateness checks; unset: the system clock. */
  setClock(now?: MonitorClock): void
  /** Sets how often the monitor's thread writes what was logged, in seconds (5 until set). */
  setFlushInterval(seconds: number): void
  /** Flushes, then every (window, segment) evaluated as a Table (`window_start`, `window_end`, `segment`, `is_final`, a column per figure). */
  results(now?: MonitorClock): Promise<Table>
  /** Flushes, then what the monitor's log holds, folded (settings, reference, windows, rules, alerts). */
  state(): Promise<Record<string, unknown>>
  /** Adds an alert rule over the window figures; resolves to its name (made from the text when unset). */
  rule(rule: string, options?: { name?: string; severity?: 'info' | 'warning' | 'critical'; cooldownWindows?: number }): Promise<string>
  /** Posts each retrain request a later `check()` logs to `url`, HMAC-signed with the secret in env var `secretEnv`; `url` null removes it. */
  webhook(url: string | null, options?: { secretEnv?: string }): Promise<void>
  /** Calls `callback` for each alert that fires in a later `check()`. */
  onAlert(callback: (alert: MonitorAlert) => unknown): void
  /** Flushes, evaluates the rules, logs new state changes and calls the `onAlert` callbacks for new firings. */
  check(options?: { retrainOn?: 'info' | 'warning' | 'critical' }): Promise<MonitorCheck>
  /** Flushes, then the Prometheus text: 'text' (0.0.4, the default) or 'openmetrics'. */
  prometheusText(format?: 'text' | 'openmetrics'): Promise<string>
  /** Flushes, then writes the dashboard to `path` (and the drifted windows' reports beside it); resolves to how many. */
  report(path: string): Promise<number>
}

/** A logged change of an alert rule's state (`Monitor.check`, `Monitor.onAlert`). */
export interface MonitorAlert {
  seq: number
  time: number
  rule: string
  state: 'firing' | 'resolved'
  severity: string
  /** The window's start (Unix seconds). */
  window: number
  windows: number[]
  /** The retrain_requested event's number, when the rule's severity asks for retraining (onAlert only). */
  retrainRequested?: number | null
  /** What a retraining run passes as `startRun(..., { cause })` (onAlert only). */
  cause?: string | null
}

/** The outcome of posting a retrain request to the monitor's webhook. */
export interface WebhookDelivery {
  delivered: boolean
  /** The last HTTP status received. */
  status: number | null
  /** Attempts made (0: nothing could be sent, e.g. the secret's variable is unset). */
  attempts: number
  error: string | null
  /** The webhook_delivery event that logged it. */
  seq: number
}

/** A retrain_requested event a check appended. */
export interface RetrainRequest {
  seq: number
  alert: number
  rule: string
  severity: string
  windows: number[]
  /** `'monitor:<name>@<seq>'`: pass it as a run's or a lineage's `cause`. */
  cause: string
  /** Set when the monitor has a webhook. */
  webhook: WebhookDelivery | null
}

/** What `Monitor.check` found. */
export interface MonitorCheck {
  newAlerts: MonitorAlert[]
  /** [rule, severity] of each rule firing now. */
  firing: [string, string][]
  retrainRequests: RetrainRequest[]
  worst: string | null
}

/**
 * Opens monitor `name`, creating it with these settings when there is none;
 * settings that differ from an existing monitor's are a CONFLICT naming the first.
 */
export declare function monitor(name: string, options?: MonitorOptions): Promise<Monitor>

/** The names of the monitors of `store`, sorted. */
export declare function monitors(options?: { store?: string | Registry }): Promise<string[]>

/** One problem of a request a guard refused (the same keys as Python's `SignatureError.problems`). */
export interface GuardProblem {
  /** The column, or null when the problem is about the whole request. */
  column: string | null
  kind: 'missing_column' | 'type_mismatch' | 'nulls' | 'bad_values' | 'no_rows' | 'malformed'
  /** The declared type. */
  expected: string | null
  /** What was found instead. */
  found: string | null
  /** How many values (nulls, bad values). */
  count: number | null
  /** The first row holding one (from 0). */
  first_row: number | null
  message: string
}

/** The error `Guard.check` throws for a refused request: `code` 'SIGNATURE', every problem in `problems`. */
export interface SignatureError extends MlopsError {
  code: 'SIGNATURE'
  problems: GuardProblem[]
}

/**
 * A guard for serving code: checks requests against a package's signature
 * and observes them into a monitor or a rolling profile without blocking
 * the request. (No CLI command: a guard lives in a serving process.)
 */
export declare class Guard {
  constructor(pkg: Package, options?: { monitor?: Monitor })
  /** Checks a request (a Table, IPC bytes, a JSON string, rows or columns); the signature's inputs, or throws a SignatureError. */
  check(data: Table | Uint8Array | string | Record<string, unknown>[] | Record<string, unknown[]>): Table
  /** Observes the inputs and their predictions (a Table or numbers); only queues them. */
  observe(inputs: Table | Uint8Array, predictions: Table | Uint8Array | ArrayLike<number | null>): void
  /** Writes what was observed (the monitor's flush), or folds it into the rolling profile. */
  flush(): Promise<void>
  /** The rolling profile so far; null with a monitor or before any row. */
  profile(): Profile | null
  /** The monitor observed rows go to, or null. */
  readonly monitor: Monitor | null
  /** The signature requests are checked against. */
  readonly signature: Signature
  /** The inputs' names and Arrow types, in order. */
  readonly inputSchema: { name: string; type: string }[]
}

/** How `ui.serve` starts a server (unset: the server's defaults, 127.0.0.1:5210). */
export interface UiServeOptions {
  /** The address to bind; anything but a loopback address needs `token`. */
  host?: string
  /** The port (0 picks a free one). */
  port?: number
  /** Secrets a request must carry: `'PRINCIPAL=SECRET'` or `'SECRET'`. */
  token?: string | string[]
  /** Allow alias moves, tags and archiving from the pages (through the policy). */
  allowWrites?: boolean
  /** The principal writes are made as without a token's. */
  principal?: string
}

/** A running web UI server (see docs/ui.md). */
export interface UiServer {
  /** Its URL, `http://127.0.0.1:5210/`. */
  readonly url: string
  /** The port it listens on. */
  readonly port: number
  /** Whether it still serves. */
  readonly running: boolean
  /** Stops it; the requests under way finish. */
  stop(): void
}

/** The web UI: the same server as `mlops ui`, in this process. */
export declare const ui: {
  /** Serves the UI over `store` (a URL or folder; unset: $MLOPS_STORE, else `.mlops`). */
  serve(store?: string, options?: UiServeOptions): UiServer
  /** The class of what `serve` returns. */
  UiServer: new (handle: unknown) => UiServer
}
