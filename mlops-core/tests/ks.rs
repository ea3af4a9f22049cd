//! The two-sample KS test against SciPy's `ks_2samp` and `kstwo.sf`
//! (fixtures made by `tests/fixtures/make_ks.py`).

use mlops_core::drift::ks::{
    asymptotic_pvalue, ks_2samp, ks_2samp_alternative, KsAlternative, KsMethod,
};
use serde_json::Value;

#[path = "support/data.rs"]
mod data;
use data::{floats, Rng};

fn fixtures() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/fixtures/ks.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// Integers in [0, modulus) from splitmix64, as `make_ks.py` makes them.
fn splitmix(recipe: &Value) -> Vec<f64> {
    let r: Vec<u64> = recipe
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_u64().unwrap())
        .collect();
    let (mut rng, n, modulus) = (Rng(r[0]), r[1], r[2]);
    (0..n).map(|_| (rng.next_u64() % modulus) as f64).collect()
}

/// The methods the fixtures hold a SciPy answer for, by their SciPy name.
const METHODS: [(&str, KsMethod); 3] = [
    ("auto", KsMethod::Auto),
    ("exact", KsMethod::Exact),
    ("asymp", KsMethod::Asymp),
];

/// Each sample case of the fixtures: its name, its two samples (given, or
/// made from their splitmix recipes) and the case with SciPy's answers.
fn samples(f: &Value) -> Vec<(&str, Vec<f64>, Vec<f64>, &Value)> {
    f["samples"]
        .as_array()
        .unwrap()
        .iter()
        .map(|case| {
            let (x, y) = match case.get("x") {
                Some(x) => (floats(x), floats(&case["y"])),
                None => (splitmix(&case["recipe_x"]), splitmix(&case["recipe_y"])),
            };
            (case["name"].as_str().unwrap(), x, y, case)
        })
        .collect()
}

#[test]
fn ks_2samp_matches_scipy() {
    let f = fixtures();
    let (mut worst_stat, mut worst_p) = (0.0f64, 0.0f64);
    for (name, x, y, case) in samples(&f) {
        for (method, m) in METHODS {
            let want = floats(&case[method]);
            let got = ks_2samp(&x, &y, m).unwrap();
            let rel = (got.statistic - want[0]).abs() / want[0].abs().max(1e-300);
            let abs_p = (got.p_value - want[1]).abs();
            worst_stat = worst_stat.max(if want[0] == 0.0 {
                got.statistic.abs()
            } else {
                rel
            });
            worst_p = worst_p.max(abs_p);
            assert!(
                rel <= 1e-9 || (want[0] == 0.0 && got.statistic == 0.0),
                "{name} {method}: statistic {} vs SciPy {}",
                got.statistic,
                want[0]
            );
            assert!(
                abs_p <= 1e-6,
                "{name} {method}: p-value {} vs SciPy {}",
                got.p_value,
                want[1]
            );
        }
    }
    eprintln!("ks_2samp vs SciPy: worst statistic rel. error {worst_stat:e}, worst p-value abs. error {worst_p:e}");
}

#[test]
fn one_sided_ks_2samp_matches_scipy() {
    let f = fixtures();
    let mut checked = 0;
    for (name, x, y, case) in samples(&f) {
        for (alt, a) in [
            ("less", KsAlternative::Less),
            ("greater", KsAlternative::Greater),
        ] {
            for (method, m) in METHODS {
                let want = floats(&case[alt][method]);
                let got = ks_2samp_alternative(&x, &y, m, a).unwrap();
                assert!(
                    (got.statistic - want[0]).abs() <= 1e-12 * want[0].abs(),
                    "{name} {alt} {method}: statistic {} vs SciPy {}",
                    got.statistic,
                    want[0]
                );
                assert!(
                    (got.p_value - want[1]).abs() <= 1e-9 + 1e-7 * want[1],
                    "{name} {alt} {method}: p-value {} vs SciPy {}",
                    got.p_value,
                    want[1]
                );
                checked += 1;
            }
        }
    }
    assert!(checked >= 150, "{checked}");
    // Two-sided through the same entry point is ks_2samp.
    let (x, y) = ([1.0, 2.0, 3.0, 4.0], [3.5, 5.0, 6.0]);
    assert_eq!(
        ks_2samp_alternative(&x, &y, KsMethod::Auto, KsAlternative::TwoSided).unwrap(),
        ks_2samp(&x, &y, KsMethod::Auto).unwrap()
    );
    // SciPy reads the first letter only, in either case.
    assert_eq!(
        "Greater".parse::<KsAlternative>().unwrap(),
        KsAlternative::Greater
    );
    assert_eq!("l".parse::<KsAlternative>().unwrap(), KsAlternative::Less);
    assert_eq!(
        "two-sided".parse::<KsAlternative>().unwrap(),
        KsAlternative::TwoSided
    );
    let e = "sideways".parse::<KsAlternative>().unwrap_err();
    assert!(e.to_string().contains("sideways"), "{e}");
    assert!("".parse::<KsAlternative>().is_err());
}

#[test]
fn kstwo_sf_matches_scipy_on_every_branch() {
    for case in fixtures()["kstwo"].as_array().unwrap() {
        let (n, d, want) = (
            case[0].as_u64().unwrap(),
            case[1].as_f64().unwrap(),
            case[2].as_f64().unwrap(),
        );
        // Two samples of 2n values each have an effective size of exactly n.
        let got = asymptotic_pvalue(d, 2 * n, 2 * n);
        assert!(
            (got - want).abs() <= 1e-9 + 1e-7 * want,
            "kstwo.sf({d}, {n}) = {got}, SciPy {want}"
        );
    }
}

#[test]
fn bad_samples_are_refused_with_the_side_named() {
    let e = ks_2samp(&[], &[1.0], KsMethod::Auto).unwrap_err();
    assert!(e.to_string().contains("reference"), "{e}");
    let e = ks_2samp(&[1.0], &[2.0, f64::NAN], KsMethod::Auto).unwrap_err();
    assert!(
        e.to_string().contains("current") && e.to_string().contains("value 1"),
        "{e}"
    );
    assert!("fast".parse::<KsMethod>().is_err());
}
