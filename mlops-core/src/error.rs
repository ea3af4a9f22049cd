//! The one error type of the engine.
//!
//! Every fallible call returns [`Error`]; its variants are the kinds of failure
//! a caller can act on, and each front-end maps them, in one place, to its own
//! idiom (a Python exception class under `mlops.MlopsError`, a Node `Error`
//! whose `code` is [`Error::code`]). Messages name the column, file or field
//! at fault, so the user knows what to fix.

use std::path::PathBuf;

/// A failure of the engine, by kind.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A file, asset, version or column that does not exist.
    #[error("not found: {0}")]
    NotFound(String),
    /// Something that must be new already exists.
    #[error("already exists: {0}")]
    AlreadyExists(String),
    /// A concurrent writer changed the state this call relied on.
    #[error("conflict: {0}")]
    Conflict(String),
    /// An argument, a file's content or a spec is not valid.
    #[error("invalid input: {0}")]
    InvalidInput(String),
    /// Two schemas (of data, of profiles) do not agree; the message names the column.
    #[error("schema mismatch: {0}")]
    SchemaMismatch(String),
    /// A type the operation does not support; the message names the column and type.
    #[error("unsupported: {0}")]
    Unsupported(String),
    /// Stored bytes are corrupt or of an unknown format version.
    #[error("integrity: {0}")]
    Integrity(String),
    /// The caller may not do this.
    #[error("permission denied: {0}")]
    PermissionDenied(String),
    /// The storage below failed (I/O, object store).
    #[error("storage: {context}: {source}")]
    Storage {
        /// What was being done, with the path or object.
        context: String,
        /// The underlying I/O error.
        #[source]
        source: std::io::Error,
    },
    /// Arrow or Parquet failed to read or compute.
    #[error("arrow: {0}")]
    Arrow(String),
    /// Data refused by a model's signature (a serving guard's request):
    /// every problem found, as data, so a web front-end can answer 422 with
    /// the list. The message joins the problems' texts.
    #[cfg(feature = "package")]
    #[error("signature: {}", signature_message(.0))]
    Signature(Box<crate::package::SignatureReport>),
    /// A version that retention expired (`Registry::expire`): it is in the
    /// history, but its content may be collected and is no longer served.
    #[error("expired: {0}")]
    Expired(String),
}

impl Error {
    /// A stable, upper-snake-case name of the variant, used as the Node error
    /// `code` and by the CLI.
    ///
    /// ```
    /// use mlops_core::Error;
    /// assert_eq!(Error::NotFound("x".into()).code(), "NOT_FOUND");
    /// ```
    pub fn code(&self) -> &'static str {
        match self {
            Error::NotFound(_) => "NOT_FOUND",
            Error::AlreadyExists(_) => "ALREADY_EXISTS",
            Error::Conflict(_) => "CONFLICT",
            Error::InvalidInput(_) => "INVALID_INPUT",
            Error::SchemaMismatch(_) => "SCHEMA_MISMATCH",
            Error::Unsupported(_) => "UNSUPPORTED",
            Error::Integrity(_) => "INTEGRITY",
            Error::PermissionDenied(_) => "PERMISSION_DENIED",
            Error::Storage { .. } => "STORAGE",
            Error::Arrow(_) => "ARROW",
            Error::Expired(_) => "EXPIRED",
            #[cfg(feature = "package")]
            Error::Signature(_) => "SIGNATURE",
        }
    }

    /// An [`Error::InvalidInput`] for a value outside a closed set: names the
    /// field, the value and every valid one (`unknown audit action 'x'
    /// (expected version, alias or tag)`). The `FromStr` of the core's enums
    /// build their errors with it.
    ///
    /// ```
    /// use mlops_core::Error;
    /// let e = Error::unknown("color", "teal", &["red", "green", "blue"]);
    /// assert_eq!(e.to_string(), "invalid input: unknown color 'teal' (expected red, green or blue)");
    /// ```
    pub fn unknown(field: &str, value: &str, valid: &[&str]) -> Self {
        let expected = match valid {
            [] => String::new(),
            [one] => (*one).to_string(),
            [init @ .., last] => format!("{} or {last}", init.join(", ")),
        };
        Error::InvalidInput(format!("unknown {field} '{value}' (expected {expected})"))
    }

    /// An I/O failure on `path`, mapped to [`Error::NotFound`] when the file is missing.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        let path = path.into();
        if source.kind() == std::io::ErrorKind::NotFound {
            Error::NotFound(format!("file {}", path.display()))
        } else {
            Error::Storage {
                context: format!("file {}", path.display()),
                source,
            }
        }
    }
}

impl From<arrow::error::ArrowError> for Error {
    /// An Arrow failure; a core error that a reader carried through Arrow
    /// (`ArrowError::ExternalError`, see [`crate::table::external`]) comes
    /// back as itself, its kind kept.
    fn from(e: arrow::error::ArrowError) -> Self {
        match e {
            arrow::error::ArrowError::ExternalError(inner) => match inner.downcast::<Error>() {
                Ok(core) => *core,
                Err(other) => {
                    Error::Arrow(arrow::error::ArrowError::ExternalError(other).to_string())
                }
            },
            e => Error::Arrow(e.to_string()),
        }
    }
}

impl From<parquet::errors::ParquetError> for Error {
    fn from(e: parquet::errors::ParquetError) -> Self {
        Error::Arrow(format!("parquet: {e}"))
    }
}

/// The problems of a report, joined by `; `.
#[cfg(feature = "package")]
fn signature_message(r: &crate::package::SignatureReport) -> String {
    let all: Vec<String> = r.problems.iter().map(|p| p.to_string()).collect();
    all.join("; ")
}

/// The engine's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
