//! A guard for serving code: checks each request against a model package's
//! signature before the model sees it, and observes what the model saw and
//! predicted without making the request wait for the store.
//!
//! | file | job |
//! | --- | --- |
//! | `mod.rs` | [`Guard`]: `check`, `observe`, `flush` |
//! | `json.rs` | JSON request bodies (rows or columns) as Arrow, strictly typed |
//! | `rolling.rs` | the rolling profile kept when no monitor is given |
//!
//! **Check.** [`Guard::check`] runs the signature's own check
//! ([`Signature::validate`](crate::package::Signature::validate)): every
//! problem is reported at once (missing columns, types that neither are nor
//! losslessly widen into the declared one, nulls where the signature forbids
//! them, with their count and first row), as [`Error::Signature`] carrying
//! the problems as data, so a web framework answers 422 with the list. A
//! request with no rows is refused too. What passes comes back as exactly
//! the signature's inputs, in its order and declared types: widened columns
//! are cast (an `Int32` column for a `Float64` input arrives as `Float64`),
//! and **columns the signature does not name are dropped**, as MLServer and
//! KServe ignore extra inputs: the model sees what it was trained on, and a
//! client may send ids or other bookkeeping along. JSON bodies
//! ([`Guard::check_json`]) are typed strictly: `"3"` for a `Float64` input
//! is refused, never parsed.
//!
//! **Observe.** [`Guard::observe`] joins the checked inputs and the
//! predictions row by row and hands them to a [`Monitor`] (its `log` only
//! queues the batch: the monitor's thread profiles it and writes every few
//! seconds; a monitor that has no schema yet is given one when the guard is
//! made, so no request writes it), adding the monitor's event-time column
//! (now) when the request has none. Without a monitor the rows go to a
//! rolling [`Profile`] that a thread of the guard folds them into
//! ([`Guard::profile`] reads it).
//!
//! ```
//! use std::sync::Arc;
//! use arrow::array::{Array, ArrayRef, Float64Array, Int32Array, RecordBatch, StringArray};
//! use arrow::datatypes::DataType;
//! use mlops_core::guard::Guard;
//! use mlops_core::package::{ColumnSpec, Problem, Signature};
//! use mlops_core::Error;
//!
//! let sig = Signature {
//!     inputs: vec![
//!         ColumnSpec::new("age", &DataType::Float64, false),
//!         ColumnSpec::new("plan", &DataType::Utf8, false),
//!     ],
//!     outputs: vec![ColumnSpec::new("churn", &DataType::Float64, false)],
//!     ..Default::default()
//! };
//! let guard = Guard::from_signature(&sig, None).unwrap();
//! // Int32 widens into Float64; the extra `id` column is dropped.
//! let request = RecordBatch::try_from_iter([
//!     ("id", Arc::new(StringArray::from(vec!["r1"])) as ArrayRef),
//!     ("plan", Arc::new(StringArray::from(vec!["pro"])) as ArrayRef),
//!     ("age", Arc::new(Int32Array::from(vec![41])) as ArrayRef),
//! ]).unwrap();
//! let x = guard.check(&request).unwrap();
//! assert_eq!(x.schema().field(0).name(), "age");
//! assert_eq!(x.column(0).data_type(), &DataType::Float64);
//! assert_eq!(x.num_columns(), 2);
//!
//! // A JSON body: "41" is not a number.
//! let err = guard.check_json(br#"[{"age": "41"}]"#).unwrap_err();
//! let Error::Signature(report) = err else { panic!() };
//! assert_eq!(report.problems, vec![
//!     Problem::BadValues { column: "age".into(), expected: "Float64".into(), found: "string".into(), count: 1, first_row: 0 },
//!     Problem::MissingColumn { column: "plan".into() },
//! ]);
//!
//! // Observe the predictions; the rolling profile holds them after a flush.
//! let y = guard.predictions(Arc::new(Float64Array::from(vec![0.25]))).unwrap();
//! guard.observe(&x, &y).unwrap();
//! guard.flush().unwrap();
//! let p = guard.profile().unwrap();
//! assert_eq!(p.row_count(), 1);
//! assert_eq!(p.column("churn").unwrap().mean(), Some(0.25));
//! ```

mod json;
mod rolling;

use std::sync::Arc;

use arrow::array::{ArrayRef, RecordBatch, TimestampMillisecondArray};
use arrow::compute::cast;
use arrow::datatypes::{DataType, Field, Schema, SchemaRef, TimeUnit};

use crate::error::{Error, Result};
use crate::monitor::Monitor;
use crate::package::{Package, Problem, Signature, SignatureReport};
use crate::profile::Profile;

/// The prediction column's name when the signature declares no output.
pub const DEFAULT_PREDICTION: &str = "prediction";

/// Where observed rows go.
enum Sink {
    /// A monitor (which windows, profiles and writes them).
    Monitor(Arc<Monitor>),
    /// The guard's own rolling profile.
    Rolling(rolling::Rolling),
}

/// A serving guard built from a package's signature; see the [module
/// documentation](self). Shared across request handlers (`&self`
/// everywhere; `Send + Sync`).
pub struct Guard {
    signature: Signature,
    /// Each input's declared type, parsed once.
    types: Vec<Option<DataType>>,
    /// The inputs as an Arrow schema (what `check` returns).
    inputs: SchemaRef,
    sink: Sink,
}

impl std::fmt::Debug for Guard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Guard")
            .field("inputs", &self.signature.inputs.len())
            .field("outputs", &self.signature.outputs.len())
            .field("monitor", &self.monitor().map(|m| m.name().to_string()))
            .finish()
    }
}

impl Guard {
    /// A guard for `package`'s signature, observing into `monitor` (or,
    /// without one, into a rolling profile). A package without a signature,
    /// or with no inputs, is [`Error::InvalidInput`]: there is nothing to
    /// check requests against.
    pub fn new(package: &Package, monitor: Option<Arc<Monitor>>) -> Result<Self> {
        let m = package.manifest();
        let sig = m.signature.as_ref().ok_or_else(|| {
            Error::InvalidInput(format!(
                "package {} {} has no signature: a guard checks requests against one (add it when building the package)",
                m.name, m.version
            ))
        })?;
        Self::from_signature(sig, monitor)
    }

    /// A guard for a signature (see [`Guard::new`]).
    pub fn from_signature(signature: &Signature, monitor: Option<Arc<Monitor>>) -> Result<Self> {
        signature.check()?;
        if signature.inputs.is_empty() {
            return Err(Error::InvalidInput(
                "the signature declares no inputs: a guard has nothing to check requests against"
                    .into(),
            ));
        }
        let types: Vec<Option<DataType>> = signature
            .inputs
            .iter()
            .map(|c| c.arrow_type().ok())
            .collect();
        let fields = |cols: &[crate::package::ColumnSpec]| -> Result<Vec<Field>> {
            cols.iter()
                .map(|c| Ok(Field::new(&c.name, c.arrow_type()?, c.nullable)))
                .collect()
        };
        let inputs = Arc::new(Schema::new(fields(&signature.inputs)?));
        let sink = match monitor {
            Some(m) => {
                if !signature.outputs.is_empty() {
                    // The rows a request observes, so the first one does
                    // not write the monitor's schema from its thread.
                    let mut all = fields(&signature.inputs)?;
                    all.extend(fields(&signature.outputs)?);
                    let ts = &m.config().timestamp;
                    if !all.iter().any(|f| f.name() == ts) {
                        all.push(time_field(ts));
                    }
                    let all: Vec<Field> = all.into_iter().map(|f| f.with_nullable(true)).collect();
                    m.fix_schema(&Arc::new(Schema::new(all)))?;
                }
                Sink::Monitor(m)
            }
            None => Sink::Rolling(rolling::Rolling::start()?),
        };
        Ok(Self {
            signature: signature.clone(),
            types,
            inputs,
            sink,
        })
    }

    /// The signature requests are checked against.
    pub fn signature(&self) -> &Signature {
        &self.signature
    }

    /// The inputs as an Arrow schema: the schema of what
    /// [`check`](Self::check) returns.
    pub fn input_schema(&self) -> &SchemaRef {
        &self.inputs
    }

    /// The monitor observed rows go to, if one was given.
    pub fn monitor(&self) -> Option<&Arc<Monitor>> {
        match &self.sink {
            Sink::Monitor(m) => Some(m),
            Sink::Rolling(_) => None,
        }
    }

    /// Checks a request batch against the signature (see the [module
    /// documentation](self)); returns the signature's inputs, cast to their
    /// declared types, or [`Error::Signature`] listing every problem.
    pub fn check(&self, batch: &RecordBatch) -> Result<RecordBatch> {
        let mut report = self.signature.validate_typed(
            &self.types,
            batch.schema_ref(),
            std::slice::from_ref(batch),
        );
        if batch.num_rows() == 0 {
            report.problems.insert(0, Problem::NoRows);
        }
        if !report.ok() {
            return Err(Error::Signature(Box::new(report)));
        }
        let schema = batch.schema_ref();
        let columns = self
            .inputs
            .fields()
            .iter()
            .map(|f| {
                let (i, _) = schema
                    .column_with_name(f.name())
                    .expect("validate found every input");
                let col = batch.column(i);
                if col.data_type() == f.data_type() {
                    Ok(col.clone())
                } else {
                    Ok(cast(col, f.data_type())?)
                }
            })
            .collect::<Result<Vec<ArrayRef>>>()?;
        Ok(RecordBatch::try_new(self.inputs.clone(), columns)?)
    }

    /// Checks a JSON request body: a list of row objects
    /// (`[{"age": 41, "plan": "pro"}]`) or an object of column lists
    /// (`{"age": [41], "plan": ["pro"]}`). Values are typed strictly against
    /// the declared types (numbers for numbers, strings for strings,
    /// booleans for booleans, ISO 8601 strings for dates and timestamps; an
    /// integer column takes whole numbers in its range only); a key absent
    /// from a row is a null there; keys the signature does not name are
    /// ignored. Returns what [`check`](Self::check) returns, or
    /// [`Error::Signature`] listing every problem (a body that is not JSON of
    /// either shape is a `malformed` one).
    pub fn check_json(&self, body: &[u8]) -> Result<RecordBatch> {
        json::to_batch(body, &self.signature, &self.types, &self.inputs)
            .map_err(|problems| Error::Signature(Box::new(SignatureReport { problems })))
    }

    /// A bare array of predictions (what `model.predict` returns) as a
    /// batch of one column, named after the signature's output when it
    /// declares exactly one, else [`DEFAULT_PREDICTION`].
    pub fn predictions(&self, values: ArrayRef) -> Result<RecordBatch> {
        let name = match self.signature.outputs.as_slice() {
            [one] => one.name.as_str(),
            _ => DEFAULT_PREDICTION,
        };
        let field = Field::new(name, values.data_type().clone(), true);
        Ok(RecordBatch::try_new(
            Arc::new(Schema::new(vec![field])),
            vec![values],
        )?)
    }

    /// Observes what the model saw (`inputs`, usually what
    /// [`check`](Self::check) returned) and predicted (`predictions`, one row
    /// each): the two are joined column-wise and queued for the monitor, or
    /// the rolling profile; no store I/O happens in the caller's thread. Row
    /// counts that differ, or a column in both, are [`Error::InvalidInput`]
    /// naming them.
    pub fn observe(&self, inputs: &RecordBatch, predictions: &RecordBatch) -> Result<()> {
        if inputs.num_rows() != predictions.num_rows() {
            return Err(Error::InvalidInput(format!(
                "observe: {} input row(s) but {} prediction(s); each input row needs its prediction",
                inputs.num_rows(),
                predictions.num_rows()
            )));
        }
        let mut fields: Vec<Arc<Field>> = inputs.schema().fields().iter().cloned().collect();
        let mut columns: Vec<ArrayRef> = inputs.columns().to_vec();
        for (f, c) in predictions
            .schema()
            .fields()
            .iter()
            .zip(predictions.columns())
        {
            if inputs.schema_ref().column_with_name(f.name()).is_some() {
                return Err(Error::InvalidInput(format!(
                    "observe: column {} is both an input and a prediction",
                    f.name()
                )));
            }
            fields.push(f.clone());
            columns.push(c.clone());
        }
        match &self.sink {
            Sink::Monitor(m) => {
                let ts = &m.config().timestamp;
                if !fields.iter().any(|f| f.name() == ts) {
                    let now = m.now_ms();
                    fields.push(Arc::new(time_field(ts)));
                    columns.push(Arc::new(
                        TimestampMillisecondArray::from(vec![now; inputs.num_rows()])
                            .with_timezone("UTC"),
                    ));
                }
                // Nullable, as the monitor's schema was fixed: a checked
                // input's non-null promise is not the monitor's concern.
                let fields: Vec<Field> = fields
                    .iter()
                    .map(|f| f.as_ref().clone().with_nullable(true))
                    .collect();
                let joined = RecordBatch::try_new(Arc::new(Schema::new(fields)), columns)?;
                m.log(&joined).map(|_| ())
            }
            Sink::Rolling(r) => {
                let joined = RecordBatch::try_new(Arc::new(Schema::new(fields)), columns)?;
                r.push(joined)
            }
        }
    }

    /// Writes what was observed: the monitor is flushed (its profiles and
    /// `data` event written); the rolling profile folds every queued batch.
    /// Reports a failure of the background work since the last call.
    pub fn flush(&self) -> Result<()> {
        match &self.sink {
            Sink::Monitor(m) => m.flush(),
            Sink::Rolling(r) => r.flush(),
        }
    }

    /// The rolling profile of what was observed and folded so far (call
    /// [`flush`](Self::flush) first to include every queued batch); `None`
    /// with a monitor (whose windows hold the profiles) or before any row.
    pub fn profile(&self) -> Option<Profile> {
        match &self.sink {
            Sink::Monitor(_) => None,
            Sink::Rolling(r) => r.profile(),
        }
    }
}

/// The event-time column a guard adds for a monitor.
fn time_field(name: &str) -> Field {
    Field::new(
        name,
        DataType::Timestamp(TimeUnit::Millisecond, Some("UTC".into())),
        true,
    )
}
