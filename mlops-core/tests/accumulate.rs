//! Partial states (`mlops_core::accumulate`): the data cut into 1, 2, 7 and
//! 32 partitions, each partition's state sent as bytes and merged (in
//! partition order, in reverse, and per column then combined) gives the
//! single-machine profile (counts, min and max exactly; moments to 1e-12;
//! sketches within their bounds) and the single-machine validation
//! verdicts and unexpected counts. Then the refusals: another spec, a newer
//! format, damaged bytes, a partition counted twice, unmergeable checks.
//! And determinism: the same partitioning gives the same state bytes every
//! run, on any thread pool, and states merged or combined in any order give
//! the same bytes.

use std::sync::Arc;

use arrow::array::{ArrayRef, Float64Array, Int64Array, RecordBatch, StringArray};
use arrow::datatypes::{DataType, Field, Schema};
use mlops_core::accumulate::{Accumulator, Finished, Spec};
use mlops_core::profile::Profile;
use mlops_core::validate::{validate_batches, CheckKind, Suite, ValidateOptions, ValidationResult};
use mlops_core::Error;
use proptest::prelude::*;
use rayon::prelude::*;

fn schema() -> Arc<Schema> {
    Arc::new(Schema::new(vec![
        Field::new("x", DataType::Float64, true),
        Field::new("n", DataType::Int64, true),
        Field::new("s", DataType::Utf8, true),
    ]))
}

/// Deterministic rows: nulls, NaN, a break in the order of `n`, values out of range.
fn batch(start: usize, len: usize) -> RecordBatch {
    let x: Float64Array = (start..start + len)
        .map(|i| match i % 97 {
            3 => None,
            5 => Some(f64::NAN),
            _ => Some(((i * 7919) % 1000) as f64 * 0.37 - 50.0),
        })
        .collect();
    let n: Int64Array = (start..start + len)
        .map(|i| {
            if i % 50 == 7 {
                None
            } else {
                Some(if i == 1234 { 3 } else { i as i64 })
            }
        })
        .collect();
    let s: StringArray = (start..start + len)
        .map(|i| match i % 13 {
            0 => None,
            k => Some(["free", "pro", "team", "gold"][k % 4]),
        })
        .collect();
    let cols: Vec<ArrayRef> = vec![Arc::new(x), Arc::new(n), Arc::new(s)];
    RecordBatch::try_new(schema(), cols).unwrap()
}

const ROWS: usize = 5000;

/// The data cut into `parts` contiguous partitions (some of them empty
/// when `parts` is large), each fed to its accumulator in batches of 300.
fn states(spec: &Spec, parts: usize) -> Vec<Vec<u8>> {
    (0..parts).map(|p| state(spec, parts, p)).collect()
}

/// The state of partition `p` of `parts`.
fn state(spec: &Spec, parts: usize, p: usize) -> Vec<u8> {
    let (a, b) = (p * ROWS / parts, (p + 1) * ROWS / parts);
    let mut acc = Accumulator::new(spec, p as u64);
    let mut i = a;
    while i < b {
        let len = 300.min(b - i);
        acc.update(&batch(i, len)).unwrap();
        i += len;
    }
    acc.to_bytes().unwrap()
}

fn decode(spec: &Spec, bytes: &[Vec<u8>]) -> Vec<Accumulator> {
    bytes
        .iter()
        .map(|b| Accumulator::from_bytes(spec, b).unwrap())
        .collect()
}

fn whole() -> Vec<RecordBatch> {
    (0..ROWS).step_by(1000).map(|i| batch(i, 1000)).collect()
}

fn single_profile() -> Profile {
    let mut p = Profile::new(&schema());
    for b in whole() {
        p.update(&b).unwrap();
    }
    p
}

fn profile(f: Finished) -> Profile {
    match f {
        Finished::Profile(p) => p,
        Finished::Validation(_) => panic!("a profile spec finished into a validation"),
    }
}

fn validation(f: Finished) -> ValidationResult {
    match f {
        Finished::Validation(v) => v,
        Finished::Profile(_) => panic!("a validation spec finished into a profile"),
    }
}

fn close(a: Option<f64>, b: Option<f64>, what: &str) {
    match (a, b) {
        (Some(a), Some(b)) => assert!(
            (a - b).abs() <= 1e-12 * b.abs().max(1.0),
            "{what}: {a} vs {b}"
        ),
        (a, b) => assert_eq!(a, b, "{what}"),
    }
}

fn assert_same_profile(got: &Profile, want: &Profile) {
    assert_eq!(got.row_count(), want.row_count());
    for w in want.columns() {
        let g = got.column(w.name()).unwrap();
        let name = w.name();
        assert_eq!(
            (g.count(), g.null_count(), g.nan_count(), g.true_count()),
            (w.count(), w.null_count(), w.nan_count(), w.true_count()),
            "{name} counts"
        );
        assert_eq!((g.min(), g.max()), (w.min(), w.max()), "{name} min/max");
        assert_eq!(g.length_min(), w.length_min(), "{name} lengths");
        close(g.mean(), w.mean(), &format!("{name} mean"));
        close(g.variance(), w.variance(), &format!("{name} variance"));
        if let (Some(e), Some(_)) = (w.quantile_rank_error(), w.quantile(0.5)) {
            // The merged median's rank in the exact data, within the sketch's bound.
            let m = g.quantile(0.5).unwrap();
            let mut xs: Vec<f64> = whole()
                .iter()
                .flat_map(|b| {
                    let a = b.column_by_name(name).unwrap();
                    let a = arrow::compute::cast(a, &DataType::Float64).unwrap();
                    a.as_any()
                        .downcast_ref::<Float64Array>()
                        .unwrap()
                        .iter()
                        .flatten()
                        .filter(|x| x.is_finite())
                        .collect::<Vec<_>>()
                })
                .collect();
            xs.sort_by(f64::total_cmp);
            let rank = xs.partition_point(|&x| x < m) as f64 / xs.len() as f64;
            assert!(
                (rank - 0.5).abs() <= e + 1e-9,
                "{name} median rank {rank}, bound {e}"
            );
        }
        if let Some(d) = w.distinct_estimate() {
            let g = g.distinct_estimate().unwrap();
            assert!(
                (g - d).abs() <= 0.05 * d.max(1.0),
                "{name} distinct {g} vs {d}"
            );
        }
    }
}

#[test]
fn merged_profiles_equal_the_single_machine_profile_at_1_2_7_and_32_partitions() {
    let spec = Spec::profile(None);
    let want = single_profile();
    for parts in [1, 2, 7, 32] {
        let bytes = states(&spec, parts);
        let got = profile(
            Accumulator::merge(&spec, decode(&spec, &bytes))
                .unwrap()
                .finish()
                .unwrap(),
        );
        assert_same_profile(&got, &want);
        // Any order of the states gives the same profile.
        let mut rev = decode(&spec, &bytes);
        rev.reverse();
        let got = profile(Accumulator::merge(&spec, rev).unwrap().finish().unwrap());
        assert_same_profile(&got, &want);
    }
}

#[test]
fn per_column_merges_then_combine_give_the_same_profile_with_one_state_per_column() {
    let spec = Spec::profile(Some(vec!["s".into(), "x".into()]));
    let mut by_column: std::collections::BTreeMap<u32, Vec<Accumulator>> = Default::default();
    for acc in decode(&spec, &states(&spec, 7)) {
        for (k, s) in acc.split() {
            // Through bytes again, as an executor-side merge would receive them.
            let s = Accumulator::from_bytes(&spec, &s.to_bytes().unwrap()).unwrap();
            by_column.entry(k).or_default().push(s);
        }
    }
    assert_eq!(by_column.keys().copied().collect::<Vec<_>>(), vec![0, 1]);
    let per_column: Vec<Accumulator> = by_column
        .into_values()
        .map(|g| Accumulator::merge(&spec, g).unwrap())
        .collect();
    assert_eq!(
        per_column.len(),
        2,
        "one state per column reaches the driver"
    );
    let p = profile(
        Accumulator::combine(&spec, per_column)
            .unwrap()
            .finish()
            .unwrap(),
    );
    assert_eq!(
        p.columns().iter().map(|c| c.name()).collect::<Vec<_>>(),
        vec!["s", "x"],
        "the spec's column order"
    );
    let want = single_profile();
    for name in ["s", "x"] {
        let (g, w) = (p.column(name).unwrap(), want.column(name).unwrap());
        assert_eq!(
            (g.count(), g.null_count(), g.min(), g.max()),
            (w.count(), w.null_count(), w.min(), w.max())
        );
    }
}

fn pool(threads: usize) -> rayon::ThreadPool {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap()
}

/// `items` in an order drawn from `seed` (Fisher-Yates).
fn shuffled<T>(mut items: Vec<T>, seed: u64) -> Vec<T> {
    let mut s = seed;
    for i in (1..items.len()).rev() {
        s = s
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        items.swap(i, (s >> 33) as usize % (i + 1));
    }
    items
}

/// A short name for bytes, so that a failed comparison prints two hashes.
fn digest(b: &[u8]) -> String {
    blake3::hash(b).to_hex().to_string()
}

#[test]
fn the_same_partitioning_gives_the_same_bytes_every_run_on_any_thread_pool() {
    let spec = Spec::profile(None);
    for parts in [1, 7] {
        // Partitions in parallel, each folding its columns in parallel.
        let run = |threads: usize| {
            pool(threads).install(|| {
                (0..parts)
                    .into_par_iter()
                    .map(|p| digest(&state(&spec, parts, p)))
                    .collect::<Vec<_>>()
            })
        };
        let first = run(1);
        assert_eq!(run(1), first, "{parts} partitions, again");
        assert_eq!(run(4), first, "{parts} partitions, on four threads");
        let here = states(&spec, parts);
        assert_eq!(
            here.iter().map(|b| digest(b)).collect::<Vec<_>>(),
            first,
            "{parts} partitions, here"
        );
        let merged = |threads: usize| {
            pool(threads).install(|| {
                let acc = Accumulator::merge(&spec, decode(&spec, &states(&spec, parts))).unwrap();
                let bytes = digest(&acc.to_bytes().unwrap());
                (bytes, digest(&profile(acc.finish().unwrap()).to_bytes()))
            })
        };
        assert_eq!(merged(4), merged(1), "{parts} partitions, merged");
    }
}

#[test]
fn states_merged_or_combined_in_any_order_give_the_same_bytes() {
    let spec = Spec::profile(None);
    let bytes = states(&spec, 32);
    let want = digest(
        &Accumulator::merge(&spec, decode(&spec, &bytes))
            .unwrap()
            .to_bytes()
            .unwrap(),
    );
    // Per column, through bytes, as executors merge them.
    let pieces: Vec<Vec<u8>> = decode(&spec, &bytes)
        .into_iter()
        .flat_map(|a| a.split())
        .map(|(_, s)| s.to_bytes().unwrap())
        .collect();
    let combined = |states: Vec<Accumulator>| {
        let acc = Accumulator::combine(&spec, states).unwrap();
        let bytes = digest(&acc.to_bytes().unwrap());
        (bytes, digest(&profile(acc.finish().unwrap()).to_bytes()))
    };
    let want_combined = combined(decode(&spec, &pieces));
    for seed in 0..6 {
        let got = Accumulator::merge(&spec, shuffled(decode(&spec, &bytes), seed)).unwrap();
        assert_eq!(
            digest(&got.to_bytes().unwrap()),
            want,
            "merge, order {seed}"
        );
        let got = combined(shuffled(decode(&spec, &pieces), seed));
        assert_eq!(
            got, want_combined,
            "per column, then combined, order {seed}"
        );
    }
    // Validation states too.
    let opts = ValidateOptions::default();
    let spec = Spec::validation(suite(), &opts).unwrap();
    let bytes = states(&spec, 7);
    let want = digest(
        &Accumulator::merge(&spec, decode(&spec, &bytes))
            .unwrap()
            .to_bytes()
            .unwrap(),
    );
    for seed in 0..6 {
        let got = Accumulator::merge(&spec, shuffled(decode(&spec, &bytes), seed)).unwrap();
        assert_eq!(
            digest(&got.to_bytes().unwrap()),
            want,
            "validation, order {seed}"
        );
    }
}

#[test]
fn profiling_the_same_data_twice_gives_the_same_bytes() {
    let batches: Vec<RecordBatch> = (0..200_000)
        .step_by(40_000)
        .map(|i| batch(i, 40_000))
        .collect();
    let run = |threads: usize| {
        pool(threads).install(|| {
            let reader = arrow::array::RecordBatchIterator::new(
                batches.clone().into_iter().map(Ok),
                schema(),
            );
            digest(&mlops_core::profile(reader).unwrap().to_bytes())
        })
    };
    let first = run(1);
    assert_eq!(run(1), first);
    assert_eq!(run(4), first, "on four threads");
    // A Parquet file of ten row groups, profiled in parallel partitions:
    // the same bytes for the same number of threads.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("data.parquet");
    let props = parquet::file::properties::WriterProperties::builder()
        .set_max_row_group_row_count(Some(20_000))
        .build();
    let mut w = parquet::arrow::ArrowWriter::try_new(
        std::fs::File::create(&path).unwrap(),
        schema(),
        Some(props),
    )
    .unwrap();
    for b in &batches {
        w.write(b).unwrap();
    }
    w.close().unwrap();
    for threads in [1, 4] {
        let run = || {
            pool(threads).install(|| digest(&mlops_core::profile_path(&path).unwrap().to_bytes()))
        };
        assert_eq!(run(), run(), "{threads} threads");
    }
}

fn suite() -> Suite {
    Suite::new("orders")
        .with(CheckKind::NotNull { column: "n".into() })
        .with(CheckKind::ValuesBetween {
            column: "x".into(),
            min: Some(0.0.into()),
            max: Some(300.0.into()),
            strict_min: false,
            strict_max: false,
        })
        .with(CheckKind::InSet {
            column: "s".into(),
            values: vec!["free".into(), "pro".into(), "team".into()],
        })
        .with(CheckKind::MeanBetween {
            column: "x".into(),
            min: Some(0.0),
            max: Some(200.0),
        })
        .with(CheckKind::Increasing {
            column: "n".into(),
            strict: true,
        })
        .with(CheckKind::RowCountBetween {
            min: Some(1),
            max: Some(ROWS as u64),
        })
}

#[test]
fn merged_validation_gives_the_single_machine_verdicts_and_counts_at_1_2_7_and_32_partitions() {
    let opts = ValidateOptions::default();
    let want = validate_batches(&suite(), &whole(), &opts).unwrap();
    let spec = Spec::validation(suite(), &opts).unwrap();
    for parts in [1, 2, 7, 32] {
        for reverse in [false, true] {
            let mut accs = decode(&spec, &states(&spec, parts));
            if reverse {
                accs.reverse();
            }
            let got = validation(Accumulator::merge(&spec, accs).unwrap().finish().unwrap());
            assert_eq!(got.success, want.success, "{parts} partitions");
            for (g, w) in got.results.iter().zip(&want.results) {
                assert_eq!(
                    (
                        g.success,
                        g.unexpected_count,
                        g.missing_count,
                        g.element_count
                    ),
                    (
                        w.success,
                        w.unexpected_count,
                        w.missing_count,
                        w.element_count
                    ),
                    "{} at {parts} partitions",
                    w.check
                );
                assert_eq!(
                    g.partial_unexpected.len(),
                    w.partial_unexpected.len(),
                    "{}",
                    w.check
                );
                // The same rows, named by partition and row within it.
                let bounds: Vec<u64> = (0..=parts).map(|p| (p * ROWS / parts) as u64).collect();
                for (gu, wu) in g.partial_unexpected.iter().zip(&w.partial_unexpected) {
                    let p = gu.partition.expect("merged samples name their partition");
                    assert_eq!(bounds[p as usize] + gu.row, wu.row, "{}", w.check);
                    assert_eq!(gu.value, wu.value);
                }
            }
        }
    }
}

#[test]
fn a_break_in_order_at_the_seam_of_two_partitions_is_found() {
    // Row 1234 breaks the order of `n`; cut the data right before it.
    let opts = ValidateOptions::default();
    let spec = Spec::validation(suite(), &opts).unwrap();
    let mut a = Accumulator::new(&spec, 0);
    a.update(&batch(0, 1234)).unwrap();
    let mut b = Accumulator::new(&spec, 1);
    b.update(&batch(1234, ROWS - 1234)).unwrap();
    let got = validation(
        Accumulator::merge(&spec, vec![b, a])
            .unwrap()
            .finish()
            .unwrap(),
    );
    let inc = &got.results[4];
    assert_eq!(inc.unexpected_count, Some(1));
    assert_eq!(
        (
            inc.partial_unexpected[0].partition,
            inc.partial_unexpected[0].row
        ),
        (Some(1), 0)
    );
}

#[test]
fn merging_interleaved_partitions_fails_an_order_check_instead_of_guessing() {
    let opts = ValidateOptions::default();
    let spec = Spec::validation(suite(), &opts).unwrap();
    let accs = decode(&spec, &states(&spec, 3));
    let mut it = accs.into_iter();
    let (p0, p1, p2) = (it.next().unwrap(), it.next().unwrap(), it.next().unwrap());
    let outer = Accumulator::merge(&spec, vec![p0, p2]).unwrap();
    assert_eq!(outer.partitions(), &[(0, 0), (2, 2)]);
    let all = validation(
        Accumulator::merge(&spec, vec![outer, p1])
            .unwrap()
            .finish()
            .unwrap(),
    );
    let inc = &all.results[4];
    assert!(!inc.success);
    assert!(
        inc.reason.as_deref().unwrap().contains("out of order"),
        "{:?}",
        inc.reason
    );
    // The other checks are unaffected.
    assert_eq!(all.results[0].unexpected_count, Some(ROWS as u64 / 50));
}

#[test]
fn a_partition_merged_twice_is_refused() {
    let spec = Spec::profile(None);
    let b = states(&spec, 2);
    let err = Accumulator::merge(
        &spec,
        decode(&spec, &[b[0].clone(), b[1].clone(), b[0].clone()]),
    )
    .unwrap_err();
    assert!(
        matches!(&err, Error::InvalidInput(m) if m.contains("partition 0 is in two")),
        "{err}"
    );
}

#[test]
fn states_of_another_spec_a_newer_format_or_damaged_bytes_are_refused() {
    let spec = Spec::profile(None);
    let other = Spec::profile(Some(vec!["x".into()]));
    let b = states(&spec, 1).remove(0);
    let err = Accumulator::from_bytes(&other, &b).unwrap_err();
    assert!(
        matches!(&err, Error::InvalidInput(m) if m.contains(&spec.hash()) && m.contains(&other.hash())),
        "{err}"
    );
    let mut newer = b.clone();
    newer[8] = 9;
    let err = Accumulator::from_bytes(&spec, &newer).unwrap_err();
    assert!(
        matches!(&err, Error::Integrity(m) if m.contains("version 9")),
        "{err}"
    );
    for at in [20, b.len() / 2, b.len() - 1] {
        let mut bad = b.clone();
        bad[at] ^= 0x40;
        let err = Accumulator::from_bytes(&spec, &bad).unwrap_err();
        assert!(matches!(err, Error::Integrity(_)), "byte {at}: {err}");
    }
    for cut in [0, 9, 40, b.len() - 1] {
        assert!(
            Accumulator::from_bytes(&spec, &b[..cut]).is_err(),
            "cut at {cut}"
        );
    }
}

#[test]
fn checks_whose_state_grows_with_the_data_are_refused_naming_the_alternative() {
    for (kind, hint) in [
        (CheckKind::Unique { column: "n".into() }, "group-by"),
        (
            CheckKind::MedianBetween {
                column: "x".into(),
                min: None,
                max: None,
            },
            "quantile",
        ),
        (
            CheckKind::DistinctCountBetween {
                column: "s".into(),
                min: None,
                max: None,
            },
            "distinct_estimate",
        ),
    ] {
        let name = kind.name();
        let err = Spec::validation(suite().with(kind), &ValidateOptions::default()).unwrap_err();
        assert!(
            matches!(&err, Error::Unsupported(m) if m.contains("checks[6]") && m.contains(name) && m.contains(hint)),
            "{err}"
        );
    }
}

#[test]
fn empty_partitions_add_nothing_and_an_all_empty_input_needs_the_schema() {
    let spec = Spec::profile(None);
    let empty: Vec<Accumulator> = (0..3).map(|p| Accumulator::new(&spec, p)).collect();
    let merged = Accumulator::merge(&spec, empty).unwrap();
    assert_eq!(merged.partitions(), &[(0, 2)]);
    assert_eq!(merged.rows(), 0);
    let bytes = merged.to_bytes().unwrap();
    let merged = Accumulator::from_bytes(&spec, &bytes).unwrap();
    let err = Accumulator::merge(&spec, vec![merged])
        .unwrap()
        .finish()
        .unwrap_err();
    assert!(
        matches!(&err, Error::InvalidInput(m) if m.contains("schema is unknown")),
        "{err}"
    );
    let p = profile(
        Accumulator::new(&spec, 0)
            .finish_with_schema(&schema())
            .unwrap(),
    );
    assert_eq!((p.row_count(), p.columns().len()), (0, 3));
}

#[test]
fn a_merged_or_split_state_takes_no_more_rows_and_a_part_cannot_finish() {
    let spec = Spec::profile(None);
    let accs = decode(&spec, &states(&spec, 2));
    let mut merged = Accumulator::merge(&spec, accs).unwrap();
    assert!(matches!(
        merged.update(&batch(0, 10)),
        Err(Error::InvalidInput(_))
    ));
    let mut parts = merged.split();
    assert_eq!(parts.len(), 3);
    let (_, mut one) = parts.remove(0);
    assert!(matches!(
        one.update(&batch(0, 10)),
        Err(Error::InvalidInput(_))
    ));
    let err = one.finish().unwrap_err();
    assert!(
        matches!(&err, Error::InvalidInput(m) if m.contains("1 of 3")),
        "{err}"
    );
}

#[test]
fn a_profile_spec_naming_a_missing_column_names_it() {
    let spec = Spec::profile(Some(vec!["x".into(), "nope".into()]));
    let mut acc = Accumulator::new(&spec, 0);
    let err = acc.update(&batch(0, 10)).unwrap_err();
    assert!(
        matches!(&err, Error::SchemaMismatch(m) if m.contains("'nope'")),
        "{err}"
    );
}

#[test]
fn specs_round_trip_and_fix_the_clock_for_every_partition() {
    let spec = Spec::validation(suite(), &ValidateOptions::default()).unwrap();
    let again = Spec::from_bytes(spec.to_bytes()).unwrap();
    assert_eq!(spec.hash(), again.hash());
    let err =
        Spec::from_bytes(br#"{"format":"mlops.spec","version":7,"profile":{"columns":null}}"#)
            .unwrap_err();
    assert!(
        matches!(&err, Error::InvalidInput(m) if m.contains("'version'")),
        "{err}"
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]
    /// Random cuts of the data into partitions merge, in a random order,
    /// into the single-machine counts and verdicts.
    #[test]
    fn random_cuts_merge_to_the_single_machine_result(
        cuts in prop::collection::btree_set(1usize..ROWS, 0..12),
        seed in any::<u64>(),
    ) {
        let bounds: Vec<usize> = std::iter::once(0).chain(cuts).chain(std::iter::once(ROWS)).collect();
        let opts = ValidateOptions::default();
        let want = validate_batches(&suite(), &whole(), &opts).unwrap();
        let spec = Spec::validation(suite(), &opts).unwrap();
        let mut accs: Vec<Accumulator> = bounds
            .windows(2)
            .enumerate()
            .map(|(p, w)| {
                let mut acc = Accumulator::new(&spec, p as u64);
                acc.update(&batch(w[0], w[1] - w[0])).unwrap();
                Accumulator::from_bytes(&spec, &acc.to_bytes().unwrap()).unwrap()
            })
            .collect();
        // A deterministic shuffle from the seed.
        let n = accs.len();
        for i in (1..n).rev() {
            let j = (seed.wrapping_mul(6364136223846793005).wrapping_add(i as u64) >> 33) as usize % (i + 1);
            accs.swap(i, j);
        }
        let got = validation(Accumulator::merge(&spec, accs).unwrap().finish().unwrap());
        for (g, w) in got.results.iter().zip(&want.results) {
            prop_assert_eq!((g.success, g.unexpected_count), (w.success, w.unexpected_count), "{}", &w.check);
        }
    }
}

#[test]
fn a_distribution_reference_relative_to_the_suite_is_found_after_the_spec_travels() {
    let dir = std::env::temp_dir().join(format!("mlops-accumulate-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let reference = single_profile();
    std::fs::write(dir.join("ref.mlprof"), reference.to_bytes()).unwrap();
    let text =
        "name: d\nchecks:\n  - check: distribution\n    column: x\n    reference: ref.mlprof\n";
    std::fs::write(dir.join("suite.yaml"), text).unwrap();
    let suite = Suite::load(dir.join("suite.yaml")).unwrap();
    let spec = Spec::validation(suite, &ValidateOptions::default()).unwrap();
    // A worker rebuilds the spec from its bytes, without the suite's folder.
    let worker = Spec::from_bytes(spec.to_bytes()).unwrap();
    let mut acc = Accumulator::new(&worker, 0);
    acc.update(&batch(0, 1000)).unwrap();
    let state = acc.to_bytes().unwrap();
    let got = validation(
        Accumulator::merge(&spec, vec![Accumulator::from_bytes(&spec, &state).unwrap()])
            .unwrap()
            .finish()
            .unwrap(),
    );
    assert_eq!(got.results[0].reason, None, "{:?}", got.results[0].reason);
}
