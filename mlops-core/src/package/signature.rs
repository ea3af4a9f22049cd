//! A model's signature: the Arrow schema of its inputs and outputs, and the
//! check of a batch of data against the inputs.
//!
//! Types are Arrow `DataType` names as Arrow prints and parses them
//! (`Float64`, `Utf8`, `Int64`, `Timestamp(ms)`, ...).
//!
//! **Widening.** A column whose type converts into the declared one without
//! losing any value is accepted: a smaller integer for a larger one of the
//! same sign or a signed one wider than it, `Float16`/`Float32` for
//! `Float64`, integers of up to 32 bits for `Float64` (exact in a double),
//! and `Utf8`/`LargeUtf8`/`Utf8View` for one another (likewise binary);
//! a dictionary-encoded column counts as its values' type.
//! This is MLflow's rule too (an `int` column satisfies a `double` input):
//! the model sees the same values after the cast. Narrowing (`Int64` for
//! `Int32`, `Float64` for `Float32`) and changes of kind (`Utf8` for
//! `Int64`) are mismatches. Columns the signature does not name are ignored.

use arrow::array::{Array, RecordBatch};
use arrow::datatypes::{DataType, Schema};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// How deep a signature's type name may nest (`List(List(...))`): far
/// beyond any real schema, and far below what exhausts a thread's stack.
pub const MAX_TYPE_DEPTH: usize = 64;

/// One dimension of a tensor's shape (kept as metadata of a column).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Dim {
    /// A fixed size.
    Fixed(i64),
    /// A named, dynamic size (`batch`).
    Named(String),
    /// Unknown.
    Unknown,
}

/// A column (or tensor) of a signature.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ColumnSpec {
    /// Its name.
    pub name: String,
    /// Its Arrow type, by name (`Float64`).
    #[serde(rename = "type")]
    pub data_type: String,
    /// Whether it may hold nulls.
    #[serde(default)]
    pub nullable: bool,
    /// For a tensor, its shape (a tensor's elements have type `type`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shape: Option<Vec<Dim>>,
}

impl ColumnSpec {
    /// A column of Arrow type `data_type`.
    ///
    /// ```
    /// use arrow::datatypes::DataType;
    /// use mlops_core::package::ColumnSpec;
    /// let c = ColumnSpec::new("age", &DataType::Int64, false);
    /// assert_eq!(c.data_type, "Int64");
    /// assert_eq!(c.arrow_type().unwrap(), DataType::Int64);
    /// ```
    pub fn new(name: &str, data_type: &DataType, nullable: bool) -> Self {
        Self {
            name: name.into(),
            data_type: data_type.to_string(),
            nullable,
            shape: None,
        }
    }

    /// The Arrow type, parsed from [`data_type`](Self::data_type).
    /// A type nested deeper than [`MAX_TYPE_DEPTH`] is refused before
    /// Arrow's recursive parser sees it (100,000 `List(` overflow its stack
    /// and abort the process).
    pub fn arrow_type(&self) -> Result<DataType> {
        let mut depth = 0usize;
        for (i, b) in self.data_type.bytes().enumerate() {
            match b {
                b'(' | b'[' | b'<' | b'{' => depth += 1,
                b')' | b']' | b'>' | b'}' => depth = depth.saturating_sub(1),
                _ => {}
            }
            if depth > MAX_TYPE_DEPTH {
                return Err(Error::InvalidInput(format!(
                    "column {}: type nested too deep at position {i} (more than {MAX_TYPE_DEPTH} levels)",
                    self.name
                )));
            }
        }
        self.data_type.parse::<DataType>().map_err(|e| {
            Error::InvalidInput(format!(
                "column {}: '{}' is not an Arrow type: {e}",
                self.name, self.data_type
            ))
        })
    }
}

/// The inputs and outputs of a model, and optionally an example input.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Signature {
    /// Input columns.
    #[serde(default)]
    pub inputs: Vec<ColumnSpec>,
    /// Output columns.
    #[serde(default)]
    pub outputs: Vec<ColumnSpec>,
    /// An example input, as JSON rows (`[{"age": 41, ...}]`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input_example: Option<serde_json::Value>,
}

/// One way data fails a signature.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Problem {
    /// An input column is not in the data.
    MissingColumn {
        /// The column.
        column: String,
    },
    /// A column's type is neither the declared one nor a lossless widening of it.
    TypeMismatch {
        /// The column.
        column: String,
        /// The declared type.
        expected: String,
        /// The data's type.
        found: String,
    },
    /// A column declared non-nullable holds nulls.
    Nulls {
        /// The column.
        column: String,
        /// How many nulls.
        count: u64,
        /// The first row holding one (from 0, across batches).
        first_row: u64,
    },
    /// Values of a column given as JSON that are not of its declared type
    /// (a string for a `Float64` input, `1.5` for an `Int64` one): refused,
    /// never parsed or rounded into it.
    BadValues {
        /// The column.
        column: String,
        /// The declared type.
        expected: String,
        /// What the first bad value is (`string`, `number`, `boolean`, ...).
        found: String,
        /// How many values are bad.
        count: u64,
        /// The first row holding one (from 0).
        first_row: u64,
    },
    /// The data has no rows: a request with nothing to predict.
    NoRows,
    /// The request is not data of the shape expected (JSON that does not
    /// parse, is nested too deep, or is neither a list of row objects nor an
    /// object of column lists; columns of unequal lengths).
    Malformed {
        /// What is wrong.
        message: String,
    },
}

impl Problem {
    /// The column the problem is about, if it is about one.
    pub fn column(&self) -> Option<&str> {
        match self {
            Problem::MissingColumn { column }
            | Problem::TypeMismatch { column, .. }
            | Problem::Nulls { column, .. }
            | Problem::BadValues { column, .. } => Some(column),
            Problem::NoRows | Problem::Malformed { .. } => None,
        }
    }

    /// The problem's kind, as it is serialised (`missing_column`,
    /// `type_mismatch`, `nulls`, `bad_values`, `no_rows`, `malformed`).
    pub fn kind(&self) -> &'static str {
        match self {
            Problem::MissingColumn { .. } => "missing_column",
            Problem::TypeMismatch { .. } => "type_mismatch",
            Problem::Nulls { .. } => "nulls",
            Problem::BadValues { .. } => "bad_values",
            Problem::NoRows => "no_rows",
            Problem::Malformed { .. } => "malformed",
        }
    }
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Problem::MissingColumn { column } => write!(f, "column {column} is missing"),
            Problem::TypeMismatch {
                column,
                expected,
                found,
            } => write!(f, "column {column} is {found}, expected {expected}"),
            Problem::Nulls {
                column,
                count,
                first_row,
            } => write!(
                f,
                "column {column} is not nullable but holds {count} null(s), the first at row {first_row}"
            ),
            Problem::BadValues {
                column,
                expected,
                found,
                count,
                first_row,
            } => write!(
                f,
                "column {column} is {expected} but holds {count} value(s) that are not, the first a {found} at row {first_row}"
            ),
            Problem::NoRows => write!(f, "the data has no rows"),
            Problem::Malformed { message } => write!(f, "{message}"),
        }
    }
}

/// Every problem found checking data against a signature's inputs.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SignatureReport {
    /// Problems, in the order of the signature's inputs.
    pub problems: Vec<Problem>,
}

impl SignatureReport {
    /// Whether the data satisfies the signature.
    pub fn ok(&self) -> bool {
        self.problems.is_empty()
    }

    /// [`Error::SchemaMismatch`] listing every problem, unless there are none.
    pub fn into_result(self) -> Result<()> {
        if self.ok() {
            return Ok(());
        }
        let all: Vec<String> = self.problems.iter().map(|p| p.to_string()).collect();
        Err(Error::SchemaMismatch(all.join("; ")))
    }
}

impl Signature {
    /// A signature from the Arrow schemas of inputs and outputs.
    pub fn from_schemas(inputs: &Schema, outputs: &Schema) -> Self {
        let cols = |s: &Schema| {
            s.fields()
                .iter()
                .map(|f| ColumnSpec::new(f.name(), f.data_type(), f.is_nullable()))
                .collect()
        };
        Self {
            inputs: cols(inputs),
            outputs: cols(outputs),
            input_example: None,
        }
    }

    /// Checks that every type parses and no column is named twice.
    pub fn check(&self) -> Result<()> {
        for (side, cols) in [("input", &self.inputs), ("output", &self.outputs)] {
            let mut seen = std::collections::BTreeSet::new();
            for c in cols {
                c.arrow_type()?;
                if !seen.insert(&c.name) {
                    return Err(Error::InvalidInput(format!(
                        "signature: {side} column {} is named twice",
                        c.name
                    )));
                }
            }
        }
        Ok(())
    }

    /// Checks a batch against the inputs and reports every problem: missing
    /// columns, type mismatches (see the module's note on widening) and
    /// nulls in non-nullable columns.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use arrow::array::{Float64Array, Int32Array, RecordBatch, StringArray};
    /// use arrow::datatypes::{DataType, Field, Schema};
    /// use mlops_core::package::{ColumnSpec, Problem, Signature};
    ///
    /// let sig = Signature {
    ///     inputs: vec![
    ///         ColumnSpec::new("age", &DataType::Float64, false),
    ///         ColumnSpec::new("plan", &DataType::Utf8, false),
    ///         ColumnSpec::new("tenure", &DataType::Int64, false),
    ///     ],
    ///     ..Default::default()
    /// };
    /// let batch = RecordBatch::try_new(
    ///     Arc::new(Schema::new(vec![
    ///         Field::new("age", DataType::Int32, true), // widens into Float64
    ///         Field::new("plan", DataType::Float64, false),
    ///     ])),
    ///     vec![
    ///         Arc::new(Int32Array::from(vec![Some(41), None, None])),
    ///         Arc::new(Float64Array::from(vec![1.0, 2.0, 3.0])),
    ///     ],
    /// ).unwrap();
    /// let report = sig.validate(&batch);
    /// assert_eq!(report.problems, vec![
    ///     Problem::Nulls { column: "age".into(), count: 2, first_row: 1 },
    ///     Problem::TypeMismatch { column: "plan".into(), expected: "Utf8".into(), found: "Float64".into() },
    ///     Problem::MissingColumn { column: "tenure".into() },
    /// ]);
    /// ```
    pub fn validate(&self, batch: &RecordBatch) -> SignatureReport {
        self.validate_batches(batch.schema().as_ref(), std::slice::from_ref(batch))
    }

    /// [`validate`](Self::validate) over a stream's batches of one schema;
    /// null counts add up across batches and rows count from the first.
    pub fn validate_batches(&self, schema: &Schema, batches: &[RecordBatch]) -> SignatureReport {
        let types: Vec<Option<DataType>> =
            self.inputs.iter().map(|c| c.arrow_type().ok()).collect();
        self.validate_typed(&types, schema, batches)
    }

    /// [`validate_batches`](Self::validate_batches) with the inputs' types
    /// already parsed (`types[i]` is input `i`'s, `None` when it does not
    /// parse): what a guard checking every request calls.
    pub(crate) fn validate_typed(
        &self,
        types: &[Option<DataType>],
        schema: &Schema,
        batches: &[RecordBatch],
    ) -> SignatureReport {
        let mut problems = Vec::new();
        for (spec, parsed) in self.inputs.iter().zip(types) {
            let Some((i, field)) = schema.column_with_name(&spec.name) else {
                problems.push(Problem::MissingColumn {
                    column: spec.name.clone(),
                });
                continue;
            };
            let expected = match parsed {
                Some(t) => t,
                None => {
                    problems.push(Problem::TypeMismatch {
                        column: spec.name.clone(),
                        expected: spec.data_type.clone(),
                        found: type_name(field.data_type()),
                    });
                    continue;
                }
            };
            if !widens_to(field.data_type(), expected) {
                problems.push(Problem::TypeMismatch {
                    column: spec.name.clone(),
                    expected: spec.data_type.clone(),
                    found: type_name(field.data_type()),
                });
            }
            if !spec.nullable {
                let (mut count, mut first, mut offset) = (0u64, None, 0u64);
                for b in batches {
                    let col = b.column(i);
                    if let Some(nulls) = col.logical_nulls() {
                        let n = nulls.null_count() as u64;
                        if n > 0 && first.is_none() {
                            first = (0..col.len())
                                .find(|&r| nulls.is_null(r))
                                .map(|r| offset + r as u64);
                        }
                        count += n;
                    }
                    offset += b.num_rows() as u64;
                }
                if let Some(first_row) = first {
                    problems.push(Problem::Nulls {
                        column: spec.name.clone(),
                        count,
                        first_row,
                    });
                }
            }
        }
        SignatureReport { problems }
    }
}

/// The longest type name a problem quotes: a hostile request's type
/// nested a thousand levels deep is named by its first characters.
pub const MAX_TYPE_NAME: usize = 200;

/// A data type's name for a problem, cut at [`MAX_TYPE_NAME`] characters.
pub(crate) fn type_name(t: &DataType) -> String {
    let mut s = t.to_string();
    if s.len() > MAX_TYPE_NAME {
        let mut cut = MAX_TYPE_NAME;
        while !s.is_char_boundary(cut) {
            cut -= 1;
        }
        s.truncate(cut);
        s.push('…');
    }
    s
}

/// Whether every value of type `from` is exactly representable in `to`.
///
/// ```
/// use arrow::datatypes::DataType::*;
/// use mlops_core::package::widens_to;
/// assert!(widens_to(&Int32, &Int64) && widens_to(&UInt8, &Int16) && widens_to(&Int32, &Float64));
/// assert!(!widens_to(&Int64, &Int32) && !widens_to(&Int64, &Float64) && !widens_to(&Utf8, &Int64));
/// assert!(widens_to(&Dictionary(Box::new(Int32), Box::new(Utf8)), &Utf8));
/// ```
pub fn widens_to(from: &DataType, to: &DataType) -> bool {
    use DataType::*;
    fn int_bits(t: &DataType) -> Option<(bool, u32)> {
        Some(match t {
            Int8 => (true, 8),
            Int16 => (true, 16),
            Int32 => (true, 32),
            Int64 => (true, 64),
            UInt8 => (false, 8),
            UInt16 => (false, 16),
            UInt32 => (false, 32),
            UInt64 => (false, 64),
            _ => return None,
        })
    }
    if from == to {
        return true;
    }
    // A dictionary-encoded column holds values of its value type: decoding
    // it loses nothing (apache-arrow's JavaScript tables and pandas
    // categoricals encode strings so).
    if let Dictionary(_, values) = from {
        return !matches!(to, Dictionary(..)) && widens_to(values, to);
    }
    match (int_bits(from), int_bits(to)) {
        (Some((fs, fb)), Some((ts, tb))) => {
            return (fs == ts && fb <= tb) || (!fs && ts && fb < tb);
        }
        (Some((_, fb)), None) => {
            return match to {
                Float64 => fb <= 32,
                Float32 => fb <= 16,
                _ => false,
            }
        }
        _ => {}
    }
    matches!(
        (from, to),
        (Float16, Float32 | Float64)
            | (Float32, Float64)
            | (Utf8 | LargeUtf8 | Utf8View, Utf8 | LargeUtf8 | Utf8View)
            | (
                Binary | LargeBinary | BinaryView,
                Binary | LargeBinary | BinaryView
            )
            | (Null, _)
    )
}
