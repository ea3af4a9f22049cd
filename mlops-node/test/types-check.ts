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
  const reason: string | null = records[0].reason
  return records.length + (report.ok ? 1 : 0) + policy.grants.length + v.version + d.fromVersion + d.rows[1]
    + hits.length + g.toJson().length + p.rowCount + (reason ?? '').length + policy.toJSON().events
}
void governanceTypes
