//! Production monitoring (issue #18): event-time windows, data quality,
//! drift against the reference, late data and late labels, on a week of
//! hourly traffic with drift injected on day 4.

use std::sync::Arc;

use arrow::array::{
    ArrayRef, AsArray, Float64Array, Int64Array, RecordBatch, RecordBatchIterator, StringArray,
    TimestampMillisecondArray,
};
use arrow::datatypes::{DataType, TimeUnit};
use mlops_core::monitor::NewMonitor;
use mlops_core::registry::Registry;
use mlops_core::Error;

const HOUR_MS: i64 = 3_600_000;
/// Monday 2026-11-02 00:00 UTC.
const START_MS: i64 = 1_793_577_600_000;

/// A small deterministic generator (splitmix64), so the data is the same everywhere.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn uniform(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
    fn normal(&mut self) -> f64 {
        let (u, v) = (self.uniform().max(1e-300), self.uniform());
        (-2.0 * u.ln()).sqrt() * (2.0 * std::f64::consts::PI * v).cos()
    }
}

/// Rows per production hour: enough that a window's Wasserstein distance
/// to the reference stays well under its 0.1 threshold without drift.
/// Rows per production hour: enough that, without drift, a window's
/// Wasserstein distance to the reference stays far below its 0.1 threshold
/// (its noise is about 0.02 at 2,000 rows).
const ROWS: usize = 2000;

/// `n` rows of traffic at `t0`..`t0 + 1h`: x ~ N(shift, 1), a category, the
/// model's score and the label (which follows x).
fn traffic(
    rng: &mut Rng,
    t0: i64,
    n: usize,
    shift: f64,
    first_id: i64,
) -> (RecordBatch, RecordBatch) {
    let mut t = Vec::new();
    let mut x = Vec::new();
    let mut cat = Vec::new();
    let mut score = Vec::new();
    let mut label = Vec::new();
    for i in 0..n {
        t.push(t0 + (i as i64 * HOUR_MS) / n as i64);
        let xi = rng.normal() + shift;
        x.push(xi);
        cat.push(["a", "b", "c"][(rng.next() % 3) as usize]);
        let p = 1.0 / (1.0 + (-xi).exp());
        score.push(p);
        label.push(i64::from(rng.uniform() < p));
    }
    let ids: Vec<i64> = (first_id..first_id + n as i64).collect();
    let batch = RecordBatch::try_from_iter([
        (
            "event_time",
            Arc::new(TimestampMillisecondArray::from(t).with_timezone("UTC")) as ArrayRef,
        ),
        (
            "request_id",
            Arc::new(Int64Array::from(ids.clone())) as ArrayRef,
        ),
        ("x", Arc::new(Float64Array::from(x)) as ArrayRef),
        ("cat", Arc::new(StringArray::from(cat)) as ArrayRef),
        ("score", Arc::new(Float64Array::from(score)) as ArrayRef),
    ])
    .unwrap();
    let labels = RecordBatch::try_from_iter([
        ("request_id", Arc::new(Int64Array::from(ids)) as ArrayRef),
        ("label", Arc::new(Int64Array::from(label)) as ArrayRef),
    ])
    .unwrap();
    (batch, labels)
}

/// The reference: a week before, no drift, with labels as a column.
fn reference(r: &Registry, rng: &mut Rng) {
    let mut batches = Vec::new();
    for h in 0..48 {
        let (b, l) = traffic(rng, START_MS - (48 - h) * HOUR_MS, 500, 0.0, h * 1000);
        let mut cols = b.columns().to_vec();
        cols.push(l.column(1).clone());
        let mut fields: Vec<_> = b.schema().fields().iter().cloned().collect();
        fields.push(Arc::new(arrow::datatypes::Field::new(
            "label",
            DataType::Int64,
            true,
        )));
        let schema = Arc::new(arrow::datatypes::Schema::new(fields));
        batches.push(RecordBatch::try_new(schema, cols).unwrap());
    }
    let schema = batches[0].schema();
    r.commit_dataset(
        "churn-train",
        RecordBatchIterator::new(batches.into_iter().map(Ok), schema),
        "reference",
        serde_json::json!({}),
    )
    .unwrap();
}

fn new_monitor() -> NewMonitor {
    NewMonitor {
        reference: Some(("churn-train".into(), "latest".into())),
        timestamp: "event_time".into(),
        prediction: Some("score".into()),
        target: Some("label".into()),
        id: Some("request_id".into()),
        segments: vec!["cat".into()],
        ..Default::default()
    }
}

#[test]
fn a_week_of_hourly_traffic_with_drift_from_day_four() {
    let r = Registry::open("memory://").unwrap();
    let mut rng = Rng(7);
    reference(&r, &mut rng);
    let mon = r.create_monitor("churn-prod", &new_monitor()).unwrap();
    let state = r.monitor_state("churn-prod").unwrap();
    assert_eq!(state.config.reference.as_ref().unwrap().version, 1);
    assert_eq!(state.reference_fields["rows"], 24_000.0);
    // 48 reference windows of 500 rows: mean 500, std 0.
    assert_eq!(state.reference_windows["rows"], (500.0, 0.0));

    let hours = 7 * 24;
    let mut labels = Vec::new();
    for h in 0..hours {
        let t0 = START_MS + h * HOUR_MS;
        mon.set_clock(Some(t0 + HOUR_MS));
        let shift = if h >= 72 { 1.5 } else { 0.0 };
        let (b, l) = traffic(&mut rng, t0, ROWS, shift, 1_000_000 + h * 10_000);
        assert_eq!(mon.log(&b).unwrap(), ROWS as u64);
        labels.push(l);
        // Labels arrive 48 hours late.
        if h >= 48 {
            let got = mon.log_labels(&labels[(h - 48) as usize]).unwrap();
            assert_eq!(
                (got.joined, got.unknown_ids, got.duplicates),
                (ROWS as u64, 0, 0)
            );
        }
    }
    mon.flush().unwrap();
    let now = START_MS + hours * HOUR_MS;
    let results = r.monitor_results("churn-prod", Some(now)).unwrap();
    let all: Vec<_> = results.iter().filter(|w| w.segment.is_empty()).collect();
    assert_eq!(all.len(), hours as usize);
    for (h, w) in all.iter().enumerate() {
        assert_eq!(w.window * 1000, START_MS + h as i64 * HOUR_MS);
        assert_eq!(w.field("rows"), Some(ROWS as f64));
        assert_eq!(w.field("null_ratio"), Some(0.0));
        let drifted = w.field("drift.detected.x") == Some(1.0);
        assert_eq!(
            drifted,
            h >= 72,
            "window {h}: {:?}",
            w.drift.as_ref().map(|d| serde_json::to_string(
                &d.columns[d.columns.iter().position(|c| c.column == "x").unwrap()]
            )
            .unwrap())
        );
        assert_eq!(w.field("drift.detected.cat"), Some(0.0), "window {h}");
        // Labels of the last 48 hours have not arrived.
        let labelled = if (h as i64) < hours - 48 {
            ROWS as f64
        } else {
            0.0
        };
        assert_eq!(w.field("labels.count"), Some(labelled), "window {h}");
        assert_eq!(w.is_final, (h as i64) < hours - 48, "window {h}");
        // CBPE (fitted on the reference's calibrated scores) estimates every
        // window, labelled or not; where labels are in, it is within 4
        // standard errors (about 0.01 at 2,000 rows) of the realized accuracy.
        let estimated = w.field("quality.estimated.accuracy").expect("CBPE");
        if let Some(realized) = w.field("quality.realized.accuracy") {
            assert!(
                (estimated - realized).abs() < 0.04,
                "window {h}: {estimated} vs {realized}"
            );
        }
    }
    // Realized quality is the labels' own: accuracy of window 0 by hand.
    let (b0, l0) = {
        let mut again = Rng(7);
        reference(&Registry::open("memory://").unwrap(), &mut again);
        traffic(&mut again, START_MS, ROWS, 0.0, 1_000_000)
    };
    let scores = b0
        .column_by_name("score")
        .unwrap()
        .as_primitive::<arrow::datatypes::Float64Type>();
    let labels = l0.column(1).as_primitive::<arrow::datatypes::Int64Type>();
    let right = scores
        .values()
        .iter()
        .zip(labels.values())
        .filter(|(s, l)| (**s >= 0.5) == (**l == 1))
        .count();
    assert_eq!(
        all[0].field("quality.realized.accuracy"),
        Some(right as f64 / ROWS as f64)
    );
    assert!(state_has_reference_quality(&r));
    // Segments: three categories, every window, adding up to the whole.
    let segments: Vec<_> = results
        .iter()
        .filter(|w| w.window == all[0].window)
        .collect();
    assert_eq!(
        segments
            .iter()
            .map(|w| w.segment.as_str())
            .collect::<Vec<_>>(),
        ["", "cat=a", "cat=b", "cat=c"]
    );
    let parts: f64 = segments[1..].iter().map(|w| w.field("rows").unwrap()).sum();
    assert_eq!(parts, ROWS as f64);
    // Labels of hour h came with the traffic of hour h + 48, logged at its
    // end (the clock): 48 hours after the end of window h.
    assert_eq!(all[0].field("labels.lag_seconds"), Some(48.0 * 3600.0));
    let drifted = all
        .iter()
        .filter(|w| w.field("drift.detected") == Some(1.0))
        .count();
    assert_eq!(drifted, (hours - 72) as usize);

    // The dashboard: one page, and a drift report per drifted window beside it.
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("monitor.html");
    let reports = r
        .write_monitor_report("churn-prod", &page, Some(now))
        .unwrap();
    assert_eq!(reports, drifted);
    let html = std::fs::read_to_string(&page).unwrap();
    assert!(html.len() < 2 << 20, "{} bytes", html.len());
    assert!(html.contains("<h3>drift.share</h3>") && html.contains("Drift by column"));
    assert!(!html.contains("http://") || !html.contains("<script"));
    let last = all.last().unwrap().window;
    assert!(html.contains(&format!("monitor_windows/{last}.html")));
    let window_report = dir.path().join(format!("monitor_windows/{last}.html"));
    assert!(std::fs::read_to_string(window_report)
        .unwrap()
        .contains("x"));
}

/// The reference's own quality is a rule field (`reference.roc_auc`).
fn state_has_reference_quality(r: &Registry) -> bool {
    let state = r.monitor_state("churn-prod").unwrap();
    let auc = state.reference_fields["roc_auc"];
    auc > 0.6 && auc < 1.0 && state.reference_fields["quality.realized.roc_auc"] == auc
}

#[test]
fn late_future_and_timeless_rows_are_placed_or_counted_never_lost() {
    let r = Registry::open("memory://").unwrap();
    let mut rng = Rng(11);
    reference(&r, &mut rng);
    let mon = r.create_monitor("m", &new_monitor()).unwrap();
    let now = START_MS + 100 * HOUR_MS;
    mon.set_clock(Some(now));
    let times = vec![
        Some(now - HOUR_MS),      // last hour's window
        Some(now - 40 * HOUR_MS), // late, within 48 h: its own window
        Some(now - 60 * HOUR_MS), // its window is final: too late
        Some(now + 60_000),       // a minute ahead: within the tolerance
        Some(now + 2 * HOUR_MS),  // future-dated
        None,                     // no event time
    ];
    let n = times.len();
    let b = RecordBatch::try_from_iter([
        (
            "event_time",
            Arc::new(TimestampMillisecondArray::from(times)) as ArrayRef,
        ),
        (
            "request_id",
            Arc::new(Int64Array::from_iter_values(0..n as i64)) as ArrayRef,
        ),
        ("x", Arc::new(Float64Array::from(vec![0.0; n])) as ArrayRef),
        ("cat", Arc::new(StringArray::from(vec!["a"; n])) as ArrayRef),
        (
            "score",
            Arc::new(Float64Array::from(vec![0.5; n])) as ArrayRef,
        ),
    ])
    .unwrap();
    assert_eq!(mon.log(&b).unwrap(), 3);
    mon.flush().unwrap();
    let results = r.monitor_results("m", Some(now)).unwrap();
    let all: Vec<_> = results.iter().filter(|w| w.segment.is_empty()).collect();
    let rows: Vec<(i64, Option<f64>)> = all
        .iter()
        .map(|w| ((w.window * 1000 - now) / HOUR_MS, w.field("rows")))
        .collect();
    // -40 h, -1 h, and the current window (the minute-ahead row, and the
    // rejected rows counted at their arrival).
    assert_eq!(rows, [(-40, Some(1.0)), (-1, Some(1.0)), (0, Some(1.0))]);
    let current = all.last().unwrap();
    assert_eq!(current.field("rejected.too_late"), Some(1.0));
    assert_eq!(current.field("rejected.future"), Some(1.0));
    assert_eq!(current.field("rejected.no_timestamp"), Some(1.0));
}

#[test]
fn schema_changes_are_counted_per_window() {
    let r = Registry::open("memory://").unwrap();
    let mut rng = Rng(3);
    reference(&r, &mut rng);
    let mon = r.create_monitor("m", &new_monitor()).unwrap();
    mon.set_clock(Some(START_MS + HOUR_MS));
    // x arrives as text (one value unreadable), score is missing, an extra column.
    let b = RecordBatch::try_from_iter([
        (
            "event_time",
            Arc::new(TimestampMillisecondArray::from(vec![START_MS; 4])) as ArrayRef,
        ),
        (
            "request_id",
            Arc::new(Int64Array::from(vec![1, 2, 3, 4])) as ArrayRef,
        ),
        (
            "x",
            Arc::new(StringArray::from(vec!["0.5", "oops", "9.0", "-1"])) as ArrayRef,
        ),
        (
            "cat",
            Arc::new(StringArray::from(vec!["a", "b", "zzz", "c"])) as ArrayRef,
        ),
        (
            "extra",
            Arc::new(Int64Array::from(vec![1, 2, 3, 4])) as ArrayRef,
        ),
    ])
    .unwrap();
    assert_eq!(mon.log(&b).unwrap(), 4);
    mon.flush().unwrap();
    let w = &r.monitor_results("m", Some(START_MS + HOUR_MS)).unwrap()[0];
    assert_eq!(w.field("type_errors.x"), Some(1.0));
    assert_eq!(w.missing_columns, ["score"]);
    assert_eq!(w.extra_columns, ["extra"]);
    assert_eq!(w.field("null_ratio.score"), Some(1.0));
    // 9.0 is past the reference's largest x; "zzz" is no reference category.
    assert_eq!(w.field("out_of_range_ratio.x"), Some(0.25));
    assert_eq!(w.field("out_of_range_ratio.cat"), Some(0.25));
}

#[test]
fn wrong_calls_are_typed_errors_naming_what_is_wrong() {
    let r = Registry::open("memory://").unwrap();
    let mut rng = Rng(5);
    reference(&r, &mut rng);
    let mon = r.create_monitor("m", &new_monitor()).unwrap();
    assert!(matches!(
        r.create_monitor("m", &new_monitor()),
        Err(Error::AlreadyExists(_))
    ));
    assert!(matches!(r.monitor("nope"), Err(Error::NotFound(_))));
    let e = r
        .create_monitor("bad name", &new_monitor())
        .unwrap_err()
        .to_string();
    assert!(e.contains("bad name"), "{e}");
    let no_time =
        RecordBatch::try_from_iter([("x", Arc::new(Float64Array::from(vec![1.0])) as ArrayRef)])
            .unwrap();
    let e = mon.log(&no_time).unwrap_err();
    assert!(
        matches!(&e, Error::InvalidInput(m) if m.contains("'event_time'")),
        "{e}"
    );
    let int_time = RecordBatch::try_from_iter([
        (
            "event_time",
            Arc::new(Int64Array::from(vec![1])) as ArrayRef,
        ),
        ("cat", Arc::new(StringArray::from(vec!["a"])) as ArrayRef),
    ])
    .unwrap();
    let e = mon.log(&int_time).unwrap_err().to_string();
    assert!(e.contains("'event_time' is Int64"), "{e}");
    let no_segment = RecordBatch::try_from_iter([(
        "event_time",
        Arc::new(
            arrow::array::TimestampSecondArray::from(vec![1])
                .with_data_type(DataType::Timestamp(TimeUnit::Second, None)),
        ) as ArrayRef,
    )])
    .unwrap();
    let e = mon.log(&no_segment).unwrap_err().to_string();
    assert!(e.contains("segment column 'cat'"), "{e}");
    let labels = RecordBatch::try_from_iter([(
        "request_id",
        Arc::new(Int64Array::from(vec![1])) as ArrayRef,
    )])
    .unwrap();
    let e = mon.log_labels(&labels).unwrap_err().to_string();
    assert!(e.contains("'label'"), "{e}");
    let bad = NewMonitor {
        window: Some("1 hour".into()),
        ..new_monitor()
    };
    let e = r.create_monitor("m2", &bad).unwrap_err().to_string();
    assert!(e.contains("'window'"), "{e}");
}

#[test]
fn several_handles_log_into_one_monitor_and_their_windows_merge() {
    let dir = tempfile::tempdir().unwrap();
    let url = dir.path().to_str().unwrap().to_string();
    let r = Registry::open(&url).unwrap();
    let mut rng = Rng(9);
    reference(&r, &mut rng);
    drop(r.create_monitor("m", &new_monitor()).unwrap());
    let threads: Vec<_> = (0..4)
        .map(|k| {
            let url = url.clone();
            std::thread::spawn(move || {
                let r = Registry::open(&url).unwrap();
                let mon = r.monitor("m").unwrap();
                mon.set_clock(Some(START_MS + 2 * HOUR_MS));
                let mut rng = Rng(100 + k);
                for i in 0..10 {
                    let (b, _) = traffic(&mut rng, START_MS, 50, 0.0, (k * 100 + i) as i64 * 1000);
                    mon.log(&b).unwrap();
                    if i % 3 == 0 {
                        mon.flush().unwrap();
                    }
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    let results = r
        .monitor_results("m", Some(START_MS + 2 * HOUR_MS))
        .unwrap();
    assert_eq!(results[0].segment, "");
    assert_eq!(results[0].field("rows"), Some(4.0 * 10.0 * 50.0));
}

#[test]
fn a_monitor_opens_with_its_own_settings_or_none_and_refuses_others() {
    let r = Registry::open("memory://").unwrap();
    let mut rng = Rng(13);
    reference(&r, &mut rng);
    drop(r.open_or_create_monitor("m", &new_monitor()).unwrap());
    // Again with the same settings, or with none: the same monitor.
    drop(r.open_or_create_monitor("m", &new_monitor()).unwrap());
    drop(
        r.open_or_create_monitor("m", &NewMonitor::default())
            .unwrap(),
    );
    let other = NewMonitor {
        window: Some("15m".into()),
        ..NewMonitor::default()
    };
    let e = r.open_or_create_monitor("m", &other).unwrap_err();
    assert!(
        matches!(&e, Error::Conflict(m) if m.contains("'window'")),
        "{e}"
    );
    assert_eq!(r.monitor_names().unwrap(), ["m"]);
    let table = mlops_core::monitor::results_table(&r.monitor_results("m", None).unwrap()).unwrap();
    assert_eq!(table.num_rows(), 0);
    assert_eq!(table.schema().field(0).name(), "window_start");
}

#[test]
fn rules_fire_in_the_drifted_windows_only_once_and_ask_for_retraining() {
    let r = Registry::open("memory://").unwrap();
    let mut rng = Rng(21);
    reference(&r, &mut rng);
    let mon = r.create_monitor("m", &new_monitor()).unwrap();
    let name = r
        .add_monitor_rule(
            "m",
            "drift.share > 0.3 for 2 windows",
            None,
            Some("critical"),
            None,
        )
        .unwrap();
    assert_eq!(name, "drift_share_0_3_for_2_windows");
    r.add_monitor_rule(
        "m",
        "rows < reference.rows.mean - 3 * reference.rows.std",
        Some("volume"),
        None,
        None,
    )
    .unwrap();
    let e = r
        .add_monitor_rule("m", "drift.share >> 0.3", None, None, None)
        .unwrap_err();
    assert!(e.to_string().contains("at 14"), "{e}");
    let e = r
        .add_monitor_rule("m", "rows > 1", None, Some("fatal"), None)
        .unwrap_err();
    assert!(e.to_string().contains("fatal"), "{e}");

    let mut fired = Vec::new();
    for h in 0..24 {
        let t0 = START_MS + h * HOUR_MS;
        mon.set_clock(Some(t0 + HOUR_MS));
        let shift = if h >= 12 { 1.5 } else { 0.0 };
        // Volume drops to 100 rows in hour 20 (mean 500, std 0 in the reference).
        let rows = if h == 20 { 100 } else { ROWS };
        let (b, _) = traffic(&mut rng, t0, rows, shift, h * 10_000);
        mon.log(&b).unwrap();
        mon.flush().unwrap();
        let report = r.check_monitor("m", Some(t0 + HOUR_MS), None).unwrap();
        for a in &report.new_alerts {
            fired.push((h, a.rule.clone(), a.state.clone(), a.window));
        }
        if h == 13 {
            assert_eq!(report.retrain_requests.len(), 1);
            assert!(report.fails(mlops_core::monitor::rules::Severity::Critical));
        } else {
            assert!(report.retrain_requests.is_empty(), "hour {h}");
        }
    }
    let w = |h: i64| (START_MS + h * HOUR_MS) / 1000;
    assert_eq!(
        fired,
        [
            (
                13,
                "drift_share_0_3_for_2_windows".to_string(),
                "firing".to_string(),
                w(13)
            ),
            (20, "volume".to_string(), "firing".to_string(), w(20)),
            (21, "volume".to_string(), "resolved".to_string(), w(21)),
        ]
    );
    let state = r.monitor_state("m").unwrap();
    assert_eq!(state.alerts.len(), 3);
    assert_eq!(state.retrains.len(), 1);
    assert_eq!(state.retrains[0].3, vec![w(12), w(13)]);
    assert_eq!(state.retrains[0].2, state.alerts[0].seq);
    // Checking again adds nothing.
    let again = r.check_monitor("m", None, None).unwrap();
    assert!(again.new_alerts.is_empty());
    assert_eq!(
        again.firing,
        [(
            "drift_share_0_3_for_2_windows".to_string(),
            "critical".to_string()
        )]
    );
    // Prometheus: the alert is firing, the text passes promtool's lint.
    let text = r
        .monitor_prometheus("m", mlops_core::monitor::prometheus::Format::Text004, None)
        .unwrap();
    assert!(text.contains(
        "mlops_monitor_alert_firing{monitor=\"m\",rule=\"drift_share_0_3_for_2_windows\",severity=\"critical\"} 1.0\n"
    ), "{text}");
    assert!(text.contains(
        "mlops_monitor_alert_firing{monitor=\"m\",rule=\"volume\",severity=\"warning\"} 0.0\n"
    ));
    assert!(text.contains(
        "# TYPE mlops_monitor_rows_total counter\nmlops_monitor_rows_total{monitor=\"m\"} "
    ));
    assert!(
        text.contains("mlops_monitor_drift_detected{column=\"x\",monitor=\"m\"} 1.0\n"),
        "{text}"
    );
    promtool_check(&text);
    let open = r
        .monitor_prometheus(
            "m",
            mlops_core::monitor::prometheus::Format::OpenMetrics100,
            None,
        )
        .unwrap();
    assert!(open.ends_with("# EOF\n"));
    r.remove_monitor_rule("m", "volume").unwrap();
    assert!(matches!(
        r.remove_monitor_rule("m", "volume"),
        Err(Error::NotFound(_))
    ));
}

/// Runs `promtool check metrics` on `text` (Debian's prometheus package,
/// which scripts/setup.sh installs; required when `CI` is set).
fn promtool_check(text: &str) {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let ci = std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "0" && v != "false");
    let child = Command::new("promtool")
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn();
    let Ok(mut child) = child else {
        assert!(!ci, "CI is set but promtool is not on PATH");
        eprintln!("promtool is not on PATH: the promtool check did not run");
        return;
    };
    child
        .stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.status.success() && said.trim().is_empty(),
        "promtool: {said}\n{text}"
    );
}

#[test]
fn a_monitors_log_is_audited_and_a_deleted_alert_shows() {
    let dir = tempfile::tempdir().unwrap();
    let r = Registry::open(dir.path().to_str().unwrap()).unwrap();
    let mut rng = Rng(31);
    reference(&r, &mut rng);
    let mon = r.create_monitor("m", &new_monitor()).unwrap();
    r.add_monitor_rule("m", "rows > 0", Some("any"), Some("info"), None)
        .unwrap();
    mon.set_clock(Some(START_MS + HOUR_MS));
    mon.log(&traffic(&mut rng, START_MS, 10, 0.0, 0).0).unwrap();
    mon.flush().unwrap();
    assert_eq!(
        r.check_monitor("m", None, None).unwrap().new_alerts.len(),
        1
    );
    let report = r.audit_verify().unwrap();
    assert!(report.ok(), "{report:?}");
    let events = r.monitor_state("m").unwrap().events;
    // The newest event (the alert) deleted: the head still names it.
    std::fs::remove_file(dir.path().join(format!("monitors/m/log/{events:020}.json"))).unwrap();
    let report = r.audit_verify().unwrap();
    let broken = report.broken.expect("the deletion is seen");
    assert_eq!(broken.log, "monitors/m/log");
}

#[test]
fn the_state_serialises_to_json_with_windows_as_a_list() {
    let r = Registry::open("memory://").unwrap();
    let mut rng = Rng(17);
    reference(&r, &mut rng);
    let mon = r.create_monitor("m", &new_monitor()).unwrap();
    mon.set_clock(Some(START_MS + HOUR_MS));
    let (b, _) = traffic(&mut rng, START_MS, 30, 0.0, 0);
    mon.log(&b).unwrap();
    mon.flush().unwrap();
    let state = serde_json::to_value(r.monitor_state("m").unwrap()).unwrap();
    let windows = state["windows"].as_array().unwrap();
    // The all-rows segment, then one per category.
    assert_eq!(windows.len(), 4);
    assert_eq!(windows[0]["window"], START_MS / 1000);
    assert_eq!(windows[0]["segment"], "");
    assert_eq!(windows[0]["rows"], 30);
    assert_eq!(windows[0]["predictions"], 30);
    assert_eq!(state["config"]["timestamp"], "event_time");
}

/// Every (window, segment) of `results` as (window, segment, fields).
fn figures(
    results: &[mlops_core::monitor::WindowResult],
) -> Vec<(i64, String, std::collections::BTreeMap<String, f64>)> {
    results
        .iter()
        .map(|r| (r.window, r.segment.clone(), r.fields.clone()))
        .collect()
}

fn evaluated_events(r: &Registry) -> Vec<serde_json::Value> {
    let state = r.monitor_state("m").unwrap();
    let log = r.store().read_log("monitors/m/log").unwrap();
    assert_eq!(log.len() as u64, state.events);
    log.iter()
        .map(|e| serde_json::from_slice::<serde_json::Value>(&e.bytes).unwrap())
        .filter(|v| v["type"] == "evaluated")
        .collect()
}

#[test]
fn evaluated_windows_are_kept_and_evaluated_again_only_when_they_change() {
    let dir = tempfile::tempdir().unwrap();
    let r = Registry::open(dir.path().join("store").to_str().unwrap()).unwrap();
    let mut rng = Rng(21);
    reference(&r, &mut rng);
    let mon = r.create_monitor("m", &new_monitor()).unwrap();
    let now = START_MS + 40 * HOUR_MS;
    mon.set_clock(Some(now));
    for h in 0..30 {
        let shift = if h >= 20 { 1.5 } else { 0.0 };
        let (b, _) = traffic(&mut rng, START_MS + h * HOUR_MS, 300, shift, h * 1000);
        mon.log(&b).unwrap();
    }
    mon.flush().unwrap();
    // 30 windows x (all rows + 3 segments) evaluated: kept in one table.
    let first = r.monitor_results("m", Some(now)).unwrap();
    let kept = evaluated_events(&r);
    assert_eq!(kept.len(), 1);
    assert_eq!(kept[0]["windows"], 120);
    // Read back, not evaluated again: the same figures, drift reports left
    // out (they are filled in where a page needs them), no new event.
    let again = r.monitor_results("m", Some(now)).unwrap();
    assert_eq!(figures(&again), figures(&first));
    assert!(first.iter().all(|w| w.drift.is_some()));
    assert!(again.iter().all(|w| w.drift.is_none()));
    assert_eq!(evaluated_events(&r).len(), 1);
    // A late batch into window 5 evaluates that window (and its segments)
    // again; fewer than 24 windows changed, so nothing new is kept.
    let (late, _) = traffic(&mut rng, START_MS + 5 * HOUR_MS, 300, 3.0, 99_000);
    mon.log(&late).unwrap();
    mon.flush().unwrap();
    let after = r.monitor_results("m", Some(now)).unwrap();
    assert_eq!(evaluated_events(&r).len(), 1);
    let w5 = START_MS / 1000 + 5 * 3600;
    for (a, b) in after.iter().zip(&first) {
        assert_eq!((a.window, &a.segment), (b.window, &b.segment));
        if a.window == w5 {
            assert!(a.drift.is_some());
            if a.segment.is_empty() {
                assert_eq!(a.field("rows"), b.field("rows").map(|n| n + 300.0));
            } else {
                assert!(a.field("rows") > b.field("rows"));
            }
            assert_ne!(a.field("drift.score.x"), b.field("drift.score.x"));
        } else {
            assert!(a.drift.is_none());
            assert_eq!(a.fields, b.fields);
        }
    }
    // Prometheus still names the drift methods of the newest window.
    let text = r
        .monitor_prometheus(
            "m",
            mlops_core::monitor::prometheus::Format::Text004,
            Some(now),
        )
        .unwrap();
    assert!(text.contains("mlops_monitor_drift_score{"), "{text}");
    assert!(text.contains("method=\""), "{text}");
    // The dashboard's window reports are written for drifted windows that
    // came from the kept figures too.
    let n = r
        .write_monitor_report("m", &dir.path().join("m.html"), Some(now))
        .unwrap();
    let drifted = after
        .iter()
        .filter(|w| w.segment.is_empty() && w.field("drift.detected") == Some(1.0))
        .count();
    assert!(drifted >= 10, "{drifted}");
    assert_eq!(n, drifted);
    // A kept table that is damaged is not trusted: the windows are
    // evaluated again, with the same figures.
    let state = r.monitor_state("m").unwrap();
    let table = state.evaluated[0].clone();
    let h = table.as_str();
    std::fs::remove_file(dir.path().join("store/blobs").join(&h[..2]).join(h)).unwrap();
    let rebuilt = r.monitor_results("m", Some(now)).unwrap();
    assert_eq!(figures(&rebuilt), figures(&after));
    assert!(rebuilt.iter().all(|w| w.drift.is_some()));
}

#[test]
fn a_handler_logging_one_row_at_a_time_loses_nothing_and_keeps_the_order() {
    let r = Registry::open("memory://").unwrap();
    let mut rng = Rng(5);
    reference(&r, &mut rng);
    let mon = r.create_monitor("m", &new_monitor()).unwrap();
    mon.set_clock(Some(START_MS + 3 * HOUR_MS));
    let (b, _) = traffic(&mut rng, START_MS, 5000, 0.0, 0);
    // One row per call (queued, folded by the monitor's thread), then the
    // same rows at once into another monitor: equal windows.
    for i in 0..b.num_rows() {
        assert_eq!(mon.log(&b.slice(i, 1)).unwrap(), 1);
    }
    let whole = r.create_monitor("whole", &new_monitor()).unwrap();
    whole.set_clock(Some(START_MS + 3 * HOUR_MS));
    assert_eq!(whole.log(&b).unwrap(), 5000);
    let one = mon.results(None).unwrap();
    let all = whole.results(None).unwrap();
    assert_eq!(one.len(), all.len());
    for (a, b) in figures(&one).into_iter().zip(figures(&all)) {
        assert_eq!((a.0, &a.1), (b.0, &b.1));
        assert_eq!(
            a.2.keys().collect::<Vec<_>>(),
            b.2.keys().collect::<Vec<_>>()
        );
        for (k, v) in &a.2 {
            if k.starts_with("drift.score.") {
                // Quantile sketches depend on how rows were grouped: the
                // distances agree within the sketch's rank error.
                assert!((v - b.2[k]).abs() < 0.02, "{k}: {v} vs {}", b.2[k]);
            } else {
                assert_eq!(*v, b.2[k], "{k} of {} '{}'", a.0, a.1);
            }
        }
    }
    assert_eq!(one[0].field("rows"), Some(5000.0));
    // Kept predictions: every id, once.
    let state = mon.state().unwrap();
    assert_eq!(
        state.windows[&(START_MS / 1000, String::new())].predictions,
        5000
    );
    assert_eq!(
        mon.set_flush_interval(std::time::Duration::ZERO)
            .unwrap_err()
            .code(),
        "INVALID_INPUT"
    );
    mon.set_flush_interval(std::time::Duration::from_millis(200))
        .unwrap();
    assert_eq!(mon.flush_interval(), std::time::Duration::from_millis(200));
}
