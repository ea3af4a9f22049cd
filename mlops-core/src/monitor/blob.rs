//! A monitor's stored pieces other than profiles: tables (kept predictions,
//! joined labels) as Parquet in the content store, and the schema rows are
//! checked against as an Arrow IPC stream with no batches.

use arrow::array::RecordBatch;
use arrow::datatypes::{Schema, SchemaRef};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::properties::WriterProperties;

use crate::error::{Error, Result};
use crate::store::{Hash, Store};

/// Stores `batch` as a Parquet file (zstd) in the content store.
pub(crate) fn put_parquet(store: &Store, batch: &RecordBatch) -> Result<Hash> {
    let props = WriterProperties::builder()
        .set_compression(Compression::ZSTD(ZstdLevel::try_new(1)?))
        .build();
    let mut out = Vec::new();
    let mut w = ArrowWriter::try_new(&mut out, batch.schema(), Some(props))?;
    w.write(batch)?;
    w.close()?;
    Ok(store.put_content(out.as_slice())?.0)
}

/// Reads back a table [`put_parquet`] stored, as one batch.
pub(crate) fn get_parquet(store: &Store, hash: &Hash, what: &str) -> Result<RecordBatch> {
    let mut bytes = Vec::new();
    store.get_content(hash.as_str(), &mut bytes)?;
    let bad = |e: String| Error::Integrity(format!("{what} {hash}: {e}"));
    let builder = ParquetRecordBatchReaderBuilder::try_new(bytes::Bytes::from(bytes))
        .map_err(|e| bad(e.to_string()))?;
    let schema = builder.schema().clone();
    let reader = builder.build().map_err(|e| bad(e.to_string()))?;
    let batches = reader
        .collect::<std::result::Result<Vec<_>, _>>()
        .map_err(|e| bad(e.to_string()))?;
    Ok(arrow::compute::concat_batches(&schema, &batches)?)
}

/// Stores a schema (an IPC stream of no batches) as a blob.
pub(crate) fn put_schema(store: &Store, schema: &Schema) -> Result<Hash> {
    let mut w = arrow::ipc::writer::StreamWriter::try_new(Vec::new(), schema)?;
    w.finish()?;
    store.put_blob(&w.into_inner()?)
}

/// Reads back a schema [`put_schema`] stored.
pub(crate) fn get_schema(store: &Store, hash: &Hash) -> Result<SchemaRef> {
    let bytes = store.get_blob(hash.as_str())?;
    let r = arrow::ipc::reader::StreamReader::try_new(std::io::Cursor::new(bytes), None)
        .map_err(|e| Error::Integrity(format!("monitor schema {hash}: {e}")))?;
    Ok(r.schema())
}
