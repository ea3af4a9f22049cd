//! A monitor's validation suite, evaluated per (window, segment).
//!
//! The suite is stored once in the content store (its JSON, by hash; the
//! hash is in the monitor's settings, [`super::MonitorConfig::suite`]).
//! Windows are built from deltas — several flushes, several processes —
//! so each delta carries the checks' **partial state** over its rows (the
//! [`crate::accumulate`] state bytes, a blob named by the
//! [`super::WindowDelta`] like its profile), and a window's verdicts are
//! those states merged and finished: for the checks evaluated per window
//! they equal validating all the window's rows at once
//! ([`crate::validate::validate_batches`]) — verdicts, unexpected and
//! missing counts and percents exactly; observed means and standard
//! deviations (`mean_between`, `std_between`) up to floating-point
//! rounding (Chan's merge, about 1e-15 relative).
//!
//! Checks **not evaluated per window** (counted in `suite.not_evaluated`,
//! no other field; a suite with no other check is refused):
//!
//! - `unique`, `compound_unique`, `median_between`, `quantile_between`,
//!   `distinct_count_between`, `most_common_in_set`: their exact state is
//!   every (distinct) value, which grows with the window (see
//!   [`crate::accumulate::unmergeable`]); the window's profile fields
//!   and drift cover the approximate figures.
//! - `increasing`, `decreasing`: rows of one window arrive in several
//!   flushes from several processes, with no order between them.
//! - `freshness`: a window's rows are as fresh as the window; rules on the
//!   window results watch time.
//! - `distribution`: the monitor's drift fields compare every window with
//!   its reference.
//!
//! The suite's checks read the monitor's profiled columns (all but the
//! timestamp, the id and the target); a check naming another column is
//! refused when the monitor is created (or, without a reference, when its
//! first batch fixes the schema) with [`Error::InvalidInput`] naming the
//! check and the column.
//!
//! Window fields (`<check>` is the check's `name`, or `<kind>.<columns>`
//! when it has none, made unique with `_<index>`):
//!
//! | field | what |
//! | --- | --- |
//! | `suite.success` | 1 when no error-severity check failed, else 0 |
//! | `suite.checks`, `suite.failed` | checks evaluated, and those that failed (any severity) |
//! | `suite.not_evaluated` | checks of the suite not evaluated per window (when there are any) |
//! | `suite.<check>.success` | 1 or 0 |
//! | `suite.<check>.unexpected_percent` | row-level checks: unexpected rows, percent of the non-missing rows |
//! | `suite.<check>.observed` | when the observed value is a number (a mean, a null fraction, ...) |
//!
//! With a reference, the same fields of the whole reference and their mean
//! and std over its windows are `reference.suite.<...>` in rules.

use std::collections::{BTreeMap, BTreeSet};

use arrow::array::RecordBatch;
use arrow::datatypes::Schema;

use crate::accumulate::{unmergeable, Accumulator, Finished, Spec};
use crate::error::{Error, Result};
use crate::store::{Hash, Store};
use crate::validate::{CheckKind, Suite, ValidateOptions, ValidationResult};

/// Why check `kind` is not evaluated per window, if it is not.
pub(crate) fn not_per_window(kind: &CheckKind) -> Option<&'static str> {
    if unmergeable(kind).is_some() {
        return Some("its exact state grows with the window's distinct values");
    }
    match kind {
        CheckKind::Increasing { .. } | CheckKind::Decreasing { .. } => {
            Some("a window's rows come in flushes from several processes, in no order")
        }
        CheckKind::Freshness { .. } => Some("a window's rows are as fresh as the window"),
        CheckKind::Distribution { .. } => {
            Some("the monitor's drift fields compare each window with its reference")
        }
        _ => None,
    }
}

/// A monitor's suite, ready to validate window parts.
#[derive(Debug, Clone)]
pub(crate) struct WindowSuite {
    /// The validation of the checks evaluated per window (a fixed clock
    /// and no unexpected rows kept: the same spec in every process).
    spec: Spec,
    /// The whole suite, as stored.
    suite: Suite,
    /// The field name of each check evaluated, in the spec's order.
    names: Vec<String>,
    /// Checks of the suite not evaluated per window.
    skipped: usize,
}

impl WindowSuite {
    /// The per-window validation of `suite`.
    pub(crate) fn new(suite: &Suite) -> Result<WindowSuite> {
        suite.validate_spec()?;
        let mut names = Vec::new();
        let mut seen = BTreeSet::new();
        let mut kept = Vec::new();
        for (i, c) in suite.checks.iter().enumerate() {
            if not_per_window(&c.kind).is_some() {
                continue;
            }
            let mut name = c.name.clone().unwrap_or_else(|| {
                std::iter::once(c.kind.name())
                    .chain(c.kind.columns())
                    .collect::<Vec<_>>()
                    .join(".")
            });
            if !seen.insert(name.clone()) {
                name = format!("{name}_{i}");
                seen.insert(name.clone());
            }
            names.push(name);
            kept.push(c.clone());
        }
        if kept.is_empty() {
            let why: Vec<String> = suite
                .checks
                .iter()
                .enumerate()
                .filter_map(|(i, c)| {
                    not_per_window(&c.kind).map(|w| format!("checks[{i}] ({}): {w}", c.kind.name()))
                })
                .collect();
            return Err(Error::InvalidInput(format!(
                "suite '{}' has no check a monitor evaluates per window{}",
                suite.name,
                if why.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", why.join("; "))
                }
            )));
        }
        let skipped = suite.checks.len() - kept.len();
        let per_window = Suite {
            name: suite.name.clone(),
            description: None,
            checks: kept,
            base_dir: None,
            origin: None,
        };
        let spec = Spec::validation(
            per_window,
            &ValidateOptions {
                unexpected_limit: 0,
                now: Some(0.0),
            },
        )?;
        Ok(WindowSuite {
            spec,
            suite: suite.clone(),
            names,
            skipped,
        })
    }

    /// The bytes stored for `suite` (its JSON).
    pub(crate) fn bytes(suite: &Suite) -> Vec<u8> {
        suite.to_json().into_bytes()
    }

    /// Stores `suite` and returns its hash.
    pub(crate) fn put(store: &Store, suite: &Suite) -> Result<Hash> {
        store.put_blob(&Self::bytes(suite))
    }

    /// Reads the suite stored as `hash`.
    pub(crate) fn load(store: &Store, hash: &Hash) -> Result<WindowSuite> {
        let bytes = store.get_blob(hash.as_str())?;
        let text = std::str::from_utf8(&bytes)
            .map_err(|e| Error::Integrity(format!("monitor suite {hash}: {e}")))?;
        WindowSuite::new(&Suite::from_json(text)?)
    }

    /// The suite as given.
    pub(crate) fn suite(&self) -> &Suite {
        &self.suite
    }

    /// Checks that every check's columns are among the monitor's profiled
    /// columns `schema` ([`Error::InvalidInput`] naming the check and the
    /// column), and binds the checks evaluated per window to it.
    pub(crate) fn check_schema(&self, schema: &Schema) -> Result<()> {
        for (i, c) in self.suite.checks.iter().enumerate() {
            if matches!(c.kind, CheckKind::ColumnExists { .. }) {
                continue;
            }
            for col in c.kind.columns() {
                if schema.index_of(col).is_err() {
                    let names: Vec<&str> =
                        schema.fields().iter().map(|f| f.name().as_str()).collect();
                    return Err(Error::InvalidInput(format!(
                        "monitor option 'suite': checks[{i}] ({}) names column '{col}', which the monitor does not validate \
                         (its columns: {}; the timestamp, id and target columns are not validated)",
                        c.kind.name(),
                        names.join(", ")
                    )));
                }
            }
        }
        self.spec.running(schema)?;
        Ok(())
    }

    /// An empty state.
    pub(crate) fn state(&self) -> SuiteState {
        SuiteState {
            spec: self.spec.clone(),
            acc: None,
        }
    }

    /// The window fields of the states stored as `states` (a window's
    /// deltas, in log order); none when there are no states.
    pub(crate) fn fields(&self, store: &Store, states: &[Hash]) -> Result<BTreeMap<String, f64>> {
        let mut merged = self.state();
        for h in states {
            merged.merge(self.read(&store.get_blob(h.as_str())?)?)?;
        }
        Ok(match merged.finish()? {
            Some(r) => self.result_fields(&r),
            None => BTreeMap::new(),
        })
    }

    /// The window fields of `batch`'s rows (of the monitor's profiled
    /// schema) validated at once: the reference's figures.
    pub(crate) fn fields_of(&self, batch: &RecordBatch) -> Result<BTreeMap<String, f64>> {
        let mut s = self.state();
        s.update(batch)?;
        Ok(match s.finish()? {
            Some(r) => self.result_fields(&r),
            None => BTreeMap::new(),
        })
    }

    /// A state from [`SuiteState::to_bytes`].
    pub(crate) fn read(&self, bytes: &[u8]) -> Result<SuiteState> {
        Ok(SuiteState {
            spec: self.spec.clone(),
            acc: Some(Accumulator::from_bytes(&self.spec, bytes)?),
        })
    }

    /// The window fields of a result of the per-window checks.
    pub(crate) fn result_fields(&self, r: &ValidationResult) -> BTreeMap<String, f64> {
        let mut f = BTreeMap::new();
        let flag = |b: bool| f64::from(u8::from(b));
        f.insert("suite.success".into(), flag(r.success));
        f.insert("suite.checks".into(), r.statistics.evaluated as f64);
        f.insert(
            "suite.failed".into(),
            (r.statistics.evaluated - r.statistics.successful) as f64,
        );
        if self.skipped > 0 {
            f.insert("suite.not_evaluated".into(), self.skipped as f64);
        }
        for (name, c) in self.names.iter().zip(&r.results) {
            f.insert(format!("suite.{name}.success"), flag(c.success));
            if let Some(p) = c.unexpected_percent {
                f.insert(format!("suite.{name}.unexpected_percent"), p);
            }
            if let Some(x) = c.observed_value.as_f64() {
                f.insert(format!("suite.{name}.observed"), x);
            }
        }
        f
    }

    /// The field names of the checks evaluated per window, in suite order.
    #[cfg(test)]
    pub(crate) fn names(&self) -> &[String] {
        &self.names
    }
}

/// The checks' partial state over some rows of one (window, segment).
pub(crate) struct SuiteState {
    spec: Spec,
    acc: Option<Accumulator>,
}

impl SuiteState {
    /// Folds the rows of `batch` (of the monitor's profiled schema) in.
    pub(crate) fn update(&mut self, batch: &RecordBatch) -> Result<()> {
        let mut one = Accumulator::new(&self.spec, 0);
        one.update(batch)?;
        self.merge(SuiteState {
            spec: self.spec.clone(),
            acc: Some(one),
        })
    }

    /// Joins the state of later rows in.
    pub(crate) fn merge(&mut self, other: SuiteState) -> Result<()> {
        let Some(mut b) = other.acc else {
            return Ok(());
        };
        self.acc = Some(match self.acc.take() {
            None => b,
            Some(mut a) => {
                // Numbered as they meet: `a`'s rows come first.
                a.renumber(0);
                b.renumber(1);
                Accumulator::merge(&self.spec, vec![a, b])?
            }
        });
        Ok(())
    }

    /// The state's bytes, or `None` when it saw no rows.
    pub(crate) fn to_bytes(&self) -> Result<Option<Vec<u8>>> {
        self.acc.as_ref().map(Accumulator::to_bytes).transpose()
    }

    /// The result over the rows seen, or `None` when it saw none.
    pub(crate) fn finish(self) -> Result<Option<ValidationResult>> {
        match self.acc {
            None => Ok(None),
            Some(a) => match a.finish()? {
                Finished::Validation(r) => Ok(Some(r)),
                Finished::Profile(_) => Err(Error::Integrity(
                    "a monitor suite's state holds a profile".into(),
                )),
            },
        }
    }
}

/// The state of one part's rows, when the monitor has a suite (what the
/// writer calls beside profiling the part).
pub(crate) fn part_state(
    suite: Option<&WindowSuite>,
    batch: &RecordBatch,
) -> Result<Option<SuiteState>> {
    suite
        .map(|s| {
            let mut st = s.state();
            st.update(batch).map(|()| st)
        })
        .transpose()
}

/// Joins a part's state into the buffered state of its (window, segment).
pub(crate) fn merge_into(slot: &mut Option<SuiteState>, state: Option<SuiteState>) -> Result<()> {
    match (slot.as_mut(), state) {
        (Some(a), Some(b)) => a.merge(b),
        (None, b) => {
            *slot = b;
            Ok(())
        }
        (Some(_), None) => Ok(()),
    }
}

/// Stores a buffered state (a flush); its hash goes in the window delta.
pub(crate) fn store_state(store: &Store, state: Option<&SuiteState>) -> Result<Option<Hash>> {
    match state.map(SuiteState::to_bytes).transpose()?.flatten() {
        Some(b) => Ok(Some(store.put_blob(&b)?)),
        None => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow::array::{ArrayRef, Float64Array, StringArray};

    use super::*;
    use crate::validate::{validate_batches, Check};

    fn batch(x: Vec<Option<f64>>, plan: Vec<Option<&str>>) -> RecordBatch {
        RecordBatch::try_from_iter_with_nullable([
            ("x", Arc::new(Float64Array::from(x)) as ArrayRef, true),
            ("plan", Arc::new(StringArray::from(plan)) as ArrayRef, true),
        ])
        .unwrap()
    }

    fn suite() -> Suite {
        Suite::new("s")
            .with(CheckKind::ValuesBetween {
                column: "x".into(),
                min: Some(0.0.into()),
                max: Some(10.0.into()),
                strict_min: false,
                strict_max: false,
            })
            .with(CheckKind::InSet {
                column: "plan".into(),
                values: vec!["free".into(), "pro".into()],
            })
            .with(Check::from(CheckKind::NotNull { column: "x".into() }).named("x_present"))
            .with(CheckKind::Unique {
                column: "plan".into(),
            })
    }

    #[test]
    fn merged_parts_equal_one_validation_and_bytes_round_trip() {
        let s = suite();
        let ws = WindowSuite::new(&s).unwrap();
        assert_eq!(ws.names(), ["values_between.x", "in_set.plan", "x_present"]);
        let a = batch(
            vec![Some(1.0), Some(11.0), None],
            vec![Some("free"), None, Some("gold")],
        );
        let b = batch(vec![Some(-1.0), Some(2.0)], vec![Some("pro"), Some("pro")]);
        let mut one = ws.state();
        one.update(&a).unwrap();
        let mut two = ws.state();
        two.update(&b).unwrap();
        let mut merged = ws.state();
        merged
            .merge(ws.read(&one.to_bytes().unwrap().unwrap()).unwrap())
            .unwrap();
        merged
            .merge(ws.read(&two.to_bytes().unwrap().unwrap()).unwrap())
            .unwrap();
        let got = merged.finish().unwrap().unwrap();
        let mut per_window = s.clone();
        per_window.checks.pop();
        let want = validate_batches(&per_window, &[a, b], &ValidateOptions::default()).unwrap();
        for (g, w) in got.results.iter().zip(&want.results) {
            assert_eq!(
                (
                    g.success,
                    g.unexpected_count,
                    g.unexpected_percent,
                    g.missing_count
                ),
                (
                    w.success,
                    w.unexpected_count,
                    w.unexpected_percent,
                    w.missing_count
                )
            );
        }
        let f = ws.result_fields(&got);
        assert_eq!(f["suite.values_between.x.unexpected_percent"], 50.0);
        assert_eq!(f["suite.in_set.plan.unexpected_percent"], 25.0);
        assert_eq!(f["suite.x_present.unexpected_percent"], 20.0);
        assert_eq!(
            (f["suite.success"], f["suite.failed"], f["suite.checks"]),
            (0.0, 3.0, 3.0)
        );
        assert_eq!(f["suite.not_evaluated"], 1.0);
    }

    #[test]
    fn a_suite_with_no_check_evaluated_per_window_is_refused_saying_why() {
        let only = Suite::new("ids").with(CheckKind::Unique {
            column: "plan".into(),
        });
        let e = WindowSuite::new(&only).unwrap_err().to_string();
        assert!(e.contains("checks[0] (unique)"), "{e}");
        assert!(WindowSuite::new(&Suite::new("empty")).is_err());
    }

    #[test]
    fn a_check_naming_a_column_the_monitor_lacks_is_named() {
        let ws = WindowSuite::new(&suite()).unwrap();
        let schema = Schema::new(vec![arrow::datatypes::Field::new(
            "x",
            arrow::datatypes::DataType::Float64,
            true,
        )]);
        let e = ws.check_schema(&schema).unwrap_err();
        assert!(matches!(e, Error::InvalidInput(_)), "{e}");
        let m = e.to_string();
        assert!(
            m.contains("checks[1] (in_set)") && m.contains("'plan'"),
            "{m}"
        );
    }
}
