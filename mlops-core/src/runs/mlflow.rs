//! MLflow tracking stores read into runs: an `mlruns/` folder (MLflow's
//! file store) or a SQLite tracking database (`sqlite:///mlflow.db`).
//!
//! Each MLflow run becomes a run of the store with:
//!
//! - its **parameters** and **tags**, keys and values as MLflow has them;
//!   MLflow's system tags (`mlflow.runName`, `mlflow.user`,
//!   `mlflow.source.*`, `mlflow.parentRunId`, ...) are kept as tags, and
//!   also read into the run's fields where it has one: the run name
//!   (`run_name`, else `mlflow.runName`), the git commit
//!   (`mlflow.source.git.commit`) and the parent (`mlflow.parentRunId`,
//!   when that run is imported too). The run also gets the tags
//!   [`IMPORTED_FROM_TAG`] `mlflow:<MLflow run id>` and
//!   `mlops.mlflow_experiment` (the MLflow experiment's name);
//! - **every metric point** (key, step, timestamp, value) as a point
//!   without a context, at the point's time (MLflow's milliseconds). Values
//!   are kept bit for bit, NaN and ±inf included: MLflow's SQL store writes
//!   NaN as 0 with `is_nan` set, and ±inf as ±`f64::MAX` (its databases
//!   hold no infinities), which are read back as NaN and ±inf, so a run
//!   imports the same from either store. The dataset a file-store point
//!   may name is not kept (MLflow's SQL store does not keep it either);
//! - its **status** (`FINISHED`, `FAILED`, `KILLED`; a `RUNNING` or
//!   `SCHEDULED` run is imported as running, without an end) and its
//!   **start and end times**;
//! - its **experiment**: the MLflow experiment's name (characters a name
//!   may not hold become `_`), or [`ImportMlflow::experiment`] for all.
//!
//! Deleted runs and experiments (lifecycle stage `deleted`, `.trash`) are
//! left out. An MLflow run already imported into the store (a run tagged
//! `mlflow:<its id>`) is skipped, so importing again brings only new runs.
//! A key that is no valid key here (MLflow allows spaces) is an
//! [`Error::InvalidInput`] naming the run, the file or table, and the key;
//! the runs imported before it stay (an import started again skips them).
//! Artifacts, logged models and dataset inputs are not imported; of the
//! SQLite tables, `experiments`, `runs`, `params`, `tags` and `metrics` are
//! read (`latest_metrics` is derived from `metrics`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::event::Source;
use super::import::{self, ImportedRun, IMPORTED_FROM_TAG};
use super::segment::Points;
use super::RunStatus;
use crate::error::{Error, Result};
use crate::registry::Registry;

/// The tag naming the MLflow experiment an imported run was in.
pub const MLFLOW_EXPERIMENT_TAG: &str = "mlops.mlflow_experiment";

/// The largest `meta.yaml` read.
const MAX_META_BYTES: u64 = 1 << 20;

/// How an MLflow import is done.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ImportMlflow {
    /// The experiment every run goes into; each MLflow experiment's own
    /// name when `None`.
    pub experiment: Option<String>,
}

/// What an MLflow import did: MLflow run id → run id.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct MlflowImport {
    /// The runs imported now.
    pub imported: BTreeMap<String, String>,
    /// The runs skipped, imported before (with the run that holds them).
    pub skipped: BTreeMap<String, String>,
}

/// An MLflow run as listed, before its data is read.
#[derive(Debug, Clone)]
struct Header {
    id: String,
    experiment: String,
    name: Option<String>,
    status: String,
    start_time: Option<i64>,
    end_time: Option<i64>,
    /// Its folder (file store).
    dir: Option<PathBuf>,
}

/// An MLflow run's data.
#[derive(Debug, Default)]
struct Data {
    params: BTreeMap<String, String>,
    tags: BTreeMap<String, String>,
    points: Points,
}

/// Where the runs are read from.
enum Store {
    Files(PathBuf),
    Sqlite(rusqlite::Connection, PathBuf),
}

/// The bytes that begin every SQLite database file.
const SQLITE_MAGIC: &[u8] = b"SQLite format 3\0";

impl Store {
    /// Opens `source`: `sqlite:///<path>` (`sqlite:////abs/path`, as
    /// SQLAlchemy writes it), `file://<path>`, or a path: a SQLite file, or
    /// an `mlruns` folder.
    fn open(source: &str) -> Result<Store> {
        if let Some(rest) = source.strip_prefix("sqlite:///") {
            return Store::sqlite(Path::new(rest));
        }
        if source.starts_with("sqlite:") {
            return Err(Error::InvalidInput(format!(
                "'{}': a SQLite tracking URI is sqlite:///<path> (sqlite:////<absolute path>)",
                crate::text::clip(source, 200)
            )));
        }
        let path = Path::new(source.strip_prefix("file://").unwrap_or(source));
        let meta = std::fs::metadata(path).map_err(|e| Error::io(path, e))?;
        if meta.is_dir() {
            return Ok(Store::Files(path.to_path_buf()));
        }
        let mut head = [0u8; 16];
        let n = {
            use std::io::Read;
            let mut f = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
            f.read(&mut head).map_err(|e| Error::io(path, e))?
        };
        if n == head.len() && head == SQLITE_MAGIC {
            return Store::sqlite(path);
        }
        Err(Error::InvalidInput(format!(
            "{}: neither an mlruns folder nor a SQLite database",
            path.display()
        )))
    }

    fn sqlite(path: &Path) -> Result<Store> {
        if !path.is_file() {
            return Err(Error::NotFound(format!("file {}", path.display())));
        }
        let c = rusqlite::Connection::open_with_flags(
            path,
            rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(|e| Error::InvalidInput(format!("{}: {e}", path.display())))?;
        Ok(Store::Sqlite(c, path.to_path_buf()))
    }

    /// The runs, not deleted, of experiments not deleted, oldest first.
    fn headers(&self) -> Result<Vec<Header>> {
        let mut out = match self {
            Store::Files(root) => file_headers(root)?,
            Store::Sqlite(c, path) => sql_headers(c, path)?,
        };
        out.sort_by(|a, b| (a.start_time, &a.id).cmp(&(b.start_time, &b.id)));
        Ok(out)
    }

    fn data(&self, h: &Header) -> Result<Data> {
        match self {
            Store::Files(_) => file_data(h.dir.as_deref().expect("a file store run has a folder")),
            Store::Sqlite(c, path) => sql_data(c, path, &h.id),
        }
    }

    /// Names the run in errors.
    fn what(&self, h: &Header) -> String {
        match self {
            Store::Files(_) => format!(
                "MLflow run {} ({})",
                h.id,
                h.dir.as_deref().unwrap_or(Path::new("")).display()
            ),
            Store::Sqlite(_, path) => format!("MLflow run {} ({})", h.id, path.display()),
        }
    }
}

/// Reads and parses a `meta.yaml`.
fn read_yaml(path: &Path) -> Result<yaml_serde::Value> {
    let meta = std::fs::metadata(path).map_err(|e| Error::io(path, e))?;
    if meta.len() > MAX_META_BYTES {
        return Err(Error::InvalidInput(format!(
            "{}: larger than {MAX_META_BYTES} bytes; not an MLflow meta.yaml",
            path.display()
        )));
    }
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    yaml_serde::from_str(&text)
        .map_err(|e| Error::InvalidInput(format!("{}: not YAML: {e}", path.display())))
}

/// A field of a `meta.yaml` as text (strings, and numbers as written).
fn text_field(v: &yaml_serde::Value, key: &str) -> Option<String> {
    match v.get(key)? {
        yaml_serde::Value::String(s) => Some(s.clone()),
        yaml_serde::Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// A field of a `meta.yaml` as an integer.
fn int_field(v: &yaml_serde::Value, key: &str) -> Option<i64> {
    match v.get(key)? {
        yaml_serde::Value::Number(n) => n.as_i64(),
        yaml_serde::Value::String(s) => s.parse().ok(),
        _ => None,
    }
}

fn is_deleted(v: &yaml_serde::Value) -> bool {
    text_field(v, "lifecycle_stage").as_deref() == Some("deleted")
}

/// MLflow's `RunStatus` numbers (file store) as names.
fn status_name(n: i64) -> String {
    match n {
        1 => "RUNNING",
        2 => "SCHEDULED",
        3 => "FINISHED",
        4 => "FAILED",
        5 => "KILLED",
        _ => "UNKNOWN",
    }
    .to_string()
}

fn subdirs(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))? {
        let e = e.map_err(|e| Error::io(dir, e))?;
        if e.file_type()
            .map_err(|err| Error::io(e.path(), err))?
            .is_dir()
        {
            out.push(e.path());
        }
    }
    out.sort();
    Ok(out)
}

/// The runs of an `mlruns` folder: `<experiment id>/meta.yaml` for each
/// experiment, `<experiment id>/<run id>/meta.yaml` for each run.
fn file_headers(root: &Path) -> Result<Vec<Header>> {
    let mut out = Vec::new();
    let mut experiments = 0;
    for exp_dir in subdirs(root)? {
        let name = exp_dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned());
        if name.as_deref().is_none_or(|n| n.starts_with('.')) {
            continue; // .trash: deleted experiments
        }
        let meta_path = exp_dir.join("meta.yaml");
        if !meta_path.is_file() {
            continue; // not an experiment (`models/`, the model registry's)
        }
        let meta = read_yaml(&meta_path)?;
        if is_deleted(&meta) {
            continue;
        }
        experiments += 1;
        let exp_name = text_field(&meta, "name").ok_or_else(|| {
            Error::InvalidInput(format!("{}: no experiment name", meta_path.display()))
        })?;
        for run_dir in subdirs(&exp_dir)? {
            let run_meta = run_dir.join("meta.yaml");
            if !run_meta.is_file() {
                continue; // `tags/`, `models/`, `datasets/`
            }
            let m = read_yaml(&run_meta)?;
            let Some(id) = text_field(&m, "run_id").or_else(|| text_field(&m, "run_uuid")) else {
                continue; // a logged model's meta.yaml, not a run's
            };
            if is_deleted(&m) {
                continue;
            }
            out.push(Header {
                id,
                experiment: exp_name.clone(),
                name: text_field(&m, "run_name").filter(|n| !n.is_empty()),
                status: status_name(int_field(&m, "status").unwrap_or(1)),
                start_time: int_field(&m, "start_time"),
                end_time: int_field(&m, "end_time"),
                dir: Some(run_dir),
            });
        }
    }
    if experiments == 0 {
        return Err(Error::NotFound(format!(
            "{}: no MLflow experiments (<id>/meta.yaml) in it",
            root.display()
        )));
    }
    Ok(out)
}

/// Every file under `dir`, as (its path relative to `dir` with `/`
/// separators (MLflow's key), its path).
fn key_files(dir: &Path) -> Result<Vec<(String, PathBuf)>> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<(String, PathBuf)>, depth: usize) -> Result<()> {
        if depth > 64 {
            return Err(Error::InvalidInput(format!(
                "{}: folders nest too deep",
                dir.display()
            )));
        }
        for e in std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))? {
            let e = e.map_err(|e| Error::io(dir, e))?;
            let p = e.path();
            if e.file_type().map_err(|err| Error::io(&p, err))?.is_dir() {
                walk(root, &p, out, depth + 1)?;
            } else {
                let rel = p.strip_prefix(root).expect("under its root");
                let key = rel
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy().into_owned())
                    .collect::<Vec<_>>()
                    .join("/");
                out.push((key, p));
            }
        }
        Ok(())
    }
    let mut out = Vec::new();
    if dir.is_dir() {
        walk(dir, dir, &mut out, 0)?;
    }
    out.sort();
    Ok(out)
}

/// Reads a file of an MLflow run as text.
fn read_text(p: &Path) -> Result<String> {
    let bytes = std::fs::read(p).map_err(|e| Error::io(p, e))?;
    String::from_utf8(bytes)
        .map_err(|_| Error::InvalidInput(format!("{}: not UTF-8 text", p.display())))
}

/// A run folder's params, tags and metric points.
fn file_data(run_dir: &Path) -> Result<Data> {
    let mut d = Data::default();
    for (k, p) in key_files(&run_dir.join("params"))? {
        d.params.insert(k, read_text(&p)?);
    }
    for (k, p) in key_files(&run_dir.join("tags"))? {
        d.tags.insert(k, read_text(&p)?);
    }
    for (k, p) in key_files(&run_dir.join("metrics"))? {
        super::params::check_key("metric", &k)
            .map_err(|e| Error::InvalidInput(format!("{}: {e}", p.display())))?;
        let text = read_text(&p)?;
        for (i, line) in text.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            let bad = |why: &str| {
                Error::InvalidInput(format!(
                    "{}: line {}: {why} (an MLflow metric line is 'timestamp value step')",
                    p.display(),
                    i + 1
                ))
            };
            let parts: Vec<&str> = line.split(' ').collect();
            if !matches!(parts.len(), 2 | 3 | 5) {
                return Err(bad(&format!("{} fields", parts.len())));
            }
            let ts: i64 = parts[0].parse().map_err(|_| bad("the timestamp"))?;
            let value = parse_float(parts[1]).ok_or_else(|| bad("the value"))?;
            let step: i64 = match parts.get(2) {
                Some(s) => s.parse().map_err(|_| bad("the step"))?,
                None => 0,
            };
            d.points.push(&k, None, step, ms_to_us(ts), value);
        }
    }
    Ok(d)
}

/// A float as Python's `str(float)` writes it (`nan`, `inf`, `-inf`,
/// shortest round-trip digits).
fn parse_float(s: &str) -> Option<f64> {
    s.parse::<f64>().ok()
}

fn ms_to_us(ms: i64) -> i64 {
    ms.saturating_mul(1000)
}

/// An error of table `table` of the database at `path`.
fn sql_err<'a>(path: &'a Path, table: &str) -> impl Fn(rusqlite::Error) -> Error + 'a {
    let table = table.to_string();
    move |e| {
        Error::InvalidInput(format!(
            "{}: table {table}: {e} (not an MLflow tracking database?)",
            path.display()
        ))
    }
}

/// The runs of a SQLite tracking database.
fn sql_headers(c: &rusqlite::Connection, path: &Path) -> Result<Vec<Header>> {
    let mut experiments: BTreeMap<i64, String> = BTreeMap::new();
    {
        let err = sql_err(path, "experiments");
        let mut q = c
            .prepare("SELECT experiment_id, name, lifecycle_stage FROM experiments")
            .map_err(&err)?;
        let rows = q
            .query_map([], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, Option<String>>(2)?,
                ))
            })
            .map_err(&err)?;
        for row in rows {
            let (id, name, stage) = row.map_err(&err)?;
            if stage.as_deref() != Some("deleted") {
                experiments.insert(id, name);
            }
        }
    }
    let err = sql_err(path, "runs");
    let mut q = c
        .prepare(
            "SELECT run_uuid, name, status, start_time, end_time, lifecycle_stage, experiment_id FROM runs",
        )
        .map_err(&err)?;
    let rows = q
        .query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, Option<String>>(1)?,
                r.get::<_, Option<String>>(2)?,
                r.get::<_, Option<i64>>(3)?,
                r.get::<_, Option<i64>>(4)?,
                r.get::<_, Option<String>>(5)?,
                r.get::<_, Option<i64>>(6)?,
            ))
        })
        .map_err(&err)?;
    let mut out = Vec::new();
    for row in rows {
        let (id, name, status, start, end, stage, exp) = row.map_err(&err)?;
        if stage.as_deref() == Some("deleted") {
            continue;
        }
        let Some(experiment) = exp.and_then(|e| experiments.get(&e)) else {
            continue; // of a deleted experiment
        };
        out.push(Header {
            id,
            experiment: experiment.clone(),
            name: name.filter(|n| !n.is_empty()),
            status: status.unwrap_or_else(|| "RUNNING".into()),
            start_time: start,
            end_time: end,
            dir: None,
        });
    }
    Ok(out)
}

/// A run's params, tags and points from a SQLite tracking database.
fn sql_data(c: &rusqlite::Connection, path: &Path, id: &str) -> Result<Data> {
    let mut d = Data::default();
    for (table, into) in [("params", &mut d.params), ("tags", &mut d.tags)] {
        let err = sql_err(path, table);
        let mut q = c
            .prepare(&format!(
                "SELECT key, value FROM {table} WHERE run_uuid = ?1"
            ))
            .map_err(&err)?;
        let rows = q
            .query_map([id], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, Option<String>>(1)?))
            })
            .map_err(&err)?;
        for row in rows {
            let (k, v) = row.map_err(&err)?;
            into.insert(k, v.unwrap_or_default());
        }
    }
    let err = sql_err(path, "metrics");
    let mut q = c
        .prepare(
            "SELECT key, value, timestamp, step, is_nan FROM metrics WHERE run_uuid = ?1 ORDER BY key, step, timestamp",
        )
        .map_err(&err)?;
    let rows = q
        .query_map([id], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, f64>(1)?,
                r.get::<_, Option<i64>>(2)?,
                r.get::<_, Option<i64>>(3)?,
                r.get::<_, Option<bool>>(4)?,
            ))
        })
        .map_err(&err)?;
    for row in rows {
        let (k, v, ts, step, is_nan) = row.map_err(&err)?;
        super::params::check_key("metric", &k)
            .map_err(|e| Error::InvalidInput(format!("{}: table metrics: {e}", path.display())))?;
        let value = if is_nan == Some(true) {
            f64::NAN
        } else if v == f64::MAX {
            f64::INFINITY
        } else if v == f64::MIN {
            f64::NEG_INFINITY
        } else {
            v
        };
        d.points.push(
            &k,
            None,
            step.unwrap_or(0),
            ms_to_us(ts.unwrap_or(0)),
            value,
        );
    }
    Ok(d)
}

/// `name` made a valid experiment name: characters other than letters,
/// digits, `-`, `_` and `.` become `_`, a leading `.` too, and it is cut to
/// 128 characters.
fn experiment_name(name: &str) -> String {
    let mut s: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "-_.".contains(c) {
                c
            } else {
                '_'
            }
        })
        .take(128)
        .collect();
    if s.starts_with('.') {
        s.replace_range(..1, "_");
    }
    if s.is_empty() {
        s = super::DEFAULT_EXPERIMENT.into();
    }
    s
}

impl Registry {
    /// Imports the runs of an MLflow tracking store: `source` is an
    /// `mlruns` folder (or `file://` URI) or a SQLite tracking database
    /// (`sqlite:///mlflow.db`, or its path). See the module docs of
    /// `runs::mlflow` for what each run keeps. MLflow runs imported before
    /// are skipped. Returns which runs were imported and skipped.
    pub fn import_mlflow(&self, source: &str, options: &ImportMlflow) -> Result<MlflowImport> {
        let store = Store::open(source)?;
        let headers = store.headers()?;
        let mut done = import::imported(self)?;
        let mut report = MlflowImport::default();
        for h in headers {
            let from = format!("mlflow:{}", h.id);
            if let Some(id) = done.get(&from) {
                report.skipped.insert(h.id.clone(), id.clone());
                continue;
            }
            let what = store.what(&h);
            let data = store.data(&h).map_err(|e| match e {
                Error::InvalidInput(m) => Error::InvalidInput(format!("{what}: {m}")),
                other => other,
            })?;
            let start = h.start_time.unwrap_or(0).max(0) as u64;
            let end = match h.status.as_str() {
                "FINISHED" => Some(RunStatus::Finished),
                "FAILED" => Some(RunStatus::Failed),
                "KILLED" => Some(RunStatus::Killed),
                _ => None,
            }
            .map(|s| (s, h.end_time.map_or(start, |e| e.max(0) as u64)));
            let mut tags = data.tags;
            let name = h
                .name
                .clone()
                .or_else(|| tags.get("mlflow.runName").cloned());
            let parent = tags
                .get("mlflow.parentRunId")
                .and_then(|p| done.get(&format!("mlflow:{p}")))
                .cloned();
            let source = Source {
                git_commit: tags.get("mlflow.source.git.commit").cloned(),
                ..Source::default()
            };
            tags.insert(IMPORTED_FROM_TAG.into(), from.clone());
            tags.insert(MLFLOW_EXPERIMENT_TAG.into(), h.experiment.clone());
            let run = ImportedRun {
                experiment: options
                    .experiment
                    .clone()
                    .unwrap_or_else(|| experiment_name(&h.experiment)),
                name,
                parent,
                source,
                start_time: start,
                end,
                params: data.params,
                tags,
                points: data.points,
            };
            let id = import::write(self, run, &what)?;
            done.insert(from, id.clone());
            report.imported.insert(h.id, id);
        }
        Ok(report)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn experiment_names_are_made_valid() {
        assert_eq!(experiment_name("Default"), "Default");
        assert_eq!(experiment_name("my exp/1"), "my_exp_1");
        assert_eq!(experiment_name(".hidden"), "_hidden");
        assert_eq!(experiment_name(""), "default");
        crate::registry::check_name(&experiment_name(&"é".repeat(300))).unwrap();
    }

    #[test]
    fn python_floats_parse_as_written() {
        assert!(parse_float("nan").unwrap().is_nan());
        assert_eq!(parse_float("inf"), Some(f64::INFINITY));
        assert_eq!(parse_float("-inf"), Some(f64::NEG_INFINITY));
        assert_eq!(parse_float("0.1"), Some(0.1));
        assert_eq!(parse_float("1e-05"), Some(1e-5));
        assert_eq!(parse_float("x"), None);
    }
}
