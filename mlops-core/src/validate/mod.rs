//! Data validation: typed checks, suites (data contracts), validation in
//! one parallel pass, inferred suites, and model gates.
//!
//! - [`Check`] / [`CheckKind`]: what to check, with a [`Severity`] and, for
//!   row-level checks, a `mostly` fraction (Great Expectations' semantics:
//!   missing values are ignored except by `not_null`; the unexpected
//!   percent is of the non-missing rows).
//! - [`Suite`]: named checks, saved as YAML or JSON; errors in a file name
//!   the check (`checks[3]`), the field, the line and column.
//!   [`Suite::infer`] builds one from trusted data.
//! - [`Validator`]: the running state of every check; `update` with record
//!   batches (checks × slices of the batch run in parallel, straight from
//!   the Arrow buffers), then `finish`. A stream validated batch by batch
//!   gives the same result as the whole table: every state merges.
//!   [`validate`], [`validate_batches`] and [`validate_path`] wrap it.
//! - [`ValidationResult`]: per check the verdict, the observed value, the
//!   unexpected count and percent and the first unexpected rows with their
//!   indices; JSON via serde, HTML via [`crate::report::validation_html`].
//! - [`gate`]: compare a candidate model's metrics with a baseline's or
//!   with bounds (`auc >= baseline.auc - 0.01`).
//!
//! ```
//! use std::sync::Arc;
//! use arrow::array::{Float64Array, RecordBatch, StringArray};
//! use mlops_core::validate::{validate_batches, CheckKind, Suite, ValidateOptions};
//!
//! let batch = RecordBatch::try_from_iter([
//!     ("age", Arc::new(Float64Array::from(vec![Some(31.0), None, Some(212.0)])) as _),
//!     ("plan", Arc::new(StringArray::from(vec!["free", "pro", "gold"])) as _),
//! ]).unwrap();
//! let suite = Suite::new("users")
//!     .with(CheckKind::ValuesBetween { column: "age".into(), min: Some(0.0.into()), max: Some(120.0.into()), strict_min: false, strict_max: false })
//!     .with(CheckKind::InSet { column: "plan".into(), values: vec!["free".into(), "pro".into()] });
//! let r = validate_batches(&suite, &[batch], &ValidateOptions::default()).unwrap();
//! assert!(!r.success);
//! let age = &r.results[0];
//! assert_eq!((age.unexpected_count, age.missing_count), (Some(1), 1));
//! assert_eq!(age.unexpected_percent, Some(50.0));           // of the non-null rows
//! assert_eq!(age.partial_unexpected[0].row, 2);
//! assert_eq!(r.results[1].partial_unexpected[0].value, "gold");
//! ```

mod check;
mod finish;
pub mod gate;
mod infer;
pub(crate) mod kernel;
mod result;
pub(crate) mod state;
mod suite;
mod values;
mod yaml_depth;

use std::path::Path;

use arrow::array::RecordBatch;
use arrow::datatypes::SchemaRef;
use arrow::record_batch::RecordBatchReader;
use rayon::prelude::*;

pub use check::{parse_duration, Bound, Check, CheckKind, PairOp, Severity};
pub use gate::{gate, GateReport, RuleResult};
pub use infer::InferOptions;
pub use result::{
    CheckResult, Statistics, Unexpected, ValidationResult, RESULT_FORMAT, RESULT_VERSION,
};
pub use suite::{Suite, MAX_SUITE_BYTES, MAX_SUITE_DEPTH, SUITE_FORMAT, SUITE_VERSION};

use crate::error::{Error, Result};
pub(crate) use kernel::Compiled;
use kernel::{bind, Env};
pub(crate) use state::Part;
use state::{merge, scan, sliced};

/// Rows per slice of a batch: checks × slices are the parallel tasks.
const SLICE_ROWS: usize = 64 * 1024;

/// A float as JSON (non-finite values as text, since JSON has no NaN).
pub(crate) fn result_json_f64(x: f64) -> serde_json::Value {
    serde_json::Number::from_f64(x)
        .map(serde_json::Value::Number)
        .unwrap_or_else(|| serde_json::Value::String(x.to_string()))
}

/// Options of a validation.
#[derive(Debug, Clone)]
pub struct ValidateOptions {
    /// How many unexpected rows each check lists (Great Expectations' default is 20).
    pub unexpected_limit: usize,
    /// "Now" for freshness checks, in seconds since the Unix epoch (the clock when `None`).
    pub now: Option<f64>,
}

impl Default for ValidateOptions {
    fn default() -> Self {
        ValidateOptions {
            unexpected_limit: 20,
            now: None,
        }
    }
}

/// The running state of a validation: feed it record batches with
/// [`update`](Self::update), in row order, then [`finish`](Self::finish).
/// Memory stays at one batch plus the checks' state (counters; hash maps
/// of distinct values for `unique`, `compound_unique`,
/// `distinct_count_between` and `most_common_in_set`; the values
/// themselves for the exact `median_between` and `quantile_between`).
pub struct Validator<'s> {
    suite: &'s Suite,
    schema: SchemaRef,
    run: Running,
}

impl<'s> Validator<'s> {
    /// Binds every check of the suite to the data's schema. A check naming
    /// a column that is not in the data is an [`Error::SchemaMismatch`]
    /// naming the check (`checks[i]`) and the column; a check that does
    /// not fit the column's type will fail with the reason instead. Column
    /// names must be unique in the data ([`Error::SchemaMismatch`]).
    pub fn new(suite: &'s Suite, schema: SchemaRef, opts: &ValidateOptions) -> Result<Self> {
        let run = Running::bind(suite, &schema, opts)?;
        Ok(Validator { suite, schema, run })
    }

    /// Folds the next batch into every check's state, checks and slices in parallel.
    pub fn update(&mut self, batch: &RecordBatch) -> Result<()> {
        if batch.schema().fields() != self.schema.fields() {
            return Err(Error::SchemaMismatch(format!(
                "batch schema {} differs from the validated data's {}",
                batch.schema(),
                self.schema
            )));
        }
        self.run.update(batch);
        Ok(())
    }

    /// The result of every check over all the rows seen.
    pub fn finish(self) -> ValidationResult {
        self.run.finish(self.suite)
    }
}

/// "Now" for freshness checks: the option, or the clock.
pub(crate) fn resolve_now(opts: &ValidateOptions) -> f64 {
    opts.now.unwrap_or_else(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs_f64())
            .unwrap_or(0.0)
    })
}

/// The checks of a suite bound to a schema, and their states so far: the
/// part of a [`Validator`] that owns no borrow, so that a partial state
/// can be kept, sent and merged (see [`crate::accumulate`]).
pub(crate) struct Running {
    /// The bound checks, shared by the states split from one (see
    /// [`crate::accumulate::Accumulator::split`]).
    pub compiled: std::sync::Arc<Vec<Compiled>>,
    /// One state per check, `None` before any row.
    pub parts: Vec<Option<Part>>,
    pub rows: u64,
    pub limit: usize,
}

impl Running {
    /// Binds every check of `suite` to `schema` (see [`Validator::new`]).
    pub(crate) fn bind(
        suite: &Suite,
        schema: &arrow::datatypes::Schema,
        opts: &ValidateOptions,
    ) -> Result<Self> {
        suite.validate_spec()?;
        crate::table::check_schema(schema)?;
        let env = Env {
            suite,
            now: resolve_now(opts),
        };
        let compiled = suite
            .checks
            .iter()
            .enumerate()
            .map(|(i, c)| bind(i, c, schema, &env))
            .collect::<Result<Vec<_>>>()?;
        let parts = compiled.iter().map(|_| None).collect();
        Ok(Running {
            compiled: std::sync::Arc::new(compiled),
            parts,
            rows: 0,
            limit: opts.unexpected_limit,
        })
    }

    /// Checks already bound, with empty states.
    pub(crate) fn with(compiled: std::sync::Arc<Vec<Compiled>>, limit: usize) -> Self {
        let parts = compiled.iter().map(|_| None).collect();
        Running {
            compiled,
            parts,
            rows: 0,
            limit,
        }
    }

    /// Folds a batch (of the bound schema) into every check's state.
    pub(crate) fn update(&mut self, batch: &RecordBatch) {
        let n = batch.num_rows();
        let slices: Vec<(usize, usize)> = (0..n.max(1))
            .step_by(SLICE_ROWS)
            .map(|s| (s, SLICE_ROWS.min(n - s.min(n))))
            .collect();
        let mut tasks: Vec<(usize, usize, usize)> = Vec::new();
        for (ci, c) in self.compiled.iter().enumerate() {
            if sliced(&c.kernel) {
                tasks.extend(slices.iter().map(|&(s, l)| (ci, s, l)));
            } else {
                tasks.push((ci, 0, n));
            }
        }
        let (row0, limit) = (self.rows, self.limit);
        let compiled = &self.compiled;
        let done: Vec<Part> = tasks
            .par_iter()
            .with_max_len(1)
            .map(|&(ci, start, len)| {
                let c = &compiled[ci];
                let arrays: Vec<_> = c
                    .cols
                    .iter()
                    .map(|&i| batch.column(i).slice(start, len))
                    .collect();
                scan(&c.kernel, &arrays, len, row0 + start as u64, limit)
            })
            .collect();
        for (&(ci, _, _), part) in tasks.iter().zip(done) {
            self.join(ci, part);
        }
        self.rows += n as u64;
    }

    /// Joins the state of later rows into check `ci`'s.
    pub(crate) fn join(&mut self, ci: usize, part: Part) {
        match &mut self.parts[ci] {
            None => self.parts[ci] = Some(part),
            Some(acc) => merge(&self.compiled[ci].kernel, acc, part, self.limit),
        }
    }

    /// The result of every check over the rows seen.
    pub(crate) fn finish(self, suite: &Suite) -> ValidationResult {
        let limit = self.limit;
        let rows = self.rows;
        let results = self
            .compiled
            .par_iter()
            .zip(self.parts.into_par_iter())
            .map(|(c, part)| {
                let part = part.unwrap_or(Part {
                    rows: 0,
                    missing: 0,
                    state: state::State::Counts,
                });
                finish::finish(&suite.checks[c.index], c, part, limit)
            })
            .collect();
        ValidationResult::new(&suite.name, rows, results)
    }
}

/// Validates a stream of record batches, batch by batch.
pub fn validate(
    suite: &Suite,
    reader: impl RecordBatchReader,
    opts: &ValidateOptions,
) -> Result<ValidationResult> {
    let mut v = Validator::new(suite, reader.schema(), opts)?;
    for b in reader {
        v.update(&b?)?;
    }
    Ok(v.finish())
}

/// Validates record batches held in memory (which must share a schema).
pub fn validate_batches(
    suite: &Suite,
    batches: &[RecordBatch],
    opts: &ValidateOptions,
) -> Result<ValidationResult> {
    let schema = batches.first().map(|b| b.schema()).ok_or_else(|| {
        Error::InvalidInput("no record batches to validate (and so no schema)".into())
    })?;
    let mut v = Validator::new(suite, schema, opts)?;
    for b in batches {
        v.update(b)?;
    }
    Ok(v.finish())
}

/// Validates a data file (Parquet, CSV, Arrow IPC), streamed batch by batch.
pub fn validate_path(
    suite: &Suite,
    path: impl AsRef<Path>,
    opts: &ValidateOptions,
) -> Result<ValidationResult> {
    validate(suite, crate::io::read_path(path)?, opts)
}
