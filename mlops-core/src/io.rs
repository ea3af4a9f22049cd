//! Reading Arrow data from files and bytes: Parquet, CSV, Arrow IPC (file and
//! stream). Errors name the file.

use std::fs::File;
use std::io::{BufReader, Cursor, Seek};
use std::path::Path;
use std::sync::Arc;

use arrow::csv::reader::Format;
use arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use arrow::ipc::reader::{FileReader, StreamReader};
use arrow::record_batch::RecordBatchReader;
use parquet::arrow::arrow_reader::{
    ArrowReaderOptions, ParquetRecordBatchReader, ParquetRecordBatchReaderBuilder,
};
use parquet::basic::{Encoding, PageType};
use parquet::file::metadata::{ColumnChunkMetaData, ParquetMetaData};

use crate::error::{Error, Result};

/// Rows per record batch when the engine reads files.
pub const BATCH_ROWS: usize = 64 * 1024;
/// Rows read to infer the schema of a CSV file.
pub const CSV_INFER_ROWS: usize = 100_000;

/// A boxed, sendable record batch reader.
pub type BoxReader = Box<dyn RecordBatchReader + Send>;

/// File formats the engine reads, known by extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileFormat {
    /// `.parquet`, `.pq`
    Parquet,
    /// `.csv`
    Csv,
    /// `.arrow`, `.feather`, `.ipc` (IPC file format)
    ArrowFile,
    /// `.arrows` (IPC stream format)
    ArrowStream,
}

impl FileFormat {
    /// The format of `path` by its extension, or [`Error::InvalidInput`] naming it.
    pub fn of(path: &Path) -> Result<Self> {
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .unwrap_or("")
            .to_ascii_lowercase();
        Ok(match ext.as_str() {
            "parquet" | "pq" => FileFormat::Parquet,
            "csv" => FileFormat::Csv,
            "arrow" | "feather" | "ipc" => FileFormat::ArrowFile,
            "arrows" => FileFormat::ArrowStream,
            _ => {
                return Err(Error::InvalidInput(format!(
                    "file {}: unknown extension '{ext}' (expected .parquet, .csv, .arrow, .feather or .arrows)",
                    path.display()
                )))
            }
        })
    }
}

fn open(path: &Path) -> Result<File> {
    let f = File::open(path).map_err(|e| Error::io(path, e))?;
    if f.metadata().map(|m| m.is_dir()).unwrap_or(false) {
        return Err(Error::InvalidInput(format!(
            "{} is a directory, not a data file",
            path.display()
        )));
    }
    Ok(f)
}

fn in_file(path: &Path, e: impl std::fmt::Display) -> Error {
    Error::InvalidInput(format!("file {}: {e}", path.display()))
}

/// Opens a data file as a stream of record batches.
///
/// ```no_run
/// let reader = mlops_core::io::read_path("data.parquet")?;
/// println!("{}", reader.schema());
/// # Ok::<(), mlops_core::Error>(())
/// ```
pub fn read_path(path: impl AsRef<Path>) -> Result<BoxReader> {
    let path = path.as_ref();
    let file = open(path)?;
    match FileFormat::of(path)? {
        FileFormat::Parquet => Ok(Box::new(NamedReader::new(
            path,
            parquet_reader(path, file, None)?,
        ))),
        FileFormat::Csv => {
            let mut file = file;
            let (schema, _) = Format::default()
                .with_header(true)
                .infer_schema(BufReader::new(&mut file), Some(CSV_INFER_ROWS))
                .map_err(|e| in_file(path, e))?;
            file.rewind().map_err(|e| Error::io(path, e))?;
            let r = arrow::csv::ReaderBuilder::new(Arc::new(schema))
                .with_header(true)
                .with_batch_size(BATCH_ROWS)
                .build(BufReader::new(file))
                .map_err(|e| in_file(path, e))?;
            Ok(Box::new(NamedReader::new(path, r)))
        }
        FileFormat::ArrowFile => {
            let r =
                FileReader::try_new(BufReader::new(file), None).map_err(|e| in_file(path, e))?;
            Ok(Box::new(NamedReader::new(path, r)))
        }
        FileFormat::ArrowStream => {
            let r =
                StreamReader::try_new(BufReader::new(file), None).map_err(|e| in_file(path, e))?;
            Ok(Box::new(NamedReader::new(path, r)))
        }
    }
}

fn parquet_reader(
    path: &Path,
    file: File,
    row_groups: Option<Vec<usize>>,
) -> Result<ParquetRecordBatchReader> {
    parquet_reader_as(path, file, row_groups, None)
}

/// A Parquet reader, reading the columns as `schema` says when given (a
/// schema hint: the file's schema with some types changed).
fn parquet_reader_as(
    path: &Path,
    file: File,
    row_groups: Option<Vec<usize>>,
    schema: Option<SchemaRef>,
) -> Result<ParquetRecordBatchReader> {
    let mut options = ArrowReaderOptions::new();
    if let Some(schema) = schema {
        options = options.with_schema(schema);
    }
    let mut b = ParquetRecordBatchReaderBuilder::try_new_with_options(file, options)
        .map_err(|e| in_file(path, e))?
        .with_batch_size(BATCH_ROWS);
    if let Some(rg) = row_groups {
        b = b.with_row_groups(rg);
    }
    b.build().map_err(|e| in_file(path, e))
}

/// A Parquet file split into readers over disjoint sets of row groups.
pub struct ParquetParts {
    /// The file's schema, as [`read_path`] reads it.
    pub schema: SchemaRef,
    /// The readers, at least one. With dictionaries kept, some string
    /// columns come as `Dictionary(Int32, _)` of the schema's type.
    pub readers: Vec<Result<BoxReader>>,
}

/// Splits a Parquet file into up to `parts` readers over disjoint sets of row
/// groups (round robin), to be read in parallel. Always at least one reader.
///
/// With `keep_dictionaries`, a string column whose every data page is
/// dictionary-encoded (what writers do while a column has few distinct
/// values) is read as a dictionary array: the keys and the page dictionary,
/// rather than every value copied out of the dictionary. Whoever reads them
/// folds each distinct value once per batch.
pub fn parquet_partitions(
    path: &Path,
    parts: usize,
    keep_dictionaries: bool,
) -> Result<ParquetParts> {
    let file = open(path)?;
    let meta = ParquetRecordBatchReaderBuilder::try_new(file).map_err(|e| in_file(path, e))?;
    let schema = meta.schema().clone();
    let read_as = if keep_dictionaries {
        with_dictionaries(&schema, meta.metadata())
    } else {
        None
    };
    let groups = meta.metadata().num_row_groups();
    let parts = parts.clamp(1, groups.max(1));
    let readers = (0..parts)
        .map(|i| {
            let rg: Vec<usize> = (i..groups).step_by(parts).collect();
            let r = parquet_reader_as(path, open(path)?, Some(rg), read_as.clone())?;
            Ok(Box::new(NamedReader::new(path, r)) as BoxReader)
        })
        .collect();
    Ok(ParquetParts { schema, readers })
}

/// `schema` with each top-level string column that is dictionary-encoded in
/// every row group turned into a dictionary type; `None` when none is.
fn with_dictionaries(schema: &SchemaRef, meta: &ParquetMetaData) -> Option<SchemaRef> {
    let leaves = meta.file_metadata().schema_descr();
    let all_dictionary = |leaf: usize| {
        meta.row_groups()
            .iter()
            .all(|rg| all_pages_dictionary(rg.column(leaf)))
    };
    let mut changed = false;
    let fields: Vec<Field> = schema
        .fields()
        .iter()
        .map(|f| {
            let string = matches!(f.data_type(), DataType::Utf8 | DataType::LargeUtf8);
            let leaf = (0..leaves.num_columns()).find(|&i| {
                let column = leaves.column(i);
                let parts = column.path().parts();
                parts.len() == 1 && parts[0] == *f.name()
            });
            match leaf {
                Some(leaf) if string && meta.num_row_groups() > 0 && all_dictionary(leaf) => {
                    changed = true;
                    let dt = DataType::Dictionary(
                        Box::new(DataType::Int32),
                        Box::new(f.data_type().clone()),
                    );
                    f.as_ref().clone().with_data_type(dt)
                }
                _ => f.as_ref().clone(),
            }
        })
        .collect();
    changed.then(|| Arc::new(Schema::new_with_metadata(fields, schema.metadata().clone())))
}

/// Whether every data page of a column chunk is dictionary-encoded, from
/// its page encoding statistics (a chunk without them does not count).
fn all_pages_dictionary(c: &ColumnChunkMetaData) -> bool {
    const DICTIONARY: [Encoding; 2] = [Encoding::PLAIN_DICTIONARY, Encoding::RLE_DICTIONARY];
    c.dictionary_page_offset().is_some()
        && match (c.page_encoding_stats_mask(), c.page_encoding_stats()) {
            (Some(mask), _) => DICTIONARY.iter().any(|&e| mask.is_only(e)),
            (None, Some(stats)) => stats
                .iter()
                .filter(|s| matches!(s.page_type, PageType::DATA_PAGE | PageType::DATA_PAGE_V2))
                .all(|s| DICTIONARY.contains(&s.encoding)),
            (None, None) => false,
        }
}

/// Reads Arrow IPC bytes, stream or file format (told apart by the file
/// format's `ARROW1` magic).
pub fn read_ipc_bytes(bytes: impl AsRef<[u8]> + Send + 'static) -> Result<BoxReader> {
    let is_file = bytes.as_ref().starts_with(b"ARROW1");
    let cursor = Cursor::new(bytes);
    let bad = |e: arrow::error::ArrowError| Error::InvalidInput(format!("Arrow IPC bytes: {e}"));
    if is_file {
        Ok(Box::new(FileReader::try_new(cursor, None).map_err(bad)?))
    } else {
        Ok(Box::new(StreamReader::try_new(cursor, None).map_err(bad)?))
    }
}

/// A reader whose errors name the file they came from.
struct NamedReader<R> {
    path: String,
    inner: R,
}

impl<R: RecordBatchReader> NamedReader<R> {
    fn new(path: &Path, inner: R) -> Self {
        Self {
            path: path.display().to_string(),
            inner,
        }
    }
}

impl<R: RecordBatchReader> Iterator for NamedReader<R> {
    type Item = std::result::Result<arrow::array::RecordBatch, arrow::error::ArrowError>;
    fn next(&mut self) -> Option<Self::Item> {
        self.inner.next().map(|r| {
            r.map_err(|e| {
                arrow::error::ArrowError::ExternalError(format!("file {}: {e}", self.path).into())
            })
        })
    }
}

impl<R: RecordBatchReader> RecordBatchReader for NamedReader<R> {
    fn schema(&self) -> SchemaRef {
        self.inner.schema()
    }
}
