//! Evidently's binning of two samples into shares per bin or category
//! (`evidently.legacy.calculations.stattests.utils.get_binned_data`), on
//! sorted numbers or counted categories, without materialising rows.
//!
//! - A numerical column with more than 20 distinct reference values is cut
//!   into equal-width bins over the range of both samples, as many as
//!   `numpy.histogram_bin_edges(both, bins="sturges")` gives; bins are
//!   half-open except the last, as `numpy.histogram`.
//! - Otherwise each distinct value (category) of either sample is a bin.
//! - Shares are counts over the sample's present values. With `fill_zeroes`
//!   an empty bin gets `min(non-zero share) / 10^6` when that minimum is at
//!   most `10^-4`, else `10^-4` (PSI and KL do this; Jensen–Shannon does not).

/// Bins of both samples: labels and counts per bin.
#[derive(Debug, Clone, PartialEq)]
pub struct Binned {
    /// Bin edges (`len = bins + 1`) for histograms; empty for categories.
    pub edges: Vec<f64>,
    /// Category labels for categories; empty for histograms.
    pub labels: Vec<String>,
    /// Reference counts per bin.
    pub reference: Vec<u64>,
    /// Current counts per bin.
    pub current: Vec<u64>,
}

impl Binned {
    /// Shares per bin (counts over `n`), with Evidently's zero filling when asked.
    pub fn shares(counts: &[u64], fill: bool) -> Vec<f64> {
        let n: u64 = counts.iter().sum();
        let mut s: Vec<f64> = counts
            .iter()
            .map(|&c| if n == 0 { 0.0 } else { c as f64 / n as f64 })
            .collect();
        if fill {
            fill_zeroes(&mut s);
        }
        s
    }
}

/// Evidently's filling of empty bins, in place: `min(non-zero share) / 10^6`
/// when that minimum is at most `10^-4`, else `10^-4`.
pub fn fill_zeroes(shares: &mut [f64]) {
    let min = shares
        .iter()
        .copied()
        .filter(|&x| x != 0.0)
        .fold(f64::INFINITY, f64::min);
    if min.is_finite() {
        let fill = if min <= 1e-4 { min / 1e6 } else { 1e-4 };
        shares
            .iter_mut()
            .filter(|x| **x == 0.0)
            .for_each(|x| *x = fill);
    }
}

/// The union of two key-sorted count lists as bins: each key of either side,
/// with its count on each side (0 where absent).
fn merge<K: PartialOrd>(
    reference: &[(K, u64)],
    current: &[(K, u64)],
    label: impl Fn(&K) -> String,
) -> Binned {
    let mut b = Binned {
        edges: Vec::new(),
        labels: Vec::new(),
        reference: Vec::new(),
        current: Vec::new(),
    };
    let (mut i, mut j) = (0, 0);
    while i < reference.len() || j < current.len() {
        let take_r = j >= current.len() || (i < reference.len() && reference[i].0 <= current[j].0);
        let take_c = i >= reference.len() || (j < current.len() && current[j].0 <= reference[i].0);
        b.labels.push(label(if take_r {
            &reference[i].0
        } else {
            &current[j].0
        }));
        b.reference.push(if take_r { reference[i].1 } else { 0 });
        b.current.push(if take_c { current[j].1 } else { 0 });
        i += take_r as usize;
        j += take_c as usize;
    }
    b
}

/// Distinct values of a sorted slice with their counts.
pub fn runs(sorted: &[f64]) -> Vec<(f64, u64)> {
    let mut out: Vec<(f64, u64)> = Vec::new();
    for &x in sorted {
        match out.last_mut() {
            Some((v, c)) if *v == x => *c += 1,
            _ => out.push((x, 1)),
        }
    }
    out
}

/// Number of distinct values of a sorted slice, counting stops past `limit`
/// (the result is then `limit + 1`): the method choice only asks "at most
/// 5?", "at most 20?", and a million-row column need not be walked to the end.
pub fn distinct_up_to(sorted: &[f64], limit: u64) -> u64 {
    if sorted.is_empty() {
        return 0;
    }
    let mut n = 1;
    let mut last = sorted[0];
    // Jump over runs with a binary search: few distinct values cost O(k log n).
    let mut i = 0;
    while n <= limit {
        i += sorted[i..].partition_point(|&x| x <= last);
        if i >= sorted.len() {
            return n;
        }
        last = sorted[i];
        n += 1;
    }
    n
}

/// [`distinct_union`] with counting stopped past `limit` (see [`distinct_up_to`]).
pub fn distinct_union_up_to(a: &[f64], b: &[f64], limit: u64) -> u64 {
    let (mut i, mut j, mut n) = (0usize, 0usize, 0u64);
    while (i < a.len() || j < b.len()) && n <= limit {
        let x = match (a.get(i), b.get(j)) {
            (Some(&p), Some(&q)) => p.min(q),
            (Some(&p), None) => p,
            (None, Some(&q)) => q,
            (None, None) => break,
        };
        n += 1;
        i += a[i..].partition_point(|&v| v <= x);
        j += b[j..].partition_point(|&v| v <= x);
    }
    n
}

/// Number of distinct values of two sorted slices together.
pub fn distinct_union(a: &[f64], b: &[f64]) -> u64 {
    let (mut i, mut j, mut n) = (0, 0, 0u64);
    let mut last: Option<f64> = None;
    while i < a.len() || j < b.len() {
        let x = if j >= b.len() || (i < a.len() && a[i] <= b[j]) {
            i += 1;
            a[i - 1]
        } else {
            j += 1;
            b[j - 1]
        };
        if last != Some(x) {
            n += 1;
            last = Some(x);
        }
    }
    n
}

/// `numpy.linspace(lo, hi, bins + 1)`, bit for bit.
fn linspace(lo: f64, hi: f64, bins: usize) -> Vec<f64> {
    let step = (hi - lo) / bins as f64;
    let mut e: Vec<f64> = (0..=bins).map(|i| i as f64 * step + lo).collect();
    e[bins] = hi;
    e
}

/// `numpy.histogram_bin_edges(data, bins="sturges")` for data of `n` values
/// spanning `[lo, hi]`; `integer` data (an integer dtype in numpy) gets bins
/// at least 1 wide.
pub fn sturges_edges(lo: f64, hi: f64, n: usize, integer: bool) -> Vec<f64> {
    let ptp = hi - lo;
    let (lo, hi) = if lo == hi {
        (lo - 0.5, hi + 0.5)
    } else {
        (lo, hi)
    };
    let mut width = ptp / ((n as f64).log2() + 1.0);
    if integer && width < 1.0 && width != 0.0 {
        width = 1.0;
    }
    let bins = if width != 0.0 {
        ((hi - lo) / width).ceil() as usize
    } else {
        1
    };
    linspace(lo, hi, bins.max(1))
}

/// Counts of a sorted slice in the bins of `edges`, as `numpy.histogram`:
/// `[e_i, e_{i+1})`, the last bin closed; values outside are not counted.
pub fn histogram(sorted: &[f64], edges: &[f64]) -> Vec<u64> {
    let last = edges.len() - 1;
    let cum: Vec<usize> = edges
        .iter()
        .enumerate()
        .map(|(i, &e)| {
            if i == last {
                sorted.partition_point(|&x| x <= e)
            } else {
                sorted.partition_point(|&x| x < e)
            }
        })
        .collect();
    cum.windows(2).map(|w| (w[1] - w[0]) as u64).collect()
}

/// Evidently's bins for two sorted numerical samples (both non-empty).
pub fn numeric(reference: &[f64], current: &[f64], integer: bool) -> Binned {
    if distinct_up_to(reference, 20) > 20 {
        let lo = reference[0].min(current[0]);
        let hi = reference[reference.len() - 1].max(current[current.len() - 1]);
        let edges = sturges_edges(lo, hi, reference.len() + current.len(), integer);
        let (r, c) = (histogram(reference, &edges), histogram(current, &edges));
        return Binned {
            edges,
            labels: Vec::new(),
            reference: r,
            current: c,
        };
    }
    values(reference, current)
}

/// Every distinct value of two sorted numerical samples as a category.
pub fn values(reference: &[f64], current: &[f64]) -> Binned {
    merge(&runs(reference), &runs(current), |v| format_number(*v))
}

/// Bins for counted categories: the union of both samples' categories.
pub fn categorical(reference: &[(String, u64)], current: &[(String, u64)]) -> Binned {
    merge(reference, current, String::clone)
}

/// A number as a category label: integers without a fraction, others as Rust prints them.
pub fn format_number(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        format!("{v}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sturges_matches_numpy() {
        // numpy.histogram_bin_edges(np.arange(10.0), bins="sturges")
        let e = sturges_edges(0.0, 9.0, 10, false);
        assert_eq!(e.len(), 6);
        assert_eq!(e, vec![0.0, 1.8, 3.6, 5.4, 7.2, 9.0]);
        // a constant sample: one bin of width 1 around it
        assert_eq!(sturges_edges(2.0, 2.0, 5, false), vec![1.5, 2.5]);
        // integers: at least unit-wide bins; np.histogram_bin_edges(np.array([0, 3] * 500), "sturges")
        assert_eq!(sturges_edges(0.0, 3.0, 1000, true).len(), 4);
    }

    #[test]
    fn histogram_is_half_open_with_closed_last_bin() {
        let x = [0.0, 1.0, 1.0, 2.0, 3.0];
        assert_eq!(histogram(&x, &[0.0, 1.0, 2.0, 3.0]), vec![1, 2, 2]);
    }

    #[test]
    fn fill_zeroes_as_evidently() {
        assert_eq!(Binned::shares(&[0, 1, 3], true), vec![1e-4, 0.25, 0.75]);
        let s = Binned::shares(&[0, 1, 99_999], true);
        assert_eq!(s[0], 1e-5 / 1e6);
        assert_eq!(Binned::shares(&[0, 1, 3], false)[0], 0.0);
    }

    #[test]
    fn categories_union() {
        let b = numeric(&[1.0, 1.0, 2.0], &[2.0, 3.0], false);
        assert_eq!(b.labels, vec!["1", "2", "3"]);
        assert_eq!((b.reference, b.current), (vec![2, 1, 0], vec![0, 1, 1]));
        assert_eq!(distinct_union(&[1.0, 1.0, 2.0], &[2.0, 3.0]), 3);
        assert_eq!(distinct_union_up_to(&[1.0, 1.0, 2.0], &[2.0, 3.0], 5), 3);
        assert_eq!(distinct_union_up_to(&[1.0, 1.0, 2.0], &[2.0, 3.0], 1), 2);
        let v: Vec<f64> = (0..100).map(|i| (i / 10) as f64).collect();
        assert_eq!(distinct_up_to(&v, 20), 10);
        assert_eq!(distinct_up_to(&v, 5), 6);
        assert_eq!(distinct_up_to(&[], 5), 0);
    }
}
