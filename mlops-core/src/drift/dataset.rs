//! Drift reports between two data sets: the columns to test, checked
//! against both schemas, tested in parallel straight from the Arrow buffers,
//! then the multiple-testing correction and the dataset verdict.

use std::path::Path;

use arrow::array::{Array, RecordBatch};
use arrow::datatypes::SchemaRef;
use arrow::record_batch::RecordBatchReader;
use rayon::prelude::*;

use super::column::column_drift;
use super::options::{Correction, DriftOptions};
use super::report::{ColumnDrift, DriftReport, SkippedColumn, Verdict, REPORT_VERSION};
use super::sample::{self, ColumnKind, Sample};
use crate::error::{Error, Result};

/// The columns a report tests, by name, with their kind and whether they are integers.
struct Plan {
    tested: Vec<(String, ColumnKind, bool)>,
    skipped: Vec<SkippedColumn>,
}

fn plan(reference: &SchemaRef, current: &SchemaRef, opts: &DriftOptions) -> Result<Plan> {
    let names = opts.columns_to_compare(
        "data",
        || {
            let mut fields = current.fields().iter();
            let new = fields.find(|f| reference.field_with_name(f.name()).is_err());
            new.map(|f| f.name().clone())
        },
        || {
            reference
                .fields()
                .iter()
                .map(|f| f.name().clone())
                .collect()
        },
    )?;
    let mut p = Plan {
        tested: Vec::new(),
        skipped: Vec::new(),
    };
    for name in names {
        fn field<'s>(
            schema: &'s SchemaRef,
            name: &str,
            side: &str,
        ) -> Result<&'s arrow::datatypes::Field> {
            schema.field_with_name(name).map_err(|_| {
                Error::SchemaMismatch(format!("column '{name}' is missing from the {side} data"))
            })
        }
        let (r, c) = (
            field(reference, &name, "reference")?,
            field(current, &name, "current")?,
        );
        let (kr, kc) = (ColumnKind::of(r.data_type()), ColumnKind::of(c.data_type()));
        if kr != kc {
            return Err(Error::SchemaMismatch(format!(
                "column '{name}' is {} ({}) in the reference and {} ({}) in the current data",
                kr.as_str(),
                r.data_type(),
                kc.as_str(),
                c.data_type()
            )));
        }
        let reason = match kr {
            ColumnKind::Datetime if !opts.include_datetime => Some(format!(
                "datetime column ({}); set include_datetime to test it",
                r.data_type()
            )),
            ColumnKind::Other => Some(format!("type {} has no drift test", r.data_type())),
            _ => None,
        };
        match reason {
            Some(reason) => p.skipped.push(SkippedColumn {
                column: name,
                reason,
            }),
            None => {
                let integer = r.data_type().is_integer() && c.data_type().is_integer();
                p.tested.push((name, kr, integer));
            }
        }
    }
    Ok(p)
}

fn column_arrays<'a>(batches: &'a [RecordBatch], name: &str) -> Vec<&'a dyn Array> {
    batches
        .iter()
        .filter_map(|b| b.column_by_name(name).map(|a| a.as_ref()))
        .collect()
}

fn take_sample(name: &str, kind: ColumnKind, batches: &[RecordBatch]) -> Result<Sample> {
    let arrays = column_arrays(batches, name);
    match kind {
        ColumnKind::Categorical => sample::categorical(name, &arrays),
        _ => sample::numeric(name, &arrays),
    }
}

/// Applies the correction to every p-value of the report and decides the
/// value and null-rate verdicts.
fn decide(columns: &mut [ColumnDrift], opts: &DriftOptions) {
    let mut ps = Vec::new();
    for c in columns.iter() {
        if let (Some(p), Some(m)) = (c.p_value, c.method) {
            if m.is_p_value() {
                ps.push(p);
            }
        }
        if let Some(n) = &c.nulls {
            ps.push(n.p_value);
        }
    }
    let adjusted = opts.correction.adjust(&ps);
    let mut it = adjusted.into_iter();
    for c in columns.iter_mut() {
        if let (Some(_), Some(m)) = (c.p_value, c.method) {
            if m.is_p_value() {
                let p = it.next().expect("one adjusted p-value per p-value");
                if opts.correction != Correction::None {
                    c.score = Some(p);
                }
                c.value_drifted = m.drifted(p, c.threshold);
            }
        }
        if let Some(n) = &mut c.nulls {
            n.p_value = it.next().expect("one adjusted p-value per p-value");
            n.drifted = n.p_value < n.threshold && n.effect >= n.min_effect;
        }
        c.drifted = c.value_drifted || c.nulls.as_ref().is_some_and(|n| n.drifted);
    }
}

/// Builds the report from per-column results.
pub(crate) fn assemble(
    source: &str,
    rows: (u64, u64),
    columns: Vec<ColumnDrift>,
    mut skipped_columns: Vec<SkippedColumn>,
    opts: &DriftOptions,
) -> DriftReport {
    // A column that neither test could run on for want of data (a side
    // without values, and no null-rate test) says nothing about drift: it
    // is skipped, with the reason, not counted as a column without drift.
    // (A text-like column counts as tested and not drifted, as in Evidently.)
    let no_data = |c: &ColumnDrift| {
        let present = |s: &super::report::Summary| s.rows.saturating_sub(s.missing);
        c.skipped.is_some()
            && c.nulls.is_none()
            && (present(&c.reference) == 0 || present(&c.current) == 0)
    };
    let (untested, mut columns): (Vec<_>, Vec<_>) = columns.into_iter().partition(no_data);
    for c in untested {
        let why = c.skipped.unwrap_or_else(|| "no test could run".into());
        let reason = if opts.null_test {
            format!("{why}; no null-rate test (a side has no rows)")
        } else {
            why
        };
        skipped_columns.push(SkippedColumn {
            column: c.column,
            reason,
        });
    }
    decide(&mut columns, opts);
    let n = columns.len();
    let drifted = columns.iter().filter(|c| c.drifted).count();
    let share = if n == 0 {
        0.0
    } else {
        drifted as f64 / n as f64
    };
    DriftReport {
        format: "mlops.drift".into(),
        version: REPORT_VERSION,
        source: source.into(),
        reference_rows: rows.0,
        current_rows: rows.1,
        number_of_columns: n,
        number_of_drifted_columns: drifted,
        share_of_drifted_columns: share,
        dataset_drift: n > 0 && share >= opts.drift_share,
        verdict: match (n, share >= opts.drift_share) {
            (0, _) => Verdict::NotTested,
            (_, true) => Verdict::Drift,
            (_, false) => Verdict::NoDrift,
        },
        options: opts.clone(),
        columns,
        skipped_columns,
    }
}

/// The drift report between two data sets held as record batches.
///
/// Columns are matched by name; every column of the reference is tested
/// (or only `opts.columns`), in parallel, straight from the Arrow buffers.
/// A column missing on one side, numerical on one side and categorical
/// on the other, or named twice on one side, is a [`Error::SchemaMismatch`]
/// naming it; datetime, binary
/// and nested columns are listed in `skipped_columns`.
///
/// ```
/// use std::sync::Arc;
/// use arrow::array::{Float64Array, RecordBatch};
/// use mlops_core::drift::{drift, DriftOptions};
///
/// let batch = |shift: f64| {
///     let x: Float64Array = (0..2000).map(|i| Some((i % 100) as f64 + shift)).collect();
///     RecordBatch::try_from_iter([("x", Arc::new(x) as _)]).unwrap()
/// };
/// let report = drift(&[batch(0.0)], &[batch(30.0)], &DriftOptions::default()).unwrap();
/// let x = report.column("x").unwrap();
/// assert_eq!(x.method.unwrap().name(), "wasserstein");
/// assert!(x.drifted && report.dataset_drift);
/// ```
pub fn drift(
    reference: &[RecordBatch],
    current: &[RecordBatch],
    opts: &DriftOptions,
) -> Result<DriftReport> {
    opts.validate()?;
    let schema = |b: &[RecordBatch], side: &str| {
        b.first().map(|b| b.schema()).ok_or_else(|| {
            Error::InvalidInput(format!(
                "the {side} data has no record batches (and no schema)"
            ))
        })
    };
    let (rs, cs) = (schema(reference, "reference")?, schema(current, "current")?);
    drift_with_schemas(&rs, reference, &cs, current, opts)
}

fn drift_with_schemas(
    rs: &SchemaRef,
    reference: &[RecordBatch],
    cs: &SchemaRef,
    current: &[RecordBatch],
    opts: &DriftOptions,
) -> Result<DriftReport> {
    crate::table::check_schema(rs)?;
    crate::table::check_schema(cs)?;
    let plan = plan(rs, cs, opts)?;
    let rows = |b: &[RecordBatch]| b.iter().map(|b| b.num_rows() as u64).sum::<u64>();
    let columns = plan
        .tested
        .par_iter()
        .map(|(name, kind, integer)| {
            let (r, c) = rayon::join(
                || take_sample(name, *kind, reference),
                || take_sample(name, *kind, current),
            );
            column_drift(name, &r?, &c?, *integer, opts)
        })
        .collect::<Vec<Result<_>>>()
        // The first error in column order, whichever thread met it first.
        .into_iter()
        .collect::<Result<Vec<_>>>()?;
    Ok(assemble(
        "data",
        (rows(reference), rows(current)),
        columns,
        plan.skipped,
        opts,
    ))
}

fn collect(reader: impl RecordBatchReader) -> Result<(SchemaRef, Vec<RecordBatch>)> {
    let schema = reader.schema();
    let batches = reader.collect::<std::result::Result<Vec<_>, _>>()?;
    Ok((schema, batches))
}

/// [`drift`] on two streams of record batches (which may be empty: a
/// reader always has a schema).
pub fn drift_readers(
    reference: impl RecordBatchReader,
    current: impl RecordBatchReader,
    opts: &DriftOptions,
) -> Result<DriftReport> {
    opts.validate()?;
    let (rs, r) = collect(reference)?;
    let (cs, c) = collect(current)?;
    drift_with_schemas(&rs, &r, &cs, &c, opts)
}

/// [`drift`] on two data files (Parquet, CSV, Arrow IPC), read in parallel.
pub fn drift_paths(
    reference: impl AsRef<Path>,
    current: impl AsRef<Path>,
    opts: &DriftOptions,
) -> Result<DriftReport> {
    opts.validate()?;
    let read = |p: &Path| crate::io::read_path(p).and_then(collect);
    let (rp, cp) = (reference.as_ref(), current.as_ref());
    let (r, c) = rayon::join(|| read(rp), || read(cp));
    let ((rs, r), (cs, c)) = (r?, c?);
    drift_with_schemas(&rs, &r, &cs, &c, opts)
}
