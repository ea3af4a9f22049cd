//! The two-sample statistics against SciPy's values (fixtures made by
//! `tests/fixtures/make_drift_stats.py`): statistics within 1e-9 relative,
//! p-values within 1e-6 absolute.

use std::path::PathBuf;

use mlops_core::drift::stats;
use serde_json::Value;

fn fixtures() -> Value {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/drift_stats.json");
    serde_json::from_str(&std::fs::read_to_string(p).expect("fixtures exist")).unwrap()
}

fn floats(v: &Value) -> Vec<f64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect()
}

fn close(what: &str, got: f64, want: f64) -> Option<String> {
    let ok = if want.is_infinite() {
        got == want
    } else {
        (got - want).abs() <= 1e-9 * want.abs().max(1e-300) || (got - want).abs() <= 1e-12
    };
    (!ok).then(|| format!("{what}: got {got:e}, SciPy {want:e}"))
}

#[test]
fn sample_distances_match_scipy() {
    let f = fixtures();
    let cases = f["samples"].as_array().unwrap();
    assert!(cases.len() >= 10);
    let mut errs = vec![];
    for c in cases {
        let (u, v) = (floats(&c["u"]), floats(&c["v"]));
        let name = c["name"].as_str().unwrap();
        let got = [
            ("wasserstein", stats::wasserstein_distance(&u, &v).unwrap()),
            ("energy", stats::energy_distance(&u, &v).unwrap()),
            (
                "wasserstein_norm",
                stats::wasserstein_distance_norm(&u, &v).unwrap(),
            ),
        ];
        for (key, g) in got {
            errs.extend(close(&format!("{name} {key}"), g, c[key].as_f64().unwrap()));
        }
    }
    assert!(errs.is_empty(), "{}", errs.join("\n"));
}

#[test]
fn distribution_distances_match_scipy() {
    let f = fixtures();
    let mut errs = vec![];
    for c in f["distributions"].as_array().unwrap() {
        let (p, q) = (floats(&c["p"]), floats(&c["q"]));
        let name = c["name"].as_str().unwrap();
        let got = [
            ("jensenshannon", stats::jensen_shannon(&p, &q).unwrap()),
            ("kl", stats::kl_divergence(&p, &q).unwrap()),
            ("hellinger", stats::hellinger(&p, &q).unwrap()),
            ("total_variation", stats::total_variation(&p, &q).unwrap()),
            ("l_infinity", stats::l_infinity(&p, &q).unwrap()),
            ("psi", stats::psi(&p, &q).unwrap()),
        ];
        for (key, g) in got {
            let want = c[key].as_f64().unwrap_or(f64::INFINITY); // JSON has no inf: null
            errs.extend(close(&format!("{name} {key}"), g, want));
        }
    }
    assert!(errs.is_empty(), "{}", errs.join("\n"));
}

#[test]
fn chi2_contingency_matches_scipy() {
    let f = fixtures();
    let mut errs = vec![];
    for c in f["contingency"].as_array().unwrap() {
        let name = c["name"].as_str().unwrap();
        let table: Vec<Vec<f64>> = c["observed"]
            .as_array()
            .unwrap()
            .iter()
            .map(floats)
            .collect();
        let (r, dof) = stats::chi2_contingency(&table).unwrap();
        assert_eq!(dof as u64, c["dof"].as_u64().unwrap(), "{name}");
        errs.extend(close(
            &format!("{name} statistic"),
            r.statistic,
            c["statistic"].as_f64().unwrap(),
        ));
        let want_p = c["p_value"].as_f64().unwrap();
        if (r.p_value - want_p).abs() > 1e-6 {
            errs.push(format!("{name} p-value: got {}, SciPy {want_p}", r.p_value));
        }
    }
    assert!(errs.is_empty(), "{}", errs.join("\n"));
}

#[test]
fn proportions_ztest_matches_scipy() {
    let f = fixtures();
    for c in f["proportions"].as_array().unwrap() {
        let g = |k: &str| c[k].as_u64().unwrap();
        let r = stats::proportions_ztest(g("x1"), g("n1"), g("x2"), g("n2")).unwrap();
        let z = c["statistic"].as_f64().unwrap();
        assert!(
            (r.statistic - z).abs() <= 1e-9 * z.abs().max(1.0),
            "{c}: {r:?}"
        );
        assert!(
            (r.p_value - c["p_value"].as_f64().unwrap()).abs() <= 1e-6,
            "{c}: {r:?}"
        );
    }
}

#[test]
fn bad_input_is_refused_by_name() {
    use mlops_core::Error;
    let e = stats::wasserstein_distance(&[], &[1.0]).unwrap_err();
    assert!(
        matches!(e, Error::InvalidInput(ref m) if m.contains("reference") && m.contains("empty")),
        "{e}"
    );
    let e = stats::energy_distance(&[1.0], &[f64::NAN]).unwrap_err();
    assert!(
        matches!(e, Error::InvalidInput(ref m) if m.contains("current") && m.contains("NaN")),
        "{e}"
    );
    let e = stats::jensen_shannon(&[1.0, 2.0], &[1.0]).unwrap_err();
    assert!(
        matches!(e, Error::InvalidInput(ref m) if m.contains("same bins")),
        "{e}"
    );
    assert!(stats::psi(&[0.0, 0.0], &[1.0, 1.0]).is_err());
    assert!(stats::hellinger(&[-1.0, 2.0], &[1.0, 1.0]).is_err());
    assert!(stats::chi2_contingency(&[vec![0.0, 0.0], vec![1.0, 2.0]]).is_err());
    assert!(stats::chi2_contingency(&[vec![1.0, 2.0], vec![1.0]]).is_err());
    assert!(stats::proportions_ztest(3, 2, 1, 5).is_err());
    assert!(stats::proportions_ztest(0, 0, 1, 5).is_err());
    // no evidence when both samples are all successes
    let r = stats::proportions_ztest(5, 5, 9, 9).unwrap();
    assert_eq!((r.statistic, r.p_value), (0.0, 1.0));
}

#[test]
fn cramervonmises_2samp_matches_scipy() {
    use mlops_core::drift::cvm::cramervonmises_2samp;
    let f = fixtures();
    let cases = f["cramervonmises"].as_array().unwrap();
    assert!(cases.len() >= 20);
    let mut errs = vec![];
    for c in cases {
        let name = c["name"].as_str().unwrap();
        let r = cramervonmises_2samp(&floats(&c["x"]), &floats(&c["y"])).unwrap();
        errs.extend(close(
            &format!("{name} statistic"),
            r.statistic,
            c["statistic"].as_f64().unwrap(),
        ));
        let want_p = c["p_value"].as_f64().unwrap();
        if (r.p_value - want_p).abs() > 1e-6 {
            errs.push(format!("{name} p-value: got {}, SciPy {want_p}", r.p_value));
        }
    }
    assert!(errs.is_empty(), "{}", errs.join("\n"));
    assert!(cramervonmises_2samp(&[1.0], &[1.0, 2.0]).is_err());
    assert!(cramervonmises_2samp(&[1.0, f64::NAN], &[1.0, 2.0]).is_err());
}

#[test]
fn anderson_ksamp_matches_scipy() {
    use mlops_core::drift::anderson::anderson_ksamp;
    let f = fixtures();
    let cases = f["anderson_ksamp"].as_array().unwrap();
    assert!(cases.len() >= 20);
    let mut errs = vec![];
    for c in cases {
        let name = c["name"].as_str().unwrap();
        let samples: Vec<Vec<f64>> = c["samples"]
            .as_array()
            .unwrap()
            .iter()
            .map(floats)
            .collect();
        let refs: Vec<&[f64]> = samples.iter().map(Vec::as_slice).collect();
        let r = anderson_ksamp(&refs).unwrap();
        errs.extend(close(
            &format!("{name} statistic"),
            r.statistic,
            c["statistic"].as_f64().unwrap(),
        ));
        let want_p = c["p_value"].as_f64().unwrap();
        if (r.p_value - want_p).abs() > 1e-6 {
            errs.push(format!("{name} p-value: got {}, SciPy {want_p}", r.p_value));
        }
    }
    assert!(errs.is_empty(), "{}", errs.join("\n"));
    assert!(anderson_ksamp(&[&[1.0, 2.0]]).is_err());
    assert!(anderson_ksamp(&[&[1.0, 1.0], &[1.0, 1.0]]).is_err());
    assert!(anderson_ksamp(&[&[], &[1.0, 2.0]]).is_err());
}
