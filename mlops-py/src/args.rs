//! Python arguments that a Rust type cannot take as they are. A Python
//! `int` has no bounds; one that does not fit the engine's integer is an
//! `InvalidInputError` naming the argument (pyo3 would raise a bare
//! `OverflowError`). Whether the value is in the range the engine accepts
//! is the engine's to say.

use pyo3::prelude::*;
use pyo3::types::PyInt;

use crate::error::InvalidInputError;

/// A count (`bins`, `k`, ...): an `int` from 0 to 2^64 - 1.
pub fn count(value: &Bound<'_, PyAny>, name: &str) -> PyResult<usize> {
    match value.extract::<usize>() {
        Ok(n) => Ok(n),
        Err(_) if value.is_instance_of::<PyInt>() => Err(InvalidInputError::new_err(format!(
            "invalid input: {name}: {} is not a count (0 to {})",
            value.str()?,
            usize::MAX
        ))),
        Err(e) => Err(e),
    }
}

/// How deep a JSON argument may nest: serde_json's own limit when it
/// parses text, so a value accepted here can be read back from the store.
const JSON_MAX_DEPTH: usize = 128;

/// A JSON argument (`metadata`, ...) from Python's `dict`, `list`, `str`,
/// `int`, `float`, `bool` and `None`. A value JSON cannot hold (`nan`,
/// `inf`, a key that is not a `str`, an object of another type, nesting
/// deeper than 128) is an `InvalidInputError` naming where it sits, as in
/// `metadata["a"][2]: nan is not a JSON number`.
pub fn json(value: &Bound<'_, PyAny>, name: &str) -> PyResult<serde_json::Value> {
    to_json(value, name, 0)
}

fn to_json(value: &Bound<'_, PyAny>, at: &str, depth: usize) -> PyResult<serde_json::Value> {
    use pyo3::types::{PyBool, PyDict, PyFloat, PyList, PyString, PyTuple};
    use serde_json::Value;
    let refuse = |why: String| {
        Err(InvalidInputError::new_err(format!(
            "invalid input: {at}: {why}"
        )))
    };
    if depth > JSON_MAX_DEPTH {
        return refuse(format!("nested deeper than {JSON_MAX_DEPTH} levels"));
    }
    if value.is_none() {
        Ok(Value::Null)
    } else if let Ok(b) = value.cast::<PyBool>() {
        Ok(Value::Bool(b.is_true()))
    } else if value.is_instance_of::<PyInt>() {
        if let Ok(i) = value.extract::<i64>() {
            Ok(Value::from(i))
        } else if let Ok(u) = value.extract::<u64>() {
            Ok(Value::from(u))
        } else {
            refuse(format!("{} does not fit a 64-bit integer", value.str()?))
        }
    } else if let Ok(f) = value.cast::<PyFloat>() {
        let x = f.value();
        match serde_json::Number::from_f64(x) {
            Some(n) => Ok(Value::Number(n)),
            None => refuse(format!("{} is not a JSON number", value.repr()?)),
        }
    } else if let Ok(s) = value.cast::<PyString>() {
        Ok(Value::String(s.extract::<String>()?))
    } else if let Ok(d) = value.cast::<PyDict>() {
        let mut map = serde_json::Map::with_capacity(d.len());
        for (k, v) in d.iter() {
            let Ok(key) = k.cast::<PyString>() else {
                return refuse(format!("key {} is not a str", k.repr()?));
            };
            let key: String = key.extract()?;
            let item = to_json(&v, &format!("{at}[{key:?}]"), depth + 1)?;
            map.insert(key, item);
        }
        Ok(Value::Object(map))
    } else if value.is_instance_of::<PyList>() || value.is_instance_of::<PyTuple>() {
        let mut items = Vec::new();
        for (i, v) in value.try_iter()?.enumerate() {
            items.push(to_json(&v?, &format!("{at}[{i}]"), depth + 1)?);
        }
        Ok(Value::Array(items))
    } else {
        refuse(format!(
            "a {} is not JSON (dict, list, str, int, float, bool or None)",
            value.get_type().name()?
        ))
    }
}
