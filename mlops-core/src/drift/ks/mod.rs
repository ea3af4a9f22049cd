//! The two-sample Kolmogorov–Smirnov test, ported line by line from SciPy
//! 1.17.1 (`scipy.stats.ks_2samp(x, y, alternative=..., method=...)`) and
//! the xsf special functions it ships with. Two-sided:
//!
//! - The statistic is SciPy's `max |cdf1 − cdf2|` over the pooled values,
//!   the empirical CDFs taken as SciPy takes them
//!   (`searchsorted(side="right") / n`, after every copy of a tied value),
//!   found by one merge walk over both sorted samples.
//! - `method`: [`KsMethod::Auto`] is exact when both samples have at most
//!   `MAX_AUTO_N = 10000` values; [`KsMethod::Exact`] turns asymptotic when
//!   `n1/g ≥ i32::MAX / (n2/g)` (`g = gcd(n1, n2)`).
//! - Exact (`_attempt_exact_2kssamp`): the statistic is rounded to the
//!   lattice `h / lcm(n1, n2)`; `P(D ≥ h/n)` by `_compute_prob_outside_square`
//!   when `n1 == n2`, else by Viehmann's recursion
//!   `_compute_outer_prob_inside_method` (`_stats_pythran.py`). When that
//!   fails (a value outside `[0, 1]`), SciPy warns and goes asymptotic with
//!   the rounded statistic; here the fall-back is silent.
//! - Asymptotic: `kstwo.sf(D, round(mn / (m + n)))` with `kstwo`'s support
//!   checks (`n = 0` gives NaN, `D ≤ 0.5/n` gives 1), which is
//!   `_kolmogn(n, D, cdf=False)` (`_ksstats.py`, Simard & L'Ecuyer's
//!   dispatch): Ruben–Gambino at both ends, Durbin's matrix
//!   (`_kolmogn_DMTW`), Pomeranz's recursion, Pelz–Good, and
//!   `2 · scipy.special.smirnov(n, D)`, whose Birnbaum–Tingey sum is ported
//!   from xsf's `cephes/kolmogorov.h` in the same double-double arithmetic
//!   (`cephes/dd_real.h`).
//!
//! One-sided ([`ks_2samp_alternative`] with [`KsAlternative::Less`] or
//! [`KsAlternative::Greater`]): the statistic is `D- = max(cdf2 − cdf1)` or
//! `D+ = max(cdf1 − cdf2)` (at least 0); exact, on the same lattice, is
//! `Π_{j<h} (n − j) / (n + j + 1)` for equal sizes, else Hodges' count of
//! the paths that cross the boundary (`_count_paths_outside_method`) over
//! `binom(n1 + n2, n1)`, which fails (and goes asymptotic) when the binomial
//! overflows a double or the count exceeds it; asymptotic is Hodges'
//! approximation `exp(−2z² − 2z (m + 2n) / √(mn(m + n)) / 3)`,
//! `z = √(mn / (m + n)) · D`, `m ≥ n`. SciPy's `scipy.special.binom` is
//! replaced by the product formula (agreeing to about 1e-13).
//!
//! Not ported, because no test reaches them: `_kolmogn`'s CDF-only cut-offs, the
//! derivative (`pdf`) that xsf's `_smirnov` computes alongside the survival
//! function, and `scipy.special.kolmogorov` (`_kolmogn` does not call it).
//!
//! What is left differs from SciPy in the last bits only (the tests measure
//! about 1e-15): NumPy evaluates `exp`, `log` and `pow` with its own SIMD
//! kernels and `matmul` / `convolve` with BLAS, in another summation order;
//! and where SciPy's Durbin and Pomeranz code rescale by `2^±128` as an x87
//! `long double`, this port carries on in double-double.
//!
//! The files follow SciPy's: this module is `ks_2samp` and its statistics
//! (`scipy/stats/_stats_py.py`); `exact.rs` holds the exact p-values
//! on the lattice (`_attempt_exact_2kssamp` and the path counts it calls);
//! `kolmogn.rs` the two-sided one-sample distribution `kstwo`
//! (`scipy/stats/_ksstats.py`); `smirnov.rs` the one-sided one
//! (`scipy.special.smirnov`, xsf's `cephes/kolmogorov.h`); and
//! `double_double.rs` the double-double arithmetic (`cephes/dd_real.h`).

mod double_double;
mod exact;
mod kolmogn;
mod smirnov;

use super::stats::sorted;
use super::stats::TestResult;
use crate::error::{Error, Result};
use exact::attempt_exact;
use kolmogn::kstwo_sf;

/// How the p-value is computed (SciPy's `method`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum KsMethod {
    /// Exact when both samples have at most 10,000 values, else asymptotic
    /// (SciPy's `method="auto"`); exact falls back to asymptotic when it
    /// fails.
    #[default]
    Auto,
    /// The exact distribution (falls back to asymptotic when the lattice is
    /// too large or the computation fails, as SciPy does, without its warning).
    Exact,
    /// The asymptotic distribution, `kstwo.sf(D, round(mn / (m + n)))`.
    Asymp,
}

words!(KsMethod, "KS method", {
    Auto => "auto",
    Exact => "exact",
    Asymp => "asymp",
});

/// The alternative hypothesis (SciPy's `alternative`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum KsAlternative {
    /// The two CDFs differ somewhere: statistic `max |cdf1 − cdf2|`.
    #[default]
    TwoSided,
    /// The reference's CDF lies below the current's somewhere
    /// (`F(x) < G(x)`): statistic `D- = max(cdf2 − cdf1)`.
    Less,
    /// The reference's CDF lies above the current's somewhere
    /// (`F(x) > G(x)`): statistic `D+ = max(cdf1 − cdf2)`.
    Greater,
}

display_as_str!(KsAlternative);

impl std::str::FromStr for KsAlternative {
    type Err = Error;

    /// Parses `two-sided`, `less` or `greater`. As SciPy, only the first
    /// letter counts, in either case (`t`, `l`, `g`).
    ///
    /// ```
    /// use mlops_core::drift::ks::KsAlternative;
    /// assert_eq!("Greater".parse::<KsAlternative>().unwrap(), KsAlternative::Greater);
    /// assert!("sideways".parse::<KsAlternative>().is_err());
    /// ```
    fn from_str(s: &str) -> Result<Self> {
        match s.chars().next().map(|c| c.to_ascii_lowercase()) {
            Some('t') => Ok(KsAlternative::TwoSided),
            Some('l') => Ok(KsAlternative::Less),
            Some('g') => Ok(KsAlternative::Greater),
            _ => Err(Error::InvalidInput(format!(
                "unknown KS alternative '{s}' (expected two-sided, less or greater)"
            ))),
        }
    }
}

impl KsAlternative {
    /// `two-sided`, `less` or `greater`.
    pub fn as_str(self) -> &'static str {
        match self {
            KsAlternative::TwoSided => "two-sided",
            KsAlternative::Less => "less",
            KsAlternative::Greater => "greater",
        }
    }
}

/// `ks_2samp`'s `MAX_AUTO_N`: the largest sample `auto` computes exactly.
const MAX_AUTO_N: u64 = 10_000;

/// The two-sided two-sample KS test (`scipy.stats.ks_2samp(x, y, method=...)`).
///
/// `x` is the reference sample, `y` the current one; an empty sample or a
/// NaN is refused with [`Error::InvalidInput`] naming the side (and the
/// NaN's index). Infinities are values like any other.
///
/// ```
/// use mlops_core::drift::ks::{ks_2samp, KsMethod};
/// let r = ks_2samp(&[1.0, 2.0, 3.0, 4.0], &[3.5, 5.0, 6.0], KsMethod::Auto).unwrap();
/// // SciPy 1.17.1 gives these very doubles.
/// assert_eq!((r.statistic, r.p_value), (0.75, 0.22857142857142862));
/// let r = ks_2samp(&[1.0, 2.0, 3.0, 4.0], &[3.5, 5.0, 6.0], KsMethod::Asymp).unwrap();
/// assert_eq!(r.p_value, 0.125); // kstwo.sf(0.75, round(12/7)) = 2 (1 - 0.75)^2
/// assert!(ks_2samp(&[1.0, f64::NAN], &[2.0], KsMethod::Auto).is_err());
/// ```
pub fn ks_2samp(x: &[f64], y: &[f64], method: KsMethod) -> Result<TestResult> {
    let (x, y) = (sorted("reference", x)?, sorted("current", y)?);
    ks_2samp_sorted(&x, &y, method)
}

/// The two-sample KS test with an alternative hypothesis
/// (`scipy.stats.ks_2samp(x, y, alternative=..., method=...)`); inputs are
/// checked as by [`ks_2samp`].
///
/// ```
/// use mlops_core::drift::ks::{ks_2samp_alternative, KsAlternative, KsMethod};
/// let (x, y) = ([1.0, 2.0, 3.0, 4.0], [3.5, 5.0, 6.0]);
/// let r = ks_2samp_alternative(&x, &y, KsMethod::Auto, KsAlternative::Greater).unwrap();
/// assert_eq!(r.statistic, 0.75); // D+: x lies to the left of y
/// let r = ks_2samp_alternative(&x, &y, KsMethod::Auto, KsAlternative::Less).unwrap();
/// assert_eq!((r.statistic, r.p_value), (0.0, 1.0));
/// ```
pub fn ks_2samp_alternative(
    x: &[f64],
    y: &[f64],
    method: KsMethod,
    alternative: KsAlternative,
) -> Result<TestResult> {
    let (x, y) = (sorted("reference", x)?, sorted("current", y)?);
    let (d_plus, d_minus) = ks_one_sided_statistics_sorted(&x, &y);
    let d = match alternative {
        KsAlternative::TwoSided => return ks_2samp_sorted(&x, &y, method),
        KsAlternative::Less => d_minus,
        KsAlternative::Greater => d_plus,
    };
    Ok(ks_one_sided_from_statistic(
        d,
        x.len() as u64,
        y.len() as u64,
        method,
    ))
}

/// SciPy's `maxS = max(cdf1 − cdf2)` and `minS = clip(−min(cdf1 − cdf2), 0, 1)`
/// over the pooled values of two sorted, non-empty, NaN-free samples.
pub fn ks_one_sided_statistics_sorted(x: &[f64], y: &[f64]) -> (f64, f64) {
    let (mut hi, mut lo) = (f64::NEG_INFINITY, f64::INFINITY);
    for_each_cdf_difference(x, y, |c| {
        hi = hi.max(c);
        lo = lo.min(c);
    });
    (hi, (-lo).clamp(0.0, 1.0))
}

/// The one-sided KS test's result for a statistic `d` (`D+` or `D-`)
/// between samples of `n1` and `n2` values, as `ks_2samp` finishes with
/// `alternative="less"` or `"greater"`: the exact p-value where the method
/// asks for it and it succeeds (the statistic then rounded to the lattice),
/// else Hodges' asymptotic approximation.
pub fn ks_one_sided_from_statistic(d: f64, n1: u64, n2: u64, method: KsMethod) -> TestResult {
    // `less` and `greater` differ only in their statistic.
    from_statistic(d, n1, n2, method, KsAlternative::Greater)
}

/// Hodges' asymptotic one-sided p-value of a statistic `d` between samples
/// of `n1` and `n2` values, clipped to `[0, 1]`.
fn hodges_pvalue(d: f64, n1: u64, n2: u64) -> f64 {
    let (m, n) = (n1.max(n2) as f64, n1.min(n2) as f64);
    let en = m * n / (m + n);
    let z = en.sqrt() * d;
    let expt = -2.0 * z * z - 2.0 * z * (m + 2.0 * n) / (m * n * (m + n)).sqrt() / 3.0;
    expt.exp().clamp(0.0, 1.0)
}

/// [`ks_2samp`] on samples already sorted ascending and free of NaN (as the
/// column-drift engine holds them): no sorting, no validation beyond
/// refusing an empty sample.
pub fn ks_2samp_sorted(x_sorted: &[f64], y_sorted: &[f64], method: KsMethod) -> Result<TestResult> {
    if x_sorted.is_empty() || y_sorted.is_empty() {
        let side = if x_sorted.is_empty() {
            "reference"
        } else {
            "current"
        };
        return Err(Error::InvalidInput(format!("{side}: the sample is empty")));
    }
    Ok(ks_from_statistic(
        ks_statistic_sorted(x_sorted, y_sorted),
        x_sorted.len() as u64,
        y_sorted.len() as u64,
        method,
    ))
}

/// The two-sided KS statistic of two sorted, non-empty, NaN-free samples,
/// bit for bit as SciPy computes it: one merge walk that, after each
/// distinct value `v`, takes `|#{x ≤ v} / n1 − #{y ≤ v} / n2|`.
pub fn ks_statistic_sorted(x: &[f64], y: &[f64]) -> f64 {
    let mut d = 0.0f64;
    // max(cddiffs) vs -min(cddiffs) is max |.|, as a - b == -(b - a) in
    // IEEE arithmetic.
    for_each_cdf_difference(x, y, |c| d = d.max(c.abs()));
    d
}

/// SciPy's `cddiffs` of two sorted, NaN-free samples, handed to `each` in
/// order: after each distinct pooled value `v`, `#{x ≤ v} / n1 − #{y ≤ v} /
/// n2`, found by one merge walk over both samples.
#[inline(always)]
fn for_each_cdf_difference(x: &[f64], y: &[f64], mut each: impl FnMut(f64)) {
    let (n1, n2) = (x.len(), y.len());
    let (f1, f2) = (n1 as f64, n2 as f64);
    let (mut i, mut j) = (0usize, 0usize);
    while i < n1 || j < n2 {
        let v = if j == n2 || (i < n1 && x[i] <= y[j]) {
            x[i]
        } else {
            y[j]
        };
        while i < n1 && x[i] <= v {
            i += 1;
        }
        while j < n2 && y[j] <= v {
            j += 1;
        }
        each(i as f64 / f1 - j as f64 / f2);
    }
}

/// Whether `ks_2samp` tries the exact p-value for samples of `n1` and `n2`
/// values (`g` their gcd) under `method`, as SciPy decides it for the
/// two-sided and the one-sided tests alike.
fn tries_exact(n1: u64, n2: u64, g: u64, method: KsMethod) -> bool {
    let (n1g, n2g) = (n1 / g, n2 / g);
    match method {
        KsMethod::Auto => n1.max(n2) <= MAX_AUTO_N,
        // `if n1g >= np.iinfo(np.int32).max / n2g: mode = 'asymp'`
        KsMethod::Exact => (n1g as f64) < i32::MAX as f64 / n2g as f64,
        KsMethod::Asymp => false,
    }
}

/// The KS test's result for a statistic `d` between samples of `n1` and
/// `n2` values (both > 0), as `ks_2samp` finishes once it has `d`: the
/// p-value, and the statistic (rounded to the lattice `1 / lcm(n1, n2)`
/// when the exact method was attempted, as SciPy does).
pub fn ks_from_statistic(d: f64, n1: u64, n2: u64, method: KsMethod) -> TestResult {
    from_statistic(d, n1, n2, method, KsAlternative::TwoSided)
}

/// How `ks_2samp` finishes once it has the statistic `d` of `alternative`:
/// the exact p-value where `method` asks for it and it succeeds (the
/// statistic then rounded to the lattice), else the asymptotic one (of the
/// statistic rounded to the lattice when the exact one was attempted).
fn from_statistic(
    d: f64,
    n1: u64,
    n2: u64,
    method: KsMethod,
    alternative: KsAlternative,
) -> TestResult {
    let g = gcd(n1, n2);
    let mut d = d;
    if tries_exact(n1, n2, g, method) {
        let (rounded, p) = attempt_exact(n1, n2, g, d, alternative);
        if let Some(p) = p {
            return TestResult {
                statistic: rounded,
                p_value: p.clamp(0.0, 1.0),
            };
        }
        d = rounded;
    }
    let p_value = match alternative {
        KsAlternative::TwoSided => asymptotic_pvalue(d, n1, n2),
        KsAlternative::Less | KsAlternative::Greater => hodges_pvalue(d, n1, n2),
    };
    TestResult {
        statistic: d,
        p_value,
    }
}

/// The asymptotic two-sided p-value of a KS statistic `d` between samples
/// of `n1` and `n2` values: `kstwo.sf(d, round(n1 n2 / (n1 + n2)))`,
/// clipped to `[0, 1]`. NaN when the effective size rounds to 0 (one value
/// against one), as in SciPy.
pub fn asymptotic_pvalue(d: f64, n1: u64, n2: u64) -> f64 {
    let (m, n) = (n1.max(n2) as f64, n1.min(n2) as f64);
    let en = m * n / (m + n);
    kstwo_sf(d, en.round_ties_even()).clamp(0.0, 1.0)
}

fn gcd(mut a: u64, mut b: u64) -> u64 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn methods_and_alternatives_round_trip_through_their_names() {
        for m in [KsMethod::Auto, KsMethod::Exact, KsMethod::Asymp] {
            assert_eq!(m.to_string().parse::<KsMethod>().unwrap(), m);
        }
        for a in [
            KsAlternative::TwoSided,
            KsAlternative::Less,
            KsAlternative::Greater,
        ] {
            assert_eq!(a.to_string().parse::<KsAlternative>().unwrap(), a);
        }
        let e = "fast".parse::<KsMethod>().unwrap_err().to_string();
        assert!(
            e.ends_with("unknown KS method 'fast' (expected auto, exact or asymp)"),
            "{e}"
        );
    }

    #[test]
    fn walk_counts_ties_before_comparing() {
        assert_eq!(ks_statistic_sorted(&[0.0, 1.0, 3.0], &[5.0, 6.0, 8.0]), 1.0);
        assert_eq!(ks_statistic_sorted(&[1.0, 2.0, 2.0], &[2.0, 3.0]), 0.5);
        assert_eq!(ks_statistic_sorted(&[-0.0, 1.0], &[0.0, 1.0]), 0.0);
    }
}
