//! `stats` (native part): the two-sample statistics of `mlops_core::drift`
//! on `Float64Array`s borrowed from JavaScript (no copy). They are quick, so
//! they run synchronously.

use mlops_core::drift::{anderson, cvm, stats};
use napi::bindgen_prelude::*;
use napi_derive::napi;

use crate::error::{guard, Result};

/// A test's statistic and p-value, as SciPy's result objects.
#[napi(object)]
pub struct StatResult {
    /// The test statistic.
    pub statistic: f64,
    /// The p-value.
    pub pvalue: f64,
}

impl From<stats::TestResult> for StatResult {
    fn from(r: stats::TestResult) -> Self {
        Self {
            statistic: r.statistic,
            pvalue: r.p_value,
        }
    }
}

macro_rules! distance {
    ($name:ident, $core:path) => {
        #[doc = concat!("`", stringify!($core), "` on two float arrays.")]
        #[napi]
        pub fn $name(a: Float64Array, b: Float64Array) -> Result<f64> {
            guard(|| $core(&a, &b))
        }
    };
}

distance!(stats_wasserstein_distance, stats::wasserstein_distance);
distance!(stats_energy_distance, stats::energy_distance);
distance!(
    stats_wasserstein_distance_norm,
    stats::wasserstein_distance_norm
);
distance!(stats_jensen_shannon, stats::jensen_shannon);
distance!(stats_kl_divergence, stats::kl_divergence);
distance!(stats_hellinger, stats::hellinger);
distance!(stats_total_variation, stats::total_variation);
distance!(stats_l_infinity, stats::l_infinity);
distance!(stats_psi, stats::psi);

/// Two-sample Cramér–von Mises test (`scipy.stats.cramervonmises_2samp`).
#[napi]
pub fn stats_cramer_von_mises(x: Float64Array, y: Float64Array) -> Result<StatResult> {
    guard(|| cvm::cramervonmises_2samp(&x, &y)).map(Into::into)
}

/// Two-sample Kolmogorov–Smirnov test (`scipy.stats.ks_2samp`); `method`
/// is `auto`, `exact` or `asymp`, `alternative` `two-sided`, `less` or
/// `greater` (unset: the core's defaults).
#[napi]
pub fn stats_ks_2samp(
    x: Float64Array,
    y: Float64Array,
    method: Option<String>,
    alternative: Option<String>,
) -> Result<StatResult> {
    use mlops_core::drift::ks::{ks_2samp_alternative, KsAlternative, KsMethod};
    guard(|| {
        let m = method
            .as_deref()
            .map_or(Ok(KsMethod::default()), str::parse)?;
        let a = alternative
            .as_deref()
            .map_or(Ok(KsAlternative::default()), str::parse)?;
        ks_2samp_alternative(&x, &y, m, a)
    })
    .map(Into::into)
}

/// Anderson–Darling k-sample test (`scipy.stats.anderson_ksamp`, midrank).
#[napi]
pub fn stats_anderson_ksamp(samples: Vec<Float64Array>) -> Result<StatResult> {
    let slices: Vec<&[f64]> = samples.iter().map(|s| &s[..]).collect();
    guard(|| anderson::anderson_ksamp(&slices)).map(Into::into)
}

/// Chi-square contingency test (`scipy.stats.chi2_contingency`); `dof` is added by the JS layer.
#[napi]
pub fn stats_chi2_contingency(observed: Vec<Vec<f64>>) -> Result<Vec<f64>> {
    guard(|| stats::chi2_contingency(&observed))
        .map(|(r, dof)| vec![r.statistic, r.p_value, dof as f64])
}

/// Two-sample pooled z-test for proportions.
#[napi]
pub fn stats_proportions_ztest(x1: f64, n1: f64, x2: f64, n2: f64) -> Result<StatResult> {
    let whole = |v: f64, name: &str| {
        if v >= 0.0 && v.fract() == 0.0 && v <= 9.0e15 {
            Ok(v as u64)
        } else {
            Err(crate::error::coded(
                "INVALID_INPUT",
                format!("invalid input: {name} must be a whole number >= 0, got {v}"),
            ))
        }
    };
    let (x1, n1, x2, n2) = (
        whole(x1, "x1")?,
        whole(n1, "n1")?,
        whole(x2, "x2")?,
        whole(n2, "n2")?,
    );
    guard(|| stats::proportions_ztest(x1, n1, x2, n2)).map(Into::into)
}
