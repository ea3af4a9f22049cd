//! Triton exports: a model repository `<out>/<name>/config.pbtxt` with a
//! numeric version folder `<out>/<name>/<version>/`.
//!
//! - **onnx** packages are served by Triton's ONNX Runtime backend
//!   (`platform: "onnxruntime_onnx"`): the package's one `.onnx` file
//!   becomes `<version>/model.onnx`, and the inputs and outputs are the
//!   signature's tensors (inferred from the ONNX graph when the manifest
//!   has none). When every tensor's first dimension is dynamic it is the
//!   batch dimension: `max_batch_size` is [`MAX_BATCH_SIZE`] and `dims`
//!   leave it out; otherwise `max_batch_size` is 0 and `dims` are the full
//!   shapes, dynamic sizes written `-1`.
//! - **sklearn, xgboost, lightgbm and custom** packages are served by
//!   Triton's Python backend (`backend: "python"`): `<version>/model.py`
//!   ([`PYTHON_MODEL`]) loads the copy of the package in
//!   `<version>/package/` with the `mlops` package (which the backend's
//!   Python must have), checks each request against the signature and
//!   answers with the declared outputs. Each signature column is a tensor
//!   of `dims: [1]` per row, batched up to [`MAX_BATCH_SIZE`] rows, with
//!   dynamic batching on.
//! - pytorch packages are refused: mlops cannot tell a TorchScript file
//!   (which Triton's PyTorch backend needs) from a pickled module.
//!
//! Types map from Arrow by [`triton_type`]. The version folder's number is
//! [`ExportOptions::version`](super::ExportOptions::version) or the
//! package version's [`numeric_version`](super::numeric_version).

use std::fmt::Write as _;
use std::path::Path;

use arrow::datatypes::DataType;

use super::{copy_file, copy_package, mkdir, write_text, Plan};
use crate::error::{Error, Result};
use crate::package::manifest::Flavor;
use crate::package::signature::{ColumnSpec, Dim, Signature};

/// `max_batch_size` of a batched model: the most rows Triton puts in one
/// call to the model.
pub const MAX_BATCH_SIZE: u32 = 64;

/// The Python backend's `model.py` written into the version folder of a
/// sklearn, xgboost, lightgbm or custom export.
pub const PYTHON_MODEL: &str = include_str!("triton_model.py");

/// Triton's `TYPE_*` name of an Arrow type, if it has one.
///
/// ```
/// use arrow::datatypes::DataType;
/// use mlops_core::package::export::triton::triton_type;
/// assert_eq!(triton_type(&DataType::Float32), Some("TYPE_FP32"));
/// assert_eq!(triton_type(&DataType::Utf8), Some("TYPE_STRING"));
/// assert_eq!(triton_type(&DataType::Date32), None);
/// ```
pub fn triton_type(t: &DataType) -> Option<&'static str> {
    use DataType::*;
    Some(match t {
        Boolean => "TYPE_BOOL",
        Int8 => "TYPE_INT8",
        Int16 => "TYPE_INT16",
        Int32 => "TYPE_INT32",
        Int64 => "TYPE_INT64",
        UInt8 => "TYPE_UINT8",
        UInt16 => "TYPE_UINT16",
        UInt32 => "TYPE_UINT32",
        UInt64 => "TYPE_UINT64",
        Float16 => "TYPE_FP16",
        Float32 => "TYPE_FP32",
        Float64 => "TYPE_FP64",
        Utf8 | LargeUtf8 | Utf8View | Binary | LargeBinary | BinaryView => "TYPE_STRING",
        _ => return None,
    })
}

/// The one `.onnx` file of an onnx package.
fn onnx_file(plan: &Plan<'_>) -> Result<String> {
    let files: Vec<&str> = plan
        .pkg
        .manifest()
        .files
        .iter()
        .map(|f| f.path.as_str())
        .filter(|p| p.ends_with(".onnx"))
        .collect();
    match files[..] {
        [one] => Ok(one.to_string()),
        _ => Err(Error::InvalidInput(format!(
            "package {} (flavor onnx) holds {} .onnx files; export target triton needs exactly one",
            plan.name,
            files.len()
        ))),
    }
}

/// The signature of the export: the manifest's, or for an onnx package
/// without one, the ONNX graph's.
fn signature(plan: &Plan<'_>) -> Result<Signature> {
    if plan.flavor() == Flavor::Onnx && plan.pkg.manifest().signature.is_none() {
        return crate::package::onnx::infer_signature_file(plan.pkg.path_of(&onnx_file(plan)?));
    }
    plan.signature().cloned()
}

/// One `input [...]` / `output [...]` entry.
struct Tensor {
    name: String,
    ty: &'static str,
    dims: Vec<i64>,
    reshape_scalar: bool,
}

fn tensor_type(plan: &Plan<'_>, side: &str, c: &ColumnSpec) -> Result<&'static str> {
    let t = c.arrow_type()?;
    triton_type(&t).ok_or_else(|| {
        Error::Unsupported(format!(
            "package {}: {side} {} has Arrow type {}, which has no Triton data type",
            plan.name, c.name, c.data_type
        ))
    })
}

fn dim(d: &Dim) -> i64 {
    match d {
        Dim::Fixed(n) if *n >= 0 => *n,
        _ => -1,
    }
}

/// Tensors and `max_batch_size` for the ONNX backend.
fn onnx_tensors(plan: &Plan<'_>, sig: &Signature) -> Result<(u32, Vec<Tensor>, Vec<Tensor>)> {
    let all = sig.inputs.iter().chain(&sig.outputs);
    let mut shapes = Vec::new();
    for c in all.clone() {
        let shape = c.shape.as_ref().filter(|s| !s.is_empty()).ok_or_else(|| {
            Error::InvalidInput(format!(
                "package {}: tensor {} has no shape in the signature; Triton needs its dims",
                plan.name, c.name
            ))
        })?;
        shapes.push(shape);
    }
    let batched = shapes.iter().all(|s| dim(&s[0]) == -1);
    let make = |side: &str, c: &ColumnSpec| -> Result<Tensor> {
        let shape = c.shape.as_ref().expect("checked above");
        let dims: Vec<i64> = shape.iter().skip(usize::from(batched)).map(dim).collect();
        Ok(Tensor {
            name: c.name.clone(),
            ty: tensor_type(plan, side, c)?,
            reshape_scalar: dims.is_empty(),
            dims: if dims.is_empty() { vec![1] } else { dims },
        })
    };
    let inputs = sig
        .inputs
        .iter()
        .map(|c| make("input", c))
        .collect::<Result<_>>()?;
    let outputs = sig
        .outputs
        .iter()
        .map(|c| make("output", c))
        .collect::<Result<_>>()?;
    Ok((if batched { MAX_BATCH_SIZE } else { 0 }, inputs, outputs))
}

/// Tensors for the Python backend: one `[1]` tensor per column and row.
fn column_tensors(plan: &Plan<'_>, sig: &Signature) -> Result<(Vec<Tensor>, Vec<Tensor>)> {
    let make = |side: &str, c: &ColumnSpec| -> Result<Tensor> {
        if c.shape.is_some() {
            return Err(Error::Unsupported(format!(
                "package {}: {side} {} is a tensor; the Python backend export serves tabular signatures",
                plan.name, c.name
            )));
        }
        Ok(Tensor {
            name: c.name.clone(),
            ty: tensor_type(plan, side, c)?,
            dims: vec![1],
            reshape_scalar: false,
        })
    };
    Ok((
        sig.inputs
            .iter()
            .map(|c| make("input", c))
            .collect::<Result<_>>()?,
        sig.outputs
            .iter()
            .map(|c| make("output", c))
            .collect::<Result<_>>()?,
    ))
}

/// Refuses what the target cannot serve, before anything is written.
pub(crate) fn check(plan: &Plan<'_>) -> Result<()> {
    config(plan).map(|_| ())
}

fn quote(s: &str) -> String {
    serde_json::to_string(s).expect("strings serialise")
}

fn section(out: &mut String, what: &str, tensors: &[Tensor]) {
    let _ = writeln!(out, "{what} [");
    for (i, t) in tensors.iter().enumerate() {
        let dims: Vec<String> = t.dims.iter().map(i64::to_string).collect();
        let _ = writeln!(out, "  {{");
        let _ = writeln!(out, "    name: {}", quote(&t.name));
        let _ = writeln!(out, "    data_type: {}", t.ty);
        let _ = writeln!(out, "    dims: [ {} ]", dims.join(", "));
        if t.reshape_scalar {
            let _ = writeln!(out, "    reshape: {{ shape: [ ] }}");
        }
        let sep = if i + 1 < tensors.len() { "," } else { "" };
        let _ = writeln!(out, "  }}{sep}");
    }
    let _ = writeln!(out, "]");
}

/// The `config.pbtxt` of the export (protobuf text of Triton's `ModelConfig`).
pub(crate) fn config(plan: &Plan<'_>) -> Result<String> {
    let sig = match plan.flavor() {
        Flavor::Pytorch => {
            return Err(plan.unsupported(
                "Triton's PyTorch backend needs TorchScript, which mlops cannot tell from a pickled module (export it to ONNX)",
            ))
        }
        Flavor::Custom => {
            super::mlserver::check_entry_point(plan)?;
            signature(plan)?
        }
        _ => signature(plan)?,
    };
    let mut out = String::new();
    let _ = writeln!(out, "name: {}", quote(&plan.name));
    let version = plan.numeric_version.expect("triton exports have a version");
    if plan.flavor() == Flavor::Onnx {
        onnx_file(plan)?;
        let (max_batch, inputs, outputs) = onnx_tensors(plan, &sig)?;
        let _ = writeln!(out, "platform: \"onnxruntime_onnx\"");
        let _ = writeln!(out, "max_batch_size: {max_batch}");
        section(&mut out, "input", &inputs);
        section(&mut out, "output", &outputs);
    } else {
        let (inputs, outputs) = column_tensors(plan, &sig)?;
        let _ = writeln!(out, "backend: \"python\"");
        let _ = writeln!(out, "max_batch_size: {MAX_BATCH_SIZE}");
        section(&mut out, "input", &inputs);
        section(&mut out, "output", &outputs);
        let _ = writeln!(out, "dynamic_batching {{ }}");
    }
    let _ = writeln!(
        out,
        "version_policy: {{ specific: {{ versions: [ {version} ] }} }}"
    );
    let _ = writeln!(
        out,
        "parameters: {{ key: \"mlops_package_version\" value: {{ string_value: {} }} }}",
        quote(&plan.pkg.manifest().version)
    );
    Ok(out)
}

pub(crate) fn write(plan: &Plan<'_>, model_dir: &Path) -> Result<()> {
    write_text(&model_dir.join("config.pbtxt"), &config(plan)?)?;
    let version = plan.numeric_version.expect("triton exports have a version");
    let vdir = model_dir.join(version.to_string());
    mkdir(&vdir)?;
    if plan.flavor() == Flavor::Onnx {
        copy_file(
            &plan.pkg.path_of(&onnx_file(plan)?),
            &vdir.join("model.onnx"),
        )
    } else {
        write_text(&vdir.join("model.py"), PYTHON_MODEL)?;
        copy_package(plan.pkg, &vdir.join(super::mlserver::PACKAGE_DIR))
    }
}
