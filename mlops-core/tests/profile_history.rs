//! Keyed profiles in the registry (`Registry::save_profile`): the profiles
//! of daily slices merge into the profile of the days chosen, equal to the
//! profile of their rows; keys are checked; a key saved again supersedes.

use std::sync::Arc;

use arrow::array::{Float64Array, RecordBatch, StringArray};
use mlops_core::profile::Profile;
use mlops_core::registry::{Kind, Registry};
use mlops_core::Error;

fn day(d: usize) -> RecordBatch {
    let x: Float64Array = (0..100).map(|i| Some((d * 100 + i) as f64)).collect();
    let s = StringArray::from_iter_values((0..100).map(|i| ["a", "b", "c"][(d + i) % 3]));
    RecordBatch::try_from_iter([("x", Arc::new(x) as _), ("s", Arc::new(s) as _)]).unwrap()
}

fn profile_of(days: &[usize]) -> Profile {
    let mut p = Profile::new(&day(0).schema());
    for &d in days {
        p.update(&day(d)).unwrap();
    }
    p
}

fn registry() -> Registry {
    let r = Registry::open("memory://").unwrap();
    for d in 1..=7 {
        r.save_profile("orders", &format!("2026-12-0{d}"), &profile_of(&[d]))
            .unwrap();
    }
    r
}

#[test]
fn profiles_of_several_keys_merge_into_the_profile_of_their_rows() {
    let r = registry();
    assert_eq!(r.profile_keys("orders").unwrap().len(), 7);
    let keys: Vec<String> = (3..=7).map(|d| format!("2026-12-0{d}")).collect();
    let got = r.merge_profiles("orders", &keys).unwrap();
    let want = profile_of(&[3, 4, 5, 6, 7]);
    assert_eq!(got.row_count(), 500);
    for c in ["x", "s"] {
        let (g, w) = (got.column(c).unwrap(), want.column(c).unwrap());
        assert_eq!((g.count(), g.min(), g.max()), (w.count(), w.min(), w.max()));
        assert_eq!(g.mean(), w.mean());
    }
    assert_eq!(
        r.load_profile("orders", "2026-12-02")
            .unwrap()
            .column("x")
            .unwrap()
            .mean(),
        Some(249.5)
    );
    // The keyed profiles are an asset of their own kind, with a version per save.
    let a = r.asset(Kind::Profile, "orders").unwrap();
    assert_eq!(a.versions.len(), 7);
    assert_eq!(a.versions[0].metadata["key"], "2026-12-01");
}

#[test]
fn a_key_saved_again_supersedes_its_profile() {
    let r = registry();
    r.save_profile("orders", "2026-12-01", &profile_of(&[1, 1]))
        .unwrap();
    assert_eq!(
        r.load_profile("orders", "2026-12-01").unwrap().row_count(),
        200
    );
    assert_eq!(r.profile_keys("orders").unwrap().len(), 7);
}

#[test]
fn missing_repeated_and_bad_keys_are_refused_naming_them() {
    let r = registry();
    let err = r
        .merge_profiles("orders", &["2026-12-01", "2027-01-01"])
        .unwrap_err();
    assert!(
        matches!(&err, Error::NotFound(m) if m.contains("'2027-01-01'")),
        "{err}"
    );
    let err = r
        .merge_profiles("orders", &["2026-12-01", "2026-12-01"])
        .unwrap_err();
    assert!(
        matches!(&err, Error::InvalidInput(m) if m.contains("twice")),
        "{err}"
    );
    for bad in ["", "a\nb", &"k".repeat(300)] {
        let err = r
            .save_profile("orders", bad, &profile_of(&[1]))
            .unwrap_err();
        assert!(matches!(err, Error::InvalidInput(_)), "{bad:?}: {err}");
    }
    let err = r.load_profile("nope", "2026-12-01").unwrap_err();
    assert!(matches!(err, Error::NotFound(_)), "{err}");
    // Profiles of other columns do not merge, and say which key.
    let b =
        RecordBatch::try_from_iter([("y", Arc::new(Float64Array::from(vec![1.0])) as _)]).unwrap();
    let mut other = Profile::new(&b.schema());
    other.update(&b).unwrap();
    r.save_profile("orders", "odd", &other).unwrap();
    let err = r
        .merge_profiles("orders", &["2026-12-01", "odd"])
        .unwrap_err();
    assert!(
        matches!(&err, Error::SchemaMismatch(m) if m.contains("'odd'")),
        "{err}"
    );
}
