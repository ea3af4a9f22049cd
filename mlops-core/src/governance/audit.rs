//! The audit trail: every log of a registry, walked as hash chains
//! ([`Registry::audit_verify`]) and listed as records
//! ([`Registry::audit_log`]).

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::pattern;
use super::policy::{DENIED_LOG, POLICY_LOG};
use crate::error::{Error, Result};
use crate::registry::{AssetRef, Change, Kind, Registry};
use crate::store::Event;

/// What an audit record is about: the `type` of its event. Serialised (in
/// records, and so in the bindings' dicts and JSON) as its snake-case name,
/// the `type` the event itself carries.
///
/// A record's action is read from an event already written, so it cannot
/// refuse one: an event type this version does not know (from a newer
/// writer, or an event without one) is kept as [`AuditAction::Other`] with
/// its text, and its log still lists and verifies. [`FromStr`] is strict
/// (it is for input that names a known action) and lists the known names;
/// [`AuditAction::named`] keeps any name.
///
/// [`FromStr`]: std::str::FromStr
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuditAction {
    /// A version was added.
    Version,
    /// An alias was moved.
    Alias,
    /// A tag was set or removed.
    Tag,
    /// A version's inputs were recorded.
    Lineage,
    /// A version was recorded as used by another.
    UsedBy,
    /// An asset was archived or restored.
    Archive,
    /// A gate report was recorded.
    Gate,
    /// A role was granted.
    Grant,
    /// A role was revoked.
    Revoke,
    /// An alias was protected.
    Protect,
    /// An alias's protection was lifted.
    Unprotect,
    /// A call was refused by the policy.
    Denied,
    /// An event type this version does not know, as written (empty when the
    /// event has none).
    #[serde(untagged)]
    Other(String),
}

impl AuditAction {
    /// Every known action (all but [`AuditAction::Other`]), in the order of
    /// their documentation.
    pub const KNOWN: [AuditAction; 12] = [
        AuditAction::Version,
        AuditAction::Alias,
        AuditAction::Tag,
        AuditAction::Lineage,
        AuditAction::UsedBy,
        AuditAction::Archive,
        AuditAction::Gate,
        AuditAction::Grant,
        AuditAction::Revoke,
        AuditAction::Protect,
        AuditAction::Unprotect,
        AuditAction::Denied,
    ];

    /// The event type's name: `version`, `alias`, `tag`, `lineage`,
    /// `used_by`, `archive`, `gate`, `grant`, `revoke`, `protect`,
    /// `unprotect`, `denied`, or an unknown one's text.
    pub fn as_str(&self) -> &str {
        match self {
            AuditAction::Version => "version",
            AuditAction::Alias => "alias",
            AuditAction::Tag => "tag",
            AuditAction::Lineage => "lineage",
            AuditAction::UsedBy => "used_by",
            AuditAction::Archive => "archive",
            AuditAction::Gate => "gate",
            AuditAction::Grant => "grant",
            AuditAction::Revoke => "revoke",
            AuditAction::Protect => "protect",
            AuditAction::Unprotect => "unprotect",
            AuditAction::Denied => "denied",
            AuditAction::Other(s) => s,
        }
    }

    /// The action of an event type, known or not: never fails (an unknown
    /// name is [`AuditAction::Other`]). For names read from the store, and
    /// for filters, which may name what a newer writer wrote.
    ///
    /// ```
    /// use mlops_core::governance::AuditAction;
    /// assert_eq!(AuditAction::named("alias"), AuditAction::Alias);
    /// assert_eq!(AuditAction::named("retrain"), AuditAction::Other("retrain".into()));
    /// ```
    pub fn named(s: &str) -> Self {
        s.parse()
            .unwrap_or_else(|_| AuditAction::Other(s.to_string()))
    }
}

impl std::fmt::Display for AuditAction {
    /// [`as_str`](AuditAction::as_str).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for AuditAction {
    type Err = Error;

    /// Parses a known action's name; anything else is an
    /// [`Error::InvalidInput`] listing them (see [`AuditAction::named`] to
    /// keep unknown names).
    ///
    /// ```
    /// use mlops_core::governance::AuditAction;
    /// assert_eq!("used_by".parse::<AuditAction>().unwrap(), AuditAction::UsedBy);
    /// assert!("retrain".parse::<AuditAction>().unwrap_err().to_string().contains("expected version, alias"));
    /// ```
    fn from_str(s: &str) -> Result<Self> {
        AuditAction::KNOWN
            .into_iter()
            .find(|a| a.as_str() == s)
            .ok_or_else(|| {
                let known = AuditAction::KNOWN;
                Error::unknown(
                    "audit action",
                    s,
                    &known.each_ref().map(AuditAction::as_str),
                )
            })
    }
}

/// Which events [`Registry::audit_log`] lists; every field left `None`
/// matches everything. Bindings read it from their callers' options as
/// they are (an unknown field is an error naming it):
///
/// ```
/// use mlops_core::governance::AuditFilter;
/// use mlops_core::governance::AuditAction;
/// let f: AuditFilter = serde_json::from_str(r#"{"action": "alias", "since": 1000}"#).unwrap();
/// assert_eq!((f.action, f.since, f.principal), (Some(AuditAction::Alias), Some(1000), None));
/// let bad = serde_json::from_str::<AuditFilter>(r#"{"actor": "ana"}"#).unwrap_err();
/// assert!(bad.to_string().contains("unknown field `actor`"));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AuditFilter {
    /// Only events written by this principal.
    pub principal: Option<String>,
    /// Only this action (`version`, `alias`, `tag`, `lineage`, `used_by`,
    /// `archive`, `gate`; `grant`, `revoke`, `protect`, `unprotect`;
    /// `denied`); an unknown name matches only records of that unknown
    /// type (see [`AuditAction::Other`]).
    pub action: Option<AuditAction>,
    /// Only targets matching this pattern (`model/*`, `model/churn`), for
    /// policy events their scope.
    pub target: Option<String>,
    /// Only events at or after this time (Unix milliseconds).
    pub since: Option<u64>,
    /// Only events before this time (Unix milliseconds).
    pub until: Option<u64>,
}

/// One event of the audit trail.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AuditRecord {
    /// The log it is in (`assets/model/churn/log`, `policy/log`, `audit/denied/log`).
    pub log: String,
    /// Its sequence number in that log.
    pub seq: u64,
    /// BLAKE3 hash of its bytes (the next event of the log names it).
    pub hash: String,
    /// When (Unix milliseconds).
    pub time: u64,
    /// Who.
    pub principal: String,
    /// What: the event's type.
    pub action: AuditAction,
    /// On what: `<kind>/<name>`, with `@<version>` when the event is about
    /// one; for policy events the scope; for denials the target refused.
    pub target: String,
    /// Why, if the writer said.
    pub reason: Option<String>,
    /// The event itself.
    pub event: serde_json::Value,
}

impl AuditRecord {
    /// The asset change this record is, typed: `Some` for an event of an
    /// asset's log (a version, alias move, tag, lineage edge, archive or
    /// gate), `None` for policy events and denials.
    ///
    /// ```
    /// use mlops_core::registry::{AssetRef, Change, Kind, Registry};
    /// let r = Registry::open("memory://").unwrap();
    /// r.add_version(Kind::Dataset, "d", b"x", "", serde_json::json!({})).unwrap();
    /// r.add_version(Kind::Model, "m", b"w", "", serde_json::json!({})).unwrap();
    /// let d = AssetRef { kind: Kind::Dataset, name: "d".into(), version: 1 };
    /// let m = AssetRef { kind: Kind::Model, name: "m".into(), version: 1 };
    /// r.record_lineage(&m, &[d.clone()], Some("run-7"), None).unwrap();
    /// let h = r.history(Kind::Model, "m").unwrap();
    /// match h[1].change() {
    ///     Some(Change::Lineage { inputs, run, .. }) => assert_eq!((inputs, run.as_deref()), (vec![d], Some("run-7"))),
    ///     other => panic!("{other:?}"),
    /// }
    /// ```
    pub fn change(&self) -> Option<Change> {
        if !self.log.starts_with("assets/") {
            return None;
        }
        serde_json::from_value(self.event.clone()).ok()
    }

    /// What the record says beyond its action and target, in a few words,
    /// free text escaped: the last column of `mlops log` (`"retrained"`,
    /// `production`, `team=risk`, `from dataset/d@1`, `used by model/m@1`,
    /// `archived`, `gate passed`), then `  (reason: ...)` if one was given.
    ///
    /// ```
    /// use mlops_core::registry::{Kind, Registry};
    /// let r = Registry::open("memory://").unwrap();
    /// r.add_version(Kind::Model, "m", b"w", "first fit", serde_json::json!({})).unwrap();
    /// r.clone().with_reason("ship it").set_alias(Kind::Model, "m", "production", 1).unwrap();
    /// let h = r.history(Kind::Model, "m").unwrap();
    /// assert_eq!(h[0].detail(), "\"first fit\"");
    /// assert_eq!(h[1].detail(), "production  (reason: ship it)");
    /// ```
    pub fn detail(&self) -> String {
        let at = |a: &AssetRef| format!("{}/{}@{}", a.kind.as_str(), a.name, a.version);
        let detail = match self.change() {
            Some(Change::Version { message, .. }) => format!("\"{message}\""),
            Some(Change::Alias { alias, .. }) => alias,
            Some(Change::Tag { key, value, .. }) => match value {
                Some(v) => format!("{key}={v}"),
                None => format!("-{key}"),
            },
            Some(Change::Lineage { inputs, cause, .. }) => {
                let inputs: Vec<String> = inputs.iter().map(at).collect();
                match cause {
                    Some(c) if inputs.is_empty() => format!("because of {c}"),
                    Some(c) => format!("from {} because of {c}", inputs.join(", ")),
                    None => format!("from {}", inputs.join(", ")),
                }
            }
            Some(Change::UsedBy { by, .. }) => format!("used by {}", at(&by)),
            Some(Change::Archive { archived: true }) => "archived".into(),
            Some(Change::Archive { archived: false }) => "restored".into(),
            Some(Change::Gate { passed: true, .. }) => "gate passed".into(),
            Some(Change::Gate { passed: false, .. }) => "gate failed".into(),
            Some(Change::Expire { expired, policy }) => {
                let list: Vec<String> = expired.iter().map(|v| format!("v{v}")).collect();
                format!("expired {} ({policy})", list.join(", "))
            }
            Some(Change::Pin { pinned: true, .. }) => "pinned".into(),
            Some(Change::Pin { pinned: false, .. }) => "unpinned".into(),
            None => String::new(),
        };
        let detail = match &self.reason {
            Some(r) => format!("{detail}  (reason: {r})"),
            None => detail,
        };
        crate::text::escape(&detail).into_owned()
    }
}

impl std::fmt::Display for AuditRecord {
    /// One line of `mlops audit log`: time (UTC), principal, action, target
    /// and reason, in columns, free text escaped (see [`crate::text::escape`]).
    ///
    /// ```
    /// use mlops_core::registry::{Kind, Registry};
    /// let r = Registry::open("memory://").unwrap().with_principal("ana").with_reason("release\n1");
    /// r.add_version(Kind::Model, "m", b"w", "", serde_json::json!({})).unwrap();
    /// let line = r.history(Kind::Model, "m").unwrap()[0].to_string();
    /// assert!(line.ends_with("  ana        version    model/m@1                    release\\n1"), "{line}");
    /// ```
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        use crate::text::escape;
        write!(
            f,
            "{}  {:<10} {:<10} {:<28} {}",
            crate::text::utc(self.time),
            escape(&self.principal),
            escape(self.action.as_str()),
            escape(&self.target),
            escape(self.reason.as_deref().unwrap_or(""))
        )
    }
}

/// The first place a log's chain is broken.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BrokenLink {
    /// The log.
    pub log: String,
    /// The first event found missing or out of place, when one is to blame.
    pub seq: Option<u64>,
    /// What is wrong.
    pub problem: String,
}

/// What [`Registry::audit_verify`] found.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AuditReport {
    /// Logs walked.
    pub logs: u64,
    /// Events checked (in intact logs, all of them; in a broken one, those
    /// before the break).
    pub events: u64,
    /// The first broken link, in log order (`None`: every chain holds).
    pub broken: Option<BrokenLink>,
    /// BLAKE3 of every log's name, length and newest event's hash: one value
    /// that changes with any change to any log. Kept outside the store (in
    /// a ticket, a git commit, a second bucket), it shows a rewrite even by
    /// someone who also rewrote the heads.
    pub digest: String,
}

impl AuditReport {
    /// Whether every chain holds.
    pub fn ok(&self) -> bool {
        self.broken.is_none()
    }
}

/// A log of the registry and, for an asset's, its kind and name.
struct LogRef {
    path: String,
    asset: Option<(Kind, String)>,
}

impl Registry {
    fn audit_logs(&self) -> Result<Vec<LogRef>> {
        let mut logs = Vec::new();
        for kind in Kind::ALL {
            let mut names = self
                .store()
                .children(&format!("assets/{}", kind.as_str()))?;
            names.sort();
            // A folder whose name no writer would make is no asset's log.
            names.retain(|n| crate::registry::check_name(n).is_ok());
            for name in names {
                logs.push(LogRef {
                    path: format!("assets/{}/{name}/log", kind.as_str()),
                    asset: Some((kind, name)),
                });
            }
        }
        // Monitors keep their own logs (alerts, retraining requests).
        for name in self.monitor_names()? {
            logs.push(LogRef {
                path: crate::monitor::monitor_log(&name),
                asset: None,
            });
        }
        for path in [POLICY_LOG, DENIED_LOG] {
            logs.push(LogRef {
                path: path.to_string(),
                asset: None,
            });
        }
        Ok(logs)
    }

    /// Walks every log of the registry (assets, policy, denials), in
    /// parallel: each event must be there (no gap), carry its own sequence
    /// number and name the hash of the event before it, so a changed byte,
    /// a deleted event or two events swapped break the chain. An asset's
    /// log is also checked against its indexes (whose head names the last
    /// event, so deleting the newest event shows too) and folded (version
    /// numbering); every log against its head hint. Returns the first broken
    /// link; storage failures are errors.
    ///
    /// ```
    /// use mlops_core::registry::{Kind, Registry};
    /// let r = Registry::open("memory://").unwrap();
    /// r.add_version(Kind::Model, "m", b"w", "", serde_json::json!({})).unwrap();
    /// let report = r.audit_verify().unwrap();
    /// assert!(report.ok());
    /// assert_eq!(report.events, 1);
    /// ```
    pub fn audit_verify(&self) -> Result<AuditReport> {
        let logs = self.audit_logs()?;
        let results: Vec<Result<(u64, String, Option<BrokenLink>)>> =
            logs.par_iter().map(|l| self.verify_log(l)).collect();
        let mut report = AuditReport {
            logs: logs.len() as u64,
            events: 0,
            broken: None,
            digest: String::new(),
        };
        let mut digest = blake3::Hasher::new();
        for (l, r) in logs.iter().zip(results) {
            let (n, last, broken) = r?;
            digest.update(format!("{} {n} {last}\n", l.path).as_bytes());
            report.events += n;
            if report.broken.is_none() {
                report.broken = broken;
            }
        }
        report.digest = digest.finalize().to_hex().to_string();
        Ok(report)
    }

    fn verify_log(&self, l: &LogRef) -> Result<(u64, String, Option<BrokenLink>)> {
        let log = l.path.as_str();
        let broken = |seq: Option<u64>, e: Error| BrokenLink {
            log: log.to_string(),
            seq,
            problem: e.to_string(),
        };
        let (events, link) = self.store().read_log_until_broken(log)?;
        let n = events.len() as u64;
        let last = events
            .last()
            .map_or_else(String::new, |e| e.hash().to_string());
        let found = |b: BrokenLink| Ok((n, last.clone(), Some(b)));
        if let Some((seq, e)) = link {
            return found(broken(Some(seq), e));
        }
        if l.asset.is_none() {
            if let Err((seq, e)) = super::head::check(self.store(), log, &events) {
                return found(broken(Some(seq), e));
            }
        }
        let checked = match &l.asset {
            Some((kind, name)) => self.verify_asset_events(*kind, name, &events),
            None => events.iter().try_for_each(|e| {
                serde_json::from_slice::<serde_json::Value>(&e.bytes)
                    .map(drop)
                    .map_err(|err| {
                        Error::Integrity(format!("log {log}: event {} is not JSON: {err}", e.seq))
                    })
            }),
        };
        match checked {
            Ok(()) => Ok((n, last, None)),
            Err(e @ Error::Integrity(_)) => found(broken(None, e)),
            Err(e) => Err(e),
        }
    }

    /// Lists the events of every log that match `filter`, oldest first.
    /// Each log is read whole and checked as a chain (a broken one is an
    /// [`Error::Integrity`]: see [`audit_verify`](Self::audit_verify)).
    ///
    /// ```
    /// use mlops_core::governance::{AuditAction, AuditFilter};
    /// use mlops_core::registry::{Kind, Registry};
    /// let r = Registry::open("memory://").unwrap().with_principal("ana");
    /// r.add_version(Kind::Model, "m", b"w", "", serde_json::json!({})).unwrap();
    /// r.set_alias(Kind::Model, "m", "production", 1).unwrap();
    /// let moves = r.audit_log(&AuditFilter { action: Some(AuditAction::Alias), ..Default::default() }).unwrap();
    /// assert_eq!(moves.len(), 1);
    /// assert_eq!((moves[0].principal.as_str(), moves[0].target.as_str()), ("ana", "model/m@1"));
    /// ```
    pub fn audit_log(&self, filter: &AuditFilter) -> Result<Vec<AuditRecord>> {
        let logs = self.audit_logs()?;
        let per_log: Vec<Result<Vec<AuditRecord>>> = logs
            .par_iter()
            .map(|l| {
                let events = self.store().read_log(&l.path)?;
                let mut out = Vec::new();
                for e in &events {
                    let r = record(l, e)?;
                    if keep(filter, &r) {
                        out.push(r);
                    }
                }
                Ok(out)
            })
            .collect();
        let mut all = Vec::new();
        for r in per_log {
            all.extend(r?);
        }
        all.sort_by(|a, b| (a.time, &a.log, a.seq).cmp(&(b.time, &b.log, b.seq)));
        Ok(all)
    }
}

impl Registry {
    /// One asset's history, oldest first: every event of its log (versions
    /// with their message, alias moves, tags, lineage, archive, gates) as
    /// audit records, the log's hash chain checked on the way. What `git
    /// log` is to a branch; the CLI's `mlops log KIND NAME`.
    ///
    /// ```
    /// use mlops_core::registry::{Kind, Registry};
    /// let r = Registry::open("memory://").unwrap().with_principal("ana");
    /// r.add_version(Kind::Model, "m", b"w", "first fit", serde_json::json!({})).unwrap();
    /// r.set_alias(Kind::Model, "m", "production", 1).unwrap();
    /// let h = r.history(Kind::Model, "m").unwrap();
    /// let seen: Vec<_> = h.iter().map(|e| (e.action.as_str(), e.target.as_str())).collect();
    /// assert_eq!(seen, [("version", "model/m@1"), ("alias", "model/m@1")]);
    /// assert_eq!(h[0].event["message"], "first fit");
    /// ```
    pub fn history(&self, kind: Kind, name: &str) -> Result<Vec<AuditRecord>> {
        let log = LogRef {
            path: Registry::log(kind, name)?,
            asset: Some((kind, name.to_string())),
        };
        let events = self.store().read_log(&log.path)?;
        if events.is_empty() {
            return Err(Error::NotFound(format!("{} '{name}'", kind.as_str())));
        }
        events.iter().map(|e| record(&log, e)).collect()
    }
}

fn keep(f: &AuditFilter, r: &AuditRecord) -> bool {
    let base = r.target.split('@').next().unwrap_or(&r.target);
    f.principal.as_ref().is_none_or(|p| *p == r.principal)
        && f.action.as_ref().is_none_or(|a| *a == r.action)
        && f.target
            .as_ref()
            .is_none_or(|t| pattern::matches(t, base) || pattern::matches(t, &r.target))
        && f.since.is_none_or(|s| r.time >= s)
        && f.until.is_none_or(|u| r.time < u)
}

fn record(l: &LogRef, e: &Event) -> Result<AuditRecord> {
    let v: serde_json::Value = serde_json::from_slice(&e.bytes).map_err(|err| {
        Error::Integrity(format!(
            "log {}: event {} is not JSON: {err}",
            l.path, e.seq
        ))
    })?;
    let text = |k: &str| v.get(k).and_then(|x| x.as_str()).map(str::to_string);
    let action = AuditAction::named(&text("type").unwrap_or_default());
    let target = match &l.asset {
        Some((kind, name)) => match v.get("version").and_then(|x| x.as_u64()) {
            Some(n) => format!("{}/{name}@{n}", kind.as_str()),
            None => format!("{}/{name}", kind.as_str()),
        },
        None if action == AuditAction::Denied => text("target").unwrap_or_default(),
        None => text("scope").unwrap_or_default(),
    };
    Ok(AuditRecord {
        log: l.path.clone(),
        seq: e.seq,
        hash: e.hash().to_string(),
        time: v.get("time").and_then(|x| x.as_u64()).unwrap_or(0),
        principal: text("principal").unwrap_or_default(),
        action,
        target,
        reason: text("reason"),
        event: v,
    })
}

#[cfg(test)]
mod tests {
    use super::AuditAction;

    #[test]
    fn audit_actions_round_trip_through_their_names_and_serde() {
        let unknown = AuditAction::Other("retrain".into());
        for a in AuditAction::KNOWN.into_iter().chain([unknown.clone()]) {
            assert_eq!(AuditAction::named(&a.to_string()), a);
            let json = serde_json::to_value(&a).unwrap();
            assert_eq!(json, a.as_str());
            assert_eq!(serde_json::from_value::<AuditAction>(json).unwrap(), a);
        }
        for a in AuditAction::KNOWN {
            assert_eq!(a.to_string().parse::<AuditAction>().unwrap(), a);
        }
        let e = "retrain".parse::<AuditAction>().unwrap_err().to_string();
        assert!(
            e.ends_with("unknown audit action 'retrain' (expected version, alias, tag, lineage, used_by, archive, gate, grant, revoke, protect, unprotect or denied)"),
            "{e}"
        );
        assert_eq!(AuditAction::named(""), AuditAction::Other(String::new()));
    }
}
