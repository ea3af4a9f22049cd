//! Retraining lineage: a run or an asset version made because of a
//! monitor's `retrain_requested` event names it as its cause
//! ([`RetrainCause`], written `monitor:<name>@<seq>`). The cause is kept on
//! both sides, so lineage reads in both directions: the run's log
//! (`cause` event) or the asset's `lineage` event names the request, and
//! the monitor's log gets a `retrained` event naming the run or version.
//! A run's models inherit its cause when the run records them as outputs
//! (monitor → run → model).

use serde::{Deserialize, Serialize};

use super::event::MonitorChange;
use crate::error::{Error, Result};
use crate::registry::{AssetRef, Registry};

/// A monitor's retraining request, named as the cause of a run or version
/// (written in logs and given by callers as its text, `monitor:<name>@<seq>`).
///
/// ```
/// use mlops_core::monitor::RetrainCause;
/// let c: RetrainCause = "monitor:churn-prod@17".parse().unwrap();
/// assert_eq!((c.monitor.as_str(), c.retrain), ("churn-prod", 17));
/// assert_eq!(c.to_string(), "monitor:churn-prod@17");
/// assert!("churn-prod@17".parse::<RetrainCause>().is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RetrainCause {
    /// The monitor's name.
    pub monitor: String,
    /// The number of its `retrain_requested` event.
    pub retrain: u64,
}

impl std::fmt::Display for RetrainCause {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "monitor:{}@{}", self.monitor, self.retrain)
    }
}

impl Serialize for RetrainCause {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for RetrainCause {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

impl std::str::FromStr for RetrainCause {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        let bad = || {
            Error::InvalidInput(format!(
                "cause '{s}': expected monitor:<name>@<retrain request number>, as a check reports it"
            ))
        };
        let rest = s.strip_prefix("monitor:").ok_or_else(bad)?;
        let (name, seq) = rest.rsplit_once('@').ok_or_else(bad)?;
        let retrain: u64 = seq.parse().map_err(|_| bad())?;
        crate::registry::check_name(name)
            .map_err(|e| Error::InvalidInput(format!("cause '{s}': monitor {e}")))?;
        Ok(RetrainCause {
            monitor: name.to_string(),
            retrain,
        })
    }
}

impl Registry {
    /// Checks that `cause` names a `retrain_requested` event of its monitor
    /// ([`Error::NotFound`] naming the monitor and the number otherwise).
    pub fn check_retrain_cause(&self, cause: &RetrainCause) -> Result<()> {
        let state = self.monitor_state(&cause.monitor)?;
        if state.retrains.iter().any(|r| r.0 == cause.retrain) {
            Ok(())
        } else {
            Err(Error::NotFound(format!(
                "monitor '{}' has no retrain request {} (cause '{cause}')",
                cause.monitor, cause.retrain
            )))
        }
    }

    /// Appends the monitor's side of a retraining's lineage: a `retrained`
    /// event naming the run or the asset version made because of `cause`.
    pub(crate) fn record_retrained(
        &self,
        cause: &RetrainCause,
        run: Option<&str>,
        asset: Option<&AssetRef>,
    ) -> Result<u64> {
        super::append(
            self,
            &cause.monitor,
            MonitorChange::Retrained {
                retrain: cause.retrain,
                run: run.map(str::to_string),
                asset: asset.cloned(),
            },
        )
    }

    /// Records that version `product` was made because of `cause` (a
    /// monitor's retraining request, which must exist), by `run` if known:
    /// a `lineage` event naming the cause in the product's log and a
    /// `retrained` event in the monitor's, so lineage reads both ways.
    pub fn record_retrain_cause(
        &self,
        product: &AssetRef,
        cause: &RetrainCause,
        run: Option<&str>,
    ) -> Result<()> {
        self.record_lineage_caused(product, &[], run, None, Some(cause))
    }
}
