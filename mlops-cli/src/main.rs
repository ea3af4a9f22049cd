//! `mlops`: the command line over mlops-core. Each subcommand is a thin
//! wrapper over one engine call; errors print their kind and message and
//! exit with status 2 (status 1 is kept for "the check failed", e.g. drift;
//! `mlops drift --fail-on-drift` exits 3 when no column could be tested).

mod package;
mod text;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use mlops_core::drift::{ColumnOptions, Correction, DriftOptions, DriftReport, Method, Verdict};
use mlops_core::{report, Error, Profile};
use text::esc;

/// mlops: versioning, validation, profiling and drift for ML data.
#[derive(Parser)]
#[command(name = "mlops", version, about)]
struct Cli {
    /// The store: a folder path, file://..., memory://, s3://bucket/prefix, gs://bucket/prefix
    /// or az://container/prefix (default: $MLOPS_STORE, else ./.mlops).
    #[arg(long, global = true, env = "MLOPS_STORE", default_value = ".mlops")]
    store: String,
    /// Why: recorded with every registry change this command makes, for the
    /// audit trail (`mlops audit log`). The principal is $MLOPS_PRINCIPAL,
    /// else $USER.
    #[arg(long, global = true, env = "MLOPS_REASON")]
    reason: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Model packages: build, verify, sign, keygen, inspect, push, pull,
    /// from-mlflow, to-mlflow.
    Package {
        #[command(subcommand)]
        command: package::PackageCommand,
    },
    /// Profile a data file (.parquet, .csv, .arrow, .feather, .arrows).
    Profile {
        /// The data file.
        file: PathBuf,
        /// Write the profile as JSON here.
        #[arg(long)]
        json: Option<PathBuf>,
        /// Write the profile as a self-contained HTML page here.
        #[arg(long)]
        html: Option<PathBuf>,
        /// Write the profile in the compact binary format here.
        #[arg(long)]
        bin: Option<PathBuf>,
        /// Print nothing but errors.
        #[arg(long, short)]
        quiet: bool,
    },
    /// Create the store (a folder, by default ./.mlops) if it does not exist.
    Init,
    /// Add a file as the next version of an asset; prints the version number.
    Add {
        /// dataset, model or artifact.
        kind: String,
        /// The asset's name.
        name: String,
        /// The file to store.
        file: PathBuf,
        /// What changed and why.
        #[arg(long, short, default_value = "")]
        message: String,
        /// Metadata as a JSON object.
        #[arg(long, default_value = "{}")]
        meta: String,
    },
    /// Point an alias (production, champion, ...) at a version.
    Alias {
        /// dataset, model or artifact.
        kind: String,
        /// The asset's name.
        name: String,
        /// The alias.
        alias: String,
        /// The version number.
        version: u64,
    },
    /// Show an asset: versions and aliases (with --json, the whole state).
    Show {
        /// dataset, model or artifact.
        kind: String,
        /// The asset's name.
        name: String,
        /// Print the asset as JSON.
        #[arg(long)]
        json: bool,
    },
    /// An asset's history, oldest first: versions with their message, alias
    /// moves, tags, lineage, archive and gates, with who and when.
    Log {
        /// dataset, model or artifact.
        kind: String,
        /// The asset's name.
        name: String,
        /// Print JSON lines (the whole event in `event`).
        #[arg(long)]
        json: bool,
    },
    /// Write a version's content (by number, alias or `latest`), verified.
    Get {
        /// dataset, model or artifact.
        kind: String,
        /// The asset's name.
        name: String,
        /// A version number, an alias or `latest`.
        reference: String,
        /// Write here instead of standard output.
        #[arg(long, short)]
        output: Option<PathBuf>,
    },
    /// Set a tag of a version (or remove it with --remove).
    Tag {
        /// dataset, model or artifact.
        kind: String,
        /// The asset's name.
        name: String,
        /// The version number.
        version: u64,
        /// The tag's key.
        key: String,
        /// The tag's value.
        value: Option<String>,
        /// Remove the tag instead.
        #[arg(long)]
        remove: bool,
    },
    /// Record that a version was made from others: KIND/NAME@VERSION ... .
    Lineage {
        /// The product, as KIND/NAME@VERSION (e.g. model/churn@7).
        product: String,
        /// The inputs, as KIND/NAME@VERSION (e.g. dataset/churn@3).
        #[arg(required = true)]
        inputs: Vec<String>,
        /// The run that made it.
        #[arg(long)]
        run: Option<String>,
        /// The source commit.
        #[arg(long)]
        commit: Option<String>,
    },
    /// Archive an asset (hidden from listings and searches, history kept), or restore it.
    Archive {
        /// dataset, model or artifact.
        kind: String,
        /// The asset's name.
        name: String,
        /// Restore instead.
        #[arg(long)]
        restore: bool,
    },
    /// Check an asset from its log's own events: the hash chain, the
    /// version numbering and every index beside the log. Fails (exit 2) naming
    /// the first object that disagrees.
    Verify {
        /// dataset, model or artifact.
        kind: String,
        /// The asset's name.
        name: String,
    },
    /// The audit trail: every registry change, hash-chained.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// The access policy: roles per principal and asset pattern, protected aliases.
    Policy {
        #[command(subcommand)]
        command: PolicyCommand,
    },
    /// Judge a model version's metrics by gate rules (`auc >= 0.8`,
    /// `auc >= baseline.auc - 0.01`), record the report on the version (a
    /// protected alias may require a passed one) and exit 1 if it failed.
    Gate {
        /// dataset, model or artifact.
        kind: String,
        /// The asset's name.
        name: String,
        /// The version judged.
        version: u64,
        /// The candidate's metrics, a JSON object of numbers.
        #[arg(long)]
        metrics: String,
        /// The baseline's metrics (for rules naming `baseline.`), a JSON object.
        #[arg(long)]
        baseline: Option<String>,
        /// A rule; repeat for more.
        #[arg(long = "rule", required = true)]
        rules: Vec<String>,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
    },
    /// List the assets of a kind.
    List {
        /// dataset, model or artifact.
        kind: String,
        /// Include archived assets.
        #[arg(long)]
        all: bool,
    },
    /// What changed between two versions of a dataset: schema, rows, column statistics.
    Diff {
        /// The dataset's name.
        name: String,
        /// A version number or alias.
        from: String,
        /// A version number or alias (default: latest).
        #[arg(default_value = "latest")]
        to: String,
    },
    /// Search versions: e.g. "kind = 'model' and tags.team = 'risk' and metrics.auc > 0.9".
    Search {
        /// The filter.
        query: String,
        /// Include archived assets.
        #[arg(long)]
        all: bool,
    },
    /// Validate a data file against a suite (a data contract, YAML or JSON).
    ///
    /// Exits 0 when every error-severity check passed, 1 when one failed
    /// (warnings never fail), 2 on errors (a bad suite file, a column that
    /// is not in the data, an unreadable data file).
    Validate {
        /// The data file (.parquet, .csv, .arrow, .feather, .arrows).
        data: PathBuf,
        /// The suite file (.yaml, .yml or .json).
        #[arg(long)]
        suite: PathBuf,
        /// Write the result as a self-contained HTML page here.
        #[arg(long)]
        html: Option<PathBuf>,
        /// Write the result as JSON here.
        #[arg(long)]
        json: Option<PathBuf>,
        /// How many unexpected rows each check lists.
        #[arg(long, default_value_t = 20)]
        unexpected_limit: usize,
        /// Print nothing but errors.
        #[arg(long, short)]
        quiet: bool,
    },
    /// Suites: `mlops suite infer DATA -o suite.yaml`.
    Suite {
        #[command(subcommand)]
        command: SuiteCommand,
    },
    /// Compare a current data set with a reference one, column by column.
    ///
    /// REF and CUR are data files, or two profiles written by `mlops profile`
    /// (`--bin` or `--json`), in which case the report comes from their
    /// sketches. Exits 0 when the data set did not drift, 1 when it did and
    /// `--fail-on-drift` is given, 3 when `--fail-on-drift` is given and no
    /// column could be tested (e.g. the current data has no rows: no
    /// evidence either way, so the gate does not pass), 2 on errors.
    Drift {
        /// The reference data file or profile.
        reference: PathBuf,
        /// The current data file or profile.
        current: PathBuf,
        /// Write the report as a self-contained HTML page here.
        #[arg(long)]
        html: Option<PathBuf>,
        /// Write the report as JSON here.
        #[arg(long)]
        json: Option<PathBuf>,
        /// Exit with status 1 when the data set drifted, 3 when no column
        /// could be tested (for pipeline gates).
        #[arg(long)]
        fail_on_drift: bool,
        /// One method for every column (ks, chisquare, z, wasserstein,
        /// jensenshannon, psi, kl_div, hellinger, anderson, cramer_von_mises,
        /// energy_dist, l_infinity) instead of Evidently's default choice.
        #[arg(long)]
        method: Option<String>,
        /// One threshold for every column instead of the method's default.
        #[arg(long)]
        threshold: Option<f64>,
        /// Per-column method and/or threshold: COLUMN=METHOD, COLUMN=THRESHOLD
        /// or COLUMN=METHOD:THRESHOLD (repeatable).
        #[arg(long = "column-method", value_name = "COLUMN=SPEC")]
        per_column: Vec<String>,
        /// The data set drifts when at least this share of columns drift.
        #[arg(long, default_value_t = 0.5)]
        drift_share: f64,
        /// Multiple-testing correction: none, bonferroni, benjamini_hochberg.
        #[arg(long, default_value = "none")]
        correction: String,
        /// Only these columns (comma-separated).
        #[arg(long, value_delimiter = ',')]
        columns: Option<Vec<String>>,
        /// Do not test the share of missing values.
        #[arg(long)]
        no_null_test: bool,
        /// Test datetime columns too (as numbers).
        #[arg(long)]
        include_datetime: bool,
        /// Print nothing but errors.
        #[arg(long, short)]
        quiet: bool,
    },
}

#[derive(Subcommand)]
enum SuiteCommand {
    /// Infer a suite from trusted data: types, null rates, ranges with a
    /// margin, category sets, lengths, uniqueness.
    Infer {
        /// The data file.
        data: PathBuf,
        /// Write the suite here (.yaml or .json); standard output when absent.
        #[arg(long, short)]
        output: Option<PathBuf>,
        /// The suite's name.
        #[arg(long, default_value = "inferred")]
        name: String,
        /// Widen ranges by this fraction of their width on each side.
        #[arg(long, default_value_t = 0.1)]
        margin: f64,
        /// String columns with at most this many values get an in_set check.
        #[arg(long, default_value_t = 50)]
        max_categories: usize,
    },
}

fn validation_summary(r: &mlops_core::validate::ValidationResult) -> String {
    let st = &r.statistics;
    let mut s = format!(
        "{}: {} of {} checks passed, {} error(s) and {} warning(s) failed, {} rows (suite '{}')\n",
        if r.success { "PASSED" } else { "FAILED" },
        st.successful,
        st.evaluated,
        st.failed_errors,
        st.failed_warnings,
        r.rows,
        r.suite
    );
    s.push_str(&format!(
        "{:>3} {:<7} {:<24} {:<20} {:>18} {:>22}\n",
        "#", "verdict", "check", "columns", "observed", "unexpected"
    ));
    for c in &r.results {
        let verdict = match (c.success, c.severity) {
            (true, _) => "pass",
            (false, mlops_core::validate::Severity::Error) => "FAIL",
            (false, mlops_core::validate::Severity::Warn) => "warn",
        };
        let observed = match &c.observed_value {
            serde_json::Value::Number(n) => n.as_f64().map_or(n.to_string(), |x| format!("{x:.6}")),
            serde_json::Value::Null => "-".into(),
            v => v.to_string(),
        };
        let observed: String = if observed.chars().count() > 18 {
            observed.chars().take(17).collect::<String>() + "…"
        } else {
            observed
        };
        let unexpected = match (c.unexpected_count, c.unexpected_percent) {
            (Some(n), Some(p)) => format!("{n} ({p:.3}%)"),
            _ => "-".into(),
        };
        s.push_str(&format!(
            "{:>3} {:<7} {:<24} {:<20} {:>18} {:>22}\n",
            c.index,
            verdict,
            c.check,
            esc(&c.columns.join(",")),
            observed,
            unexpected
        ));
        if !c.success {
            if let Some(reason) = &c.reason {
                s.push_str(&format!("    reason: {}\n", esc(reason)));
            }
            if !c.partial_unexpected.is_empty() {
                let first: Vec<String> = c
                    .partial_unexpected
                    .iter()
                    .take(5)
                    .map(|u| esc(&format!("row {}: {}", u.row, u.value)).into_owned())
                    .collect();
                s.push_str(&format!("    first unexpected: {}\n", first.join("; ")));
            }
        }
    }
    s
}

/// `KIND/NAME@VERSION`.
fn parse_ref(s: &str) -> Result<mlops_core::registry::AssetRef, Error> {
    let bad = || {
        Error::InvalidInput(format!(
            "'{s}': expected KIND/NAME@VERSION, e.g. dataset/churn@3"
        ))
    };
    let (kind, rest) = s.split_once('/').ok_or_else(bad)?;
    let (name, version) = rest.rsplit_once('@').ok_or_else(bad)?;
    Ok(mlops_core::registry::AssetRef {
        kind: mlops_core::registry::Kind::parse(kind)?,
        name: name.to_string(),
        version: version.parse().map_err(|_| bad())?,
    })
}

fn parse_column_spec(spec: &str) -> Result<(String, ColumnOptions), Error> {
    let bad = || {
        Error::InvalidInput(format!(
            "--column-method '{spec}': expected COLUMN=METHOD, COLUMN=THRESHOLD or COLUMN=METHOD:THRESHOLD"
        ))
    };
    let (col, rest) = spec.rsplit_once('=').ok_or_else(bad)?;
    let mut o = ColumnOptions::default();
    for part in rest.split(':') {
        if let Ok(t) = part.parse::<f64>() {
            o.threshold = Some(t);
        } else {
            o.method = Some(Method::parse(part)?);
        }
    }
    if col.is_empty() {
        return Err(bad());
    }
    Ok((col.to_string(), o))
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Walk every log's hash chain (assets, policy, denials); exit 2 naming
    /// the first broken link. Prints a digest of all logs to keep elsewhere.
    Verify {
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
    },
    /// List events, oldest first: who did what, to what, when and why.
    Log {
        /// Only this principal.
        #[arg(long)]
        principal: Option<String>,
        /// Only this action (version, alias, tag, lineage, archive, gate,
        /// grant, revoke, protect, unprotect, denied).
        #[arg(long)]
        action: Option<String>,
        /// Only targets matching this pattern (model/churn, model/*).
        #[arg(long)]
        target: Option<String>,
        /// Only events at or after this Unix time in milliseconds.
        #[arg(long)]
        since: Option<u64>,
        /// Only events before this Unix time in milliseconds.
        #[arg(long)]
        until: Option<u64>,
        /// Print JSON lines.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
enum PolicyCommand {
    /// Print the grants and protected aliases.
    Show {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Grant a role (reader, writer, approver, admin) to a principal (`*`:
    /// anyone) over assets matching a pattern. The first grant must make an admin over '*'.
    Grant {
        /// Who.
        principal: String,
        /// reader, writer, approver or admin.
        role: String,
        /// Over which assets: `<kind>/<name>` pattern.
        #[arg(default_value = "*")]
        scope: String,
    },
    /// Revoke a grant (same principal, role and scope).
    Revoke {
        /// Who.
        principal: String,
        /// The role.
        role: String,
        /// The scope it was granted over.
        #[arg(default_value = "*")]
        scope: String,
    },
    /// Protect an alias: only a role (approver by default) may move it, and
    /// with --require-gate only to a version with a passed gate report.
    Protect {
        /// The alias.
        alias: String,
        /// Over which assets.
        #[arg(default_value = "*")]
        scope: String,
        /// The role needed.
        #[arg(long, default_value = "approver")]
        role: String,
        /// Require a passed gate report (`mlops gate`).
        #[arg(long)]
        require_gate: bool,
    },
    /// Remove a protection.
    Unprotect {
        /// The alias.
        alias: String,
        /// The scope it was set over.
        #[arg(default_value = "*")]
        scope: String,
    },
}

fn metrics_arg(flag: &str, text: &str) -> Result<std::collections::BTreeMap<String, f64>, Error> {
    serde_json::from_str(text)
        .map_err(|e| Error::InvalidInput(format!("{flag} is not a JSON object of numbers: {e}")))
}

/// What an asset event says beyond its action and target, in a few words.
fn history_detail(e: &mlops_core::governance::AuditRecord) -> String {
    let field = |k: &str| e.event.get(k).and_then(|v| v.as_str()).unwrap_or("");
    let detail = match e.action.as_str() {
        "version" => format!("\"{}\"", field("message")),
        "alias" => field("alias").to_string(),
        "tag" => match e.event.get("value").and_then(|v| v.as_str()) {
            Some(v) => format!("{}={v}", field("key")),
            None => format!("-{}", field("key")),
        },
        "lineage" => {
            let inputs: Vec<String> = e.event["inputs"]
                .as_array()
                .map(|a| {
                    a.iter()
                        .map(|i| {
                            format!(
                                "{}/{}@{}",
                                i["kind"].as_str().unwrap_or(""),
                                i["name"].as_str().unwrap_or(""),
                                i["version"]
                            )
                        })
                        .collect()
                })
                .unwrap_or_default();
            format!("from {}", inputs.join(", "))
        }
        "used_by" => format!(
            "used by {}/{}@{}",
            e.event["by"]["kind"].as_str().unwrap_or(""),
            e.event["by"]["name"].as_str().unwrap_or(""),
            e.event["by"]["version"]
        ),
        "archive" if e.event["archived"] == true => "archived".into(),
        "archive" => "restored".into(),
        "gate" if e.event["passed"] == true => "gate passed".into(),
        "gate" => "gate failed".into(),
        _ => String::new(),
    };
    let detail = match &e.reason {
        Some(r) => format!("{detail}  (reason: {r})"),
        None => detail,
    };
    esc(&detail).into_owned()
}

fn time_ms(ms: u64) -> String {
    let secs = ms / 1000;
    let (days, rem) = (secs / 86_400, secs % 86_400);
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// A profile file written by `mlops profile` (`--bin` or `--json`), if `path` is one.
fn read_profile(path: &PathBuf) -> Result<Option<Profile>, Error> {
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
    match ext {
        "json" | "bin" | "mlprof" => Profile::read_path(path).map(Some),
        _ => Ok(None),
    }
}

fn drift_summary(r: &DriftReport) -> String {
    let mut s = match r.verdict {
        Verdict::NotTested => format!(
            "NOT TESTED: no column could be tested ({} skipped); no verdict on dataset drift\n",
            r.skipped_columns.len()
        ),
        v => format!(
            "{}: {} of {} columns drifted ({:.1}%, threshold {:.0}%)\n",
            if v == Verdict::Drift {
                "DATASET DRIFT"
            } else {
                "no dataset drift"
            },
            r.number_of_drifted_columns,
            r.number_of_columns,
            r.share_of_drifted_columns * 100.0,
            r.options.drift_share * 100.0
        ),
    };
    s.push_str(&format!(
        "{:<16} {:<12} {:<14} {:>12} {:>10} {:>14} {:>8}\n",
        "column", "type", "method", "score", "threshold", "missing", "drifted"
    ));
    for c in &r.columns {
        let missing = c.nulls.as_ref().map_or("-".into(), |n| {
            format!(
                "{:.1}%→{:.1}%",
                n.reference_share * 100.0,
                n.current_share * 100.0
            )
        });
        s.push_str(&format!(
            "{:<16} {:<12} {:<14} {:>12} {:>10} {:>14} {:>8}\n",
            c.column,
            c.column_type,
            c.method.map_or("-", |m| m.name()),
            c.score.map_or("-".into(), |v| format!("{v:.4e}")),
            c.threshold,
            missing,
            if c.drifted { "yes" } else { "no" }
        ));
    }
    for k in &r.skipped_columns {
        s.push_str(&format!("{:<16} not tested: {}\n", k.column, k.reason));
    }
    s
}

fn write(path: &PathBuf, bytes: &[u8]) -> Result<(), Error> {
    // Write to a sibling temporary file and rename, so a failure never leaves
    // a half-written output behind.
    let tmp = path.with_extension(format!(
        "{}.tmp{}",
        path.extension().and_then(|e| e.to_str()).unwrap_or(""),
        std::process::id()
    ));
    std::fs::write(&tmp, bytes).map_err(|e| Error::io(&tmp, e))?;
    std::fs::rename(&tmp, path).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        Error::io(path, e)
    })
}

fn summary(p: &Profile) -> String {
    let mut s = format!("{} rows, {} columns\n", p.row_count(), p.columns().len());
    s.push_str(&format!(
        "{:<16} {:<12} {:>8} {:>12} {:>12} {:>12} {:>12}\n",
        "column", "semantic", "nulls", "distinct", "mean", "p50", "max"
    ));
    let f = |x: Option<f64>| x.map_or("-".to_string(), |v| format!("{v:.4}"));
    for c in p.columns() {
        s.push_str(&format!(
            "{:<16} {:<12} {:>8} {:>12.0} {:>12} {:>12} {:>12}\n",
            c.name(),
            c.semantic_type().as_str(),
            c.null_count(),
            c.distinct_estimate().unwrap_or(0.0),
            f(c.mean()),
            f(c.quantile(0.5)),
            c.max().map_or("-".into(), |m| {
                let t = m.to_string();
                if t.chars().count() > 12 {
                    t.chars().take(11).collect::<String>() + "…"
                } else {
                    t
                }
            }),
        ));
    }
    s
}

fn run(cli: Cli) -> Result<ExitCode, Error> {
    use mlops_core::registry::Kind;
    let store = cli.store;
    let reason = cli.reason;
    let open = |url: &str| -> Result<mlops_core::registry::Registry, Error> {
        let r = mlops_core::registry::Registry::open(url)?;
        Ok(match &reason {
            Some(why) => r.with_reason(why),
            None => r,
        })
    };
    match cli.command {
        Command::Package { command } => package::run(command, &store),
        Command::Init => {
            let s = mlops_core::store::Store::open(&store)?;
            println!("store {}", s.url());
            Ok(ExitCode::SUCCESS)
        }
        Command::Add {
            kind,
            name,
            file,
            message,
            meta,
        } => {
            let kind = Kind::parse(&kind)?;
            let metadata: serde_json::Value = serde_json::from_str(&meta)
                .map_err(|e| Error::InvalidInput(format!("--meta is not JSON: {e}")))?;
            let r = open(&store)?;
            // A data file added as a dataset is committed as data: Parquet
            // with its schema, rows and profile, readable and diffable.
            let v = if kind == Kind::Dataset && mlops_core::io::FileFormat::of(&file).is_ok() {
                r.commit_dataset_path(&name, &file, &message, metadata)?
            } else {
                r.add_file(kind, &name, &file, &message, metadata)?
            };
            println!("{v}");
            Ok(ExitCode::SUCCESS)
        }
        Command::Alias {
            kind,
            name,
            alias,
            version,
        } => {
            open(&store)?.set_alias(Kind::parse(&kind)?, &name, &alias, version)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Log { kind, name, json } => {
            for e in open(&store)?.history(Kind::parse(&kind)?, &name)? {
                if json {
                    println!("{}", serde_json::to_string(&e).expect("records serialise"));
                } else {
                    println!(
                        "{:>5}  {}  {:<12} {:<8} {:<24} {}",
                        e.seq,
                        time_ms(e.time),
                        esc(&e.principal),
                        esc(&e.action),
                        esc(&e.target),
                        history_detail(&e)
                    );
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Show { kind, name, json } => {
            let a = open(&store)?.asset(Kind::parse(&kind)?, &name)?;
            if json {
                println!("{}", serde_json::to_string(&a).expect("assets serialise"));
            } else {
                println!(
                    "{} {}: {} versions",
                    a.kind.as_str(),
                    a.name,
                    a.versions.len()
                );
                for v in &a.versions {
                    println!(
                        "  v{:<5} {:>12} bytes  {}  {}  {}",
                        v.version,
                        v.size,
                        &v.content[..12],
                        esc(&v.principal),
                        esc(&v.message)
                    );
                }
                for (v, tags) in &a.tags {
                    let t: Vec<String> = tags
                        .iter()
                        .map(|(k, x)| format!("{}={}", esc(k), esc(x)))
                        .collect();
                    if !t.is_empty() {
                        println!("  v{v} tags: {}", t.join(" "));
                    }
                }
                for e in &a.inputs {
                    println!(
                        "  v{} made from {}/{}@{}",
                        e.version,
                        e.other.kind.as_str(),
                        e.other.name,
                        e.other.version
                    );
                }
                for e in &a.used_by {
                    println!(
                        "  v{} used by {}/{}@{}",
                        e.version,
                        e.other.kind.as_str(),
                        e.other.name,
                        e.other.version
                    );
                }
                if a.archived {
                    println!("  (archived)");
                }
                for (alias, moves) in &a.aliases {
                    let hist: Vec<String> =
                        moves.iter().map(|m| format!("v{}", m.version)).collect();
                    println!(
                        "  {alias} -> v{} (history: {})",
                        moves.last().map_or(0, |m| m.version),
                        hist.join(" ")
                    );
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Tag {
            kind,
            name,
            version,
            key,
            value,
            remove,
        } => {
            if !remove && value.is_none() {
                return Err(Error::InvalidInput(
                    "give the tag's value, or --remove".into(),
                ));
            }
            let value = if remove { None } else { value.as_deref() };
            open(&store)?.set_tag(Kind::parse(&kind)?, &name, version, &key, value)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Lineage {
            product,
            inputs,
            run,
            commit,
        } => {
            let product = parse_ref(&product)?;
            let inputs = inputs
                .iter()
                .map(|i| parse_ref(i))
                .collect::<Result<Vec<_>, _>>()?;
            open(&store)?.record_lineage(&product, &inputs, run.as_deref(), commit.as_deref())?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Archive {
            kind,
            name,
            restore,
        } => {
            open(&store)?.set_archived(Kind::parse(&kind)?, &name, !restore)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Verify { kind, name } => {
            let events = open(&store)?.verify(Kind::parse(&kind)?, &name)?;
            println!("{kind} '{name}': {events} events, hash chain and indexes intact");
            Ok(ExitCode::SUCCESS)
        }
        Command::Audit {
            command: AuditCommand::Verify { json },
        } => {
            let r = open(&store)?.audit_verify()?;
            if json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&r).expect("reports serialise")
                );
            }
            match &r.broken {
                None => {
                    if !json {
                        println!(
                            "audit trail intact: {} events in {} logs\ndigest {}",
                            r.events, r.logs, r.digest
                        );
                    }
                    Ok(ExitCode::SUCCESS)
                }
                Some(b) => Err(Error::Integrity(format!(
                    "audit trail broken in {}{}: {}",
                    b.log,
                    b.seq.map_or(String::new(), |s| format!(" at event {s}")),
                    b.problem
                ))),
            }
        }
        Command::Audit {
            command:
                AuditCommand::Log {
                    principal,
                    action,
                    target,
                    since,
                    until,
                    json,
                },
        } => {
            let filter = mlops_core::governance::AuditFilter {
                principal,
                action,
                target,
                since,
                until,
            };
            for e in open(&store)?.audit_log(&filter)? {
                if json {
                    println!("{}", serde_json::to_string(&e).expect("records serialise"));
                } else {
                    println!(
                        "{}  {:<10} {:<10} {:<28} {}",
                        time_ms(e.time),
                        esc(&e.principal),
                        esc(&e.action),
                        esc(&e.target),
                        esc(e.reason.as_deref().unwrap_or(""))
                    );
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Policy { command } => {
            use mlops_core::governance::Role;
            let r = open(&store)?;
            match command {
                PolicyCommand::Show { json } => {
                    let p = r.policy()?;
                    if json {
                        println!(
                            "{}",
                            serde_json::to_string_pretty(&p).expect("policies serialise")
                        );
                    } else if !p.enforced() {
                        println!("no grants: the registry is open to every principal");
                    }
                    if !json {
                        for g in &p.grants {
                            println!(
                                "grant    {:<12} {:<9} {}",
                                esc(&g.principal),
                                g.role.as_str(),
                                g.scope
                            );
                        }
                        for x in &p.protections {
                            println!(
                                "protect  {:<12} {:<9} {}{}",
                                x.alias,
                                x.role.as_str(),
                                x.scope,
                                if x.require_gate {
                                    "  (requires a passed gate)"
                                } else {
                                    ""
                                }
                            );
                        }
                    }
                }
                PolicyCommand::Grant {
                    principal,
                    role,
                    scope,
                } => r.grant(&principal, Role::parse(&role)?, &scope)?,
                PolicyCommand::Revoke {
                    principal,
                    role,
                    scope,
                } => r.revoke(&principal, Role::parse(&role)?, &scope)?,
                PolicyCommand::Protect {
                    alias,
                    scope,
                    role,
                    require_gate,
                } => r.protect_alias(&alias, &scope, Role::parse(&role)?, require_gate)?,
                PolicyCommand::Unprotect { alias, scope } => r.unprotect_alias(&alias, &scope)?,
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Gate {
            kind,
            name,
            version,
            metrics,
            baseline,
            rules,
            json,
        } => {
            let candidate = metrics_arg("--metrics", &metrics)?;
            let baseline = baseline
                .map(|b| metrics_arg("--baseline", &b))
                .transpose()?;
            let report = mlops_core::validate::gate(&candidate, baseline.as_ref(), &rules)?;
            open(&store)?.record_gate(Kind::parse(&kind)?, &name, version, &report)?;
            if json {
                println!("{}", report.to_json());
            } else {
                println!(
                    "gate {} for {kind} '{name}' v{version}",
                    if report.passed { "PASSED" } else { "FAILED" }
                );
            }
            Ok(if report.passed {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
        Command::List { kind, all } => {
            for n in open(&store)?.list(Kind::parse(&kind)?, all)? {
                println!("{n}");
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Diff { name, from, to } => {
            let d = open(&store)?.diff_datasets(&name, &from, &to)?;
            println!(
                "dataset {name}: v{} -> v{}, rows {} -> {}",
                d.from, d.to, d.rows.0, d.rows.1
            );
            for (c, t) in &d.added {
                println!("  + {c} ({t})");
            }
            for (c, t) in &d.removed {
                println!("  - {c} ({t})");
            }
            for (c, a, b) in &d.retyped {
                println!("  ~ {c}: {a} -> {b}");
            }
            let f = |x: Option<f64>| x.map_or("-".to_string(), |v| format!("{v:.4}"));
            for c in &d.columns {
                println!(
                    "  {}: nulls {} -> {}, mean {} -> {}, std {} -> {}",
                    c.column,
                    c.nulls.0,
                    c.nulls.1,
                    f(c.mean.0),
                    f(c.mean.1),
                    f(c.std.0),
                    f(c.std.1)
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Search { query, all } => {
            for hit in open(&store)?.search(&query, all)? {
                println!("{hit}");
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Get {
            kind,
            name,
            reference,
            output,
        } => {
            let r = open(&store)?;
            let kind = Kind::parse(&kind)?;
            match output {
                Some(out) => {
                    // Streamed to a sibling temporary file, renamed when complete and verified.
                    let tmp = out.with_extension(format!("tmp{}", std::process::id()));
                    let f = std::fs::File::create(&tmp).map_err(|e| Error::io(&tmp, e))?;
                    let done = r.get_to(kind, &name, &reference, std::io::BufWriter::new(f));
                    match done {
                        Ok(_) => std::fs::rename(&tmp, &out).map_err(|e| Error::io(&out, e))?,
                        Err(e) => {
                            let _ = std::fs::remove_file(&tmp);
                            return Err(e);
                        }
                    }
                }
                None => {
                    r.get_to(kind, &name, &reference, std::io::stdout().lock())?;
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Profile {
            file,
            json,
            html,
            bin,
            quiet,
        } => {
            let p = mlops_core::profile_path(&file)?;
            if let Some(out) = json {
                write(&out, p.to_json().as_bytes())?;
            }
            if let Some(out) = html {
                write(&out, report::profile_html(&p).as_bytes())?;
            }
            if let Some(out) = bin {
                write(&out, &p.to_bytes())?;
            }
            if !quiet {
                print!("{}", summary(&p));
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Validate {
            data,
            suite,
            html,
            json,
            unexpected_limit,
            quiet,
        } => {
            use mlops_core::validate::{validate_path, Suite, ValidateOptions};
            let suite = Suite::load(&suite)?;
            let opts = ValidateOptions {
                unexpected_limit,
                ..ValidateOptions::default()
            };
            let r = validate_path(&suite, &data, &opts)?;
            if let Some(out) = json {
                write(&out, r.to_json().as_bytes())?;
            }
            if let Some(out) = html {
                write(&out, report::validation_html(&r).as_bytes())?;
            }
            if !quiet {
                print!("{}", validation_summary(&r));
            }
            Ok(if r.success {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
        Command::Suite {
            command:
                SuiteCommand::Infer {
                    data,
                    output,
                    name,
                    margin,
                    max_categories,
                },
        } => {
            use mlops_core::validate::{InferOptions, Suite};
            let opts = InferOptions {
                name,
                margin,
                max_categories,
            };
            let s = Suite::infer_path(&data, &opts)?;
            match output {
                Some(out) => {
                    let text = if out.extension().and_then(|e| e.to_str()) == Some("json") {
                        s.to_json()
                    } else {
                        s.to_yaml()
                    };
                    write(&out, text.as_bytes())?;
                    eprintln!("{} checks written to {}", s.checks.len(), out.display());
                }
                None => print!("{}", s.to_yaml()),
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Drift {
            reference,
            current,
            html,
            json,
            fail_on_drift,
            method,
            threshold,
            per_column,
            drift_share,
            correction,
            columns,
            no_null_test,
            include_datetime,
            quiet,
        } => {
            let mut opts = DriftOptions {
                columns,
                method: method.as_deref().map(Method::parse).transpose()?,
                threshold,
                drift_share,
                correction: Correction::parse(&correction)?,
                null_test: !no_null_test,
                include_datetime,
                ..DriftOptions::default()
            };
            for spec in &per_column {
                let (col, o) = parse_column_spec(spec)?;
                opts.per_column.insert(col, o);
            }
            let r = match (read_profile(&reference)?, read_profile(&current)?) {
                (Some(a), Some(b)) => mlops_core::drift::drift_profiles(&a, &b, &opts)?,
                (None, None) => mlops_core::drift::drift_paths(&reference, &current, &opts)?,
                _ => {
                    return Err(Error::InvalidInput(
                        "compare two data files or two profiles, not one of each".into(),
                    ))
                }
            };
            if let Some(out) = json {
                write(&out, r.to_json().as_bytes())?;
            }
            if let Some(out) = html {
                write(&out, report::drift_html(&r).as_bytes())?;
            }
            if !quiet {
                print!("{}", drift_summary(&r));
            }
            Ok(match (fail_on_drift, r.verdict) {
                (true, Verdict::Drift) => ExitCode::from(1),
                (true, Verdict::NotTested) => ExitCode::from(3),
                _ => ExitCode::SUCCESS,
            })
        }
    }
}

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("mlops: error [{}]: {e}", e.code());
            ExitCode::from(2)
        }
    }
}
