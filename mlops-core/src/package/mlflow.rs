//! MLflow model folders in and out.
//!
//! **In** ([`from_mlflow`]): every file of the folder is copied into the
//! package (so the `MLmodel` file and the environment files travel with
//! it); the flavor and its version, the signature (MLflow column or tensor
//! specs, converted to Arrow types), `requirements.txt`, `run_id` and
//! `mlflow_version` fill the manifest.
//!
//! **Out** ([`to_mlflow`]): the package's files are copied into a new
//! MLflow folder with an `MLmodel` whose signature is the package's,
//! converted to MLflow's column specs. A package that came from MLflow
//! keeps its original flavors; a scikit-learn package built by mlops gets
//! the `python_function` flavor (loader `mlflow.sklearn`) and the `sklearn`
//! flavor over its one pickle file (`*.pkl` / `*.pickle`; the
//! `serialization_format` param, default `pickle`, says how it was
//! written), so `mlflow.pyfunc.load_model` loads it. Other flavors built by
//! mlops have no MLflow loader to name, and are refused.

use std::collections::BTreeMap;
use std::path::Path;

use arrow::datatypes::{DataType, TimeUnit};
use serde_json::{json, Value};

use super::manifest::{Flavor, Manifest, MANIFEST_FILE, SIGNATURE_FILE};
use super::signature::{ColumnSpec, Dim, Signature};
use super::{list_files, Package};
use crate::error::{Error, Result};
use crate::small_file;

/// The MLflow model file.
pub const MLMODEL: &str = "MLmodel";

/// Reads the MLflow model folder `dir` into a new package folder `out`
/// named `name` (default: the folder's name) at `version` (default: `1`).
pub fn from_mlflow(
    dir: impl AsRef<Path>,
    out: impl AsRef<Path>,
    name: Option<&str>,
    version: Option<&str>,
) -> Result<Package> {
    let (dir, out) = (dir.as_ref(), out.as_ref());
    let mlmodel = read_mlmodel(dir)?;
    let flavors = mlmodel
        .get("flavors")
        .and_then(Value::as_object)
        .ok_or_else(|| {
            Error::InvalidInput(format!("{}/{MLMODEL} has no flavors", dir.display()))
        })?;
    let (fname, fconf) = flavors
        .iter()
        .find(|(k, _)| k.as_str() != "python_function")
        .or_else(|| flavors.iter().next())
        .ok_or_else(|| {
            Error::InvalidInput(format!("{}/{MLMODEL} has no flavors", dir.display()))
        })?;
    let flavor = match fname.as_str() {
        "sklearn" => Flavor::Sklearn,
        "xgboost" => Flavor::Xgboost,
        "lightgbm" => Flavor::Lightgbm,
        "pytorch" => Flavor::Pytorch,
        "onnx" => Flavor::Onnx,
        _ => Flavor::Custom,
    };
    let version_key = match fname.as_str() {
        "xgboost" => "xgb_version".to_string(),
        "lightgbm" => "lgb_version".to_string(),
        f => format!("{f}_version"),
    };
    let default_name = dir
        .canonicalize()
        .ok()
        .and_then(|p| p.file_name().and_then(|n| n.to_str()).map(String::from))
        .unwrap_or_else(|| "model".into());
    let mut m = Manifest::new(
        name.unwrap_or(&default_name),
        version.unwrap_or("1"),
        flavor,
    );
    m.flavor_version = fconf.get(&version_key).and_then(scalar_string);
    if let Some(sig) = mlmodel.get("signature").filter(|s| s.is_object()) {
        m.signature = Some(Signature {
            inputs: specs_from_mlflow(sig.get("inputs"), "input")?,
            outputs: specs_from_mlflow(sig.get("outputs"), "output")?,
            input_example: read_input_example(dir, &mlmodel),
        });
    }
    let req = dir.join("requirements.txt");
    if req.is_file() {
        let text = small_file::read_text(&req, small_file::MANIFEST_MAX, "requirements file")?;
        m.requirements.python = text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#') && !l.starts_with('-'))
            .map(String::from)
            .collect();
    }
    m.lineage.run = mlmodel.get("run_id").and_then(scalar_string);
    if let Some(v) = mlmodel.get("mlflow_version").and_then(scalar_string) {
        m.params.insert("mlflow.version".into(), Value::String(v));
    }
    let files = list_files(dir)?;
    copy_into(dir, &files, out)?;
    Package::build(out, m)
}

/// Writes the package as the new MLflow model folder `out` (see the module
/// docs for what `MLmodel` holds).
pub fn to_mlflow(pkg: &Package, out: impl AsRef<Path>) -> Result<()> {
    let out = out.as_ref();
    let m = pkg.manifest();
    let mut mlmodel = if m.file(MLMODEL).is_some() {
        read_mlmodel(pkg.root())?
    } else {
        generated_mlmodel(m)?
    };
    let obj = mlmodel.as_object_mut().expect("MLmodel is a mapping");
    match &m.signature {
        Some(sig) => {
            obj.insert(
                "signature".into(),
                json!({
                    "inputs": specs_to_mlflow(&sig.inputs)?.to_string(),
                    "outputs": specs_to_mlflow(&sig.outputs)?.to_string(),
                    "params": null,
                }),
            );
        }
        None => {
            obj.remove("signature");
        }
    }
    let files: Vec<String> = m.files.iter().map(|f| f.path.clone()).collect();
    let parent = out
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    if out.exists() {
        return Err(Error::AlreadyExists(format!("{}", out.display())));
    }
    std::fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
    let tmp = tempfile::Builder::new()
        .prefix(".mlops-mlflow-")
        .tempdir_in(parent)
        .map_err(|e| Error::io(parent, e))?;
    for f in &files {
        let (from, to) = (pkg.path_of(f), tmp.path().join(f));
        if let Some(p) = to.parent() {
            std::fs::create_dir_all(p).map_err(|e| Error::io(p, e))?;
        }
        std::fs::copy(&from, &to).map_err(|e| Error::io(&from, e))?;
    }
    let yaml = yaml_serde::to_string(&mlmodel).expect("MLmodel serialises");
    let mp = tmp.path().join(MLMODEL);
    std::fs::write(&mp, yaml).map_err(|e| Error::io(&mp, e))?;
    let req = tmp.path().join("requirements.txt");
    if !req.exists() && !m.requirements.python.is_empty() {
        let text = m.requirements.python.join("\n") + "\n";
        std::fs::write(&req, text).map_err(|e| Error::io(&req, e))?;
    }
    let kept = tmp.keep();
    std::fs::rename(&kept, out).map_err(|e| {
        let _ = std::fs::remove_dir_all(&kept);
        Error::io(out, e)
    })
}

fn generated_mlmodel(m: &Manifest) -> Result<Value> {
    if m.flavor != Flavor::Sklearn {
        return Err(Error::Unsupported(format!(
            "writing a {} package built by mlops as an MLflow model: only sklearn packages (or packages read from MLflow) are supported",
            m.flavor.as_str()
        )));
    }
    let pickles: Vec<&str> = m
        .files
        .iter()
        .map(|f| f.path.as_str())
        .filter(|p| p.ends_with(".pkl") || p.ends_with(".pickle"))
        .collect();
    let [model] = pickles[..] else {
        return Err(Error::InvalidInput(format!(
            "an sklearn package needs exactly one .pkl or .pickle file to be an MLflow model; it has {}",
            pickles.len()
        )));
    };
    let format = m
        .params
        .get("serialization_format")
        .and_then(Value::as_str)
        .unwrap_or("pickle");
    let mlflow_version = m
        .params
        .get("mlflow.version")
        .and_then(Value::as_str)
        .unwrap_or("2.0.0");
    let mut out = json!({
        "flavors": {
            "python_function": {
                "loader_module": "mlflow.sklearn",
                "model_path": model,
                "predict_fn": "predict",
            },
            "sklearn": {
                "pickled_model": model,
                "serialization_format": format,
                "sklearn_version": m.flavor_version,
                "code": null,
            },
        },
        "mlflow_version": mlflow_version,
    });
    if let Some(run) = &m.lineage.run {
        out["run_id"] = json!(run);
    }
    Ok(out)
}

fn read_mlmodel(dir: &Path) -> Result<Value> {
    let p = dir.join(MLMODEL);
    let text = match small_file::read_text(&p, small_file::MANIFEST_MAX, "MLmodel file") {
        Err(Error::NotFound(_)) => {
            return Err(Error::NotFound(format!(
                "{} is not an MLflow model: it has no {MLMODEL} file",
                dir.display()
            )))
        }
        r => r?,
    };
    let v: Value = yaml_serde::from_str(&text)
        .map_err(|e| Error::InvalidInput(format!("{}: {e}", p.display())))?;
    if !v.is_object() {
        return Err(Error::InvalidInput(format!(
            "{} is not a YAML mapping",
            p.display()
        )));
    }
    Ok(v)
}

fn scalar_string(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// MLflow's input example (`input_example.json`, pandas `split` orient or
/// records) as JSON rows; `None` when absent or in another form.
fn read_input_example(dir: &Path, mlmodel: &Value) -> Option<Value> {
    let rel = mlmodel
        .get("saved_input_example_info")?
        .get("artifact_path")?
        .as_str()?;
    let bytes = small_file::read(dir.join(rel), small_file::MANIFEST_MAX, "input example").ok()?;
    let v: Value = serde_json::from_slice(&bytes).ok()?;
    if v.is_array() {
        return Some(v);
    }
    let cols = v.get("columns")?.as_array()?;
    let rows = v.get("data")?.as_array()?;
    Some(Value::Array(
        rows.iter()
            .filter_map(Value::as_array)
            .map(|r| {
                Value::Object(
                    cols.iter()
                        .zip(r)
                        .map(|(c, x)| (scalar_string(c).unwrap_or_default(), x.clone()))
                        .collect(),
                )
            })
            .collect(),
    ))
}

fn mlflow_to_arrow(t: &str) -> Option<DataType> {
    Some(match t {
        "boolean" | "bool" => DataType::Boolean,
        "integer" | "int32" => DataType::Int32,
        "long" | "int64" => DataType::Int64,
        "float" | "float32" => DataType::Float32,
        "double" | "float64" => DataType::Float64,
        "string" | "str" | "object" => DataType::Utf8,
        "binary" | "bytes" => DataType::Binary,
        "datetime" | "datetime64[ns]" => DataType::Timestamp(TimeUnit::Nanosecond, None),
        "int8" => DataType::Int8,
        "int16" => DataType::Int16,
        "uint8" => DataType::UInt8,
        "uint16" => DataType::UInt16,
        "uint32" => DataType::UInt32,
        "uint64" => DataType::UInt64,
        "float16" => DataType::Float16,
        _ => return None,
    })
}

fn arrow_to_mlflow(t: &DataType, tensor: bool) -> Option<&'static str> {
    use DataType::*;
    Some(match (t, tensor) {
        (Boolean, false) => "boolean",
        (Int8 | Int16 | Int32 | UInt8 | UInt16, false) => "integer",
        (Int64 | UInt32, false) => "long",
        (Float32, false) => "float",
        (Float64, false) => "double",
        (Utf8 | LargeUtf8 | Utf8View, false) => "string",
        (Binary | LargeBinary | BinaryView, false) => "binary",
        (Timestamp(_, _) | Date32 | Date64, false) => "datetime",
        (Boolean, true) => "bool",
        (Int8, true) => "int8",
        (Int16, true) => "int16",
        (Int32, true) => "int32",
        (Int64, true) => "int64",
        (UInt8, true) => "uint8",
        (UInt16, true) => "uint16",
        (UInt32, true) => "uint32",
        (UInt64, true) => "uint64",
        (Float16, true) => "float16",
        (Float32, true) => "float32",
        (Float64, true) => "float64",
        (Utf8 | LargeUtf8, true) => "str",
        _ => return None,
    })
}

/// MLflow's signature side (a JSON string in `MLmodel`) as column specs.
fn specs_from_mlflow(side: Option<&Value>, what: &str) -> Result<Vec<ColumnSpec>> {
    let parsed: Value = match side {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::String(s)) => serde_json::from_str(s)
            .map_err(|e| Error::InvalidInput(format!("MLmodel signature {what}s: {e}")))?,
        Some(v) => v.clone(),
    };
    let items = parsed
        .as_array()
        .ok_or_else(|| Error::InvalidInput(format!("MLmodel signature {what}s is not a list")))?;
    items
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let ty = c.get("type").and_then(Value::as_str).unwrap_or("");
            let name = c
                .get("name")
                .and_then(Value::as_str)
                .map(String::from)
                .unwrap_or_else(|| {
                    if items.len() == 1 {
                        what.to_string()
                    } else {
                        format!("{what}_{i}")
                    }
                });
            let required = c.get("required").and_then(Value::as_bool).unwrap_or(true);
            let unsupported = |t: &str| {
                Error::Unsupported(format!(
                    "MLmodel signature {what} {name}: type '{t}' has no Arrow column type here"
                ))
            };
            if ty == "tensor" {
                let spec = c.get("tensor-spec").cloned().unwrap_or(Value::Null);
                let dtype = spec.get("dtype").and_then(Value::as_str).unwrap_or("");
                let t = mlflow_to_arrow(dtype).ok_or_else(|| unsupported(dtype))?;
                let mut col = ColumnSpec::new(&name, &t, false);
                col.shape = spec.get("shape").and_then(Value::as_array).map(|dims| {
                    dims.iter()
                        .map(|d| match d.as_i64() {
                            Some(n) if n >= 0 => Dim::Fixed(n),
                            _ => Dim::Unknown,
                        })
                        .collect()
                });
                return Ok(col);
            }
            let t = mlflow_to_arrow(ty).ok_or_else(|| unsupported(ty))?;
            Ok(ColumnSpec::new(&name, &t, !required))
        })
        .collect()
}

/// Column specs as MLflow's signature JSON.
fn specs_to_mlflow(cols: &[ColumnSpec]) -> Result<Value> {
    let tensors = cols.iter().any(|c| c.shape.is_some());
    cols.iter()
        .map(|c| {
            let t = c.arrow_type()?;
            let ty = arrow_to_mlflow(&t, tensors).ok_or_else(|| {
                Error::Unsupported(format!(
                    "column {}: Arrow type {} has no MLflow equivalent",
                    c.name, c.data_type
                ))
            })?;
            Ok(if tensors {
                let shape: Vec<i64> = c
                    .shape
                    .iter()
                    .flatten()
                    .map(|d| match d {
                        Dim::Fixed(n) => *n,
                        _ => -1,
                    })
                    .collect();
                json!({"name": c.name, "type": "tensor", "tensor-spec": {"dtype": ty, "shape": shape}})
            } else {
                json!({"name": c.name, "type": ty, "required": !c.nullable})
            })
        })
        .collect::<Result<Vec<_>>>()
        .map(Value::Array)
}

fn copy_into(from: &Path, files: &[String], out: &Path) -> Result<()> {
    if out.exists() {
        return Err(Error::AlreadyExists(format!("{}", out.display())));
    }
    let mut dirs = BTreeMap::new();
    for f in files {
        if f == MANIFEST_FILE || f == SIGNATURE_FILE {
            continue;
        }
        let to = out.join(f);
        if let Some(p) = to.parent() {
            if dirs.insert(p.to_path_buf(), ()).is_none() {
                std::fs::create_dir_all(p).map_err(|e| Error::io(p, e))?;
            }
        }
        let src = from.join(f);
        std::fs::copy(&src, &to).map_err(|e| Error::io(&src, e))?;
    }
    std::fs::create_dir_all(out).map_err(|e| Error::io(out, e))
}
