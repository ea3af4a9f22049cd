//! Rules on a monitor and their alerts: [`Registry::add_monitor_rule`]
//! writes a rule to the monitor's log; [`Registry::check_monitor`]
//! evaluates every rule over the all-rows windows, in time order, and
//! appends each state change not yet logged (`alert` events: ok → firing →
//! resolved, with the rule's cooldown), so the log is the alerts' audit
//! trail. Each new firing at or above a severity appends a
//! `retrain_requested` event naming the alert and its windows: the trigger
//! a callback, a webhook (`monitor/webhook.rs`, posted here) or a pipeline
//! step acts on; a run or model made because of it names it as its cause
//! (`monitor/cause.rs`).
//!
//! Fields a rule reads: a window's figures (`monitor/results.rs`), and
//! the reference's: `reference.<field>` (of the whole reference),
//! `reference.<field>.mean` and `.std` (over the reference's own windows).

use serde::Serialize;

use super::event::MonitorChange;
use super::fold::{AlertRecord, MonitorState};
use super::results::WindowResult;
use super::rules::{transitions, AlertState, Rule, Severity};
use crate::error::{Error, Result};
use crate::registry::Registry;

/// Windows after a resolve during which a rule does not fire again, when
/// not given.
pub const DEFAULT_COOLDOWN_WINDOWS: u64 = 0;
/// The severity from which a new firing asks for a retraining, when not given.
pub const DEFAULT_RETRAIN_ON: Severity = Severity::Critical;
/// The severity of a rule, when not given.
pub const DEFAULT_SEVERITY: Severity = Severity::Warning;

/// A rule's name made from its text: letters, digits and `_`, at most 64.
pub fn rule_name(rule: &Rule) -> String {
    let mut name = String::new();
    for c in rule.to_string().chars() {
        if c.is_ascii_alphanumeric() {
            name.push(c.to_ascii_lowercase());
        } else if !name.ends_with('_') && !name.is_empty() {
            name.push('_');
        }
    }
    let mut name = name.trim_end_matches('_').to_string();
    name.truncate(64);
    name
}

/// A `retrain_requested` event a check appended.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RetrainRequest {
    /// Its event's number.
    pub seq: u64,
    /// The number of the `alert` event that asked for it.
    pub alert: u64,
    /// The rule that fired.
    pub rule: String,
    /// The rule's severity.
    pub severity: String,
    /// The windows the alert was about.
    pub windows: Vec<i64>,
    /// What a run or model version made because of it names as its cause
    /// (`monitor:<name>@<seq>`, see [`super::RetrainCause`]).
    pub cause: String,
    /// The outcome of posting it to the monitor's webhook, when it has one.
    pub webhook: Option<super::WebhookDelivery>,
}

/// What [`Registry::check_monitor`] found.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct CheckReport {
    /// The alert transitions this check appended, in log order.
    pub new_alerts: Vec<AlertRecord>,
    /// The rules firing now: (rule, severity).
    pub firing: Vec<(String, String)>,
    /// The `retrain_requested` events this check appended.
    pub retrain_requests: Vec<RetrainRequest>,
    /// The worst severity firing now, if any.
    pub worst: Option<String>,
}

impl CheckReport {
    /// Whether a rule of `severity` or worse is firing.
    pub fn fails(&self, severity: Severity) -> bool {
        self.firing
            .iter()
            .any(|(_, s)| s.parse::<Severity>().is_ok_and(|s| s >= severity))
    }
}

/// The value of `field` for a window: its own figure, or the reference's.
fn lookup(state: &MonitorState, w: &WindowResult, field: &str) -> Option<f64> {
    if let Some(rest) = field.strip_prefix("reference.") {
        if let Some(v) = state.reference_fields.get(rest) {
            return Some(*v);
        }
        if let Some(f) = rest.strip_suffix(".mean") {
            return state.reference_windows.get(f).map(|m| m.0);
        }
        if let Some(f) = rest.strip_suffix(".std") {
            return state.reference_windows.get(f).map(|m| m.1);
        }
        return None;
    }
    w.field(field)
}

impl Registry {
    /// Posts `req` to `hook` and logs the outcome (never an error: a
    /// failure is in the returned delivery).
    fn post_retrain(
        &self,
        name: &str,
        hook: &super::WebhookDef,
        req: &RetrainRequest,
        state: &MonitorState,
    ) -> super::WebhookDelivery {
        let body = serde_json::json!({
            "type": "retrain_requested",
            "monitor": name,
            "retrain": req.seq,
            "alert": req.alert,
            "rule": req.rule,
            "severity": req.severity,
            "windows": req.windows,
            "reference": state.config.reference,
            "cause": req.cause,
            "time": crate::registry::now_ms(),
        });
        let body = serde_json::to_vec(&body).expect("a retrain request serialises");
        let event_id = format!("{name}:{}", req.seq);
        let mut d = super::webhook::deliver(&hook.url, &hook.secret_env, &event_id, &body);
        let logged = super::append(
            self,
            name,
            MonitorChange::WebhookDelivery {
                retrain: req.seq,
                url: hook.url.clone(),
                delivered: d.delivered,
                status: d.status,
                attempts: d.attempts,
                error: d.error.clone(),
            },
        );
        match logged {
            Ok(seq) => d.seq = seq,
            Err(e) => {
                let note = format!("(the outcome could not be logged: {e})");
                d.error = Some(match d.error.take() {
                    Some(err) => format!("{err} {note}"),
                    None => note,
                });
            }
        }
        d
    }

    /// Adds rule `rule` (the rule language of `monitor/rules.rs`) to
    /// monitor `monitor` under `name` (made from the text when `None`;
    /// a rule of that name is replaced), with its severity (default
    /// [`DEFAULT_SEVERITY`]) and cooldown ([`DEFAULT_COOLDOWN_WINDOWS`]).
    /// Returns the name. A rule that does not parse is
    /// [`Error::InvalidInput`] naming the position.
    pub fn add_monitor_rule(
        &self,
        monitor: &str,
        rule: &str,
        name: Option<&str>,
        severity: Option<&str>,
        cooldown_windows: Option<u64>,
    ) -> Result<String> {
        let parsed = Rule::parse(rule)?;
        let severity: Severity = match severity {
            Some(s) => s.parse()?,
            None => DEFAULT_SEVERITY,
        };
        let name = match name {
            Some(n) => {
                crate::registry::check_name(n)
                    .map_err(|e| Error::InvalidInput(format!("rule {e}")))?;
                n.to_string()
            }
            None => rule_name(&parsed),
        };
        self.monitor_state(monitor)?;
        super::append(
            self,
            monitor,
            MonitorChange::Rule {
                name: name.clone(),
                rule: parsed.to_string(),
                severity: severity.as_str().to_string(),
                cooldown_windows: cooldown_windows.unwrap_or(DEFAULT_COOLDOWN_WINDOWS),
            },
        )?;
        Ok(name)
    }

    /// Removes rule `name` from monitor `monitor` ([`Error::NotFound`] when
    /// it has none of that name).
    pub fn remove_monitor_rule(&self, monitor: &str, name: &str) -> Result<()> {
        let state = self.monitor_state(monitor)?;
        if !state.rules.contains_key(name) {
            return Err(Error::NotFound(format!(
                "monitor '{monitor}' has no rule '{name}'"
            )));
        }
        super::append(
            self,
            monitor,
            MonitorChange::RemoveRule {
                name: name.to_string(),
            },
        )?;
        Ok(())
    }

    /// Evaluates every rule of monitor `name` over its all-rows windows
    /// and appends the state changes not logged yet (those after the last
    /// logged change of each rule: a late batch that changes an earlier
    /// window does not rewrite the alerts already raised). Each new firing
    /// of severity `retrain_on` or worse ([`DEFAULT_RETRAIN_ON`]) appends a
    /// `retrain_requested` event. `now_ms` is "now" for finality.
    pub fn check_monitor(
        &self,
        name: &str,
        now_ms: Option<i64>,
        retrain_on: Option<&str>,
    ) -> Result<CheckReport> {
        let retrain_on: Severity = match retrain_on {
            Some(s) => s.parse()?,
            None => DEFAULT_RETRAIN_ON,
        };
        let state = self.monitor_state(name)?;
        let results = self.results_of(&state, now_ms)?;
        let windows: Vec<&WindowResult> = results.iter().filter(|r| r.segment.is_empty()).collect();
        let mut report = CheckReport::default();
        for def in state.rules.values() {
            let rule = Rule::parse(&def.rule)?;
            let conds: Vec<(i64, Option<bool>)> = windows
                .iter()
                .map(|w| (w.window, rule.eval(&|f| lookup(&state, w, f))))
                .collect();
            let all = transitions(
                &rule,
                &conds,
                state.config.window_secs as i64,
                def.cooldown_windows,
            )?;
            let last_logged = state
                .alerts
                .iter()
                .filter(|a| a.rule == def.name)
                .map(|a| a.window)
                .max();
            for t in all
                .iter()
                .filter(|t| last_logged.is_none_or(|l| t.window > l))
            {
                let seq = super::append(
                    self,
                    name,
                    MonitorChange::Alert {
                        rule: def.name.clone(),
                        state: t.state.as_str().to_string(),
                        severity: def.severity.clone(),
                        window: t.window,
                        windows: t.windows.clone(),
                    },
                )?;
                report.new_alerts.push(AlertRecord {
                    seq,
                    time: crate::registry::now_ms(),
                    rule: def.name.clone(),
                    state: t.state.as_str().to_string(),
                    severity: def.severity.clone(),
                    window: t.window,
                    windows: t.windows.clone(),
                });
                let severity: Severity = def.severity.parse()?;
                if t.state == AlertState::Firing && severity >= retrain_on {
                    let r = super::append(
                        self,
                        name,
                        MonitorChange::RetrainRequested {
                            rule: def.name.clone(),
                            alert: seq,
                            windows: t.windows.clone(),
                            reference: state.config.reference.clone(),
                        },
                    )?;
                    report.retrain_requests.push(RetrainRequest {
                        seq: r,
                        alert: seq,
                        rule: def.name.clone(),
                        severity: def.severity.clone(),
                        windows: t.windows.clone(),
                        cause: super::RetrainCause {
                            monitor: name.to_string(),
                            retrain: r,
                        }
                        .to_string(),
                        webhook: None,
                    });
                }
            }
            // The state now: the last change, computed or logged.
            let last = all.last().map(|t| t.state).or_else(|| {
                state
                    .alerts
                    .iter()
                    .rev()
                    .find(|a| a.rule == def.name)
                    .and_then(|a| a.state.parse().ok())
            });
            if last == Some(AlertState::Firing) {
                report.firing.push((def.name.clone(), def.severity.clone()));
            }
        }
        if let Some(hook) = &state.webhook {
            for req in &mut report.retrain_requests {
                req.webhook = Some(self.post_retrain(name, hook, req, &state));
            }
        }
        report.worst = report
            .firing
            .iter()
            .filter_map(|(_, s)| s.parse::<Severity>().ok())
            .max()
            .map(|s| s.as_str().to_string());
        Ok(report)
    }
}
