//! An index object opened for ranged reads ([`Store::open_index`]), as a
//! Parquet [`ChunkReader`]: a reader of a big table (the run table is
//! ~100 MB over 10,000 runs) reads its footer and the column chunks it
//! needs, not the whole object.
//!
//! A folder store's object is an open file: it reads the version that was
//! there when it was opened even if a writer replaces it meanwhile (writers
//! rename a new file over it). Other stores read byte ranges of the
//! object as it was when opened (its ETag is a precondition of every read,
//! so a replaced object reads as an error, never as a mix of two
//! versions); ranges asked for ahead of use ([`IndexObject::prefetch`])
//! are fetched together and kept.

use std::io::Read;
use std::ops::Range;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use object_store::path::Path;
use object_store::{GetOptions, GetRange};
use parquet::file::reader::{ChunkReader, Length};

use super::super::{storage, Store};
use crate::error::{Error, Result};

/// Bytes read at once at the end of an object on open (the Parquet footer
/// and, for tables of a few hundred columns, its metadata) and from a
/// page header on: one request each instead of a few small ones.
const READ_AHEAD: u64 = 256 * 1024;

/// Ranges [`IndexObject::prefetch`] fetches as one when no more than this
/// apart.
const COALESCE: u64 = 1024 * 1024;

/// An index object opened for ranged reads.
pub(crate) struct IndexObject {
    len: u64,
    source: Source,
}

enum Source {
    /// A folder store's file.
    File(Arc<std::fs::File>),
    /// An object of another store, as of `e_tag`, and the ranges fetched
    /// so far.
    Object {
        store: Store,
        path: Path,
        e_tag: Option<String>,
        fetched: Mutex<Vec<(u64, Bytes)>>,
    },
}

impl Store {
    /// The index object at `path` opened for ranged reads, or `None` if it
    /// does not exist (see [`read_index`](Self::read_index)).
    pub(crate) fn open_index(&self, path: &str) -> Result<Option<IndexObject>> {
        super::super::check_log_name(path)?;
        let key = Path::from(path);
        if let Some(root) = self.backend.root() {
            let file = root.join(key.as_ref());
            let f = match std::fs::File::open(&file) {
                Ok(f) => f,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
                Err(e) => return Err(Error::io(&file, e)),
            };
            let len = f.metadata().map_err(|e| Error::io(&file, e))?.len();
            return Ok(Some(IndexObject {
                len,
                source: Source::File(Arc::new(f)),
            }));
        }
        // The last READ_AHEAD bytes, with the object's size and ETag.
        let (store, p) = (self.inner(), key.clone());
        let got = self.backend.run(async move {
            let opts = GetOptions {
                range: Some(GetRange::Suffix(READ_AHEAD)),
                ..Default::default()
            };
            let r = store
                .get_opts(&p, opts)
                .await
                .map_err(|e| storage(format!("read {p}"), e))?;
            let (len, e_tag, start) = (r.meta.size, r.meta.e_tag.clone(), r.range.start);
            let bytes = r
                .bytes()
                .await
                .map_err(|e| storage(format!("read {p}"), e))?;
            Ok((len, e_tag, start, bytes))
        });
        let (len, e_tag, start, bytes) = match got {
            Ok(g) => g,
            Err(Error::NotFound(_)) => return Ok(None),
            Err(e) => return Err(e),
        };
        Ok(Some(IndexObject {
            len,
            source: Source::Object {
                store: self.clone(),
                path: key,
                e_tag,
                fetched: Mutex::new(vec![(start, bytes)]),
            },
        }))
    }
}

impl IndexObject {
    /// Fetches `ranges` now, together (a store request or a few), for the
    /// reads that follow; a no-op on a file.
    pub(crate) fn prefetch(&self, ranges: &[Range<u64>]) -> Result<()> {
        let Source::Object {
            store,
            path,
            e_tag,
            fetched,
        } = &self.source
        else {
            return Ok(());
        };
        let mut wanted: Vec<Range<u64>> = ranges
            .iter()
            .filter(|r| {
                r.start < r.end && r.end <= self.len && self.cached(r.start, r.end).is_none()
            })
            .cloned()
            .collect();
        if wanted.is_empty() {
            return Ok(());
        }
        // Ranges close to each other as one request (all the columns of a
        // table are one read, not one per column chunk).
        wanted.sort_unstable_by_key(|r| r.start);
        let mut ranges: Vec<Range<u64>> = Vec::with_capacity(wanted.len());
        for r in wanted {
            match ranges.last_mut() {
                Some(last) if r.start <= last.end + COALESCE => last.end = last.end.max(r.end),
                _ => ranges.push(r),
            }
        }
        let got = fetch(store, path, e_tag, &ranges)?;
        let mut f = fetched.lock().unwrap_or_else(|p| p.into_inner());
        f.extend(ranges.iter().map(|r| r.start).zip(got));
        Ok(())
    }

    /// Bytes `start..end` if a fetched range holds them.
    fn cached(&self, start: u64, end: u64) -> Option<Bytes> {
        let Source::Object { fetched, .. } = &self.source else {
            return None;
        };
        let f = fetched.lock().unwrap_or_else(|p| p.into_inner());
        f.iter().find_map(|(at, b)| {
            (*at <= start && end <= at + b.len() as u64)
                .then(|| b.slice((start - at) as usize..(end - at) as usize))
        })
    }

    /// Bytes `start..end` of the object.
    fn range(&self, start: u64, end: u64) -> Result<Bytes> {
        let end = end.min(self.len);
        if start >= end {
            return Ok(Bytes::new());
        }
        match &self.source {
            Source::File(f) => {
                let mut buf = vec![0; (end - start) as usize];
                let mut r = FileAt {
                    file: f.clone(),
                    at: start,
                };
                r.read_exact(&mut buf)
                    .map_err(|e| Error::io(std::path::Path::new("index object"), e))?;
                Ok(Bytes::from(buf))
            }
            Source::Object {
                store, path, e_tag, ..
            } => match self.cached(start, end) {
                Some(b) => Ok(b),
                None => {
                    Ok(fetch(store, path, e_tag, std::slice::from_ref(&(start..end)))?.remove(0))
                }
            },
        }
    }
}

/// `ranges` of the object at `path` as it was with `e_tag` (each read
/// fails if it was replaced since).
fn fetch(
    store: &Store,
    path: &Path,
    e_tag: &Option<String>,
    ranges: &[Range<u64>],
) -> Result<Vec<Bytes>> {
    let (inner, p, tag, ranges) = (store.inner(), path.clone(), e_tag.clone(), ranges.to_vec());
    store.backend.run(async move {
        let mut out = Vec::with_capacity(ranges.len());
        for r in ranges {
            let opts = GetOptions {
                range: Some(GetRange::Bounded(r.clone())),
                if_match: tag.clone(),
                ..Default::default()
            };
            let got = inner
                .get_opts(&p, opts)
                .await
                .map_err(|e| storage(format!("read {p}"), e))?;
            let bytes = got
                .bytes()
                .await
                .map_err(|e| storage(format!("read {p}"), e))?;
            if bytes.len() as u64 != r.end - r.start {
                return Err(Error::Integrity(format!(
                    "{p} is shorter than {} bytes (read {} from {})",
                    r.end,
                    bytes.len(),
                    r.start
                )));
            }
            out.push(bytes);
        }
        Ok(out)
    })
}

/// A file read from an offset on, without moving a shared file position
/// (two readers of one object may read two places at once).
pub(crate) struct FileAt {
    file: Arc<std::fs::File>,
    at: u64,
}

impl Read for FileAt {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        #[cfg(unix)]
        let n = std::os::unix::fs::FileExt::read_at(&*self.file, buf, self.at)?;
        #[cfg(windows)]
        let n = std::os::windows::fs::FileExt::seek_read(&*self.file, buf, self.at)?;
        self.at += n as u64;
        Ok(n)
    }
}

/// What [`IndexObject::get_read`](ChunkReader::get_read) gives.
pub(crate) enum ChunkRead {
    /// A file from an offset on, buffered.
    File(std::io::BufReader<FileAt>),
    /// Fetched bytes.
    Bytes(bytes::buf::Reader<Bytes>),
}

impl Read for ChunkRead {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        match self {
            ChunkRead::File(r) => r.read(buf),
            ChunkRead::Bytes(r) => r.read(buf),
        }
    }
}

impl Length for IndexObject {
    fn len(&self) -> u64 {
        self.len
    }
}

impl ChunkReader for IndexObject {
    type T = ChunkRead;

    /// From `start` on: the file, or (another store) READ_AHEAD bytes
    /// (what a page header needs, and usually its page) or the fetched
    /// range that holds `start`.
    fn get_read(&self, start: u64) -> parquet::errors::Result<Self::T> {
        use bytes::Buf;
        if let Source::File(f) = &self.source {
            return Ok(ChunkRead::File(std::io::BufReader::new(FileAt {
                file: f.clone(),
                at: start,
            })));
        }
        let end = (start + READ_AHEAD).min(self.len);
        let bytes = match self.cached(start, end) {
            Some(b) => b,
            None => self.range(start, end).map_err(parquet_error)?,
        };
        Ok(ChunkRead::Bytes(bytes.reader()))
    }

    fn get_bytes(&self, start: u64, length: usize) -> parquet::errors::Result<Bytes> {
        let end = start + length as u64;
        if end > self.len {
            return Err(parquet::errors::ParquetError::EOF(format!(
                "index object: {end} is past its end ({})",
                self.len
            )));
        }
        self.range(start, end).map_err(parquet_error)
    }
}

fn parquet_error(e: Error) -> parquet::errors::ParquetError {
    parquet::errors::ParquetError::External(Box::new(e))
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::{Array, Int64Array, RecordBatch};
    use parquet::arrow::arrow_reader::{ArrowReaderMetadata, ParquetRecordBatchReaderBuilder};
    use parquet::arrow::{ArrowWriter, ProjectionMask};

    /// A table of `cols` Int64 columns `c0..`, `rows` rows, column `k`
    /// holding `k * 1000 + row`.
    fn table(cols: usize, rows: i64) -> Vec<u8> {
        let columns: Vec<(String, arrow::array::ArrayRef)> = (0..cols)
            .map(|k| {
                let a = Int64Array::from_iter_values((0..rows).map(|r| k as i64 * 1000 + r));
                (format!("c{k}"), Arc::new(a) as arrow::array::ArrayRef)
            })
            .collect();
        let b = RecordBatch::try_from_iter(columns).unwrap();
        let mut out = Vec::new();
        let mut w = ArrowWriter::try_new(&mut out, b.schema(), None).unwrap();
        w.write(&b).unwrap();
        w.close().unwrap();
        out
    }

    /// Column `k` of the table at `path`, read through `open_index`, with
    /// the column's chunks fetched ahead as the run table's reader does.
    fn column(store: &Store, path: &str, k: usize) -> Option<Vec<i64>> {
        let object = store.open_index(path).unwrap()?;
        let m = ArrowReaderMetadata::load(&object, Default::default()).ok()?;
        let ranges: Vec<Range<u64>> = m
            .metadata()
            .row_groups()
            .iter()
            .map(|g| {
                let (s, l) = g.column(k).byte_range();
                s..s + l
            })
            .collect();
        object.prefetch(&ranges).unwrap();
        let b = ParquetRecordBatchReaderBuilder::new_with_metadata(object, m);
        let mask = ProjectionMask::roots(b.parquet_schema(), [k]);
        let r = b.with_projection(mask).build().ok()?;
        let batches: Vec<RecordBatch> = r.collect::<std::result::Result<_, _>>().ok()?;
        Some(
            batches
                .iter()
                .flat_map(|b| {
                    let a = b.column(0).as_any().downcast_ref::<Int64Array>().unwrap();
                    (0..a.len()).map(|i| a.value(i)).collect::<Vec<_>>()
                })
                .collect(),
        )
    }

    #[test]
    fn a_column_reads_from_a_folder_and_from_memory_and_a_missing_object_is_none() {
        let dir = tempfile::tempdir().unwrap();
        let folder = Store::open(dir.path().to_str().unwrap()).unwrap();
        let memory = Store::open("memory://").unwrap();
        let bytes = table(50, 3000);
        for store in [&folder, &memory] {
            assert!(store
                .open_index("indexes/t/none.parquet")
                .unwrap()
                .is_none());
            store
                .write_index("indexes/t/x.parquet", bytes.clone(), false)
                .unwrap();
            let got = column(store, "indexes/t/x.parquet", 37).unwrap();
            assert_eq!(got.len(), 3000);
            assert_eq!((got[0], got[2999]), (37_000, 39_999));
            let o = store.open_index("indexes/t/x.parquet").unwrap().unwrap();
            assert_eq!(o.len(), bytes.len() as u64);
            assert_eq!(o.get_bytes(4, 10).unwrap(), bytes[4..14]);
            assert!(o.get_bytes(bytes.len() as u64 - 2, 3).is_err());
            let mut head = Vec::new();
            o.get_read(0)
                .unwrap()
                .take(4)
                .read_to_end(&mut head)
                .unwrap();
            assert_eq!(head, b"PAR1");
        }
    }

    #[test]
    fn prefetched_ranges_answer_reads_and_a_replaced_object_is_an_error() {
        let memory = Store::open("memory://").unwrap();
        let bytes = table(20, 100_000);
        assert!(bytes.len() as u64 > 2 * READ_AHEAD);
        memory
            .write_index("indexes/t/x.parquet", bytes.clone(), false)
            .unwrap();
        let o = memory.open_index("indexes/t/x.parquet").unwrap().unwrap();
        o.prefetch(&[100..200, 10..20]).unwrap();
        assert_eq!(o.cached(120, 150).unwrap(), bytes[120..150]);
        // Fetched as one range, gap included.
        assert_eq!(o.cached(15, 150).unwrap(), bytes[15..150]);
        assert!(o.cached(0, 5).is_none());
        // Another object under the name: a read of a range not fetched yet
        // fails instead of mixing the two.
        memory
            .write_index("indexes/t/x.parquet", table(20, 99_999), false)
            .unwrap();
        assert_eq!(o.get_bytes(120, 30).unwrap(), bytes[120..150]);
        assert!(o.get_bytes(300, 30).is_err());
    }
}
