//! Model packages for Python: `Package`, its `Signature`, key generation,
//! (push and pull are `Registry` methods). The GIL is released while files are
//! hashed, copied, packed, signed or checked.

use std::path::PathBuf;

use mlops_core::package::{
    mlflow, sign, ExportOptions, ExportTarget, Flavor, KeyPair, Manifest, Package, PublicKey,
    Signature,
};
use pyo3::prelude::*;

use crate::error::{to_py, InvalidInputError};
use crate::source::Source;

fn json_in<T: serde::de::DeserializeOwned>(
    py: Python<'_>,
    what: &str,
    v: &Bound<'_, PyAny>,
) -> PyResult<T> {
    let s: String = py.import("json")?.call_method1("dumps", (v,))?.extract()?;
    serde_json::from_str(&s).map_err(|e| InvalidInputError::new_err(format!("{what}: {e}")))
}

use crate::convert::to_python as json_out;

/// A model package (a folder or a `.tar.zst` archive); see `mlops.Package`.
#[pyclass(name = "Package", module = "mlops", frozen)]
pub struct PyPackage {
    pub(crate) inner: Package,
}

/// A model's input and output schema; see `mlops.Signature`.
#[pyclass(name = "Signature", module = "mlops", frozen)]
pub struct PySignature {
    inner: Signature,
}

impl PySignature {
    /// The Python object of a core signature.
    pub(crate) fn of(inner: Signature) -> Self {
        Self { inner }
    }
}

#[pymethods]
impl PyPackage {
    /// Makes `dir` a package (or, with `files`, copies them into the new
    /// folder `dir` first) and writes its manifest.
    #[staticmethod]
    #[pyo3(signature = (dir, *, name, version, flavor, flavor_version = None, metrics = None,
        params = None, signature = None, lineage = None, requirements = None, card = None,
        files = None))]
    #[allow(clippy::too_many_arguments)]
    fn build(
        py: Python<'_>,
        dir: PathBuf,
        name: &str,
        version: &str,
        flavor: &str,
        flavor_version: Option<String>,
        metrics: Option<&Bound<'_, PyAny>>,
        params: Option<&Bound<'_, PyAny>>,
        signature: Option<&Bound<'_, PyAny>>,
        lineage: Option<&Bound<'_, PyAny>>,
        requirements: Option<&Bound<'_, PyAny>>,
        card: Option<&Bound<'_, PyAny>>,
        files: Option<Vec<PathBuf>>,
    ) -> PyResult<Self> {
        let mut m = Manifest::new(name, version, flavor.parse::<Flavor>().map_err(to_py)?);
        m.flavor_version = flavor_version;
        if let Some(v) = metrics {
            m.metrics = json_in(py, "metrics", v)?;
        }
        if let Some(v) = params {
            m.params = json_in(py, "params", v)?;
        }
        if let Some(v) = signature {
            m.signature = Some(match v.cast::<PySignature>() {
                Ok(s) => s.get().inner.clone(),
                Err(_) => json_in(py, "signature", v)?,
            });
        }
        if let Some(v) = lineage {
            m.lineage = json_in(py, "lineage", v)?;
        }
        if let Some(v) = requirements {
            m.requirements = json_in(py, "requirements", v)?;
        }
        if let Some(v) = card {
            m.card = json_in(py, "card", v)?;
        }
        let inner = py
            .detach(move || match files {
                Some(f) => Package::build_from_files(&f, &dir, m),
                None => Package::build(&dir, m),
            })
            .map_err(to_py)?;
        Ok(Self { inner })
    }

    /// Opens a package folder or `.tar.zst` archive (manifest checked; call
    /// `verify()` for the files).
    #[staticmethod]
    fn load(py: Python<'_>, path: PathBuf) -> PyResult<Self> {
        let inner = py.detach(|| Package::load(&path)).map_err(to_py)?;
        Ok(Self { inner })
    }

    /// Reads an MLflow model folder into the new package folder `out`.
    #[staticmethod]
    #[pyo3(signature = (dir, out, name = None, version = None))]
    fn from_mlflow(
        py: Python<'_>,
        dir: PathBuf,
        out: PathBuf,
        name: Option<String>,
        version: Option<String>,
    ) -> PyResult<Self> {
        let inner = py
            .detach(|| mlflow::from_mlflow(&dir, &out, name.as_deref(), version.as_deref()))
            .map_err(to_py)?;
        Ok(Self { inner })
    }

    /// Checks every file's size and hash, and that none is missing or unlisted.
    fn verify(&self, py: Python<'_>) -> PyResult<()> {
        py.detach(|| self.inner.verify()).map_err(to_py)
    }

    /// Signs the package with the secret key file at `key` (into its folder:
    /// for a package opened from an archive, call `save_archive` to keep it).
    fn sign(&self, py: Python<'_>, key: PathBuf) -> PyResult<()> {
        py.detach(|| sign::sign(&self.inner, &KeyPair::load(&key)?))
            .map_err(to_py)
    }

    /// Checks the signature against trusted public key files, then every
    /// file; returns the signing key's id.
    fn verify_signature(&self, py: Python<'_>, trusted: Vec<PathBuf>) -> PyResult<String> {
        py.detach(|| {
            let keys = PublicKey::load_all(&trusted)?;
            sign::verify_signature(&self.inner, &keys)
        })
        .map_err(to_py)
    }

    /// Writes the package as one `.tar.zst` archive.
    fn save_archive(&self, py: Python<'_>, path: PathBuf) -> PyResult<()> {
        py.detach(|| self.inner.save_archive(&path)).map_err(to_py)
    }

    /// Writes the package as a new MLflow model folder.
    fn to_mlflow(&self, py: Python<'_>, dir: PathBuf) -> PyResult<()> {
        py.detach(|| mlflow::to_mlflow(&self.inner, &dir))
            .map_err(to_py)
    }

    /// Exports the package for a model server (`target`: mlserver, kserve,
    /// triton or tfserving) into the new (or empty) folder `out`, after
    /// checking its files and its signature against the `trusted` public
    /// key files; returns the export's sidecar (`mlops.json`) as a dict.
    #[pyo3(signature = (out, target, *, trusted = None, allow_unsigned = false, version = None))]
    fn export<'py>(
        &self,
        py: Python<'py>,
        out: PathBuf,
        target: &str,
        trusted: Option<Vec<PathBuf>>,
        allow_unsigned: bool,
        version: Option<u64>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let target = target.parse::<ExportTarget>().map_err(to_py)?;
        let sidecar = py
            .detach(|| {
                let trusted = PublicKey::load_all(trusted.unwrap_or_default())?;
                let options = ExportOptions {
                    trusted,
                    allow_unsigned,
                    version,
                };
                self.inner.export(target, &out, &options)
            })
            .map_err(to_py)?;
        json_out(py, &sidecar)
    }

    /// The manifest as a dict.
    #[getter]
    fn manifest<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        json_out(py, self.inner.manifest())
    }

    /// The signature, or None.
    #[getter]
    fn signature(&self) -> Option<PySignature> {
        self.inner
            .manifest()
            .signature
            .clone()
            .map(|inner| PySignature { inner })
    }

    /// The package's folder (a temporary one for an archive).
    #[getter]
    fn path(&self) -> PathBuf {
        self.inner.root().to_path_buf()
    }

    fn __repr__(&self) -> String {
        let m = self.inner.manifest();
        format!(
            "<mlops.Package {} {} ({}), {} files>",
            m.name,
            m.version,
            m.flavor.as_str(),
            m.files.len()
        )
    }
}

#[pymethods]
impl PySignature {
    /// A signature from `{"inputs": [...], "outputs": [...]}` (each column
    /// `{"name", "type", "nullable"}`).
    #[new]
    fn new(py: Python<'_>, spec: &Bound<'_, PyAny>) -> PyResult<Self> {
        let inner: Signature = json_in(py, "signature", spec)?;
        inner.check().map_err(to_py)?;
        Ok(Self { inner })
    }

    /// Infers a signature from an ONNX model file's graph inputs and outputs.
    #[staticmethod]
    fn from_onnx(py: Python<'_>, path: PathBuf) -> PyResult<Self> {
        let inner = py
            .detach(|| mlops_core::package::onnx::infer_signature_file(&path))
            .map_err(to_py)?;
        Ok(Self { inner })
    }

    /// Checks Arrow data (anything with `__arrow_c_stream__`, or a data
    /// file path) against the inputs; returns `{"ok": bool, "problems": [...]}`.
    fn validate<'py>(
        &self,
        py: Python<'py>,
        data: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        // The Python layer's conversion first (pandas frames, single columns).
        let data = py.import("mlops")?.call_method1("_source", (data,))?;
        let source = Source::of(&data, "Signature.validate")?;
        let report = py
            .detach(move || {
                let reader = source.reader()?;
                let schema = reader.schema();
                let batches = reader.collect::<Result<Vec<_>, _>>()?;
                Ok::<_, mlops_core::Error>(self.inner.validate_batches(&schema, &batches))
            })
            .map_err(to_py)?;
        let messages: Vec<String> = report.problems.iter().map(|p| p.to_string()).collect();
        json_out(
            py,
            &serde_json::json!({"ok": report.ok(), "problems": report.problems, "messages": messages}),
        )
    }

    /// The signature as a dict.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        json_out(py, &self.inner)
    }

    /// Input columns as dicts.
    #[getter]
    fn inputs<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        json_out(py, &self.inner.inputs)
    }

    /// Output columns as dicts.
    #[getter]
    fn outputs<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        json_out(py, &self.inner.outputs)
    }

    fn __repr__(&self) -> String {
        let cols = |c: &[mlops_core::package::ColumnSpec]| {
            c.iter()
                .map(|c| format!("{}: {}", c.name, c.data_type))
                .collect::<Vec<_>>()
                .join(", ")
        };
        format!(
            "<mlops.Signature ({}) -> ({})>",
            cols(&self.inner.inputs),
            cols(&self.inner.outputs)
        )
    }
}

/// Generates an Ed25519 key pair: `path` (secret, mode 0600) and
/// `path.pub`; returns the key id.
#[pyfunction]
fn generate_key(py: Python<'_>, path: PathBuf) -> PyResult<String> {
    py.detach(|| {
        let k = KeyPair::generate()?;
        k.save(&path)?;
        Ok(k.public().id())
    })
    .map_err(to_py)
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyPackage>()?;
    m.add_class::<PySignature>()?;
    m.add_function(wrap_pyfunction!(generate_key, m)?)?;
    Ok(())
}
