//! The summary of a metric series: what one flush adds and what a run shows
//! without reading its points. Every field merges exactly, so the summary of
//! a run is the merge of its flushes' summaries in the order they were
//! written, whatever their sizes.

use serde::{Deserialize, Serialize};

/// The summary of one series (a key and an optional context) over some of
/// its points. `min`, `max` and `sum` are over the values that are not NaN
/// (infinities included); NaNs are counted in `nans`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SeriesSummary {
    /// The metric's key (`loss`).
    pub key: String,
    /// The series' context (`subset=train`), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context: Option<String>,
    /// Points, NaNs included.
    pub count: u64,
    /// Points whose value is NaN.
    pub nans: u64,
    /// The smallest step.
    pub first_step: i64,
    /// The largest step.
    pub last_step: i64,
    /// The value at the largest (step, time); among equal ones, the one
    /// logged last.
    #[serde(with = "json_f64")]
    pub last: f64,
    /// The time (Unix microseconds) of `last`.
    pub last_time: i64,
    /// The smallest value (NaN when every value is NaN).
    #[serde(with = "json_f64")]
    pub min: f64,
    /// The largest value (NaN when every value is NaN).
    #[serde(with = "json_f64")]
    pub max: f64,
    /// The sum of the values.
    #[serde(with = "json_f64")]
    pub sum: f64,
}

impl SeriesSummary {
    /// The summary of no points of `key`.
    pub fn new(key: &str, context: Option<&str>) -> Self {
        Self {
            key: key.to_string(),
            context: context.map(str::to_string),
            count: 0,
            nans: 0,
            first_step: i64::MAX,
            last_step: i64::MIN,
            last: f64::NAN,
            last_time: i64::MIN,
            min: f64::NAN,
            max: f64::NAN,
            sum: 0.0,
        }
    }

    /// Adds a point logged after every point already summarised.
    #[inline]
    pub fn push(&mut self, step: i64, time: i64, value: f64) {
        self.count += 1;
        self.first_step = self.first_step.min(step);
        if (step, time) >= (self.last_step, self.last_time) {
            self.last_step = step;
            self.last_time = time;
            self.last = value;
        }
        if value.is_nan() {
            self.nans += 1;
            return;
        }
        // `f64::min` keeps the number when the other side is NaN.
        self.min = self.min.min(value);
        self.max = self.max.max(value);
        self.sum += value;
    }

    /// Merges the summary of points logged after this one's.
    pub fn merge(&mut self, later: &SeriesSummary) {
        if later.count == 0 {
            return;
        }
        self.count += later.count;
        self.nans += later.nans;
        self.first_step = self.first_step.min(later.first_step);
        if (later.last_step, later.last_time) >= (self.last_step, self.last_time) {
            self.last_step = later.last_step;
            self.last_time = later.last_time;
            self.last = later.last;
        }
        self.min = self.min.min(later.min);
        self.max = self.max.max(later.max);
        self.sum += later.sum;
    }

    /// The mean of the values that are not NaN (NaN when there are none).
    pub fn mean(&self) -> f64 {
        let n = self.count - self.nans;
        if n == 0 {
            f64::NAN
        } else {
            self.sum / n as f64
        }
    }

    /// The series' name as search and listings show it: the key, then the
    /// context in brackets (`loss[subset=train]`).
    pub fn series(&self) -> String {
        match &self.context {
            None => self.key.clone(),
            Some(c) => format!("{}[{c}]", self.key),
        }
    }
}

/// `f64` in JSON: finite values as numbers, the others as the strings
/// `"NaN"`, `"Infinity"` and `"-Infinity"` (JSON has no such numbers, and
/// serde_json would write them as `null`, losing which one it was).
pub(crate) mod json_f64 {
    use serde::{de, Deserialize, Deserializer, Serializer};

    /// Writes `x`.
    pub fn serialize<S: Serializer>(x: &f64, s: S) -> Result<S::Ok, S::Error> {
        if x.is_finite() {
            s.serialize_f64(*x)
        } else if x.is_nan() {
            s.serialize_str("NaN")
        } else if *x > 0.0 {
            s.serialize_str("Infinity")
        } else {
            s.serialize_str("-Infinity")
        }
    }

    /// Reads what [`serialize`] wrote.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum F {
            N(f64),
            S(String),
        }
        match F::deserialize(d)? {
            F::N(x) => Ok(x),
            F::S(s) => match s.as_str() {
                "NaN" => Ok(f64::NAN),
                "Infinity" => Ok(f64::INFINITY),
                "-Infinity" => Ok(f64::NEG_INFINITY),
                other => Err(de::Error::custom(format!("'{other}' is not a number"))),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_merge_of_halves_is_the_summary_of_the_whole() {
        let pts: Vec<(i64, i64, f64)> = (0..100)
            .map(|i| {
                (
                    (i * 7) % 31,
                    i,
                    if i % 13 == 0 {
                        f64::NAN
                    } else {
                        (i as f64).sin()
                    },
                )
            })
            .collect();
        let mut whole = SeriesSummary::new("loss", None);
        pts.iter().for_each(|&(s, t, v)| whole.push(s, t, v));
        let mut a = SeriesSummary::new("loss", None);
        let mut b = SeriesSummary::new("loss", None);
        pts[..40].iter().for_each(|&(s, t, v)| a.push(s, t, v));
        pts[40..].iter().for_each(|&(s, t, v)| b.push(s, t, v));
        a.merge(&b);
        assert_eq!(a.count, 100);
        assert_eq!(a.nans, 8);
        assert_eq!((a.first_step, a.last_step), (0, 30));
        assert_eq!(a.min, whole.min);
        assert_eq!(a.max, whole.max);
        assert_eq!(a.last.to_bits(), whole.last.to_bits());
        assert!((a.sum - whole.sum).abs() < 1e-12);
    }

    #[test]
    fn non_finite_values_survive_json() {
        let mut s = SeriesSummary::new("x", Some("subset=train"));
        s.push(0, 0, f64::INFINITY);
        s.push(1, 1, f64::NAN);
        let json = serde_json::to_string(&s).unwrap();
        assert!(json.contains(r#""last":"NaN""#), "{json}");
        assert!(json.contains(r#""max":"Infinity""#), "{json}");
        let back: SeriesSummary = serde_json::from_str(&json).unwrap();
        assert!(back.last.is_nan());
        assert_eq!(back.max, f64::INFINITY);
        assert_eq!(back.series(), "x[subset=train]");
    }
}
