//! A monitor's state: the fold of its log's events ([`MonitorState`]).

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use super::config::MonitorConfig;
use super::event::{
    MonitorChange, MonitorEvent, Rejected, MONITOR_EVENT_FORMAT, MONITOR_EVENT_VERSION,
};
use crate::error::{Error, Result};
use crate::store::{Event, Hash};

/// What the log holds of one (window, segment): every delta added up.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct WindowState {
    /// Rows placed.
    pub rows: u64,
    /// The profiles of the deltas (merged when the window is evaluated).
    pub profiles: Vec<Hash>,
    /// The suite's partial states of the deltas, in log order.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub suites: Vec<Hash>,
    /// Type errors per column.
    pub type_errors: BTreeMap<String, u64>,
    /// Values outside the reference per column.
    pub out_of_range: BTreeMap<String, u64>,
    /// Columns some batch lacked.
    pub missing_columns: BTreeSet<String>,
    /// Columns some batch had beyond the schema.
    pub extra_columns: BTreeSet<String>,
    /// Rows not placed, counted at their arrival.
    pub rejected: Rejected,
    /// Predictions kept for labels.
    pub predictions: u64,
    /// Labels joined.
    pub labels: u64,
    /// The joined (prediction, label) pairs.
    pub joined: Vec<Hash>,
    /// When its first labels arrived (the monitor's clock, Unix ms).
    pub first_labels_ms: Option<i64>,
    /// The number of the last event that changed it.
    pub last_seq: u64,
}

/// An alert rule, as the log last set it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RuleDef {
    /// Its name.
    pub name: String,
    /// Its text.
    pub rule: String,
    /// `info`, `warning` or `critical`.
    pub severity: String,
    /// Windows after a resolve during which it does not fire again.
    pub cooldown_windows: u64,
}

/// A state change of a rule, as logged.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AlertRecord {
    /// Its event's number.
    pub seq: u64,
    /// When it was logged (Unix milliseconds).
    pub time: u64,
    /// The rule's name.
    pub rule: String,
    /// `firing` or `resolved`.
    pub state: String,
    /// The rule's severity.
    pub severity: String,
    /// The window that made the change (Unix seconds).
    pub window: i64,
    /// The windows whose condition held.
    pub windows: Vec<i64>,
}

/// A monitor's webhook, as the log last set it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WebhookDef {
    /// The URL requests are posted to.
    pub url: String,
    /// The environment variable holding the signing secret.
    pub secret_env: String,
    /// The event that set it.
    pub seq: u64,
}

/// A posting of a retraining request to the webhook, as logged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeliveryRecord {
    /// Its event's number.
    pub seq: u64,
    /// The `retrain_requested` event posted.
    pub retrain: u64,
    /// The URL.
    pub url: String,
    /// Whether the receiver answered 2xx.
    pub delivered: bool,
    /// The last HTTP status, if any.
    pub status: Option<u16>,
    /// Attempts made.
    pub attempts: u32,
    /// Why it was not delivered.
    pub error: Option<String>,
}

/// A run or asset version made because of a retraining request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RetrainedRecord {
    /// Its event's number.
    pub seq: u64,
    /// The `retrain_requested` event it answers.
    pub retrain: u64,
    /// The run, if a run.
    pub run: Option<String>,
    /// The asset version, if one.
    pub asset: Option<crate::registry::AssetRef>,
}

/// What is known of a monitor: the fold of its log.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MonitorState {
    /// Its name.
    pub name: String,
    /// Its settings.
    pub config: MonitorConfig,
    /// Who created it.
    pub principal: String,
    /// When (Unix milliseconds).
    pub created: u64,
    /// The schema rows are checked against.
    pub schema: Option<Hash>,
    /// The reference's profile.
    pub reference_profile: Option<Hash>,
    /// Window fields computed on the whole reference.
    pub reference_fields: BTreeMap<String, f64>,
    /// Mean and standard deviation of each window field over the
    /// reference's own windows.
    pub reference_windows: BTreeMap<String, (f64, f64)>,
    /// The reference's (prediction, label) pairs.
    pub reference_pairs: Option<Hash>,
    /// CBPE fitted on them (JSON), for monitors created with it.
    pub reference_cbpe: Option<Hash>,
    /// Each (window start, segment) with data, in order (serialised as a
    /// list of objects with `window` and `segment` beside the state's
    /// fields: JSON object keys are text, not pairs).
    #[serde(serialize_with = "windows_as_list")]
    pub windows: BTreeMap<(i64, String), WindowState>,
    /// The kept predictions' tables, oldest first, with the newest window
    /// each holds.
    pub predictions: Vec<(Hash, i64)>,
    /// The rules, by name.
    pub rules: BTreeMap<String, RuleDef>,
    /// Every alert transition, in log order.
    pub alerts: Vec<AlertRecord>,
    /// Retraining requests: (event number, rule, alert event, windows).
    pub retrains: Vec<(u64, String, u64, Vec<i64>)>,
    /// The tables of evaluated windows to read (since the newest snapshot),
    /// oldest first (see `monitor::cache`).
    pub evaluated: Vec<Hash>,
    /// Where retraining requests are posted, if anywhere.
    pub webhook: Option<WebhookDef>,
    /// Each posting of a request to the webhook, in log order.
    pub deliveries: Vec<DeliveryRecord>,
    /// The runs and asset versions made because of a request, in log order.
    pub retrained: Vec<RetrainedRecord>,
    /// Events in the log.
    pub events: u64,
}

/// [`MonitorState::windows`] as a list of `{window, segment, ...state}`.
fn windows_as_list<S: serde::Serializer>(
    windows: &BTreeMap<(i64, String), WindowState>,
    s: S,
) -> std::result::Result<S::Ok, S::Error> {
    #[derive(Serialize)]
    struct Entry<'a> {
        window: i64,
        segment: &'a str,
        #[serde(flatten)]
        state: &'a WindowState,
    }
    s.collect_seq(windows.iter().map(|((window, segment), state)| Entry {
        window: *window,
        segment,
        state,
    }))
}

/// Parses event `e` of monitor `name`'s log.
pub(crate) fn parse(name: &str, e: &Event) -> Result<MonitorEvent> {
    let ev: MonitorEvent = serde_json::from_slice(&e.bytes)
        .map_err(|err| Error::Integrity(format!("monitor '{name}': event {}: {err}", e.seq)))?;
    if ev.format != MONITOR_EVENT_FORMAT {
        return Err(Error::Integrity(format!(
            "monitor '{name}': event {} is a '{}' event, not a monitor's",
            e.seq, ev.format
        )));
    }
    if ev.v > MONITOR_EVENT_VERSION {
        return Err(Error::Integrity(format!(
            "monitor '{name}': event {} is of format version {} (this build reads up to {MONITOR_EVENT_VERSION}): upgrade mlops",
            e.seq, ev.v
        )));
    }
    if ev.seq != e.seq {
        return Err(Error::Integrity(format!(
            "monitor '{name}': event {} says it is event {}",
            e.seq, ev.seq
        )));
    }
    Ok(ev)
}

/// Folds monitor `name`'s events (its whole log, hash chain checked).
pub(crate) fn fold(name: &str, events: &[Event]) -> Result<MonitorState> {
    let first = events
        .first()
        .ok_or_else(|| Error::NotFound(format!("monitor '{name}'")))?;
    let ev = parse(name, first)?;
    let MonitorChange::Create {
        config,
        schema,
        reference_profile,
        reference_fields,
        reference_windows,
        reference_pairs,
        reference_cbpe,
    } = ev.change
    else {
        return Err(Error::Integrity(format!(
            "monitor '{name}': event 1 is a '{}' event, not the creation",
            ev.change.name()
        )));
    };
    let mut m = MonitorState {
        name: name.to_string(),
        config: *config,
        principal: ev.principal,
        created: ev.time,
        schema,
        reference_profile,
        reference_fields,
        reference_windows,
        reference_pairs,
        reference_cbpe,
        windows: BTreeMap::new(),
        predictions: Vec::new(),
        rules: BTreeMap::new(),
        alerts: Vec::new(),
        retrains: Vec::new(),
        evaluated: Vec::new(),
        webhook: None,
        deliveries: Vec::new(),
        retrained: Vec::new(),
        events: events.len() as u64,
    };
    for e in &events[1..] {
        let ev = parse(name, e)?;
        match ev.change {
            MonitorChange::Create { .. } => {
                return Err(Error::Integrity(format!(
                    "monitor '{name}': event {} creates the monitor again",
                    e.seq
                )))
            }
            MonitorChange::Schema { schema } => {
                if m.schema.is_none() {
                    m.schema = Some(schema);
                }
            }
            MonitorChange::Data {
                windows,
                predictions,
            } => {
                if let Some(p) = predictions {
                    let newest = windows.iter().map(|w| w.window).max().unwrap_or(i64::MIN);
                    m.predictions.push((p, newest));
                }
                for d in windows {
                    let w = m.windows.entry((d.window, d.segment)).or_default();
                    w.rows += d.rows;
                    w.profiles.extend(d.profile);
                    w.suites.extend(d.suite);
                    for (k, v) in d.type_errors {
                        *w.type_errors.entry(k).or_default() += v;
                    }
                    for (k, v) in d.out_of_range {
                        *w.out_of_range.entry(k).or_default() += v;
                    }
                    w.missing_columns.extend(d.missing_columns);
                    w.extra_columns.extend(d.extra_columns);
                    w.rejected.add(&d.rejected);
                    w.predictions += d.predictions;
                    w.last_seq = e.seq;
                }
            }
            MonitorChange::Labels { windows, at_ms } => {
                for d in windows {
                    let w = m.windows.entry((d.window, d.segment)).or_default();
                    if d.labels > 0 && w.first_labels_ms.is_none() {
                        w.first_labels_ms = Some(at_ms);
                    }
                    w.labels += d.labels;
                    w.joined.extend(d.joined);
                    w.rejected.add(&d.rejected);
                    w.last_seq = e.seq;
                }
            }
            MonitorChange::Rule {
                name: rule_name,
                rule,
                severity,
                cooldown_windows,
            } => {
                m.rules.insert(
                    rule_name.clone(),
                    RuleDef {
                        name: rule_name,
                        rule,
                        severity,
                        cooldown_windows,
                    },
                );
            }
            MonitorChange::RemoveRule { name: rule_name } => {
                m.rules.remove(&rule_name);
            }
            MonitorChange::Alert {
                rule,
                state,
                severity,
                window,
                windows,
            } => m.alerts.push(AlertRecord {
                seq: e.seq,
                time: ev.time,
                rule,
                state,
                severity,
                window,
                windows,
            }),
            MonitorChange::RetrainRequested {
                rule,
                alert,
                windows,
                ..
            } => m.retrains.push((e.seq, rule, alert, windows)),
            MonitorChange::Evaluated {
                results,
                snapshot,
                version,
                ..
            } => {
                if version == super::cache::EVALUATION_VERSION {
                    if snapshot {
                        m.evaluated.clear();
                    }
                    m.evaluated.push(results);
                }
            }
            MonitorChange::Webhook { url, secret_env } => {
                m.webhook = match (url, secret_env) {
                    (Some(url), Some(secret_env)) => Some(WebhookDef {
                        url,
                        secret_env,
                        seq: e.seq,
                    }),
                    _ => None,
                }
            }
            MonitorChange::WebhookDelivery {
                retrain,
                url,
                delivered,
                status,
                attempts,
                error,
            } => m.deliveries.push(DeliveryRecord {
                seq: e.seq,
                retrain,
                url,
                delivered,
                status,
                attempts,
                error,
            }),
            MonitorChange::Retrained {
                retrain,
                run,
                asset,
            } => m.retrained.push(RetrainedRecord {
                seq: e.seq,
                retrain,
                run,
                asset,
            }),
        }
    }
    Ok(m)
}
