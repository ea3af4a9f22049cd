//! Statistics that sum many terms, on a million values per side, against
//! exact or 50-digit references (`tests/fixtures/make_drift_precision.py`),
//! and SciPy's NaN for `inf − inf` in the CDF distances.
//!
//! The samples are regenerated here with the fixture script's LCG.

use std::path::PathBuf;

use mlops_core::drift::{anderson, cvm, stats};
use mlops_core::profile::Moments;
use serde_json::Value;

fn fixtures() -> Value {
    let p =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/drift_precision.json");
    serde_json::from_str(&std::fs::read_to_string(p).expect("fixtures exist")).unwrap()
}

/// The fixture script's draws: `(s >> 40) + offset` of the LCG
/// `s ← s · 6364136223846793005 + 1442695040888963407 (mod 2^64)`.
fn draws(spec: &Value) -> Vec<i64> {
    let spec = spec.as_array().unwrap();
    let (mut s, n, offset) = (
        spec[0].as_u64().unwrap(),
        spec[1].as_u64().unwrap(),
        spec[2].as_i64().unwrap(),
    );
    (0..n)
        .map(|_| {
            s = s
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (s >> 40) as i64 + offset
        })
        .collect()
}

fn scaled(ints: &[i64], offset: i64, bits: i32) -> Vec<f64> {
    let s = 2f64.powi(-bits);
    ints.iter().map(|&v| (v + offset) as f64 * s).collect()
}

/// Relative error of `got` against the reference.
fn rel(got: f64, want: f64) -> f64 {
    (got - want).abs() / want.abs()
}

#[test]
fn million_value_statistics_match_high_precision_references() {
    let f = fixtures();
    let bits = f["scale_bits"].as_i64().unwrap() as i32;
    let cases = f["cases"].as_array().unwrap();
    assert_eq!(cases.len(), 2);
    let mut errs = vec![];
    for c in cases {
        let name = c["name"].as_str().unwrap();
        let (xi, yi) = (draws(&c["x"]), draws(&c["y"]));
        assert!(xi.len() >= 1_000_000 && yi.len() >= 900_000);
        let (x, y) = (scaled(&xi, 0, bits), scaled(&yi, 0, bits));
        let got = [
            (
                "cramervonmises",
                cvm::cramervonmises_2samp(&x, &y).unwrap().statistic,
            ),
            (
                "anderson",
                anderson::anderson_ksamp(&[&x, &y]).unwrap().statistic,
            ),
            ("wasserstein", stats::wasserstein_distance(&x, &y).unwrap()),
            ("energy", stats::energy_distance(&x, &y).unwrap()),
        ];
        let offset = c["moments_offset"].as_i64().unwrap();
        let m = Moments::of_block(&scaled(&xi, offset, bits));
        let mut halves = Moments::of_block(&scaled(&xi[..xi.len() / 3], offset, bits));
        halves = halves.merge(&Moments::of_block(&scaled(
            &xi[xi.len() / 3..],
            offset,
            bits,
        )));
        let got = got.into_iter().chain([
            ("mean", m.mean().unwrap()),
            ("variance", m.variance().unwrap()),
            ("merged mean", halves.mean().unwrap()),
            ("merged variance", halves.variance().unwrap()),
        ]);
        for (what, g) in got {
            let key = what.trim_start_matches("merged ");
            let want = c[key].as_f64().unwrap();
            // A few roundings of the final arithmetic; before compensated
            // and integer sums, CvM was off by 1e-7 and more.
            if rel(g, want).is_nan() || rel(g, want) > 1e-12 {
                errs.push(format!(
                    "{name} {what}: got {g:e}, reference {want:e} (rel {:e})",
                    rel(g, want)
                ));
            }
        }
    }
    assert!(errs.is_empty(), "{}", errs.join("\n"));
}

fn json_float(v: &Value) -> f64 {
    match v {
        Value::Null => f64::NAN,
        Value::String(s) if s == "inf" => f64::INFINITY,
        Value::String(s) if s == "-inf" => f64::NEG_INFINITY,
        v => v.as_f64().unwrap(),
    }
}

#[test]
fn infinities_in_cdf_distances_give_scipys_nan() {
    let f = fixtures();
    let cases = f["infinities"].as_array().unwrap();
    assert!(cases.iter().any(|c| c["wasserstein"].is_null()));
    for c in cases {
        let name = c["name"].as_str().unwrap();
        let floats =
            |k: &str| -> Vec<f64> { c[k].as_array().unwrap().iter().map(json_float).collect() };
        let (u, v) = (floats("u"), floats("v"));
        for (what, got) in [
            ("wasserstein", stats::wasserstein_distance(&u, &v).unwrap()),
            ("energy", stats::energy_distance(&u, &v).unwrap()),
        ] {
            let want = json_float(&c[what]);
            assert!(
                got == want || (got.is_nan() && want.is_nan()),
                "{name} {what}: got {got}, SciPy {want}"
            );
        }
    }
}
