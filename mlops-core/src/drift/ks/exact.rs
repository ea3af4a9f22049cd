//! The exact p-values of the two-sample KS test: SciPy's
//! `_attempt_exact_2kssamp` (`scipy/stats/_stats_py.py`) and the lattice
//! path counts it calls, for the two-sided and the one-sided alternatives.

use super::KsAlternative;

/// `_attempt_exact_2kssamp(n1, n2, g, d, alternative)`: the statistic
/// rounded to the lattice `1 / lcm(n1, n2)`, and the p-value unless the
/// computation failed (SciPy then goes asymptotic).
pub(super) fn attempt_exact(
    n1: u64,
    n2: u64,
    g: u64,
    d: f64,
    alternative: KsAlternative,
) -> (f64, Option<f64>) {
    let lcm = (n1 / g) as f64 * n2 as f64;
    let h = (d * lcm).round_ties_even();
    let d = h / lcm;
    if h == 0.0 {
        return (d, Some(1.0));
    }
    let h = h as u64;
    let p = match alternative {
        KsAlternative::TwoSided if n1 == n2 => compute_prob_outside_square(n1, h),
        KsAlternative::TwoSided => compute_outer_prob_inside_method(n1, n2, g, h),
        KsAlternative::Less | KsAlternative::Greater => prob_one_sided(n1, n2, g, h),
    };
    // `if not (0 <= prob <= 1): return False, d, prob` (NaN fails too).
    (d, (0.0..=1.0).contains(&p).then_some(p))
}

/// The one-sided `P(D+ ≥ h / lcm(n1, n2))` of `_attempt_exact_2kssamp(...,
/// 'less' | 'greater')`; NaN where SciPy's computation fails.
fn prob_one_sided(n1: u64, n2: u64, g: u64, h: u64) -> f64 {
    if n1 == n2 {
        // binom(2n, n − h) / binom(2n, n), as a product.
        let n = n1 as f64;
        (0..h)
            .map(|j| (n - j as f64) / (n + j as f64 + 1.0))
            .product::<f64>()
    } else {
        // SciPy fails (and goes asymptotic) when binom(n1 + n2, n1)
        // overflows, whether during the count (a FloatingPointError) or
        // after it: decided up front, which spares the O(n²) count.
        let all = binom(n1 + n2, n1);
        if !all.is_finite() {
            return f64::NAN;
        }
        let paths = count_paths_outside_method(n1, n2, g, h);
        if !paths.is_finite() || paths > all {
            return f64::NAN;
        }
        paths / all
    }
}

/// `scipy.special.binom(n, k)` for integers: below `k = 20` (after
/// `k → n − k` by symmetry) cephes' multiplication formula, else
/// `exp(ln Γ(n+1) − ln Γ(k+1) − ln Γ(n−k+1))` (cephes goes through `beta`,
/// also by log-gamma at these sizes); `inf` past `f64::MAX`.
fn binom(n: u64, k: u64) -> f64 {
    if k > n {
        return 0.0;
    }
    let k = k.min(n - k);
    let (nf, kf) = (n as f64, k as f64);
    if k < 20 {
        let (mut num, mut den) = (1.0f64, 1.0f64);
        for i in 1..=k {
            num *= i as f64 + nf - kf;
            den *= i as f64;
            if num.abs() > 1e50 {
                num /= den;
                den = 1.0;
            }
        }
        return num / den;
    }
    use statrs::function::gamma::ln_gamma;
    (ln_gamma(nf + 1.0) - ln_gamma(kf + 1.0) - ln_gamma(nf - kf + 1.0)).exp()
}

/// `_count_paths_outside_method(m, n, g, h)`: Hodges' count of the lattice
/// paths from (0, 0) to (m, n) that reach `x/m − y/n ≥ h / lcm(m, n)`.
fn count_paths_outside_method(m: u64, n: u64, g: u64, h: u64) -> f64 {
    let (m, n) = if m < n { (n, m) } else { (m, n) };
    let (mg, ng) = ((m / g) as i64, (n / g) as i64);
    let h = h as i64;
    let lxj = n as i64 + (mg - h).div_euclid(mg);
    if lxj <= 0 {
        return binom(m + n, n);
    }
    let xj: Vec<i64> = (0..lxj)
        .map(|j| (h + mg * j + ng - 1).div_euclid(ng))
        .collect();
    let mut b = vec![0.0f64; lxj as usize];
    b[0] = 1.0;
    for j in 1..lxj as usize {
        let mut bj = binom((xj[j] + j as i64) as u64, j as u64);
        for i in 0..j {
            let bin = binom((xj[j] - xj[i] + (j - i) as i64) as u64, (j - i) as u64);
            bj -= bin * b[i];
        }
        b[j] = bj;
    }
    let mut num_paths = 0.0;
    for (j, &bj) in b.iter().enumerate() {
        let bin = binom(m - xj[j] as u64 + (n - j as u64), n - j as u64);
        num_paths += bj * bin;
    }
    num_paths
}

/// `_compute_prob_outside_square(n, h)`: `P(D_{n,n} ≥ h/n)` by Hodges'
/// alternating sum in Horner form.
fn compute_prob_outside_square(n: u64, h: u64) -> f64 {
    let mut p = 0.0;
    let mut k = (n / h) as i64;
    let (n, h) = (n as f64, h as f64);
    while k >= 0 {
        let kf = k as f64;
        let mut p1 = 1.0;
        let mut j = 0.0;
        while j < h {
            p1 = (n - kf * h - j) * p1 / (n + kf * h + j + 1.0);
            j += 1.0;
        }
        p = p1 * (1.0 - p);
        k -= 1;
    }
    2.0 * p
}

/// `_compute_outer_prob_inside_method(m, n, g, h)`: the share of lattice
/// paths that leave `|x/m − y/n| < h / lcm(m, n)`, by Viehmann's recursion
/// for `1 − p` over a sliding window of one column.
fn compute_outer_prob_inside_method(m: u64, n: u64, g: u64, h: u64) -> f64 {
    let (m, n) = if m < n { (n, m) } else { (m, n) };
    let (mg, ng) = ((m / g) as f64, (n / g) as f64);
    let (hf, nn) = (h as f64, n as i64);
    let mut minj: i64 = 0;
    let mut maxj: i64 = ((hf / mg).ceil() as i64).min(nn + 1);
    let mut curlen = maxj - minj;
    let len_a = (2 * maxj + 2).min(nn + 1) as usize;
    let mut a = vec![1.0f64; len_a];
    for v in &mut a[minj as usize..(maxj as usize).min(len_a)] {
        *v = 0.0;
    }
    for i in 1..=m as i64 {
        let (lastminj, lastlen) = (minj, curlen);
        let fi = i as f64;
        minj = (((ng * fi - hf) / mg).floor() as i64 + 1).max(0).min(nn);
        maxj = (((ng * fi + hf) / mg).ceil() as i64).min(nn + 1);
        if maxj <= minj {
            return 1.0;
        }
        let mut val = if minj == 0 { 0.0 } else { 1.0 };
        for jj in 0..(maxj - minj) {
            let j = (jj + minj) as f64;
            val = (a[(jj + minj - lastminj) as usize] * fi + val * j) / (fi + j);
            a[jj as usize] = val;
        }
        curlen = maxj - minj;
        if lastlen > curlen {
            let from = ((maxj - minj) as usize).min(len_a);
            let to = (from + (lastlen - curlen) as usize).min(len_a);
            for v in &mut a[from..to] {
                *v = 1.0;
            }
        }
    }
    a[(maxj - minj - 1) as usize]
}
