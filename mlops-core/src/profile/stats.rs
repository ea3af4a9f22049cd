//! What a [`ColumnProfile`] tells: the accessors over its state.

use serde::{Deserialize, Serialize};

use super::column::{ColumnProfile, ValueKind};
use super::scalar::Scalar;
use super::semantic::{infer, SemanticType};
use crate::error::{Error, Result};

/// The most bins [`ColumnProfile::histogram`] makes: a histogram is a
/// summary, and its bins (edges and counts) are allocated whole.
pub const MAX_HISTOGRAM_BINS: usize = 100_000;

/// An equal-width histogram: `counts[i]` values fall in
/// `[edges[i], edges[i+1])`, the last bin closed, as `numpy.histogram`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Histogram {
    /// `bins + 1` increasing bin edges from the minimum to the maximum.
    pub edges: Vec<f64>,
    /// Number of (finite) values per bin; estimated from the quantile sketch,
    /// exact while the column has fewer values than the sketch retains.
    pub counts: Vec<u64>,
}

/// A frequent value and its estimated count.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TopValue {
    /// The value.
    pub value: Scalar,
    /// How often it occurs (exact while the column has at most 384 distinct values).
    pub count: u64,
}

impl ColumnProfile {
    /// The column's name.
    pub fn name(&self) -> &str {
        &self.name
    }
    /// The Arrow type, as Arrow displays it (`Int64`, `Utf8`, `Timestamp(µs, "UTC")`, ...).
    pub fn data_type(&self) -> &str {
        &self.data_type
    }
    /// How the values were profiled.
    pub fn kind(&self) -> ValueKind {
        self.kind
    }
    /// Rows seen, nulls included.
    pub fn count(&self) -> u64 {
        self.count
    }
    /// Null rows.
    pub fn null_count(&self) -> u64 {
        self.null_count
    }
    /// NaN values (floating-point columns).
    pub fn nan_count(&self) -> u64 {
        self.nan_count
    }
    /// `+inf` values (floating-point columns).
    pub fn pos_inf_count(&self) -> u64 {
        self.pos_inf_count
    }
    /// `-inf` values (floating-point columns).
    pub fn neg_inf_count(&self) -> u64 {
        self.neg_inf_count
    }
    /// `true` values (boolean columns).
    pub fn true_count(&self) -> u64 {
        self.true_count
    }
    /// Smallest value: finite values for floats, byte order for strings.
    pub fn min(&self) -> Option<&Scalar> {
        self.min.as_ref()
    }
    /// Largest value: finite values for floats, byte order for strings.
    pub fn max(&self) -> Option<&Scalar> {
        self.max.as_ref()
    }
    /// Mean of the finite values (share of `true` for booleans).
    pub fn mean(&self) -> Option<f64> {
        self.moments.mean()
    }
    /// Sample variance (`ddof = 1`) of the finite values.
    pub fn variance(&self) -> Option<f64> {
        self.moments.variance()
    }
    /// Sample standard deviation (`ddof = 1`).
    pub fn std(&self) -> Option<f64> {
        self.variance().map(f64::sqrt)
    }
    /// Number of values the moments are over (finite, non-null).
    pub fn moments_count(&self) -> u64 {
        self.moments.n
    }
    /// The value at quantile `q` in `[0, 1]` of the finite values, from the KLL
    /// sketch: its rank is within [`quantile_rank_error`](Self::quantile_rank_error)
    /// of `q`. Uses numpy's `inverted_cdf` rule, so it is exact for small columns.
    pub fn quantile(&self, q: f64) -> Option<f64> {
        self.quantiles.as_ref().and_then(|s| s.quantile(q))
    }
    /// The normalized rank error bound of [`quantile`](Self::quantile) (99 % confidence).
    pub fn quantile_rank_error(&self) -> Option<f64> {
        self.quantiles.as_ref().map(|s| s.rank_error())
    }
    /// An equal-width histogram of the finite values with `bins` bins, or
    /// `None` without finite values. `bins` is from 1 to
    /// [`MAX_HISTOGRAM_BINS`]; otherwise [`Error::InvalidInput`] names it.
    pub fn histogram(&self, bins: usize) -> Result<Option<Histogram>> {
        if !(1..=MAX_HISTOGRAM_BINS).contains(&bins) {
            return Err(Error::InvalidInput(format!(
                "histogram: bins must be from 1 to {MAX_HISTOGRAM_BINS}, got {bins}"
            )));
        }
        Ok(self.histogram_of(bins))
    }

    /// The histogram for a `bins` the caller knows to be in range.
    pub(crate) fn histogram_of(&self, bins: usize) -> Option<Histogram> {
        let q = self.quantiles.as_ref()?;
        let (lo, hi) = (self.min.as_ref()?.as_f64()?, self.max.as_ref()?.as_f64()?);
        let n = q.n();
        if n == 0 {
            return None;
        }
        if lo == hi {
            return Some(Histogram {
                edges: vec![lo, hi],
                counts: vec![n],
            });
        }
        let width = (hi - lo) / bins as f64;
        let edges: Vec<f64> = (0..=bins)
            .map(|i| if i == bins { hi } else { lo + width * i as f64 })
            .collect();
        let masses = q.pmf(&edges[1..bins])?;
        let mut counts: Vec<u64> = masses
            .iter()
            .map(|m| (m * n as f64).round() as u64)
            .collect();
        // Rounding may leave the total off by a value or two; keep it exact.
        let total: u64 = counts.iter().sum();
        if let Some(last) = counts.iter_mut().max() {
            *last = (*last + n).saturating_sub(total);
        }
        Some(Histogram { edges, counts })
    }
    /// Estimated number of distinct non-null values (HLL, about 1.6 % relative error).
    pub fn distinct_estimate(&self) -> Option<f64> {
        self.distinct.as_ref().map(|d| d.estimate())
    }
    /// The `k` most frequent non-null values with their counts, most frequent
    /// first, ties broken by value. Exact while the column has at most 384
    /// distinct values; beyond, only values whose true count surely exceeds
    /// [`top_k_max_error`](Self::top_k_max_error) are listed (none for a
    /// uniform high-cardinality column), with counts within that error.
    pub fn top_k(&self, k: usize) -> Vec<TopValue> {
        let Some(f) = &self.frequent else {
            return vec![];
        };
        let rows: Vec<TopValue> = match self.kind {
            ValueKind::String => f
                .str_rows()
                .into_iter()
                .map(|r| TopValue {
                    value: Scalar::Str(r.value),
                    count: r.count,
                })
                .collect(),
            ValueKind::Boolean => f
                .int_rows()
                .into_iter()
                .map(|r| TopValue {
                    value: Scalar::Bool(r.value != 0),
                    count: r.count,
                })
                .collect(),
            _ if self.is_float() => {
                let mut rows: Vec<TopValue> = f
                    .int_rows()
                    .into_iter()
                    .map(|r| TopValue {
                        value: Scalar::Float(f64::from_bits(r.value as u64)),
                        count: r.count,
                    })
                    .collect();
                // Ties by numeric value, not by bit pattern.
                rows.sort_by(|a, b| {
                    b.count.cmp(&a.count).then(
                        a.value
                            .as_f64()
                            .partial_cmp(&b.value.as_f64())
                            .unwrap_or(std::cmp::Ordering::Equal),
                    )
                });
                rows
            }
            _ => f
                .int_rows()
                .into_iter()
                .map(|r| TopValue {
                    value: Scalar::Int(r.value),
                    count: r.count,
                })
                .collect(),
        };
        rows.into_iter().take(k).collect()
    }
    /// The largest error of any [`top_k`](Self::top_k) count; 0 while they are exact.
    pub fn top_k_max_error(&self) -> u64 {
        self.frequent.as_ref().map_or(0, |f| f.max_error())
    }
    /// Shortest string (characters) or binary (bytes) length.
    pub fn length_min(&self) -> Option<u64> {
        (self.lengths.n > 0).then_some(self.lengths.min)
    }
    /// Mean string or binary length.
    pub fn length_mean(&self) -> Option<f64> {
        self.lengths.mean()
    }
    /// Longest string or binary length.
    pub fn length_max(&self) -> Option<u64> {
        (self.lengths.n > 0).then_some(self.lengths.max)
    }
    /// What the values mean, inferred from the type and the statistics.
    pub fn semantic_type(&self) -> SemanticType {
        infer(self)
    }

    pub(crate) fn is_float(&self) -> bool {
        self.kind == ValueKind::Numeric
            && (self.data_type.starts_with("Float") || self.data_type.starts_with("Decimal"))
    }
}
