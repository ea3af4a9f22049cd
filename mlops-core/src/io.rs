//! Reading Arrow data from files and bytes: Parquet, CSV, Arrow IPC (file and
//! stream). Errors name the file.

use std::fs::File;
use std::io::{BufReader, Cursor, Read, Seek};
use std::path::Path;
use std::sync::Arc;

use arrow::csv::reader::Format;
use arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use arrow::error::ArrowError;
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
/// Cells (rows × columns) per record batch of a CSV file: the CSV decoder
/// allocates its field offsets for a whole batch up front, so a wide file
/// gets fewer rows per batch (see [`csv_batch_rows`]).
pub const CSV_BATCH_CELLS: usize = 4 * 1024 * 1024;
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

/// Rows per record batch of a CSV file with `columns` columns: the
/// [`CSV_BATCH_CELLS`] budget over the column count, at least 1 and at most
/// [`BATCH_ROWS`].
///
/// ```
/// use mlops_core::io::{csv_batch_rows, BATCH_ROWS};
/// assert_eq!(csv_batch_rows(3), BATCH_ROWS);
/// assert_eq!(csv_batch_rows(10_000), 419);
/// ```
pub fn csv_batch_rows(columns: usize) -> usize {
    (CSV_BATCH_CELLS / columns.max(1)).clamp(1, BATCH_ROWS)
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
            let rows = csv_batch_rows(schema.fields().len());
            let r = arrow::csv::ReaderBuilder::new(Arc::new(schema))
                .with_header(true)
                .with_batch_size(rows)
                .build(BufReader::new(file))
                .map_err(|e| in_file(path, e))?;
            Ok(Box::new(NamedReader::new(path, r)))
        }
        FileFormat::ArrowFile => {
            let mut file = file;
            if !starts_with(&mut file, IPC_FILE_MAGIC).map_err(|e| Error::io(path, e))? {
                return Err(in_file(
                    path,
                    "empty or not an Arrow IPC file (no ARROW1 magic at its start)",
                ));
            }
            let r =
                FileReader::try_new(BufReader::new(file), None).map_err(|e| in_file(path, e))?;
            Ok(Box::new(NamedReader::new(path, r)))
        }
        FileFormat::ArrowStream => {
            if file.metadata().map_err(|e| Error::io(path, e))?.len() == 0 {
                return Err(in_file(path, "empty, not an Arrow IPC stream"));
            }
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

/// The first bytes of an Arrow IPC file.
const IPC_FILE_MAGIC: &[u8] = b"ARROW1";

/// Whether `file` starts with `magic`; leaves it at its start.
fn starts_with(file: &mut File, magic: &[u8]) -> std::io::Result<bool> {
    let mut head = vec![0u8; magic.len()];
    let mut got = 0;
    while got < head.len() {
        match file.read(&mut head[got..])? {
            0 => break,
            n => got += n,
        }
    }
    file.rewind()?;
    Ok(got == magic.len() && head == magic)
}

/// Reads Arrow IPC bytes, stream or file format (told apart by the file
/// format's `ARROW1` magic). The bytes come from the caller's memory, so
/// every batch is validated (offsets, UTF-8, ...; see
/// [`crate::table::validated`]) before it is read; an invalid column is an
/// [`Error::InvalidInput`] naming it.
pub fn read_ipc_bytes(bytes: impl AsRef<[u8]> + Send + 'static) -> Result<BoxReader> {
    const WHAT: &str = "Arrow IPC bytes";
    if bytes.as_ref().is_empty() {
        return Err(Error::InvalidInput(format!(
            "{WHAT}: empty, not an Arrow IPC stream or file"
        )));
    }
    let is_file = bytes.as_ref().starts_with(IPC_FILE_MAGIC);
    let cursor = Cursor::new(bytes);
    let bad = |e: arrow::error::ArrowError| Error::InvalidInput(format!("{WHAT}: {e}"));
    // Arrow's decoder validates each array it builds, but its errors do not
    // name the column: `table::validated` does the same checks and does. The
    // decoder's own pass is skipped unless a dictionary is in the schema
    // (the decoder concatenates delta dictionaries, reading their values).
    let reader: BoxReader = if is_file {
        let r = FileReader::try_new(cursor, None).map_err(bad)?;
        if has_dictionary(&r.schema()) {
            Box::new(r)
        } else {
            // SAFETY: no array of this reader is read before
            // `table::validated` below has validated it in full.
            Box::new(unsafe { r.with_skip_validation(true) })
        }
    } else {
        let r = StreamReader::try_new(cursor, None).map_err(bad)?;
        if has_dictionary(&r.schema()) {
            Box::new(r)
        } else {
            // SAFETY: as above.
            Box::new(unsafe { r.with_skip_validation(true) })
        }
    };
    Ok(crate::table::validated(NamedReader {
        what: WHAT.into(),
        inner: reader,
    }))
}

/// Whether any column of `schema`, at any depth, is dictionary-encoded.
fn has_dictionary(schema: &Schema) -> bool {
    fn nested(dt: &DataType) -> bool {
        match dt {
            DataType::Dictionary(..) => true,
            DataType::List(f)
            | DataType::LargeList(f)
            | DataType::FixedSizeList(f, _)
            | DataType::ListView(f)
            | DataType::LargeListView(f)
            | DataType::Map(f, _)
            | DataType::RunEndEncoded(_, f) => nested(f.data_type()),
            DataType::Struct(fs) => fs.iter().any(|f| nested(f.data_type())),
            DataType::Union(fs, _) => fs.iter().any(|(_, f)| nested(f.data_type())),
            _ => false,
        }
    }
    schema.fields().iter().any(|f| nested(f.data_type()))
}

/// A reader whose errors name what they came from (a file, IPC bytes) and
/// are typed: bad content is [`Error::InvalidInput`], a failing disk
/// [`Error::Storage`], whichever batch they occur in.
struct NamedReader<R> {
    what: String,
    inner: R,
}

impl<R: RecordBatchReader> NamedReader<R> {
    fn new(path: &Path, inner: R) -> Self {
        Self {
            what: format!("file {}", path.display()),
            inner,
        }
    }

    /// The typed error of a failed batch, carried through the `ArrowError`.
    fn typed(&self, e: ArrowError) -> ArrowError {
        use std::io::ErrorKind;
        let what = &self.what;
        crate::table::external(match e {
            ArrowError::IoError(m, source)
                if !matches!(
                    source.kind(),
                    ErrorKind::InvalidData | ErrorKind::UnexpectedEof
                ) =>
            {
                Error::Storage {
                    context: format!("{what}: {m}"),
                    source,
                }
            }
            ArrowError::ExternalError(inner) => match inner.downcast::<Error>() {
                Ok(core) => *core,
                Err(other) => Error::InvalidInput(format!("{what}: {other}")),
            },
            e => Error::InvalidInput(format!("{what}: {e}")),
        })
    }
}

impl<R: RecordBatchReader> Iterator for NamedReader<R> {
    type Item = std::result::Result<arrow::array::RecordBatch, ArrowError>;
    fn next(&mut self) -> Option<Self::Item> {
        self.inner.next().map(|r| r.map_err(|e| self.typed(e)))
    }
}

impl<R: RecordBatchReader> RecordBatchReader for NamedReader<R> {
    fn schema(&self) -> SchemaRef {
        self.inner.schema()
    }
}

/// Writes `bytes` to the file `path` whole or not at all: into a
/// temporary file beside it, then renamed over it, so a reader (or a crash)
/// never sees half a file. Errors name the path.
pub fn write_whole(path: &Path, bytes: &[u8]) -> Result<()> {
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .ok_or_else(|| Error::InvalidInput(format!("{}: not a file name", path.display())))?;
    let tmp = path.with_file_name(format!(".{name}.tmp{}", std::process::id()));
    std::fs::write(&tmp, bytes).map_err(|e| Error::io(&tmp, e))?;
    std::fs::rename(&tmp, path).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        Error::io(path, e)
    })
}
