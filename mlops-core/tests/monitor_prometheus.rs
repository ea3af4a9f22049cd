//! The Prometheus exposition of the monitor (`monitor::prometheus`) checked by
//! the tools that read it: `promtool check metrics` (Debian's `prometheus`
//! package; scripts/setup.sh installs it) must accept the text format with no
//! lint problem, and `prometheus_client`'s own parsers must read both formats
//! back to the same names, help texts, units, labels, values and timestamps,
//! while `prometheus_client`'s own writers, given the same metrics, must write
//! the same bytes.
//!
//! The outputs are written to a temporary folder. `promtool` is used when it
//! is on PATH, and Python when `MLOPS_TEST_PYTHON` names an interpreter
//! (scripts/test.sh points it at .venv, which has `prometheus-client`); with
//! `CI` set both are required, so neither check can pass by being absent.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use mlops_core::monitor::prometheus::{bound_labels, render, Family, Format, Sample};

/// Whether this run must have every checker: `CI` set (as in tests/support/stores.rs).
fn ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "0" && v != "false")
}

/// A fresh temporary folder for one test's outputs.
fn temp_dir(tag: &str) -> PathBuf {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let dir = std::env::temp_dir().join(format!(
        "mlops-prometheus-{tag}-{}-{nanos}",
        std::process::id()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Doubles from a fixed-seed generator: random bit patterns (every exponent)
/// and random mantissas at every power of ten a metric is likely to have.
fn float_cases() -> Vec<f64> {
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move || {
        // SplitMix64.
        state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    };
    let mut out = vec![
        0.0,
        -0.0,
        1.0,
        -1.0,
        0.5,
        0.1,
        0.95,
        0.999,
        1e-10,
        1e-5,
        1e-4,
        123.456,
        999_999.0,
        999_999.5,
        1e6,
        1_234_567.0,
        1.7e9,
        1_700_000_000.123,
        9_007_199_254_740_992.0,
        1e15,
        1e16,
        1e22,
        f64::MAX,
        f64::MIN_POSITIVE,
        5e-324,
        -1e6,
        -1e16,
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::NAN,
    ];
    for _ in 0..150 {
        let x = f64::from_bits(next());
        if x.is_finite() {
            out.push(x);
        }
    }
    for exp in -12..=20 {
        for _ in 0..4 {
            let mantissa = (next() >> 11) as f64 / (1u64 << 53) as f64;
            let sign = if next() & 1 == 0 { 1.0 } else { -1.0 };
            out.push(sign * mantissa * 10f64.powi(exp));
        }
        out.push(10f64.powi(exp));
    }
    out
}

/// What a monitor exposes, with the label values and numbers that are hard
/// to write: quotes, backslashes, newlines and non-ASCII text in labels and
/// help, NaN and infinities, timestamps, units, counters given with and
/// without `_total`, and segments bounded with `bound_labels`.
fn families() -> Vec<Family> {
    let rows_by_segment = [
        ("DE", 9_000.0),
        ("FR", 7_000.0),
        ("IT", 4_000.0),
        ("ES", 120.0),
        ("LU", 3.0),
        ("AT", 80.0),
    ];
    let bounded =
        bound_labels(rows_by_segment.iter().map(|(s, w)| (s.to_string(), *w)), 3).unwrap();
    let mut rows = Family::counter(
        "mlops_monitor_rows_total",
        "Rows logged into the monitor's windows, by segment.",
    );
    for (segment, weight) in bounded.kept() {
        rows.push(
            Sample::new(*weight)
                .label("monitor", "churn-prod")
                .label("segment", segment.as_str()),
        );
    }
    rows.push(
        Sample::new(bounded.other_weight())
            .label("segment", bounded.label("LU"))
            .label("monitor", "churn-prod"),
    );

    let mut drift = Family::gauge(
        "mlops_monitor_drift_score",
        "Drift score of a column against the reference \\ per method.\nSee \"docs\".",
    );
    let columns = [
        "age",
        "na\"me",
        "path\\to",
        "multi\nline",
        "größe €",
        "",
        "tab\there",
        "{brace},=",
    ];
    for (i, column) in columns.iter().enumerate() {
        for method in ["psi", "ks"] {
            drift.push(
                Sample::new(i as f64 * 0.125 + if method == "ks" { 0.01 } else { 0.0 })
                    .label("method", method)
                    .label("column", *column),
            );
        }
    }

    let quality = Family::gauge("mlops_monitor_quality", "Model quality per window.")
        .with_sample(
            Sample::new(0.91)
                .label("metric", "roc_auc")
                .label("kind", "realized")
                .at(1_700_000_000_500),
        )
        .with_sample(
            Sample::new(0.875)
                .label("metric", "roc_auc")
                .label("kind", "estimated")
                .at(1_700_003_600_000),
        )
        .with_sample(
            Sample::new(f64::NAN)
                .label("metric", "f1")
                .label("kind", "realized")
                .at(12_000),
        )
        .with_sample(
            Sample::new(-0.0)
                .label("metric", "bias")
                .label("kind", "realized"),
        );

    let mut floats = Family::gauge(
        "mlops_monitor_test_value",
        "Float rendering cases (one per label).",
    );
    for (i, x) in float_cases().into_iter().enumerate() {
        floats.push(Sample::new(x).label("case", format!("{i:03}")));
    }

    vec![
        rows,
        Family::gauge(
            "mlops_monitor_null_ratio",
            "Share of null values of a column in the window.",
        )
        .with_unit("ratio")
        .with_sample(Sample::new(0.0).label("column", "age"))
        .with_sample(Sample::new(0.125).label("column", "income")),
        drift,
        Family::gauge(
            "mlops_monitor_drift_detected",
            "1 when the column drifted in the window, else 0.",
        )
        .with_sample(Sample::new(1.0).label("column", "age"))
        .with_sample(Sample::new(0.0).label("column", "income")),
        quality,
        Family::gauge(
            "mlops_monitor_alert_firing",
            "1 while the alert rule fires.",
        )
        .with_sample(
            Sample::new(1.0)
                .label("rule", "drift.share > 0.3 for 2 windows")
                .label("severity", "critical"),
        )
        .with_sample(
            Sample::new(0.0)
                .label(
                    "rule",
                    "quality.realized.roc_auc < reference.roc_auc - 0.05",
                )
                .label("severity", "warning"),
        ),
        Family::gauge(
            "mlops_monitor_window_end_timestamp_seconds",
            "End of the newest window, in seconds since the epoch.",
        )
        .with_unit("seconds")
        .with_sample(Sample::new(1_700_006_400.0)),
        Family::counter(
            "mlops_monitor_label_wait_seconds",
            "Seconds labels waited for their predictions (a counter given without _total).",
        )
        .with_unit("seconds")
        .with_sample(Sample::new(1.5e7).label("monitor", "churn-prod")),
        Family::gauge("mlops_monitor_empty", "A family with no samples yet."),
        floats,
    ]
}

/// Renders [`families`] in both formats into `dir`: `metrics.prom` (text),
/// `metrics.om` (OpenMetrics) and `spec.json` (the families, values as bit
/// patterns, for the Python side).
fn write_outputs(dir: &Path) {
    let families = families();
    std::fs::write(
        dir.join("metrics.prom"),
        render(&families, Format::Text004).unwrap(),
    )
    .unwrap();
    std::fs::write(
        dir.join("metrics.om"),
        render(&families, Format::OpenMetrics100).unwrap(),
    )
    .unwrap();
    let spec: Vec<serde_json::Value> = families
        .iter()
        .map(|f| {
            serde_json::json!({
                "name": f.name,
                "help": f.help,
                "unit": f.unit.clone().unwrap_or_default(),
                "kind": match f.kind {
                    mlops_core::monitor::prometheus::MetricType::Counter => "counter",
                    mlops_core::monitor::prometheus::MetricType::Gauge => "gauge",
                },
                "samples": f.samples.iter().map(|s| serde_json::json!({
                    "labels": s.labels,
                    "bits": s.value.to_bits().to_string(),
                    "ts_ms": s.timestamp_ms,
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    std::fs::write(
        dir.join("spec.json"),
        serde_json::to_string_pretty(&spec).unwrap(),
    )
    .unwrap();
}

#[test]
fn monitor_prometheus_text_passes_promtool_without_lint_problems() {
    let found = Command::new("promtool")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !found {
        assert!(
            !ci(),
            "CI is set but promtool is not on PATH: scripts/setup.sh installs it (Debian's prometheus package)"
        );
        eprintln!("promtool is not on PATH: the promtool check did not run");
        return;
    }
    let dir = temp_dir("promtool");
    write_outputs(&dir);
    let out = Command::new("promtool")
        .args(["check", "metrics"])
        .stdin(std::fs::File::open(dir.join("metrics.prom")).unwrap())
        .output()
        .unwrap();
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.status.success(),
        "promtool check metrics failed ({}): {said}\n(output in {})",
        out.status,
        dir.display()
    );
    assert_eq!(said.trim(), "", "promtool printed lint problems");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Reads `metrics.prom` and `metrics.om` back with `prometheus_client`'s
/// parsers and compares them with `spec.json`; then has `prometheus_client`
/// write the same metrics (samples sorted by label set, as the encoder
/// sorts them) and compares the bytes. Prints `ok` when all agree.
const PYTHON_CHECK: &str = r#"
import json, math, pathlib, struct, sys
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import Metric
from prometheus_client.openmetrics.exposition import generate_latest as om_generate
from prometheus_client.openmetrics.parser import text_string_to_metric_families as om_parse
from prometheus_client.parser import text_string_to_metric_families as text_parse

d = pathlib.Path(sys.argv[1])
spec = json.loads((d / "spec.json").read_text(encoding="utf-8"))
text = (d / "metrics.prom").read_text(encoding="utf-8")
om = (d / "metrics.om").read_text(encoding="utf-8")

def value(bits):
    return struct.unpack("<d", struct.pack("<Q", int(bits)))[0]

def same_value(a, b):
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return struct.pack("<d", float(a)) == struct.pack("<d", float(b))

def ts_ms(ts):
    if ts is None:
        return None
    if hasattr(ts, "sec"):
        return ts.sec * 1000 + int(ts.nsec / 1_000_000)
    return round(float(ts) * 1000)

expected = []
for f in spec:
    base = f["name"][:-6] if f["kind"] == "counter" and f["name"].endswith("_total") else f["name"]
    sample_name = base + "_total" if f["kind"] == "counter" else base
    samples = [(sample_name, dict(s["labels"]), value(s["bits"]), s["ts_ms"]) for s in f["samples"]]
    samples.sort(key=lambda s: sorted(s[1].items()))
    expected.append((base, f["kind"], f["help"], f["unit"], samples))

def compare(parsed, with_unit, what):
    got = list(parsed)
    assert len(got) == len(expected), (what, [m.name for m in got])
    for m, (base, kind, help_, unit, samples) in zip(got, expected):
        assert (m.name, m.type, m.documentation) == (base, kind, help_), (what, m.name, m.type, m.documentation)
        assert m.unit == (unit if with_unit else ""), (what, m.name, m.unit)
        assert len(m.samples) == len(samples), (what, m.name, len(m.samples))
        for s, (name, labels, v, t) in zip(m.samples, samples):
            assert (s.name, s.labels) == (name, labels), (what, s.name, s.labels, name, labels)
            assert same_value(s.value, v), (what, s.name, s.labels, s.value, v)
            assert ts_ms(s.timestamp) == t, (what, s.name, s.labels, s.timestamp, t)

compare(text_parse(text), False, "text")
compare(om_parse(om), True, "openmetrics")

class Collector:
    def collect(self):
        for base, kind, help_, unit, samples in expected:
            m = Metric(base, help_, kind, unit)
            for name, labels, v, t in samples:
                ts = None if t is None else t / 1000
                assert ts is None or int(ts * 1000) == t, ("a timestamp prometheus_client cannot round-trip", t)
                m.add_sample(name, labels, v, ts)
            yield m

registry = CollectorRegistry()
registry.register(Collector())
ours, theirs = text.encode("utf-8"), generate_latest(registry)
assert ours == theirs, ("text", [(a, b) for a, b in zip(ours.decode().splitlines(), theirs.decode().splitlines()) if a != b][:5])
ours, theirs = om.encode("utf-8"), om_generate(registry)
assert ours == theirs, ("openmetrics", [(a, b) for a, b in zip(ours.decode().splitlines(), theirs.decode().splitlines()) if a != b][:5])
print("ok")
"#;

#[test]
fn monitor_prometheus_read_back_and_written_alike_by_prometheus_client() {
    let python = match std::env::var("MLOPS_TEST_PYTHON") {
        Ok(p) if !p.is_empty() => p,
        _ => {
            assert!(
                !ci(),
                "CI is set but MLOPS_TEST_PYTHON is not: scripts/test.sh points it at .venv/bin/python"
            );
            eprintln!("MLOPS_TEST_PYTHON is not set: the prometheus_client check did not run");
            return;
        }
    };
    let dir = temp_dir("python");
    write_outputs(&dir);
    let out = Command::new(&python)
        .args(["-c", PYTHON_CHECK])
        .arg(&dir)
        .output()
        .unwrap_or_else(|e| panic!("MLOPS_TEST_PYTHON={python} did not start: {e}"));
    assert!(
        out.status.success(),
        "the prometheus_client check failed ({}; MLOPS_TEST_PYTHON={python} needs prometheus-client, \
         pinned in scripts/requirements-dev.txt):\n{}{}\n(output in {})",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
        dir.display()
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "ok");
    std::fs::remove_dir_all(&dir).unwrap();
}
