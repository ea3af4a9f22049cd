//! [`Envelope`]: the fields every log's events share, around the change
//! each log records.

use serde::{Deserialize, Serialize};

use super::Hash;

/// One event of a log, as written: the fields every log's events share,
/// and the log's own part, `C` (an asset log's [`crate::registry::Change`],
/// a policy change, a refused call), flattened into the same JSON object.
///
/// The fields are written in this order: `format`, `v`, `seq`, `prev`,
/// `time`, `principal`, the fields of `S`, `reason` (when there is one),
/// then the fields of `C`. `S` is a log's running state, written before
/// `reason`: an asset log's count of versions
/// ([`crate::registry::Versions`]); `()` (no fields) for the policy and
/// denial logs. With both slots flattened, the bytes are those every log
/// wrote before this type existed, so stored events read and hash as they
/// did.
///
/// Heads (an asset's `head.json`, the policy and denial logs' head) are no
/// events: they are rewritten in place, name no previous event and carry no
/// principal, so they have their own small types. The audit
/// (`governance/audit.rs`) reads every log's events as JSON, keeping what a
/// newer writer may add.
///
/// ```
/// use mlops_core::store::Envelope;
/// let e = Envelope {
///     format: "mlops.policy".to_string(),
///     v: 1,
///     seq: 1,
///     prev: None,
///     time: 7,
///     principal: "ana".to_string(),
///     state: (),
///     reason: None,
///     change: serde_json::json!({"type": "grant"}),
/// };
/// assert_eq!(
///     serde_json::to_string(&e).unwrap(),
///     r#"{"format":"mlops.policy","v":1,"seq":1,"prev":"","time":7,"principal":"ana","type":"grant"}"#
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Envelope<C, S = ()> {
    /// The log's event format (`mlops.event`, `mlops.policy`, `mlops.denial`).
    pub format: String,
    /// Event format version.
    pub v: u32,
    /// Sequence number in the log, from 1.
    pub seq: u64,
    /// BLAKE3 hash of the previous event's bytes (`None`, written `""`,
    /// for the first).
    #[serde(with = "super::hash_or_empty")]
    pub prev: Option<Hash>,
    /// Unix time in milliseconds.
    pub time: u64,
    /// Who wrote it.
    pub principal: String,
    /// The log's running state after this event (see above).
    #[serde(flatten)]
    pub state: S,
    /// Why, if the writer said ([`crate::registry::Registry::with_reason`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// What happened.
    #[serde(flatten)]
    pub change: C,
}
