//! MLServer and KServe exports: a model repository MLServer serves as is
//! (`mlserver start <out>`).
//!
//! `<out>/<name>/model-settings.json` names the runtime
//! `mlops.serving.mlserver.PackageRuntime` (the `mlops` Python package,
//! installed beside MLServer), points `parameters.uri` at the copy of the
//! package in `<out>/<name>/package/` and declares the model's inputs and
//! outputs from the package's Arrow signature, so `/v2/models/<name>`
//! describes them (MLServer lists no inputs otherwise). Each column is a V2
//! tensor of shape `[-1]` (one value per row), with the Arrow type mapped
//! by [`v2_datatype`]; the column's exact Arrow type and nullability are
//! kept in the tensor's `parameters` (`arrow_type`, `nullable`), and text
//! columns carry `content_type: "str"`. The model's
//! `parameters.content_type` is `"pd"`: a request is a table whose inputs
//! are its columns, as MLServer's pandas codec reads it.
//! `parameters.extra.signature_check` (default `true`) turns the runtime's
//! check of each request against the signature on or off.
//!
//! KServe: the same repository plus `<out>/inferenceservice.yaml`, an
//! `InferenceService` (`serving.kserve.io/v1beta1`) whose predictor speaks
//! `protocolVersion: v2` on the runtime [`KSERVE_RUNTIME`] (a
//! `ServingRuntime` running MLServer with `mlops` installed; see
//! docs/serving.md) and whose `storageUri` is the placeholder
//! [`STORAGE_URI_PLACEHOLDER`], to be replaced by where the repository is
//! uploaded.
//!
//! Flavors: sklearn, xgboost, lightgbm and custom (loaded through the
//! manifest's `requirements.entry_point`, `module:function`).

use std::path::Path;

use arrow::datatypes::DataType;
use serde_json::{json, Value};

use super::{copy_package, write_json, write_text, Plan};
use crate::error::{Error, Result};
use crate::package::manifest::Flavor;
use crate::package::signature::ColumnSpec;

/// The MLServer runtime class of every export.
pub const IMPLEMENTATION: &str = "mlops.serving.mlserver.PackageRuntime";
/// The name of the KServe `ServingRuntime` the `InferenceService` asks for.
pub const KSERVE_RUNTIME: &str = "mlops-mlserver";
/// The KServe model format the runtime declares it supports.
pub const KSERVE_MODEL_FORMAT: &str = "mlops-package";
/// The `storageUri` written into `inferenceservice.yaml`: replace it with
/// the address the repository is uploaded to.
pub const STORAGE_URI_PLACEHOLDER: &str = "s3://YOUR-BUCKET/PATH/TO/EXPORT";
/// The folder, inside the model's folder, holding the copy of the package.
pub const PACKAGE_DIR: &str = "package";

/// The Open Inference Protocol (V2) datatype of an Arrow type, if it has
/// one: integers to `INT*`/`UINT*`, floats to `FP16`/`FP32`/`FP64`,
/// booleans to `BOOL`, text and binary to `BYTES`.
///
/// ```
/// use arrow::datatypes::DataType;
/// use mlops_core::package::export::mlserver::v2_datatype;
/// assert_eq!(v2_datatype(&DataType::Float64), Some("FP64"));
/// assert_eq!(v2_datatype(&DataType::LargeUtf8), Some("BYTES"));
/// assert_eq!(v2_datatype(&DataType::Date32), None);
/// ```
pub fn v2_datatype(t: &DataType) -> Option<&'static str> {
    use DataType::*;
    Some(match t {
        Boolean => "BOOL",
        Int8 => "INT8",
        Int16 => "INT16",
        Int32 => "INT32",
        Int64 => "INT64",
        UInt8 => "UINT8",
        UInt16 => "UINT16",
        UInt32 => "UINT32",
        UInt64 => "UINT64",
        Float16 => "FP16",
        Float32 => "FP32",
        Float64 => "FP64",
        Utf8 | LargeUtf8 | Utf8View | Binary | LargeBinary | BinaryView => "BYTES",
        _ => return None,
    })
}

fn is_text(t: &DataType) -> bool {
    matches!(t, DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View)
}

/// A column as a V2 `MetadataTensor`.
fn tensor(plan: &Plan<'_>, side: &str, c: &ColumnSpec) -> Result<Value> {
    let t = c.arrow_type()?;
    let datatype = v2_datatype(&t).ok_or_else(|| {
        Error::Unsupported(format!(
            "package {}: {side} column {} has Arrow type {}, which has no Open Inference Protocol datatype (export target {})",
            plan.name, c.name, c.data_type, plan.target
        ))
    })?;
    if c.shape.is_some() {
        return Err(Error::Unsupported(format!(
            "package {}: {side} {} is a tensor; export target {} serves tabular signatures (one value per row and column)",
            plan.name, c.name, plan.target
        )));
    }
    let mut params = json!({"arrow_type": c.data_type, "nullable": c.nullable});
    if is_text(&t) {
        params["content_type"] = json!("str");
    }
    Ok(json!({"name": c.name, "datatype": datatype, "shape": [-1], "parameters": params}))
}

/// Refuses what the target cannot serve, before anything is written.
pub(crate) fn check(plan: &Plan<'_>) -> Result<()> {
    match plan.flavor() {
        Flavor::Sklearn | Flavor::Xgboost | Flavor::Lightgbm => {}
        Flavor::Custom => check_entry_point(plan)?,
        Flavor::Onnx | Flavor::Pytorch => {
            return Err(plan.unsupported(
                "its MLServer runtime loads sklearn, xgboost, lightgbm and custom packages (export onnx to triton)",
            ))
        }
    }
    model_settings(plan).map(|_| ())
}

/// A custom package is loaded through `requirements.entry_point`,
/// `module:function`: refuses one without.
pub(crate) fn check_entry_point(plan: &Plan<'_>) -> Result<()> {
    let ep = plan.pkg.manifest().requirements.entry_point.as_deref();
    let ok = ep.is_some_and(|e| {
        e.split_once(':')
            .is_some_and(|(m, f)| !m.is_empty() && !f.is_empty())
    });
    if ok {
        return Ok(());
    }
    Err(Error::InvalidInput(format!(
        "package {} (flavor custom) needs requirements.entry_point 'module:function' for export target {}: the runtime loads the model through it",
        plan.name, plan.target
    )))
}

/// The `model-settings.json` of the export.
pub(crate) fn model_settings(plan: &Plan<'_>) -> Result<Value> {
    let sig = plan.signature()?;
    let m = plan.pkg.manifest();
    let inputs = sig
        .inputs
        .iter()
        .map(|c| tensor(plan, "input", c))
        .collect::<Result<Vec<_>>>()?;
    let outputs = sig
        .outputs
        .iter()
        .map(|c| tensor(plan, "output", c))
        .collect::<Result<Vec<_>>>()?;
    let mut settings = json!({
        "name": plan.name,
        "implementation": IMPLEMENTATION,
        "platform": format!("mlops-{}", m.flavor),
        "inputs": inputs,
        "outputs": outputs,
        "parameters": {
            "uri": format!("./{PACKAGE_DIR}"),
            "version": m.version,
            "content_type": "pd",
            "extra": {
                "flavor": m.flavor,
                "signature_check": true,
            },
        },
    });
    if let Some(v) = &m.flavor_version {
        settings["versions"] = json!([format!("{}/{v}", m.flavor)]);
    }
    Ok(settings)
}

pub(crate) fn write(plan: &Plan<'_>, root: &Path, model_dir: &Path) -> Result<()> {
    write_json(
        &model_dir.join("model-settings.json"),
        &model_settings(plan)?,
    )?;
    copy_package(plan.pkg, &model_dir.join(PACKAGE_DIR))?;
    if plan.target == super::ExportTarget::Kserve {
        write_text(
            &root.join("inferenceservice.yaml"),
            &inference_service(plan),
        )?;
    }
    Ok(())
}

/// A Kubernetes name (RFC 1123 label: lower-case letters, digits and '-').
fn k8s_name(name: &str) -> String {
    let s: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    let s = s.trim_matches('-');
    let s = if s.is_empty() { "model" } else { s };
    s.chars()
        .take(63)
        .collect::<String>()
        .trim_end_matches('-')
        .to_string()
}

/// `inferenceservice.yaml`.
fn inference_service(plan: &Plan<'_>) -> String {
    let m = plan.pkg.manifest();
    let side = plan.sidecar();
    let doc = json!({
        "apiVersion": "serving.kserve.io/v1beta1",
        "kind": "InferenceService",
        "metadata": {
            "name": k8s_name(&plan.name),
            "annotations": {
                "mlops.dev/package": m.name,
                "mlops.dev/package-version": m.version,
                "mlops.dev/manifest-blake3": side.manifest_blake3,
                "mlops.dev/signed-by": side.signed_by.unwrap_or_default(),
            },
        },
        "spec": {
            "predictor": {
                "model": {
                    "modelFormat": {"name": KSERVE_MODEL_FORMAT, "version": "1"},
                    "protocolVersion": "v2",
                    "runtime": KSERVE_RUNTIME,
                    "storageUri": STORAGE_URI_PLACEHOLDER,
                },
            },
        },
    });
    let yaml = yaml_serde::to_string(&doc).expect("the InferenceService serialises");
    format!(
        "# KServe InferenceService for the MLServer repository beside this file.\n\
         # Upload this folder (holding {name}/model-settings.json) and set storageUri to it;\n\
         # the ServingRuntime '{KSERVE_RUNTIME}' runs MLServer with the mlops package installed.\n\
         {yaml}",
        name = plan.name
    )
}
