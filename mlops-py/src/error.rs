//! The one place where core errors become Python exceptions: a hierarchy
//! under `mlops.MlopsError`, one class per `mlops_core::Error` variant, built
//! by one exhaustive `match` (no catch-all arm, so a new variant must be
//! mapped here before the crate compiles). Some also subclass the built-in
//! exception users catch for the same failure elsewhere, as delta-rs maps
//! its errors to built-ins: `InvalidInputError` and `SchemaMismatchError`
//! are `ValueError`s, `NotFoundError` a `FileNotFoundError` (not a
//! `KeyError`, whose `str()` quotes the message), `PermissionDeniedError` a
//! `PermissionError`, `UnsupportedError` a `NotImplementedError` and
//! `StorageError` an `OSError`.

use pyo3::create_exception;
use pyo3::exceptions::{
    PyException, PyFileNotFoundError, PyNotImplementedError, PyOSError, PyPermissionError,
    PyValueError,
};
use pyo3::prelude::*;

/// An exception class under `MlopsError` that is also a built-in one (a
/// `ValueError`, as SciPy's and pandas' bad-argument errors are, so that
/// `except ValueError` written for them also catches it). Python classes have several bases, but
/// `create_exception!` takes one: the class is made by calling `type` with
/// both, once per interpreter, and raised like any pyo3 exception
/// (`X::new_err(msg)`, `py.get_type::<X>()`).
/// Takes a table: one `Name(BuiltinBase): "doc";` a line.
macro_rules! builtin_errors {
    ($($name:ident($builtin:ty): $doc:expr;)*) => {$(
        #[doc = $doc]
        pub struct $name;

        // SAFETY: `type_object_raw` returns a type object that lives as
        // long as the interpreter (kept in a static once-lock).
        #[allow(deprecated)]
        unsafe impl pyo3::type_object::PyTypeInfo for $name {
            const NAME: &'static str = stringify!($name);
            const MODULE: Option<&'static str> = Some("mlops");

            fn type_object_raw(py: Python<'_>) -> *mut pyo3::ffi::PyTypeObject {
                static TYPE: pyo3::sync::PyOnceLock<Py<pyo3::types::PyType>> =
                    pyo3::sync::PyOnceLock::new();
                TYPE.get_or_init(py, || {
                    builtin_error_class::<$builtin>(py, stringify!($name), $doc)
                        .expect("failed to create an mlops exception class")
                })
                .as_ptr()
                .cast()
            }
        }

        impl $name {
            /// The exception with this message (made when it is raised).
            pub fn new_err(msg: impl Into<String>) -> PyErr {
                PyErr::new::<$name, _>(msg.into())
            }
        }
    )*};
}

/// `create_exception!` under `MlopsError` for each `Name: "doc";` of a table.
macro_rules! mlops_errors {
    ($($name:ident: $doc:expr;)*) => {$(
        create_exception!(mlops, $name, MlopsError, $doc);
    )*};
}

/// The class `mlops.<name>(MlopsError, B)`.
fn builtin_error_class<B: pyo3::type_object::PyTypeInfo>(
    py: Python<'_>,
    name: &str,
    doc: &str,
) -> PyResult<Py<pyo3::types::PyType>> {
    use pyo3::types::{PyDict, PyTuple, PyType};
    let bases = PyTuple::new(py, [py.get_type::<MlopsError>(), py.get_type::<B>()])?;
    let dict = PyDict::new(py);
    dict.set_item("__module__", "mlops")?;
    dict.set_item("__doc__", doc)?;
    let class = py
        .get_type::<PyType>()
        .call1((name, bases, dict))?
        .cast_into::<PyType>()?;
    Ok(class.unbind())
}

create_exception!(
    mlops,
    MlopsError,
    PyException,
    "Base class of every error raised by mlops."
);
mlops_errors! {
    AlreadyExistsError: "Something that must be new already exists.";
    ConflictError: "A concurrent writer changed the state this call relied on.";
    IntegrityError: "Stored bytes are corrupt or of a newer format version.";
    ArrowError: "Arrow or Parquet failed to read or compute.";
    ExpiredError: "A version retention expired: in the history, no longer served.";
}
builtin_errors! {
    NotFoundError(PyFileNotFoundError): "A file, asset, version or column does not exist. Also a FileNotFoundError.";
    InvalidInputError(PyValueError): "An argument, file content or spec is not valid. Also a ValueError.";
    SchemaMismatchError(PyValueError): "Two schemas do not agree; the message names the column. Also a ValueError.";
    UnsupportedError(PyNotImplementedError): "A type or operation is not supported; the message names the column. Also a NotImplementedError.";
    PermissionDeniedError(PyPermissionError): "The caller may not do this. Also a PermissionError.";
    StorageError(PyOSError): "The storage below failed. Also an OSError.";
}

/// `mlops.SignatureError`: data refused by a model's signature (a serving
/// guard's request), a `SchemaMismatchError` whose `problems` lists every
/// problem as a dict (`column`, `kind`, `expected`, `found`, `count`,
/// `first_row`, `message`; `None` where a kind has no such field), ready to
/// be a 422 body.
pub struct SignatureError;

const SIGNATURE_ERROR_DOC: &str = "Data refused by a model's signature (a serving guard's request). \
`problems` lists every problem as a dict (column, kind, expected, found, count, first_row, message). \
Also a SchemaMismatchError (and a ValueError).";

// SAFETY: as for `builtin_errors!`: the type object lives as long as the
// interpreter (kept in a static once-lock).
#[allow(deprecated)]
unsafe impl pyo3::type_object::PyTypeInfo for SignatureError {
    const NAME: &'static str = "SignatureError";
    const MODULE: Option<&'static str> = Some("mlops");

    fn type_object_raw(py: Python<'_>) -> *mut pyo3::ffi::PyTypeObject {
        static TYPE: pyo3::sync::PyOnceLock<Py<pyo3::types::PyType>> =
            pyo3::sync::PyOnceLock::new();
        TYPE.get_or_init(py, || {
            (|| -> PyResult<Py<pyo3::types::PyType>> {
                use pyo3::types::{PyDict, PyList, PyTuple, PyType};
                let bases = PyTuple::new(py, [py.get_type::<SchemaMismatchError>()])?;
                let dict = PyDict::new(py);
                dict.set_item("__module__", "mlops")?;
                dict.set_item("__doc__", SIGNATURE_ERROR_DOC)?;
                dict.set_item("problems", PyList::empty(py))?;
                Ok(py
                    .get_type::<PyType>()
                    .call1(("SignatureError", bases, dict))?
                    .cast_into::<PyType>()?
                    .unbind())
            })()
            .expect("failed to create mlops.SignatureError")
        })
        .as_ptr()
        .cast()
    }
}

/// A problem as the dict `SignatureError.problems` holds.
fn problem_dict<'py>(
    py: Python<'py>,
    p: &mlops_core::package::Problem,
) -> PyResult<Bound<'py, pyo3::types::PyDict>> {
    use mlops_core::package::Problem as P;
    let d = pyo3::types::PyDict::new(py);
    let (expected, found, count, first_row) = match p {
        P::TypeMismatch {
            expected, found, ..
        } => (Some(expected.as_str()), Some(found.as_str()), None, None),
        P::Nulls {
            count, first_row, ..
        } => (None, None, Some(*count), Some(*first_row)),
        P::BadValues {
            expected,
            found,
            count,
            first_row,
            ..
        } => (
            Some(expected.as_str()),
            Some(found.as_str()),
            Some(*count),
            Some(*first_row),
        ),
        P::MissingColumn { .. } | P::NoRows | P::Malformed { .. } => (None, None, None, None),
    };
    d.set_item("column", p.column())?;
    d.set_item("kind", p.kind())?;
    d.set_item("expected", expected)?;
    d.set_item("found", found)?;
    d.set_item("count", count)?;
    d.set_item("first_row", first_row)?;
    d.set_item("message", p.to_string())?;
    Ok(d)
}

/// The `SignatureError` of a report, its problems attached.
fn signature_error(msg: String, report: &mlops_core::package::SignatureReport) -> PyErr {
    let err = PyErr::new::<SignatureError, _>(msg);
    Python::attach(|py| {
        let problems = report
            .problems
            .iter()
            .map(|p| problem_dict(py, p))
            .collect::<PyResult<Vec<_>>>()
            .and_then(|v| pyo3::types::PyList::new(py, v));
        match problems {
            Ok(list) => match err.value(py).setattr("problems", list) {
                Ok(()) => err,
                Err(e) => e,
            },
            Err(e) => e,
        }
    })
}

/// Converts a core error into the matching Python exception, keeping the
/// core's message (which names the column, file or field) intact.
pub fn to_py(e: mlops_core::Error) -> PyErr {
    use mlops_core::Error as E;
    let msg = e.to_string();
    match e {
        E::Signature(report) => signature_error(msg, &report),
        E::NotFound(_) => NotFoundError::new_err(msg),
        E::AlreadyExists(_) => AlreadyExistsError::new_err(msg),
        E::Conflict(_) => ConflictError::new_err(msg),
        E::InvalidInput(_) => InvalidInputError::new_err(msg),
        E::SchemaMismatch(_) => SchemaMismatchError::new_err(msg),
        E::Unsupported(_) => UnsupportedError::new_err(msg),
        E::Integrity(_) => IntegrityError::new_err(msg),
        E::PermissionDenied(_) => PermissionDeniedError::new_err(msg),
        E::Storage { .. } => StorageError::new_err(msg),
        E::Arrow(_) => ArrowError::new_err(msg),
        E::Expired(_) => ExpiredError::new_err(msg),
    }
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add("MlopsError", py.get_type::<MlopsError>())?;
    m.add("NotFoundError", py.get_type::<NotFoundError>())?;
    m.add("AlreadyExistsError", py.get_type::<AlreadyExistsError>())?;
    m.add("ConflictError", py.get_type::<ConflictError>())?;
    m.add("InvalidInputError", py.get_type::<InvalidInputError>())?;
    m.add("SchemaMismatchError", py.get_type::<SchemaMismatchError>())?;
    m.add("UnsupportedError", py.get_type::<UnsupportedError>())?;
    m.add("IntegrityError", py.get_type::<IntegrityError>())?;
    m.add(
        "PermissionDeniedError",
        py.get_type::<PermissionDeniedError>(),
    )?;
    m.add("StorageError", py.get_type::<StorageError>())?;
    m.add("ArrowError", py.get_type::<ArrowError>())?;
    m.add("ExpiredError", py.get_type::<ExpiredError>())?;
    m.add("SignatureError", py.get_type::<SignatureError>())?;
    Ok(())
}
