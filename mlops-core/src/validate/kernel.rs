//! Checks compiled against a schema into kernels: the column indices, the
//! parsed arguments (sets as hash sets, regexes compiled, bounds in the
//! column's unit), or the reason the check cannot run on this column's
//! type (a failed check, not an error).

use std::collections::HashSet;

use arrow::datatypes::{DataType, Schema, TimeUnit};
use serde_json::Value;

use super::check::{parse_duration, Bound, Check, CheckKind, PairOp};
use super::suite::Suite;
use crate::drift::DriftOptions;
use crate::error::{Error, Result};
use crate::profile::{ColumnProfile, ValueKind};

/// A value set matched against one column's type.
pub(crate) enum Set {
    /// Strings.
    S(HashSet<String, foldhash::fast::FixedState>),
    /// Numbers, by the bits of their `f64` (with `-0.0` as `0.0`).
    N(HashSet<u64, foldhash::fast::FixedState>),
    /// Booleans: whether `false`, `true` are in the set.
    B([bool; 2]),
}

/// `x`'s bits for set lookups (`-0.0` and `0.0` alike).
#[inline]
pub(crate) fn num_key(x: f64) -> u64 {
    if x == 0.0 {
        0
    } else {
        x.to_bits()
    }
}

/// Which statistic an aggregate check tests.
#[derive(Clone, Copy, PartialEq)]
pub(crate) enum Stat {
    Min,
    Max,
    Mean,
    Std,
    Median,
    Quantile(f64),
}

/// A check ready to run on data of one schema.
pub(crate) enum Kernel {
    /// The check cannot run on this data; it fails with this reason.
    Failed(String),
    /// Decided by the schema alone (column exists, column type).
    Schema {
        success: bool,
        observed: Value,
    },
    RowCount {
        min: Option<u64>,
        max: Option<u64>,
    },
    NotNull,
    NullFraction {
        max: f64,
    },
    Between {
        lo: f64,
        hi: f64,
        strict_lo: bool,
        strict_hi: bool,
    },
    InSet {
        set: Set,
        negate: bool,
    },
    Regex(regex::Regex),
    Length {
        min: u64,
        max: u64,
    },
    Unique,
    Compound,
    Stat {
        stat: Stat,
        min: Option<f64>,
        max: Option<f64>,
    },
    Distinct {
        min: Option<u64>,
        max: Option<u64>,
    },
    MostCommon {
        values: Vec<Value>,
        ties_okay: bool,
    },
    Pair(PairOp),
    Monotonic {
        increasing: bool,
        strict: bool,
    },
    Freshness {
        max_age: f64,
        unit: f64,
        now: f64,
    },
    Distribution {
        reference: Box<ColumnProfile>,
        opts: DriftOptions,
    },
}

impl Kernel {
    /// Whether the kernel reads no data beyond the row count.
    pub(crate) fn schema_only(&self) -> bool {
        matches!(
            self,
            Kernel::Failed(_) | Kernel::Schema { .. } | Kernel::RowCount { .. }
        )
    }
}

/// A check bound to a schema: its kernel and the indices of its columns.
pub(crate) struct Compiled {
    pub index: usize,
    pub kernel: Kernel,
    pub cols: Vec<usize>,
}

/// Seconds per unit of a temporal type, and whether it is a point in time
/// (timestamps, dates) as opposed to a time of day or a duration.
fn time_unit(dt: &DataType) -> Option<(f64, bool)> {
    let unit = |u: &TimeUnit| match u {
        TimeUnit::Second => 1.0,
        TimeUnit::Millisecond => 1e-3,
        TimeUnit::Microsecond => 1e-6,
        TimeUnit::Nanosecond => 1e-9,
    };
    match dt {
        DataType::Timestamp(u, _) => Some((unit(u), true)),
        DataType::Date32 => Some((86_400.0, true)),
        DataType::Date64 => Some((1e-3, true)),
        DataType::Time32(u) | DataType::Time64(u) | DataType::Duration(u) => Some((unit(u), false)),
        DataType::Dictionary(_, v) => time_unit(v),
        _ => None,
    }
}

/// Parses an ISO 8601 date or timestamp into the column's unit.
fn parse_time(s: &str, dt: &DataType) -> Option<f64> {
    let (unit, point) = time_unit(dt)?;
    if !point {
        return None;
    }
    let nanos = arrow::compute::kernels::cast_utils::string_to_timestamp_nanos(s).ok()?;
    Some(nanos as f64 * 1e-9 / unit)
}

fn bound_value(
    b: &Option<Bound>,
    dt: &DataType,
    field: &str,
) -> std::result::Result<Option<f64>, String> {
    match b {
        None => Ok(None),
        Some(Bound::Number(x)) => Ok(Some(*x)),
        Some(Bound::Text(s)) => parse_time(s, dt).map(Some).ok_or_else(|| {
            format!("`{field}` = '{s}' is text, which needs a date or timestamp column and an ISO 8601 value")
        }),
    }
}

/// Accepted names of an Arrow type: its Display form, pyarrow's and numpy's
/// names, and its family.
pub(crate) fn type_matches(dt: &DataType, want: &str) -> bool {
    use DataType::*;
    let w = want.trim().to_ascii_lowercase();
    if dt.to_string().to_ascii_lowercase() == w {
        return true;
    }
    let family: &[&str] = match dt {
        Int8 | Int16 | Int32 | Int64 | UInt8 | UInt16 | UInt32 | UInt64 => {
            &["integer", "int", "numeric"]
        }
        Float16 | Float32 | Float64 => &["float", "numeric"],
        Decimal32(..) | Decimal64(..) | Decimal128(..) | Decimal256(..) => &["decimal", "numeric"],
        Boolean => &["boolean", "bool"],
        Utf8 | LargeUtf8 | Utf8View => &["string", "str", "text"],
        Binary | LargeBinary | BinaryView | FixedSizeBinary(_) => &["binary", "bytes"],
        Timestamp(..) | Date32 | Date64 | Time32(_) | Time64(_) | Duration(_) => &["temporal"],
        Dictionary(_, v) => return type_matches(v, want) || w == "dictionary",
        _ => &[],
    };
    if family.contains(&w.as_str()) {
        return true;
    }
    let exact: &[&str] = match dt {
        Int8 => &["int8"],
        Int16 => &["int16"],
        Int32 => &["int32"],
        Int64 => &["int64"],
        UInt8 => &["uint8"],
        UInt16 => &["uint16"],
        UInt32 => &["uint32"],
        UInt64 => &["uint64"],
        Float16 => &["float16", "halffloat"],
        Float32 => &["float32"],
        Float64 => &["float64", "double"],
        Boolean => &["bool"],
        Utf8 => &["utf8", "string"],
        LargeUtf8 => &["large_utf8", "large_string", "string"],
        Utf8View => &["utf8_view", "string_view", "string"],
        Date32 => &["date32", "date32[day]", "date"],
        Date64 => &["date64", "date64[ms]", "date"],
        Timestamp(u, tz) => {
            let u = match u {
                TimeUnit::Second => "s",
                TimeUnit::Millisecond => "ms",
                TimeUnit::Microsecond => "us",
                TimeUnit::Nanosecond => "ns",
            };
            let name = match tz {
                None => format!("timestamp[{u}]"),
                Some(tz) => format!("timestamp[{u}, tz={tz}]"),
            };
            return w == name
                || w == "timestamp"
                || w == "datetime"
                || w == format!("datetime64[{u}]");
        }
        _ => &[],
    };
    exact.contains(&w.as_str())
}

fn set_for(values: &[Value], kind: ValueKind) -> std::result::Result<Set, String> {
    let mut out = match kind {
        ValueKind::String => Set::S(HashSet::default()),
        ValueKind::Numeric | ValueKind::Temporal => Set::N(HashSet::default()),
        ValueKind::Boolean => Set::B([false, false]),
        k => {
            return Err(format!(
                "sets of values need a string, number or boolean column, not {}",
                k.as_str()
            ))
        }
    };
    let mut typed = 0;
    for v in values {
        match (&mut out, v) {
            (Set::S(s), Value::String(x)) => {
                s.insert(x.clone());
                typed += 1;
            }
            (Set::N(s), Value::Number(x)) => {
                s.insert(num_key(x.as_f64().unwrap_or(f64::NAN)));
                typed += 1;
            }
            (Set::B(b), Value::Bool(x)) => {
                b[*x as usize] = true;
                typed += 1;
            }
            _ => {}
        }
    }
    if typed == 0 && !values.is_empty() {
        return Err(format!(
            "none of the set's values is a {} like the column's",
            match kind {
                ValueKind::String => "string",
                ValueKind::Boolean => "boolean",
                _ => "number",
            }
        ));
    }
    Ok(out)
}

/// Options of a validation that the kernels need.
pub(crate) struct Env<'a> {
    pub suite: &'a Suite,
    /// "Now" for freshness checks, in seconds since the Unix epoch.
    pub now: f64,
}

fn wrong_type(check: &str, column: &str, dt: &DataType, needs: &str) -> Kernel {
    Kernel::Failed(format!(
        "{check} needs {needs}, but column '{column}' is {dt}"
    ))
}

/// Binds check `index` of the suite to the schema. A column that is not in
/// the data is an error naming the check and the column (except for
/// `column_exists`, which fails); a column of the wrong type gives a kernel
/// that fails with the reason.
pub(crate) fn bind(index: usize, check: &Check, schema: &Schema, env: &Env) -> Result<Compiled> {
    use CheckKind as K;
    let kind = &check.kind;
    if let K::ColumnExists { column } = kind {
        let found = schema.index_of(column).is_ok();
        return Ok(Compiled {
            index,
            kernel: Kernel::Schema {
                success: found,
                observed: Value::Bool(found),
            },
            cols: vec![],
        });
    }
    let mut cols = Vec::new();
    for c in kind.columns() {
        let i = schema.index_of(c).map_err(|_| {
            let names: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
            Error::SchemaMismatch(format!(
                "{}checks[{index}] ({}): column '{c}' is not in the data (its columns: {})",
                env.suite.place_prefix(),
                kind.name(),
                names.join(", ")
            ))
        })?;
        cols.push(i);
    }
    let dt = cols.first().map(|&i| schema.field(i).data_type().clone());
    let dt = dt.as_ref().unwrap_or(&DataType::Null);
    let vk = ValueKind::of(dt);
    let numeric = matches!(vk, ValueKind::Numeric | ValueKind::Temporal);
    let col = kind
        .columns()
        .first()
        .map(|s| s.to_string())
        .unwrap_or_default();
    let name = kind.name();
    let kernel = match kind {
        K::ColumnExists { .. } => unreachable!("handled above"),
        K::ColumnType { type_, .. } => Kernel::Schema {
            success: type_matches(dt, type_),
            observed: Value::String(dt.to_string()),
        },
        K::RowCountBetween { min, max } => Kernel::RowCount {
            min: *min,
            max: *max,
        },
        K::NotNull { .. } => Kernel::NotNull,
        K::MaxNullFraction { max, .. } => Kernel::NullFraction { max: *max },
        K::ValuesBetween {
            min,
            max,
            strict_min,
            strict_max,
            ..
        } => {
            if !numeric {
                wrong_type(name, &col, dt, "a numeric or temporal column")
            } else {
                match (bound_value(min, dt, "min"), bound_value(max, dt, "max")) {
                    (Ok(lo), Ok(hi)) => Kernel::Between {
                        lo: lo.unwrap_or(f64::NEG_INFINITY),
                        hi: hi.unwrap_or(f64::INFINITY),
                        strict_lo: *strict_min,
                        strict_hi: *strict_max,
                    },
                    (Err(e), _) | (_, Err(e)) => Kernel::Failed(e),
                }
            }
        }
        K::InSet { values, .. } | K::NotInSet { values, .. } => match set_for(values, vk) {
            Ok(set) => Kernel::InSet {
                set,
                negate: matches!(kind, K::NotInSet { .. }),
            },
            Err(e) => Kernel::Failed(format!("{name} on column '{col}' ({dt}): {e}")),
        },
        K::MatchesRegex { regex, .. } => {
            if vk != ValueKind::String {
                wrong_type(name, &col, dt, "a string column")
            } else {
                match regex::Regex::new(regex) {
                    Ok(r) => Kernel::Regex(r),
                    Err(e) => Kernel::Failed(format!("regex: {e}")),
                }
            }
        }
        K::LengthBetween { min, max, .. } => {
            if vk != ValueKind::String {
                wrong_type(name, &col, dt, "a string column")
            } else {
                Kernel::Length {
                    min: min.unwrap_or(0),
                    max: max.unwrap_or(u64::MAX),
                }
            }
        }
        K::Unique { .. } | K::DistinctCountBetween { .. } | K::MostCommonInSet { .. }
            if !matches!(
                vk,
                ValueKind::String | ValueKind::Numeric | ValueKind::Temporal | ValueKind::Boolean
            ) =>
        {
            wrong_type(
                name,
                &col,
                dt,
                "a string, number, boolean or temporal column",
            )
        }
        K::Unique { .. } => Kernel::Unique,
        K::CompoundUnique { .. } => Kernel::Compound,
        K::DistinctCountBetween { min, max, .. } => Kernel::Distinct {
            min: *min,
            max: *max,
        },
        K::MostCommonInSet {
            values, ties_okay, ..
        } => Kernel::MostCommon {
            values: values.clone(),
            ties_okay: *ties_okay,
        },
        K::MinBetween { min, max, .. }
        | K::MaxBetween { min, max, .. }
        | K::MeanBetween { min, max, .. }
        | K::StdBetween { min, max, .. }
        | K::MedianBetween { min, max, .. }
        | K::QuantileBetween { min, max, .. } => {
            let stat = match kind {
                K::MinBetween { .. } => Stat::Min,
                K::MaxBetween { .. } => Stat::Max,
                K::MeanBetween { .. } => Stat::Mean,
                K::StdBetween { .. } => Stat::Std,
                K::MedianBetween { .. } => Stat::Median,
                K::QuantileBetween { quantile, .. } => Stat::Quantile(*quantile),
                _ => unreachable!("statistic checks only"),
            };
            if vk != ValueKind::Numeric
                && !(vk == ValueKind::Temporal && matches!(stat, Stat::Min | Stat::Max))
            {
                wrong_type(name, &col, dt, "a numeric column")
            } else {
                Kernel::Stat {
                    stat,
                    min: *min,
                    max: *max,
                }
            }
        }
        K::ColumnPair { op, .. } => {
            let db = schema.field(cols[1]).data_type();
            let kb = ValueKind::of(db);
            let num = |k| matches!(k, ValueKind::Numeric | ValueKind::Temporal);
            if (num(vk) && num(kb)) || (vk == ValueKind::String && kb == ValueKind::String) {
                Kernel::Pair(*op)
            } else {
                Kernel::Failed(format!(
                    "column_pair compares two numeric (or temporal) or two string columns, but '{}' is {dt} and '{}' is {db}",
                    kind.columns()[0],
                    kind.columns()[1]
                ))
            }
        }
        K::Increasing { strict, .. } | K::Decreasing { strict, .. } => {
            if !numeric {
                wrong_type(name, &col, dt, "a numeric or temporal column")
            } else {
                Kernel::Monotonic {
                    increasing: matches!(kind, K::Increasing { .. }),
                    strict: *strict,
                }
            }
        }
        K::Freshness { max_age, .. } => match time_unit(dt) {
            Some((unit, true)) => Kernel::Freshness {
                max_age: parse_duration(max_age)?,
                unit,
                now: env.now,
            },
            _ => wrong_type(name, &col, dt, "a timestamp or date column"),
        },
        K::Distribution {
            reference,
            method,
            threshold,
            ..
        } => match load_reference(reference, &col, env.suite) {
            Ok(p) => {
                let mut opts = DriftOptions {
                    columns: Some(vec![col.clone()]),
                    null_test: false,
                    include_datetime: true,
                    ..DriftOptions::default()
                };
                let method = method
                    .as_deref()
                    .map(str::parse::<crate::drift::Method>)
                    .transpose()?;
                opts.per_column.insert(
                    col.clone(),
                    crate::drift::ColumnOptions {
                        method,
                        threshold: *threshold,
                    },
                );
                if p.kind != vk {
                    Kernel::Failed(format!(
                        "distribution: column '{col}' is {} here but {} in the reference profile",
                        vk.as_str(),
                        p.kind.as_str()
                    ))
                } else {
                    Kernel::Distribution {
                        reference: Box::new(p),
                        opts,
                    }
                }
            }
            Err(e) => return Err(e),
        },
    };
    Ok(Compiled {
        index,
        kernel,
        cols,
    })
}

/// Reads the reference profile of a distribution check (relative to the
/// suite's folder) and takes the column's profile from it.
fn load_reference(path: &str, column: &str, suite: &Suite) -> Result<ColumnProfile> {
    let p = std::path::Path::new(path);
    let full = match (&suite.base_dir, p.is_relative()) {
        (Some(dir), true) => dir.join(p),
        _ => p.to_path_buf(),
    };
    let profile = crate::small_file::read_profile(&full)?;
    profile.column(column).cloned().ok_or_else(|| {
        Error::SchemaMismatch(format!(
            "{}distribution: column '{column}' is not in the reference profile {}",
            suite.place_prefix(),
            full.display()
        ))
    })
}
