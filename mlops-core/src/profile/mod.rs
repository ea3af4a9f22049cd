//! Single-pass, mergeable column profiles over Arrow record batches.
//!
//! A [`Profile`] is both the running state and the result: create it from a
//! schema, [`update`](Profile::update) it with record batches (columns are
//! folded in parallel, straight from the Arrow buffers, without materialising
//! rows), and [`merge`](Profile::merge) profiles of disjoint parts of a data
//! set into the profile of the whole. Counts, min and max merge exactly, mean
//! and variance by Chan's pairwise formula (the same numbers up to
//! floating-point rounding, about 1e-15 relative), and the sketches within
//! their documented error (see [`sketches`]). Profiling the same batches
//! gives the same bytes every run, on any number of threads: the sketches
//! have no unseeded randomness.
//!
//! ```
//! use std::sync::Arc;
//! use arrow::array::{Float64Array, RecordBatch};
//! use arrow::datatypes::{DataType, Field, Schema};
//! use mlops_core::profile::Profile;
//!
//! let schema = Arc::new(Schema::new(vec![Field::new("x", DataType::Float64, true)]));
//! let batch = RecordBatch::try_new(
//!     schema.clone(),
//!     vec![Arc::new(Float64Array::from(vec![Some(1.0), None, Some(3.0)]))],
//! ).unwrap();
//! let mut p = Profile::new(&schema);
//! p.update(&batch).unwrap();
//! let x = p.column("x").unwrap();
//! assert_eq!((x.count(), x.null_count(), x.mean()), (3, 1, Some(2.0)));
//! ```

mod codec;
mod column;
mod kll;
mod moments;
mod scalar;
mod semantic;
pub mod sketches;
mod stats;

use arrow::array::RecordBatch;
use arrow::datatypes::{DataType, Schema};
use arrow::record_batch::RecordBatchReader;
use rayon::prelude::*;

pub use codec::{FORMAT_VERSION, MAX_PROFILE_FILE_BYTES};
pub use column::{ColumnProfile, Lengths, ValueKind};
pub use moments::Moments;
pub use scalar::Scalar;
pub use semantic::SemanticType;
pub use stats::{Histogram, TopValue, MAX_HISTOGRAM_BINS};

use crate::error::{Error, Result};

/// The profile of a data set: one [`ColumnProfile`] per column, in schema order.
#[derive(Debug, Clone)]
pub struct Profile {
    row_count: u64,
    columns: Vec<ColumnProfile>,
}

impl Profile {
    /// An empty profile for data of this schema.
    pub fn new(schema: &Schema) -> Self {
        let columns = schema
            .fields()
            .iter()
            .map(|f| ColumnProfile::new(f.name(), f.data_type()))
            .collect();
        Self {
            row_count: 0,
            columns,
        }
    }

    pub(crate) fn from_parts(row_count: u64, columns: Vec<ColumnProfile>) -> Self {
        Self { row_count, columns }
    }

    /// Seeds the quantile sketch of each column from `key` and the column's
    /// index: states of different partitions flip independent coins, each
    /// the same every run.
    pub(crate) fn reseed(&mut self, key: &[u8]) {
        for (i, c) in self.columns.iter_mut().enumerate() {
            c.reseed(kll::seed_of(&[
                b"partition",
                key,
                &(i as u64).to_le_bytes(),
            ]));
        }
    }

    /// The column profiles, in order.
    pub(crate) fn into_columns(self) -> Vec<ColumnProfile> {
        self.columns
    }

    /// Folds one record batch into the profile, all columns in parallel.
    ///
    /// The batch must have the profile's columns, in order, with the same
    /// types (a string column also takes a dictionary of its string type);
    /// otherwise a [`Error::SchemaMismatch`] names the first column
    /// that differs, and the profile is left unchanged.
    pub fn update(&mut self, batch: &RecordBatch) -> Result<()> {
        let schema = batch.schema();
        if schema.fields().len() != self.columns.len() {
            return Err(Error::SchemaMismatch(format!(
                "batch has {} columns, the profile {}",
                schema.fields().len(),
                self.columns.len()
            )));
        }
        for (f, c) in schema.fields().iter().zip(&self.columns) {
            // A string column also takes dictionary-encoded strings.
            let dictionary_of_it = c.kind == ValueKind::String
                && matches!(f.data_type(), DataType::Dictionary(_, v) if v.to_string() == c.data_type);
            if f.name() != &c.name
                || (f.data_type().to_string() != c.data_type && !dictionary_of_it)
            {
                return Err(Error::SchemaMismatch(format!(
                    "column '{}' of type {} in the batch, but '{}' of type {} in the profile",
                    f.name(),
                    f.data_type(),
                    c.name,
                    c.data_type
                )));
            }
        }
        // Work on copies so that a failure in one column leaves `self` intact.
        let mut next = self.columns.clone();
        next.par_iter_mut()
            .zip(batch.columns().par_iter())
            .with_max_len(1)
            .try_for_each(|(c, a)| c.update(a.as_ref()))?;
        self.columns = next;
        self.row_count += batch.num_rows() as u64;
        Ok(())
    }

    /// The profile of the union of the rows of `self` and `other`.
    ///
    /// Both must have the same columns (names and types, in order): a
    /// [`Error::SchemaMismatch`] names the first that differs.
    pub fn merge(&self, other: &Profile) -> Result<Profile> {
        if self.columns.len() != other.columns.len() {
            return Err(Error::SchemaMismatch(format!(
                "profiles have {} and {} columns",
                self.columns.len(),
                other.columns.len()
            )));
        }
        let mut out = self.clone();
        for (a, b) in out.columns.iter_mut().zip(&other.columns) {
            a.merge(b)?;
        }
        out.row_count += other.row_count;
        Ok(out)
    }

    /// Number of rows profiled.
    pub fn row_count(&self) -> u64 {
        self.row_count
    }

    /// The column profiles, in schema order.
    pub fn columns(&self) -> &[ColumnProfile] {
        &self.columns
    }

    /// The profile of the column `name`.
    pub fn column(&self, name: &str) -> Option<&ColumnProfile> {
        self.columns.iter().find(|c| c.name == name)
    }

    /// The profile of the column `name`, or [`Error::NotFound`] naming it.
    pub fn try_column(&self, name: &str) -> Result<&ColumnProfile> {
        self.column(name)
            .ok_or_else(|| Error::NotFound(format!("column '{name}' is not in the profile")))
    }
}

/// Profiles every batch of a reader. Column names must be unique
/// ([`Error::SchemaMismatch`] names the one that is not).
///
/// ```
/// use std::sync::Arc;
/// use arrow::array::{Int64Array, RecordBatch, RecordBatchIterator};
/// use arrow::datatypes::{DataType, Field, Schema};
///
/// let schema = Arc::new(Schema::new(vec![Field::new("n", DataType::Int64, false)]));
/// let batch = RecordBatch::try_new(schema.clone(), vec![Arc::new(Int64Array::from(vec![1, 2, 2]))]).unwrap();
/// let reader = RecordBatchIterator::new(vec![Ok(batch)], schema);
/// let p = mlops_core::profile(reader).unwrap();
/// assert_eq!(p.column("n").unwrap().top_k(1)[0].count, 2);
/// ```
pub fn profile(reader: impl RecordBatchReader) -> Result<Profile> {
    let schema = reader.schema();
    crate::table::check_schema(&schema)?;
    fold_batches(Profile::new(&schema), reader)
}

/// Folds every batch of `reader` into `p`.
fn fold_batches(mut p: Profile, reader: impl RecordBatchReader) -> Result<Profile> {
    for batch in reader {
        p.update(&batch?)?;
    }
    Ok(p)
}

/// Profiles a `.parquet`, `.csv`, `.arrow` / `.feather` (IPC file) or
/// `.arrows` (IPC stream) file. Parquet row groups are read and profiled in
/// parallel (one partition per thread of the rayon pool), then merged in
/// partition order: a file gives the same bytes every run on a pool of the
/// same size.
pub fn profile_path(path: impl AsRef<std::path::Path>) -> Result<Profile> {
    let path = path.as_ref();
    if crate::io::FileFormat::of(path)? == crate::io::FileFormat::Parquet {
        // Dictionary-encoded string columns come as their keys and page
        // dictionaries: each distinct string is folded once per batch.
        let parts = crate::io::parquet_partitions(path, rayon::current_num_threads(), true)?;
        let schema = parts.schema;
        crate::table::check_schema(&schema)?;
        // Each partition's sketches flip their own coins, seeded by its
        // index; the profiles merge in partition order: the same file and
        // thread count give the same bytes every run.
        let profiles: Vec<Profile> = parts
            .readers
            .into_par_iter()
            .enumerate()
            .map(|(i, r)| {
                let mut p = Profile::new(&schema);
                p.reseed(&(i as u64).to_le_bytes());
                fold_batches(p, r?)
            })
            .collect::<Vec<Result<_>>>()
            // The first error in file order, whichever thread met it first.
            .into_iter()
            .collect::<Result<_>>()?;
        let mut it = profiles.into_iter();
        let first = it.next().expect("at least one partition");
        return it.try_fold(first, |acc, p| acc.merge(&p));
    }
    profile(crate::io::read_path(path)?)
}
