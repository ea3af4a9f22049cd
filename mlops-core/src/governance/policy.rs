//! The access policy: roles granted to principals over assets, alias
//! protections, and the check every mutating registry call goes through.
//!
//! The policy is the fold of the registry's `policy/log`, an append-only,
//! hash-chained log like an asset's (see `docs/store-protocol.md`).

use serde::{Deserialize, Serialize};

use super::pattern;
use crate::error::{Error, Result};
use crate::registry::{check_name, now_ms, Kind, Registry};
use crate::store::{Envelope, Event, Tip};

/// The policy's log.
pub(crate) const POLICY_LOG: &str = "policy/log";
/// The log of refused calls.
pub(crate) const DENIED_LOG: &str = "audit/denied/log";

/// The scope pattern that covers every asset: a grant or protection over
/// `*` holds everywhere; the default scope.
pub const EVERY_ASSET: &str = "*";

/// A role: each includes the ones before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// May read (reads are not checked by the engine: see the module docs).
    Reader,
    /// May add versions, tags, lineage, gate reports, and move unprotected aliases.
    Writer,
    /// May also move protected aliases (such as `production`) and archive assets.
    Approver,
    /// May also change the policy.
    Admin,
}

impl Role {
    /// The role a protected alias requires when the caller names none
    /// ([`Registry::protect_alias`]): approver. Front-ends take their
    /// default from here.
    ///
    /// ```
    /// use mlops_core::governance::Role;
    /// assert_eq!(Role::PROTECT_DEFAULT.as_str(), "approver");
    /// ```
    pub const PROTECT_DEFAULT: Role = Role::Approver;
}

words!(Role, "role", {
    Reader => "reader",
    Writer => "writer",
    Approver => "approver",
    Admin => "admin",
});

/// A role granted to a principal (`*`: anyone) over the assets whose
/// `<kind>/<name>` matches `scope` (a pattern: `model/churn`, `model/*`, `*`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Grant {
    /// Who.
    pub principal: String,
    /// The role.
    pub role: Role,
    /// Over which assets.
    pub scope: String,
}

/// An alias that only `role` may move on the assets matching `scope`, and
/// (with `require_gate`) only to a version with a passed gate report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Protection {
    /// The alias (`production`).
    pub alias: String,
    /// Over which assets.
    pub scope: String,
    /// The role needed to move it.
    pub role: Role,
    /// Whether the version must have a passed gate report.
    pub require_gate: bool,
}

/// A mutating call, as the policy sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action<'a> {
    /// Add a version (or commit a data set).
    AddVersion,
    /// Set or remove a tag.
    Tag,
    /// Record lineage.
    Lineage,
    /// Record a gate report.
    Gate,
    /// Archive or restore an asset.
    Archive,
    /// Move an alias to a version.
    MoveAlias {
        /// The alias.
        alias: &'a str,
        /// The version it would point at.
        version: u64,
    },
    /// Change the policy.
    ChangePolicy,
    /// Expire versions by a retention rule.
    Expire,
    /// Pin or unpin a version.
    Pin,
}

impl Action<'_> {
    /// A short name (`version`, `tag`, `lineage`, `gate`, `archive`, `alias`, `policy`).
    pub fn name(&self) -> &'static str {
        match self {
            Action::AddVersion => "version",
            Action::Tag => "tag",
            Action::Lineage => "lineage",
            Action::Gate => "gate",
            Action::Archive => "archive",
            Action::MoveAlias { .. } => "alias",
            Action::ChangePolicy => "policy",
            Action::Expire => "expire",
            Action::Pin => "pin",
        }
    }

    fn describe(&self) -> String {
        match self {
            Action::AddVersion => "add a version to".into(),
            Action::Tag => "tag".into(),
            Action::Lineage => "record lineage of".into(),
            Action::Gate => "record a gate report of".into(),
            Action::Archive => "archive or restore".into(),
            Action::MoveAlias { alias, version } => {
                format!("move alias '{alias}' to v{version} of")
            }
            Action::ChangePolicy => "change the policy of".into(),
            Action::Expire => "expire versions of".into(),
            Action::Pin => "pin a version of".into(),
        }
    }
}

/// The access policy: the fold of `policy/log`.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Policy {
    /// Roles granted, in the order granted.
    pub grants: Vec<Grant>,
    /// Protected aliases.
    pub protections: Vec<Protection>,
    /// Events in the policy's log.
    pub events: u64,
}

/// Why a call was refused.
pub(crate) struct Denial {
    pub needs: String,
    pub has: Option<Role>,
}

impl Policy {
    /// Whether roles are checked: from the first grant on.
    pub fn enforced(&self) -> bool {
        !self.grants.is_empty()
    }

    /// The highest role `principal` holds over `target` (`<kind>/<name>`,
    /// or `*` for the registry as a whole, which only grants over `*` cover).
    pub fn role_of(&self, principal: &str, target: &str) -> Option<Role> {
        self.grants
            .iter()
            .filter(|g| g.principal == principal || g.principal == "*")
            .filter(|g| {
                if target == "*" {
                    g.scope == "*"
                } else {
                    pattern::matches(&g.scope, target)
                }
            })
            .map(|g| g.role)
            .max()
    }

    /// The protection of `alias` on `target`, the strictest if several match.
    pub fn protection(&self, alias: &str, target: &str) -> Option<Protection> {
        self.protections
            .iter()
            .filter(|p| p.alias == alias && pattern::matches(&p.scope, target))
            .cloned()
            .reduce(|a, b| Protection {
                role: a.role.max(b.role),
                require_gate: a.require_gate || b.require_gate,
                ..a
            })
    }

    /// Checks `action` by `principal` on `target` against the roles (the
    /// gate requirement is checked by the registry, which knows the gates).
    pub(crate) fn check(&self, principal: &str, action: &Action, target: &str) -> Option<Denial> {
        if !self.enforced() {
            return None;
        }
        let needs = match action {
            Action::AddVersion | Action::Tag | Action::Lineage | Action::Gate | Action::Pin => {
                Role::Writer
            }
            Action::Archive | Action::Expire => Role::Approver,
            Action::MoveAlias { alias, .. } => self
                .protection(alias, target)
                .map_or(Role::Writer, |p| p.role),
            Action::ChangePolicy => Role::Admin,
        };
        let has = self.role_of(principal, target);
        (has < Some(needs)).then(|| Denial {
            needs: format!(
                "needs {}{}",
                needs.as_str(),
                if target == "*" { " over '*'" } else { "" }
            ),
            has,
        })
    }

    fn apply(&mut self, change: &PolicyChange) -> Result<()> {
        match change {
            PolicyChange::Grant {
                grantee,
                role,
                scope,
            } => {
                let g = Grant {
                    principal: grantee.clone(),
                    role: *role,
                    scope: scope.clone(),
                };
                if !self.grants.contains(&g) {
                    self.grants.push(g);
                }
            }
            PolicyChange::Revoke {
                grantee,
                role,
                scope,
            } => {
                let before = self.grants.len();
                self.grants
                    .retain(|g| !(g.principal == *grantee && g.role == *role && g.scope == *scope));
                if self.grants.len() == before {
                    return Err(Error::NotFound(format!(
                        "no grant of {} to '{grantee}' over '{scope}'",
                        role.as_str()
                    )));
                }
            }
            PolicyChange::Protect {
                alias,
                scope,
                role,
                require_gate,
            } => {
                self.protections
                    .retain(|p| !(p.alias == *alias && p.scope == *scope));
                self.protections.push(Protection {
                    alias: alias.clone(),
                    scope: scope.clone(),
                    role: *role,
                    require_gate: *require_gate,
                });
            }
            PolicyChange::Unprotect { alias, scope } => {
                let before = self.protections.len();
                self.protections
                    .retain(|p| !(p.alias == *alias && p.scope == *scope));
                if self.protections.len() == before {
                    return Err(Error::NotFound(format!(
                        "alias '{alias}' is not protected over '{scope}'"
                    )));
                }
            }
        }
        Ok(())
    }

    fn has_admin(&self) -> bool {
        self.grants
            .iter()
            .any(|g| g.role == Role::Admin && g.scope == "*")
    }
}

/// A change to the policy, as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub(crate) enum PolicyChange {
    Grant {
        grantee: String,
        role: Role,
        scope: String,
    },
    Revoke {
        grantee: String,
        role: Role,
        scope: String,
    },
    Protect {
        alias: String,
        scope: String,
        role: Role,
        require_gate: bool,
    },
    Unprotect {
        alias: String,
        scope: String,
    },
}

/// An event of `policy/log` or `audit/denied/log`: the [`Envelope`] every
/// log's events share (with no running state) around the change.
pub(crate) type LogEvent<C> = Envelope<C>;

/// A refused call, as stored in `audit/denied/log`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct DeniedCall {
    #[serde(rename = "type")]
    pub kind: String,
    pub action: String,
    pub target: String,
    pub needs: String,
    pub has: Option<Role>,
}

fn parse_policy_event(e: &Event) -> Result<LogEvent<PolicyChange>> {
    let ev: LogEvent<PolicyChange> = serde_json::from_slice(&e.bytes).map_err(|err| {
        Error::Integrity(format!(
            "log {POLICY_LOG}: event {} is not a policy event: {err}",
            e.seq
        ))
    })?;
    if ev.format != "mlops.policy" || ev.v > 1 {
        return Err(Error::Integrity(format!(
            "log {POLICY_LOG}: event {} is of format {} v{}, newer than this build reads (mlops.policy v1)",
            e.seq, ev.format, ev.v
        )));
    }
    Ok(ev)
}

/// Checks a principal named in a grant or revoke: 1 to 256 printable
/// characters (no control characters).
fn check_principal(p: &str) -> Result<()> {
    check_principal_as(p, "principal")
}

/// Checks a principal, `field` naming where it came from in the error.
fn check_principal_as(p: &str, field: &str) -> Result<()> {
    if p.is_empty() || p.chars().count() > 256 || p.chars().any(char::is_control) {
        return Err(Error::InvalidInput(format!(
            "{field} '{}': use 1 to 256 printable characters",
            p.escape_debug()
        )));
    }
    Ok(())
}

/// The principal a registry opened without one writes as: `MLOPS_PRINCIPAL`
/// if set and not empty, else `USER` if set and not empty, else `unknown`.
/// A value that is not 1 to 256 printable characters is an
/// [`Error::InvalidInput`] naming the variable.
pub(crate) fn principal_from_env() -> Result<String> {
    for var in ["MLOPS_PRINCIPAL", "USER"] {
        match std::env::var(var) {
            Ok(p) if !p.is_empty() => {
                check_principal_as(&p, &format!("principal from ${var}"))?;
                return Ok(p);
            }
            Ok(_) | Err(std::env::VarError::NotPresent) => {}
            Err(std::env::VarError::NotUnicode(_)) => {
                return Err(Error::InvalidInput(format!(
                    "principal from ${var}: not UTF-8"
                )))
            }
        }
    }
    Ok("unknown".into())
}

fn check_scope(s: &str) -> Result<()> {
    let ok = !s.is_empty()
        && s.len() <= 260
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./*?".contains(c));
    if ok {
        Ok(())
    } else {
        Err(Error::InvalidInput(format!(
            "scope '{}': a pattern over '<kind>/<name>' of letters, digits, '-', '_', '.', '/', '*' and '?'",
            s.escape_debug()
        )))
    }
}

impl Registry {
    /// The access policy (empty, and so not enforced, until the first grant).
    pub fn policy(&self) -> Result<Policy> {
        let events = self.store().read_log(POLICY_LOG)?;
        let mut p = Policy::default();
        for e in &events {
            let ev = parse_policy_event(e)?;
            p.apply(&ev.change)?;
            p.events = e.seq;
        }
        Ok(p)
    }

    /// Grants `role` to `principal` (`*`: anyone) over the assets matching
    /// `scope`. Needs admin over `*` once the policy has grants; the first
    /// grant must make someone admin over `*` (else nobody could change the
    /// policy again).
    ///
    /// ```
    /// use mlops_core::governance::Role;
    /// use mlops_core::registry::{Kind, Registry};
    /// let r = Registry::open("memory://").unwrap();
    /// let ana = r.clone().with_principal("ana");
    /// ana.grant("ana", Role::Admin, "*").unwrap();
    /// ana.grant("bob", Role::Writer, "model/*").unwrap();
    /// ana.protect_alias("production", "*", Role::Approver, false).unwrap();
    /// let bob = r.clone().with_principal("bob");
    /// bob.add_version(Kind::Model, "churn", b"w", "", serde_json::json!({})).unwrap();
    /// let denied = bob.set_alias(Kind::Model, "churn", "production", 1).unwrap_err();
    /// assert_eq!(denied.code(), "PERMISSION_DENIED");
    /// ana.set_alias(Kind::Model, "churn", "production", 1).unwrap();
    /// ```
    pub fn grant(&self, principal: &str, role: Role, scope: &str) -> Result<()> {
        check_principal(principal)?;
        check_scope(scope)?;
        self.change_policy(PolicyChange::Grant {
            grantee: principal.to_string(),
            role,
            scope: scope.to_string(),
        })
    }

    /// Revokes a grant made with [`grant`](Self::grant) (the same principal,
    /// role and scope). Refused if it would leave no admin over `*`.
    pub fn revoke(&self, principal: &str, role: Role, scope: &str) -> Result<()> {
        check_principal(principal)?;
        check_scope(scope)?;
        self.change_policy(PolicyChange::Revoke {
            grantee: principal.to_string(),
            role,
            scope: scope.to_string(),
        })
    }

    /// Protects `alias` on the assets matching `scope`: only `role` (and
    /// above) may move it, and with `require_gate` only to a version whose
    /// last gate report passed ([`Registry::record_gate`]). The gate rule
    /// holds even while no role is granted.
    pub fn protect_alias(
        &self,
        alias: &str,
        scope: &str,
        role: Role,
        require_gate: bool,
    ) -> Result<()> {
        check_name(alias)?;
        check_scope(scope)?;
        self.change_policy(PolicyChange::Protect {
            alias: alias.to_string(),
            scope: scope.to_string(),
            role,
            require_gate,
        })
    }

    /// Removes a protection set with [`protect_alias`](Self::protect_alias).
    pub fn unprotect_alias(&self, alias: &str, scope: &str) -> Result<()> {
        check_name(alias)?;
        check_scope(scope)?;
        self.change_policy(PolicyChange::Unprotect {
            alias: alias.to_string(),
            scope: scope.to_string(),
        })
    }

    /// Appends an event of `format` to `log` (the policy's or the denials'),
    /// its change built by `change` on the log's tip (which may refuse),
    /// then moves the log's head to it.
    fn append_log_event<C: Serialize>(
        &self,
        log: &str,
        format: &str,
        mut change: impl FnMut(&Tip) -> Result<C>,
    ) -> Result<Event> {
        let e = self.store().append(log, |tip: &Tip| {
            let ev = LogEvent {
                format: format.into(),
                v: 1,
                seq: tip.next_seq(),
                prev: tip.prev_hash(),
                time: now_ms(),
                principal: self.principal().to_string(),
                state: (),
                reason: self.reason().map(str::to_string),
                change: change(tip)?,
            };
            Ok(serde_json::to_vec(&ev).expect("log events serialise"))
        })?;
        super::head::advance(self.store(), log, &e);
        Ok(e)
    }

    fn change_policy(&self, change: PolicyChange) -> Result<()> {
        self.check_acting_principal()?;
        let result = self.append_log_event(POLICY_LOG, "mlops.policy", |tip: &Tip| {
            // The policy as of the tip: the check and the change are judged
            // on the state the event will follow.
            let mut policy = self.policy()?;
            if policy.events + 1 != tip.next_seq() {
                return Err(Error::Conflict(format!(
                    "{POLICY_LOG} changed while it was read; try again"
                )));
            }
            if let Some(d) = policy.check(self.principal(), &Action::ChangePolicy, "*") {
                return Err(denied_error(self.principal(), &Action::ChangePolicy, "*", &d));
            }
            policy.apply(&change)?;
            if !policy.has_admin() && policy.enforced() {
                return Err(Error::InvalidInput(
                    "the policy would have no admin over '*': grant admin over '*' first (and keep one)"
                        .into(),
                ));
            }
            Ok(change.clone())
        });
        match result {
            Ok(_) => Ok(()),
            Err(e @ Error::PermissionDenied(_)) => {
                self.log_denial(&Action::ChangePolicy, "*", &self.policy()?);
                Err(e)
            }
            Err(e) => Err(e),
        }
    }

    /// Checks a mutating call on an asset against the policy; a refusal is
    /// logged in `audit/denied/log` and returned as
    /// [`Error::PermissionDenied`].
    pub(crate) fn authorize(&self, action: Action, kind: Kind, name: &str) -> Result<()> {
        self.check_acting_principal()?;
        let policy = self.policy()?;
        let target = format!("{}/{name}", kind.as_str());
        if let Some(d) = policy.check(self.principal(), &action, &target) {
            self.log_denial_with(&action, &target, &d);
            return Err(denied_error(self.principal(), &action, &target, &d));
        }
        if let Action::MoveAlias { alias, version } = action {
            if policy
                .protection(alias, &target)
                .is_some_and(|p| p.require_gate)
            {
                let passed = self
                    .asset(kind, name)?
                    .gates
                    .get(&version)
                    .is_some_and(|g| g.passed);
                if !passed {
                    let d = Denial {
                        needs: format!("needs a passed gate report for v{version}"),
                        has: policy.role_of(self.principal(), &target),
                    };
                    self.log_denial_with(&action, &target, &d);
                    return Err(denied_error(self.principal(), &action, &target, &d));
                }
            }
        }
        Ok(())
    }

    /// Checks, before anything is uploaded, that this registry's principal
    /// may add a version of the asset `kind`/`name`: the check the append
    /// makes again ([`authorize`](Self::authorize) with
    /// [`Action::AddVersion`]), done first by calls that store content
    /// before they append (a package's files, a data set's profile), so
    /// that a refused call leaves no blob behind.
    pub(crate) fn authorize_add_version(&self, kind: Kind, name: &str) -> Result<()> {
        Self::log(kind, name)?;
        self.authorize(Action::AddVersion, kind, name)
    }

    /// Checks the principal this registry writes as (see
    /// [`check_principal`]); every write goes through here first.
    fn check_acting_principal(&self) -> Result<()> {
        check_principal_as(self.principal(), "acting principal")
    }

    fn log_denial(&self, action: &Action, target: &str, policy: &Policy) {
        if let Some(d) = policy.check(self.principal(), action, target) {
            self.log_denial_with(action, target, &d);
        }
    }

    /// Appends a refusal to `audit/denied/log` (best effort: failing to log
    /// a refusal never turns it into a success).
    fn log_denial_with(&self, action: &Action, target: &str, d: &Denial) {
        let call = DeniedCall {
            kind: "denied".into(),
            action: match action {
                Action::MoveAlias { alias, version } => format!("alias {alias} -> v{version}"),
                a => a.name().to_string(),
            },
            target: target.to_string(),
            needs: d.needs.clone(),
            has: d.has,
        };
        let _ = self.append_log_event(DENIED_LOG, "mlops.denial", |_| Ok(call.clone()));
    }
}

fn denied_error(principal: &str, action: &Action, target: &str, d: &Denial) -> Error {
    let has = d
        .has
        .map_or("no role".to_string(), |r| format!("has {}", r.as_str()));
    Error::PermissionDenied(format!(
        "'{principal}' may not {} {target}: {} ({has})",
        action.describe(),
        d.needs
    ))
}

#[cfg(test)]
mod tests {
    use super::Role;

    #[test]
    fn roles_round_trip_through_their_names_and_serde() {
        for r in [Role::Reader, Role::Writer, Role::Approver, Role::Admin] {
            assert_eq!(r.to_string().parse::<Role>().unwrap(), r);
            assert_eq!(serde_json::to_value(r).unwrap(), r.as_str());
        }
        assert_eq!(
            "owner".parse::<Role>().unwrap_err().to_string(),
            "invalid input: unknown role 'owner' (expected reader, writer, approver or admin)"
        );
    }
}
