//! What a drift report tests and how: methods and thresholds (global and
//! per column), the dataset rule, the multiple-testing correction and the
//! null-rate test.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::method::Method;
use crate::error::{Error, Result};

/// A multiple-testing correction applied to the report's p-values (value
/// tests with a p-value, and the null-rate tests) before they are compared
/// with their thresholds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Correction {
    /// None: each p-value against its threshold (Evidently's behaviour).
    #[default]
    None,
    /// Bonferroni: each p-value times the number of p-values, at most 1.
    Bonferroni,
    /// Benjamini–Hochberg: adjusted p-values controlling the false discovery rate.
    BenjaminiHochberg,
}

display_as_str!(Correction);

impl std::str::FromStr for Correction {
    type Err = Error;

    /// Parses `none`, `bonferroni` or `benjamini_hochberg` (also `bh`,
    /// `fdr_bh`, and the empty string for none).
    ///
    /// ```
    /// use mlops_core::drift::Correction;
    /// assert_eq!("fdr_bh".parse::<Correction>().unwrap(), Correction::BenjaminiHochberg);
    /// assert!("holm".parse::<Correction>().is_err());
    /// ```
    fn from_str(s: &str) -> Result<Self> {
        Ok(match s {
            "none" | "" => Correction::None,
            "bonferroni" => Correction::Bonferroni,
            "benjamini_hochberg" | "bh" | "fdr_bh" => Correction::BenjaminiHochberg,
            _ => {
                return Err(Error::InvalidInput(format!(
                    "unknown correction '{s}' (expected none, bonferroni or benjamini_hochberg)"
                )))
            }
        })
    }
}

impl Correction {
    /// Every correction, in the order of their documentation.
    pub const ALL: [Correction; 3] = [
        Correction::None,
        Correction::Bonferroni,
        Correction::BenjaminiHochberg,
    ];

    /// The name in options and reports (its serde name): `none`,
    /// `bonferroni` or `benjamini_hochberg`.
    pub fn as_str(&self) -> &'static str {
        match self {
            Correction::None => "none",
            Correction::Bonferroni => "bonferroni",
            Correction::BenjaminiHochberg => "benjamini_hochberg",
        }
    }

    /// Adjusted p-values, in the order given (as `statsmodels`'
    /// `multipletests(method="bonferroni" | "fdr_bh")`).
    ///
    /// ```
    /// use mlops_core::drift::Correction;
    /// let p = [0.01, 0.04, 0.03];
    /// assert_eq!(Correction::Bonferroni.adjust(&p), vec![0.03, 0.12, 0.09]);
    /// let bh = Correction::BenjaminiHochberg.adjust(&p);
    /// assert!((bh[0] - 0.03).abs() < 1e-15 && (bh[1] - 0.04).abs() < 1e-15);
    /// ```
    pub fn adjust(&self, p: &[f64]) -> Vec<f64> {
        let m = p.len() as f64;
        match self {
            Correction::None => p.to_vec(),
            Correction::Bonferroni => p.iter().map(|x| (x * m).min(1.0)).collect(),
            Correction::BenjaminiHochberg => {
                let mut idx: Vec<usize> = (0..p.len()).collect();
                idx.sort_by(|&a, &b| p[a].total_cmp(&p[b]));
                let mut out = vec![0.0; p.len()];
                let mut running = 1.0f64;
                for (rank, &i) in idx.iter().enumerate().rev() {
                    running = running.min(p[i] * m / (rank + 1) as f64);
                    out[i] = running.min(1.0);
                }
                out
            }
        }
    }
}

/// A per-column choice of method and threshold.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ColumnOptions {
    /// The method, instead of the default choice.
    pub method: Option<Method>,
    /// The threshold, instead of the method's default.
    #[serde(default, deserialize_with = "float::opt")]
    pub threshold: Option<f64>,
}

/// Options of a drift report. `DriftOptions::default()` is Evidently's
/// data drift preset plus the null-rate test.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DriftOptions {
    /// Only these columns (in this order); all shared columns when `None`.
    pub columns: Option<Vec<String>>,
    /// One method for every column, instead of Evidently's default choice.
    pub method: Option<Method>,
    /// One threshold for every column, instead of the method's default.
    #[serde(deserialize_with = "float::opt")]
    pub threshold: Option<f64>,
    /// Per-column overrides, which win over `method` and `threshold`.
    pub per_column: BTreeMap<String, ColumnOptions>,
    /// The dataset drifts when at least this share of its columns drift (Evidently: 0.5).
    #[serde(deserialize_with = "float::num")]
    pub drift_share: f64,
    /// Multiple-testing correction of the p-values.
    pub correction: Correction,
    /// Whether a change in the share of missing values (null, NaN, ±inf) is tested.
    pub null_test: bool,
    /// P-value threshold of the null-rate test.
    #[serde(deserialize_with = "float::num")]
    pub null_threshold: f64,
    /// Smallest effect (Cohen's h between the missing shares) that counts as
    /// null-rate drift, so huge samples do not flag negligible changes.
    #[serde(deserialize_with = "float::num")]
    pub null_min_effect: f64,
    /// Whether datetime columns are tested (as numbers in their unit).
    pub include_datetime: bool,
    /// Whether a distance at or above its threshold must also be
    /// statistically significant (chi-square on the counts, or KS, p-value
    /// below `significance_level`) to count as drift. Guards against
    /// sampling noise, which makes distances over many categories or small
    /// samples large; `false` gives Evidently's verdicts exactly.
    pub significance_guard: bool,
    /// The p-value below which the significance guard confirms a distance.
    #[serde(deserialize_with = "float::num")]
    pub significance_level: f64,
}

impl Default for DriftOptions {
    fn default() -> Self {
        Self {
            columns: None,
            method: None,
            threshold: None,
            per_column: BTreeMap::new(),
            drift_share: 0.5,
            correction: Correction::None,
            null_test: true,
            null_threshold: 0.05,
            null_min_effect: 0.1,
            include_datetime: false,
            significance_guard: true,
            significance_level: 0.05,
        }
    }
}

impl DriftOptions {
    /// Checks the values are in range; errors name the option and the value
    /// (`drift option 'threshold' must be a finite number >= 0, got NaN`).
    pub fn validate(&self) -> Result<()> {
        let prob = |name: &str, v: f64| {
            if (0.0..=1.0).contains(&v) {
                Ok(())
            } else {
                Err(Error::InvalidInput(format!(
                    "drift option '{name}' must be a number between 0 and 1, got {v}"
                )))
            }
        };
        prob("drift_share", self.drift_share)?;
        prob("null_threshold", self.null_threshold)?;
        prob("significance_level", self.significance_level)?;
        let nonneg = |name: &str, v: f64| {
            if v.is_finite() && v >= 0.0 {
                Ok(())
            } else {
                Err(Error::InvalidInput(format!(
                    "drift option '{name}' must be a finite number >= 0, got {v}"
                )))
            }
        };
        nonneg("null_min_effect", self.null_min_effect)?;
        if let Some(t) = self.threshold {
            nonneg("threshold", t)?;
        }
        for (c, o) in &self.per_column {
            if let Some(t) = o.threshold {
                nonneg(&format!("per_column['{c}'].threshold"), t)?;
            }
        }
        Ok(())
    }

    /// The method and threshold asked for `column`, if any.
    pub(crate) fn for_column(&self, column: &str) -> (Option<Method>, Option<f64>) {
        let o = self.per_column.get(column);
        (
            o.and_then(|o| o.method).or(self.method),
            o.and_then(|o| o.threshold).or(self.threshold),
        )
    }

    /// The columns to compare: `columns` when set, else every column of the
    /// reference (`reference()`, in order), unless `first_new()` finds a
    /// current column the reference lacks: that is an
    /// [`Error::SchemaMismatch`] (`what`: `data` or `profile`).
    pub(crate) fn columns_to_compare(
        &self,
        what: &str,
        first_new: impl FnOnce() -> Option<String>,
        reference: impl FnOnce() -> Vec<String>,
    ) -> Result<Vec<String>> {
        if let Some(c) = &self.columns {
            return Ok(c.clone());
        }
        match first_new() {
            Some(name) => Err(Error::SchemaMismatch(format!(
                "column '{name}' is in the current {what} but not in the reference"
            ))),
            None => Ok(reference()),
        }
    }

    /// Parses options from JSON (the form the bindings and the CLI take);
    /// unknown fields are refused with their name. Non-finite numbers, which
    /// JSON cannot hold, may come as the bare tokens `NaN`, `Infinity` and
    /// `-Infinity` (Python's `json.dumps`) or as those strings (what the
    /// Node layer sends): they are read as numbers, so that validation
    /// refuses them naming the option.
    pub fn from_json(s: &str) -> Result<Self> {
        let o: DriftOptions = serde_json::from_str(&float::quote_non_finite(s))
            .map_err(|e| Error::InvalidInput(format!("drift options: {e}")))?;
        o.validate()?;
        Ok(o)
    }
}

/// Reading the non-finite numbers JSON has no spelling for.
mod float {
    use serde::{Deserialize, Deserializer};

    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Repr {
        Num(f64),
        Str(String),
    }

    fn from_repr<E: serde::de::Error>(r: Repr) -> Result<f64, E> {
        match r {
            Repr::Num(x) => Ok(x),
            Repr::Str(s) => match s.as_str() {
                "NaN" | "nan" => Ok(f64::NAN),
                "Infinity" | "inf" => Ok(f64::INFINITY),
                "-Infinity" | "-inf" => Ok(f64::NEG_INFINITY),
                _ => Err(E::custom(format!("expected a number, got \"{s}\""))),
            },
        }
    }

    /// A number, or `"NaN"`, `"Infinity"`, `"-Infinity"`.
    pub(super) fn num<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
        from_repr(Repr::deserialize(d)?)
    }

    /// As [`num`], or `null` for none.
    pub(super) fn opt<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
        Option::<Repr>::deserialize(d)?.map(from_repr).transpose()
    }

    /// `s` with the bare tokens `NaN`, `Infinity` and `-Infinity` outside
    /// strings turned into strings, which [`num`] reads back.
    pub(super) fn quote_non_finite(s: &str) -> String {
        let mut out = String::with_capacity(s.len());
        let (mut in_str, mut escaped) = (false, false);
        let mut rest = s;
        while let Some(c) = rest.chars().next() {
            if in_str {
                in_str = c != '"' || escaped;
                escaped = c == '\\' && !escaped;
            } else if c == '"' {
                in_str = true;
            } else if let Some(tok) = ["-Infinity", "Infinity", "NaN"]
                .into_iter()
                .find(|t| rest.starts_with(t))
            {
                out.push('"');
                out.push_str(tok);
                out.push('"');
                rest = &rest[tok.len()..];
                continue;
            }
            out.push(c);
            rest = &rest[c.len_utf8()..];
        }
        out
    }

    #[cfg(test)]
    mod tests {
        #[test]
        fn bare_tokens_outside_strings_are_quoted() {
            assert_eq!(
                super::quote_non_finite(
                    r#"{"a": NaN, "b": "NaN x", "c": [-Infinity, Infinity], "d\\": "\"NaN"}"#
                ),
                r#"{"a": "NaN", "b": "NaN x", "c": ["-Infinity", "Infinity"], "d\\": "\"NaN"}"#
            );
        }
    }
}

#[cfg(test)]
mod correction_tests {
    use super::Correction;

    #[test]
    fn corrections_take_their_aliases() {
        assert_eq!(
            "bh".parse::<Correction>().unwrap(),
            Correction::BenjaminiHochberg
        );
        assert_eq!("".parse::<Correction>().unwrap(), Correction::None);
        assert!("holm".parse::<Correction>().is_err());
    }
}
