//! TensorBoard event files: a run's series written as one (read by
//! TensorBoard itself), and event files read into a new run.
//!
//! An event file (`events.out.tfevents.*`) is a sequence of TFRecords: a
//! little-endian `u64` length, the masked CRC32C of those 8 bytes, the
//! data, and the masked CRC32C of the data; each record's data is a
//! `tensorboard.Event` protocol buffer. The first one carries
//! `file_version: "brain.Event:2"`; a scalar point is an event with
//! `wall_time` (seconds), `step` and a summary value of its tag.
//!
//! **Export** ([`Registry::export_run_tensorboard`]) writes one event file
//! per context: the points without a context in the given directory, those
//! of context `subset=train` in its subdirectory `subset=train/`, each tag
//! being the metric's key. TensorBoard shows each subdirectory as a run of
//! its own, so the curves of one key overlay across contexts (Keras'
//! `train/` and `validation/` layout). Values are written as
//! `simple_value`, the form every TensorBoard reader knows, which is a
//! 32-bit float: a value is rounded to the nearest `f32` (beyond its range
//! it becomes ±inf); NaN and ±inf are kept. `wall_time` is the point's
//! time in seconds (microseconds survive the round trip).
//!
//! **Import** ([`Registry::import_tensorboard`]) reads one event file, or
//! every file whose name holds `tfevents` under a directory (TensorBoard's
//! rule), into one new run: its scalars as points, from `simple_value` and
//! from the tensor form `tensorboard.summary` and `tf.summary` write (a
//! 0-d float, double, half, bfloat16 or integer tensor of a tag whose
//! metadata names the `scalars` plugin), with step and wall time (to the
//! microsecond); images, histograms, text and other plugins' data are left
//! out. A file in a subdirectory gives its points that subdirectory's
//! context: its relative path when that reads as a context (`subset=val`),
//! else `dir=<relative path>` (Keras' `train` becomes `dir=train`).
//!
//! A damaged record (a length or data checksum that does not match, or data
//! that is no Event) is an [`Error::Integrity`] naming the file and the
//! record's byte offset. A file that ends inside a record, as a writer
//! killed mid-write leaves it, ends there: the records before it are read,
//! and the partial one is not (TensorBoard's reader does the same).

use std::collections::{BTreeMap, HashMap};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use arrow::array::{Array, AsArray};
use arrow::datatypes::{Float64Type, Int32Type, Int64Type, TimestampMicrosecondType};

use super::event::Source;
use super::import::{self, ImportedRun, IMPORTED_FROM_TAG};
use super::segment::Points;
use super::writer::check_context;
use super::RunStatus;
use crate::error::{Error, Result};
use crate::registry::Registry;

/// The `file_version` of the first event of a file this build writes.
pub const TENSORBOARD_FILE_VERSION: &str = "brain.Event:2";

/// The largest record read (a larger length is taken as damage).
pub const MAX_TFRECORD_BYTES: u64 = 1 << 30;

/// The protocol buffer messages read and written, with TensorBoard's field
/// numbers (`tensorboard/compat/proto/{event,summary,tensor,tensor_shape}.proto`);
/// fields not listed are skipped when read.
mod proto {
    /// `tensorboard.Event` (its `what` oneof as optional fields).
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct Event {
        #[prost(double, tag = "1")]
        pub wall_time: f64,
        #[prost(int64, tag = "2")]
        pub step: i64,
        #[prost(string, optional, tag = "3")]
        pub file_version: Option<String>,
        #[prost(message, optional, tag = "5")]
        pub summary: Option<Summary>,
    }

    /// `tensorboard.Summary`.
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct Summary {
        #[prost(message, repeated, tag = "1")]
        pub value: Vec<Value>,
    }

    /// `tensorboard.Summary.Value` (its `value` oneof as optional fields).
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct Value {
        #[prost(string, tag = "1")]
        pub tag: String,
        #[prost(float, optional, tag = "2")]
        pub simple_value: Option<f32>,
        #[prost(message, optional, tag = "8")]
        pub tensor: Option<Tensor>,
        #[prost(message, optional, tag = "9")]
        pub metadata: Option<SummaryMetadata>,
    }

    /// `tensorboard.SummaryMetadata`.
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct SummaryMetadata {
        #[prost(message, optional, tag = "1")]
        pub plugin_data: Option<PluginData>,
        /// `DataClass`: 1 is `DATA_CLASS_SCALAR`.
        #[prost(int32, tag = "4")]
        pub data_class: i32,
    }

    /// `tensorboard.SummaryMetadata.PluginData`.
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct PluginData {
        #[prost(string, tag = "1")]
        pub plugin_name: String,
    }

    /// `tensorboard.TensorProto`.
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct Tensor {
        /// `DataType`: 1 float, 2 double, 3 int32, 9 int64, 14 bfloat16, 19 half.
        #[prost(int32, tag = "1")]
        pub dtype: i32,
        #[prost(message, optional, tag = "2")]
        pub tensor_shape: Option<TensorShape>,
        #[prost(bytes = "vec", tag = "4")]
        pub tensor_content: Vec<u8>,
        #[prost(float, repeated, tag = "5")]
        pub float_val: Vec<f32>,
        #[prost(double, repeated, tag = "6")]
        pub double_val: Vec<f64>,
        #[prost(int32, repeated, tag = "7")]
        pub int_val: Vec<i32>,
        #[prost(int64, repeated, tag = "10")]
        pub int64_val: Vec<i64>,
        #[prost(int32, repeated, tag = "13")]
        pub half_val: Vec<i32>,
    }

    /// `tensorboard.TensorShapeProto`.
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct TensorShape {
        #[prost(message, repeated, tag = "2")]
        pub dim: Vec<Dim>,
    }

    /// `tensorboard.TensorShapeProto.Dim`.
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct Dim {
        #[prost(int64, tag = "1")]
        pub size: i64,
    }
}

/// The masked CRC32C of TFRecord framing (TensorFlow's `crc32c::Mask`).
pub fn masked_crc32c(data: &[u8]) -> u32 {
    let c = crc32c::crc32c(data);
    c.rotate_right(15).wrapping_add(0xa282_ead8)
}

/// Writes one TFRecord holding `data`.
pub fn write_tfrecord(out: &mut impl Write, data: &[u8]) -> std::io::Result<()> {
    let len = (data.len() as u64).to_le_bytes();
    out.write_all(&len)?;
    out.write_all(&masked_crc32c(&len).to_le_bytes())?;
    out.write_all(data)?;
    out.write_all(&masked_crc32c(data).to_le_bytes())
}

/// Reads up to `buf.len()` bytes; fewer only at the end of the input.
fn read_full(r: &mut impl Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

/// Reads the TFRecords of `r` (named `what` in errors), calling `each` with
/// each record's byte offset and data. A checksum that does not match is an
/// [`Error::Integrity`] naming `what` and the record's offset; input that
/// ends inside a record ends the reading (the partial record is left out).
/// Returns the number of records read.
pub fn read_tfrecords(
    r: &mut impl Read,
    what: &str,
    mut each: impl FnMut(u64, &[u8]) -> Result<()>,
) -> Result<u64> {
    let mut offset = 0u64;
    let mut records = 0u64;
    let mut data = Vec::new();
    let io = |e: std::io::Error| Error::io(what, e);
    loop {
        let mut header = [0u8; 12];
        let n = read_full(r, &mut header).map_err(io)?;
        if n < header.len() {
            return Ok(records);
        }
        let len_bytes: [u8; 8] = header[..8].try_into().expect("8 bytes");
        let crc = u32::from_le_bytes(header[8..].try_into().expect("4 bytes"));
        if masked_crc32c(&len_bytes) != crc {
            return Err(Error::Integrity(format!(
                "{what}: the record at byte {offset} is damaged (its length's checksum does not match)"
            )));
        }
        let len = u64::from_le_bytes(len_bytes);
        if len > MAX_TFRECORD_BYTES {
            return Err(Error::Integrity(format!(
                "{what}: the record at byte {offset} claims {len} bytes (more than {MAX_TFRECORD_BYTES})"
            )));
        }
        data.resize(len as usize + 4, 0);
        let n = read_full(r, &mut data).map_err(io)?;
        if n < data.len() {
            return Ok(records);
        }
        let (body, crc) = data.split_at(len as usize);
        let crc = u32::from_le_bytes(crc.try_into().expect("4 bytes"));
        if masked_crc32c(body) != crc {
            return Err(Error::Integrity(format!(
                "{what}: the record at byte {offset} is damaged (its data's checksum does not match)"
            )));
        }
        each(offset, body)?;
        records += 1;
        offset += 12 + len + 4;
    }
}

/// A name safe in a file name: letters, digits, `-`, `_` and `.` kept,
/// anything else `_`.
fn file_safe(s: &str) -> String {
    let s: String = s
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "-_.".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    if s.is_empty() {
        "localhost".into()
    } else {
        s
    }
}

/// One point read back from a run's segments.
struct Point {
    step: i64,
    time: i64,
    key: usize,
    value: f64,
}

impl Registry {
    /// Writes run `id`'s series as TensorBoard event files under `dir`
    /// (created if missing): one file per context, the points without a
    /// context in `dir` itself and those of context `c` in `dir/c/`, named
    /// `events.out.tfevents.<start seconds>.<host>`; see the module docs of
    /// `runs::tensorboard` for the form (values as 32-bit floats). Returns
    /// the files written. A file of that name already there is an
    /// [`Error::AlreadyExists`] naming it (nothing is overwritten).
    ///
    /// ```
    /// use mlops_core::registry::Registry;
    /// use mlops_core::runs::{ImportTensorboard, StartRun};
    /// let r = Registry::open("memory://").unwrap();
    /// let run = r.start_run(StartRun::default()).unwrap();
    /// run.log(&[("loss", 0.5)], 1, None).unwrap();
    /// run.log(&[("loss", 0.25)], 2, Some("subset=val")).unwrap();
    /// run.end(mlops_core::runs::RunStatus::Finished, None).unwrap();
    /// let dir = tempfile::tempdir().unwrap();
    /// let files = r.export_run_tensorboard(run.id(), dir.path()).unwrap();
    /// assert_eq!(files.len(), 2);
    /// let back = r.import_tensorboard(dir.path(), &ImportTensorboard::default()).unwrap();
    /// let info = r.run(&back).unwrap();
    /// assert_eq!(info.metric("loss", Some("subset=val")).unwrap().last, 0.25);
    /// ```
    pub fn export_run_tensorboard(&self, id: &str, dir: &Path) -> Result<Vec<PathBuf>> {
        let run = self.run(id)?;
        let mut keys: Vec<String> = Vec::new();
        let mut key_at: HashMap<String, usize> = HashMap::new();
        let mut by_context: BTreeMap<Option<String>, Vec<Point>> = BTreeMap::new();
        for s in &run.segments {
            for b in self.segment(id, s)? {
                let k = b.column(0).as_dictionary::<Int32Type>();
                let knames = k.values().as_string::<i32>();
                let c = b.column(1).as_dictionary::<Int32Type>();
                let cnames = c.values().as_string::<i32>();
                let steps = b.column(2).as_primitive::<Int64Type>().values();
                let times = b
                    .column(3)
                    .as_primitive::<TimestampMicrosecondType>()
                    .values();
                let values = b.column(4).as_primitive::<Float64Type>().values();
                for i in 0..b.num_rows() {
                    let name = knames.value(k.keys().value(i) as usize);
                    let key = match key_at.get(name) {
                        Some(&at) => at,
                        None => {
                            keys.push(name.to_string());
                            key_at.insert(name.to_string(), keys.len() - 1);
                            keys.len() - 1
                        }
                    };
                    let context = c
                        .is_valid(i)
                        .then(|| cnames.value(c.keys().value(i) as usize).to_string());
                    by_context.entry(context).or_default().push(Point {
                        step: steps[i],
                        time: times[i],
                        key,
                        value: values[i],
                    });
                }
            }
        }
        if by_context.is_empty() {
            // A run without points still gets its file, so TensorBoard lists it.
            by_context.insert(None, Vec::new());
        }
        let name = format!(
            "events.out.tfevents.{:010}.{}",
            run.start_time / 1000,
            file_safe(&run.source.host)
        );
        let mut written = Vec::new();
        for (context, mut points) in by_context {
            points.sort_by_key(|p| (p.step, p.time));
            let folder = match &context {
                None => dir.to_path_buf(),
                Some(c) => dir.join(c),
            };
            std::fs::create_dir_all(&folder).map_err(|e| Error::io(&folder, e))?;
            let path = folder.join(&name);
            let file = std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&path)
                .map_err(|e| match e.kind() {
                    std::io::ErrorKind::AlreadyExists => Error::AlreadyExists(format!(
                        "{}: an event file of this name is there already",
                        path.display()
                    )),
                    _ => Error::io(&path, e),
                })?;
            let result = write_events(file, run.start_time, &keys, &points);
            if let Err(e) = result {
                let _ = std::fs::remove_file(&path);
                return Err(Error::io(&path, e));
            }
            written.push(path);
        }
        Ok(written)
    }

    /// Reads TensorBoard event files into a new run and returns its id: the
    /// file at `path`, or every file whose name holds `tfevents` under the
    /// directory `path` (see the module docs of `runs::tensorboard` for
    /// what is read, and how subdirectories become contexts). The run
    /// starts at the earliest wall time read and ends (finished) at the
    /// latest; it is tagged [`IMPORTED_FROM_TAG`] `tensorboard:<path>`. A
    /// directory without event files is an [`Error::NotFound`]; a damaged
    /// record an [`Error::Integrity`] naming the file and byte offset; a tag
    /// that is no valid metric key an [`Error::InvalidInput`] naming it and
    /// the file. Nothing is written unless every file reads.
    pub fn import_tensorboard(&self, path: &Path, options: &ImportTensorboard) -> Result<String> {
        let meta = std::fs::metadata(path).map_err(|e| Error::io(path, e))?;
        let files: Vec<(PathBuf, Option<String>)> = if meta.is_dir() {
            let mut found = Vec::new();
            find_event_files(path, path, &mut found, 0)?;
            found.sort();
            if found.is_empty() {
                return Err(Error::NotFound(format!(
                    "{}: no TensorBoard event files (names holding 'tfevents') in it",
                    path.display()
                )));
            }
            found
                .into_iter()
                .map(|f| {
                    let rel = f
                        .parent()
                        .and_then(|p| p.strip_prefix(path).ok())
                        .map(|p| {
                            p.components()
                                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                                .collect::<Vec<_>>()
                                .join("/")
                        })
                        .unwrap_or_default();
                    let context = dir_context(&rel, &f)?;
                    Ok((f, context))
                })
                .collect::<Result<_>>()?
        } else {
            vec![(path.to_path_buf(), None)]
        };
        let mut points = Points::default();
        let (mut first, mut last) = (f64::INFINITY, f64::NEG_INFINITY);
        // Whether a tag (of a context) is a scalar, from the first value of
        // it that carries metadata (writers may send it once).
        let mut plugin: HashMap<(Option<String>, String), bool> = HashMap::new();
        for (file, context) in &files {
            let what = file.display().to_string();
            let f = std::fs::File::open(file).map_err(|e| Error::io(file, e))?;
            let mut r = std::io::BufReader::with_capacity(1 << 20, f);
            read_tfrecords(&mut r, &what, |offset, data| {
                let ev = <proto::Event as prost::Message>::decode(data).map_err(|e| {
                    Error::Integrity(format!(
                        "{what}: the record at byte {offset} is no TensorBoard event ({e})"
                    ))
                })?;
                if ev.wall_time.is_finite() {
                    first = first.min(ev.wall_time);
                    last = last.max(ev.wall_time);
                }
                let Some(summary) = ev.summary else {
                    return Ok(());
                };
                let time = (ev.wall_time * 1e6).round() as i64;
                for v in summary.value {
                    if let Some(m) = &v.metadata {
                        let scalar = m.data_class == 1
                            || m.plugin_data
                                .as_ref()
                                .is_some_and(|p| p.plugin_name == "scalars");
                        plugin
                            .entry((context.clone(), v.tag.clone()))
                            .or_insert(scalar);
                    }
                    let value = match (v.simple_value, &v.tensor) {
                        (Some(x), _) => Some(x as f64),
                        (None, Some(t))
                            if plugin.get(&(context.clone(), v.tag.clone())) == Some(&true) =>
                        {
                            Some(scalar_of(t).map_err(|m| {
                                Error::Unsupported(format!(
                                    "{what}: the record at byte {offset}: tag '{}': {m}",
                                    crate::text::clip(&v.tag, 80)
                                ))
                            })?)
                        }
                        _ => None,
                    };
                    if let Some(value) = value {
                        super::params::check_key("metric", &v.tag).map_err(|e| {
                            Error::InvalidInput(format!("{what}: the record at byte {offset}: {e}"))
                        })?;
                        points.push(&v.tag, context.as_deref(), ev.step, time, value);
                    }
                }
                Ok(())
            })?;
        }
        let ms = |s: f64| (s * 1000.0).round().max(0.0) as u64;
        let start = if first.is_finite() {
            ms(first)
        } else {
            crate::registry::now_ms()
        };
        let end = if last.is_finite() { ms(last) } else { start };
        let name = options.name.clone().or_else(|| {
            path.file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .filter(|n| !n.is_empty())
        });
        let mut tags = options.tags.clone();
        tags.insert(
            IMPORTED_FROM_TAG.into(),
            format!("tensorboard:{}", path.display()),
        );
        let run = ImportedRun {
            experiment: options
                .experiment
                .clone()
                .unwrap_or_else(|| super::DEFAULT_EXPERIMENT.into()),
            name,
            parent: None,
            source: Source::default(),
            start_time: start,
            end: Some((RunStatus::Finished, end)),
            params: BTreeMap::new(),
            tags,
            points,
        };
        import::write(self, run, &path.display().to_string())
    }
}

/// What [`Registry::import_tensorboard`] makes of the files.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ImportTensorboard {
    /// The run's experiment ([`super::DEFAULT_EXPERIMENT`] when `None`).
    pub experiment: Option<String>,
    /// The run's name (the file or directory name when `None`).
    pub name: Option<String>,
    /// Tags to set on the run, beside [`IMPORTED_FROM_TAG`].
    pub tags: BTreeMap<String, String>,
}

/// Writes the event file of one context: the version event, then one event
/// per point.
fn write_events(
    file: std::fs::File,
    start_ms: u64,
    keys: &[String],
    points: &[Point],
) -> std::io::Result<()> {
    use prost::Message as _;
    let mut out = std::io::BufWriter::with_capacity(1 << 20, file);
    let head = proto::Event {
        wall_time: start_ms as f64 / 1000.0,
        step: 0,
        file_version: Some(TENSORBOARD_FILE_VERSION.into()),
        summary: None,
    };
    write_tfrecord(&mut out, &head.encode_to_vec())?;
    let mut buf = Vec::with_capacity(128);
    for p in points {
        let ev = proto::Event {
            wall_time: p.time as f64 / 1e6,
            step: p.step,
            file_version: None,
            summary: Some(proto::Summary {
                value: vec![proto::Value {
                    tag: keys[p.key].clone(),
                    simple_value: Some(p.value as f32),
                    tensor: None,
                    metadata: None,
                }],
            }),
        };
        buf.clear();
        ev.encode(&mut buf).map_err(std::io::Error::other)?;
        write_tfrecord(&mut out, &buf)?;
    }
    out.flush()?;
    out.into_inner().map_err(|e| e.into_error())?.sync_all()
}

/// How deep [`find_event_files`] goes below the directory it is given.
const MAX_DIR_DEPTH: usize = 16;

/// Every file under `dir` whose name holds `tfevents`.
fn find_event_files(root: &Path, dir: &Path, out: &mut Vec<PathBuf>, depth: usize) -> Result<()> {
    if depth > MAX_DIR_DEPTH {
        return Err(Error::InvalidInput(format!(
            "{}: directories nest deeper than {MAX_DIR_DEPTH} levels below {}",
            dir.display(),
            root.display()
        )));
    }
    for entry in std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))? {
        let entry = entry.map_err(|e| Error::io(dir, e))?;
        let p = entry.path();
        let kind = entry.file_type().map_err(|e| Error::io(&p, e))?;
        if kind.is_dir() {
            find_event_files(root, &p, out, depth + 1)?;
        } else if entry.file_name().to_string_lossy().contains("tfevents") {
            out.push(p);
        }
    }
    Ok(())
}

/// The context of the points of a file in directory `rel` (relative to the
/// imported directory, `/`-separated; empty for the directory itself).
fn dir_context(rel: &str, file: &Path) -> Result<Option<String>> {
    if rel.is_empty() {
        return Ok(None);
    }
    if check_context(rel).is_ok() {
        return Ok(Some(rel.to_string()));
    }
    let c = format!("dir={rel}");
    check_context(&c).map_err(|_| {
        Error::InvalidInput(format!(
            "{}: its directory '{rel}' makes no context (k=v pairs joined by ','; a name without '=' or ',' becomes dir=<name>)",
            file.display()
        ))
    })?;
    Ok(Some(c))
}

/// The value of a 0-d numeric tensor.
fn scalar_of(t: &proto::Tensor) -> std::result::Result<f64, String> {
    let dims: Vec<i64> = t
        .tensor_shape
        .as_ref()
        .map(|s| s.dim.iter().map(|d| d.size).collect())
        .unwrap_or_default();
    if !dims.is_empty() {
        return Err(format!("a scalar is a 0-d tensor, not of shape {dims:?}"));
    }
    let content = |n: usize| -> Option<&[u8]> { t.tensor_content.get(..n) };
    let missing = || "the tensor holds no value".to_string();
    let v = match t.dtype {
        1 => match (t.float_val.first(), content(4)) {
            (Some(&x), _) => x as f64,
            (None, Some(b)) => f32::from_le_bytes(b.try_into().expect("4 bytes")) as f64,
            _ => return Err(missing()),
        },
        2 => match (t.double_val.first(), content(8)) {
            (Some(&x), _) => x,
            (None, Some(b)) => f64::from_le_bytes(b.try_into().expect("8 bytes")),
            _ => return Err(missing()),
        },
        19 | 14 => {
            let bits = match (t.half_val.first(), content(2)) {
                (Some(&x), _) => x as u16,
                (None, Some(b)) => u16::from_le_bytes(b.try_into().expect("2 bytes")),
                _ => return Err(missing()),
            };
            if t.dtype == 14 {
                f32::from_bits((bits as u32) << 16) as f64
            } else {
                f16_to_f64(bits)
            }
        }
        3 => match (t.int_val.first(), content(4)) {
            (Some(&x), _) => x as f64,
            (None, Some(b)) => i32::from_le_bytes(b.try_into().expect("4 bytes")) as f64,
            _ => return Err(missing()),
        },
        9 => match (t.int64_val.first(), content(8)) {
            (Some(&x), _) => x as f64,
            (None, Some(b)) => i64::from_le_bytes(b.try_into().expect("8 bytes")) as f64,
            _ => return Err(missing()),
        },
        other => return Err(format!("a scalar of data type {other} is not read")),
    };
    Ok(v)
}

/// An IEEE 754 half-precision float's value.
fn f16_to_f64(bits: u16) -> f64 {
    let sign = if bits & 0x8000 != 0 { -1.0 } else { 1.0 };
    let exp = ((bits >> 10) & 0x1f) as i32;
    let frac = (bits & 0x3ff) as f64;
    sign * match exp {
        0 => frac * 2f64.powi(-24),
        0x1f if frac == 0.0 => f64::INFINITY,
        0x1f => f64::NAN,
        e => (1.0 + frac / 1024.0) * 2f64.powi(e - 15),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masked_crc_matches_tensorflow() {
        // crc32c("123456789") is 0xe3069283 (the standard check value); the
        // masked values are what TensorBoard's own `masked_crc32c` gives.
        assert_eq!(crc32c::crc32c(b"123456789"), 0xe306_9283);
        assert_eq!(masked_crc32c(b"123456789"), 0xc78a_b0e5);
        assert_eq!(masked_crc32c(&0u64.to_le_bytes()), 0x0798_0329);
    }

    #[test]
    fn records_round_trip_and_a_cut_file_ends_at_its_last_whole_record() {
        let mut buf = Vec::new();
        write_tfrecord(&mut buf, b"one").unwrap();
        write_tfrecord(&mut buf, b"").unwrap();
        write_tfrecord(&mut buf, b"three").unwrap();
        let read = |b: &[u8]| {
            let mut got = Vec::new();
            read_tfrecords(&mut &b[..], "f", |o, d| {
                got.push((o, d.to_vec()));
                Ok(())
            })
            .map(|_| got)
        };
        let all = read(&buf).unwrap();
        assert_eq!(
            all,
            vec![
                (0, b"one".to_vec()),
                (19, b"".to_vec()),
                (35, b"three".to_vec())
            ]
        );
        for cut in 36..buf.len() {
            assert_eq!(read(&buf[..cut]).unwrap().len(), 2, "cut at {cut}");
        }
        let mut bad = buf.clone();
        bad[35 + 12 + 1] ^= 1;
        let e = read(&bad).unwrap_err().to_string();
        assert!(e.contains("f: the record at byte 35"), "{e}");
        let mut bad = buf.clone();
        bad[19] ^= 1;
        let e = read(&bad).unwrap_err().to_string();
        assert!(e.contains("byte 19") && e.contains("length"), "{e}");
    }

    #[test]
    fn scalars_in_tensor_form_are_read_and_other_plugins_left_out() {
        use prost::Message as _;
        let shape = Some(proto::TensorShape { dim: vec![] });
        let meta = |plugin: &str| {
            Some(proto::SummaryMetadata {
                plugin_data: Some(proto::PluginData {
                    plugin_name: plugin.into(),
                }),
                data_class: 0,
            })
        };
        let value = |tag: &str, tensor: proto::Tensor, metadata| proto::Value {
            tag: tag.into(),
            simple_value: None,
            tensor: Some(tensor),
            metadata,
        };
        let t = |dtype: i32| proto::Tensor {
            dtype,
            tensor_shape: shape.clone(),
            ..Default::default()
        };
        let events = [
            (
                1,
                value(
                    "f",
                    proto::Tensor {
                        float_val: vec![0.5],
                        ..t(1)
                    },
                    meta("scalars"),
                ),
            ),
            // Metadata only on the first value of a tag.
            (
                2,
                value(
                    "f",
                    proto::Tensor {
                        tensor_content: 0.25f32.to_le_bytes().to_vec(),
                        ..t(1)
                    },
                    None,
                ),
            ),
            (
                1,
                value(
                    "d",
                    proto::Tensor {
                        tensor_content: 0.1f64.to_le_bytes().to_vec(),
                        ..t(2)
                    },
                    meta("scalars"),
                ),
            ),
            (
                1,
                value(
                    "h",
                    proto::Tensor {
                        half_val: vec![0x3c00],
                        ..t(19)
                    },
                    meta("scalars"),
                ),
            ),
            (
                1,
                value(
                    "text",
                    proto::Tensor {
                        float_val: vec![9.0],
                        ..t(1)
                    },
                    meta("text"),
                ),
            ),
        ];
        let mut file = Vec::new();
        for (step, v) in events {
            let ev = proto::Event {
                wall_time: 1.5,
                step,
                file_version: None,
                summary: Some(proto::Summary { value: vec![v] }),
            };
            write_tfrecord(&mut file, &ev.encode_to_vec()).unwrap();
        }
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("events.out.tfevents.1.h");
        std::fs::write(&path, &file).unwrap();
        let r = Registry::open("memory://").unwrap();
        let id = r
            .import_tensorboard(&path, &ImportTensorboard::default())
            .unwrap();
        let info = r.run(&id).unwrap();
        let got: Vec<(String, u64, f64)> = info
            .metrics
            .iter()
            .map(|s| (s.key.clone(), s.count, s.last))
            .collect();
        assert_eq!(
            got,
            vec![
                ("f".into(), 2, 0.25),
                ("d".into(), 1, 0.1),
                ("h".into(), 1, 1.0)
            ]
        );
        assert_eq!(info.start_time, 1500);
    }

    #[test]
    fn half_floats_decode() {
        assert_eq!(f16_to_f64(0x3c00), 1.0);
        assert_eq!(f16_to_f64(0xc000), -2.0);
        assert_eq!(f16_to_f64(0x0001), 2f64.powi(-24));
        assert_eq!(f16_to_f64(0x7c00), f64::INFINITY);
        assert!(f16_to_f64(0x7e00).is_nan());
    }
}
