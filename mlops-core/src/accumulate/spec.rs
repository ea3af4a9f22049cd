//! What an accumulator computes: a profile (of some columns) or a
//! validation (a suite with its options), encoded once as canonical JSON so
//! that a driver can ship it to executors and every partial state can name
//! the spec it was made for by hash.

use std::sync::{Arc, Mutex};

use arrow::datatypes::{Schema, SchemaRef};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::validate::{CheckKind, Compiled, Running, Suite, ValidateOptions};

/// The spec's JSON format name.
pub const SPEC_FORMAT: &str = "mlops.spec";
/// The spec's JSON format version.
pub const SPEC_VERSION: u32 = 1;

/// What an [`Accumulator`](super::Accumulator) computes.
#[derive(Debug, Clone)]
pub enum SpecKind {
    /// The profile of these columns (all of them when `None`), in this order.
    Profile {
        /// The columns profiled.
        columns: Option<Vec<String>>,
    },
    /// The validation of a suite.
    Validation {
        /// The checks.
        suite: Suite,
        /// How many unexpected rows each check lists.
        unexpected_limit: usize,
        /// "Now" for freshness checks, in seconds since the Unix epoch,
        /// fixed when the spec is made so that every partition uses the
        /// same clock.
        now: f64,
    },
}

/// A profile or validation spec, with its canonical encoding and hash.
///
/// ```
/// use mlops_core::accumulate::Spec;
/// let spec = Spec::profile(Some(vec!["age".into()]));
/// let again = Spec::from_bytes(spec.to_bytes()).unwrap();
/// assert_eq!(spec.hash(), again.hash());
/// assert_ne!(spec.hash(), Spec::profile(None).hash());
/// ```
///
/// Cloning is cheap (the spec is shared), and a validation spec keeps the
/// suite bound to each schema it has met, so decoding many states of one
/// data set binds its checks once.
#[derive(Clone)]
pub struct Spec {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Spec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Spec")
            .field("kind", &self.inner.kind)
            .field("hash", &self.hash())
            .finish()
    }
}

struct Inner {
    kind: SpecKind,
    bytes: Vec<u8>,
    hash: [u8; 32],
    /// The suite's checks bound to each schema met (validation specs).
    bound: Mutex<Vec<(SchemaRef, Arc<Vec<Compiled>>)>>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct SpecJson {
    format: String,
    version: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    profile: Option<ProfileJson>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    validation: Option<ValidationJson>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ProfileJson {
    columns: Option<Vec<String>>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ValidationJson {
    suite: serde_json::Value,
    unexpected_limit: usize,
    now: f64,
}

/// Why a check cannot run from merged partial states, and what to use
/// instead; `None` when its state is bounded and merges exactly.
pub fn unmergeable(kind: &CheckKind) -> Option<&'static str> {
    Some(match kind {
        CheckKind::Unique { .. } | CheckKind::CompoundUnique { .. } => {
            "its exact state (every distinct value) grows with the data; find duplicates \
             with the engine's own group-by count, or estimate distinct values from a \
             profile (distinct_estimate, within about 1.6 %)"
        }
        CheckKind::MedianBetween { .. } | CheckKind::QuantileBetween { .. } => {
            "an exact quantile needs every value; a profile's quantile sketch gives it \
             within its rank error (quantile(q), about 1.65 %)"
        }
        CheckKind::DistinctCountBetween { .. } => {
            "an exact distinct count needs every distinct value; a profile estimates it \
             (distinct_estimate, within about 1.6 %)"
        }
        CheckKind::MostCommonInSet { .. } => {
            "exact value counts need every distinct value; a profile's frequent items \
             give the most common values (top_k)"
        }
        _ => return None,
    })
}

impl Spec {
    /// A profile of `columns` (every column when `None`).
    pub fn profile(columns: Option<Vec<String>>) -> Spec {
        Spec::seal(SpecKind::Profile { columns })
    }

    /// A validation of `suite`. `options.now` is fixed here (the clock when
    /// unset) so that freshness checks agree across partitions, and the
    /// reference profiles of `distribution` checks named relative to the
    /// suite's folder are made absolute (workers must be able to read them).
    ///
    /// A check whose exact state grows with the data (`unique`,
    /// `compound_unique`, `median_between`, `quantile_between`,
    /// `distinct_count_between`, `most_common_in_set`) is refused with
    /// [`Error::Unsupported`] naming the check and the approximate
    /// alternative: it is never silently approximated.
    pub fn validation(mut suite: Suite, options: &ValidateOptions) -> Result<Spec> {
        suite.validate_spec()?;
        // The spec travels without the suite's folder: reference profiles
        // named relative to it are resolved now, so that a worker reading
        // the spec finds the same file (on a file system the workers share).
        if let Some(base) = suite.base_dir.clone() {
            for c in &mut suite.checks {
                if let CheckKind::Distribution { reference, .. } = &mut c.kind {
                    if std::path::Path::new(reference.as_str()).is_relative() {
                        *reference = base.join(&*reference).to_string_lossy().into_owned();
                    }
                }
            }
        }
        for (i, c) in suite.checks.iter().enumerate() {
            if let Some(why) = unmergeable(&c.kind) {
                return Err(Error::Unsupported(format!(
                    "checks[{i}] ({}) cannot run on partitions: {why}",
                    c.kind.name()
                )));
            }
        }
        Ok(Spec::seal(SpecKind::Validation {
            suite,
            unexpected_limit: options.unexpected_limit,
            now: crate::validate::resolve_now(options),
        }))
    }

    fn seal(kind: SpecKind) -> Spec {
        let json = match &kind {
            SpecKind::Profile { columns } => SpecJson {
                format: SPEC_FORMAT.into(),
                version: SPEC_VERSION,
                profile: Some(ProfileJson {
                    columns: columns.clone(),
                }),
                validation: None,
            },
            SpecKind::Validation {
                suite,
                unexpected_limit,
                now,
            } => SpecJson {
                format: SPEC_FORMAT.into(),
                version: SPEC_VERSION,
                profile: None,
                validation: Some(ValidationJson {
                    suite: serde_json::from_str(&suite.to_json()).expect("suite JSON parses"),
                    unexpected_limit: *unexpected_limit,
                    now: *now,
                }),
            },
        };
        let bytes = serde_json::to_vec(&json).expect("spec JSON serializes");
        let hash = *blake3::hash(&bytes).as_bytes();
        Spec {
            inner: Arc::new(Inner {
                kind,
                bytes,
                hash,
                bound: Mutex::new(Vec::new()),
            }),
        }
    }

    /// Reads [`to_bytes`](Self::to_bytes). A spec of a newer version, or
    /// one that is not valid, is [`Error::InvalidInput`] naming the field.
    pub fn from_bytes(b: &[u8]) -> Result<Spec> {
        let bad = |m: String| Error::InvalidInput(format!("spec: {m}"));
        let j: SpecJson = serde_json::from_slice(b).map_err(|e| bad(e.to_string()))?;
        if j.format != SPEC_FORMAT {
            return Err(bad(format!(
                "field 'format' is {:?}, not {SPEC_FORMAT:?}",
                j.format
            )));
        }
        if j.version > SPEC_VERSION || j.version == 0 {
            return Err(bad(format!(
                "field 'version' is {}; this mlops reads version {SPEC_VERSION}",
                j.version
            )));
        }
        let spec = match (j.profile, j.validation) {
            (Some(p), None) => Spec::profile(p.columns),
            (None, Some(v)) => {
                let suite = Suite::from_json(&v.suite.to_string())?;
                Spec::validation(
                    suite,
                    &ValidateOptions {
                        unexpected_limit: v.unexpected_limit,
                        now: Some(v.now),
                    },
                )?
            }
            _ => {
                return Err(bad(
                    "exactly one of the fields 'profile' and 'validation' must be set".into(),
                ))
            }
        };
        Ok(spec)
    }

    /// What the spec computes.
    pub fn kind(&self) -> &SpecKind {
        &self.inner.kind
    }

    /// The canonical encoding (JSON): ship it to executors and rebuild the
    /// spec there with [`from_bytes`](Self::from_bytes).
    pub fn to_bytes(&self) -> &[u8] {
        &self.inner.bytes
    }

    /// The BLAKE3 hash of the canonical encoding, in hex: partial states
    /// carry it, and states of different specs do not merge.
    pub fn hash(&self) -> String {
        blake3::Hash::from_bytes(self.inner.hash)
            .to_hex()
            .to_string()
    }

    pub(crate) fn hash_bytes(&self) -> &[u8; 32] {
        &self.inner.hash
    }

    /// A validation spec's checks bound to `schema`, with empty states:
    /// bound once per schema (compiling patterns, reading reference
    /// profiles), then shared. `None` for a profile spec.
    pub(crate) fn running(&self, schema: &Schema) -> Result<Option<Running>> {
        let SpecKind::Validation {
            suite,
            unexpected_limit,
            now,
        } = &self.inner.kind
        else {
            return Ok(None);
        };
        let mut bound = self.inner.bound.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((_, compiled)) = bound.iter().find(|(s, _)| super::same_columns(s, schema)) {
            return Ok(Some(Running::with(compiled.clone(), *unexpected_limit)));
        }
        let opts = ValidateOptions {
            unexpected_limit: *unexpected_limit,
            now: Some(*now),
        };
        let run = Running::bind(suite, schema, &opts)?;
        bound.push((Arc::new(schema.clone()), run.compiled.clone()));
        Ok(Some(run))
    }
}
