//! The one place where core values become JavaScript objects and back.
//!
//! Results of the registry and its governance cross as plain typed objects
//! (`#[napi(object)]`), field for field the core's types with the same
//! snake_case names as their JSON (`used_by`, `require_gate`), so nothing
//! is serialised to a string and parsed again. The JavaScript layer gives
//! each a class with `toJSON()` (`lib/results.js`). Counts, sizes, times and
//! version numbers are JavaScript numbers (exact below 2^53).
//!
//! Options come the other way: [`AuditFilter`] is the core's filter as a
//! typed object; fields the caller did not set stay `None`.

use std::collections::BTreeMap;

use mlops_core::dataset as ds;
use mlops_core::governance as gov;
use mlops_core::registry as reg;
use napi_derive::napi;
use serde_json::Value;

/// A JavaScript number from a core count (exact below 2^53).
fn num(n: u64) -> f64 {
    n as f64
}

/// Schema, rows and profile of a data set version.
#[napi(object, use_nullable = true)]
pub struct DatasetInfo {
    /// The content's format (`parquet`).
    pub format: String,
    /// Rows.
    pub rows: f64,
    /// Columns, as `[name, Arrow type]`.
    pub schema: Vec<(String, String)>,
    /// BLAKE3 hash of the blob holding its profile.
    pub profile: String,
}

impl From<reg::DatasetInfo> for DatasetInfo {
    fn from(d: reg::DatasetInfo) -> Self {
        Self {
            format: d.format,
            rows: num(d.rows),
            schema: d.schema,
            profile: d.profile.to_string(),
        }
    }
}

/// A version of an asset (see `mlops_core::registry::Version`).
#[napi(object, use_nullable = true)]
pub struct Version {
    /// Its number, from 1.
    pub version: f64,
    /// BLAKE3 hash of its content's chunk manifest.
    pub content: String,
    /// Content size in bytes.
    pub size: f64,
    /// Its message.
    pub message: String,
    /// Its metadata.
    pub metadata: Value,
    /// Schema, rows and profile of a data set version.
    pub dataset: Option<DatasetInfo>,
    /// Who created it.
    pub principal: String,
    /// When (Unix milliseconds).
    pub time: f64,
    /// For a version added from a folder: `{files}` (its content is a tree).
    pub tree: Option<TreeInfo>,
}

/// What a version added from a folder records (see `mlops_core::tree::TreeInfo`).
#[napi(object)]
pub struct TreeInfo {
    /// Paths in the tree.
    pub files: f64,
}

impl From<reg::Version> for Version {
    fn from(v: reg::Version) -> Self {
        Self {
            version: num(v.version),
            content: v.content.to_string(),
            size: num(v.size),
            message: v.message,
            metadata: v.metadata,
            dataset: v.dataset.map(Into::into),
            principal: v.principal,
            time: num(v.time),
            tree: v.tree.map(|t| TreeInfo {
                files: num(t.files),
            }),
        }
    }
}

/// A version of an asset, by kind, name and number.
#[napi(object)]
pub struct AssetRef {
    /// `dataset`, `model` or `artifact`.
    pub kind: String,
    /// The asset's name.
    pub name: String,
    /// The version.
    pub version: f64,
}

impl From<reg::AssetRef> for AssetRef {
    fn from(r: reg::AssetRef) -> Self {
        Self {
            kind: r.kind.as_str().to_string(),
            name: r.name,
            version: num(r.version),
        }
    }
}

/// One move of an alias.
#[napi(object, use_nullable = true)]
pub struct AliasMove {
    /// The version the alias pointed at from then on.
    pub version: f64,
    /// Who moved it.
    pub principal: String,
    /// When (Unix milliseconds).
    pub time: f64,
    /// The event's sequence number.
    pub seq: f64,
    /// Why, as the writer gave it (null when it gave none).
    pub reason: Option<String>,
}

impl From<reg::AliasMove> for AliasMove {
    fn from(m: reg::AliasMove) -> Self {
        AliasMove {
            version: num(m.version),
            principal: m.principal,
            time: num(m.time),
            seq: num(m.seq),
            reason: m.reason,
        }
    }
}

/// A lineage edge: `other` is an input (in `inputs`) or a product (in `used_by`).
#[napi(object, use_nullable = true)]
pub struct LineageEdge {
    /// The version of this asset the edge is about.
    pub version: f64,
    /// The other end.
    pub other: AssetRef,
    /// The run, if known.
    pub run: Option<String>,
    /// The source commit, if known.
    pub commit: Option<String>,
}

impl From<reg::LineageEdge> for LineageEdge {
    fn from(e: reg::LineageEdge) -> Self {
        Self {
            version: num(e.version),
            other: e.other.into(),
            run: e.run,
            commit: e.commit,
        }
    }
}

/// A version made because of a monitor's retrain request.
#[napi(object, use_nullable = true)]
pub struct CauseEdge {
    /// The version.
    pub version: f64,
    /// The request, `monitor:<name>@<seq>`.
    pub cause: String,
    /// The run that made it, if known.
    pub run: Option<String>,
}

impl From<reg::CauseEdge> for CauseEdge {
    fn from(e: reg::CauseEdge) -> Self {
        Self {
            version: num(e.version),
            cause: e.cause.to_string(),
            run: e.run,
        }
    }
}

/// The last gate report recorded for a version.
#[napi(object)]
pub struct GateRecord {
    /// Whether it passed.
    pub passed: bool,
    /// BLAKE3 hash of the report's JSON blob.
    pub report: String,
    /// Who recorded it.
    pub principal: String,
    /// When (Unix milliseconds).
    pub time: f64,
}

/// Who expired a version, when, in which event and by which rule.
#[napi(object)]
pub struct Expiry {
    /// Who wrote the `expire` event.
    pub principal: String,
    /// When (Unix milliseconds).
    pub time: f64,
    /// The event's sequence number.
    pub seq: f64,
    /// The rule (`keep_last=3 keep_within=30d`).
    pub policy: String,
}

/// An asset's state: the fold of its log.
#[napi(object)]
pub struct Asset {
    /// Its kind.
    pub kind: String,
    /// Its name.
    pub name: String,
    /// Every version, in order.
    pub versions: Vec<Version>,
    /// Each alias's moves, oldest first; the last is where it points now.
    pub aliases: BTreeMap<String, Vec<AliasMove>>,
    /// Tags of each version (by version number), as they are now.
    pub tags: BTreeMap<String, BTreeMap<String, String>>,
    /// What each version was made from.
    pub inputs: Vec<LineageEdge>,
    /// What was made from each version.
    #[napi(js_name = "used_by")]
    pub used_by: Vec<LineageEdge>,
    /// The retrain requests versions were made because of.
    pub causes: Vec<CauseEdge>,
    /// Whether the asset is archived.
    pub archived: bool,
    /// The last gate report recorded for each version (by number).
    pub gates: BTreeMap<String, GateRecord>,
    /// Events in the log.
    pub events: f64,
    /// Versions retention expired (by number), with the event that did.
    pub expired: BTreeMap<String, Expiry>,
    /// Pinned versions (kept by every retention rule), ascending.
    pub pinned: Vec<f64>,
}

impl From<reg::Asset> for Asset {
    fn from(a: reg::Asset) -> Self {
        let moves = |ms: Vec<reg::AliasMove>| ms.into_iter().map(Into::into).collect();
        Self {
            kind: a.kind.as_str().to_string(),
            name: a.name,
            versions: a.versions.into_iter().map(Into::into).collect(),
            aliases: a.aliases.into_iter().map(|(k, m)| (k, moves(m))).collect(),
            tags: a
                .tags
                .into_iter()
                .map(|(v, t)| (v.to_string(), t))
                .collect(),
            inputs: a.inputs.into_iter().map(Into::into).collect(),
            used_by: a.used_by.into_iter().map(Into::into).collect(),
            causes: a.causes.into_iter().map(Into::into).collect(),
            archived: a.archived,
            gates: a
                .gates
                .into_iter()
                .map(|(v, g)| {
                    let g = GateRecord {
                        passed: g.passed,
                        report: g.report.to_string(),
                        principal: g.principal,
                        time: num(g.time),
                    };
                    (v.to_string(), g)
                })
                .collect(),
            events: num(a.events),
            expired: a
                .expired
                .into_iter()
                .map(|(v, e)| {
                    let e = Expiry {
                        principal: e.principal,
                        time: num(e.time),
                        seq: num(e.seq),
                        policy: e.policy,
                    };
                    (v.to_string(), e)
                })
                .collect(),
            pinned: a.pinned.into_iter().map(num).collect(),
        }
    }
}

/// One version found by `Registry.search`.
#[napi(object)]
#[derive(serde::Deserialize)]
pub struct SearchHit {
    /// The asset's kind.
    pub kind: String,
    /// The asset's name.
    pub name: String,
    /// The version's number.
    pub version: f64,
    /// Its message.
    pub message: String,
    /// Who created it.
    pub principal: String,
    /// When (Unix milliseconds).
    pub time: f64,
    /// Content size in bytes.
    pub size: f64,
    /// The aliases pointing at it now (the older name of `aliases`).
    pub alias: Vec<String>,
    /// The aliases pointing at it now.
    pub aliases: Vec<String>,
    /// Whether the asset is archived.
    pub archived: bool,
    /// Whether retention expired the version.
    pub expired: bool,
    /// Its tags.
    pub tags: BTreeMap<String, String>,
    /// Its metadata.
    pub metadata: Value,
}

/// Search hits from the core's documents (the fields the query language
/// names; a document of another shape is an engine bug, reported as one).
pub fn search_hits(docs: Vec<Value>) -> mlops_core::Result<Vec<SearchHit>> {
    docs.into_iter()
        .map(|d| {
            serde_json::from_value(d).map_err(|e| {
                mlops_core::Error::Integrity(format!("search hit of an unexpected shape: {e}"))
            })
        })
        .collect()
}

/// Statistics of one column in two data set versions.
#[napi(object)]
pub struct ColumnChange {
    /// Column name.
    pub column: String,
    /// Nulls in each version.
    pub nulls: (f64, f64),
    /// Means (numeric columns).
    pub mean: (Option<f64>, Option<f64>),
    /// Standard deviations (numeric columns).
    pub std: (Option<f64>, Option<f64>),
    /// Distinct-count estimates.
    pub distinct: (Option<f64>, Option<f64>),
}

/// What changed between two data set versions.
#[napi(object)]
pub struct DatasetDiff {
    /// The older version compared.
    pub from_version: f64,
    /// The newer version compared.
    pub to_version: f64,
    /// Rows in each.
    pub rows: (f64, f64),
    /// Columns only in the newer version, as `[name, type]`.
    pub added: Vec<(String, String)>,
    /// Columns only in the older version, as `[name, type]`.
    pub removed: Vec<(String, String)>,
    /// Columns whose type changed: `[name, from type, to type]`.
    pub retyped: Vec<(String, String, String)>,
    /// Per shared column: statistics that changed.
    pub columns: Vec<ColumnChange>,
}

impl From<ds::DatasetDiff> for DatasetDiff {
    fn from(d: ds::DatasetDiff) -> Self {
        Self {
            from_version: num(d.from),
            to_version: num(d.to),
            rows: (num(d.rows.0), num(d.rows.1)),
            added: d.added,
            removed: d.removed,
            retyped: d.retyped,
            columns: d
                .columns
                .into_iter()
                .map(|c| ColumnChange {
                    column: c.column,
                    nulls: (num(c.nulls.0), num(c.nulls.1)),
                    mean: c.mean,
                    std: c.std,
                    distinct: c.distinct,
                })
                .collect(),
        }
    }
}

/// One event of the audit trail.
#[napi(object, use_nullable = true)]
pub struct AuditRecord {
    /// The log it is in (`assets/model/churn/log`, `policy/log`, `audit/denied/log`).
    pub log: String,
    /// Its sequence number in that log.
    pub seq: f64,
    /// BLAKE3 hash of its bytes.
    pub hash: String,
    /// When (Unix milliseconds).
    pub time: f64,
    /// Who.
    pub principal: String,
    /// What: the event's type.
    pub action: String,
    /// On what: `<kind>/<name>[@<version>]`, a policy scope, or the target refused.
    pub target: String,
    /// Why, if the writer said.
    pub reason: Option<String>,
    /// The event itself.
    pub event: Value,
}

impl From<gov::AuditRecord> for AuditRecord {
    fn from(r: gov::AuditRecord) -> Self {
        Self {
            log: r.log,
            seq: num(r.seq),
            hash: r.hash,
            time: num(r.time),
            principal: r.principal,
            action: r.action.to_string(),
            target: r.target,
            reason: r.reason,
            event: r.event,
        }
    }
}

/// The first place a log's chain is broken.
#[napi(object, use_nullable = true)]
pub struct BrokenLink {
    /// The log.
    pub log: String,
    /// The first event found missing or out of place, when one is to blame.
    pub seq: Option<f64>,
    /// What is wrong.
    pub problem: String,
}

/// What `audit.verify()` found.
#[napi(object, use_nullable = true)]
pub struct AuditReport {
    /// Logs walked.
    pub logs: f64,
    /// Events checked.
    pub events: f64,
    /// The first broken link (`null`: every chain holds).
    pub broken: Option<BrokenLink>,
    /// BLAKE3 over every log's name, length and newest hash.
    pub digest: String,
    /// Whether every chain holds.
    pub ok: bool,
}

impl From<gov::AuditReport> for AuditReport {
    fn from(r: gov::AuditReport) -> Self {
        Self {
            ok: r.ok(),
            logs: num(r.logs),
            events: num(r.events),
            broken: r.broken.map(|b| BrokenLink {
                log: b.log,
                seq: b.seq.map(num),
                problem: b.problem,
            }),
            digest: r.digest,
        }
    }
}

/// A role granted to a principal over the assets matching `scope`.
#[napi(object)]
pub struct Grant {
    /// Who.
    pub principal: String,
    /// The role.
    pub role: String,
    /// Over which assets.
    pub scope: String,
}

/// An alias only `role` may move, with `require_gate` only to a gated version.
#[napi(object)]
pub struct Protection {
    /// The alias.
    pub alias: String,
    /// Over which assets.
    pub scope: String,
    /// The role needed to move it.
    pub role: String,
    /// Whether the version must have a passed gate report.
    #[napi(js_name = "require_gate")]
    pub require_gate: bool,
}

/// The access policy: grants, protections and the events of its log.
#[napi(object)]
pub struct PolicyState {
    /// Roles granted, in the order granted.
    pub grants: Vec<Grant>,
    /// Protected aliases.
    pub protections: Vec<Protection>,
    /// Events in the policy's log.
    pub events: f64,
}

impl From<gov::Policy> for PolicyState {
    fn from(p: gov::Policy) -> Self {
        Self {
            grants: p
                .grants
                .into_iter()
                .map(|g| Grant {
                    principal: g.principal,
                    role: g.role.as_str().to_string(),
                    scope: g.scope,
                })
                .collect(),
            protections: p
                .protections
                .into_iter()
                .map(|x| Protection {
                    alias: x.alias,
                    scope: x.scope,
                    role: x.role.as_str().to_string(),
                    require_gate: x.require_gate,
                })
                .collect(),
            events: num(p.events),
        }
    }
}

/// Which audit events to list; fields left unset match everything.
#[napi(object)]
pub struct AuditFilter {
    /// Only events written by this principal.
    pub principal: Option<String>,
    /// Only this action (`version`, `alias`, ..., `grant`, ..., `denied`).
    pub action: Option<String>,
    /// Only targets matching this pattern (`model/*`).
    pub target: Option<String>,
    /// Only events at or after this time (Unix milliseconds).
    pub since: Option<f64>,
    /// Only events before this time (Unix milliseconds).
    pub until: Option<f64>,
}

/// A time of an audit filter: whole, non-negative milliseconds.
fn millis(name: &str, t: Option<f64>) -> mlops_core::Result<Option<u64>> {
    match t {
        None => Ok(None),
        Some(t) if t >= 0.0 && t.fract() == 0.0 && t.is_finite() => Ok(Some(t as u64)),
        Some(t) => Err(mlops_core::Error::InvalidInput(format!(
            "audit filter: '{name}' must be Unix milliseconds, got {t}"
        ))),
    }
}

impl TryFrom<AuditFilter> for gov::AuditFilter {
    type Error = mlops_core::Error;

    fn try_from(f: AuditFilter) -> mlops_core::Result<Self> {
        Ok(Self {
            since: millis("since", f.since)?,
            until: millis("until", f.until)?,
            principal: f.principal,
            action: f.action.as_deref().map(gov::AuditAction::named),
            target: f.target,
        })
    }
}

/// A per-column choice of drift method and threshold.
#[napi(object)]
pub struct ColumnDriftOptions {
    /// The method, instead of the default choice.
    pub method: Option<String>,
    /// The threshold, instead of the method's default.
    pub threshold: Option<f64>,
}

/// Options of a drift report (`drift(reference, current, options)`); every
/// field left unset takes the core's `DriftOptions::default()`.
#[napi(object)]
pub struct DriftOptions {
    /// Only these columns, in this order.
    pub columns: Option<Vec<String>>,
    /// One method for every column.
    pub method: Option<String>,
    /// One threshold for every column.
    pub threshold: Option<f64>,
    /// Per-column overrides.
    pub per_column: Option<BTreeMap<String, ColumnDriftOptions>>,
    /// The share of drifted columns at which the data set drifts.
    pub drift_share: Option<f64>,
    /// Multiple-testing correction of the p-values.
    pub correction: Option<String>,
    /// Whether the share of missing values is tested.
    pub null_test: Option<bool>,
    /// P-value threshold of the null-rate test.
    pub null_threshold: Option<f64>,
    /// Smallest effect that counts as null-rate drift.
    pub null_min_effect: Option<f64>,
    /// Whether datetime columns are tested.
    pub include_datetime: Option<bool>,
    /// Whether a distance must also be significant to count as drift.
    pub significance_guard: Option<bool>,
    /// The p-value below which the significance guard confirms a distance.
    pub significance_level: Option<f64>,
}

/// A number as the core's option reader takes it: JSON has no NaN or
/// infinity, so those go as the strings the core reads back and refuses,
/// naming the option.
fn number(x: f64) -> Value {
    serde_json::Number::from_f64(x).map_or_else(|| Value::String(x.to_string()), Value::Number)
}

impl TryFrom<DriftOptions> for mlops_core::drift::DriftOptions {
    type Error = mlops_core::Error;

    /// Only the fields the caller set are given to the core, which fills
    /// the rest from its `Default` and checks the ranges.
    fn try_from(o: DriftOptions) -> mlops_core::Result<Self> {
        let mut m = serde_json::Map::new();
        let mut set = |k: &str, v: Option<Value>| {
            if let Some(v) = v {
                m.insert(k.to_string(), v);
            }
        };
        set("columns", o.columns.map(Into::into));
        set("method", o.method.map(Value::String));
        set("threshold", o.threshold.map(number));
        set(
            "per_column",
            o.per_column.map(|p| {
                Value::Object(
                    p.into_iter()
                        .map(|(c, x)| {
                            let mut col = serde_json::Map::new();
                            if let Some(method) = x.method {
                                col.insert("method".into(), Value::String(method));
                            }
                            if let Some(t) = x.threshold {
                                col.insert("threshold".into(), number(t));
                            }
                            (c, Value::Object(col))
                        })
                        .collect(),
                )
            }),
        );
        set("drift_share", o.drift_share.map(number));
        set("correction", o.correction.map(Value::String));
        set("null_test", o.null_test.map(Value::Bool));
        set("null_threshold", o.null_threshold.map(number));
        set("null_min_effect", o.null_min_effect.map(number));
        set("include_datetime", o.include_datetime.map(Value::Bool));
        set("significance_guard", o.significance_guard.map(Value::Bool));
        set("significance_level", o.significance_level.map(number));
        let opts: Self = serde_json::from_value(Value::Object(m))
            .map_err(|e| mlops_core::Error::InvalidInput(format!("drift options: {e}")))?;
        opts.validate()?;
        Ok(opts)
    }
}

/// One gate rule's outcome.
#[napi(object)]
pub struct RuleResult {
    /// The rule as written.
    pub rule: String,
    /// The left side's value.
    pub left: f64,
    /// The operator.
    pub op: String,
    /// The right side's value.
    pub right: f64,
    /// Whether the rule holds.
    pub passed: bool,
    /// The metrics the rule read, with their values.
    pub metrics: BTreeMap<String, f64>,
}

/// A gate's outcome: every rule, and whether all passed.
#[napi(object)]
pub struct GateReport {
    /// Whether every rule held.
    pub passed: bool,
    /// Per rule, in order.
    pub rules: Vec<RuleResult>,
}

impl From<mlops_core::validate::GateReport> for GateReport {
    fn from(g: mlops_core::validate::GateReport) -> Self {
        Self {
            passed: g.passed,
            rules: g
                .rules
                .into_iter()
                .map(|r| RuleResult {
                    rule: r.rule,
                    left: r.left,
                    op: r.op,
                    right: r.right,
                    passed: r.passed,
                    metrics: r.metrics,
                })
                .collect(),
        }
    }
}

impl From<GateReport> for mlops_core::validate::GateReport {
    fn from(g: GateReport) -> Self {
        Self {
            passed: g.passed,
            rules: g
                .rules
                .into_iter()
                .map(|r| mlops_core::validate::RuleResult {
                    rule: r.rule,
                    left: r.left,
                    op: r.op,
                    right: r.right,
                    passed: r.passed,
                    metrics: r.metrics,
                })
                .collect(),
        }
    }
}

/// Options of `validate()`; unset fields take the core's
/// `ValidateOptions::default()`.
#[napi(object)]
pub struct ValidateOptions {
    /// How many unexpected rows each check lists.
    pub unexpected_limit: Option<u32>,
    /// "Now" for freshness checks, in seconds since the Unix epoch.
    pub now: Option<f64>,
}

/// The core's validate options: the caller's, completed by its `Default`.
pub fn validate_options(o: Option<ValidateOptions>) -> mlops_core::validate::ValidateOptions {
    let mut out = mlops_core::validate::ValidateOptions::default();
    if let Some(o) = o {
        if let Some(l) = o.unexpected_limit {
            out.unexpected_limit = l as usize;
        }
        if o.now.is_some() {
            out.now = o.now;
        }
    }
    out
}

/// Options of `Suite.infer()`; unset fields take the core's
/// `InferOptions::default()`.
#[napi(object)]
pub struct InferOptions {
    /// The suite's name.
    pub name: Option<String>,
    /// How far observed ranges are widened (a share of the range).
    pub margin: Option<f64>,
    /// Columns with at most this many distinct values get an `in_set` check.
    pub max_categories: Option<u32>,
}

/// The core's infer options: the caller's, completed by its `Default`.
pub fn infer_options(o: Option<InferOptions>) -> mlops_core::validate::InferOptions {
    let mut out = mlops_core::validate::InferOptions::default();
    if let Some(o) = o {
        if let Some(name) = o.name {
            out.name = name;
        }
        if let Some(m) = o.margin {
            out.margin = m;
        }
        if let Some(m) = o.max_categories {
            out.max_categories = m as usize;
        }
    }
    out
}

/// A serde tree (a package manifest, a signature, a report) handed to
/// JavaScript as the object it describes: napi builds it node by node, so no
/// JSON text crosses. (`serde_json::Value` alone is no napi `TypeName`, which
/// a pooled task's result must be.)
pub struct Tree(pub Value);

impl napi::bindgen_prelude::TypeName for Tree {
    fn type_name() -> &'static str {
        "Object"
    }

    fn value_type() -> napi::ValueType {
        napi::ValueType::Object
    }
}

impl napi::bindgen_prelude::ToNapiValue for Tree {
    unsafe fn to_napi_value(
        env: napi::sys::napi_env,
        val: Self,
    ) -> napi::Result<napi::sys::napi_value> {
        // SAFETY: called by napi with a live environment, as `Value`'s own conversion is.
        unsafe { Value::to_napi_value(env, val.0) }
    }
}

/// A serialisable value as a [`Tree`].
pub fn tree<T: serde::Serialize>(v: &T) -> Tree {
    Tree(serde_json::to_value(v).expect("engine values serialise"))
}

/// Where a run's process ran (see `mlops_core::runs::Source`).
#[napi(object, use_nullable = true)]
pub struct RunSource {
    /// The host's name.
    pub host: String,
    /// The process id.
    pub pid: f64,
    /// The process's start time in clock ticks since boot (Linux).
    #[napi(js_name = "pid_start")]
    pub pid_start: Option<f64>,
    /// The command line, for runs started by `mlops run exec`.
    pub command: Option<Vec<String>>,
    /// The git commit checked out in the working directory, if any.
    #[napi(js_name = "git_commit")]
    pub git_commit: Option<String>,
    /// Whether tracked files differed from that commit.
    #[napi(js_name = "git_dirty")]
    pub git_dirty: Option<bool>,
}

/// A file stored with a run.
#[napi(object)]
pub struct RunArtifact {
    /// Its path within the run's artifacts.
    pub path: String,
    /// BLAKE3 hash of its content.
    pub content: String,
    /// Its size in bytes.
    pub size: f64,
}

/// The summary of one metric series of a run (see
/// `mlops_core::runs::SeriesSummary`), with its name as listings show it
/// (`series`: `loss`, `loss[subset=train]`) and its `mean`. Non-finite
/// values are JavaScript's `NaN` and `±Infinity`.
#[napi(object, use_nullable = true)]
pub struct SeriesSummary {
    /// The series' name (the key, then the context in brackets).
    pub series: String,
    /// The metric's key.
    pub key: String,
    /// The series' context, if any.
    pub context: Option<String>,
    /// Points, NaNs included.
    pub count: f64,
    /// Points whose value is NaN.
    pub nans: f64,
    /// The smallest step.
    #[napi(js_name = "first_step")]
    pub first_step: f64,
    /// The largest step.
    #[napi(js_name = "last_step")]
    pub last_step: f64,
    /// The value at the largest (step, time).
    pub last: f64,
    /// The smallest value that is not NaN.
    pub min: f64,
    /// The largest value that is not NaN.
    pub max: f64,
    /// The sum of the values that are not NaN.
    pub sum: f64,
    /// Their mean.
    pub mean: f64,
}

impl From<&mlops_core::runs::SeriesSummary> for SeriesSummary {
    fn from(s: &mlops_core::runs::SeriesSummary) -> Self {
        Self {
            series: s.series(),
            key: s.key.clone(),
            context: s.context.clone(),
            count: num(s.count),
            nans: num(s.nans),
            first_step: s.first_step as f64,
            last_step: s.last_step as f64,
            last: s.last,
            min: s.min,
            max: s.max,
            sum: s.sum,
            mean: s.mean(),
        }
    }
}

/// One parameter across compared runs (see `mlops_core::runs::ParamRow`).
#[napi(object, use_nullable = true)]
pub struct ParamRow {
    /// The parameter.
    pub key: String,
    /// Its value in each run (null when unset).
    pub values: Vec<Option<String>>,
    /// Whether the values are not all the same.
    pub differs: bool,
}

/// One metric series across compared runs (see `mlops_core::runs::MetricRow`).
#[napi(object, use_nullable = true)]
pub struct MetricRow {
    /// The series (`loss`, `loss[subset=val]`).
    pub series: String,
    /// Its summary in each run (null when a run lacks it).
    pub summaries: Vec<Option<SeriesSummary>>,
}

/// Runs side by side (see `mlops_core::runs::RunComparison`).
#[napi(object, use_nullable = true)]
pub struct RunComparison {
    /// The runs, in the order asked.
    pub runs: Vec<RunInfo>,
    /// Every parameter any of them has.
    pub params: Vec<ParamRow>,
    /// Every metric series any of them has.
    pub metrics: Vec<MetricRow>,
}

impl From<mlops_core::runs::RunComparison> for RunComparison {
    fn from(c: mlops_core::runs::RunComparison) -> Self {
        Self {
            params: c
                .params
                .into_iter()
                .map(|p| ParamRow {
                    key: p.key,
                    values: p.values,
                    differs: p.differs,
                })
                .collect(),
            metrics: c
                .metrics
                .into_iter()
                .map(|m| MetricRow {
                    series: m.series,
                    summaries: m
                        .summaries
                        .iter()
                        .map(|s| s.as_ref().map(Into::into))
                        .collect(),
                })
                .collect(),
            runs: c.runs.into_iter().map(Into::into).collect(),
        }
    }
}

/// What is known of a run (see `mlops_core::runs::RunInfo`); `metrics`
/// lists the series in order of first appearance (the JavaScript layer
/// keys them by `series`).
#[napi(object, use_nullable = true)]
pub struct RunInfo {
    /// Its id.
    pub id: String,
    /// Its experiment.
    pub experiment: String,
    /// Its name, if given.
    pub name: Option<String>,
    /// The run it is nested in, if any.
    pub parent: Option<String>,
    /// `running`, `finished`, `failed`, `killed` or `crashed`.
    pub status: String,
    /// The exit status of its command (`mlops run exec`).
    #[napi(js_name = "exit_code")]
    pub exit_code: Option<i32>,
    /// When it started (Unix milliseconds).
    #[napi(js_name = "start_time")]
    pub start_time: f64,
    /// When it ended, if it has.
    #[napi(js_name = "end_time")]
    pub end_time: Option<f64>,
    /// Who started it.
    pub principal: String,
    /// Where it ran.
    pub source: RunSource,
    /// Its parameters, as text.
    pub params: BTreeMap<String, String>,
    /// Its tags.
    pub tags: BTreeMap<String, String>,
    /// The summary of each series.
    pub metrics: Vec<SeriesSummary>,
    /// Points logged.
    pub points: f64,
    /// The asset versions it used.
    pub inputs: Vec<AssetRef>,
    /// The asset versions it made.
    pub outputs: Vec<AssetRef>,
    /// The monitor's retrain request it answers (`monitor:<name>@<seq>`).
    pub cause: Option<String>,
    /// Its files.
    pub artifacts: Vec<RunArtifact>,
    /// The Parquet files that hold its points.
    pub segments: Vec<String>,
    /// Events in its log.
    pub events: f64,
}

impl From<mlops_core::runs::RunInfo> for RunInfo {
    fn from(r: mlops_core::runs::RunInfo) -> Self {
        Self {
            id: r.id,
            experiment: r.experiment,
            name: r.name,
            parent: r.parent,
            status: r.status.as_str().to_string(),
            exit_code: r.exit_code,
            start_time: num(r.start_time),
            end_time: r.end_time.map(num),
            principal: r.principal,
            source: RunSource {
                host: r.source.host,
                pid: f64::from(r.source.pid),
                pid_start: r.source.pid_start.map(num),
                command: r.source.command,
                git_commit: r.source.git_commit,
                git_dirty: r.source.git_dirty,
            },
            params: r.params,
            tags: r.tags,
            metrics: r.metrics.iter().map(Into::into).collect(),
            points: num(r.points),
            inputs: r.inputs.into_iter().map(Into::into).collect(),
            outputs: r.outputs.into_iter().map(Into::into).collect(),
            cause: r.cause.map(|c| c.to_string()),
            artifacts: r
                .artifacts
                .into_iter()
                .map(|a| RunArtifact {
                    path: a.path,
                    content: a.content.to_string(),
                    size: num(a.size),
                })
                .collect(),
            segments: r.segments.iter().map(ToString::to_string).collect(),
            events: num(r.events),
        }
    }
}
