//! The two encodings of a profile, both versioned and both round-tripping:
//!
//! - **JSON** (`Profile::to_json`): readable statistics per column (counts,
//!   min, max, mean, variance, quantiles, histogram, distinct estimate, top
//!   values, lengths, semantic type) plus a `state` object (exact moments and
//!   the DataSketches bytes in base64) from which the profile is rebuilt.
//! - **binary** (`Profile::to_bytes`): magic `MLOPSPRF`, a little-endian `u16`
//!   format version, then the same state, length-prefixed, then (from
//!   version 2) the 32-byte BLAKE3 hash of everything before it. A hash that
//!   does not match is [`Error::Integrity`]: a damaged file is refused, not
//!   read as other statistics. Version 1 files have no hash and are still
//!   read (unchecked).
//!
//! Version 2 of the JSON spells the non-finite moments `"inf"`, `"-inf"`,
//! `"nan"` (see [`json_float`](super::moments::json_float)); version 1 JSON
//! is read as before. A profile written by a newer format version is
//! refused with [`Error::Integrity`] naming both versions.
//!
//! [`Profile::read_path`] reads either encoding from a file: regular files
//! only (no FIFO or device) of at most [`MAX_PROFILE_FILE_BYTES`].

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use serde::{Deserialize, Serialize};

use super::column::{ColumnProfile, Lengths, ValueKind};
use super::moments::Moments;
use super::scalar::Scalar;
use super::semantic::SemanticType;
use super::sketches::{Distinct, Frequent, Quantiles};
use super::stats::{Histogram, TopValue};
use super::Profile;
use crate::error::{Error, Result};
use crate::wire::{Reader, Writer};

/// The profile format version this build writes and the newest it reads
/// (2: a BLAKE3 hash closes the binary encoding, and the JSON spells
/// non-finite moments as strings).
pub const FORMAT_VERSION: u16 = 2;
/// The first binary format version that ends with a hash.
const HASHED_SINCE: u16 = 2;
/// Length of the binary encoding's closing hash.
const HASH_LEN: usize = 32;
const MAGIC: &[u8; 8] = b"MLOPSPRF";
/// The largest profile file [`Profile::read_path`] reads (256 MiB; a
/// profile's sketches take kilobytes per column).
pub const MAX_PROFILE_FILE_BYTES: u64 = 256 << 20;
/// Quantiles listed in the JSON summary.
pub const SUMMARY_QUANTILES: [f64; 9] = [0.0, 0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99, 1.0];
/// Bins of the JSON summary histogram.
pub const SUMMARY_BINS: usize = 20;
/// Frequent values listed in the JSON summary.
pub const SUMMARY_TOP_K: usize = 10;

#[derive(Serialize, Deserialize)]
struct ProfileJson {
    format: String,
    version: u16,
    row_count: u64,
    columns: Vec<ColumnJson>,
}

#[derive(Serialize, Deserialize)]
struct ColumnJson {
    name: String,
    data_type: String,
    kind: ValueKind,
    #[serde(default = "unread_semantic_type", skip_deserializing)]
    semantic_type: SemanticType,
    count: u64,
    null_count: u64,
    nan_count: u64,
    pos_inf_count: u64,
    neg_inf_count: u64,
    true_count: u64,
    min: Option<Scalar>,
    max: Option<Scalar>,
    #[serde(default, skip_deserializing)]
    mean: Option<f64>,
    #[serde(default, skip_deserializing)]
    variance: Option<f64>,
    #[serde(default, skip_deserializing)]
    std: Option<f64>,
    #[serde(default, skip_deserializing)]
    quantiles: Option<Vec<(f64, f64)>>,
    #[serde(default, skip_deserializing)]
    quantile_rank_error: Option<f64>,
    #[serde(default, skip_deserializing)]
    histogram: Option<Histogram>,
    #[serde(default, skip_deserializing)]
    distinct_estimate: Option<f64>,
    #[serde(default, skip_deserializing)]
    top_k: Vec<TopValue>,
    #[serde(default, skip_deserializing)]
    top_k_max_error: u64,
    #[serde(default, skip_deserializing)]
    length: Option<LengthJson>,
    state: StateJson,
}

#[derive(Serialize, Deserialize)]
struct LengthJson {
    min: u64,
    mean: f64,
    max: u64,
}

#[derive(Serialize, Deserialize)]
struct StateJson {
    moments: Moments,
    lengths: [u64; 4],
    kll: Option<String>,
    hll: Option<String>,
    frequent: Option<String>,
}

/// The semantic type of a summary read back: never used (a read profile
/// infers it again from its state), only there to fill the field.
fn unread_semantic_type() -> SemanticType {
    SemanticType::Other
}

fn kind_of(s: &str, col: &str) -> Result<ValueKind> {
    s.parse()
        .map_err(|_| Error::Integrity(format!("column '{col}': unknown value kind '{s}'")))
}

fn check_version(v: u16) -> Result<()> {
    if v > FORMAT_VERSION {
        return Err(Error::Integrity(format!(
            "profile format version {v} is newer than this mlops reads ({FORMAT_VERSION}); upgrade mlops"
        )));
    }
    if v == 0 {
        return Err(Error::Integrity(
            "profile format version 0 is not valid".into(),
        ));
    }
    Ok(())
}

fn b64(bytes: Option<Vec<u8>>) -> Option<String> {
    bytes.map(|b| B64.encode(b))
}

fn unb64(s: &Option<String>, col: &str) -> Result<Option<Vec<u8>>> {
    s.as_ref()
        .map(|s| {
            B64.decode(s)
                .map_err(|e| Error::Integrity(format!("column '{col}': bad base64 sketch: {e}")))
        })
        .transpose()
}

impl ColumnProfile {
    fn to_json_struct(&self) -> ColumnJson {
        let quantiles = self.quantiles.as_ref().filter(|q| q.n() > 0).map(|_| {
            SUMMARY_QUANTILES
                .iter()
                .filter_map(|&q| self.quantile(q).map(|v| (q, v)))
                .collect()
        });
        ColumnJson {
            name: self.name.clone(),
            data_type: self.data_type.clone(),
            kind: self.kind,
            semantic_type: self.semantic_type(),
            count: self.count,
            null_count: self.null_count,
            nan_count: self.nan_count,
            pos_inf_count: self.pos_inf_count,
            neg_inf_count: self.neg_inf_count,
            true_count: self.true_count,
            min: self.min.clone(),
            max: self.max.clone(),
            mean: self.mean(),
            variance: self.variance(),
            std: self.std(),
            quantiles,
            quantile_rank_error: self.quantile_rank_error(),
            histogram: self.histogram_of(SUMMARY_BINS),
            distinct_estimate: self.distinct_estimate(),
            top_k: self.top_k(SUMMARY_TOP_K),
            top_k_max_error: self.top_k_max_error(),
            length: self.length_min().map(|min| LengthJson {
                min,
                mean: self.length_mean().unwrap_or(0.0),
                max: self.length_max().unwrap_or(0),
            }),
            state: StateJson {
                moments: self.moments,
                lengths: [
                    self.lengths.n,
                    self.lengths.min,
                    self.lengths.max,
                    self.lengths.sum,
                ],
                kll: b64(self.quantiles.as_ref().map(|q| q.to_bytes())),
                hll: b64(self.distinct.as_ref().map(|d| d.to_bytes())),
                frequent: b64(self.frequent.as_ref().map(|f| f.to_bytes())),
            },
        }
    }

    fn from_json_struct(j: ColumnJson) -> Result<Self> {
        let mut c = ColumnProfile::empty(j.name.clone(), j.data_type, j.kind);
        c.count = j.count;
        c.null_count = j.null_count;
        c.nan_count = j.nan_count;
        c.pos_inf_count = j.pos_inf_count;
        c.neg_inf_count = j.neg_inf_count;
        c.true_count = j.true_count;
        c.min = j.min;
        c.max = j.max;
        c.moments = j.state.moments;
        let [n, min, max, sum] = j.state.lengths;
        c.lengths = Lengths { n, min, max, sum };
        c.set_sketches(
            unb64(&j.state.kll, &j.name)?.as_deref(),
            unb64(&j.state.hll, &j.name)?.as_deref(),
            unb64(&j.state.frequent, &j.name)?.as_deref(),
        )?;
        Ok(c)
    }

    /// Replaces the sketches the column's kind has with decoded ones; a
    /// missing sketch of a kind that has one is corruption.
    fn set_sketches(
        &mut self,
        kll: Option<&[u8]>,
        hll: Option<&[u8]>,
        freq: Option<&[u8]>,
    ) -> Result<()> {
        let name = self.name.clone();
        let missing =
            |what: &str| Error::Integrity(format!("column '{name}': the {what} sketch is missing"));
        if self.quantiles.is_some() {
            self.quantiles = Some(
                Quantiles::from_bytes(kll.ok_or_else(|| missing("quantile"))?)
                    .map_err(|e| in_col(&name, e))?,
            );
        }
        if self.distinct.is_some() {
            self.distinct = Some(
                Distinct::from_bytes(hll.ok_or_else(|| missing("distinct"))?)
                    .map_err(|e| in_col(&name, e))?,
            );
        }
        if let Some(f) = &self.frequent {
            // A continuous column may have stopped tracking frequent values.
            let strings = matches!(f, Frequent::Str(_));
            self.frequent = match freq {
                Some(b) => Some(Frequent::from_bytes(strings, b).map_err(|e| in_col(&name, e))?),
                None if strings => return Err(missing("frequent-items")),
                None => None,
            };
        }
        Ok(())
    }
}

fn in_col(col: &str, e: Error) -> Error {
    Error::Integrity(format!("column '{col}': {e}"))
}

impl Profile {
    /// The profile as readable JSON with the state to rebuild it.
    pub fn to_json(&self) -> String {
        serde_json::to_string(&self.to_json_value()).expect("profile JSON serializes")
    }

    /// The profile as a JSON value (see [`to_json`](Self::to_json)).
    pub fn to_json_value(&self) -> serde_json::Value {
        let j = ProfileJson {
            format: "mlops.profile".into(),
            version: FORMAT_VERSION,
            row_count: self.row_count(),
            columns: self.columns().iter().map(|c| c.to_json_struct()).collect(),
        };
        serde_json::to_value(j).expect("profile JSON serializes")
    }

    /// Rebuilds a profile from [`to_json`](Self::to_json); the readable
    /// statistics are recomputed from the state.
    pub fn from_json(s: &str) -> Result<Self> {
        let v: serde_json::Value = serde_json::from_str(s)
            .map_err(|e| Error::InvalidInput(format!("profile JSON: {e}")))?;
        if v.get("format").and_then(|f| f.as_str()) != Some("mlops.profile") {
            return Err(Error::InvalidInput(
                "profile JSON: field 'format' is not \"mlops.profile\"".into(),
            ));
        }
        let version = v.get("version").and_then(|x| x.as_u64()).ok_or_else(|| {
            Error::InvalidInput("profile JSON: field 'version' is missing or not a number".into())
        })?;
        check_version(u16::try_from(version).unwrap_or(u16::MAX))?;
        let j: ProfileJson = serde_json::from_value(v)
            .map_err(|e| Error::InvalidInput(format!("profile JSON: {e}")))?;
        let cols = j
            .columns
            .into_iter()
            .map(ColumnProfile::from_json_struct)
            .collect::<Result<_>>()?;
        Ok(Profile::from_parts(j.row_count, cols))
    }

    /// The compact binary encoding.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut w = Writer(Vec::with_capacity(4096));
        w.0.extend_from_slice(MAGIC);
        w.0.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
        w.u64(self.row_count());
        w.u64(self.columns().len() as u64);
        for c in self.columns() {
            w.str(&c.name);
            w.str(&c.data_type);
            w.str(c.kind.as_str());
            for x in [
                c.count,
                c.null_count,
                c.nan_count,
                c.pos_inf_count,
                c.neg_inf_count,
                c.true_count,
            ] {
                w.u64(x);
            }
            w.u64(c.moments.n);
            w.f64(c.moments.mean);
            w.f64(c.moments.m2);
            write_scalar(&mut w, &c.min);
            write_scalar(&mut w, &c.max);
            for x in [c.lengths.n, c.lengths.min, c.lengths.max, c.lengths.sum] {
                w.u64(x);
            }
            w.opt_bytes(c.quantiles.as_ref().map(|q| q.to_bytes()));
            w.opt_bytes(c.distinct.as_ref().map(|d| d.to_bytes()));
            w.opt_bytes(c.frequent.as_ref().map(|f| f.to_bytes()));
        }
        let hash = blake3::hash(&w.0);
        w.0.extend_from_slice(hash.as_bytes());
        w.0
    }

    /// Decodes [`to_bytes`](Self::to_bytes).
    pub fn from_bytes(b: &[u8]) -> Result<Self> {
        if b.len() < 10 || &b[..8] != MAGIC {
            return Err(Error::Integrity(
                "not an mlops profile (bad magic bytes)".into(),
            ));
        }
        let version = u16::from_le_bytes([b[8], b[9]]);
        check_version(version)?;
        let b = if version >= HASHED_SINCE {
            let body_len = b.len().checked_sub(HASH_LEN).filter(|&n| n >= 10).ok_or_else(|| {
                Error::Integrity(format!(
                    "profile bytes: {} bytes is too short for a version {version} profile and its hash",
                    b.len()
                ))
            })?;
            let (body, hash) = b.split_at(body_len);
            if blake3::hash(body).as_bytes() != hash {
                return Err(Error::Integrity(
                    "profile bytes: the BLAKE3 hash does not match the content (the profile is damaged)"
                        .into(),
                ));
            }
            body
        } else {
            b
        };
        let mut r = Reader::new(b, 10, "profile");
        let rows = r.u64()?;
        let n = r.u64()?;
        let mut cols = Vec::with_capacity(n.min(4096) as usize);
        for _ in 0..n {
            let name = r.str()?;
            let data_type = r.str()?;
            let kind = kind_of(&r.str()?, &name)?;
            let mut c = ColumnProfile::empty(name, data_type, kind);
            c.count = r.u64()?;
            c.null_count = r.u64()?;
            c.nan_count = r.u64()?;
            c.pos_inf_count = r.u64()?;
            c.neg_inf_count = r.u64()?;
            c.true_count = r.u64()?;
            c.moments = Moments {
                n: r.u64()?,
                mean: r.f64()?,
                m2: r.f64()?,
            };
            c.min = read_scalar(&mut r)?;
            c.max = read_scalar(&mut r)?;
            c.lengths = Lengths {
                n: r.u64()?,
                min: r.u64()?,
                max: r.u64()?,
                sum: r.u64()?,
            };
            let (k, h, f) = (r.opt_bytes()?, r.opt_bytes()?, r.opt_bytes()?);
            c.set_sketches(k, h, f)?;
            cols.push(c);
        }
        r.end()?;
        Ok(Profile::from_parts(rows, cols))
    }
}

impl Profile {
    /// Reads a profile file written by [`to_bytes`](Self::to_bytes) (any
    /// name) or [`to_json`](Self::to_json) (a name ending in `.json`).
    /// Only regular files of at most [`MAX_PROFILE_FILE_BYTES`] are read:
    /// a device, FIFO or directory is [`Error::InvalidInput`], a larger
    /// file too, each naming the path.
    pub fn read_path(path: impl AsRef<std::path::Path>) -> Result<Self> {
        let path = path.as_ref();
        // Opened without blocking and checked to be a regular file first
        // (a FIFO would otherwise hang the open), capped while read.
        let b = crate::small_file::read(path, MAX_PROFILE_FILE_BYTES, "profile")?;
        let named = |e: Error| match e {
            Error::Integrity(m) => Error::Integrity(format!("profile '{}': {m}", path.display())),
            Error::InvalidInput(m) => {
                Error::InvalidInput(format!("profile '{}': {m}", path.display()))
            }
            e => e,
        };
        if path.extension().and_then(|e| e.to_str()) == Some("json") {
            let s = String::from_utf8(b).map_err(|_| {
                Error::InvalidInput(format!("profile '{}' is not UTF-8", path.display()))
            })?;
            Self::from_json(&s).map_err(named)
        } else {
            Self::from_bytes(&b).map_err(named)
        }
    }
}

/// Appends a profile's optional min or max.
fn write_scalar(w: &mut Writer, s: &Option<Scalar>) {
    match s {
        None => w.u8(0),
        Some(Scalar::Bool(b)) => w.0.extend_from_slice(&[1, *b as u8]),
        Some(Scalar::Int(i)) => {
            w.u8(2);
            w.0.extend_from_slice(&i.to_le_bytes());
        }
        Some(Scalar::Float(f)) => {
            w.u8(3);
            w.f64(*f);
        }
        Some(Scalar::Str(s)) => {
            w.u8(4);
            w.str(s);
        }
    }
}

/// Reads what [`write_scalar`] wrote.
fn read_scalar(r: &mut Reader) -> Result<Option<Scalar>> {
    Ok(match r.u8()? {
        0 => None,
        1 => Some(Scalar::Bool(r.u8()? != 0)),
        2 => Some(Scalar::Int(i64::from_le_bytes(
            r.take(8)?.try_into().expect("8 bytes"),
        ))),
        3 => Some(Scalar::Float(r.f64()?)),
        4 => Some(Scalar::Str(r.str()?)),
        t => return Err(r.bad(format_args!("bad value tag {t}"))),
    })
}
