//! Row-level diff of two data set versions by key
//! ([`Registry::diff_rows`]): the rows added, removed and changed, which
//! cells changed, and the schema changes, as Arrow.
//!
//! How it reads: both versions' Parquet files are fetched (in parallel),
//! and each row group is hashed from the bytes of its column chunks (the
//! key columns and the columns compared, BLAKE3; the footer's byte ranges,
//! nothing decoded). A row group of one version whose hash equals one of
//! the other's holds the same rows in the same order: the pair is
//! skipped, its value columns never decoded. Only its key columns are
//! decoded, so that a key repeated elsewhere in a version, or a null key,
//! is still found whatever the layout. The other row groups are decoded,
//! the rows matched by key (a hash map over the keys' row encoding), and
//! each compared column of the matched rows compared in one vectorised
//! pass (`IS DISTINCT FROM`: two nulls are equal, floats by total order).
//!
//! Data sets are written in row groups of [`ROW_GROUP_ROWS`] rows (see
//! `spool`), so a version that appends rows or edits a few row groups
//! shares the rest with the version before it.

use std::collections::BTreeMap;
use std::sync::Arc;

use arrow::array::{
    Array, ArrayRef, BooleanArray, ListBuilder, RecordBatch, StringBuilder, UInt32Array,
};
use arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use arrow::row::{RowConverter, SortField};
use bytes::Bytes;
use parquet::arrow::arrow_reader::{
    ArrowReaderMetadata, ArrowReaderOptions, ParquetRecordBatchReaderBuilder,
};
use parquet::arrow::ProjectionMask;
use serde::Serialize;

use super::PARTS_FORMAT;
use crate::error::{Error, Result};
use crate::registry::{Kind, Registry, Version};

/// Rows per Parquet row group of a committed data set version: a change
/// to some rows leaves the other groups' bytes as they were, and
/// [`Registry::diff_rows`] skips groups equal in both versions.
pub const ROW_GROUP_ROWS: usize = 1 << 17;

/// The name of the column of [`RowDiff::changed`] listing the columns
/// that changed in each row.
pub const CHANGED_COLUMN: &str = "changed_columns";

/// Arrow data: a schema and its record batches (possibly none).
#[derive(Debug, Clone)]
pub struct RowTable {
    /// The columns.
    pub schema: SchemaRef,
    /// The rows.
    pub batches: Vec<RecordBatch>,
}

impl RowTable {
    /// Rows in all batches.
    pub fn num_rows(&self) -> usize {
        self.batches.iter().map(RecordBatch::num_rows).sum()
    }
}

/// Counts of a row diff (what [`RowDiff::summary`] gives): what changed,
/// before the rows themselves.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RowDiffSummary {
    /// The version compared from.
    pub from: u64,
    /// The version compared to.
    pub to: u64,
    /// The key columns.
    pub key: Vec<String>,
    /// Rows in each version.
    pub rows: (u64, u64),
    /// Rows whose key only `to` has.
    pub added: u64,
    /// Rows whose key only `from` has.
    pub removed: u64,
    /// Rows in both with at least one compared cell that differs.
    pub changed: u64,
    /// Rows in both with every compared cell equal.
    pub unchanged: u64,
    /// Per compared column (in both versions with the same type, not a
    /// key): how many matched rows differ in it.
    pub changed_cells: BTreeMap<String, u64>,
    /// Columns only in `to`: `(name, Arrow type)`.
    pub columns_added: Vec<(String, String)>,
    /// Columns only in `from`.
    pub columns_removed: Vec<(String, String)>,
    /// Columns whose type changed: `(name, from type, to type)`; their
    /// cells are not compared.
    pub columns_retyped: Vec<(String, String, String)>,
    /// Row groups read: `(from, to)`.
    pub row_groups: (u64, u64),
    /// Pairs of equal row groups skipped without decoding their values.
    pub row_groups_skipped: u64,
}

/// What changed between two data set versions, row by row, by key
/// ([`Registry::diff_rows`]).
#[derive(Debug, Clone)]
pub struct RowDiff {
    /// The counts and the schema changes.
    pub summary: RowDiffSummary,
    /// Rows of `to` whose key `from` lacks, with all of `to`'s columns.
    pub added: RowTable,
    /// Rows of `from` whose key `to` lacks, with all of `from`'s columns.
    pub removed: RowTable,
    /// Rows whose key both have and whose compared cells differ: the key
    /// columns (as in `to`) and [`CHANGED_COLUMN`], the names of the
    /// columns that differ (a list of strings, in `to`'s column order).
    pub changed: RowTable,
}

impl RowDiff {
    /// The counts and schema changes.
    pub fn summary(&self) -> &RowDiffSummary {
        &self.summary
    }

    /// Writes the diff into folder `dir` (created if missing):
    /// `added.parquet`, `removed.parquet`, `changed.parquet` (zstd) and
    /// `summary.json`. What `mlops diff --key ... --out DIR` writes.
    pub fn write_to(&self, dir: impl AsRef<std::path::Path>) -> Result<()> {
        let dir = dir.as_ref();
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        for (file, t) in [
            ("added.parquet", &self.added),
            ("removed.parquet", &self.removed),
            ("changed.parquet", &self.changed),
        ] {
            let path = dir.join(file);
            let f = std::fs::File::create(&path).map_err(|e| Error::io(&path, e))?;
            let props = parquet::file::properties::WriterProperties::builder()
                .set_compression(parquet::basic::Compression::ZSTD(Default::default()))
                .build();
            let mut w = parquet::arrow::ArrowWriter::try_new(f, t.schema.clone(), Some(props))?;
            for b in &t.batches {
                w.write(b)?;
            }
            w.close()?;
        }
        let json = serde_json::to_vec_pretty(&self.summary).expect("summaries serialise");
        crate::io::write_whole(&dir.join("summary.json"), &json)
    }
}

/// One version as read for a diff.
struct Side {
    version: u64,
    schema: SchemaRef,
    /// Each Parquet file (one, or one per part) and its metadata.
    files: Vec<(Bytes, ArrowReaderMetadata)>,
}

/// Where a row group is: (file, group in the file).
type GroupAt = (usize, usize);

/// The rows of a side that were decoded.
struct Decoded {
    /// Every column of the row groups not skipped, concatenated.
    live: RecordBatch,
    /// The key columns of every row (live rows first, then the skipped
    /// groups' rows).
    keys: Vec<ArrayRef>,
    /// `(first index in keys, first row in the version, rows)` per group
    /// read, to name a row by its place in the version.
    segments: Vec<(usize, u64, usize)>,
}

impl Decoded {
    /// The row of the version that index `i` of `keys` is (from 0).
    fn row(&self, i: usize) -> u64 {
        for &(at, first, n) in &self.segments {
            if i >= at && i < at + n {
                return first + (i - at) as u64;
            }
        }
        i as u64
    }
}

impl Registry {
    /// Compares two versions of data set `name` (each a number, an alias or
    /// `latest`) row by row, matching rows by the columns `key`: the rows
    /// added, removed and changed (with the columns that changed), the
    /// changed cells per column and the schema changes. Row groups equal in
    /// both versions are skipped without decoding their values (see the
    /// module doc of `dataset::rows`).
    ///
    /// Errors: a key column missing in either version is
    /// [`Error::NotFound`] naming it and the version; a key column of
    /// different types in the two is [`Error::SchemaMismatch`]; a null key
    /// or a key on two rows of one version is [`Error::InvalidInput`]
    /// naming the column, the version and the rows (from 0).
    ///
    /// ```
    /// use std::sync::Arc;
    /// use arrow::array::{Int64Array, RecordBatch, RecordBatchIterator, StringArray};
    /// use arrow::datatypes::{DataType, Field, Schema};
    /// use mlops_core::registry::Registry;
    /// let r = Registry::open("memory://").unwrap();
    /// let schema = Arc::new(Schema::new(vec![
    ///     Field::new("id", DataType::Int64, false),
    ///     Field::new("city", DataType::Utf8, true),
    /// ]));
    /// let commit = |ids: Vec<i64>, cities: Vec<&str>| {
    ///     let b = RecordBatch::try_new(schema.clone(), vec![
    ///         Arc::new(Int64Array::from(ids)), Arc::new(StringArray::from(cities))]).unwrap();
    ///     r.commit_dataset("people", RecordBatchIterator::new([Ok(b)], schema.clone()), "", serde_json::json!({})).unwrap()
    /// };
    /// commit(vec![1, 2, 3], vec!["Oslo", "Lima", "Pune"]);
    /// commit(vec![1, 3, 4], vec!["Oslo", "Kyiv", "Rome"]);
    /// let d = r.diff_rows("people", "1", "2", &["id"]).unwrap();
    /// let s = d.summary();
    /// assert_eq!((s.added, s.removed, s.changed, s.unchanged), (1, 1, 1, 1));
    /// assert_eq!(s.changed_cells["city"], 1);
    /// ```
    pub fn diff_rows(&self, name: &str, from: &str, to: &str, key: &[&str]) -> Result<RowDiff> {
        if key.is_empty() {
            return Err(Error::InvalidInput(
                "diff by key: name at least one key column".into(),
            ));
        }
        for (i, k) in key.iter().enumerate() {
            if key[..i].contains(k) {
                return Err(Error::InvalidInput(format!(
                    "diff by key: key column '{k}' is named twice"
                )));
            }
            if *k == CHANGED_COLUMN {
                return Err(Error::InvalidInput(format!(
                    "diff by key: a key column may not be named '{CHANGED_COLUMN}' (the \
                     changed rows' column of changed names)"
                )));
            }
        }
        let a = self.asset(Kind::Dataset, name)?;
        let (va, vb) = (a.resolve(from)?.clone(), a.resolve(to)?.clone());
        let (sa, sb) = rayon::join(|| self.side(name, &va), || self.side(name, &vb));
        let (sa, sb) = (sa?, sb?);
        diff_sides(name, &sa, &sb, key)
    }

    /// A version's Parquet files and their footers.
    fn side(&self, name: &str, v: &Version) -> Result<Side> {
        let Some(info) = &v.dataset else {
            return Err(Error::InvalidInput(format!(
                "dataset '{name}' version {} was added as a file, not committed as data",
                v.version
            )));
        };
        let contents = if info.format == PARTS_FORMAT {
            super::parts::parts_of(self, v)?
                .into_iter()
                .map(|p| (p.content, p.size))
                .collect()
        } else {
            vec![(v.content.clone(), v.size)]
        };
        let mut files = Vec::with_capacity(contents.len());
        for (content, size) in contents {
            let mut bytes = Vec::with_capacity(size as usize);
            self.store().get_content(&content, &mut bytes)?;
            let bytes = Bytes::from(bytes);
            let meta = ArrowReaderMetadata::load(&bytes, ArrowReaderOptions::default())?;
            files.push((bytes, meta));
        }
        let schema = match files.first() {
            Some((_, m)) => m.schema().clone(),
            None => Arc::new(Schema::empty()),
        };
        Ok(Side {
            version: v.version,
            schema,
            files,
        })
    }
}

/// The hash of a row group: the bytes of the column chunks of `columns`
/// (names in order), each after its name, and its row count.
fn group_hash(
    file: &(Bytes, ArrowReaderMetadata),
    group: usize,
    columns: &[String],
) -> Result<[u8; 32]> {
    let (bytes, meta) = file;
    let pq = meta.metadata();
    let descr = pq.file_metadata().schema_descr();
    let rg = pq.row_group(group);
    let roots = descr.root_schema().get_fields();
    let mut h = blake3::Hasher::new();
    h.update(&(rg.num_rows() as u64).to_le_bytes());
    for c in columns {
        h.update(c.as_bytes());
        h.update(&[0]);
        for leaf in 0..descr.num_columns() {
            if roots[descr.get_column_root_idx(leaf)].name() != c {
                continue;
            }
            let (start, len) = rg.column(leaf).byte_range();
            match bytes.get(start as usize..(start + len) as usize) {
                Some(chunk) => {
                    h.update(&len.to_le_bytes());
                    h.update(chunk);
                }
                None => {
                    return Err(Error::Integrity(format!(
                        "row group {group}, column '{c}': its chunk ends past the Parquet file"
                    )))
                }
            }
        }
    }
    Ok(*h.finalize().as_bytes())
}

/// Every row group of a side, in order.
fn groups(side: &Side) -> Vec<GroupAt> {
    side.files
        .iter()
        .enumerate()
        .flat_map(|(f, (_, m))| (0..m.metadata().num_row_groups()).map(move |g| (f, g)))
        .collect()
}

fn diff_sides(name: &str, a: &Side, b: &Side, key: &[&str]) -> Result<RowDiff> {
    // The key columns: in both, of one type.
    for k in key {
        for s in [a, b] {
            if s.schema.index_of(k).is_err() {
                return Err(Error::NotFound(format!(
                    "key column '{k}' in dataset '{name}' version {}",
                    s.version
                )));
            }
        }
        let (ta, tb) = (
            a.schema.field_with_name(k)?.data_type(),
            b.schema.field_with_name(k)?.data_type(),
        );
        if ta != tb {
            return Err(Error::SchemaMismatch(format!(
                "key column '{k}' of dataset '{name}' is {ta} in version {} and {tb} in \
                 version {}",
                a.version, b.version
            )));
        }
    }
    // The schema changes, and the columns compared (in `to`'s order).
    let mut columns_added = Vec::new();
    let mut columns_retyped = Vec::new();
    let mut compared = Vec::new();
    for f in b.schema.fields() {
        match a.schema.field_with_name(f.name()) {
            Err(_) => columns_added.push((f.name().clone(), f.data_type().to_string())),
            Ok(fa) if fa.data_type() != f.data_type() => columns_retyped.push((
                f.name().clone(),
                fa.data_type().to_string(),
                f.data_type().to_string(),
            )),
            Ok(_) if key.contains(&f.name().as_str()) => {}
            Ok(_) => compared.push(f.name().clone()),
        }
    }
    let columns_removed: Vec<(String, String)> = a
        .schema
        .fields()
        .iter()
        .filter(|f| b.schema.field_with_name(f.name()).is_err())
        .map(|f| (f.name().clone(), f.data_type().to_string()))
        .collect();

    // Equal row groups, paired.
    let mut hashed: Vec<String> = key.iter().map(|k| k.to_string()).collect();
    hashed.extend(compared.iter().cloned());
    let (ga, gb) = (groups(a), groups(b));
    let (ha, hb) = rayon::join(|| hashes(a, &ga, &hashed), || hashes(b, &gb, &hashed));
    let (ha, hb) = (ha?, hb?);
    let mut by_hash: foldhash::HashMap<[u8; 32], Vec<usize>> = Default::default();
    for (i, h) in ha.iter().enumerate().rev() {
        by_hash.entry(*h).or_default().push(i);
    }
    let mut skip_a = vec![false; ga.len()];
    let mut skip_b = vec![false; gb.len()];
    let mut skipped = 0u64;
    for (j, h) in hb.iter().enumerate() {
        if let Some(i) = by_hash.get_mut(h).and_then(Vec::pop) {
            skip_a[i] = true;
            skip_b[j] = true;
            skipped += 1;
        }
    }

    let (da, db) = rayon::join(
        || decode(name, a, &ga, &skip_a, key),
        || decode(name, b, &gb, &skip_b, key),
    );
    let (da, db) = (da?, db?);

    // Keys matched: one integer key by its values, others by their row
    // encoding (bytes that compare equal exactly when the keys do).
    let (na, nb) = (da.keys[0].len(), db.keys[0].len());
    let matched = match (int_key(&da.keys), int_key(&db.keys)) {
        (Some(ka), Some(kb)) => {
            let (ka, kb) = (ka?, kb?);
            match_keys(na, nb, |i| ka.value(i), |j| kb.value(j))
        }
        _ => {
            let fields: Vec<SortField> = key
                .iter()
                .map(|k| {
                    a.schema
                        .field_with_name(k)
                        .map(|f| SortField::new(f.data_type().clone()))
                })
                .collect::<std::result::Result<_, _>>()?;
            let conv_a = RowConverter::new(fields.clone())?;
            let conv_b = RowConverter::new(fields)?;
            let (ra, rb) = rayon::join(
                || conv_a.convert_columns(&da.keys),
                || conv_b.convert_columns(&db.keys),
            );
            let (ra, rb) = (ra?, rb?);
            match_keys(na, nb, |i| ra.row(i).data(), |j| rb.row(j).data())
        }
    };
    let Matched {
        matched_a,
        pair_a,
        pair_b,
        added_rows,
    } = match matched {
        Ok(m) => m,
        Err(Dup::A(i, j)) => return Err(duplicate(name, a.version, key, &da, i, j)),
        Err(Dup::B(i, j)) => return Err(duplicate(name, b.version, key, &db, i, j)),
    };
    let live_a = da.live.num_rows();
    let live_b = db.live.num_rows();
    let (pair_a, pair_b): (Vec<u32>, Vec<u32>) = pair_a
        .into_iter()
        .zip(pair_b)
        .filter(|&(i, j)| (i as usize) < live_a && (j as usize) < live_b)
        .unzip();
    let removed_rows: Vec<u32> = (0..live_a as u32)
        .filter(|&i| matched_a[i as usize] == u32::MAX)
        .collect();

    // The matched rows' cells, column by column.
    let (pa, pb) = (UInt32Array::from(pair_a), UInt32Array::from(pair_b));
    let masks: Vec<Result<BooleanArray>> = {
        use rayon::prelude::*;
        compared
            .par_iter()
            .map(|c| {
                let x =
                    arrow::compute::take(da.live.column_by_name(c).expect("decoded"), &pa, None)?;
                let y =
                    arrow::compute::take(db.live.column_by_name(c).expect("decoded"), &pb, None)?;
                differ(&x, &y)
            })
            .collect()
    };
    let masks = masks.into_iter().collect::<Result<Vec<_>>>()?;
    let mut changed_cells = BTreeMap::new();
    let mut any = vec![false; pa.len()];
    for (c, m) in compared.iter().zip(&masks) {
        changed_cells.insert(c.clone(), m.true_count() as u64);
        if m.true_count() > 0 {
            for (slot, v) in any.iter_mut().zip(m.values().iter()) {
                *slot |= v;
            }
        }
    }
    let changed_at: Vec<usize> = (0..any.len()).filter(|&i| any[i]).collect();

    // The changed rows: key columns and the names of the changed columns.
    let mut names = ListBuilder::new(StringBuilder::new()).with_field(Arc::new(Field::new(
        "item",
        DataType::Utf8,
        false,
    )));
    for &i in &changed_at {
        for (c, m) in compared.iter().zip(&masks) {
            if m.value(i) {
                names.values().append_value(c);
            }
        }
        names.append(true);
    }
    let take_b = UInt32Array::from(changed_at.iter().map(|&i| pb.value(i)).collect::<Vec<_>>());
    let mut cols: Vec<ArrayRef> = Vec::new();
    let mut fields: Vec<Field> = Vec::new();
    for k in key {
        let f = b.schema.field_with_name(k)?;
        fields.push(f.clone());
        cols.push(arrow::compute::take(
            db.live.column_by_name(k).expect("decoded"),
            &take_b,
            None,
        )?);
    }
    let names = names.finish();
    fields.push(Field::new(CHANGED_COLUMN, names.data_type().clone(), false));
    cols.push(Arc::new(names));
    let changed_schema = Arc::new(Schema::new(fields));
    let changed = RowTable {
        schema: changed_schema.clone(),
        batches: vec![RecordBatch::try_new(changed_schema, cols)?],
    };

    let added = take_rows(&db.live, &added_rows)?;
    let removed = take_rows(&da.live, &removed_rows)?;
    let rows = |s: &Side| {
        s.files
            .iter()
            .map(|(_, m)| m.metadata().file_metadata().num_rows() as u64)
            .sum::<u64>()
    };
    let summary = RowDiffSummary {
        from: a.version,
        to: b.version,
        key: key.iter().map(|k| k.to_string()).collect(),
        rows: (rows(a), rows(b)),
        added: added_rows.len() as u64,
        removed: removed_rows.len() as u64,
        changed: changed_at.len() as u64,
        unchanged: (na - removed_rows.len() - changed_at.len()) as u64,
        changed_cells,
        columns_added,
        columns_removed,
        columns_retyped,
        row_groups: (ga.len() as u64, gb.len() as u64),
        row_groups_skipped: skipped,
    };
    Ok(RowDiff {
        summary,
        added: RowTable {
            schema: b.schema.clone(),
            batches: added,
        },
        removed: RowTable {
            schema: a.schema.clone(),
            batches: removed,
        },
        changed,
    })
}

/// The rows matched by key: for each row of `from`, the row of `to` with
/// its key (`u32::MAX`: none); the pairs; the rows of `to` no row of
/// `from` has the key of.
struct Matched {
    matched_a: Vec<u32>,
    pair_a: Vec<u32>,
    pair_b: Vec<u32>,
    added_rows: Vec<u32>,
}

/// A key on two rows of `from` (`A`) or of `to` (`B`).
enum Dup {
    A(usize, usize),
    B(usize, usize),
}

/// Matches `na` rows of `from` with `nb` rows of `to` by the keys `ka`
/// and `kb` give.
fn match_keys<K: std::hash::Hash + Eq>(
    na: usize,
    nb: usize,
    ka: impl Fn(usize) -> K,
    kb: impl Fn(usize) -> K,
) -> std::result::Result<Matched, Dup> {
    let mut index: foldhash::HashMap<K, u32> = Default::default();
    index.reserve(na);
    for i in 0..na {
        if let Some(first) = index.insert(ka(i), i as u32) {
            return Err(Dup::A(first as usize, i));
        }
    }
    let mut matched_a = vec![u32::MAX; na];
    let mut unmatched_b: foldhash::HashMap<K, u32> = Default::default();
    let (mut pair_a, mut pair_b) = (
        Vec::with_capacity(na.min(nb)),
        Vec::with_capacity(na.min(nb)),
    );
    let mut added_rows = Vec::new();
    for j in 0..nb {
        let k = kb(j);
        match index.get(&k) {
            Some(&i) => {
                let earlier = matched_a[i as usize];
                if earlier != u32::MAX {
                    return Err(Dup::B(earlier as usize, j));
                }
                matched_a[i as usize] = j as u32;
                pair_a.push(i);
                pair_b.push(j as u32);
            }
            None => {
                if let Some(first) = unmatched_b.insert(k, j as u32) {
                    return Err(Dup::B(first as usize, j));
                }
                added_rows.push(j as u32);
            }
        }
    }
    Ok(Matched {
        matched_a,
        pair_a,
        pair_b,
        added_rows,
    })
}

/// One integer key column (of at most 64 bits, signed, or unsigned of at
/// most 32) as Int64 values; `None` for other keys.
fn int_key(keys: &[ArrayRef]) -> Option<Result<arrow::array::Int64Array>> {
    let [k] = keys else { return None };
    match k.data_type() {
        DataType::Int8
        | DataType::Int16
        | DataType::Int32
        | DataType::Int64
        | DataType::UInt8
        | DataType::UInt16
        | DataType::UInt32 => Some(
            arrow::compute::cast(k, &DataType::Int64)
                .map(|a| {
                    a.as_any()
                        .downcast_ref::<arrow::array::Int64Array>()
                        .expect("cast to Int64")
                        .clone()
                })
                .map_err(Into::into),
        ),
        _ => None,
    }
}

fn hashes(side: &Side, groups: &[GroupAt], columns: &[String]) -> Result<Vec<[u8; 32]>> {
    groups
        .iter()
        .map(|&(f, g)| group_hash(&side.files[f], g, columns))
        .collect()
}

/// The rows at `at` of `live` (none: no batch).
fn take_rows(live: &RecordBatch, at: &[u32]) -> Result<Vec<RecordBatch>> {
    if at.is_empty() {
        return Ok(Vec::new());
    }
    let idx = UInt32Array::from(at.to_vec());
    Ok(vec![arrow::compute::take_record_batch(live, &idx)?])
}

/// Which cells of two arrays of one type differ (`IS DISTINCT FROM`; for
/// nested types, by their row encoding).
fn differ(x: &ArrayRef, y: &ArrayRef) -> Result<BooleanArray> {
    match arrow::compute::kernels::cmp::distinct(x, y) {
        Ok(m) => Ok(m),
        Err(_) => {
            let conv = RowConverter::new(vec![SortField::new(x.data_type().clone())])?;
            let (rx, ry) = (
                conv.convert_columns(std::slice::from_ref(x))?,
                conv.convert_columns(std::slice::from_ref(y))?,
            );
            Ok((0..rx.num_rows())
                .map(|i| Some(rx.row(i) != ry.row(i)))
                .collect())
        }
    }
}

/// Decodes a side: every column of the groups not skipped, and the key
/// columns of all; refuses null keys.
fn decode(
    name: &str,
    side: &Side,
    groups: &[GroupAt],
    skip: &[bool],
    key: &[&str],
) -> Result<Decoded> {
    let mut live = Vec::new();
    let mut keys_skipped: Vec<Vec<ArrayRef>> = vec![Vec::new(); key.len()];
    let mut live_segments = Vec::new();
    let mut skipped_segments = Vec::new();
    let (mut live_at, mut skipped_at) = (0usize, 0usize);
    let mut first_row = 0u64;
    for (f, (bytes, meta)) in side.files.iter().enumerate() {
        let pq = meta.metadata();
        let mut live_groups = Vec::new();
        let mut skipped_groups = Vec::new();
        for (i, &(gf, g)) in groups.iter().enumerate() {
            if gf != f {
                continue;
            }
            let n = pq.row_group(g).num_rows() as usize;
            if skip[i] {
                skipped_groups.push(g);
                skipped_segments.push((skipped_at, first_row, n));
                skipped_at += n;
            } else {
                live_groups.push(g);
                live_segments.push((live_at, first_row, n));
                live_at += n;
            }
            first_row += n as u64;
        }
        if !live_groups.is_empty() {
            let reader =
                ParquetRecordBatchReaderBuilder::new_with_metadata(bytes.clone(), meta.clone())
                    .with_row_groups(live_groups)
                    .with_batch_size(1 << 16)
                    .build()?;
            for batch in reader {
                live.push(batch?);
            }
        }
        if !skipped_groups.is_empty() {
            let idx: Vec<usize> = key
                .iter()
                .map(|k| side.schema.index_of(k).expect("checked"))
                .collect();
            let mask = ProjectionMask::roots(pq.file_metadata().schema_descr(), idx);
            let reader =
                ParquetRecordBatchReaderBuilder::new_with_metadata(bytes.clone(), meta.clone())
                    .with_row_groups(skipped_groups)
                    .with_projection(mask)
                    .with_batch_size(1 << 16)
                    .build()?;
            for batch in reader {
                let batch = batch?;
                for (slot, k) in keys_skipped.iter_mut().zip(key) {
                    slot.push(batch.column_by_name(k).expect("projected").clone());
                }
            }
        }
    }
    let live = arrow::compute::concat_batches(&side.schema, &live)?;
    let mut keys = Vec::with_capacity(key.len());
    for (k, skipped) in key.iter().zip(keys_skipped) {
        let mut parts: Vec<&dyn Array> = vec![live.column_by_name(k).expect("decoded").as_ref()];
        parts.extend(skipped.iter().map(|a| a.as_ref()));
        keys.push(arrow::compute::concat(&parts)?);
    }
    let live_rows = live.num_rows();
    let mut segments = live_segments;
    segments.extend(
        skipped_segments
            .into_iter()
            .map(|(at, first, n)| (at + live_rows, first, n)),
    );
    let d = Decoded {
        live,
        keys,
        segments,
    };
    for (k, col) in key.iter().zip(&d.keys) {
        if col.null_count() > 0 {
            let i = (0..col.len()).find(|&i| col.is_null(i)).unwrap_or(0);
            return Err(Error::InvalidInput(format!(
                "key column '{k}' of dataset '{name}' version {} is null at row {}",
                side.version,
                d.row(i)
            )));
        }
    }
    Ok(d)
}

/// The error for a key on rows `i` and `j` (indexes into the keys) of a version.
fn duplicate(name: &str, version: u64, key: &[&str], d: &Decoded, i: usize, j: usize) -> Error {
    let value = key
        .iter()
        .zip(&d.keys)
        .map(|(k, col)| {
            let v =
                arrow::util::display::array_value_to_string(col, j).unwrap_or_else(|_| "?".into());
            format!("{k}={v}")
        })
        .collect::<Vec<_>>()
        .join(", ");
    let (mut r1, mut r2) = (d.row(i), d.row(j));
    if r1 > r2 {
        std::mem::swap(&mut r1, &mut r2);
    }
    Error::InvalidInput(format!(
        "duplicate key in dataset '{name}' version {version}: ({value}) is on rows {r1} and \
         {r2} (key column{} {})",
        if key.len() == 1 { "" } else { "s" },
        key.iter()
            .map(|k| format!("'{k}'"))
            .collect::<Vec<_>>()
            .join(", ")
    ))
}
