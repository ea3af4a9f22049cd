//! One merge walk over two sorted samples that yields everything the
//! empirical CDFs give: the Wasserstein (L1) and squared L2 areas between
//! them, and the KS statistic. The walk visits each value once, with a
//! branch-light merge, so a drift report pays for one pass where it used to
//! pay for several.

use crate::sum::Neumaier;

/// What one walk over two sorted samples found.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Walk {
    /// `∫ |U(x) − V(x)| dx`: the first Wasserstein distance.
    pub l1: f64,
    /// `∫ (U(x) − V(x))² dx` (energy distance = `√2 · √l2`).
    pub l2: f64,
    /// `max (U − V)` over the data points, at least 0.
    pub d_plus: f64,
    /// `max (V − U)` over the data points, at least 0.
    pub d_minus: f64,
}

impl Walk {
    /// The two-sided KS statistic.
    pub fn ks(&self) -> f64 {
        self.d_plus.max(self.d_minus)
    }
}

/// Walks two sorted, non-empty, NaN-free samples. The CDFs are taken as
/// SciPy takes them (`searchsorted(side="right") / n`), after every copy of
/// a tied value; the areas are summed in the order of the sorted
/// concatenation, in [`LANES`] stretches added at the end, each area a
/// compensated (Neumaier) sum.
pub fn walk(u: &[f64], v: &[f64]) -> Walk {
    let steps = u.len() + v.len() - 1;
    // One merge step waits on the one before (which sample gave the last
    // value decides where to read next), so a single merge leaves the CPU
    // idle most of the time. Stretches of the merged order, interleaved,
    // are independent chains it can overlap.
    let per_lane = if steps >= LANES * MIN_LANE {
        steps / LANES
    } else {
        0
    };
    let mut lanes: [Lane; LANES] = std::array::from_fn(|k| Lane::at(u, v, 1 + k * per_lane));
    for _ in 0..per_lane {
        for lane in lanes.iter_mut() {
            lane.step(u, v);
        }
    }
    // The last lane goes on to the end (and is the only one on short input).
    let last = &mut lanes[LANES - 1];
    if per_lane == 0 {
        *last = Lane::at(u, v, 1);
    }
    while last.t <= steps {
        last.step(u, v);
    }
    let (mut l1, mut l2) = (Neumaier::default(), Neumaier::default());
    let mut w = Walk::default();
    for l in &lanes {
        l1.add_sum(l.l1);
        l2.add_sum(l.l2);
        w.d_plus = w.d_plus.max(l.d_plus);
        w.d_minus = w.d_minus.max(l.d_minus);
    }
    w.l1 = l1.value();
    w.l2 = l2.value();
    w
}

/// Stretches of the merged order walked side by side.
const LANES: usize = 4;
/// Below this many steps per lane, one lane walks everything.
const MIN_LANE: usize = 1024;

/// `s[k]`, or +inf once the sample ran out: the merge then needs no
/// special case for the tail of the other sample.
#[inline(always)]
fn head(s: &[f64], k: usize) -> f64 {
    if k < s.len() {
        s[k]
    } else {
        f64::INFINITY
    }
}

/// How many of the first `r` values of the merged order (ties: `u` first)
/// come from `u`.
fn split(u: &[f64], v: &[f64], r: usize) -> usize {
    // The answer is the least `i` for which `u[i]` does not come before
    // `v[r - i - 1]`; binary search over the feasible range.
    let (mut lo, mut hi) = (r.saturating_sub(v.len()), r.min(u.len()));
    while lo < hi {
        let i = lo + (hi - lo) / 2;
        if u[i] <= v[r - i - 1] {
            lo = i + 1;
        } else {
            hi = i;
        }
    }
    lo
}

/// One stretch of the merge: before step `t`, `t - 1` values are consumed,
/// `i` of them from `u`; `x` is the next one.
struct Lane {
    t: usize,
    i: usize,
    x: f64,
    l1: Neumaier,
    l2: Neumaier,
    d_plus: f64,
    d_minus: f64,
}

impl Lane {
    /// The lane that starts at step `t` (`t >= 1`).
    fn at(u: &[f64], v: &[f64], t: usize) -> Lane {
        let i = split(u, v, t - 1);
        let (a, b) = (head(u, i), head(v, t - 1 - i));
        Lane {
            t,
            i,
            x: if a <= b { a } else { b },
            l1: Neumaier::default(),
            l2: Neumaier::default(),
            d_plus: 0.0,
            d_minus: 0.0,
        }
    }

    /// Consumes `x` and adds the gap up to the next value. Which sample
    /// gives `x` is an even bet on interleaved data, so it is found by
    /// arithmetic, not by a branch the CPU would mispredict half the time.
    /// The one branch left, "is there a gap", is nearly always taken (or,
    /// on data with many ties, not taken for long runs).
    #[inline(always)]
    fn step(&mut self, u: &[f64], v: &[f64]) {
        let (i, j) = (self.i, self.t - 1 - self.i);
        let (a, b) = (head(u, i), head(v, j));
        // `i < len` keeps a real +inf of `u` from passing for the sentinel.
        let take_u = (i < u.len()) & ((j >= v.len()) | (a <= b));
        let i = i + take_u as usize;
        let j = self.t - i;
        let (a, b) = (head(u, i), head(v, j));
        let next = if a <= b { a } else { b };
        if next > self.x {
            // U − V = (i nv − j nu) / (nu nv): the numerator is an exact
            // integer (below 2^53 for any sample that fits in memory), so
            // a small difference of two nearly equal CDFs loses nothing.
            let (nu, nv) = (u.len() as i64, v.len() as i64);
            let d = (i as i64 * nv - j as i64 * nu) as f64 / (nu * nv) as f64;
            let gap = next - self.x;
            self.l1.add(d.abs() * gap);
            self.l2.add(d * d * gap);
            // The KS statistic as SciPy rounds it (its `cddiffs`).
            let ks = i as i64 as f64 / nu as f64 - j as i64 as f64 / nv as f64;
            self.d_plus = self.d_plus.max(ks);
            self.d_minus = self.d_minus.max(-ks);
        }
        self.i = i;
        self.t += 1;
        self.x = next;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_case_by_hand() {
        // U = {0, 1, 3}, V = {5, 6, 8}: W1 = 5 (SciPy), all of U below V: D = 1.
        let w = walk(&[0.0, 1.0, 3.0], &[5.0, 6.0, 8.0]);
        assert!((w.l1 - 5.0).abs() < 1e-12);
        assert_eq!(w.ks(), 1.0);
        // Ties across the samples: the CDFs count every copy before comparing.
        let w = walk(&[1.0, 2.0, 2.0], &[2.0, 3.0]);
        assert_eq!(w.d_plus, 1.0 - 0.5);
        assert!((w.l1 - (1.0 / 3.0 * 1.0 + 0.5 * 1.0)).abs() < 1e-12);
    }

    /// One lane walking the whole merge: the order the areas are defined in.
    fn one_lane(u: &[f64], v: &[f64]) -> Walk {
        let mut lane = Lane::at(u, v, 1);
        while lane.t < u.len() + v.len() {
            lane.step(u, v);
        }
        Walk {
            l1: lane.l1.value(),
            l2: lane.l2.value(),
            d_plus: lane.d_plus,
            d_minus: lane.d_minus,
        }
    }

    #[test]
    fn lanes_agree_with_one_walk() {
        // Ties within and across the samples, at the lane boundaries too,
        // an infinity, and samples of different sizes and overlap.
        let u: Vec<f64> = (0..9000).map(|k| (k / 3) as f64 * 0.5).collect();
        let mut v: Vec<f64> = (0..7001)
            .map(|k| ((k * 7) % 5000) as f64 * 0.25 + 100.0)
            .collect();
        v.sort_by(f64::total_cmp);
        let mut w = v.clone();
        w.push(f64::INFINITY);
        for (a, b) in [(&u, &v), (&v, &u), (&u, &u), (&u, &w), (&w, &u)] {
            let (got, want) = (walk(a, b), one_lane(a, b));
            assert_eq!((got.d_plus, got.d_minus), (want.d_plus, want.d_minus));
            for (g, w) in [(got.l1, want.l1), (got.l2, want.l2)] {
                assert!(
                    g == w || (g - w).abs() <= 1e-12 * w.abs().max(1.0),
                    "{g} vs {w}"
                );
            }
        }
    }
}
