//! The byte encoding of one validation check's partial state (a
//! [`Part`]): counts, moments and bounded samples of unexpected rows, each
//! sample tagged with its partition.

use serde_json::Value;

use crate::error::{Error, Result};
use crate::profile::{ColumnProfile, Moments, Profile};
use crate::validate::state::{MapState, State};
use crate::validate::{Part, Unexpected};
use crate::wire::{Reader, Writer};

const COUNTS: u8 = 0;
const MAP: u8 = 1;
const MOMENTS: u8 = 2;
const NEWEST: u8 = 3;
const MONO: u8 = 4;
const PROFILE: u8 = 5;
const FAILED: u8 = 6;

fn opt_f64(w: &mut Writer, x: Option<f64>) {
    match x {
        None => w.u8(0),
        Some(x) => {
            w.u8(1);
            w.f64(x);
        }
    }
}

fn read_opt_f64(r: &mut Reader) -> Result<Option<f64>> {
    Ok(match r.u8()? {
        0 => None,
        1 => Some(r.f64()?),
        t => return Err(r.bad(format_args!("bad option tag {t}"))),
    })
}

fn json(w: &mut Writer, v: &Value) {
    w.str(&v.to_string());
}

fn read_json(r: &mut Reader) -> Result<Value> {
    let s = r.bytes()?;
    serde_json::from_slice(s).map_err(|e| r.bad(format_args!("a sample value: {e}")))
}

/// Tags samples with `partition` (those not yet tagged).
fn map(w: &mut Writer, m: &MapState, partition: u64) {
    w.u64(m.unexpected);
    w.u64(m.samples.len() as u64);
    for s in &m.samples {
        w.u64(s.partition.unwrap_or(partition));
        w.u64(s.row);
        json(w, &s.value);
    }
}

fn read_map(r: &mut Reader) -> Result<MapState> {
    let unexpected = r.u64()?;
    let n = r.count(24)?;
    let mut samples = Vec::with_capacity(n);
    for _ in 0..n {
        let partition = Some(r.u64()?);
        let row = r.u64()?;
        let value = read_json(r)?;
        samples.push(Unexpected {
            row,
            value,
            partition,
        });
    }
    Ok(MapState {
        unexpected,
        samples,
    })
}

/// Appends a check's state; a state that does not merge in bounded memory
/// (kept distinct values or every value) is [`Error::Unsupported`]
/// (specs refuse those checks first, see [`super::unmergeable`]).
pub(super) fn write(w: &mut Writer, p: &Part, partition: u64) -> Result<()> {
    w.u64(p.rows);
    w.u64(p.missing);
    match &p.state {
        State::Counts => w.u8(COUNTS),
        State::Map(m) => {
            w.u8(MAP);
            map(w, m, partition);
        }
        State::Moments { m, min, max } => {
            w.u8(MOMENTS);
            w.u64(m.n);
            w.f64(m.mean);
            w.f64(m.m2);
            w.f64(*min);
            w.f64(*max);
        }
        State::Newest(x) => {
            w.u8(NEWEST);
            opt_f64(w, *x);
        }
        State::Mono {
            map: m,
            first,
            last,
        } => {
            w.u8(MONO);
            map(w, m, partition);
            match first {
                None => w.u8(0),
                Some((u, x)) => {
                    w.u8(1);
                    w.u64(u.partition.unwrap_or(partition));
                    w.u64(u.row);
                    w.f64(*x);
                    json(w, &u.value);
                }
            }
            opt_f64(w, *last);
        }
        State::Profile(c) => {
            w.u8(PROFILE);
            w.bytes(&Profile::from_parts(p.rows, vec![(**c).clone()]).to_bytes());
        }
        State::Failed(e) => {
            w.u8(FAILED);
            w.str(e);
        }
        State::Keys(_) | State::Values(_) => {
            return Err(Error::Unsupported(
                "a check that keeps every (distinct) value has no bounded partial state".into(),
            ))
        }
    }
    Ok(())
}

/// Reads what [`write`] wrote.
pub(super) fn read(r: &mut Reader) -> Result<Part> {
    let rows = r.u64()?;
    let missing = r.u64()?;
    let state = match r.u8()? {
        COUNTS => State::Counts,
        MAP => State::Map(read_map(r)?),
        MOMENTS => State::Moments {
            m: Moments {
                n: r.u64()?,
                mean: r.f64()?,
                m2: r.f64()?,
            },
            min: r.f64()?,
            max: r.f64()?,
        },
        NEWEST => State::Newest(read_opt_f64(r)?),
        MONO => {
            let map = read_map(r)?;
            let first = match r.u8()? {
                0 => None,
                1 => {
                    let partition = Some(r.u64()?);
                    let row = r.u64()?;
                    let x = r.f64()?;
                    let value = read_json(r)?;
                    Some((
                        Unexpected {
                            row,
                            value,
                            partition,
                        },
                        x,
                    ))
                }
                t => return Err(r.bad(format_args!("bad option tag {t}"))),
            };
            State::Mono {
                map,
                first,
                last: read_opt_f64(r)?,
            }
        }
        PROFILE => {
            let p = Profile::from_bytes(r.bytes()?)?;
            let c: ColumnProfile = p
                .into_columns()
                .into_iter()
                .next()
                .ok_or_else(|| r.bad("a check's profile has no column"))?;
            State::Profile(Box::new(c))
        }
        FAILED => State::Failed(r.str()?),
        t => return Err(r.bad(format_args!("unknown check state tag {t}"))),
    };
    Ok(Part {
        rows,
        missing,
        state,
    })
}
