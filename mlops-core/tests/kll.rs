//! The quantile sketch (`profile::sketches::Quantiles`): DataSketches' KLL
//! with the coin held in the sketch. Checked against the `datasketches`
//! crate itself: the same compaction decisions (level sizes), the same
//! bytes through the crate, the same answers on the same levels, and every
//! image the crate writes read back; the rank error of a million values,
//! uniform and skewed, after a thousand merges; and the same bytes for the
//! same seed and input on any thread.

#[path = "support/data.rs"]
mod data;

use data::Rng;
use datasketches::common::SearchCriteria;
use datasketches::kll::{KllFloat, KllSketch};
use mlops_core::profile::sketches::Quantiles;

type Crate = KllSketch<KllFloat<f64>>;

fn f(x: f64) -> KllFloat<f64> {
    KllFloat::<f64>::new(x).unwrap()
}

fn crate_of(q: &Quantiles) -> Crate {
    Crate::deserialize(&q.to_bytes()).expect("the crate reads our image")
}

/// An image's header, level offsets, minimum and maximum: everything but
/// the values retained, which the coin chooses.
fn shape(image: &[u8]) -> &[u8] {
    if image[0] == 2 {
        return &image[..8];
    }
    let levels = image[18] as usize;
    &image[..20 + 4 * levels + 16]
}

/// Ranks at which answers are compared: the ends, a fine grid, and points
/// next to the grid.
fn ranks() -> Vec<f64> {
    let mut r: Vec<f64> = (0..=1000).map(|i| i as f64 / 1000.0).collect();
    r.extend((1..1000).map(|i| (i as f64 / 1000.0).next_up()));
    r.extend([1e-9, 0.5 - 1e-12, 1.0 - 1e-9]);
    r
}

/// Our answers equal the crate's on the same image: quantiles (bit for
/// bit), PMF, n and the error bound; and the crate writes back our bytes.
fn assert_answers_like_the_crate(q: &Quantiles) {
    let c = crate_of(q);
    assert_eq!(c.serialize(), q.to_bytes(), "our image is the crate's own");
    assert_eq!(c.n(), q.n());
    assert_eq!(c.normalized_rank_error(), q.rank_error());
    for r in ranks() {
        let want = c
            .quantile(r, SearchCriteria::Inclusive)
            .unwrap()
            .map(|v| v.into_inner().to_bits());
        assert_eq!(q.quantile(r).map(f64::to_bits), want, "rank {r}");
    }
    let all = q.quantiles(&ranks());
    let one: Option<Vec<f64>> = ranks().into_iter().map(|r| q.quantile(r)).collect();
    assert_eq!(all, one);
    if q.n() > 0 {
        let (lo, hi) = (q.quantile(0.0).unwrap(), q.quantile(1.0).unwrap());
        let splits: Vec<f64> = (0..=40)
            .map(|i| lo + (hi - lo) * (i as f64 / 37.0 - 0.05))
            .collect();
        let splits = {
            let mut s = splits;
            s.dedup();
            s
        };
        let want = c
            .pmf(
                &splits.iter().map(|&x| f(x)).collect::<Vec<_>>(),
                SearchCriteria::Exclusive,
            )
            .unwrap();
        assert_eq!(q.pmf(&splits), want);
    } else {
        assert_eq!(q.quantile(0.5), None);
        assert_eq!(q.pmf(&[1.0]), None);
    }
    assert_eq!(q.pmf(&[2.0, 1.0]), None, "splits must increase");
}

#[test]
fn item_by_item_updates_make_the_crates_compaction_decisions() {
    let mut rng = Rng(1);
    let mut ours = Quantiles::with_seed(7);
    let mut theirs = Crate::new(200).unwrap();
    for i in 1..=200_000u64 {
        let x = rng.normal(0.0, 1.0);
        ours.push(x);
        theirs.update(f(x));
        if i.is_power_of_two() || i % 9_973 == 0 || i < 10 {
            assert_eq!(
                shape(&ours.to_bytes()),
                shape(&theirs.serialize()),
                "after {i} values"
            );
            assert_answers_like_the_crate(&ours);
        }
    }
}

#[test]
fn merges_make_the_crates_compaction_decisions() {
    let mut rng = Rng(2);
    let sizes = [0usize, 1, 2, 150, 201, 600, 5_000, 70_000];
    let mut sketches: Vec<Quantiles> = Vec::new();
    for (i, &n) in sizes.iter().enumerate() {
        let mut q = Quantiles::with_seed(i as u64);
        let mut xs: Vec<f64> = (0..n).map(|_| rng.next_f64() * 100.0).collect();
        if i % 2 == 0 {
            xs.iter().for_each(|&x| q.push(x));
        } else {
            xs.sort_by(f64::total_cmp);
            q.push_sorted(&mut xs);
        }
        assert_answers_like_the_crate(&q);
        sketches.push(q);
    }
    // Every pair, both ways: our merge against the crate's on the same images.
    for a in &sketches {
        for b in &sketches {
            let mut ours = a.clone();
            ours.merge(b).unwrap();
            let mut theirs = crate_of(a);
            theirs.merge(&crate_of(b)).unwrap();
            assert_eq!(shape(&ours.to_bytes()), shape(&theirs.serialize()));
            assert_answers_like_the_crate(&ours);
        }
    }
    // A decoded sketch (level 0 sorted) merged into, then updated.
    let mut ours = Quantiles::from_bytes(&sketches[7].to_bytes()).unwrap();
    let mut theirs = crate_of(&sketches[7]);
    for x in (0..1_000).map(f64::from) {
        ours.push(x);
        theirs.update(f(x));
    }
    ours.merge(&sketches[6]).unwrap();
    theirs.merge(&crate_of(&sketches[6])).unwrap();
    assert_eq!(shape(&ours.to_bytes()), shape(&theirs.serialize()));
    assert_answers_like_the_crate(&ours);
}

#[test]
fn images_the_crate_writes_decode_to_the_same_bytes_and_answers() {
    let mut rng = Rng(3);
    for (k, n) in [
        (200u16, 0usize),
        (200, 1),
        (200, 2),
        (200, 199),
        (200, 10_000),
        (200, 300_000),
        (100, 50_000),
        (8, 1_000),
        (1_000, 20_000),
    ] {
        let mut c = Crate::new(k).unwrap();
        for _ in 0..n {
            c.update(f((rng.next_f64() * 8.0).exp()));
        }
        let image = c.serialize();
        let q = Quantiles::from_bytes(&image).unwrap();
        assert_eq!(q.to_bytes(), image, "k {k}, n {n}");
        assert_answers_like_the_crate(&q);
        // It takes more values and merges like any other sketch.
        let mut more = q.clone();
        more.merge(&q).unwrap();
        more.push(1.0);
        assert_eq!(more.n(), 2 * n as u64 + 1);
        assert_answers_like_the_crate(&more);
    }
    // Damaged images are refused as the crate refuses them, not read.
    let mut q = Quantiles::with_seed(0);
    (0..1_000).for_each(|i| q.push(f64::from(i)));
    let image = q.to_bytes();
    for bad in [&image[..image.len() - 8], &image[..7], &[][..]] {
        assert!(Crate::deserialize(bad).is_err());
        let e = Quantiles::from_bytes(bad).unwrap_err();
        assert!(matches!(e, mlops_core::Error::Integrity(_)), "{e}");
    }
}

/// The largest distance between the normalized rank of the sketch's
/// quantile and the query, over 999 queries (exact ranks by sorting).
fn max_rank_error(q: &Quantiles, sorted: &[f64]) -> f64 {
    let n = sorted.len() as f64;
    let answers = q
        .quantiles(&(1..1000).map(|i| i as f64 / 1000.0).collect::<Vec<_>>())
        .unwrap();
    answers
        .iter()
        .enumerate()
        .map(|(i, &v)| {
            let r = (i + 1) as f64 / 1000.0;
            // Between the ranks just below and at v: the inclusive rule's
            // answer has rank >= r; ties make a range of ranks.
            let below = sorted.partition_point(|&x| x < v) as f64 / n;
            let at = sorted.partition_point(|&x| x <= v) as f64 / n;
            if r < below {
                below - r
            } else if r > at {
                r - at
            } else {
                0.0
            }
        })
        .fold(0.0, f64::max)
}

#[test]
fn a_million_values_after_a_thousand_merges_stay_within_the_rank_error_bound() {
    let n = 1_000_000;
    let parts = 1_000;
    let mut rng = Rng(4);
    let uniform: Vec<f64> = (0..n).map(|_| rng.next_f64()).collect();
    // Skewed: log-normal with heavy ties at zero (a fifth of the values).
    let skewed: Vec<f64> = (0..n)
        .map(|_| {
            if rng.below(5) == 0 {
                0.0
            } else {
                rng.normal(0.0, 2.5).exp()
            }
        })
        .collect();
    for (name, data) in [("uniform", &uniform), ("skewed", &skewed)] {
        let mut sorted = data.clone();
        sorted.sort_by(f64::total_cmp);
        let sketches: Vec<Quantiles> = data
            .chunks(n / parts)
            .enumerate()
            .map(|(i, chunk)| {
                let mut q = Quantiles::with_seed(1_000 + i as u64);
                if i % 3 == 0 {
                    chunk.iter().for_each(|&x| q.push(x));
                } else {
                    // Sorted batches of uneven sizes.
                    for b in chunk.chunks(137 + i % 500) {
                        let mut b = b.to_vec();
                        b.sort_by(f64::total_cmp);
                        q.push_sorted(&mut b);
                    }
                }
                q
            })
            .collect();
        // A running fold, as a driver merges states one by one.
        let mut folded = sketches[0].clone();
        for s in &sketches[1..] {
            folded.merge(s).unwrap();
        }
        // A tree of merges, as executors merge partial merges, each
        // through its bytes.
        let mut level: Vec<Quantiles> = sketches;
        while level.len() > 1 {
            level = level
                .chunks(2)
                .map(|pair| {
                    let mut a = Quantiles::from_bytes(&pair[0].to_bytes()).unwrap();
                    if let Some(b) = pair.get(1) {
                        a.merge(b).unwrap();
                    }
                    a
                })
                .collect();
        }
        for (how, q) in [("fold", &folded), ("tree", &level[0])] {
            assert_eq!(q.n(), n as u64);
            assert_eq!(q.quantile(0.0), sorted.first().copied());
            assert_eq!(q.quantile(1.0), sorted.last().copied());
            let err = max_rank_error(q, &sorted);
            // The a-priori bound holds per query with 99 % confidence.
            assert!(err <= q.rank_error(), "{name}, {how}: {err}");
            assert_answers_like_the_crate(q);
        }
    }
}

#[test]
fn sorted_batches_keep_the_rank_error_bound() {
    for (n, batch) in [
        (201, 201),
        (1_000, 1_000),
        (4_097, 4_097),
        (1_000_003, 131_072),
    ] {
        for seed in 0..4u64 {
            let all: Vec<f64> = (0..n as u64)
                .map(|i| ((i + seed * 7919) as f64 * 0.618_033_988_749_895).fract())
                .collect();
            let mut q = Quantiles::with_seed(seed);
            for chunk in all.chunks(batch) {
                let mut c = chunk.to_vec();
                c.sort_by(f64::total_cmp);
                q.push_sorted(&mut c);
            }
            assert_eq!(q.n(), n as u64);
            let mut sorted = all.clone();
            sorted.sort_by(f64::total_cmp);
            let err = max_rank_error(&q, &sorted);
            assert!(err <= q.rank_error(), "n {n}, seed {seed}: {err}");
            assert_eq!(q.quantile(0.0), sorted.first().copied());
            assert_answers_like_the_crate(&q);
        }
    }
}

#[test]
fn small_sorted_batches_stay_exact() {
    let mut q = Quantiles::with_seed(0);
    let mut a: Vec<f64> = (0..150).map(f64::from).collect();
    q.push_sorted(&mut a);
    let mut b: Vec<f64> = (150..200).map(f64::from).collect();
    q.push_sorted(&mut b);
    assert_eq!(q.n(), 200);
    assert_eq!(q.quantile(0.5), Some(99.0));
    assert_eq!(q.quantile(1.0), Some(199.0));
    assert_eq!(q.pmf(&[50.0, 150.0]), Some(vec![0.25, 0.5, 0.25]));
}

/// Sketches of 300,000 values in sorted batches and item by item, merged.
fn build(seed: u64) -> Quantiles {
    let mut rng = Rng(5);
    let mut q = Quantiles::with_seed(seed);
    for round in 0..30 {
        let mut xs: Vec<f64> = (0..10_000).map(|_| rng.normal(3.0, 1.0)).collect();
        if round % 2 == 0 {
            xs.sort_by(f64::total_cmp);
            q.push_sorted(&mut xs);
        } else {
            let mut other = Quantiles::with_seed(seed ^ round);
            xs.iter().for_each(|&x| other.push(x));
            q.merge(&other).unwrap();
        }
    }
    q
}

#[test]
fn the_same_seed_and_values_give_the_same_bytes_on_any_thread() {
    let here = build(42).to_bytes();
    let there = std::thread::spawn(|| build(42).to_bytes()).join().unwrap();
    assert_eq!(here, there);
    assert_eq!(build(42).to_bytes(), here, "and again");
    // Another seed flips other coins: other values are kept.
    assert_ne!(build(43).to_bytes(), here);
    // A decoded sketch's coin comes from its bytes: decoding the same bytes
    // twice and merging the same values gives the same result.
    let again = |b: &[u8]| {
        let mut q = Quantiles::from_bytes(b).unwrap();
        q.merge(&build(1)).unwrap();
        q.to_bytes()
    };
    assert_eq!(again(&here), again(&here));
    // Reseeding restarts the coin.
    let mut a = Quantiles::from_bytes(&here).unwrap();
    let mut b = Quantiles::from_bytes(&here).unwrap();
    b.reseed(9);
    let mut xs: Vec<f64> = (0..100_000).map(f64::from).collect();
    a.push_sorted(&mut xs.clone());
    b.push_sorted(&mut xs);
    assert_ne!(a.to_bytes(), b.to_bytes());
}
