//! The drift methods a column can be tested with, their names, default
//! thresholds and drift rules (Evidently's, where the method is Evidently's),
//! and Evidently's default choice of method.

use serde::{Deserialize, Deserializer, Serialize};

use crate::error::{Error, Result};

/// A drift test or distance, named as Evidently names its stat tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    /// Two-sample Kolmogorov–Smirnov (p-value), numeric only.
    Ks,
    /// Chi-square goodness of fit of current counts to the reference shares (p-value).
    #[serde(rename = "chisquare")]
    ChiSquare,
    /// Two-proportion Z-test, for two categories (p-value).
    Z,
    /// Wasserstein distance normed by the reference's standard deviation, numeric only.
    Wasserstein,
    /// Jensen–Shannon distance over Evidently's bins.
    #[serde(rename = "jensenshannon")]
    JensenShannon,
    /// Population stability index over Evidently's bins.
    Psi,
    /// Kullback–Leibler divergence over Evidently's bins.
    KlDiv,
    /// Hellinger distance over Evidently's bins.
    Hellinger,
    /// Anderson–Darling k-sample test (p-value), numeric only.
    Anderson,
    /// Cramér–von Mises two-sample test (p-value), numeric only.
    CramerVonMises,
    /// Energy distance, numeric only.
    #[serde(rename = "energy_dist")]
    Energy,
    /// TFDV's L-infinity distance between category shares.
    LInfinity,
}

/// Every method, in the order of [`Method::name`]'s documentation.
pub const ALL_METHODS: [Method; 12] = [
    Method::Ks,
    Method::ChiSquare,
    Method::Z,
    Method::Wasserstein,
    Method::JensenShannon,
    Method::Psi,
    Method::KlDiv,
    Method::Hellinger,
    Method::Anderson,
    Method::CramerVonMises,
    Method::Energy,
    Method::LInfinity,
];

impl Method {
    /// The name used in options, reports and the CLI: `ks`, `chisquare`, `z`,
    /// `wasserstein`, `jensenshannon`, `psi`, `kl_div`, `hellinger`,
    /// `anderson`, `cramer_von_mises`, `energy_dist`, `l_infinity`.
    pub fn name(&self) -> &'static str {
        match self {
            Method::Ks => "ks",
            Method::ChiSquare => "chisquare",
            Method::Z => "z",
            Method::Wasserstein => "wasserstein",
            Method::JensenShannon => "jensenshannon",
            Method::Psi => "psi",
            Method::KlDiv => "kl_div",
            Method::Hellinger => "hellinger",
            Method::Anderson => "anderson",
            Method::CramerVonMises => "cramer_von_mises",
            Method::Energy => "energy_dist",
            Method::LInfinity => "l_infinity",
        }
    }

    /// Whether the score is a p-value (drift when it is small) rather than a
    /// distance (drift when it is large).
    pub fn is_p_value(&self) -> bool {
        matches!(
            self,
            Method::Ks | Method::ChiSquare | Method::Z | Method::Anderson | Method::CramerVonMises
        )
    }

    /// Whether the method needs numbers (it cannot test categories).
    pub fn numeric_only(&self) -> bool {
        matches!(
            self,
            Method::Ks
                | Method::Wasserstein
                | Method::Anderson
                | Method::CramerVonMises
                | Method::Energy
        )
    }

    /// Evidently's default threshold: 0.05 for KS, chi-square and Z; 0.1 for
    /// Anderson–Darling, Cramér–von Mises and every distance.
    pub fn default_threshold(&self) -> f64 {
        match self {
            Method::Ks | Method::ChiSquare | Method::Z => 0.05,
            _ => 0.1,
        }
    }

    /// Evidently's drift rule for a score against a threshold: a p-value
    /// drifts when it is below the threshold (at or below for KS), a distance
    /// when it is at or above it.
    pub fn drifted(&self, score: f64, threshold: f64) -> bool {
        match self {
            Method::Ks => score <= threshold,
            m if m.is_p_value() => score < threshold,
            _ => score >= threshold,
        }
    }
}

impl std::str::FromStr for Method {
    type Err = Error;

    /// Parses [`name`](Method::name); the error lists the valid names.
    ///
    /// ```
    /// use mlops_core::drift::Method;
    /// assert_eq!("psi".parse::<Method>().unwrap(), Method::Psi);
    /// assert!("t-test".parse::<Method>().is_err());
    /// ```
    fn from_str(s: &str) -> Result<Self> {
        ALL_METHODS
            .iter()
            .copied()
            .find(|m| m.name() == s)
            .ok_or_else(|| {
                let names: Vec<&str> = ALL_METHODS.iter().map(|m| m.name()).collect();
                Error::InvalidInput(format!(
                    "unknown drift method '{s}' (expected one of {})",
                    names.join(", ")
                ))
            })
    }
}

impl<'de> Deserialize<'de> for Method {
    /// Reads [`name`](Method::name); an unknown name is an error listing the valid ones.
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

impl std::fmt::Display for Method {
    /// [`name`](Method::name).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Evidently's default method for a column: by its kind, the reference's
/// size (present values) and the number of distinct values in reference and
/// current together.
///
/// | reference size | numerical, ≤ 2 distinct | numerical, 3–5 | numerical, > 5 | categorical, ≤ 2 | categorical, > 2 |
/// |---|---|---|---|---|---|
/// | ≤ 1000 | `z` | `chisquare` | `ks` | `z` | `chisquare` |
/// | > 1000 | `jensenshannon` | `jensenshannon` | `wasserstein` | `jensenshannon` | `jensenshannon` |
///
/// ```
/// use mlops_core::drift::{default_method, Method};
/// assert_eq!(default_method(true, 100_000, 1000), Method::Wasserstein);
/// assert_eq!(default_method(false, 500, 3), Method::ChiSquare);
/// ```
pub fn default_method(numerical: bool, reference_size: u64, distinct: u64) -> Method {
    let small = reference_size <= 1000;
    match (small, numerical) {
        (true, true) if distinct > 5 => Method::Ks,
        (true, _) if distinct > 2 => Method::ChiSquare,
        (true, _) => Method::Z,
        (false, true) if distinct > 5 => Method::Wasserstein,
        (false, _) => Method::JensenShannon,
    }
}

#[cfg(test)]
mod tests {
    use super::{Method, ALL_METHODS};

    #[test]
    fn methods_round_trip_through_their_names_and_serde() {
        for m in ALL_METHODS {
            assert_eq!(m.to_string().parse::<Method>().unwrap(), m);
            assert_eq!(serde_json::to_value(m).unwrap(), m.name());
            assert_eq!(
                serde_json::from_value::<Method>(m.name().into()).unwrap(),
                m
            );
        }
        let e = "t-test".parse::<Method>().unwrap_err().to_string();
        assert!(e.ends_with("unknown drift method 't-test' (expected one of ks, chisquare, z, wasserstein, jensenshannon, psi, kl_div, hellinger, anderson, cramer_von_mises, energy_dist, l_infinity)"), "{e}");
    }
}
