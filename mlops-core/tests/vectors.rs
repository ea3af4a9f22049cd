//! Runs the shared profile test vectors of `tests/vectors/` (see its README):
//! the same files and rules the Python and Node suites use.

use std::path::PathBuf;

use serde_json::Value;

fn vectors_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/vectors")
}

fn close(a: f64, e: f64) -> bool {
    (a - e).abs() <= 1e-9 * e.abs().max(1.0)
}

fn num(v: &Value) -> Option<f64> {
    v.as_f64()
}

/// Numbers as numbers, everything else structurally.
fn equal(a: &Value, e: &Value) -> bool {
    match (a, e) {
        (Value::Number(_), Value::Number(_)) => num(a) == num(e),
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| equal(p, q))
        }
        (Value::Object(x), Value::Object(y)) => {
            y.iter().all(|(k, v)| x.get(k).is_some_and(|w| equal(w, v)))
        }
        _ => a == e,
    }
}

fn check_field(col: &str, field: &str, actual: &Value, expected: &Value) -> Result<(), String> {
    let get = |k: &str| actual.get(k).cloned().unwrap_or(Value::Null);
    let fail = |got: &Value| {
        Err(format!(
            "column '{col}' field '{field}': got {got}, expected {expected}"
        ))
    };
    match field {
        "mean" | "variance" => {
            let g = get(field);
            match (num(&g), num(expected)) {
                (Some(a), Some(e)) if close(a, e) => Ok(()),
                _ => fail(&g),
            }
        }
        "length" => {
            let g = get("length");
            let ok = equal(&g["min"], &expected["min"])
                && equal(&g["max"], &expected["max"])
                && matches!((num(&g["mean"]), num(&expected["mean"])), (Some(a), Some(e)) if close(a, e));
            if ok {
                Ok(())
            } else {
                fail(&g)
            }
        }
        "histogram" => {
            let g = get("histogram");
            let edges_ok = match (g["edges"].as_array(), expected["edges"].as_array()) {
                (Some(a), Some(e)) => {
                    a.len() == e.len()
                        && a.iter()
                            .zip(e)
                            .all(|(x, y)| close(num(x).unwrap_or(f64::NAN), num(y).unwrap_or(0.0)))
                }
                _ => false,
            };
            if edges_ok && equal(&g["counts"], &expected["counts"]) {
                Ok(())
            } else {
                fail(&g)
            }
        }
        "distinct" => {
            let g = get("distinct_estimate");
            let e = num(expected).unwrap_or(f64::NAN);
            match num(&g) {
                Some(a) if (a - e).abs() <= (0.02 * e).max(1.0) => Ok(()),
                _ => fail(&g),
            }
        }
        _ => {
            let g = get(field);
            if equal(&g, expected) {
                Ok(())
            } else {
                fail(&g)
            }
        }
    }
}

/// Compares a profile JSON with an expected vector; returns every mismatch.
fn compare(profile: &Value, expected: &Value) -> Vec<String> {
    let mut errs = vec![];
    if !equal(&profile["row_count"], &expected["row_count"]) {
        errs.push(format!(
            "row_count: got {}, expected {}",
            profile["row_count"], expected["row_count"]
        ));
    }
    let cols = profile["columns"].as_array().cloned().unwrap_or_default();
    for (name, fields) in expected["columns"].as_object().expect("columns object") {
        let Some(actual) = cols
            .iter()
            .find(|c| c["name"] == Value::String(name.clone()))
        else {
            errs.push(format!("column '{name}' missing from the profile"));
            continue;
        };
        for (field, e) in fields.as_object().expect("fields object") {
            if let Err(m) = check_field(name, field, actual, e) {
                errs.push(m);
            }
        }
    }
    errs
}

#[test]
fn shared_vectors_match_numpy() {
    let mut n = 0;
    let mut errs = vec![];
    for entry in std::fs::read_dir(vectors_dir()).expect("tests/vectors exists") {
        let path = entry.unwrap().path();
        let Some(name) = path
            .file_name()
            .and_then(|f| f.to_str())
            .and_then(|f| f.strip_suffix(".expected.json"))
        else {
            continue;
        };
        let expected: Value =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let input = vectors_dir().join(expected["input"].as_str().unwrap());
        // Through the file reader, and through IPC bytes as Node and other hosts send them.
        let by_path = mlops_core::profile_path(&input).unwrap();
        let bytes = std::fs::read(&input).unwrap();
        let by_bytes = mlops_core::profile(mlops_core::io::read_ipc_bytes(bytes).unwrap()).unwrap();
        for (how, p) in [("path", by_path), ("bytes", by_bytes)] {
            for e in compare(&p.to_json_value(), &expected) {
                errs.push(format!("{name} ({how}): {e}"));
            }
        }
        n += 1;
    }
    assert!(
        n >= 4,
        "expected the shared vectors in tests/vectors, found {n}"
    );
    assert!(
        errs.is_empty(),
        "{} mismatches:\n{}",
        errs.len(),
        errs.join("\n")
    );
}
