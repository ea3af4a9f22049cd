//! Model quality of one window: realized from predictions joined with their
//! labels, and estimated before the labels arrive (CBPE).
//!
//! Everything here is a pure function over slices. The monitor keeps the
//! predictions of each window (id, time, prediction, score), so a window's
//! quality is computed from its kept rows whenever it is evaluated (when it
//! closes, when late rows or late labels land): no accumulator has to be
//! merged, and the values are exact, not approximated from histograms.
//!
//! * Realized: [`binary_quality`] (confusion matrix at a threshold, accuracy,
//!   precision, recall, F1, specificity, ROC AUC), [`regression_quality`]
//!   (MAE, RMSE, MAPE, bias) and [`multiclass_quality`] (confusion matrix,
//!   accuracy, macro precision, recall and F1). The values are scikit-learn's
//!   (1.9): same formulas, same tie handling, same summation order where it
//!   matters; where scikit-learn warns of a division by zero the value here is
//!   `None` rather than its stand-in 0.
//! * Estimated: [`cbpe_fit`] on the reference's scores and labels, then
//!   [`Cbpe::estimate`] on a window's scores: NannyML's confidence-based
//!   performance estimation (CBPE, NannyML 0.13) for binary classification,
//!   including its decision whether to calibrate the scores first
//!   ([`needs_calibration`]), its isotonic calibrator ([`Calibrator`]), its
//!   ROC AUC estimate and its sampling errors.
//!
//! Two places of NannyML's depend on the order numpy's unstable `argsort`
//! gives tied scores, which varies with the CPU's sort kernel: the binning
//! of the calibration check and the ROC AUC sampling error. Here ties keep
//! their row order (a stable sort); without tied scores the values are
//! NannyML's, with them they may differ slightly (3e-6 on the ROC AUC
//! sampling error of the test fixture with scores rounded to 2 decimals).
//!
//! Each result lists its defined metrics by name ([`BinaryQuality::metrics`]
//! and the like) for alert rules and the Prometheus text.

use serde::{Deserialize, Serialize};

use crate::{Error, Result};

// ---------------------------------------------------------------------------
// Numerics shared by the metrics
// ---------------------------------------------------------------------------

/// numpy's pairwise summation of a contiguous float64 array (`np.sum`,
/// `np.mean`): blocks of up to 128 values summed in eight lanes, larger
/// arrays split in halves. Sums agree with numpy's to the last bits, which
/// keeps the realized metrics within 1e-12 of scikit-learn's.
fn pairwise_sum(a: &[f64]) -> f64 {
    let n = a.len();
    if n < 8 {
        let mut res = 0.0;
        for x in a {
            res += x;
        }
        res
    } else if n <= 128 {
        let mut r = [a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7]];
        let mut i = 8;
        while i < n - n % 8 {
            for (j, lane) in r.iter_mut().enumerate() {
                *lane += a[i + j];
            }
            i += 8;
        }
        let mut res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
        while i < n {
            res += a[i];
            i += 1;
        }
        res
    } else {
        let mut n2 = n / 2;
        n2 -= n2 % 8;
        pairwise_sum(&a[..n2]) + pairwise_sum(&a[n2..])
    }
}

/// `np.mean`; `None` for an empty slice.
fn mean(a: &[f64]) -> Option<f64> {
    (!a.is_empty()).then(|| pairwise_sum(a) / a.len() as f64)
}

/// `np.std` (population, ddof 0); `None` for an empty slice.
fn std_dev(a: &[f64]) -> Option<f64> {
    let m = mean(a)?;
    let sq: Vec<f64> = a.iter().map(|x| (x - m) * (x - m)).collect();
    mean(&sq).map(f64::sqrt)
}

/// `Some(x)` when `x` is finite.
fn finite(x: f64) -> Option<f64> {
    x.is_finite().then_some(x)
}

/// `num / den`, `None` when `den` is 0 (scikit-learn's "ill-defined" case).
fn ratio(num: u64, den: u64) -> Option<f64> {
    (den != 0).then(|| num as f64 / den as f64)
}

/// Checks that two columns have the same length and that `values` holds only
/// finite numbers; the error names the column and the row.
fn check_finite(what: &str, values: &[f64]) -> Result<()> {
    match values.iter().position(|v| !v.is_finite()) {
        Some(row) => Err(Error::InvalidInput(format!(
            "{what} at row {row} is {} (expected a finite number)",
            values[row]
        ))),
        None => Ok(()),
    }
}

fn check_lengths(a: &str, a_len: usize, b: &str, b_len: usize) -> Result<()> {
    if a_len != b_len {
        return Err(Error::InvalidInput(format!(
            "{a} has {a_len} rows but {b} has {b_len}; they must pair row by row"
        )));
    }
    Ok(())
}

fn check_threshold(threshold: f64) -> Result<()> {
    if threshold.is_nan() {
        return Err(Error::InvalidInput(
            "threshold is NaN (expected a number)".into(),
        ));
    }
    Ok(())
}

/// scikit-learn's `auc(x, y)`: the trapezoid rule over points whose `x` is
/// monotonic (either way); `None` when it is neither or the area is NaN.
fn trapezoid_auc(x: &[f64], y: &[f64]) -> Option<f64> {
    let dx: Vec<f64> = x.windows(2).map(|w| w[1] - w[0]).collect();
    let mut direction = 1.0;
    if dx.iter().any(|d| *d < 0.0) {
        if dx.iter().all(|d| *d <= 0.0) {
            direction = -1.0;
        } else {
            return None;
        }
    }
    let terms: Vec<f64> = dx
        .iter()
        .zip(y.windows(2))
        .map(|(d, w)| d * (w[1] + w[0]) / 2.0)
        .collect();
    finite(direction * pairwise_sum(&terms))
}

/// scikit-learn's `roc_auc_score` for binary labels: the ROC curve over the
/// distinct scores (tied scores form one step, a diagonal segment), collinear
/// points dropped, area by the trapezoid rule. `None` when the labels hold a
/// single class.
fn roc_auc(scores: &[f64], labels: &[bool]) -> Option<f64> {
    let n = scores.len();
    let positives = labels.iter().filter(|l| **l).count();
    if positives == 0 || positives == n {
        return None;
    }
    // Descending by score; scikit-learn reverses a stable ascending sort.
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|a, b| scores[*a].total_cmp(&scores[*b]));
    order.reverse();
    // Cumulative counts at the last row of each distinct score.
    let mut tps = Vec::new();
    let mut fps = Vec::new();
    let mut tp = 0u64;
    for (k, &i) in order.iter().enumerate() {
        tp += u64::from(labels[i]);
        let last = k + 1 == n || scores[order[k + 1]] != scores[i];
        if last {
            tps.push(tp as f64);
            fps.push((k as u64 + 1 - tp) as f64);
        }
    }
    // drop_intermediate: keep the ends and the points where the curve turns.
    if tps.len() > 2 {
        let mut keep = vec![true; tps.len()];
        for k in 1..tps.len() - 1 {
            let d2f = fps[k + 1] - 2.0 * fps[k] + fps[k - 1];
            let d2t = tps[k + 1] - 2.0 * tps[k] + tps[k - 1];
            keep[k] = d2f != 0.0 || d2t != 0.0;
        }
        let mut k = 0;
        tps.retain(|_| {
            k += 1;
            keep[k - 1]
        });
        let mut k = 0;
        fps.retain(|_| {
            k += 1;
            keep[k - 1]
        });
    }
    let (tp_all, fp_all) = (tps[tps.len() - 1], fps[fps.len() - 1]);
    let fpr: Vec<f64> = std::iter::once(0.0)
        .chain(fps.iter().map(|f| f / fp_all))
        .collect();
    let tpr: Vec<f64> = std::iter::once(0.0)
        .chain(tps.iter().map(|t| t / tp_all))
        .collect();
    trapezoid_auc(&fpr, &tpr)
}

// ---------------------------------------------------------------------------
// Realized quality
// ---------------------------------------------------------------------------

/// Realized quality of a binary classifier over one window: the confusion
/// matrix at a threshold and the metrics derived from it, plus ROC AUC from
/// the scores. Values equal scikit-learn's (`confusion_matrix`,
/// `accuracy_score`, `precision_score`, `recall_score`, `f1_score`,
/// `recall_score(pos_label=0)`, `roc_auc_score`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BinaryQuality {
    /// Rows (score and label pairs) in the window.
    pub rows: u64,
    /// True positives: predicted positive, labelled positive.
    pub tp: u64,
    /// False positives: predicted positive, labelled negative.
    pub fp: u64,
    /// True negatives: predicted negative, labelled negative.
    pub tn: u64,
    /// False negatives: predicted negative, labelled positive.
    pub fn_: u64,
    /// (tp + tn) / rows; `None` when the window has no rows.
    pub accuracy: Option<f64>,
    /// tp / (tp + fp); `None` when nothing is predicted positive.
    pub precision: Option<f64>,
    /// tp / (tp + fn); `None` when no row is labelled positive.
    pub recall: Option<f64>,
    /// 2·tp / (2·tp + fp + fn); `None` when no row is labelled or predicted
    /// positive (scikit-learn defines F1 this way since 1.3, so it is 0, not
    /// undefined, when precision alone is undefined).
    pub f1: Option<f64>,
    /// tn / (tn + fp); `None` when no row is labelled negative.
    pub specificity: Option<f64>,
    /// Area under the ROC curve of the scores; `None` when the labels hold
    /// a single class (scikit-learn raises there).
    pub roc_auc: Option<f64>,
}

impl BinaryQuality {
    /// The defined metrics by name (`accuracy`, `precision`, `recall`, `f1`,
    /// `specificity`, `roc_auc`), in that order; undefined ones are left out.
    pub fn metrics(&self) -> Vec<(&'static str, f64)> {
        named(&[
            ("accuracy", self.accuracy),
            ("precision", self.precision),
            ("recall", self.recall),
            ("f1", self.f1),
            ("specificity", self.specificity),
            ("roc_auc", self.roc_auc),
        ])
    }
}

fn named(values: &[(&'static str, Option<f64>)]) -> Vec<(&'static str, f64)> {
    values
        .iter()
        .filter_map(|(name, v)| v.map(|v| (*name, v)))
        .collect()
}

/// Realized binary quality of one window from each row's score and label.
/// A row is predicted positive when its score is `>= threshold`.
///
/// Errors ([`Error::InvalidInput`]): `scores` and `labels` of different
/// lengths, a score that is NaN or infinite (the message names the row), a
/// NaN threshold. An empty window is not an error: its counts are 0 and its
/// metrics `None`.
pub fn binary_quality(scores: &[f64], labels: &[bool], threshold: f64) -> Result<BinaryQuality> {
    check_lengths("scores", scores.len(), "labels", labels.len())?;
    check_finite("score", scores)?;
    check_threshold(threshold)?;
    let (mut tp, mut fp, mut tn, mut fn_) = (0u64, 0u64, 0u64, 0u64);
    for (s, l) in scores.iter().zip(labels) {
        match (*s >= threshold, *l) {
            (true, true) => tp += 1,
            (true, false) => fp += 1,
            (false, false) => tn += 1,
            (false, true) => fn_ += 1,
        }
    }
    let rows = scores.len() as u64;
    Ok(BinaryQuality {
        rows,
        tp,
        fp,
        tn,
        fn_,
        accuracy: ratio(tp + tn, rows),
        precision: ratio(tp, tp + fp),
        recall: ratio(tp, tp + fn_),
        f1: ratio(2 * tp, 2 * tp + fp + fn_),
        specificity: ratio(tn, tn + fp),
        roc_auc: roc_auc(scores, labels),
    })
}

/// Realized quality of a regression model over one window. Values equal
/// scikit-learn's `mean_absolute_error`, `root_mean_squared_error` and
/// `mean_absolute_percentage_error`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RegressionQuality {
    /// Rows (prediction and target pairs) in the window.
    pub rows: u64,
    /// Mean absolute error, mean of |prediction − target|; `None` when the
    /// window has no rows (so are the others).
    pub mae: Option<f64>,
    /// Root mean squared error, √mean((target − prediction)²).
    pub rmse: Option<f64>,
    /// Mean absolute percentage error as scikit-learn defines it: mean of
    /// |prediction − target| / max(|target|, ε) with ε the float64 machine
    /// epsilon (2.22e-16), a ratio (0.1 is 10 %), not a percentage. A target
    /// of 0 makes it huge rather than undefined, as in scikit-learn.
    pub mape: Option<f64>,
    /// Mean of prediction − target: positive when the model over-predicts.
    pub bias: Option<f64>,
}

impl RegressionQuality {
    /// The defined metrics by name (`mae`, `rmse`, `mape`, `bias`).
    pub fn metrics(&self) -> Vec<(&'static str, f64)> {
        named(&[
            ("mae", self.mae),
            ("rmse", self.rmse),
            ("mape", self.mape),
            ("bias", self.bias),
        ])
    }
}

/// Realized regression quality of one window from each row's prediction and
/// target.
///
/// Errors ([`Error::InvalidInput`]): columns of different lengths, a NaN or
/// infinite prediction or target (the message names the column and row).
pub fn regression_quality(pred: &[f64], target: &[f64]) -> Result<RegressionQuality> {
    check_lengths("predictions", pred.len(), "targets", target.len())?;
    check_finite("prediction", pred)?;
    check_finite("target", target)?;
    let abs: Vec<f64> = pred
        .iter()
        .zip(target)
        .map(|(p, t)| (p - t).abs())
        .collect();
    let sq: Vec<f64> = pred
        .iter()
        .zip(target)
        .map(|(p, t)| (t - p) * (t - p))
        .collect();
    let pct: Vec<f64> = pred
        .iter()
        .zip(target)
        .map(|(p, t)| (p - t).abs() / t.abs().max(f64::EPSILON))
        .collect();
    let diff: Vec<f64> = pred.iter().zip(target).map(|(p, t)| p - t).collect();
    Ok(RegressionQuality {
        rows: pred.len() as u64,
        mae: mean(&abs),
        rmse: mean(&sq).map(f64::sqrt),
        mape: mean(&pct),
        bias: mean(&diff),
    })
}

/// Realized quality of a multiclass classifier over one window. Values equal
/// scikit-learn's `confusion_matrix`, `accuracy_score` and the macro averages
/// of `precision_score`, `recall_score` and `f1_score` over every label seen
/// in either column.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MulticlassQuality {
    /// Rows (prediction and target pairs) in the window.
    pub rows: u64,
    /// Every label seen among the predictions or the targets, sorted (byte
    /// order, which is Python's string order).
    pub labels: Vec<String>,
    /// `confusion[t][p]`: rows whose target is `labels[t]` and prediction
    /// `labels[p]` (rows are true labels, columns predicted ones).
    pub confusion: Vec<Vec<u64>>,
    /// Share of rows predicted right; `None` when the window has no rows.
    pub accuracy: Option<f64>,
    /// Macro precision: the mean over labels of each label's precision,
    /// a label never predicted counting 0 (scikit-learn's default,
    /// `zero_division="warn"`); `None` when the window has no rows.
    pub precision: Option<f64>,
    /// Macro recall, a label never in the targets counting 0.
    pub recall: Option<f64>,
    /// Macro F1, each label's 2·tp / (2·tp + fp + fn) (every label is
    /// predicted or a target, so none is undefined).
    pub f1: Option<f64>,
}

impl MulticlassQuality {
    /// The defined metrics by name (`accuracy`, and the macro averages as
    /// `precision`, `recall`, `f1`).
    pub fn metrics(&self) -> Vec<(&'static str, f64)> {
        named(&[
            ("accuracy", self.accuracy),
            ("precision", self.precision),
            ("recall", self.recall),
            ("f1", self.f1),
        ])
    }
}

/// Realized multiclass quality of one window from each row's predicted and
/// true label.
///
/// Errors ([`Error::InvalidInput`]): columns of different lengths.
pub fn multiclass_quality(pred: &[&str], target: &[&str]) -> Result<MulticlassQuality> {
    check_lengths("predictions", pred.len(), "targets", target.len())?;
    let mut labels: Vec<&str> = pred.iter().chain(target).copied().collect();
    labels.sort_unstable();
    labels.dedup();
    let k = labels.len();
    // Every label was collected above, so the search always finds it.
    let index = |l: &str| labels.binary_search(&l).unwrap_or_else(|i| i);
    let mut confusion = vec![vec![0u64; k]; k];
    for (p, t) in pred.iter().zip(target) {
        confusion[index(t)][index(p)] += 1;
    }
    let rows = pred.len() as u64;
    let correct: u64 = (0..k).map(|i| confusion[i][i]).sum();
    let (mut precisions, mut recalls, mut f1s) = (Vec::new(), Vec::new(), Vec::new());
    for (i, row) in confusion.iter().enumerate() {
        let tp = row[i];
        let predicted: u64 = confusion.iter().map(|r| r[i]).sum();
        let actual: u64 = row.iter().sum();
        precisions.push(ratio(tp, predicted).unwrap_or(0.0));
        recalls.push(ratio(tp, actual).unwrap_or(0.0));
        f1s.push(ratio(2 * tp, predicted + actual).unwrap_or(0.0));
    }
    Ok(MulticlassQuality {
        rows,
        labels: labels.iter().map(|l| l.to_string()).collect(),
        confusion,
        accuracy: ratio(correct, rows),
        precision: mean(&precisions),
        recall: mean(&recalls),
        f1: mean(&f1s),
    })
}

// ---------------------------------------------------------------------------
// numpy's legacy random stream (for NannyML's stratified splits)
// ---------------------------------------------------------------------------

/// The Mersenne Twister MT19937 as numpy's legacy `RandomState(seed)` seeds
/// and draws it, with the two draws scikit-learn's `StratifiedShuffleSplit`
/// makes of it (`permutation`, `choice(replace=False)`). It exists so the
/// calibration check splits the reference exactly as NannyML does
/// (`random_state=42`).
struct LegacyRandom {
    state: [u32; 624],
    next: usize,
}

impl LegacyRandom {
    /// `np.random.RandomState(seed)` for an integer seed.
    fn new(seed: u32) -> Self {
        let mut state = [0u32; 624];
        state[0] = seed;
        for i in 1..624 {
            let prev = state[i - 1];
            state[i] = 1_812_433_253u32
                .wrapping_mul(prev ^ (prev >> 30))
                .wrapping_add(i as u32);
        }
        LegacyRandom { state, next: 624 }
    }

    fn next_u32(&mut self) -> u32 {
        if self.next >= 624 {
            for i in 0..624 {
                let y = (self.state[i] & 0x8000_0000) | (self.state[(i + 1) % 624] & 0x7fff_ffff);
                let mut v = self.state[(i + 397) % 624] ^ (y >> 1);
                if y & 1 != 0 {
                    v ^= 0x9908_b0df;
                }
                self.state[i] = v;
            }
            self.next = 0;
        }
        let mut y = self.state[self.next];
        self.next += 1;
        y ^= y >> 11;
        y ^= (y << 7) & 0x9d2c_5680;
        y ^= (y << 15) & 0xefc6_0000;
        y ^= y >> 18;
        y
    }

    /// numpy's `random_interval`: uniform in `0..=max` by masked rejection.
    fn interval(&mut self, max: u64) -> u64 {
        if max == 0 {
            return 0;
        }
        let mut mask = max;
        for shift in [1, 2, 4, 8, 16, 32] {
            mask |= mask >> shift;
        }
        if max <= u64::from(u32::MAX) {
            loop {
                let v = u64::from(self.next_u32()) & mask;
                if v <= max {
                    return v;
                }
            }
        }
        loop {
            let v = ((u64::from(self.next_u32()) << 32) | u64::from(self.next_u32())) & mask;
            if v <= max {
                return v;
            }
        }
    }

    /// `RandomState.shuffle` of a one-dimensional array (Fisher–Yates from
    /// the end).
    fn shuffle<T>(&mut self, values: &mut [T]) {
        for i in (1..values.len()).rev() {
            let j = self.interval(i as u64) as usize;
            values.swap(i, j);
        }
    }

    /// `RandomState.permutation(n)`.
    fn permutation(&mut self, n: usize) -> Vec<usize> {
        let mut v: Vec<usize> = (0..n).collect();
        self.shuffle(&mut v);
        v
    }
}

/// scikit-learn's `_approximate_mode` for two classes: how many of `draws`
/// rows each class gets, ties in the left-over share broken by `rng`.
fn approximate_mode(counts: [usize; 2], draws: usize, rng: &mut LegacyRandom) -> [usize; 2] {
    let total = (counts[0] + counts[1]) as f64;
    let continuous = counts.map(|c| c as f64 / total * draws as f64);
    let mut floored = continuous.map(f64::floor);
    let mut need = (draws as f64 - (floored[0] + floored[1])) as i64;
    if need > 0 {
        let remainder = [continuous[0] - floored[0], continuous[1] - floored[1]];
        let mut values = remainder.to_vec();
        values.sort_by(|a, b| b.total_cmp(a));
        values.dedup();
        for value in values {
            let inds: Vec<usize> = (0..2).filter(|i| remainder[*i] == value).collect();
            let add_now = inds.len().min(need as usize);
            // choice(inds, add_now, replace=False) = inds[permutation(len)[:add_now]]
            let perm = rng.permutation(inds.len());
            for p in &perm[..add_now] {
                floored[inds[*p]] += 1.0;
            }
            need -= add_now as i64;
            if need == 0 {
                break;
            }
        }
    }
    floored.map(|f| f as usize)
}

/// The test rows of NannyML's calibration check: scikit-learn's
/// `StratifiedShuffleSplit(n_splits=10, test_size=0.1, random_state=42)`
/// over the labels, split by split (train rows, test rows).
fn stratified_splits(labels: &[bool]) -> Result<Vec<(Vec<usize>, Vec<usize>)>> {
    let n = labels.len();
    let n_test = (0.1 * n as f64).ceil() as usize;
    let n_train = n.saturating_sub(n_test);
    // np.unique sorts the classes: false (0) before true (1).
    let class_indices: [Vec<usize>; 2] = [
        (0..n).filter(|i| !labels[*i]).collect(),
        (0..n).filter(|i| labels[*i]).collect(),
    ];
    let counts = [class_indices[0].len(), class_indices[1].len()];
    if counts[0] < 2 || counts[1] < 2 {
        return Err(Error::InvalidInput(format!(
            "reference labels hold {} negative and {} positive rows; the calibration check \
             (NannyML's stratified splits) needs at least 2 of each",
            counts[0], counts[1]
        )));
    }
    if n_train < 2 || n_test < 2 {
        return Err(Error::InvalidInput(format!(
            "reference has {n} rows, too few for the calibration check's 10% test splits"
        )));
    }
    let mut rng = LegacyRandom::new(42);
    let mut splits = Vec::with_capacity(10);
    for _ in 0..10 {
        let n_i = approximate_mode(counts, n_train, &mut rng);
        let remaining = [counts[0] - n_i[0], counts[1] - n_i[1]];
        let t_i = approximate_mode(remaining, n_test, &mut rng);
        let mut train = Vec::with_capacity(n_train);
        let mut test = Vec::with_capacity(n_test);
        for class in 0..2 {
            let perm = rng.permutation(counts[class]);
            let rows: Vec<usize> = perm.iter().map(|p| class_indices[class][*p]).collect();
            train.extend_from_slice(&rows[..n_i[class]]);
            test.extend_from_slice(&rows[n_i[class]..n_i[class] + t_i[class]]);
        }
        rng.shuffle(&mut train);
        rng.shuffle(&mut test);
        splits.push((train, test));
    }
    Ok(splits)
}

// ---------------------------------------------------------------------------
// Calibration
// ---------------------------------------------------------------------------

/// An isotonic calibrator of scores into probabilities, fitted on the
/// reference's scores and labels: scikit-learn's
/// `IsotonicRegression(out_of_bounds="clip", increasing=True)`, which is what
/// NannyML's `IsotonicCalibrator` is. (NannyML sets no `y_min`/`y_max`; with
/// 0/1 labels the fitted values lie in [0, 1] anyway.)
///
/// Fitting sorts the pairs by score, merges scores closer than 1e-15
/// (scikit-learn's `_make_unique`) into one point whose value is the mean
/// label, then runs the pool-adjacent-violators algorithm; calibrating clips
/// a score to the fitted range and interpolates linearly between the points.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Calibrator {
    /// Scores of the fitted points, ascending (scikit-learn's `X_thresholds_`).
    pub x: Vec<f64>,
    /// Calibrated probabilities at `x`, non-decreasing (`y_thresholds_`).
    pub y: Vec<f64>,
}

impl Calibrator {
    /// Fits the calibrator. Errors ([`Error::InvalidInput`]): columns of
    /// different lengths, no rows, a NaN or infinite score.
    pub fn fit(scores: &[f64], labels: &[bool]) -> Result<Calibrator> {
        check_lengths("scores", scores.len(), "labels", labels.len())?;
        check_finite("score", scores)?;
        if scores.is_empty() {
            return Err(Error::InvalidInput(
                "cannot fit a calibrator on no rows".into(),
            ));
        }
        Ok(Self::fit_unchecked(scores, labels))
    }

    fn fit_unchecked(scores: &[f64], labels: &[bool]) -> Calibrator {
        // np.lexsort((y, X)): by score, then label.
        let mut order: Vec<usize> = (0..scores.len()).collect();
        order.sort_by(|a, b| {
            scores[*a]
                .total_cmp(&scores[*b])
                .then(labels[*a].cmp(&labels[*b]))
        });
        // _make_unique: points closer than the float64 resolution merge.
        const RESOLUTION: f64 = 1e-15;
        let (mut xs, mut ys, mut ws) = (Vec::new(), Vec::new(), Vec::new());
        let mut current_x = scores[order[0]];
        let (mut current_y, mut current_w) = (0.0f64, 0.0f64);
        for &i in &order {
            let x = scores[i];
            let y = if labels[i] { 1.0 } else { 0.0 };
            if x - current_x >= RESOLUTION {
                xs.push(current_x);
                ws.push(current_w);
                ys.push(current_y / current_w);
                current_x = x;
                current_w = 1.0;
                current_y = y;
            } else {
                current_w += 1.0;
                current_y += y;
            }
        }
        xs.push(current_x);
        ws.push(current_w);
        ys.push(current_y / current_w);
        let ys = pava(&ys, &ws);
        // Drop inner points equal to both neighbours (they change nothing).
        let n = ys.len();
        let keep: Vec<bool> = (0..n)
            .map(|i| i == 0 || i + 1 == n || ys[i] != ys[i - 1] || ys[i] != ys[i + 1])
            .collect();
        let x = xs
            .iter()
            .zip(&keep)
            .filter(|(_, k)| **k)
            .map(|(x, _)| *x)
            .collect();
        let y = ys
            .iter()
            .zip(&keep)
            .filter(|(_, k)| **k)
            .map(|(y, _)| *y)
            .collect();
        Calibrator { x, y }
    }

    /// The calibrated probability of one score: clipped to the fitted range,
    /// then interpolated linearly (numpy's `interp`). A NaN score stays NaN.
    pub fn calibrate(&self, score: f64) -> f64 {
        let (xs, ys) = (&self.x, &self.y);
        if score.is_nan() {
            return score;
        }
        if xs.len() == 1 {
            return ys[0];
        }
        let last = xs.len() - 1;
        let v = score.clamp(xs[0], xs[last]);
        let j = xs.partition_point(|x| *x <= v).saturating_sub(1);
        if j == last || xs[j] == v {
            return ys[j];
        }
        let slope = (ys[j + 1] - ys[j]) / (xs[j + 1] - xs[j]);
        slope * (v - xs[j]) + ys[j]
    }
}

/// Weighted pool-adjacent-violators: the non-decreasing sequence closest to
/// `y` in weighted least squares (each pooled block takes its weighted mean).
fn pava(y: &[f64], w: &[f64]) -> Vec<f64> {
    // Blocks as (weighted sum, weight, length).
    let mut blocks: Vec<(f64, f64, usize)> = Vec::with_capacity(y.len());
    for (yi, wi) in y.iter().zip(w) {
        blocks.push((yi * wi, *wi, 1));
        while blocks.len() > 1 {
            let (s1, w1, l1) = blocks[blocks.len() - 1];
            let (s0, w0, l0) = blocks[blocks.len() - 2];
            if s0 / w0 < s1 / w1 {
                break;
            }
            blocks.pop();
            let top = blocks.len() - 1;
            blocks[top] = (s0 + s1, w0 + w1, l0 + l1);
        }
    }
    let mut out = Vec::with_capacity(y.len());
    for (s, w, l) in blocks {
        out.extend(std::iter::repeat_n(s / w, l));
    }
    out
}

/// NannyML's expected calibration error over equal-count bins of the rows
/// sorted by probability (`_calculate_expected_calibration_error` with
/// `_get_bin_index_edges(n, 10)`).
///
/// NannyML sorts with numpy's unstable `argsort`, whose order of tied
/// probabilities depends on the CPU's sort kernel; here ties keep their row
/// order (a stable sort). The two differ only when tied probabilities with
/// different labels straddle a bin edge.
fn expected_calibration_error(labels: &[bool], proba: &[f64]) -> Result<f64> {
    let n = proba.len();
    let mut bins = 10usize;
    if n <= 2 * bins {
        bins = n / 2;
        if bins < 2 {
            return Err(Error::InvalidInput(format!(
                "cannot split {n} rows into 2 calibration bins"
            )));
        }
    }
    let width = n / bins;
    let mut edges: Vec<usize> = (0..=n).step_by(width).collect();
    let last = edges.len() - 1;
    edges[last] = n;
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|a, b| proba[*a].total_cmp(&proba[*b]));
    let p: Vec<f64> = order.iter().map(|i| proba[*i]).collect();
    let y: Vec<f64> = order
        .iter()
        .map(|i| if labels[*i] { 1.0 } else { 0.0 })
        .collect();
    let terms: Vec<f64> = edges
        .windows(2)
        .map(|e| {
            let (lo, hi) = (e[0], e[1]);
            let weight = (hi - lo) as f64 / n as f64;
            let mp = mean(&p[lo..hi]).unwrap_or(f64::NAN);
            let my = mean(&y[lo..hi]).unwrap_or(f64::NAN);
            weight * (mp - my).abs()
        })
        .collect();
    Ok(pairwise_sum(&terms))
}

/// The outcome of NannyML's check whether the reference scores need
/// calibration ([`needs_calibration`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CalibrationCheck {
    /// Whether CBPE calibrates the scores before estimating.
    pub needs_calibration: bool,
    /// ROC AUC of the reference scores; above 0.999 no calibration is
    /// tried. `None` when the labels hold a single class.
    pub reference_roc_auc: Option<f64>,
    /// Expected calibration error of the raw scores over the pooled test
    /// rows of the ten splits; `None` when the check stopped before.
    pub ece_before: Option<f64>,
    /// The same after isotonic calibration fitted on each split's train rows.
    pub ece_after: Option<f64>,
}

/// NannyML's `needs_calibration` with its `IsotonicCalibrator`: whether
/// calibrating the reference scores lowers their expected calibration error.
///
/// No when the labels hold one class or the scores' ROC AUC is above 0.999.
/// Otherwise the reference is split ten times by scikit-learn's
/// `StratifiedShuffleSplit(n_splits=10, test_size=0.1, random_state=42)`
/// (reproduced exactly, numpy's legacy Mersenne Twister included); for each
/// split an isotonic calibrator is fitted on the train rows and applied to
/// the test rows; the test rows of all splits are pooled and the expected
/// calibration error over 10 equal-count bins is compared before and after:
/// calibration is needed when it is lower after. The one departure from
/// NannyML is the order of tied scores inside the binning (see
/// [`CalibrationCheck`]'s ECE fields; NannyML's is CPU-dependent).
///
/// Errors ([`Error::InvalidInput`]): columns of different lengths, a NaN or
/// infinite score, fewer than 2 rows of a class present in a two-class
/// reference (scikit-learn refuses to split it).
pub fn needs_calibration(scores: &[f64], labels: &[bool]) -> Result<CalibrationCheck> {
    check_lengths("scores", scores.len(), "labels", labels.len())?;
    check_finite("score", scores)?;
    let positives = labels.iter().filter(|l| **l).count();
    let reference_roc_auc = roc_auc(scores, labels);
    let mut check = CalibrationCheck {
        needs_calibration: false,
        reference_roc_auc,
        ece_before: None,
        ece_after: None,
    };
    if positives == 0 || positives == labels.len() {
        return Ok(check);
    }
    if reference_roc_auc.is_some_and(|auc| auc > 0.999) {
        return Ok(check);
    }
    let splits = stratified_splits(labels)?;
    let (mut y, mut p, mut c) = (Vec::new(), Vec::new(), Vec::new());
    for (train, test) in &splits {
        let train_scores: Vec<f64> = train.iter().map(|i| scores[*i]).collect();
        let train_labels: Vec<bool> = train.iter().map(|i| labels[*i]).collect();
        let calibrator = Calibrator::fit_unchecked(&train_scores, &train_labels);
        for &i in test {
            y.push(labels[i]);
            p.push(scores[i]);
            c.push(calibrator.calibrate(scores[i]));
        }
    }
    let before = expected_calibration_error(&y, &p)?;
    let after = expected_calibration_error(&y, &c)?;
    check.needs_calibration = before > after;
    check.ece_before = Some(before);
    check.ece_after = Some(after);
    Ok(check)
}

// ---------------------------------------------------------------------------
// CBPE
// ---------------------------------------------------------------------------

/// NannyML's sampling-error components of one metric, from the reference:
/// the standard deviation of the metric's per-row contributions and the
/// share of rows that contribute. A window of `n` rows then has the error
/// `std / √(n · share)` (counts: `std · √n`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
struct Component {
    std: f64,
    share: f64,
}

impl Component {
    fn error(&self, rows: usize) -> Option<f64> {
        finite(self.std / (rows as f64 * self.share).sqrt())
    }
}

/// Population standard deviation of `ones` values `scale` and `zeros`
/// values 0 (numpy's `std` of that array).
fn std_of_counts(ones: usize, zeros: usize, scale: f64) -> f64 {
    let mut values = vec![scale; ones];
    values.resize(ones + zeros, 0.0);
    std_dev(&values).unwrap_or(f64::NAN)
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct SamplingComponents {
    accuracy: Component,
    precision: Component,
    recall: Component,
    f1: Component,
    specificity: Component,
    roc_auc: Component,
    tp: f64,
    fp: f64,
    tn: f64,
    fn_: f64,
}

impl SamplingComponents {
    /// `nannyml.sampling_error.binary_classification`'s `*_components`.
    fn fit(scores: &[f64], labels: &[bool], threshold: f64) -> SamplingComponents {
        let n = labels.len();
        let (mut tp, mut fp, mut tn, mut fn_) = (0usize, 0usize, 0usize, 0usize);
        for (s, l) in scores.iter().zip(labels) {
            match (*s >= threshold, *l) {
                (true, true) => tp += 1,
                (true, false) => fp += 1,
                (false, false) => tn += 1,
                (false, true) => fn_ += 1,
            }
        }
        let share = |k: usize| k as f64 / n as f64;
        let relevant = tp + fn_ + fp;
        let f1 = if relevant == 0 {
            Component {
                std: f64::NAN,
                share: 0.0,
            }
        } else {
            let factor = relevant as f64 / ((fn_ + fp) as f64 * 0.5 + tp as f64);
            Component {
                std: std_of_counts(tp, fn_ + fp, factor),
                share: share(relevant),
            }
        };
        SamplingComponents {
            accuracy: Component {
                std: std_of_counts(tp + tn, fp + fn_, 1.0),
                share: 1.0,
            },
            precision: Component {
                std: std_of_counts(tp, fp, 1.0),
                share: share(tp + fp),
            },
            recall: Component {
                std: std_of_counts(tp, fn_, 1.0),
                share: share(tp + fn_),
            },
            f1,
            specificity: Component {
                std: std_of_counts(tn, fp, 1.0),
                share: share(tn + fp),
            },
            roc_auc: auroc_component(scores, labels),
            tp: std_of_counts(tp, n - tp, 1.0),
            fp: std_of_counts(fp, n - fp, 1.0),
            tn: std_of_counts(tn, n - tn, 1.0),
            fn_: std_of_counts(fn_, n - fn_, 1.0),
        }
    }
}

/// NannyML's `auroc_sampling_error_components`: AUROC as a Mann–Whitney
/// statistic, the spread of each positive's share of negatives ranked below
/// it. The minority class is taken as positive (NannyML flips the labels and
/// scores when more than half are positive). Ties keep their row order here;
/// NannyML's order of tied scores comes from numpy's unstable sort.
fn auroc_component(scores: &[f64], labels: &[bool]) -> Component {
    let n = labels.len();
    let flip = labels.iter().filter(|l| **l).count() as f64 / n as f64 > 0.5;
    let y: Vec<bool> = labels.iter().map(|l| *l != flip).collect();
    let p: Vec<f64> = scores
        .iter()
        .map(|s| if flip { 1.0 - s } else { *s })
        .collect();
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|a, b| p[*a].total_cmp(&p[*b]));
    // Ranks of the positives, without rank 0 (np.unique(...)[1:] drops the
    // 0 that negatives contribute, and a positive ranked first with it).
    let ranks: Vec<usize> = order
        .iter()
        .enumerate()
        .filter(|(rank, i)| y[**i] && *rank > 0)
        .map(|(rank, _)| rank)
        .collect();
    let n_pos = y.iter().filter(|v| **v).count();
    let n_neg = n - n_pos;
    let ser: Vec<f64> = ranks
        .iter()
        .enumerate()
        .map(|(i, rank)| (rank - i) as f64 / n_neg as f64)
        .collect();
    Component {
        std: std_dev(&ser).unwrap_or(f64::NAN),
        share: n_pos as f64 / n as f64,
    }
}

/// A CBPE estimator fitted on the reference: NannyML's `CBPE` for binary
/// classification (`problem_type="classification_binary"`), with `y_pred`
/// being `score >= threshold` on the model's own (uncalibrated) score.
///
/// Estimation needs no labels: with p̂ the calibrated probability of each
/// row, a row predicted positive contributes p̂ to the expected true
/// positives and 1 − p̂ to the false positives; a row predicted negative p̂
/// to the false negatives and 1 − p̂ to the true negatives. The metrics
/// follow from these expected counts. Like NannyML, this assumes the
/// calibrated scores stay calibrated in production: covariate shift is
/// fine, concept drift (a changed P(label | score)) is not detected.
///
/// Windows and merging: estimation runs on all the kept scores of a window
/// (the monitor keeps each window's predictions), so a window's estimate is
/// recomputed from its rows when late rows arrive; there is no accumulator
/// to merge across processes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Cbpe {
    threshold: f64,
    check: CalibrationCheck,
    calibrator: Option<Calibrator>,
    components: SamplingComponents,
}

/// Fits CBPE on the reference: the model's `scores`, the true `labels` and
/// the decision `threshold` (predicted positive when `score >= threshold`).
/// Calibrates with an isotonic [`Calibrator`] fitted on the whole reference
/// when [`needs_calibration`] says so, as NannyML does.
///
/// Errors ([`Error::InvalidInput`]): columns of different lengths, an empty
/// reference, a NaN or infinite score (naming the row), a NaN threshold, a
/// two-class reference with fewer than 2 rows of a class.
pub fn cbpe_fit(scores: &[f64], labels: &[bool], threshold: f64) -> Result<Cbpe> {
    check_lengths("scores", scores.len(), "labels", labels.len())?;
    check_finite("score", scores)?;
    check_threshold(threshold)?;
    if scores.is_empty() {
        return Err(Error::InvalidInput(
            "the reference has no rows; CBPE needs scores with labels to fit".into(),
        ));
    }
    let check = needs_calibration(scores, labels)?;
    let calibrator = check
        .needs_calibration
        .then(|| Calibrator::fit_unchecked(scores, labels));
    Ok(Cbpe {
        threshold,
        check,
        calibrator,
        components: SamplingComponents::fit(scores, labels, threshold),
    })
}

/// The sampling errors of a CBPE estimate (NannyML's `sampling_error`
/// column): the standard error expected from a window of this size alone,
/// derived from the reference; NannyML draws its confidence band at ±3 of
/// them. `None` where NannyML's value would be NaN or infinite (a metric
/// with no contributing reference rows).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SamplingErrors {
    /// Of [`EstimatedBinaryQuality::accuracy`].
    pub accuracy: Option<f64>,
    /// Of [`EstimatedBinaryQuality::precision`].
    pub precision: Option<f64>,
    /// Of [`EstimatedBinaryQuality::recall`].
    pub recall: Option<f64>,
    /// Of [`EstimatedBinaryQuality::f1`].
    pub f1: Option<f64>,
    /// Of [`EstimatedBinaryQuality::specificity`].
    pub specificity: Option<f64>,
    /// Of [`EstimatedBinaryQuality::roc_auc`] (with tied reference scores
    /// in row order; see the module's notes).
    pub roc_auc: Option<f64>,
    /// Of the expected true positives (a count).
    pub tp: Option<f64>,
    /// Of the expected false positives.
    pub fp: Option<f64>,
    /// Of the expected true negatives.
    pub tn: Option<f64>,
    /// Of the expected false negatives.
    pub fn_: Option<f64>,
}

/// Binary quality of one window estimated by CBPE, without labels: expected
/// confusion counts (real numbers) and the metrics NannyML derives from
/// them, with their sampling errors.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EstimatedBinaryQuality {
    /// Rows (scores) in the window.
    pub rows: u64,
    /// Expected true positives: sum of p̂ over rows predicted positive.
    pub tp: f64,
    /// Expected false positives: sum of 1 − p̂ over rows predicted positive.
    pub fp: f64,
    /// Expected true negatives: sum of 1 − p̂ over rows predicted negative.
    pub tn: f64,
    /// Expected false negatives: sum of p̂ over rows predicted negative.
    pub fn_: f64,
    /// (tp + tn) / rows; `None` for an empty window (as are all metrics).
    pub accuracy: Option<f64>,
    /// tp / (tp + fp); 0 when nothing is predicted positive (NannyML's
    /// value there, unlike the realized `None`).
    pub precision: Option<f64>,
    /// tp / (tp + fn); 0 when tp + fn is 0 (every p̂ 0).
    pub recall: Option<f64>,
    /// tp / (tp + (fp + fn) / 2); 0 when that is 0.
    pub f1: Option<f64>,
    /// tn / (tn + fp); 0 when nothing is predicted negative.
    pub specificity: Option<f64>,
    /// NannyML's ROC AUC estimate: rows sorted by score descending, the
    /// cumulative sums of p̂ and 1 − p̂ (rounded to 5 decimals, as NannyML
    /// does) give the expected true and false positive rates at each row,
    /// area by the trapezoid rule. `None` when every p̂ is 0 or every p̂ is 1.
    pub roc_auc: Option<f64>,
    /// NannyML's sampling errors of the values above.
    pub sampling_error: SamplingErrors,
}

impl EstimatedBinaryQuality {
    /// The defined metrics by name (`accuracy`, `precision`, `recall`, `f1`,
    /// `specificity`, `roc_auc`), the names of [`BinaryQuality::metrics`].
    pub fn metrics(&self) -> Vec<(&'static str, f64)> {
        named(&[
            ("accuracy", self.accuracy),
            ("precision", self.precision),
            ("recall", self.recall),
            ("f1", self.f1),
            ("specificity", self.specificity),
            ("roc_auc", self.roc_auc),
        ])
    }
}

/// `np.round(x, 5)`: scale, round half to even, unscale.
fn round5(x: f64) -> f64 {
    (x * 100_000.0).round_ties_even() / 100_000.0
}

impl Cbpe {
    /// The decision threshold on the model's score.
    pub fn threshold(&self) -> f64 {
        self.threshold
    }

    /// The outcome of the calibration check on the reference.
    pub fn calibration_check(&self) -> &CalibrationCheck {
        &self.check
    }

    /// The calibrator applied before estimating, when the check asked for one.
    pub fn calibrator(&self) -> Option<&Calibrator> {
        self.calibrator.as_ref()
    }

    /// The calibrated probability p̂ of one score (the score itself when no
    /// calibration is needed).
    pub fn probability(&self, score: f64) -> f64 {
        match &self.calibrator {
            Some(c) => c.calibrate(score),
            None => score,
        }
    }

    /// Estimates the binary quality of a window from its scores alone.
    ///
    /// Errors ([`Error::InvalidInput`]): a NaN or infinite score, naming its
    /// row (NannyML drops such rows; a monitor should not keep them).
    pub fn estimate(&self, scores: &[f64]) -> Result<EstimatedBinaryQuality> {
        check_finite("score", scores)?;
        let n = scores.len();
        let proba: Vec<f64> = scores.iter().map(|s| self.probability(*s)).collect();
        let predicted: Vec<bool> = scores.iter().map(|s| *s >= self.threshold).collect();
        let sum_where = |positive: bool, f: &dyn Fn(f64) -> f64| {
            let v: Vec<f64> = proba
                .iter()
                .zip(&predicted)
                .map(|(p, y)| if *y == positive { f(*p) } else { 0.0 })
                .collect();
            pairwise_sum(&v)
        };
        let tp = sum_where(true, &|p| p);
        let fp = sum_where(true, &|p| 1.0 - p);
        let fn_ = sum_where(false, &|p| p);
        let tn = sum_where(false, &|p| 1.0 - p);
        let div = |a: f64, b: f64| if b != 0.0 { a / b } else { 0.0 };
        let c = &self.components;
        let count_error = |std: f64| finite(std / (n as f64).sqrt() * n as f64);
        let (accuracy, precision, recall, f1, specificity, roc_auc_est, sampling_error);
        if n == 0 {
            (accuracy, precision, recall, f1, specificity, roc_auc_est) =
                (None, None, None, None, None, None);
            sampling_error = SamplingErrors {
                accuracy: None,
                precision: None,
                recall: None,
                f1: None,
                specificity: None,
                roc_auc: None,
                tp: None,
                fp: None,
                tn: None,
                fn_: None,
            };
        } else {
            accuracy = Some((tp + tn) / n as f64);
            precision = Some(div(tp, tp + fp));
            recall = Some(div(tp, tp + fn_));
            f1 = Some(div(tp, tp + 0.5 * (fp + fn_)));
            specificity = Some(div(tn, tn + fp));
            roc_auc_est = self.estimate_roc_auc(scores, &proba);
            sampling_error = SamplingErrors {
                accuracy: finite(c.accuracy.std / (n as f64).sqrt()),
                precision: c.precision.error(n),
                recall: c.recall.error(n),
                f1: c.f1.error(n),
                specificity: c.specificity.error(n),
                roc_auc: c.roc_auc.error(n),
                tp: count_error(c.tp),
                fp: count_error(c.fp),
                tn: count_error(c.tn),
                fn_: count_error(c.fn_),
            };
        }
        Ok(EstimatedBinaryQuality {
            rows: n as u64,
            tp,
            fp,
            tn,
            fn_,
            accuracy,
            precision,
            recall,
            f1,
            specificity,
            roc_auc: roc_auc_est,
            sampling_error,
        })
    }

    /// NannyML's `estimate_roc_auc`. Rows are sorted by the uncalibrated
    /// score, descending; tied scores have equal p̂, so their order does not
    /// change the sums.
    fn estimate_roc_auc(&self, scores: &[f64], proba: &[f64]) -> Option<f64> {
        let n = scores.len();
        let mut order: Vec<usize> = (0..n).collect();
        order.sort_by(|a, b| scores[*b].total_cmp(&scores[*a]));
        let mut tps = Vec::with_capacity(n + 1);
        let mut fps = Vec::with_capacity(n + 1);
        tps.push(0.0);
        fps.push(0.0);
        let mut cumulative = 0.0;
        for (k, &i) in order.iter().enumerate() {
            cumulative += proba[i];
            tps.push(cumulative);
            fps.push(1.0 + k as f64 - cumulative);
        }
        let tps: Vec<f64> = tps.into_iter().map(round5).collect();
        let fps: Vec<f64> = fps.into_iter().map(round5).collect();
        let (tp_all, fp_all) = (tps[n], fps[n]);
        let tpr: Vec<f64> = tps.iter().map(|t| t / tp_all).collect();
        let fpr: Vec<f64> = fps.iter().map(|f| f / fp_all).collect();
        trapezoid_auc(&fpr, &tpr)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn legacy_random_permutes_as_numpy() {
        // np.random.RandomState(42).permutation(10)
        let mut rng = LegacyRandom::new(42);
        assert_eq!(rng.permutation(10), vec![8, 1, 5, 0, 7, 2, 9, 4, 3, 6]);
        // then .permutation(1000)[:5]
        assert_eq!(rng.permutation(1000)[..5], [629, 788, 684, 516, 529]);
    }

    #[test]
    fn stratified_splits_as_sklearn() {
        // StratifiedShuffleSplit(10, test_size=0.1, random_state=42) over
        // labels i % 3 == 0 for i in 0..25.
        let labels: Vec<bool> = (0..25).map(|i| i % 3 == 0).collect();
        let splits = stratified_splits(&labels).unwrap();
        assert_eq!(splits.len(), 10);
        assert_eq!(splits[0].1, vec![12, 10, 5]);
        assert_eq!(splits[9].1, vec![1, 11, 15]);
        assert_eq!(splits[9].0[..5], [0, 2, 6, 14, 5]);
        // _approximate_mode([3, 3], 3, RandomState(42)): the tie goes to class 1.
        assert_eq!(
            approximate_mode([3, 3], 3, &mut LegacyRandom::new(42)),
            [1, 2]
        );
    }

    #[test]
    fn pairwise_sum_is_exact_on_integers() {
        let v: Vec<f64> = (1..=1000).map(f64::from).collect();
        assert_eq!(pairwise_sum(&v), 500_500.0);
        assert_eq!(pairwise_sum(&v[..7]), 28.0);
        assert_eq!(pairwise_sum(&[]), 0.0);
    }

    #[test]
    fn binary_quality_small_window() {
        let scores = [0.9, 0.8, 0.8, 0.3, 0.1, 0.6];
        let labels = [true, false, true, true, false, false];
        let q = binary_quality(&scores, &labels, 0.5).unwrap();
        assert_eq!((q.tp, q.fp, q.tn, q.fn_), (2, 2, 1, 1));
        assert_eq!(q.accuracy, Some(0.5));
        assert_eq!(q.precision, Some(0.5));
        assert_eq!(q.recall, Some(2.0 / 3.0));
        assert_eq!(q.f1, Some(4.0 / 7.0));
        assert_eq!(q.specificity, Some(1.0 / 3.0));
        // sklearn.metrics.roc_auc_score: 6 of 9 pairs ranked right, one tie.
        assert!((q.roc_auc.unwrap() - 6.5 / 9.0).abs() < 1e-15);
        let names: Vec<&str> = q.metrics().iter().map(|(n, _)| *n).collect();
        assert_eq!(
            names,
            [
                "accuracy",
                "precision",
                "recall",
                "f1",
                "specificity",
                "roc_auc"
            ]
        );
    }

    #[test]
    fn empty_windows_have_no_metrics() {
        let q = binary_quality(&[], &[], 0.5).unwrap();
        assert_eq!(q.rows, 0);
        assert!(q.metrics().is_empty());
        let r = regression_quality(&[], &[]).unwrap();
        assert!(r.metrics().is_empty());
        let m = multiclass_quality(&[], &[]).unwrap();
        assert!(m.labels.is_empty() && m.metrics().is_empty());
        let cbpe = cbpe_fit(&[0.1, 0.2, 0.7, 0.9], &[false, false, true, true], 0.5).unwrap();
        let e = cbpe.estimate(&[]).unwrap();
        assert_eq!((e.rows, e.tp), (0, 0.0));
        assert!(e.metrics().is_empty());
    }

    #[test]
    fn bad_input_is_a_typed_error_naming_the_row() {
        let err = binary_quality(&[0.1, f64::NAN], &[true, false], 0.5).unwrap_err();
        assert!(
            matches!(&err, Error::InvalidInput(m) if m.contains("row 1")),
            "{err}"
        );
        let err = binary_quality(&[0.1], &[true, false], 0.5).unwrap_err();
        assert!(matches!(&err, Error::InvalidInput(m) if m.contains("1 rows") && m.contains("2")));
        let err = binary_quality(&[0.1], &[true], f64::NAN).unwrap_err();
        assert!(matches!(&err, Error::InvalidInput(m) if m.contains("threshold")));
        let err = regression_quality(&[1.0, 2.0], &[1.0, f64::INFINITY]).unwrap_err();
        assert!(matches!(&err, Error::InvalidInput(m) if m.contains("target at row 1")));
        let err = multiclass_quality(&["a"], &[]).unwrap_err();
        assert!(matches!(err, Error::InvalidInput(_)));
        let err = cbpe_fit(&[], &[], 0.5).unwrap_err();
        assert!(matches!(err, Error::InvalidInput(_)));
        // One positive row: scikit-learn's stratified split refuses it.
        let err = cbpe_fit(&[0.1, 0.95, 0.3, 0.9], &[false, false, false, true], 0.5).unwrap_err();
        assert!(
            matches!(&err, Error::InvalidInput(m) if m.contains("1 positive")),
            "{err}"
        );
        let cbpe = cbpe_fit(&[0.1, 0.2, 0.7, 0.9], &[false, false, true, true], 0.5).unwrap();
        let err = cbpe.estimate(&[0.3, 0.4, f64::NAN]).unwrap_err();
        assert!(matches!(&err, Error::InvalidInput(m) if m.contains("row 2")));
    }

    #[test]
    fn isotonic_pools_violators_and_clips() {
        // scikit-learn: IsotonicRegression(out_of_bounds="clip").fit(
        //   [0.1, 0.2, 0.3, 0.4], [0, 1, 0, 1]) -> thresholds [0.1, 0.2, 0.3, 0.4],
        //   values [0, 0.5, 0.5, 1]; predict(0.25) = 0.5, predict(2) = 1.
        let c = Calibrator::fit(&[0.1, 0.2, 0.3, 0.4], &[false, true, false, true]).unwrap();
        assert_eq!(c.y.first(), Some(&0.0));
        assert_eq!(c.calibrate(0.25), 0.5);
        assert_eq!(c.calibrate(2.0), 1.0);
        assert_eq!(c.calibrate(-1.0), 0.0);
        assert!((c.calibrate(0.35) - 0.75).abs() < 1e-15);
    }
}
