//! The monitor pages: every monitor in brief, and one monitor's windows
//! evaluated (the figures its timelines and heat-map draw), rules and alerts.

use axum::extract::{Path, State};
use axum::response::Response;
use serde_json::json;

use crate::reply::json;
use crate::routes::SharedState;

/// `GET /api/monitors`.
pub(crate) async fn list(State(s): State<SharedState>) -> Response {
    json(move || {
        let mut out = Vec::new();
        for name in s.registry.monitor_names()? {
            let st = s.registry.monitor_state(&name)?;
            // The newest alert of each rule says whether it fires now.
            let mut last: std::collections::BTreeMap<&str, &str> = Default::default();
            for a in &st.alerts {
                last.insert(a.rule.as_str(), a.state.as_str());
            }
            out.push(json!({
                "name": name,
                "window_secs": st.config.window_secs,
                "windows": st.windows.keys().filter(|(_, seg)| seg.is_empty()).count(),
                "rules": st.rules.len(),
                "alerts_firing": last.values().filter(|s| **s == "firing").count(),
                "created": st.created,
            }));
        }
        Ok(json!({ "monitors": out }))
    })
    .await
}

/// `GET /api/monitors/NAME`.
pub(crate) async fn monitor(State(s): State<SharedState>, Path(name): Path<String>) -> Response {
    json(move || {
        let st = s.registry.monitor_state(&name)?;
        let results = s.registry.monitor_results(&name, None)?;
        Ok(json!({
            "name": st.name,
            "config": st.config,
            "principal": st.principal,
            "created": st.created,
            "rules": st.rules.values().collect::<Vec<_>>(),
            "alerts": st.alerts,
            "retrains": st.retrains.len(),
            "results": results,
        }))
    })
    .await
}
