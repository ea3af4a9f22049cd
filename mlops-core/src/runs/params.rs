//! Parameters, tags and metric keys: their limits, and how a parameter's
//! value becomes text, once for every front-end.
//!
//! Parameters are text, as in MLflow (so runs import and export without a
//! type guess): a number is written as its shortest round-trip form, `true`
//! and `false` as such, nested objects are flattened with `.` between keys
//! (`{"model": {"depth": 3}}` is `model.depth = 3`), and lists are written
//! as JSON. Search compares parameter values as numbers when both sides
//! read as numbers.

use std::collections::BTreeMap;

use crate::error::{Error, Result};

/// The longest key of a parameter, tag or metric, in characters (MLflow's).
pub const MAX_KEY_CHARS: usize = 250;
/// The longest parameter value, in characters (MLflow's).
pub const MAX_PARAM_CHARS: usize = 8000;
/// The longest tag value, in characters.
pub const MAX_TAG_CHARS: usize = 8000;
/// How deep nested parameter objects may go.
pub const MAX_PARAM_DEPTH: usize = 16;

/// Checks a parameter, tag or metric key: 1 to [`MAX_KEY_CHARS`] characters,
/// no control characters, no `[` or `]` (which delimit a series' context),
/// and none of `'`, `"` or spaces (so that search can name it unquoted).
pub fn check_key(what: &str, key: &str) -> Result<()> {
    let n = key.chars().count();
    let bad = key
        .chars()
        .find(|c| c.is_control() || c.is_whitespace() || matches!(c, '[' | ']' | '\'' | '"'));
    if n == 0 || n > MAX_KEY_CHARS || bad.is_some() {
        return Err(Error::InvalidInput(format!(
            "{what} key '{}': a key is 1 to {MAX_KEY_CHARS} characters without spaces, quotes, brackets or control characters",
            crate::text::clip(key, 80)
        )));
    }
    Ok(())
}

/// A parameter value as text (see the module docs).
pub fn param_text(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Null => "null".into(),
        other => other.to_string(),
    }
}

/// Flattens `params` (a JSON object) into key → text, nested objects joined
/// with `.`; every key and value checked.
pub fn flatten_params(params: &serde_json::Value) -> Result<BTreeMap<String, String>> {
    let obj = params
        .as_object()
        .ok_or_else(|| Error::InvalidInput("params must be an object of key → value".into()))?;
    let mut out = BTreeMap::new();
    flatten_into(&mut out, "", obj, 0)?;
    Ok(out)
}

fn flatten_into(
    out: &mut BTreeMap<String, String>,
    prefix: &str,
    obj: &serde_json::Map<String, serde_json::Value>,
    depth: usize,
) -> Result<()> {
    if depth >= MAX_PARAM_DEPTH {
        return Err(Error::InvalidInput(format!(
            "param '{}': objects nest deeper than {MAX_PARAM_DEPTH} levels",
            crate::text::clip(prefix, 80)
        )));
    }
    for (k, v) in obj {
        let key = if prefix.is_empty() {
            k.clone()
        } else {
            format!("{prefix}.{k}")
        };
        match v {
            serde_json::Value::Object(inner) if !inner.is_empty() => {
                flatten_into(out, &key, inner, depth + 1)?
            }
            _ => {
                check_key("param", &key)?;
                let text = param_text(v);
                if text.chars().count() > MAX_PARAM_CHARS {
                    return Err(Error::InvalidInput(format!(
                        "param '{key}': the value is longer than {MAX_PARAM_CHARS} characters"
                    )));
                }
                out.insert(key, text);
            }
        }
    }
    Ok(())
}

/// Checks tags (key → value, `None` to remove).
pub fn check_tags(tags: &BTreeMap<String, Option<String>>) -> Result<()> {
    for (k, v) in tags {
        check_key("tag", k)?;
        if v.as_ref()
            .is_some_and(|v| v.chars().count() > MAX_TAG_CHARS)
        {
            return Err(Error::InvalidInput(format!(
                "tag '{k}': the value is longer than {MAX_TAG_CHARS} characters"
            )));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn params_flatten_to_text() {
        let p = flatten_params(&json!({
            "lr": 0.1, "epochs": 3, "model": {"kind": "xgb", "depth": 6},
            "layers": [64, 32], "early": true, "none": null, "big": 1e300
        }))
        .unwrap();
        assert_eq!(p["lr"], "0.1");
        assert_eq!(p["epochs"], "3");
        assert_eq!(p["model.kind"], "xgb");
        assert_eq!(p["model.depth"], "6");
        assert_eq!(p["layers"], "[64,32]");
        assert_eq!(p["early"], "true");
        assert_eq!(p["none"], "null");
        assert_eq!(p["big"], "1e+300");
    }

    #[test]
    fn bad_keys_and_deep_objects_are_refused() {
        for bad in ["", "a b", "x[1]", "it's", &"k".repeat(251)] {
            let e = flatten_params(&json!({ bad: 1 })).unwrap_err();
            assert!(matches!(e, Error::InvalidInput(_)), "{bad}: {e}");
        }
        let mut deep = json!(1);
        for _ in 0..100 {
            deep = json!({ "a": deep });
        }
        let e = flatten_params(&deep).unwrap_err().to_string();
        assert!(e.contains("nest deeper"), "{e}");
        assert!(flatten_params(&json!([1])).is_err());
    }
}
