//! The command line's grammar: every command, flag and typed value. Closed
//! sets (kinds, roles, drift methods, corrections, flavors) are parsed by
//! the core's own parser, so its error message is kept, and listed in
//! `--help` by the core's own names (see [`values`]). Defaults come from
//! the core's `Default` impls and constants only (the test
//! `every_default_is_the_cores` checks each one); an unset message is
//! `None`, made the empty text by `mlops_core::unset::message`.

mod values;

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};
use mlops_core::drift::{Correction, DriftOptions, Method};
use mlops_core::governance::Role;
use mlops_core::monitor::Task;
use mlops_core::package::{ExportTarget, Flavor};
use mlops_core::registry::{AssetRef, Kind};
use mlops_core::validate::{InferOptions, ValidateOptions};

pub use values::ColumnSpec;
use values::{
    asset_ref, column_spec, corrections, dataset_version, export_targets, flavors, key_value,
    kinds, methods, roles, tasks, ui_token,
};

/// mlops: versioning, validation, profiling and drift for ML data.
#[derive(Parser)]
#[command(name = "mlops", version, about)]
pub struct Cli {
    /// The store: a folder path, file://..., memory://, s3://bucket/prefix, gs://bucket/prefix
    /// or az://container/prefix (default: $MLOPS_STORE, else ./.mlops).
    #[arg(long, global = true, env = mlops_core::unset::STORE_ENV, default_value = mlops_core::store::DEFAULT_STORE)]
    pub store: String,
    /// Why: recorded with every registry change this command makes, for the
    /// audit trail (`mlops audit log`). The principal is $MLOPS_PRINCIPAL,
    /// else $USER.
    #[arg(long, global = true, env = "MLOPS_REASON")]
    pub reason: Option<String>,
    /// The command.
    #[command(subcommand)]
    pub command: Command,
}

/// Every command, by group: each group has one `run` in `commands/`.
#[derive(Subcommand)]
pub enum Command {
    /// Versions, aliases, tags, lineage and searches.
    #[command(flatten)]
    Registry(RegistryCommand),
    /// The audit trail: every registry change, hash-chained.
    Audit {
        /// The audit command.
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// The access policy: roles per principal and asset pattern, protected aliases.
    Policy {
        /// The policy command.
        #[command(subcommand)]
        command: PolicyCommand,
    },
    /// Judge a model version's metrics by gate rules (`auc >= 0.8`,
    /// `auc >= baseline.auc - 0.01`), record the report on the version (a
    /// protected alias may require a passed one) and exit 1 if it failed.
    Gate(GateArgs),
    /// Profiling, validation, suites and dataset diffs.
    #[command(flatten)]
    Data(DataCommand),
    /// Compare a current data set with a reference one, column by column.
    ///
    /// REF and CUR are data files, or two profiles written by `mlops profile`
    /// (`--bin` or `--json`), in which case the report comes from their
    /// sketches. Exits 0 when the data set did not drift, 1 when it did and
    /// `--fail-on-drift` is given, also 1 when `--fail-on-drift` is given and
    /// no column could be tested (verdict not_tested: e.g. the current data
    /// has no rows, no evidence either way, so the gate does not pass), 2 on
    /// errors.
    Drift(DriftArgs),
    /// Keyed profiles: a data set's slices profiled once, merged without the data.
    ///
    /// The profile of each slice (a partition date, a batch) is saved under
    /// its key; the profiles of several keys merge into the profile of their
    /// rows ("the last 7 days") without reading the data again.
    Profiles {
        /// The profiles command.
        #[command(subcommand)]
        command: ProfilesCommand,
    },
    /// Run a command as a tracked run: `mlops run exec -- python train.py`.
    Run {
        /// The run command.
        #[command(subcommand)]
        command: RunCommand,
    },
    /// Experiment runs: list, show, history, verify.
    Runs {
        /// The runs command.
        #[command(subcommand)]
        command: RunsCommand,
    },
    /// Production monitoring: a deployed model's traffic in event-time
    /// windows, with data quality, drift against a reference and labels
    /// joined late.
    Monitor {
        /// The monitor command.
        #[command(subcommand)]
        command: MonitorCommand,
    },
    /// The registry's change feed: every version, alias, tag and archive
    /// event after a cursor, in log order, as JSON lines; a watch that
    /// waits for new ones; a dispatcher that posts them to a webhook.
    Feed {
        /// The feed command.
        #[command(subcommand)]
        command: FeedCommand,
    },
    /// Model packages: build, verify, sign, keygen, inspect, push, pull,
    /// from-mlflow, to-mlflow.
    Package {
        /// The package command.
        #[command(subcommand)]
        command: PackageCommand,
    },
    /// Browse the store in a web browser: the catalogue, assets and their
    /// lineage, runs and their charts, monitors, reports and governance
    /// (see docs/ui.md). Prints its URL, then serves until stopped.
    Ui(UiArgs),
    /// Garbage collection: `plan` (a dry run: what would be deleted, how
    /// many bytes, why) and `apply` (deletes exactly what a plan lists,
    /// after checking again).
    Gc {
        /// The gc command.
        #[command(subcommand)]
        command: GcCommand,
    },
    /// Expire the versions a retention rule does not keep (an `expire`
    /// event in the asset's log); aliased, tagged, lineage-referenced and
    /// pinned versions and the newest are kept. Prints the versions expired.
    Expire {
        /// The asset's kind.
        #[arg(value_parser = kinds())]
        kind: Kind,
        /// The asset's name.
        name: String,
        /// Keep the newest N versions.
        #[arg(long, value_name = "N")]
        keep_last: Option<u64>,
        /// Keep versions made within this long (30d, 12h, 90m).
        #[arg(long, value_name = "DURATION")]
        keep_within: Option<String>,
    },
    /// Pin a version (kept by every retention rule), or unpin it.
    Pin {
        /// The asset's kind.
        #[arg(value_parser = kinds())]
        kind: Kind,
        /// The asset's name.
        name: String,
        /// The version.
        version: u64,
        /// Unpin instead.
        #[arg(long)]
        unpin: bool,
    },
    /// Check the store's blobs: orphans (nothing names them) and missing
    /// ones (named but absent). Exits 1 when something is missing.
    Fsck {
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
    },
}

/// `mlops ui`'s flags.
#[derive(Args)]
pub struct UiArgs {
    /// The address to listen on; anything but a loopback address needs --token.
    #[arg(long, default_value = mlops_ui::DEFAULT_HOST)]
    pub host: String,
    /// The port (0 picks a free one).
    #[arg(long, default_value_t = mlops_ui::DEFAULT_PORT)]
    pub port: u16,
    /// A secret every request must carry, PRINCIPAL=SECRET (writes are made
    /// as PRINCIPAL) or SECRET; repeat for several. Open /?token=SECRET once
    /// in the browser, or send `Authorization: Bearer SECRET`.
    #[arg(long = "token", value_name = "[PRINCIPAL=]SECRET", env = mlops_ui::TOKEN_ENV, hide_env_values = true, value_parser = ui_token)]
    pub tokens: Vec<mlops_ui::Token>,
    /// Allow alias moves, tags and archiving from the pages (through the
    /// policy, as the token's principal); read-only without it.
    #[arg(long)]
    pub allow_writes: bool,
}

/// The collector's commands.
#[derive(Subcommand)]
pub enum GcCommand {
    /// A dry run: every blob that would be deleted, its bytes and why
    /// (never_referenced, expired_only), with the total.
    Plan {
        /// Keep unreferenced blobs younger than this (default 7d).
        #[arg(long, value_name = "DURATION")]
        grace: Option<String>,
        /// Allow a grace period below 1 hour (a writer still uploading
        /// could lose its content).
        #[arg(long = "unsafe")]
        unsafe_grace: bool,
        /// Print the plan as JSON.
        #[arg(long)]
        json: bool,
        /// Write the plan (JSON) to this file, for `mlops gc apply`.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
    /// Delete what a plan lists that is still unreferenced and old enough.
    Apply {
        /// The plan file written by `mlops gc plan --out`.
        plan: PathBuf,
        /// Print the result as JSON.
        #[arg(long)]
        json: bool,
    },
}

/// The registry's commands: assets, versions and their history.
#[derive(Subcommand)]
pub enum RegistryCommand {
    /// Create the store (a folder, by default ./.mlops) if it does not exist.
    Init,
    /// Add a file, or a folder of files, as the next version of an asset;
    /// prints the version number.
    Add {
        /// The asset's kind.
        #[arg(value_parser = kinds())]
        kind: Kind,
        /// The asset's name.
        name: String,
        /// The file (or folder) to store.
        file: PathBuf,
        /// What changed and why.
        #[arg(long, short)]
        message: Option<String>,
        /// Metadata as a JSON object.
        #[arg(long)]
        meta: Option<String>,
    },
    /// Point an alias (production, champion, ...) at a version; `mlops
    /// alias history KIND NAME ALIAS` lists its moves.
    #[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
    Alias {
        /// `history`: every move of an alias.
        #[command(subcommand)]
        command: Option<AliasCommand>,
        /// The asset's kind.
        #[arg(value_parser = kinds(), required = true)]
        kind: Option<Kind>,
        /// The asset's name.
        #[arg(required = true)]
        name: Option<String>,
        /// The alias.
        #[arg(required = true)]
        alias: Option<String>,
        /// The version number.
        #[arg(required = true)]
        version: Option<u64>,
    },
    /// Show an asset: versions and aliases (with --json, the whole state).
    Show {
        /// The asset's kind.
        #[arg(value_parser = kinds())]
        kind: Kind,
        /// The asset's name.
        name: String,
        /// Print the asset as JSON.
        #[arg(long)]
        json: bool,
    },
    /// An asset's history, oldest first: versions with their message, alias
    /// moves, tags, lineage, archive and gates, with who and when.
    Log {
        /// The asset's kind.
        #[arg(value_parser = kinds())]
        kind: Kind,
        /// The asset's name.
        name: String,
        /// Print JSON lines (the whole event in `event`).
        #[arg(long)]
        json: bool,
    },
    /// Write a version's content (by number, alias or `latest`), verified.
    Get {
        /// The asset's kind.
        #[arg(value_parser = kinds())]
        kind: Kind,
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
        /// The asset's kind.
        #[arg(value_parser = kinds())]
        kind: Kind,
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
        #[arg(value_parser = asset_ref)]
        product: AssetRef,
        /// The inputs, as KIND/NAME@VERSION (e.g. dataset/churn@3).
        #[arg(required_unless_present = "cause", value_parser = asset_ref)]
        inputs: Vec<AssetRef>,
        /// The run that made it.
        #[arg(long)]
        run: Option<String>,
        /// The source commit.
        #[arg(long)]
        commit: Option<String>,
        /// The monitor's retrain request it answers, monitor:NAME@SEQ.
        #[arg(long, value_name = "CAUSE")]
        cause: Option<String>,
    },
    /// Archive an asset (hidden from listings and searches, history kept), or restore it.
    Archive {
        /// The asset's kind.
        #[arg(value_parser = kinds())]
        kind: Kind,
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
        /// The asset's kind.
        #[arg(value_parser = kinds())]
        kind: Kind,
        /// The asset's name.
        name: String,
    },
    /// List the assets of a kind.
    List {
        /// The assets' kind.
        #[arg(value_parser = kinds())]
        kind: Kind,
        /// Include archived assets.
        #[arg(long)]
        all: bool,
    },
    /// Search versions: e.g. "kind = 'model' and tags.team = 'risk' and metrics.auc > 0.9".
    ///
    /// With --limit or --page-token, one page; the next page's token is
    /// printed last, on standard error, as `next page token: <token>`.
    Search {
        /// The filter.
        query: String,
        /// Include archived assets.
        #[arg(long)]
        all: bool,
        /// At most this many hits (one page).
        #[arg(long)]
        limit: Option<usize>,
        /// Start after the hit this token (from the page before) names.
        #[arg(long)]
        page_token: Option<String>,
    },
    /// What changed in a folder since a version of an asset added from a
    /// folder: paths added, removed and changed (only files whose stat
    /// changed are read).
    Status {
        /// The asset's kind.
        #[arg(value_parser = kinds())]
        kind: Kind,
        /// The asset's name.
        name: String,
        /// The folder.
        dir: PathBuf,
        /// A version number, an alias or `latest`.
        #[arg(default_value = mlops_core::registry::LATEST)]
        reference: String,
        /// Print the result as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Restore a version of an asset added from a folder into DEST,
    /// byte-identical (every file checked against its hash).
    Checkout {
        /// The asset's kind.
        #[arg(value_parser = kinds())]
        kind: Kind,
        /// The asset's name.
        name: String,
        /// The folder to write (created if missing).
        dest: PathBuf,
        /// A version number, an alias or `latest`.
        #[arg(default_value = mlops_core::registry::LATEST)]
        reference: String,
    },
    /// What changed, per path, between two versions of an asset added from folders.
    DiffFiles {
        /// The asset's kind.
        #[arg(value_parser = kinds())]
        kind: Kind,
        /// The asset's name.
        name: String,
        /// A version number or alias.
        from: String,
        /// A version number or alias (default: latest).
        #[arg(default_value = mlops_core::registry::LATEST)]
        to: String,
        /// Print the result as JSON.
        #[arg(long)]
        json: bool,
    },
}

/// `mlops alias`'s subcommands.
#[derive(Subcommand)]
pub enum AliasCommand {
    /// Every move of an alias, oldest first: version, who, when, why.
    History {
        /// The asset's kind.
        #[arg(value_parser = kinds())]
        kind: Kind,
        /// The asset's name.
        name: String,
        /// The alias.
        alias: String,
        /// One JSON object per line.
        #[arg(long)]
        json: bool,
    },
}

/// `mlops gate`'s arguments.
#[derive(Args)]
pub struct GateArgs {
    /// The asset's kind.
    #[arg(value_parser = kinds())]
    pub kind: Kind,
    /// The asset's name.
    pub name: String,
    /// The version judged.
    pub version: u64,
    /// The candidate's metrics, a JSON object of numbers.
    #[arg(long)]
    pub metrics: String,
    /// The baseline's metrics (for rules naming `baseline.`), a JSON object.
    #[arg(long)]
    pub baseline: Option<String>,
    /// A rule; repeat for more.
    #[arg(long = "rule", required = true)]
    pub rules: Vec<String>,
    /// Print the report as JSON.
    #[arg(long, conflicts_with = "json_line")]
    pub json: bool,
    /// Write the report as JSON here.
    #[arg(long, value_name = "PATH")]
    pub report_json: Option<std::path::PathBuf>,
    /// The pipeline-step flags.
    #[command(flatten)]
    pub step: StepArgs,
}

/// What every pipeline step (`validate`, `drift`, `gate`, `package verify`,
/// `monitor check`) takes: the contract of docs/orchestration.md.
#[derive(Args, Clone, Default)]
pub struct StepArgs {
    /// Print the verdict as one JSON line on standard output (`step`,
    /// `passed`, the step's figures, `outputs`) instead of the summary;
    /// on an error, a line with `error` (exit 2).
    #[arg(long)]
    pub json_line: bool,
    /// Write `passed` and each figure of the verdict to a file of its name
    /// in this folder (for Argo's valueFrom.path and Kubeflow outputs).
    #[arg(long, value_name = "DIR")]
    pub outputs_dir: Option<PathBuf>,
    /// Exit 0 when the check fails (instead of 1), to gate on the outputs
    /// alone; errors still exit 2.
    #[arg(long)]
    pub exit_zero: bool,
}

/// Commands over data files and dataset versions.
#[derive(Subcommand)]
pub enum DataCommand {
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
    /// What changed between two versions of a dataset: schema, rows, column
    /// statistics; with --key, row by row (added, removed, changed rows).
    Diff {
        /// The dataset's name.
        name: String,
        /// A version number or alias.
        from: String,
        /// A version number or alias (default: latest).
        #[arg(default_value = mlops_core::registry::LATEST)]
        to: String,
        /// Key column(s) to match rows by (repeat, or separate with commas).
        #[arg(long, value_delimiter = ',')]
        key: Vec<String>,
        /// With --key: write added.parquet, removed.parquet, changed.parquet
        /// and summary.json into this folder.
        #[arg(long, requires = "key")]
        out: Option<PathBuf>,
        /// With --key: print the summary as JSON.
        #[arg(long, requires = "key")]
        json: bool,
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
        #[arg(long, visible_alias = "report-html")]
        html: Option<PathBuf>,
        /// Write the result as JSON here.
        #[arg(long, visible_alias = "report-json")]
        json: Option<PathBuf>,
        /// How many unexpected rows each check lists.
        #[arg(long, default_value_t = ValidateOptions::default().unexpected_limit)]
        unexpected_limit: usize,
        /// Print nothing but errors.
        #[arg(long, short)]
        quiet: bool,
        /// The pipeline-step flags.
        #[command(flatten)]
        step: StepArgs,
    },
    /// Suites: `mlops suite infer DATA -o suite.yaml`.
    Suite {
        /// The suite command.
        #[command(subcommand)]
        command: SuiteCommand,
    },
}

/// `mlops suite ...`.
#[derive(Subcommand)]
pub enum SuiteCommand {
    /// Infer a suite from trusted data: types, null rates, ranges with a
    /// margin, category sets, lengths, uniqueness.
    Infer {
        /// The data file.
        data: PathBuf,
        /// Write the suite here (.yaml or .json); standard output when absent.
        #[arg(long, short)]
        output: Option<PathBuf>,
        /// The suite's name.
        #[arg(long, default_value_t = InferOptions::default().name)]
        name: String,
        /// Widen ranges by this fraction of their width on each side.
        #[arg(long, default_value_t = InferOptions::default().margin)]
        margin: f64,
        /// String columns with at most this many values get an in_set check.
        #[arg(long, default_value_t = InferOptions::default().max_categories)]
        max_categories: usize,
    },
}

/// `mlops drift`'s arguments.
#[derive(Args)]
pub struct DriftArgs {
    /// The reference data file or profile.
    pub reference: PathBuf,
    /// The current data file or profile.
    pub current: PathBuf,
    /// Write the report as a self-contained HTML page here.
    #[arg(long, visible_alias = "report-html")]
    pub html: Option<PathBuf>,
    /// Write the report as JSON here.
    #[arg(long, visible_alias = "report-json")]
    pub json: Option<PathBuf>,
    /// Exit with status 1 when the data set drifted or no column could be
    /// tested (for pipeline gates).
    #[arg(long)]
    pub fail_on_drift: bool,
    /// One method for every column instead of Evidently's default choice.
    #[arg(long, value_parser = methods())]
    pub method: Option<Method>,
    /// One threshold for every column instead of the method's default.
    #[arg(long)]
    pub threshold: Option<f64>,
    /// Per-column method and/or threshold: COLUMN=METHOD, COLUMN=THRESHOLD
    /// or COLUMN=METHOD:THRESHOLD (repeatable).
    #[arg(long = "column-method", value_name = "COLUMN=SPEC", value_parser = column_spec)]
    pub per_column: Vec<ColumnSpec>,
    /// The data set drifts when at least this share of columns drift.
    #[arg(long, default_value_t = DriftOptions::default().drift_share)]
    pub drift_share: f64,
    /// Multiple-testing correction.
    #[arg(long, value_parser = corrections(), default_value = DriftOptions::default().correction.as_str())]
    pub correction: Correction,
    /// Only these columns (comma-separated).
    #[arg(long, value_delimiter = ',')]
    pub columns: Option<Vec<String>>,
    /// Do not test the share of missing values.
    #[arg(long)]
    pub no_null_test: bool,
    /// Test datetime columns too (as numbers).
    #[arg(long)]
    pub include_datetime: bool,
    /// Print nothing but errors.
    #[arg(long, short)]
    pub quiet: bool,
    /// The pipeline-step flags.
    #[command(flatten)]
    pub step: StepArgs,
}

/// `mlops profiles ...`.
#[derive(Subcommand)]
pub enum ProfilesCommand {
    /// Save the profile of a slice of a data set under a key (a new version
    /// of the asset profile/NAME; saving a key again supersedes its
    /// profile); prints the version number.
    Save {
        /// The data set's name.
        name: String,
        /// The slice's key (a partition date, a batch id).
        #[arg(long)]
        key: String,
        /// A data file (.parquet, .csv, .arrow, .feather, .arrows), profiled,
        /// or a profile written by `mlops profile` (.bin, .mlprof or .json).
        file: PathBuf,
    },
    /// The keys a data set has profiles under, sorted, one per line.
    Keys {
        /// The data set's name.
        name: String,
        /// Print the keys as a JSON array.
        #[arg(long)]
        json: bool,
    },
    /// The profile last saved under a key: its summary, or the profile
    /// written to a file with --out.
    Load {
        /// The data set's name.
        name: String,
        /// The slice's key.
        #[arg(long)]
        key: String,
        /// Write the profile here instead (JSON for a .json file, else the
        /// compact binary format).
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// The profile of the slices saved under several keys, merged without
    /// the data: its summary, or the profile written to a file with --out.
    Merge {
        /// The data set's name.
        name: String,
        /// A slice's key; repeat for each slice.
        #[arg(long = "key", required = true)]
        keys: Vec<String>,
        /// Write the profile here instead (JSON for a .json file, else the
        /// compact binary format).
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

/// `mlops run ...`.
#[derive(Subcommand)]
pub enum RunCommand {
    /// Run CMD as a run: records the command, its exit status, the git
    /// commit and dirty state, the host and the principal. The command gets
    /// MLOPS_RUN_ID and MLOPS_STORE, so a run it starts (`mlops.start_run`,
    /// `startRun`) is this run. The run ends `finished` when CMD exits 0,
    /// `failed` on another status and `killed` when a signal ends it; mlops
    /// exits with CMD's status (128 + the signal's number for a signal).
    /// The run's id is printed on standard error.
    Exec {
        /// The experiment (default: the core's `default`).
        #[arg(long)]
        experiment: Option<String>,
        /// A name for the run.
        #[arg(long)]
        name: Option<String>,
        /// A parameter, KEY=VALUE; repeat for each.
        #[arg(long = "param", value_parser = key_value)]
        params: Vec<(String, String)>,
        /// A tag, KEY=VALUE; repeat for each.
        #[arg(long = "tag", value_parser = key_value)]
        tags: Vec<(String, String)>,
        /// Sample the machine's CPU, memory, disk and network into the run
        /// while CMD runs, under MLflow's `system/...` keys.
        #[arg(long)]
        system_metrics: bool,
        /// How often to sample them, in seconds (default: the core's, 10).
        #[arg(long, value_name = "SECONDS", requires = "system_metrics")]
        system_metrics_interval: Option<f64>,
        /// The monitor's retrain request the run answers,
        /// monitor:NAME@SEQ (a request's `cause` in `mlops monitor check`'s
        /// output): the run and the models it records link back to it.
        #[arg(long, value_name = "CAUSE")]
        cause: Option<String>,
        /// The command and its arguments (after `--`).
        #[arg(required = true, trailing_var_arg = true, allow_hyphen_values = true)]
        command: Vec<String>,
    },
}

/// `mlops runs ...`.
#[derive(Subcommand)]
pub enum RunsCommand {
    /// The runs, newest first: id, experiment, status, start, points.
    List {
        /// Only this experiment's runs.
        #[arg(long)]
        experiment: Option<String>,
        /// One JSON object per run, one per line.
        #[arg(long)]
        json: bool,
    },
    /// The runs matching a query: the filter language with `in (...)`, `is
    /// null`, `metrics.KEY.STAT` (last, min, max, mean, count, ...),
    /// `parent`, `order by FIELD [asc|desc]` and `limit N`.
    Search {
        /// The query: `params.lr in (0.1, 0.01) and metrics.loss.min < 0.3 order by metrics.loss.min limit 5`.
        query: String,
        /// One JSON object per run, one per line.
        #[arg(long)]
        json: bool,
    },
    /// 2 to 10 runs side by side: differing params, metric summaries, and
    /// with --html a page of their metric curves overlaid.
    Compare {
        /// The runs' ids.
        #[arg(required = true, num_args = 2..=10)]
        ids: Vec<String>,
        /// Write the comparison page (self-contained HTML) here.
        #[arg(long)]
        html: Option<PathBuf>,
        /// Print the comparison as JSON.
        #[arg(long)]
        json: bool,
    },
    /// A run: status, source, params, tags, metric summaries, links.
    Show {
        /// The run's id.
        id: String,
        /// Print it as JSON.
        #[arg(long)]
        json: bool,
    },
    /// A metric's points, ordered by (step, time), as CSV (step, time,
    /// value, context).
    History {
        /// The run's id.
        id: String,
        /// The metric's key.
        key: String,
        /// Only this context's points (subset=train).
        #[arg(long)]
        context: Option<String>,
        /// Keep the first, last, smallest and largest point of N step buckets.
        #[arg(long)]
        downsample: Option<usize>,
    },
    /// Check a run: its log's hash chain and every segment and artifact it
    /// names. Exit 2 naming the first object that disagrees.
    Verify {
        /// The run's id.
        id: String,
    },
    /// Write the table of the runs (one row per run, params and metric
    /// summaries as columns) to a Parquet file.
    ExportParquet {
        /// The Parquet file to write (replaced whole).
        path: std::path::PathBuf,
        /// Only the runs matching this query (all when omitted).
        #[arg(long)]
        query: Option<String>,
    },
    /// Write the run table that search reads anew from every run's log.
    Reindex,
    /// Write a run out in another tracker's format: --tensorboard DIR
    /// writes TensorBoard event files (one per context, a context's in the
    /// subdirectory named by it; values as 32-bit floats).
    #[command(group(clap::ArgGroup::new("format").required(true)))]
    Export {
        /// Write TensorBoard event files under this directory.
        #[arg(long, value_name = "DIR", group = "format")]
        tensorboard: Option<PathBuf>,
        /// The run's id.
        id: String,
    },
    /// Bring runs in from another tracker: --mlflow an MLflow tracking
    /// store (an mlruns folder or sqlite:///mlflow.db; runs imported before
    /// are skipped), or --tensorboard event files (a file, or a directory:
    /// one new run, subdirectories as contexts).
    #[command(group(clap::ArgGroup::new("source").required(true)))]
    Import {
        /// An MLflow tracking store: an mlruns folder, or sqlite:///FILE.
        #[arg(long, value_name = "PATH|URI", group = "source")]
        mlflow: Option<String>,
        /// A TensorBoard event file, or a directory of them.
        #[arg(long, value_name = "PATH", group = "source")]
        tensorboard: Option<PathBuf>,
        /// The experiment of every imported run (MLflow: each experiment's
        /// own name when not given).
        #[arg(long)]
        experiment: Option<String>,
        /// The imported run's name (TensorBoard; the file or directory name
        /// when not given).
        #[arg(long, requires = "tensorboard")]
        name: Option<String>,
        /// Print what was imported as one JSON line.
        #[arg(long)]
        json: bool,
    },
}

/// `mlops monitor ...`.
// Parsed once per process: the size of `Create`'s settings costs nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Subcommand)]
pub enum MonitorCommand {
    /// Create a monitor. Durations are a whole number and a unit: 90s,
    /// 15m, 1h, 2d, 1w. Every option not given takes the engine's default;
    /// the settings are printed with the defaults filled in.
    Create {
        /// The monitor's name.
        name: String,
        /// The event-time column (a timestamp or a date).
        #[arg(long)]
        timestamp: String,
        /// The data set version windows are compared with:
        /// [dataset/]NAME@VERSION (a number, an alias or `latest`).
        #[arg(long, value_name = "NAME@VERSION", value_parser = dataset_version)]
        reference: Option<(String, String)>,
        /// Window length.
        #[arg(long, value_name = "DURATION")]
        window: Option<String>,
        /// The model's output column (a score for binary tasks).
        #[arg(long, value_name = "COLUMN")]
        prediction: Option<String>,
        /// The label column (in labels given later, and in the reference).
        #[arg(long, value_name = "COLUMN")]
        target: Option<String>,
        /// The prediction id column, to join labels that arrive later.
        #[arg(long, value_name = "COLUMN")]
        id: Option<String>,
        /// A column whose values cut each window into segments; repeat for each.
        #[arg(long = "segment", value_name = "COLUMN")]
        segments: Vec<String>,
        /// The most segments kept apart (rows of further ones count as `__other__`).
        #[arg(long, value_name = "N")]
        max_segments: Option<usize>,
        /// How long after its end a window still takes late rows.
        #[arg(long, value_name = "DURATION")]
        allowed_lateness: Option<String>,
        /// How far past the clock an event time may be.
        #[arg(long, value_name = "DURATION")]
        future_tolerance: Option<String>,
        /// How long kept predictions wait for their labels.
        #[arg(long, value_name = "DURATION")]
        prediction_retention: Option<String>,
        /// What the predictions are.
        #[arg(long, value_parser = tasks())]
        task: Option<Task>,
        /// The positive-class score of binary tasks.
        #[arg(long)]
        threshold: Option<f64>,
        /// Drift options as a JSON object (the keys of `mlops drift`'s
        /// options: method, threshold, drift_share, correction, ...).
        #[arg(long, value_name = "JSON")]
        drift: Option<String>,
        /// A validation suite file (YAML or JSON) every window and segment
        /// is checked with: its verdicts are the `suite.*` window fields.
        #[arg(long, value_name = "FILE")]
        suite: Option<std::path::PathBuf>,
        /// Print the settings as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Log a data file (.parquet, .csv, .arrow, .feather, .arrows) of what
    /// the model saw and predicted. Rows without an event time, dated past
    /// the clock by more than the tolerance, or of a window already final
    /// are counted in the results (rejected.*), not placed.
    Log {
        /// The monitor's name.
        name: String,
        /// The data file.
        file: PathBuf,
        /// "Now" for the future-date and lateness checks, in Unix
        /// milliseconds (default: the system clock), to replay past traffic.
        #[arg(long, value_name = "MS")]
        now: Option<i64>,
    },
    /// Join labels (a data file with the id and target columns) with the
    /// predictions the monitor kept.
    Labels {
        /// The monitor's name.
        name: String,
        /// The data file.
        file: PathBuf,
        /// "Now" in Unix milliseconds (default: the system clock).
        #[arg(long, value_name = "MS")]
        now: Option<i64>,
        /// Print the counts as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Each window (and segment) evaluated: rows, missing values, values
    /// outside the reference, drift, labels.
    Results {
        /// The monitor's name.
        name: String,
        /// "Now" in Unix milliseconds, for which windows are final
        /// (default: the system clock).
        #[arg(long, value_name = "MS")]
        now: Option<i64>,
        /// One JSON object per window and segment, one per line, with every figure.
        #[arg(long)]
        json: bool,
    },
    /// The monitors, by name.
    List {
        /// Print them as a JSON array.
        #[arg(long)]
        json: bool,
    },
    /// Add an alert rule over the window figures, e.g.
    /// "drift.share > 0.3 for 2 windows" or
    /// "quality.realized.roc_auc < reference.roc_auc - 0.05". A rule of the
    /// same name is replaced.
    Rule {
        /// The monitor's name.
        name: String,
        /// The rule.
        rule: String,
        /// The rule's name (default: made from its text).
        #[arg(long = "name", value_name = "RULE_NAME")]
        rule_name: Option<String>,
        /// info, warning or critical (default: the engine's).
        #[arg(long)]
        severity: Option<String>,
        /// Windows after a resolve during which it does not fire again.
        #[arg(long, value_name = "WINDOWS")]
        cooldown: Option<u64>,
    },
    /// Post each retraining request a later check logs to URL as JSON,
    /// signed with HMAC-SHA256 (`X-Mlops-Signature: sha256=<hex>`) by the
    /// secret held in environment variable --secret-env (its name is
    /// logged, never its value; it is read by the process that checks).
    Webhook {
        /// The monitor's name.
        name: String,
        /// The URL (http:// or https://); leave out with --remove.
        #[arg(required_unless_present = "remove")]
        url: Option<String>,
        /// The environment variable holding the signing secret.
        #[arg(long, value_name = "VAR", required_unless_present = "remove")]
        secret_env: Option<String>,
        /// Remove the webhook.
        #[arg(long, conflicts_with_all = ["url", "secret_env"])]
        remove: bool,
    },
    /// Evaluate the rules and log each new alert (and a retraining request
    /// for each new firing at or above --retrain-on). Prints one JSON line
    /// with the verdict; exits 1 when a rule of --fail-on severity or worse
    /// is firing (for cron and pipelines), 2 on bad input.
    Check {
        /// The monitor's name.
        name: String,
        /// Exit 1 when a rule of this severity or worse is firing.
        #[arg(long, value_name = "SEVERITY")]
        fail_on: Option<String>,
        /// Log a retraining request for new firings of this severity or
        /// worse (default: the engine's, critical).
        #[arg(long, value_name = "SEVERITY")]
        retrain_on: Option<String>,
        /// "Now" in Unix milliseconds (default: the system clock).
        #[arg(long, value_name = "MS")]
        now: Option<i64>,
        /// The pipeline-step flags (the verdict is a JSON line with or
        /// without --json-line).
        #[command(flatten)]
        step: StepArgs,
    },
    /// Print the monitor in the Prometheus text format (0.0.4).
    Prometheus {
        /// The monitor's name.
        name: String,
        /// OpenMetrics 1.0 instead of the text format 0.0.4.
        #[arg(long)]
        openmetrics: bool,
        /// "Now" in Unix milliseconds (default: the system clock).
        #[arg(long, value_name = "MS")]
        now: Option<i64>,
    },
    /// Write the dashboard (one self-contained HTML page) and the drifted
    /// windows' drift reports beside it.
    Report {
        /// The monitor's name.
        name: String,
        /// The page to write.
        file: PathBuf,
        /// "Now" in Unix milliseconds (default: the system clock).
        #[arg(long, value_name = "MS")]
        now: Option<i64>,
    },
    /// Serve the monitor's Prometheus metrics over HTTP at /metrics (the
    /// format the scraper's Accept header asks for), on 127.0.0.1 unless
    /// --host says otherwise.
    Serve {
        /// The monitor's name.
        name: String,
        /// The port.
        #[arg(long, default_value_t = mlops_core::monitor::DEFAULT_METRICS_PORT)]
        port: u16,
        /// The address to bind.
        #[arg(long, default_value = mlops_core::monitor::DEFAULT_METRICS_HOST)]
        host: String,
    },
}

/// `mlops audit ...`.
#[derive(Subcommand)]
pub enum AuditCommand {
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

/// `mlops policy ...`.
#[derive(Subcommand)]
pub enum PolicyCommand {
    /// Print the grants and protected aliases.
    Show {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Grant a role to a principal (`*`: anyone) over assets matching a
    /// pattern. The first grant must make an admin over '*'.
    Grant {
        /// Who.
        principal: String,
        /// The role.
        #[arg(value_parser = roles())]
        role: Role,
        /// Over which assets: `<kind>/<name>` pattern.
        #[arg(default_value = mlops_core::governance::EVERY_ASSET)]
        scope: String,
    },
    /// Revoke a grant (same principal, role and scope).
    Revoke {
        /// Who.
        principal: String,
        /// The role.
        #[arg(value_parser = roles())]
        role: Role,
        /// The scope it was granted over.
        #[arg(default_value = mlops_core::governance::EVERY_ASSET)]
        scope: String,
    },
    /// Protect an alias: only a role (approver by default) may move it, and
    /// with --require-gate only to a version with a passed gate report.
    Protect {
        /// The alias.
        alias: String,
        /// Over which assets.
        #[arg(default_value = mlops_core::governance::EVERY_ASSET)]
        scope: String,
        /// The role needed.
        #[arg(long, value_parser = roles(), default_value = Role::PROTECT_DEFAULT.as_str())]
        role: Role,
        /// Require a passed gate report (`mlops gate`).
        #[arg(long)]
        require_gate: bool,
    },
    /// Remove a protection.
    Unprotect {
        /// The alias.
        alias: String,
        /// The scope it was set over.
        #[arg(default_value = mlops_core::governance::EVERY_ASSET)]
        scope: String,
    },
}

/// `mlops package ...`.
#[derive(Subcommand)]
pub enum PackageCommand {
    /// Make a folder a package: hash every file and write mlops-package.json
    /// (in place, or into --out: a new folder or a .tar.zst archive).
    Build {
        /// The folder holding the model's files.
        dir: PathBuf,
        /// The model's name.
        #[arg(long)]
        name: String,
        /// The model's version (any string: 1.4.0, 2024-06-rc1).
        #[arg(long)]
        version: String,
        /// The framework the model was made with.
        #[arg(long, value_parser = flavors())]
        flavor: Flavor,
        /// The framework's version (e.g. 1.5.2).
        #[arg(long)]
        flavor_version: Option<String>,
        /// Metrics as a JSON object of numbers, e.g. '{"auc": 0.91}'.
        #[arg(long)]
        metrics: Option<String>,
        /// Params as a JSON object.
        #[arg(long)]
        params: Option<String>,
        /// The signature: a JSON file {"inputs": [{"name", "type", "nullable"}], "outputs": [...]}.
        /// For an onnx package without one, it is inferred from the .onnx file.
        #[arg(long)]
        signature: Option<PathBuf>,
        /// Python requirements (repeatable), e.g. scikit-learn==1.5.2.
        #[arg(long = "requires")]
        requires: Vec<String>,
        /// Write the package here instead of in place: a new folder, or a
        /// file ending in .tar.zst.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Check every file's size and hash and that no file is missing or
    /// unlisted; with --trusted, also the signature. Exits 1 naming the
    /// file (or the missing or untrusted signature) when the check fails,
    /// 2 when the package cannot be read.
    Verify {
        /// A package folder or .tar.zst archive.
        path: PathBuf,
        /// A trusted public key file (repeatable); the package must be signed by one.
        #[arg(long)]
        trusted: Vec<PathBuf>,
        /// The pipeline-step flags.
        #[command(flatten)]
        step: StepArgs,
    },
    /// Sign a package (folder or archive) with a secret key file.
    Sign {
        /// A package folder or .tar.zst archive.
        path: PathBuf,
        /// The secret key file (from `mlops package keygen`).
        #[arg(long)]
        key: PathBuf,
    },
    /// Generate an Ed25519 key pair: OUT (secret, mode 0600) and OUT.pub.
    Keygen {
        /// The secret key file to create.
        out: PathBuf,
    },
    /// Show a package's manifest.
    Inspect {
        /// A package folder or .tar.zst archive.
        path: PathBuf,
        /// Print the manifest as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Push a package to the registry as the next version of a model; prints the version.
    Push {
        /// A package folder or .tar.zst archive.
        path: PathBuf,
        /// The model's name in the registry.
        #[arg(long)]
        name: String,
        /// What changed and why.
        #[arg(long, short)]
        message: Option<String>,
    },
    /// Pull a model version (NAME, NAME@VERSION or NAME@ALIAS) into a new folder, verified.
    Pull {
        /// NAME[@REF]; REF is a version number, an alias or latest (the default).
        model: String,
        /// The folder to create.
        dest: PathBuf,
    },
    /// Read an MLflow model folder into a new package folder.
    FromMlflow {
        /// The MLflow model folder (holding MLmodel).
        dir: PathBuf,
        /// The package folder to create.
        out: PathBuf,
        /// The model's name (default: the folder's name).
        #[arg(long)]
        name: Option<String>,
        /// The model's version (default: 1).
        #[arg(long)]
        version: Option<String>,
    },
    /// Write a package as a new MLflow model folder.
    ToMlflow {
        /// A package folder or .tar.zst archive.
        path: PathBuf,
        /// The MLflow folder to create.
        out: PathBuf,
    },
    /// Export a package for a model server (mlserver, kserve, triton, tfserving).
    ///
    /// Writes into a new (or empty) folder: mlserver (a model repository:
    /// `mlserver start OUT`), kserve (the same
    /// plus inferenceservice.yaml), triton (config.pbtxt and a numeric
    /// version folder) or tfserving (a SavedModel in a numeric version
    /// folder). The files and the signature are checked first: an unsigned
    /// package, or one without --trusted keys, is refused unless
    /// --allow-unsigned; a tampered one always. Exit 2 on a refusal.
    Export {
        /// A package folder or .tar.zst archive.
        path: PathBuf,
        /// The model server.
        #[arg(long, value_parser = export_targets())]
        target: ExportTarget,
        /// The folder to create (or an empty one).
        #[arg(long)]
        out: PathBuf,
        /// A trusted public key file (repeatable); the package must be signed by one.
        #[arg(long)]
        trusted: Vec<PathBuf>,
        /// Export an unsigned package, or without checking its signature
        /// when no --trusted key is given (the files are still checked).
        #[arg(long)]
        allow_unsigned: bool,
        /// The numeric version folder for triton and tfserving (default:
        /// the package version: N, or MAJOR.MINOR.PATCH as MAJOR*10^6 + MINOR*10^3 + PATCH).
        #[arg(long, value_name = "N")]
        version: Option<u64>,
        /// Print the export's sidecar (mlops.json) as one JSON line.
        #[arg(long)]
        json: bool,
    },
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_grammar_is_consistent() {
        Cli::command().debug_assert();
    }

    /// What `mlops ARGS` parses to.
    fn parse(args: &[&str]) -> Command {
        Cli::try_parse_from(["mlops"].iter().chain(args))
            .unwrap()
            .command
    }

    /// Every default of every command and flag, as `command arg=value`.
    fn every_default(cmd: &clap::Command, path: &str, out: &mut Vec<(String, String)>) {
        for a in cmd.get_arguments() {
            for v in a.get_default_values() {
                let at = format!("{path} {}", a.get_id());
                out.push((at, v.to_string_lossy().into_owned()));
            }
        }
        for sub in cmd.get_subcommands() {
            every_default(sub, &format!("{path} {}", sub.get_name()), out);
        }
    }

    #[test]
    fn every_default_is_the_cores() {
        // The values a default may take: the core's constants and its
        // `Default` impls, and `false` (a flag the caller turns on).
        let (infer, drift) = (InferOptions::default(), DriftOptions::default());
        let core = [
            mlops_core::store::DEFAULT_STORE.to_string(),
            mlops_ui::DEFAULT_HOST.to_string(),
            mlops_ui::DEFAULT_PORT.to_string(),
            mlops_core::registry::LATEST.to_string(),
            mlops_core::registry::CURSOR_START.to_string(),
            mlops_core::governance::EVERY_ASSET.to_string(),
            Role::PROTECT_DEFAULT.as_str().to_string(),
            ValidateOptions::default().unexpected_limit.to_string(),
            infer.name,
            infer.margin.to_string(),
            infer.max_categories.to_string(),
            drift.drift_share.to_string(),
            drift.correction.as_str().to_string(),
            mlops_core::monitor::DEFAULT_METRICS_PORT.to_string(),
            mlops_core::monitor::DEFAULT_METRICS_HOST.to_string(),
            false.to_string(),
        ];
        let mut cmd = Cli::command();
        cmd.build();
        let mut found = Vec::new();
        every_default(&cmd, "mlops", &mut found);
        let own: Vec<_> = found.iter().filter(|(_, v)| !core.contains(v)).collect();
        assert_eq!(
            own,
            Vec::<&(String, String)>::new(),
            "defaults not from mlops-core"
        );
        // The walk reaches the subcommands' defaults (scope, reference, role).
        for at in [
            "mlops policy grant scope",
            "mlops policy protect role",
            "mlops diff to",
            "mlops store",
        ] {
            assert!(
                found.iter().any(|(a, _)| a == at),
                "{at} not found in {found:?}"
            );
        }
    }

    #[test]
    fn defaults_are_the_cores() {
        let store = Cli::command()
            .get_arguments()
            .find(|a| a.get_id() == "store")
            .map(|a| a.get_default_values().to_vec())
            .unwrap();
        assert_eq!(store, [mlops_core::store::DEFAULT_STORE]);
        match parse(&["validate", "d.parquet", "--suite", "s.yaml"]) {
            Command::Data(DataCommand::Validate {
                unexpected_limit, ..
            }) => assert_eq!(
                unexpected_limit,
                ValidateOptions::default().unexpected_limit
            ),
            _ => unreachable!("a validate command"),
        }
        let core = InferOptions::default();
        match parse(&["suite", "infer", "d.parquet"]) {
            Command::Data(DataCommand::Suite {
                command:
                    SuiteCommand::Infer {
                        name,
                        margin,
                        max_categories,
                        ..
                    },
            }) => assert_eq!(
                (name, margin, max_categories),
                (core.name, core.margin, core.max_categories)
            ),
            _ => unreachable!("a suite infer command"),
        }
    }
}

/// Where a watch of the feed starts, and how it waits.
#[derive(Args)]
pub struct WatchArgs {
    /// Start after this cursor (a cursor the feed printed, or `start` for
    /// every event); default: the cursor in --cursor-file, else now.
    #[arg(long)]
    pub since: Option<String>,
    /// Keep the cursor in this file: read at start, saved after each event
    /// handled, so a watch started again loses nothing.
    #[arg(long, value_name = "FILE")]
    pub cursor_file: Option<PathBuf>,
    /// Stop after this many seconds without an event (default: never).
    #[arg(long, value_name = "SECONDS")]
    pub timeout: Option<f64>,
    /// How often a bucket's logs are read, in seconds (default: the core's
    /// `WATCH_POLL_INTERVAL`).
    #[arg(long, value_name = "SECONDS")]
    pub poll_interval: Option<f64>,
}

/// `mlops feed`'s commands.
#[derive(Subcommand)]
pub enum FeedCommand {
    /// Print the events after a cursor as one JSON object:
    /// `{"events": [...], "cursor": "..."}`.
    Changes {
        /// The cursor (`start` for every event).
        #[arg(long, default_value = mlops_core::registry::CURSOR_START)]
        since: String,
        /// At most this many events.
        #[arg(long)]
        limit: Option<usize>,
    },
    /// Print the cursor after the last event of every log now.
    Cursor,
    /// Print each event as a JSON line as it happens (local folders are
    /// woken by file notifications, buckets polled).
    Watch(WatchArgs),
    /// Post each event to a webhook, signed with HMAC-SHA256 (header
    /// X-Mlops-Signature) under the secret in --secret-env, with its id in
    /// X-Mlops-Event-Id; prints `{"delivered": n, "cursor": "..."}` at the
    /// end. Exits 2 at an event that cannot be delivered, with the cursor
    /// before it saved.
    Dispatch {
        /// The webhook's URL (http:// or https://).
        url: String,
        /// The environment variable holding the signing secret.
        #[arg(long, value_name = "VAR")]
        secret_env: String,
        /// Where to start and how to wait.
        #[command(flatten)]
        watch: WatchArgs,
    },
}
