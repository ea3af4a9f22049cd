//! Metric points in memory ([`Points`], the writer's buffer: columns, no
//! per-point objects) and on disk (a Parquet segment: `key`, `context`,
//! `step`, `time`, `value`), with the per-series summary of each flush made
//! in the same pass as the segment.
//!
//! Encodings chosen for training curves: keys and contexts are dictionary
//! columns, steps and times are delta-packed (they mostly climb by a
//! constant), values are byte-stream-split, and the whole is zstd
//! compressed, which keeps 1M points (10 keys × 100k steps) near 8 bytes a
//! point.

use std::collections::HashMap;
use std::sync::Arc;

use arrow::array::{
    Array, ArrayRef, DictionaryArray, Float64Array, Int32Array, Int64Array, RecordBatch,
    RecordBatchReader as _, StringArray, TimestampMicrosecondArray,
};
use arrow::datatypes::{DataType, Field, Int32Type, Schema, SchemaRef, TimeUnit};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, Encoding, ZstdLevel};
use parquet::file::properties::WriterProperties;
use parquet::schema::types::ColumnPath;
use rayon::prelude::*;

use super::summary::SeriesSummary;
use crate::error::{Error, Result};

/// The schema of a segment (and of `Run::log_table`'s input, where
/// `context` and `time` may be left out).
pub fn segment_schema() -> SchemaRef {
    let dict = DataType::Dictionary(Box::new(DataType::Int32), Box::new(DataType::Utf8));
    Arc::new(Schema::new(vec![
        Field::new("key", dict.clone(), false),
        Field::new("context", dict, true),
        Field::new("step", DataType::Int64, false),
        Field::new(
            "time",
            DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())),
            false,
        ),
        Field::new("value", DataType::Float64, false),
    ]))
}

/// Interned strings of a buffer: id → string, and back.
#[derive(Debug, Default)]
struct Interned {
    names: Vec<String>,
    ids: HashMap<String, i32>,
}

impl Interned {
    #[inline]
    fn id(&mut self, s: &str) -> i32 {
        if let Some(&id) = self.ids.get(s) {
            return id;
        }
        let id = self.names.len() as i32;
        self.names.push(s.to_string());
        self.ids.insert(s.to_string(), id);
        id
    }
}

/// Points waiting to be written, as columns.
#[derive(Debug, Default)]
pub(crate) struct Points {
    keys: Interned,
    contexts: Interned,
    key: Vec<i32>,
    /// The context's id, or -1 for none.
    context: Vec<i32>,
    step: Vec<i64>,
    time: Vec<i64>,
    value: Vec<f64>,
}

impl Points {
    /// Points buffered.
    pub fn len(&self) -> usize {
        self.value.len()
    }

    /// Whether none are.
    pub fn is_empty(&self) -> bool {
        self.value.is_empty()
    }

    /// Adds a point (its key already checked).
    #[inline]
    pub fn push(&mut self, key: &str, context: Option<&str>, step: i64, time: i64, value: f64) {
        let k = self.keys.id(key);
        let c = context.map_or(-1, |c| self.contexts.id(c));
        self.key.push(k);
        self.context.push(c);
        self.step.push(step);
        self.time.push(time);
        self.value.push(value);
    }

    /// Adds the points of whole columns: keys and contexts as dictionary
    /// ids into `key_names` / `context_names` (a context id may be null),
    /// each distinct name interned once rather than each row's text.
    pub fn extend_ids(
        &mut self,
        (key_ids, key_names): (&[i32], &[&str]),
        contexts: Option<(&Int32Array, &[&str])>,
        steps: &[i64],
        times: Option<&[i64]>,
        now: i64,
        values: &[f64],
    ) {
        let keys: Vec<i32> = key_names.iter().map(|k| self.keys.id(k)).collect();
        self.key.extend(key_ids.iter().map(|&k| keys[k as usize]));
        match contexts {
            Some((ids, names)) => {
                let ours: Vec<i32> = names.iter().map(|c| self.contexts.id(c)).collect();
                self.context
                    .extend(ids.iter().map(|c| c.map_or(-1, |c| ours[c as usize])));
            }
            None => self.context.extend(std::iter::repeat_n(-1, key_ids.len())),
        }
        self.step.extend_from_slice(steps);
        match times {
            Some(t) => self.time.extend_from_slice(t),
            None => self.time.extend(std::iter::repeat_n(now, key_ids.len())),
        }
        self.value.extend_from_slice(values);
    }

    /// The per-series summaries of the points, in order of first appearance.
    pub fn summaries(&self) -> Vec<SeriesSummary> {
        // (key, context) → summary through a dense table: a buffer has few
        // keys and contexts, and a lookup per point must not hash.
        let width = self.contexts.names.len() + 1;
        let mut at: Vec<usize> = vec![usize::MAX; self.keys.names.len() * width];
        let mut out: Vec<SeriesSummary> = Vec::new();
        for i in 0..self.len() {
            let (k, c) = (self.key[i], self.context[i]);
            let slot = k as usize * width + (c + 1) as usize;
            if at[slot] == usize::MAX {
                let ctx = (c >= 0).then(|| self.contexts.names[c as usize].as_str());
                out.push(SeriesSummary::new(&self.keys.names[k as usize], ctx));
                at[slot] = out.len() - 1;
            }
            out[at[slot]].push(self.step[i], self.time[i], self.value[i]);
        }
        out
    }

    /// The points as one batch of [`segment_schema`].
    pub fn to_batch(&self) -> Result<RecordBatch> {
        let dict = |ids: &[i32], names: &[String], nullable: bool| -> Result<ArrayRef> {
            let keys = if nullable {
                Int32Array::from_iter(ids.iter().map(|&i| (i >= 0).then_some(i)))
            } else {
                Int32Array::from(ids.to_vec())
            };
            let values = Arc::new(StringArray::from_iter_values(names));
            Ok(Arc::new(DictionaryArray::<Int32Type>::try_new(
                keys, values,
            )?))
        };
        Ok(RecordBatch::try_new(
            segment_schema(),
            vec![
                dict(&self.key, &self.keys.names, false)?,
                dict(&self.context, &self.contexts.names, true)?,
                Arc::new(Int64Array::from(self.step.clone())),
                Arc::new(TimestampMicrosecondArray::from(self.time.clone()).with_timezone("UTC")),
                Arc::new(Float64Array::from(self.value.clone())),
            ],
        )?)
    }
}

/// Parquet bytes of `batch` (of [`segment_schema`]), as a flush writes
/// them: zstd level 1, since the flush is on the logging path and
/// compaction rewrites the segments of a run at [`COMPACT_LEVEL`] anyway;
/// the columns of each row group encoded in parallel (the key column's
/// dictionary, the deltas of steps and times and the split values each
/// take a core) once there are enough points to be worth the threads. The
/// bytes are those [`ArrowWriter`] writes.
pub(crate) fn encode(batch: &RecordBatch) -> Result<Vec<u8>> {
    use parquet::arrow::arrow_writer::{compute_leaves, ArrowRowGroupWriterFactory};
    if batch.num_rows() < PARALLEL_ROWS {
        return encode_with(std::slice::from_ref(batch), &[], 1);
    }
    let schema = segment_schema();
    let mut props = properties(1)?;
    parquet::arrow::add_encoded_arrow_schema_to_metadata(&schema, &mut props);
    let props = Arc::new(props);
    let parquet_schema = parquet::arrow::ArrowSchemaConverter::new()
        .with_coerce_types(props.coerce_types())
        .convert(&schema)?;
    let mut out = Vec::new();
    let mut writer = parquet::file::writer::SerializedFileWriter::new(
        &mut out,
        parquet_schema.root_schema_ptr(),
        props.clone(),
    )?;
    let factory = ArrowRowGroupWriterFactory::new(&writer, schema.clone());
    let n = batch.num_rows();
    for (group, start) in (0..n.max(1)).step_by(ROW_GROUP_ROWS).enumerate() {
        let part = batch.slice(start, ROW_GROUP_ROWS.min(n - start));
        let writers = factory.create_column_writers(group)?;
        let chunks = writers
            .into_par_iter()
            .zip(schema.fields().par_iter().zip(part.columns().par_iter()))
            .map(|(mut w, (field, column))| {
                for leaf in compute_leaves(field, column)? {
                    w.write(&leaf)?;
                }
                w.close()
            })
            .collect::<std::result::Result<Vec<_>, _>>()?;
        let mut row_group = writer.next_row_group()?;
        for c in chunks {
            c.append_to_row_group(&mut row_group)?;
        }
        row_group.close()?;
    }
    writer.close()?;
    Ok(out)
}

/// Rows of a row group.
const ROW_GROUP_ROWS: usize = 256 * 1024;

/// The fewest points a flush encodes on several threads.
const PARALLEL_ROWS: usize = 32 * 1024;

/// The zstd level of a compacted file: written once, read often.
pub(crate) const COMPACT_LEVEL: i32 = 3;

/// A series at least this long starts its own row groups in a compacted
/// file, so reading it skips the `key` and `context` columns (see
/// [`read_series`]); shorter ones share row groups.
pub(crate) const OWN_ROW_GROUPS: usize = 16 * 1024;

/// Parquet bytes of a compacted file: as [`encode`], at [`COMPACT_LEVEL`],
/// with a row group ended before each of `breaks` (row offsets into the
/// concatenation of `batches`, ascending).
pub(crate) fn encode_aligned(batches: &[RecordBatch], breaks: &[usize]) -> Result<Vec<u8>> {
    encode_with(batches, breaks, COMPACT_LEVEL)
}

/// The writer settings of a segment, at zstd `level`.
fn properties(level: i32) -> Result<WriterProperties> {
    let plain = |c: &str| ColumnPath::from(c);
    Ok(WriterProperties::builder()
        .set_compression(Compression::ZSTD(ZstdLevel::try_new(level)?))
        .set_column_dictionary_enabled(plain("step"), false)
        .set_column_encoding(plain("step"), Encoding::DELTA_BINARY_PACKED)
        .set_column_dictionary_enabled(plain("time"), false)
        .set_column_encoding(plain("time"), Encoding::DELTA_BINARY_PACKED)
        .set_column_dictionary_enabled(plain("value"), false)
        .set_column_encoding(plain("value"), Encoding::BYTE_STREAM_SPLIT)
        .set_max_row_group_row_count(Some(ROW_GROUP_ROWS))
        .build())
}

fn encode_with(batches: &[RecordBatch], breaks: &[usize], level: i32) -> Result<Vec<u8>> {
    let props = properties(level)?;
    let mut out = Vec::new();
    let mut w = ArrowWriter::try_new(&mut out, segment_schema(), Some(props))?;
    let (mut at, mut next) = (0usize, breaks.iter().peekable());
    for b in batches {
        let mut from = 0;
        while let Some(&&cut) = next.peek() {
            if cut >= at + b.num_rows() {
                break;
            }
            if cut > at + from {
                w.write(&b.slice(from, cut - at - from))?;
                from = cut - at;
            }
            // Ends the row group being written (nothing when none is open).
            w.flush()?;
            next.next();
        }
        w.write(&b.slice(from, b.num_rows() - from))?;
        at += b.num_rows();
    }
    w.close()?;
    Ok(out)
}

/// The batches of a segment's Parquet bytes, checked to be of
/// [`segment_schema`]; `what` names the segment in errors.
pub(crate) fn decode(bytes: Vec<u8>, what: &str) -> Result<Vec<RecordBatch>> {
    decode_key(bytes, what, None)
}

/// [`decode`], reading only the row groups whose `key` statistics may hold
/// `key` (when given): a compacted file is sorted by key, so a series'
/// points sit in a few of its row groups.
pub(crate) fn decode_key(
    bytes: Vec<u8>,
    what: &str,
    key: Option<&str>,
) -> Result<Vec<RecordBatch>> {
    let bad = |e: &dyn std::fmt::Display| Error::Integrity(format!("{what}: {e}"));
    let mut builder = ParquetRecordBatchReaderBuilder::try_new(bytes::Bytes::from(bytes))
        .map_err(|e| bad(&e))?
        .with_batch_size(64 * 1024);
    if let Some(key) = key {
        let keep: Vec<usize> = builder
            .metadata()
            .row_groups()
            .iter()
            .enumerate()
            .filter(|(_, rg)| may_hold(rg, key))
            .map(|(i, _)| i)
            .collect();
        builder = builder.with_row_groups(keep);
    }
    let reader = builder.build().map_err(|e| bad(&e))?;
    check_schema(&reader.schema(), &bad)?;
    reader.map(|b| b.map_err(|e| bad(&e))).collect()
}

/// The points of series `key` (in `context`, or in any) in a segment's
/// Parquet bytes, as batches of [`history_schema`]. Row groups whose
/// statistics say they hold only `key` and no context (a compacted file is
/// sorted by key, so a long series fills whole row groups) are read
/// without their `key` and `context` columns; the others are decoded whole
/// and filtered by [`select`]. `what` names the segment in errors.
pub(crate) fn read_series(
    bytes: Vec<u8>,
    what: &str,
    key: &str,
    context: Option<&str>,
) -> Result<Vec<RecordBatch>> {
    let bad = |e: &dyn std::fmt::Display| Error::Integrity(format!("{what}: {e}"));
    let bytes = bytes::Bytes::from(bytes);
    let builder = ParquetRecordBatchReaderBuilder::try_new(bytes.clone()).map_err(|e| bad(&e))?;
    check_schema(builder.schema(), &bad)?;
    let (mut pure, mut mixed) = (Vec::new(), Vec::new());
    for (i, rg) in builder.metadata().row_groups().iter().enumerate() {
        if !may_hold(rg, key) {
            continue;
        }
        if context.is_none() && only_key(rg, key) {
            pure.push(i);
        } else {
            mixed.push(i);
        }
    }
    let mut out = Vec::new();
    if !pure.is_empty() {
        // step, time and value only: the key is `key`, the context null;
        // each row group decoded on its own thread, kept in file order.
        let mask = parquet::arrow::ProjectionMask::roots(builder.parquet_schema(), [2, 3, 4]);
        let rows: usize = pure
            .iter()
            .map(|&rg| builder.metadata().row_group(rg).num_rows() as usize)
            .sum();
        // One batch of every row: the points arrive in one set of buffers,
        // with nothing to concatenate after.
        let reader = ParquetRecordBatchReaderBuilder::try_new(bytes.clone())
            .map_err(|e| bad(&e))?
            .with_row_groups(pure)
            .with_projection(mask)
            .with_batch_size(rows.max(1))
            .build()
            .map_err(|e| bad(&e))?;
        for b in reader {
            let b = b.map_err(|e| bad(&e))?;
            let n = b.num_rows();
            let mut cols = b.columns().to_vec();
            cols.push(arrow::array::new_null_array(&DataType::Utf8, n));
            out.push(RecordBatch::try_new(history_schema(), cols)?);
        }
    }
    if !mixed.is_empty() {
        let reader = ParquetRecordBatchReaderBuilder::try_new(bytes)
            .map_err(|e| bad(&e))?
            .with_row_groups(mixed)
            .with_batch_size(64 * 1024)
            .build()
            .map_err(|e| bad(&e))?;
        for b in reader {
            if let Some(p) = select(&b.map_err(|e| bad(&e))?, key, context)? {
                out.push(p);
            }
        }
    }
    Ok(out)
}

/// Whether a row group's statistics say every row has key `key` and no
/// context.
fn only_key(rg: &parquet::file::metadata::RowGroupMetaData, key: &str) -> bool {
    use parquet::file::statistics::Statistics;
    let cols = rg.columns();
    let key_only = match cols.first().and_then(|c| c.statistics()) {
        Some(Statistics::ByteArray(s)) => {
            s.null_count_opt() == Some(0)
                && s.min_opt().map(|v| v.data()) == Some(key.as_bytes())
                && s.max_opt().map(|v| v.data()) == Some(key.as_bytes())
        }
        _ => false,
    };
    let no_context = cols
        .get(1)
        .and_then(|c| c.statistics())
        .and_then(|s| s.null_count_opt())
        == Some(rg.num_rows() as u64);
    key_only && no_context
}

/// An [`Error::Integrity`] (through `bad`) unless `got` is the segment schema.
fn check_schema(got: &SchemaRef, bad: &dyn Fn(&dyn std::fmt::Display) -> Error) -> Result<()> {
    let want = segment_schema();
    let same = want.fields().len() == got.fields().len()
        && want
            .fields()
            .iter()
            .zip(got.fields())
            .all(|(a, b)| a.name() == b.name() && a.data_type() == b.data_type());
    if !same {
        return Err(bad(&format!("not a metric segment (columns {got})")));
    }
    Ok(())
}

/// Whether a row group's `key` column statistics allow `key` (true when
/// there are none).
fn may_hold(rg: &parquet::file::metadata::RowGroupMetaData, key: &str) -> bool {
    use parquet::file::statistics::Statistics;
    match rg.columns().first().and_then(|c| c.statistics()) {
        Some(Statistics::ByteArray(s)) => match (s.min_opt(), s.max_opt()) {
            (Some(lo), Some(hi)) => lo.data() <= key.as_bytes() && key.as_bytes() <= hi.data(),
            _ => true,
        },
        _ => true,
    }
}

/// The rows of `batch` whose key is `key` (and context `context`, when given),
/// as the columns (step, time, value, context).
pub(crate) fn select(
    batch: &RecordBatch,
    key: &str,
    context: Option<&str>,
) -> Result<Option<RecordBatch>> {
    let dict = |i: usize| {
        batch
            .column(i)
            .as_any()
            .downcast_ref::<DictionaryArray<Int32Type>>()
            .expect("segment schema checked")
    };
    let (keys, contexts) = (dict(0), dict(1));
    let matching = |d: &DictionaryArray<Int32Type>, want: &str| -> Vec<bool> {
        let values = d
            .values()
            .as_any()
            .downcast_ref::<StringArray>()
            .expect("utf8 dictionary");
        values.iter().map(|v| v == Some(want)).collect()
    };
    let key_hit = matching(keys, key);
    if !key_hit.iter().any(|&h| h) {
        return Ok(None);
    }
    let ctx_hit = context.map(|c| matching(contexts, c));
    let mask: arrow::array::BooleanArray = (0..batch.num_rows())
        .map(|i| {
            let k = keys.keys().value(i) as usize;
            let c_ok = match &ctx_hit {
                None => true,
                Some(hit) => contexts.is_valid(i) && hit[contexts.keys().value(i) as usize],
            };
            Some(key_hit.get(k).copied().unwrap_or(false) && c_ok)
        })
        .collect();
    if mask.true_count() == 0 {
        return Ok(None);
    }
    let picked = arrow::compute::filter_record_batch(batch, &mask)?;
    let context = arrow::compute::cast(picked.column(1), &DataType::Utf8)?;
    Ok(Some(RecordBatch::try_new(
        history_schema(),
        vec![
            picked.column(2).clone(),
            picked.column(3).clone(),
            picked.column(4).clone(),
            context,
        ],
    )?))
}

/// The schema of a series' history: `step`, `time`, `value`, `context`.
pub fn history_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("step", DataType::Int64, false),
        Field::new(
            "time",
            DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())),
            false,
        ),
        Field::new("value", DataType::Float64, false),
        Field::new("context", DataType::Utf8, true),
    ]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn points_round_trip_through_a_segment() {
        let mut p = Points::default();
        for i in 0..1000i64 {
            p.push("loss", None, i, 1_000 + i, 1.0 / (i + 1) as f64);
            p.push("acc", Some("subset=val"), i, 1_000 + i, f64::NAN);
        }
        let s = p.summaries();
        assert_eq!(s.len(), 2);
        assert_eq!(s[0].count, 1000);
        assert_eq!(s[1].nans, 1000);
        let bytes = encode(&p.to_batch().unwrap()).unwrap();
        let back = decode(bytes, "segment").unwrap();
        let rows: usize = back.iter().map(|b| b.num_rows()).sum();
        assert_eq!(rows, 2000);
        let loss = select(&back[0], "loss", None).unwrap().unwrap();
        assert_eq!(loss.num_rows(), 1000);
        let val = select(&back[0], "acc", Some("subset=val"))
            .unwrap()
            .unwrap();
        assert_eq!(val.num_rows(), 1000);
        assert!(select(&back[0], "acc", Some("subset=train"))
            .unwrap()
            .is_none());
        assert!(select(&back[0], "nope", None).unwrap().is_none());
    }

    #[test]
    fn a_parallel_flush_writes_the_bytes_arrow_writer_writes() {
        let mut p = Points::default();
        for i in 0..(ROW_GROUP_ROWS as i64 + 5_000) {
            p.push(
                ["a", "b", "c"][i as usize % 3],
                None,
                i / 3,
                1_000 + i,
                (i as f64).sin(),
            );
            if i % 7 == 0 {
                p.push("a", Some("subset=val"), i, 2_000 + i, f64::NAN);
            }
        }
        let b = p.to_batch().unwrap();
        assert!(b.num_rows() > ROW_GROUP_ROWS, "two row groups");
        let parallel = encode(&b).unwrap();
        assert_eq!(
            parallel,
            encode_with(std::slice::from_ref(&b), &[], 1).unwrap()
        );
        let back = decode(parallel, "segment").unwrap();
        assert_eq!(
            back.iter().map(|b| b.num_rows()).sum::<usize>(),
            b.num_rows()
        );
    }

    #[test]
    fn a_file_that_is_not_a_segment_is_an_integrity_error() {
        let e = decode(b"PAR1 nonsense".to_vec(), "segment x").unwrap_err();
        assert!(matches!(e, Error::Integrity(_)), "{e}");
        assert!(e.to_string().contains("segment x"), "{e}");
    }
}
