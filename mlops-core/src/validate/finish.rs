//! From a check's accumulated state to its result: the statistic, the
//! verdict, and for row-level checks the unexpected counts and rows, with
//! Great Expectations' definitions (percent of the non-missing rows;
//! success when the passing fraction of them reaches `mostly`).

use serde_json::{json, Value};

use super::check::{Check, CheckKind};
use super::kernel::{Compiled, Kernel, Stat};
use super::result::{CheckResult, Unexpected};
use super::result_json_f64 as num;
use super::state::{MapState, Part, State};
use crate::profile::Profile;

fn within<T: PartialOrd>(x: T, min: Option<T>, max: Option<T>) -> bool {
    min.is_none_or(|m| x >= m) && max.is_none_or(|m| x <= m)
}

/// `values[idx]` by numpy's `nearest` rule (round half to even), as pandas'
/// `quantile(q, interpolation="nearest")`, which Great Expectations uses.
fn nearest_quantile(v: &mut [f64], q: f64) -> f64 {
    let pos = q * (v.len() - 1) as f64;
    let mut idx = pos.round();
    if (pos - pos.trunc() - 0.5).abs() < 1e-12 && idx % 2.0 != 0.0 {
        idx -= 1.0;
    }
    let i = (idx as usize).min(v.len() - 1);
    *v.select_nth_unstable_by(i, f64::total_cmp).1
}

/// The median: the middle value, or the mean of the two middle values.
fn median(v: &mut [f64]) -> f64 {
    let n = v.len();
    let hi = *v.select_nth_unstable_by(n / 2, f64::total_cmp).1;
    if n % 2 == 1 {
        return hi;
    }
    let lo = v[..n / 2].iter().copied().fold(f64::NEG_INFINITY, f64::max);
    (lo + hi) / 2.0
}

/// Whether a JSON value from a set equals a value of the data.
fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        _ => a == b,
    }
}

/// The result of one check from its state over all rows.
pub(crate) fn finish(check: &Check, c: &Compiled, part: Part, limit: usize) -> CheckResult {
    let kind = &check.kind;
    let mut r = CheckResult {
        index: c.index,
        check: kind.name().into(),
        name: check.name.clone(),
        columns: kind.columns().into_iter().map(String::from).collect(),
        severity: check.severity,
        success: false,
        observed_value: Value::Null,
        element_count: part.rows,
        missing_count: part.missing,
        unexpected_count: None,
        unexpected_percent: None,
        partial_unexpected: Vec::new(),
        mostly: check.mostly,
        reason: None,
        spec: serde_json::to_value(check).unwrap_or(Value::Null),
    };
    let present = part.rows - part.missing;
    let map_result = |r: &mut CheckResult, m: MapState, denominator: u64| {
        let passing = denominator - m.unexpected.min(denominator);
        r.unexpected_count = Some(m.unexpected);
        r.unexpected_percent = Some(if denominator == 0 {
            0.0
        } else {
            100.0 * m.unexpected as f64 / denominator as f64
        });
        r.partial_unexpected = m.samples;
        let fraction = if denominator == 0 {
            1.0
        } else {
            passing as f64 / denominator as f64
        };
        r.observed_value = num(fraction);
        r.success = denominator == 0 || fraction >= check.mostly.unwrap_or(1.0);
    };
    match (&c.kernel, part.state) {
        (Kernel::Failed(e), _) => r.reason = Some(e.clone()),
        (_, State::Failed(e)) => r.reason = Some(e),
        (Kernel::Schema { success, observed }, _) => {
            r.success = *success;
            r.observed_value = observed.clone();
            if !success {
                r.reason = Some(match kind {
                    CheckKind::ColumnExists { column } => {
                        format!("column '{column}' is not in the data")
                    }
                    _ => format!("the column's type is {observed}"),
                });
            }
        }
        (Kernel::RowCount { min, max }, _) => {
            r.observed_value = json!(part.rows);
            r.success = within(part.rows, *min, *max);
        }
        (Kernel::NullFraction { max }, _) => {
            let f = if part.rows == 0 {
                0.0
            } else {
                part.missing as f64 / part.rows as f64
            };
            r.observed_value = num(f);
            r.success = f <= *max;
        }
        (Kernel::NotNull, State::Map(m)) => {
            // Nulls are what this check counts: percent of all rows.
            r.missing_count = 0;
            map_result(&mut r, m, part.rows);
            r.missing_count = part.missing;
        }
        (_, State::Map(m)) => map_result(&mut r, m, present),
        (Kernel::Monotonic { .. }, State::Mono { map, .. }) => map_result(&mut r, map, present),
        (Kernel::Unique | Kernel::Compound, State::Keys(k)) => {
            let mut rows: Vec<(u64, Value)> = Vec::new();
            let mut unexpected = 0;
            for (v, e) in k.entries() {
                if e.count > 1 {
                    unexpected += e.count;
                    rows.extend(
                        std::iter::once(e.first)
                            .chain(e.more.iter().copied())
                            .map(|r| (r, v.clone())),
                    );
                }
            }
            rows.sort_by_key(|(r, _)| *r);
            rows.truncate(limit);
            let m = MapState {
                unexpected,
                samples: rows
                    .into_iter()
                    .map(|(row, value)| Unexpected {
                        row,
                        value,
                        partition: None,
                    })
                    .collect(),
            };
            map_result(&mut r, m, present);
        }
        (Kernel::Distinct { min, max }, State::Keys(k)) => {
            let n = k.len() as u64;
            r.observed_value = json!(n);
            r.success = within(n, *min, *max);
        }
        (Kernel::MostCommon { values, ties_okay }, State::Keys(k)) => {
            let entries = k.entries();
            let top = entries.iter().map(|(_, e)| e.count).max().unwrap_or(0);
            let mut modes: Vec<Value> = entries
                .into_iter()
                .filter(|(_, e)| e.count == top && top > 0)
                .map(|(v, _)| v)
                .collect();
            modes.sort_by_key(|v| v.to_string());
            let inter = modes
                .iter()
                .filter(|m| values.iter().any(|v| same(v, m)))
                .count();
            r.success = if *ties_okay {
                inter > 0
            } else {
                modes.len() == 1 && inter == 1
            };
            if modes.is_empty() {
                r.reason = Some("the column has no values".into());
            }
            r.observed_value = Value::Array(modes);
        }
        (Kernel::Stat { stat, min, max }, state) => {
            let value = match (stat, state) {
                (Stat::Min, State::Moments { m, min, .. }) => (m.n > 0).then_some(min),
                (Stat::Max, State::Moments { m, max, .. }) => (m.n > 0).then_some(max),
                (Stat::Mean, State::Moments { m, .. }) => m.mean(),
                (Stat::Std, State::Moments { m, .. }) => m.variance().map(f64::sqrt),
                (Stat::Median, State::Values(mut v)) => (!v.is_empty()).then(|| median(&mut v)),
                (Stat::Quantile(q), State::Values(mut v)) => {
                    (!v.is_empty()).then(|| nearest_quantile(&mut v, *q))
                }
                _ => None,
            };
            match value {
                Some(x) => {
                    r.observed_value = num(x);
                    r.success = within(x, *min, *max);
                }
                None => r.reason = Some("the column has too few values for the statistic".into()),
            }
        }
        (Kernel::Freshness { max_age, unit, now }, State::Newest(newest)) => match newest {
            Some(x) => {
                let newest = x * unit;
                let age = now - newest;
                r.observed_value =
                    json!({ "newest_epoch_seconds": num(newest), "age_seconds": num(age) });
                r.success = age <= *max_age;
                if !r.success {
                    r.reason = Some(format!(
                        "the newest value is {age:.0} s old, more than {max_age:.0} s"
                    ));
                }
            }
            None => r.reason = Some("the column has no values".into()),
        },
        (Kernel::Distribution { reference, opts }, State::Profile(cur)) => {
            let rows = cur.count;
            let (rp, cp) = (
                Profile::from_parts(reference.count, vec![(**reference).clone()]),
                Profile::from_parts(rows, vec![*cur]),
            );
            match crate::drift::drift_profiles(&rp, &cp, opts) {
                Ok(report) => match report.columns.first() {
                    Some(d) => {
                        r.success = !d.value_drifted;
                        r.observed_value = json!({
                            "method": d.method.map(|m| m.name()),
                            "score": d.score.map(num),
                            "threshold": d.threshold,
                            "drifted": d.value_drifted,
                        });
                        if let Some(s) = &d.skipped {
                            r.reason = Some(s.clone());
                        }
                    }
                    None => r.reason = Some("the column was not tested".into()),
                },
                Err(e) => r.reason = Some(e.to_string()),
            }
        }
        (_, _) => r.reason = Some("no data was read for this check".into()),
    }
    r
}
