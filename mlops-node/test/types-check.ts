// Compiled with `tsc --noEmit --strict` by types.test.js: the declared API
// must type-check as users write it.
import { profile, Profile, Package, Signature, generateKey, type ColumnProfile, type MlopsError, type SignatureReport } from 'mlops'
import { tableFromArrays } from 'apache-arrow'

async function main(): Promise<number> {
  const p: Profile = await profile(tableFromArrays({ x: Float64Array.from([1, 2]) }))
  const c: ColumnProfile = p.column('x')
  const mean: number | null = c.mean
  const top: number = c.top_k.length
  const again: Profile = Profile.fromBytes(p.toBytes()).merge(Profile.fromJson(p.toJson()))
  try {
    await profile('missing.parquet')
  } catch (e) {
    const code: string = (e as MlopsError).code
    return code.length
  }
  return (mean ?? 0) + top + again.rowCount + p.columnNames.length
}
void main

async function packages(): Promise<number> {
  const pkg: Package = await Package.build('model', { name: 'churn', version: '1', flavor: 'sklearn', metrics: { auc: 0.9 } })
  await pkg.verify()
  const id: string = generateKey('release.key')
  const signedBy: string = await pkg.verifySignature(['release.key.pub'])
  const sig = pkg.signature ?? new Signature({ inputs: [{ name: 'x', type: 'Float64', nullable: false }] })
  const r: SignatureReport = await sig.validate(new Uint8Array())
  return pkg.manifest.files.length + id.length + signedBy.length + r.problems.length
}
void packages

import { stats, type StatResult } from 'mlops'
const w: number = stats.wassersteinDistance([1, 2], Float64Array.from([3, 4]))
const r: StatResult = stats.cramerVonMises([1, 2, 3], [4, 5, 6])
const c: number = stats.chi2Contingency([[1, 2], [3, 4]]).dof
void w, r, c

import { drift, DriftReport, type ColumnDrift, type DriftOptions } from 'mlops'

async function driftTypes(): Promise<number> {
  const options: DriftOptions = { method: 'psi', perColumn: { x: { method: 'ks', threshold: 0.01 } }, correction: 'bonferroni' }
  const r: DriftReport = await drift('ref.parquet', 'cur.parquet', options)
  const c: ColumnDrift = r.column('x')
  const score: number | null = c.score
  const share: number = r.shareOfDriftedColumns
  return (score ?? 0) + share + (r.datasetDrift ? 1 : 0) + r.toJSON().columns.length
}
void driftTypes

import { Registry, type Asset } from 'mlops'

async function registryTypes(): Promise<number> {
  const r = new Registry('memory://')
  const v: number = await r.add('model', 'm', 'bytes', { message: 'first', metadata: { auc: 0.9 } })
  await r.alias('model', 'm', 'production', v)
  const a: Asset = await r.asset('model', 'm')
  const b: Buffer = await r.get('model', 'm', 'production')
  const history: string[] = (await r.log('model', 'm')).map((e) => `${e.seq} ${e.action} ${e.target}`)
  return a.versions.length + b.length + history.length
}
void registryTypes

import { Version, DatasetDiff, SearchHit, AuditRecord, AuditReport, PolicyState, GateReport, gate, type AuditFilter } from 'mlops'

async function governanceTypes(): Promise<number> {
  const r = new Registry('memory://', { principal: 'ana' })
  await r.add('model', 'm', 'w', { reason: 'first' })
  await r.tag('model', 'm', 1, 'team', 'risk', { reason: 'ownership' })
  await r.archive('model', 'm', { restore: true, reason: 'back' })
  await r.policy.grant('ana', 'admin', '*', { reason: 'bootstrap' })
  await r.policy.protect('production', { requireGate: true, reason: 'release rule' })
  const filter: AuditFilter = { action: 'version', since: 0 }
  const records: AuditRecord[] = await r.audit.log(filter)
  const report: AuditReport = await r.audit.verify()
  const policy: PolicyState = await r.policy.show()
  const v: Version = await r.version('model', 'm')
  const d: DatasetDiff = await r.diff('d', 1, 2)
  const hits: SearchHit[] = await r.search("kind = 'model'")
  const g: GateReport = gate({ auc: 0.9 }, ['auc > 0.5'])
  await r.recordGate('model', 'm', 1, g, { reason: 'gate' })
  const p: Profile = await r.datasetProfile('d')
  const saved: number = await r.saveProfile('d', '2026-12-01', p, { reason: 'nightly' })
  const keys: string[] = await r.profileKeys('d')
  const day: Profile = await r.loadProfile('d', keys[0])
  const week: Profile = await r.mergeProfiles('d', keys)
  const reason: string | null = records[0].reason
  return records.length + (report.ok ? 1 : 0) + policy.grants.length + v.version + d.fromVersion + d.rows[1]
    + hits.length + g.toJson().length + p.rowCount + (reason ?? '').length + policy.toJSON().events
    + saved + day.rowCount + week.rowCount
}
void governanceTypes

import { checks, Suite, validate, ValidationResult, Audit, Policy } from 'mlops'
import type { Table } from 'apache-arrow'

async function validationTypes(): Promise<number> {
  const suite = new Suite('orders', [checks.columnExists('id'), checks.columnType('id', 'Int64')])
    .add(
      checks.notNull('id'),
      checks.maxNullFraction('note', 0.1),
      checks.unique('id', { severity: 'warn' }),
      checks.compoundUnique(['id', 'day']),
      checks.valuesBetween('amount', 0, 100, { mostly: 0.99 }),
      checks.inSet('state', ['open', 'closed']),
      checks.notInSet('state', ['void']),
      checks.matchesRegex('code', '^[A-Z]{3}$'),
      checks.lengthBetween('code', 3, 3),
      checks.minBetween('amount', 0, 1),
      checks.maxBetween('amount', 50, 100),
      checks.meanBetween('amount', 10, 20),
      checks.stdBetween('amount', 1, 5),
      checks.medianBetween('amount', 10, 20),
      checks.quantileBetween('amount', 0.9, 20, 80),
      checks.distinctCountBetween('state', 1, 2),
      checks.mostCommonInSet('state', ['open']),
      checks.rowCountBetween(1, 1000),
      checks.columnPair('start', '<=', 'end'),
      checks.increasing('day'),
      checks.decreasing('left'),
      checks.freshness('day', '1d'),
      checks.distribution('amount', 'reference.mlprof'),
    )
  suite.save('suite.yaml')
  const again: Suite[] = [Suite.load('suite.yaml'), Suite.fromYaml(suite.toYaml()), Suite.fromJson(suite.toJson())]
  const inferred: Suite = await Suite.infer('orders.parquet', { margin: 0.1 })
  const r: ValidationResult = await suite.validate('orders.parquet', { unexpectedLimit: 5 })
  const r2: ValidationResult = await validate('orders.parquet', inferred)
  const text = [r.suite, r.toJson(), r.toHtml(), JSON.stringify(r.toJSON())].join('')
  return again.length + suite.checks.length + suite.name.length + (r.success ? 1 : 0) + r.rows + r.statistics.evaluated
    + r.results.length + r.failures.length + r2.rows + text.length
}
void validationTypes

async function resultTypes(): Promise<unknown[]> {
  const p: Profile = await profile('orders.parquet')
  const c: ColumnProfile = p.column('note')
  const d: ColumnDrift = (await drift(p, p)).column('amount')
  const report: DriftReport = await drift(p, p)
  const r = new Registry('memory://')
  const v: Version = await r.version('model', 'm')
  const a: Asset = await r.asset('model', 'm')
  const h: SearchHit = (await r.search("kind = 'model'"))[0]
  const diff: DatasetDiff = await r.diff('d', 1)
  const rec: AuditRecord = (await r.log('model', 'm'))[0]
  const rep: AuditReport = await r.audit.verify()
  const pol: PolicyState = await r.policy.show()
  const audit: Audit = r.audit
  const policy: Policy = r.policy
  await policy.revoke('bob', 'reader', '*', { reason: 'left' })
  await policy.unprotect('production', '*', { reason: 'retired' })
  const g: GateReport = gate({ auc: 0.9 }, ['auc > 0.5'])
  const sig: Signature = await Signature.fromOnnx('model.onnx')
  const pkg: Package = await Package.load('model.tar.zst')
  const other: Package = await Package.fromMlflow('mlflow-model', 'pkg', { name: 'm' })
  const pulled: Package = await r.pullPackage('m', 'latest', 'out')
  const n: number = await r.pushPackage(pkg, 'm', { reason: 'release' })
  await r.lineage({ kind: 'model', name: 'm', version: 1 }, [{ kind: 'dataset', name: 'd', version: 1 }], { run: 'r1', reason: 'trained' })
  await r.lineage({ kind: 'model', name: 'm', version: 2 }, [], { cause: 'monitor:churn-prod@17' })
  await r.addFile('model', 'm', 'model.onnx', { reason: 'retrained' })
  await r.commitDataset('d', 'orders.parquet', { reason: 'daily load' })
  const t: Table = await r.readDataset('d', 'latest', { columns: ['id'] })
  await pkg.sign('release.key')
  await pkg.saveArchive('model.tar.zst')
  await other.toMlflow('mlflow-out')
  return [
    c.length_min, c.length_mean, c.length_max, c.top(3), c.quantile(0.5), c.name, c.data_type, c.kind, c.semantic_type,
    c.count, c.null_count, c.nan_count, c.pos_inf_count, c.neg_inf_count, c.true_count, c.min, c.max, c.variance, c.std,
    c.quantiles, c.quantile_rank_error, c.histogram, c.distinct_estimate, c.top_k_max_error, c.length, c.state,
    p.toJSON(), p.toHtml(),
    d.toJSON(), d.column, d.column_type, d.method, d.statistic, d.p_value, d.threshold, d.guard_p_value, d.value_drifted,
    d.skipped, d.distinct, d.nulls, d.drifted, d.approximate, d.reference, d.current, d.distribution,
    report.verdict, report.skippedColumns, report.numberOfColumns, report.numberOfDriftedColumns, report.driftedColumns,
    report.columns, report.source, report.toJson(), report.toHtml(),
    v.content, v.size, v.message, v.metadata, v.dataset, v.principal, v.time, v.toJSON(),
    a.kind, a.name, a.aliases, a.tags, a.inputs, a.used_by, a.archived, a.gates, a.events, a.expired, a.pinned, a.toJSON(),
    h.kind, h.name, h.version, h.message, h.principal, h.time, h.size, h.alias, h.archived, h.expired, h.tags, h.metadata, h.toJSON(),
    diff.toVersion, diff.added, diff.removed, diff.retyped, diff.columns, diff.toJSON(),
    rec.log, rec.hash, rec.time, rec.principal, rec.event, rec.toJSON(),
    rep.logs, rep.events, rep.broken, rep.digest, rep.toJSON(),
    pol.protections, audit, g.passed, g.rules,
    r.principal, await r.verify('model', 'm'), await r.list('model', { includeArchived: true }),
    pulled.path, n, t.numRows, sig.inputs, sig.outputs, sig.input_example, sig.toJSON(),
    stats.energyDistance([1], [2]), stats.wassersteinDistanceNorm([1], [2]), stats.jensenShannon([1], [1]),
    stats.klDivergence([1], [1]), stats.hellinger([1], [1]), stats.totalVariation([1], [1]), stats.lInfinity([1], [1]),
    stats.psi([1], [1]), stats.ks2samp([1], [2], 'exact', 'less'), stats.andersonKSamp([[1], [2]]),
    stats.proportionsZTest(1, 10, 2, 10),
  ]
}
void resultTypes

import { Spec, Accumulator, Suite as AccSuite, checks as accChecks, ValidationResult as AccResult } from 'mlops'
async function accumulate(): Promise<number> {
  const spec: Spec = Spec.fromBytes(Spec.profile(['x']).toBytes())
  const vspec: Spec = Spec.validation(new AccSuite('s', [accChecks.notNull('x')]), { now: 0 })
  const kind: 'profile' | 'validation' = vspec.kind
  const acc = new Accumulator(spec, 0)
  await acc.update(tableFromArrays({ x: Float64Array.from([1, 2]) }))
  const parts: Array<[number, Buffer]> = Accumulator.fromBytes(spec, acc.toBytes()).split()
  const merged: Accumulator = Accumulator.merge(spec, parts.map(([, b]) => b))
  const whole: Accumulator = Accumulator.combine(spec, [merged.toBytes()])
  const ranges: Array<[number, number]> = whole.partitions
  const keys: number[] = whole.keys
  const done: Profile | AccResult = whole.finish(tableFromArrays({ x: Float64Array.from([1]) }).schema)
  return spec.hash.length + kind.length + ranges.length + keys.length + whole.rows + (done instanceof Profile ? done.rowCount : done.rows)
}
void accumulate

import { startRun, Run, RunInfo, Registry as RunRegistry, Package as RunPackage, type RunStatus, type SeriesSummary, type StartRunOptions, type MlflowImport } from 'mlops'
async function runs(): Promise<number> {
  const reg = new RunRegistry('memory://')
  const options: StartRunOptions = { name: 'baseline', params: { lr: 0.1 }, tags: { team: 'risk' }, store: reg, flushPoints: 1000, flushInterval: 1, compact: false }
  const parent: Run = await startRun('churn', options)
  const run: Run = await startRun(undefined, { parent, store: 'memory://', cause: 'monitor:churn-prod@17' })
  run.log({ loss: 0.5, acc: 0.9 }, 0)
  run.log({ loss: 0.4 }, 1, { context: 'subset=val' })
  await run.logTable(tableFromArrays({ key: ['loss'], step: Int32Array.from([2]), value: Float64Array.from([0.3]) }))
  await run.logParams({ model: { depth: 6 } })
  await run.setTags({ team: null, owner: 'ana' })
  await run.useAsset('dataset', 'train', 1)
  await run.useDataset('train', 1)
  await run.recordOutput('model', 'churn', 1)
  const v: number = await run.logModel(await RunPackage.load('model'), 'churn', { message: 'trained' })
  await run.logArtifact('notes.txt', { name: 'docs/notes.txt' })
  await run.flush()
  const h: Table = await run.history('loss', { context: 'subset=val', downsample: 10 })
  await run.end('failed', { exitCode: 1 })
  const ended: boolean = run.ended
  const info: RunInfo = await run.info()
  const cause: string | null = info.cause
  void cause
  const status: RunStatus = info.status
  const loss: SeriesSummary | undefined = info.metrics['loss']
  const all: RunInfo[] = await reg.runs('churn')
  const again: RunInfo = await reg.run(run.id)
  const points: number = await reg.verifyRun(parent.id)
  const exported: number = await reg.exportRunsParquet('runs.parquet', "status = 'none'")
  const rows: number = await reg.rebuildRunTable()
  const t: Table = await reg.runHistory(run.id, 'loss', { downsample: 5 })
  const files: string[] = await reg.exportRunTensorboard(run.id, '/tmp/tb')
  const tb: string = await reg.importTensorboard('/tmp/tb', { experiment: 'tb', name: 'n', tags: { a: 'b' } })
  const imported: MlflowImport = await reg.importMlflow('sqlite:///mlflow.db', { experiment: 'churn' })
  return [
    files.length, tb.length, Object.keys(imported.imported).length + Object.keys(imported.skipped).length,
    v, h.numRows, t.numRows, points, exported, rows, all.length, ended ? 1 : 0, status.length, loss?.mean ?? 0, loss?.first_step ?? 0,
    info.id.length, info.experiment.length, info.name?.length ?? 0, info.parent?.length ?? 0, info.exit_code ?? 0,
    info.start_time, info.end_time ?? 0, info.principal.length, info.source.pid, Object.keys(info.params).length,
    Object.keys(info.tags).length, info.points, info.inputs.length, info.outputs.length, info.artifacts.length,
    info.segments.length, info.events, Object.keys(again.toJSON()).length,
  ].reduce((a, b) => a + b, 0)
}
void runs

import { searchRuns, compareRuns, RunComparison, type ParamRow, type MetricRow } from 'mlops'
async function compare(): Promise<number> {
  const reg = new RunRegistry('memory://')
  const hits: Table = await searchRuns("params.lr in (0.1, 0.01) order by metrics.loss.min limit 5", { store: reg })
  const same: Table = await reg.searchRuns('parent is null')
  const c: RunComparison = await compareRuns(['a', 'b'], { store: 'memory://' })
  const runs: RunInfo[] = c.runs
  const params: ParamRow[] = c.params
  const metrics: MetricRow[] = c.metrics
  const differs: Record<string, (string | null)[]> = c.differingParams()
  const page: string = await c.html()
  const raw = await reg.compareRuns(['a', 'b'])
  const html: string = await reg.compareRunsHtml(['a', 'b'])
  return hits.numRows + same.numRows + runs.length + params.length + metrics.length + Object.keys(differs).length
    + page.length + raw.runs.length + html.length
}
void compare

import { monitor, monitors, Monitor, Registry as MonRegistry, type MonitorOptions, type LabelsResult, type MonitorClock, type MonitorAlert, type MonitorCheck, type RetrainRequest, type CauseEdge } from 'mlops'
async function monitoring(): Promise<number> {
  const reg = new MonRegistry('memory://')
  const options: MonitorOptions = {
    reference: ['churn-train', 1], window: '1h', timestamp: 't', prediction: 'score', target: 'label', id: 'id',
    segments: ['cat'], maxSegments: 10, allowedLateness: '48h', futureTolerance: '5m', predictionRetention: '30d',
    task: 'binary', threshold: 0.5, drift: { driftShare: 0.5 }, suite: 'suite.yaml', store: reg,
  }
  const m: Monitor = await monitor('churn-prod', options)
  const again: Monitor = await monitor('churn-prod', { reference: ['dataset', 'churn-train', 'latest'], store: 'memory://' })
  const now: MonitorClock = new Date(0)
  m.setClock(now)
  m.setClock(3_600_000)
  m.setClock()
  m.setFlushInterval(1.5)
  const placed: number = await m.log(tableFromArrays({ x: Float64Array.from([1]) }))
  const fromFile: number = await again.log('traffic.parquet')
  const got: LabelsResult = await m.logLabels(tableFromArrays({ id: ['a'], label: Int32Array.from([1]) }))
  await m.flush()
  const t: Table = await m.results(now)
  const all: Table = await m.results()
  const state: Record<string, unknown> = await m.state()
  const rule: string = await m.rule('drift.share > 0.3 for 2 windows', { severity: 'critical', cooldownWindows: 2 })
  m.onAlert((a: MonitorAlert) => a.windows.length + (a.retrainRequested ?? 0) + (a.cause ?? '').length)
  await m.webhook('https://ci.example/hooks/retrain', { secretEnv: 'RETRAIN_SECRET' })
  await m.webhook(null)
  const checked: MonitorCheck = await m.check({ retrainOn: 'warning' })
  const req: RetrainRequest | undefined = checked.retrainRequests[0]
  const delivered: boolean = req?.webhook?.delivered ?? false
  const causes: CauseEdge[] = (await reg.asset('model', 'churn')).causes
  void delivered
  void causes
  const text: string = await m.prometheusText('openmetrics')
  const reports: number = await m.report('monitor.html')
  const names: string[] = await monitors({ store: reg })
  const same: string[] = await reg.monitors()
  return [
    placed, fromFile, got.joined, got.unknownIds, got.duplicates, got.nulls, t.numRows, all.numRows,
    Object.keys(state).length, Object.keys(m.config).length, m.name.length, names.length, same.length,
    rule.length, checked.newAlerts.length + checked.firing.length + checked.retrainRequests.length, text.length, reports,
  ].reduce((a, b) => a + b, 0)
}
void monitoring

import { FeedEvent, Watch } from 'mlops'

async function feedTypes(): Promise<number> {
  const r = new Registry('memory://')
  await r.add('model', 'm', 'w')
  const { events, cursor }: { events: FeedEvent[]; cursor: string } = await r.changes('start', { limit: 10 })
  const now: string = await r.feedCursor()
  const w: Watch = r.watch({ since: cursor, timeout: 0.1, pollInterval: 0.05 })
  let n = 0
  for await (const e of w) {
    const fields: string = `${e.kind} ${e.name} ${e.time} ${e.principal} ${e.reason ?? ''} ${e.version ?? ''} ${JSON.stringify(e.change)}`
    n += e.seq + (e.previous ?? 0) + e.id.length + e.event.length + fields.length + Object.keys(e.toJSON()).length
  }
  const next: FeedEvent | null = await w.next(0)
  w.close()
  const delivered: number = await r.dispatch('http://127.0.0.1:9/', { secretEnv: 'S', since: now, timeout: 0 })
  return events.length + n + (next ? 1 : 0) + w.cursor.length + (w.notified ? 1 : 0) + delivered
}
void feedTypes

// Row diffs by key, alias history and search pages (issue #19).
import { Registry as RowRegistry, RowDiff, type RowDiffSummary, type AliasMove, type SearchHits } from 'mlops'

async function rows(): Promise<number> {
  const r = new RowRegistry('memory://')
  const d: RowDiff = await r.diff('d', 1, 2, { key: ['id'] })
  const latest: RowDiff = await r.diff('d', 1, { key: 'id' })
  const s: RowDiffSummary = d.summary
  const tables: Table[] = [d.added, d.removed, d.changed]
  const cells: Record<string, number> = d.changedCells
  const json: RowDiffSummary = latest.toJSON()
  const moves: AliasMove[] = await r.aliasHistory('model', 'm', 'production')
  const reason: string | null = moves[0].reason
  const page: SearchHits = await r.search("aliases = 'production'", { limit: 10, pageToken: 'model/m/3' })
  const next: string | null = page.nextPageToken
  const names: string[] = page[0].aliases
  return s.added + tables.length + Object.keys(cells).length + json.rowGroupsSkipped + (reason ?? '').length + (next ?? '').length + names.length
}
void rows

import { TreeDiff, Checkout, type FileChange } from 'mlops'

async function treeTypes(): Promise<number> {
  const r = new Registry('memory://')
  await r.addFile('dataset', 'images', './images', { message: 'first' })
  const st: TreeDiff = await r.status('dataset', 'images', './images', 'latest')
  const c: Checkout = await r.checkout('dataset', 'images', './restored', 1)
  const d: TreeDiff = await r.diffFiles('dataset', 'images', 1, 2)
  const first: FileChange | undefined = d.changed[0]
  const v: Version = await r.version('dataset', 'images')
  return st.added.length + st.removed.length + st.unchanged + st.hashed + c.files + c.written + c.bytes
    + (first?.sizeBefore ?? 0) + (first?.sizeAfter ?? 0) + (v.tree?.files ?? 0) + d.toJSON().unchanged
    + c.toJSON().bytes
}
void treeTypes

import type { GcPlan, GcApplied, FsckReport, Expiry } from 'mlops'

async function gcTypes(): Promise<number> {
  const r = new Registry('memory://')
  await r.add('model', 'm', 'a')
  await r.add('model', 'm', 'b')
  await r.pin('model', 'm', 1, { reason: 'audit' })
  await r.pin('model', 'm', 1, { unpin: true })
  const expired: number[] = await r.expire('model', 'm', { keepLast: 1, keepWithin: '30d', reason: 'retention' })
  const plan: GcPlan = await r.gcPlan({ grace: '7d' })
  const done: GcApplied = await r.gcApply(plan)
  const f: FsckReport = await r.fsck()
  const a = await r.asset('model', 'm')
  const why: Expiry | undefined = a.expired['1']
  const pinned: number[] = a.pinned
  const gone: boolean = (await r.search('expired = true'))[0].expired
  return expired.length + plan.count + done.bytes + (f.ok ? 1 : 0) + f.orphans.length
    + (why ? why.seq + why.time + why.principal.length + why.policy.length : 0) + pinned.length + (gone ? 1 : 0)
}
void gcTypes

import { Package as ExportPackage, type ExportTarget, type ExportOptions, type ExportSidecar } from 'mlops'
async function exports(pkg: ExportPackage): Promise<unknown[]> {
  const target: ExportTarget = 'mlserver'
  const opts: ExportOptions = { trusted: ['release.key.pub'], allowUnsigned: false, version: 3 }
  const s: ExportSidecar = await pkg.export('serve', target, opts)
  return [
    opts.trusted, opts.allowUnsigned, opts.version,
    s.format, s.v, s.target, s.name, s.version, s.numeric_version, s.flavor, s.manifest_blake3, s.signed_by,
  ]
}
void exports

import { Guard, type GuardProblem, type SignatureError } from 'mlops'

async function guardTypes(): Promise<number> {
  const pkg = await Package.load('churn-pkg')
  const mon: Monitor = await monitor('churn-prod', { timestamp: 't', store: 'memory://' })
  const g = new Guard(pkg, { monitor: mon })
  const plain = new Guard(pkg)
  const x: Table = g.check([{ age: 41, plan: 'pro' }])
  const y: Table = plain.check({ age: [41], plan: ['pro'] })
  const z: Table = g.check(tableFromArrays({ age: Float64Array.from([41]) }))
  const w: Table = g.check('[{"age": 41}]')
  g.observe(x, [0.5])
  g.observe(y, tableFromArrays({ churn: Float64Array.from([0.5]) }))
  await g.flush()
  const p: Profile | null = plain.profile()
  const m: Monitor | null = g.monitor
  const s: Signature = g.signature
  const cols: { name: string; type: string }[] = g.inputSchema
  let listed = 0
  try {
    g.check([])
  } catch (e) {
    const err = e as SignatureError
    const first: GuardProblem = err.problems[0]
    listed = err.problems.length + err.code.length + first.kind.length + (first.column ?? '').length
      + (first.expected ?? '').length + (first.found ?? '').length + (first.count ?? 0) + (first.first_row ?? 0) + first.message.length
  }
  return x.numRows + y.numRows + z.numRows + w.numRows + (p?.rowCount ?? 0) + (m ? 1 : 0) + s.inputs.length + cols.length + listed
}
void guardTypes

// The web UI.
import { ui, type UiServer, type UiServeOptions } from 'mlops'
const uiOptions: UiServeOptions = { host: '127.0.0.1', port: 0, token: ['a=0123456789abcdef'], allowWrites: false, principal: 'ana' }
const uiServer: UiServer = ui.serve('out/registry', uiOptions)
const uiFacts: [string, number, boolean] = [uiServer.url, uiServer.port, uiServer.running]
uiServer.stop()
const UiServerClass: new (handle: unknown) => UiServer = ui.UiServer
void uiFacts
void UiServerClass
