//! `Suite::infer`: a suite built from a trusted data set, as TFDV infers a
//! schema and Deequ suggests constraints. One profile pass gives types,
//! null rates, ranges, category sets and lengths; a validation pass over
//! the same data then drops any inferred check the data itself breaks (a
//! `unique` guessed from the distinct-count sketch, say), so an inferred
//! suite always passes on its reference.

use std::path::Path;

use arrow::array::RecordBatch;

use super::check::{Bound, Check, CheckKind};
use super::suite::Suite;
use super::{validate_batches, ValidateOptions};
use crate::error::{Error, Result};
use crate::profile::{ColumnProfile, Profile, Scalar, SemanticType, ValueKind};

/// How [`Suite::infer`] widens what it saw.
#[derive(Debug, Clone)]
pub struct InferOptions {
    /// The suite's name.
    pub name: String,
    /// Ranges are widened by this fraction of their width on each side
    /// (lengths by this fraction of the bound), null fractions allowed to
    /// grow by this fraction (and at least one point).
    pub margin: f64,
    /// String columns with at most this many distinct values get an `in_set` check.
    pub max_categories: usize,
}

impl Default for InferOptions {
    fn default() -> Self {
        InferOptions {
            name: "inferred".into(),
            margin: 0.1,
            max_categories: 50,
        }
    }
}

fn column_checks(c: &ColumnProfile, o: &InferOptions) -> Vec<Check> {
    let name = c.name().to_string();
    let mut out: Vec<Check> = vec![
        CheckKind::ColumnExists {
            column: name.clone(),
        }
        .into(),
        CheckKind::ColumnType {
            column: name.clone(),
            type_: c.data_type().to_string(),
        }
        .into(),
    ];
    let missing = c.null_count() + c.nan_count();
    if missing == 0 {
        out.push(
            CheckKind::NotNull {
                column: name.clone(),
            }
            .into(),
        );
    } else if c.count() > 0 {
        let f = missing as f64 / c.count() as f64;
        let max = (f * (1.0 + o.margin)).max(f + 0.01).min(1.0);
        out.push(
            CheckKind::MaxNullFraction {
                column: name.clone(),
                max: (max * 1e4).ceil() / 1e4,
            }
            .into(),
        );
    }
    match c.kind {
        ValueKind::Numeric => {
            let (lo, hi) = match (
                c.min().and_then(Scalar::as_f64),
                c.max().and_then(Scalar::as_f64),
            ) {
                (Some(a), Some(b)) => (a, b),
                _ => return out,
            };
            let width = if hi > lo { hi - lo } else { hi.abs().max(1.0) };
            let (mut lo, mut hi) = (lo - o.margin * width, hi + o.margin * width);
            if matches!(c.min(), Some(Scalar::Int(_))) {
                (lo, hi) = (lo.floor(), hi.ceil());
            }
            out.push(
                CheckKind::ValuesBetween {
                    column: name.clone(),
                    min: Some(Bound::Number(lo)),
                    max: Some(Bound::Number(hi)),
                    strict_min: false,
                    strict_max: false,
                }
                .into(),
            );
        }
        ValueKind::String => {
            let present = c.count() - c.null_count();
            let top = c.top_k(usize::MAX);
            let exact =
                c.top_k_max_error() == 0 && top.iter().map(|t| t.count).sum::<u64>() == present;
            if exact
                && !top.is_empty()
                && top.len() <= o.max_categories
                && (top.len() as u64) * 2 <= present
            {
                let mut values: Vec<serde_json::Value> =
                    top.iter().map(|t| t.value.to_string().into()).collect();
                values.sort_by(|a, b| a.as_str().cmp(&b.as_str()));
                out.push(
                    CheckKind::InSet {
                        column: name.clone(),
                        values,
                    }
                    .into(),
                );
            }
            if let (Some(lo), Some(hi)) = (c.length_min(), c.length_max()) {
                out.push(
                    CheckKind::LengthBetween {
                        column: name.clone(),
                        min: Some((lo as f64 * (1.0 - o.margin)).floor() as u64),
                        max: Some((hi as f64 * (1.0 + o.margin)).ceil() as u64),
                    }
                    .into(),
                );
            }
        }
        _ => {}
    }
    if c.semantic_type() == SemanticType::Identifier && missing == 0 {
        out.push(CheckKind::Unique { column: name }.into());
    }
    out
}

impl Suite {
    /// A suite inferred from a profile: per column its existence and type,
    /// `not_null` or a `max_null_fraction`, a widened `values_between` for
    /// numbers, an `in_set` for strings with few distinct values and a
    /// `length_between`, `unique` for identifier-like columns; and a
    /// non-empty `row_count_between`. Not checked against data (see
    /// [`Suite::infer`]).
    pub fn infer_from_profile(p: &Profile, o: &InferOptions) -> Suite {
        let mut s = Suite::new(o.name.clone());
        s.description = Some(format!(
            "inferred from {} rows; ranges widened by {} of their width",
            p.row_count(),
            o.margin
        ));
        s.checks.push(
            CheckKind::RowCountBetween {
                min: Some(1),
                max: None,
            }
            .into(),
        );
        for c in p.columns() {
            s.checks.extend(column_checks(c, o));
        }
        s
    }

    /// A suite inferred from trusted data held in memory: profiled, then
    /// validated, dropping any inferred check the data breaks.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use arrow::array::{Int64Array, RecordBatch, StringArray};
    /// use mlops_core::validate::{validate_batches, InferOptions, Suite, ValidateOptions};
    ///
    /// let b = RecordBatch::try_from_iter([
    ///     ("id", Arc::new(Int64Array::from((0..100).collect::<Vec<i64>>())) as _),
    ///     ("plan", Arc::new(StringArray::from_iter_values((0..100).map(|i| ["free", "pro"][i % 2]))) as _),
    /// ]).unwrap();
    /// let suite = Suite::infer(&[b.clone()], &InferOptions::default()).unwrap();
    /// assert!(suite.to_yaml().contains("in_set"));
    /// assert!(validate_batches(&suite, &[b], &ValidateOptions::default()).unwrap().success);
    /// ```
    pub fn infer(batches: &[RecordBatch], o: &InferOptions) -> Result<Suite> {
        let first = batches
            .first()
            .ok_or_else(|| Error::InvalidInput("no record batches to infer a suite from".into()))?;
        let mut p = Profile::new(&first.schema());
        for b in batches {
            p.update(b)?;
        }
        let mut s = Self::infer_from_profile(&p, o);
        let r = validate_batches(&s, batches, &ValidateOptions::default())?;
        let keep: Vec<bool> = r.results.iter().map(|x| x.success).collect();
        let mut i = 0;
        s.checks.retain(|_| {
            i += 1;
            keep[i - 1]
        });
        Ok(s)
    }

    /// [`Suite::infer`] on a data file (read into memory: inference reads it twice).
    pub fn infer_path(path: impl AsRef<Path>, o: &InferOptions) -> Result<Suite> {
        let reader = crate::io::read_path(path)?;
        let batches = reader.collect::<std::result::Result<Vec<_>, _>>()?;
        Self::infer(&batches, o)
    }
}
