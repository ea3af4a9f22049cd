//! The two-sample statistics against SciPy's values (fixtures made by
//! `tests/fixtures/make_drift_stats.py`): statistics within 1e-9 relative,
//! p-values within 1e-6 absolute.

use std::path::PathBuf;

use mlops_core::drift::stats;
use serde_json::Value;

#[path = "support/data.rs"]
mod data;
use data::floats;

fn fixtures() -> Value {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/drift_stats.json");
    serde_json::from_str(&std::fs::read_to_string(p).expect("fixtures exist")).unwrap()
}

fn close(what: &str, got: f64, want: f64) -> Option<String> {
    let ok = if want.is_infinite() {
        got == want
    } else {
        (got - want).abs() <= 1e-9 * want.abs().max(1e-300) || (got - want).abs() <= 1e-12
    };
    (!ok).then(|| format!("{what}: got {got:e}, SciPy {want:e}"))
}

/// A list of samples or a table's rows: an array of float arrays.
fn rows(v: &Value) -> Vec<Vec<f64>> {
    v.as_array().unwrap().iter().map(floats).collect()
}

/// How a test's result differs from case `c`'s SciPy `statistic` (1e-9
/// relative) and `p_value` (1e-6 absolute): one line per difference.
fn against_scipy(name: &str, statistic: f64, p_value: f64, c: &Value) -> Vec<String> {
    let mut errs: Vec<String> = close(
        &format!("{name} statistic"),
        statistic,
        c["statistic"].as_f64().unwrap(),
    )
    .into_iter()
    .collect();
    let want_p = c["p_value"].as_f64().unwrap();
    if (p_value - want_p).abs() > 1e-6 {
        errs.push(format!("{name} p-value: got {p_value}, SciPy {want_p}"));
    }
    errs
}

/// Runs `check` on every case of fixture section `section` (at least
/// `min` of them) and fails listing every difference it reports.
fn each_case(section: &str, min: usize, check: impl Fn(&str, &Value) -> Vec<String>) {
    let f = fixtures();
    let cases = f[section].as_array().unwrap();
    assert!(cases.len() >= min, "{section}: {} cases", cases.len());
    let errs: Vec<String> = cases
        .iter()
        .flat_map(|c| check(c["name"].as_str().unwrap(), c))
        .collect();
    assert!(errs.is_empty(), "{}", errs.join("\n"));
}

/// The differences between named values and case `c`'s, by key (a null
/// reference is an infinity: JSON has none).
fn values_against_scipy(name: &str, c: &Value, got: &[(&str, f64)]) -> Vec<String> {
    got.iter()
        .filter_map(|&(key, g)| {
            let want = c[key].as_f64().unwrap_or(f64::INFINITY);
            close(&format!("{name} {key}"), g, want)
        })
        .collect()
}

#[test]
fn sample_distances_match_scipy() {
    each_case("samples", 10, |name, c| {
        let (u, v) = (floats(&c["u"]), floats(&c["v"]));
        let norm = stats::wasserstein_distance_norm(&u, &v).unwrap();
        values_against_scipy(
            name,
            c,
            &[
                ("wasserstein", stats::wasserstein_distance(&u, &v).unwrap()),
                ("energy", stats::energy_distance(&u, &v).unwrap()),
                ("wasserstein_norm", norm),
            ],
        )
    });
}

#[test]
fn distribution_distances_match_scipy() {
    each_case("distributions", 10, |name, c| {
        let (p, q) = (floats(&c["p"]), floats(&c["q"]));
        values_against_scipy(
            name,
            c,
            &[
                ("jensenshannon", stats::jensen_shannon(&p, &q).unwrap()),
                ("kl", stats::kl_divergence(&p, &q).unwrap()),
                ("hellinger", stats::hellinger(&p, &q).unwrap()),
                ("total_variation", stats::total_variation(&p, &q).unwrap()),
                ("l_infinity", stats::l_infinity(&p, &q).unwrap()),
                ("psi", stats::psi(&p, &q).unwrap()),
            ],
        )
    });
}

#[test]
fn chi2_contingency_matches_scipy() {
    each_case("contingency", 10, |name, c| {
        let (r, dof) = stats::chi2_contingency(&rows(&c["observed"])).unwrap();
        assert_eq!(dof as u64, c["dof"].as_u64().unwrap(), "{name}");
        against_scipy(name, r.statistic, r.p_value, c)
    });
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
    each_case("cramervonmises", 20, |name, c| {
        let r = cramervonmises_2samp(&floats(&c["x"]), &floats(&c["y"])).unwrap();
        against_scipy(name, r.statistic, r.p_value, c)
    });
    assert!(cramervonmises_2samp(&[1.0], &[1.0, 2.0]).is_err());
    assert!(cramervonmises_2samp(&[1.0, f64::NAN], &[1.0, 2.0]).is_err());
}

#[test]
fn anderson_ksamp_matches_scipy() {
    use mlops_core::drift::anderson::anderson_ksamp;
    each_case("anderson_ksamp", 20, |name, c| {
        let samples = rows(&c["samples"]);
        let refs: Vec<&[f64]> = samples.iter().map(Vec::as_slice).collect();
        let r = anderson_ksamp(&refs).unwrap();
        against_scipy(name, r.statistic, r.p_value, c)
    });
    assert!(anderson_ksamp(&[&[1.0, 2.0]]).is_err());
    assert!(anderson_ksamp(&[&[1.0, 1.0], &[1.0, 1.0]]).is_err());
    assert!(anderson_ksamp(&[&[], &[1.0, 2.0]]).is_err());
}

/// A sample of the `ks_2samp` fixtures: values, a reference to another
/// section's sample (`{"ref": [section, name, key]}`), or a recipe that
/// `make_drift_stats.py` evaluates in the same IEEE operations:
/// `{"range": [start, step, n]}` is `start + i * step`; `{"splitmix": [seed,
/// n]}` draws `z_i` from splitmix64 and is `z_i % modulus` or
/// `(z_i >> 11) * 2^-53 * scale + shift`.
fn ks_sample(f: &Value, spec: &Value) -> Vec<f64> {
    if spec.is_array() {
        return floats(spec);
    }
    if let Some(r) = spec.get("ref") {
        let (section, name, key) = (r[0].as_str().unwrap(), &r[1], r[2].as_str().unwrap());
        let case = f[section]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| &c["name"] == name)
            .unwrap_or_else(|| panic!("no {section} case {name}"));
        return floats(&case[key]);
    }
    if let Some(r) = spec.get("range") {
        let (start, step, n) = (
            r[0].as_f64().unwrap(),
            r[1].as_f64().unwrap(),
            r[2].as_u64().unwrap(),
        );
        return (0..n).map(|i| start + i as f64 * step).collect();
    }
    let r = &spec["splitmix"];
    let (seed, n) = (r[0].as_u64().unwrap(), r[1].as_u64().unwrap());
    let z = (1..=n).map(|i| {
        let mut z = seed.wrapping_add(0x9E37_79B9_7F4A_7C15u64.wrapping_mul(i));
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    });
    match spec.get("modulus") {
        Some(m) => {
            let m = m.as_u64().unwrap();
            z.map(|z| (z % m) as f64).collect()
        }
        None => {
            let (scale, shift) = (
                spec["scale"].as_f64().unwrap(),
                spec["shift"].as_f64().unwrap(),
            );
            z.map(|z| (z >> 11) as f64 * 2f64.powi(-53) * scale + shift)
                .collect()
        }
    }
}

#[test]
fn ks_2samp_matches_scipy() {
    use mlops_core::drift::ks::{ks_2samp, ks_2samp_sorted, KsMethod};
    use mlops_core::drift::stats::TestResult;
    let f = fixtures();
    let cases = f["ks_2samp"].as_array().unwrap();
    assert!(cases.len() >= 60);
    let mut errs = vec![];
    // Per method: worst statistic rel. error, p-value abs. error, p-value
    // rel. error, and how many results are bit for bit SciPy's.
    let mut worst = [(0.0f64, 0.0f64, 0.0f64, 0usize); 3];
    for c in cases {
        let name = c["name"].as_str().unwrap();
        let (x, y) = (ks_sample(&f, &c["x"]), ks_sample(&f, &c["y"]));
        let (mut xs, mut ys) = (x.clone(), y.clone());
        xs.sort_by(f64::total_cmp);
        ys.sort_by(f64::total_cmp);
        for (k, (key, method)) in [
            ("auto", KsMethod::Auto),
            ("exact", KsMethod::Exact),
            ("asymp", KsMethod::Asymp),
        ]
        .into_iter()
        .enumerate()
        {
            let want_d = c[key][0].as_f64().unwrap();
            let want_p = c[key][1].as_f64().unwrap_or(f64::NAN); // null: NaN
            let r = ks_2samp(&x, &y, method).unwrap();
            let bits = |r: TestResult| (r.statistic.to_bits(), r.p_value.to_bits());
            assert_eq!(
                bits(ks_2samp_sorted(&xs, &ys, method).unwrap()),
                bits(r),
                "{name} {key}: sorted"
            );
            let d_rel = if want_d == 0.0 {
                r.statistic.abs()
            } else {
                (r.statistic - want_d).abs() / want_d
            };
            let p_abs = if want_p.is_nan() && r.p_value.is_nan() {
                0.0
            } else {
                (r.p_value - want_p).abs()
            };
            let p_rel = if p_abs == 0.0 {
                0.0
            } else {
                p_abs / want_p.abs()
            };
            let w = &mut worst[k];
            w.0 = w.0.max(d_rel);
            w.1 = w.1.max(p_abs);
            w.2 = w.2.max(p_rel);
            w.3 += (r.statistic.to_bits() == want_d.to_bits() && p_abs == 0.0) as usize;
            if d_rel > 1e-9 || d_rel.is_nan() || p_abs > 1e-6 || p_abs.is_nan() {
                errs.push(format!(
                    "{name} {key}: got ({:e}, {:e}), SciPy ({want_d:e}, {want_p:e})",
                    r.statistic, r.p_value
                ));
            }
        }
    }
    for (k, key) in ["auto", "exact", "asymp"].iter().enumerate() {
        let (d, pa, pr, same) = worst[k];
        eprintln!(
            "ks_2samp {key:5} vs SciPy over {} cases: statistic rel. error <= {d:e}, \
             p-value abs. error <= {pa:e} (rel. {pr:e}); {same} identical",
            cases.len()
        );
    }
    assert!(errs.is_empty(), "{}", errs.join("\n"));
    // The cases reach every branch of kstwo.sf (SciPy's _kolmogn and
    // smirnov) and every path of the exact p-value.
    let seen = |key: &str| -> std::collections::BTreeSet<String> {
        cases
            .iter()
            .map(|c| c[key].as_str().unwrap().to_string())
            .collect()
    };
    let branches = seen("asymp_branch");
    for b in [
        "nan_n0",
        "below_support",
        "x_ge_1",
        "ruben_gambino_low",
        "ruben_gambino_low_log",
        "ruben_gambino_high",
        "smirnov_x_ge_half",
        "smirnov_x_ge_half_underflow",
        "dmtw_n_le_140",
        "pomeranz",
        "smirnov_n_le_140",
        "zero",
        "smirnov",
        "smirnov_asymptotic_n_gt_1e6",
        "dmtw",
        "pelz_good",
        "pelz_good_n_gt_1e5",
    ] {
        assert!(branches.contains(b), "no KS fixture reaches {b}");
    }
    let paths = seen("exact_path");
    for p in ["lattice_too_big", "h0", "square", "outer"] {
        assert!(paths.contains(p), "no KS fixture takes the exact path {p}");
    }
}

#[test]
fn ks_2samp_refuses_bad_input_by_name() {
    use mlops_core::drift::ks::{ks_2samp, ks_2samp_sorted, KsMethod};
    use mlops_core::Error;
    let e = ks_2samp(&[], &[1.0], KsMethod::Auto).unwrap_err();
    assert!(
        matches!(e, Error::InvalidInput(ref m) if m.contains("reference") && m.contains("empty")),
        "{e}"
    );
    let e = ks_2samp(&[1.0], &[2.0, 3.0, f64::NAN], KsMethod::Exact).unwrap_err();
    assert!(
        matches!(e, Error::InvalidInput(ref m) if m.contains("current") && m.contains("value 2 is NaN")),
        "{e}"
    );
    let e = ks_2samp_sorted(&[1.0], &[], KsMethod::Asymp).unwrap_err();
    assert!(
        matches!(e, Error::InvalidInput(ref m) if m.contains("current") && m.contains("empty")),
        "{e}"
    );
    assert!("fast".parse::<KsMethod>().is_err());
    assert_eq!("asymp".parse::<KsMethod>().unwrap(), KsMethod::Asymp);
    // Infinities are values (SciPy sorts and counts them like any other).
    let r = ks_2samp(
        &[f64::NEG_INFINITY, 0.0],
        &[1.0, f64::INFINITY],
        KsMethod::Auto,
    )
    .unwrap();
    assert_eq!(r.statistic, 1.0);
}
