//! Data set versions: Arrow data committed to the registry as Parquet, with
//! its schema, row count and profile beside it; read back by version or
//! alias (time travel), optionally only some columns; and compared.

use arrow::array::{RecordBatch, RecordBatchOptions};
use arrow::datatypes::SchemaRef;
use arrow::record_batch::RecordBatchReader;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::arrow::{ArrowWriter, ProjectionMask};
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::properties::WriterProperties;
use serde::Serialize;

mod parts;
mod rows;
mod writable;

pub use parts::{DatasetPart, PARTS_FORMAT};
pub use rows::{RowDiff, RowDiffSummary, RowTable, CHANGED_COLUMN, ROW_GROUP_ROWS};

use crate::error::{Error, Result};
use crate::profile::Profile;
use crate::registry::{DatasetInfo, Kind, Registry};

pub(crate) fn schema_list(schema: &SchemaRef) -> Vec<(String, String)> {
    schema
        .fields()
        .iter()
        .map(|f| (f.name().clone(), f.data_type().to_string()))
        .collect()
}

/// What changed between two data set versions.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DatasetDiff {
    /// The versions compared.
    pub from: u64,
    /// The versions compared.
    pub to: u64,
    /// Rows in each.
    pub rows: (u64, u64),
    /// Columns only in `to`.
    pub added: Vec<(String, String)>,
    /// Columns only in `from`.
    pub removed: Vec<(String, String)>,
    /// Columns whose type changed: `(name, from type, to type)`.
    pub retyped: Vec<(String, String, String)>,
    /// Per shared column: statistics that changed.
    pub columns: Vec<ColumnChange>,
}

/// Statistics of one column in two versions (from their profiles).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ColumnChange {
    /// Column name.
    pub column: String,
    /// Nulls in each version.
    pub nulls: (u64, u64),
    /// Means (numeric columns).
    pub mean: (Option<f64>, Option<f64>),
    /// Standard deviations (numeric columns).
    pub std: (Option<f64>, Option<f64>),
    /// Distinct-count estimates.
    pub distinct: (Option<f64>, Option<f64>),
}

impl Registry {
    /// Commits Arrow data as the next version of data set `name`: written
    /// as Parquet (zstd) and profiled in the same pass over the batches;
    /// the schema, row count and profile are recorded with the version.
    /// Returns the version number. The access policy is checked before
    /// anything is stored: a refused commit stores nothing.
    ///
    /// Column names must be unique ([`Error::SchemaMismatch`]) and free of
    /// NUL; union and run-end-encoded columns are [`Error::Unsupported`]
    /// (Parquet cannot hold them as they are): all refused before anything
    /// is written.
    pub fn commit_dataset(
        &self,
        name: &str,
        data: impl RecordBatchReader,
        message: &str,
        metadata: serde_json::Value,
    ) -> Result<u64> {
        self.authorize_add_version(Kind::Dataset, name)?;
        let spooled = spool(data)?;
        let profile_hash = self.store().put_blob(&spooled.profile.to_bytes())?;
        let info = DatasetInfo {
            format: "parquet".into(),
            rows: spooled.rows,
            schema: schema_list(&spooled.schema),
            profile: profile_hash,
        };
        let f = spooled.file.reopen()?;
        self.add_version_from(
            Kind::Dataset,
            name,
            std::io::BufReader::with_capacity(1 << 20, f),
            message,
            metadata,
            Some(info),
        )
    }

    /// Commits a data file (Parquet, CSV, Arrow IPC) as a data set version.
    pub fn commit_dataset_path(
        &self,
        name: &str,
        path: impl AsRef<std::path::Path>,
        message: &str,
        metadata: serde_json::Value,
    ) -> Result<u64> {
        self.commit_dataset(name, crate::io::read_path(path)?, message, metadata)
    }

    /// Adds the file at `path` as the next version of an asset, deciding
    /// for every front-end how: a data file (`.parquet`, `.pq`, `.csv`,
    /// `.arrow`, `.feather`, `.ipc`, `.arrows`) added as a [`Kind::Dataset`]
    /// is committed as data ([`commit_dataset_path`](Self::commit_dataset_path):
    /// Parquet with its schema, rows and profile, readable with
    /// [`read_dataset`](Self::read_dataset) and comparable with
    /// [`diff_datasets`](Self::diff_datasets)); anything else is stored as
    /// its bytes ([`add_file`](Self::add_file), streamed and chunked).
    /// Returns the version number. What `mlops add`, Python's
    /// `Registry.add_file` and Node's `Registry.addFile` call.
    ///
    /// ```
    /// use mlops_core::registry::{Kind, Registry};
    /// let dir = tempfile::tempdir().unwrap();
    /// let csv = dir.path().join("events.csv");
    /// std::fs::write(&csv, "x,y\n1,a\n2,b\n").unwrap();
    /// let r = Registry::open("memory://").unwrap();
    /// assert_eq!(r.add_path(Kind::Dataset, "events", &csv, "first", serde_json::json!({})).unwrap(), 1);
    /// assert_eq!(r.version(Kind::Dataset, "events", "latest").unwrap().dataset.unwrap().rows, 2);
    /// // The same file as an artifact is its bytes.
    /// r.add_path(Kind::Artifact, "raw", &csv, "", serde_json::json!({})).unwrap();
    /// assert_eq!(r.get(Kind::Artifact, "raw", "latest").unwrap(), b"x,y\n1,a\n2,b\n");
    /// ```
    pub fn add_path(
        &self,
        kind: Kind,
        name: &str,
        path: impl AsRef<std::path::Path>,
        message: &str,
        metadata: serde_json::Value,
    ) -> Result<u64> {
        let path = path.as_ref();
        if kind == Kind::Dataset && crate::io::FileFormat::of(path).is_ok() {
            self.commit_dataset_path(name, path, message, metadata)
        } else {
            self.add_file(kind, name, path, message, metadata)
        }
    }

    /// Reads a data set version (number, alias or `latest`) back as record
    /// batches; `columns` picks some columns (an unknown name is
    /// [`Error::NotFound`]).
    pub fn read_dataset(
        &self,
        name: &str,
        reference: &str,
        columns: Option<&[&str]>,
    ) -> Result<(SchemaRef, Vec<RecordBatch>)> {
        let a = self.asset(Kind::Dataset, name)?;
        let v = a.resolve(reference)?;
        let Some(info) = &v.dataset else {
            return Err(Error::InvalidInput(format!(
                "dataset '{name}' version {} was added as a file, not committed as data",
                v.version
            )));
        };
        if info.format == PARTS_FORMAT {
            return parts::read(self, name, v, info, columns);
        }
        let mut bytes = Vec::with_capacity(v.size as usize);
        self.store().get_content(&v.content, &mut bytes)?;
        read_parquet(bytes, columns, name, v.version, info.rows)
    }

    /// The profile stored with a data set version.
    pub fn dataset_profile(&self, name: &str, reference: &str) -> Result<Profile> {
        let a = self.asset(Kind::Dataset, name)?;
        let v = a.resolve(reference)?;
        let info = v.dataset.as_ref().ok_or_else(|| {
            Error::InvalidInput(format!(
                "dataset '{name}' version {} has no profile (added as a file)",
                v.version
            ))
        })?;
        Profile::from_bytes(&self.store().get_blob(&info.profile)?)
    }

    /// What changed between two versions of a data set: schema, rows and
    /// per-column statistics, from the stored schemas and profiles (the data
    /// is not read).
    pub fn diff_datasets(&self, name: &str, from: &str, to: &str) -> Result<DatasetDiff> {
        let a = self.asset(Kind::Dataset, name)?;
        let (va, vb) = (a.resolve(from)?, a.resolve(to)?);
        let info = |v: &crate::registry::Version| {
            v.dataset.clone().ok_or_else(|| {
                Error::InvalidInput(format!(
                    "dataset '{name}' version {} was added as a file, not committed as data",
                    v.version
                ))
            })
        };
        let (ia, ib) = (info(va)?, info(vb)?);
        let (pa, pb) = (
            Profile::from_bytes(&self.store().get_blob(&ia.profile)?)?,
            Profile::from_bytes(&self.store().get_blob(&ib.profile)?)?,
        );
        let find = |s: &[(String, String)], n: &str| s.iter().find(|(c, _)| c == n).cloned();
        let mut d = DatasetDiff {
            from: va.version,
            to: vb.version,
            rows: (ia.rows, ib.rows),
            added: ib
                .schema
                .iter()
                .filter(|(c, _)| find(&ia.schema, c).is_none())
                .cloned()
                .collect(),
            removed: ia
                .schema
                .iter()
                .filter(|(c, _)| find(&ib.schema, c).is_none())
                .cloned()
                .collect(),
            retyped: Vec::new(),
            columns: Vec::new(),
        };
        for (c, ta) in &ia.schema {
            let Some((_, tb)) = find(&ib.schema, c) else {
                continue;
            };
            if *ta != tb {
                d.retyped.push((c.clone(), ta.clone(), tb.clone()));
            }
            if let (Some(x), Some(y)) = (pa.column(c), pb.column(c)) {
                d.columns.push(ColumnChange {
                    column: c.clone(),
                    nulls: (x.null_count(), y.null_count()),
                    mean: (x.mean(), y.mean()),
                    std: (x.std(), y.std()),
                    distinct: (x.distinct_estimate(), y.distinct_estimate()),
                });
            }
        }
        Ok(d)
    }
}

/// `rows` rows without columns: one batch (none for no rows).
fn rows_only(schema: SchemaRef, rows: u64) -> Result<Vec<RecordBatch>> {
    if rows == 0 {
        return Ok(vec![]);
    }
    let rows = usize::try_from(rows)
        .map_err(|_| Error::Unsupported(format!("{rows} rows do not fit this platform")))?;
    let options = RecordBatchOptions::new().with_row_count(Some(rows));
    Ok(vec![RecordBatch::try_new_with_options(
        schema,
        vec![],
        &options,
    )?])
}

/// A temporary file for spooling Parquet, removed when dropped.
pub(crate) struct Spool {
    path: std::path::PathBuf,
    file: Option<std::fs::File>,
}

impl Spool {
    fn file(&mut self) -> std::fs::File {
        self.file.take().expect("the spool file is taken once")
    }
    pub(crate) fn reopen(&self) -> Result<std::fs::File> {
        std::fs::File::open(&self.path).map_err(|e| Error::io(&self.path, e))
    }
}

impl Drop for Spool {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// Parquet bytes of version `version` of data set `name` as record
/// batches, optionally only some columns (an unknown name is
/// [`Error::NotFound`]); `rows` gives the row count of a projection of no
/// column.
pub(crate) fn read_parquet(
    bytes: Vec<u8>,
    columns: Option<&[&str]>,
    name: &str,
    version: u64,
    rows: u64,
) -> Result<(SchemaRef, Vec<RecordBatch>)> {
    let builder = ParquetRecordBatchReaderBuilder::try_new(bytes::Bytes::from(bytes))?;
    let builder = match columns {
        None => builder,
        Some(cols) => {
            let schema = builder.schema().clone();
            let mut idx = Vec::new();
            for c in cols {
                idx.push(schema.index_of(c).map_err(|_| {
                    Error::NotFound(format!(
                        "column '{c}' in dataset '{name}' version {version}"
                    ))
                })?);
            }
            let mask = ProjectionMask::roots(builder.parquet_schema(), idx);
            builder.with_projection(mask)
        }
    };
    let reader = builder.build()?;
    let schema = reader.schema();
    if schema.fields().is_empty() {
        // No column carries the rows of a table without columns (or
        // of a projection of none): the count recorded with the version does.
        return Ok((schema.clone(), rows_only(schema, rows)?));
    }
    let batches = reader.collect::<std::result::Result<Vec<_>, _>>()?;
    Ok((schema, batches))
}

/// Arrow data written as a Parquet file (zstd) in a temporary spool, and
/// profiled in the same pass over the batches.
pub(crate) struct Spooled {
    pub file: Spool,
    pub schema: SchemaRef,
    pub rows: u64,
    pub profile: Profile,
}

/// Checks the schema (unique names, types Parquet holds as they are) and
/// spools the data; never holds it whole in memory.
pub(crate) fn spool(data: impl RecordBatchReader) -> Result<Spooled> {
    let schema = data.schema();
    crate::table::check_schema(&schema)?;
    writable::check(&schema)?;
    let mut profile = Profile::new(&schema);
    let props = WriterProperties::builder()
        .set_compression(Compression::ZSTD(ZstdLevel::default()))
        .set_max_row_group_row_count(Some(ROW_GROUP_ROWS))
        .build();
    let mut file = tempfile_in_store()?;
    let mut writer = ArrowWriter::try_new(file.file(), schema.clone(), Some(props))?;
    let mut rows = 0u64;
    for batch in data {
        let batch = batch?;
        rows += batch.num_rows() as u64;
        profile.update(&batch)?;
        writer.write(&batch)?;
    }
    writer.close()?;
    Ok(Spooled {
        file,
        schema,
        rows,
        profile,
    })
}

fn tempfile_in_store() -> Result<Spool> {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    let path = std::env::temp_dir().join(format!(
        "mlops-spool-{}-{}.parquet",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    let file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&path)
        .map_err(|e| Error::io(&path, e))?;
    Ok(Spool {
        path,
        file: Some(file),
    })
}
