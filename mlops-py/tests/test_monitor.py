"""Production monitoring from Python: a reference data set committed to the
registry, hourly batches from pandas and pyarrow with drift injected from
hour 4, labels that arrive two hours late joined by id, future-dated and
timeless rows counted, typed errors naming the column, and a monitor
reopened with other settings refused."""

import datetime as dt

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

import mlops

UTC = dt.timezone.utc
START = dt.datetime(2026, 11, 2, tzinfo=UTC)
HOUR = dt.timedelta(hours=1)
ROWS = 500


def traffic(rng, t0, shift, first_id):
    """An hour of traffic at ``t0``: x ~ N(shift, 1), a category, the model's
    score and (in a separate frame) the label, which follows x."""
    x = rng.normal(shift, 1.0, ROWS)
    score = 1 / (1 + np.exp(-x))
    batch = pd.DataFrame(
        {
            "event_time": pd.date_range(t0, periods=ROWS, freq=pd.Timedelta(HOUR) / ROWS),
            "request_id": np.arange(first_id, first_id + ROWS),
            "x": x,
            "cat": rng.choice(["a", "b", "c"], ROWS),
            "score": score,
        }
    )
    labels = pd.DataFrame({"request_id": batch["request_id"], "label": (rng.random(ROWS) < score).astype(np.int64)})
    return batch, labels


@pytest.fixture
def registry():
    reg = mlops.Registry("memory://", principal="ana")
    rng = np.random.default_rng(7)
    frames = []
    for h in range(24):
        b, labels = traffic(rng, START - (24 - h) * HOUR, 0.0, h * 10_000)
        frames.append(b.assign(label=labels["label"]))
    assert reg.commit_dataset("churn-train", pd.concat(frames, ignore_index=True)) == 1
    return reg


def open_monitor(reg, name="churn-prod", **kw):
    settings = dict(
        reference=("churn-train", 1),
        timestamp="event_time",
        prediction="score",
        target="label",
        id="request_id",
        segments=["cat"],
        store=reg,
    )
    settings.update(kw)
    return mlops.monitor(name, **settings)


def test_hourly_traffic_drift_and_late_labels(registry):
    rng = np.random.default_rng(11)
    hours = 8
    labels = []
    with open_monitor(registry) as mon:
        assert mon.name == "churn-prod"
        # The engine's defaults, filled in.
        assert mon.config["window_secs"] == 3600
        assert mon.config["reference"] == {"name": "churn-train", "version": 1}
        for h in range(hours):
            t0 = START + h * HOUR
            mon.set_clock(t0 + HOUR)
            batch, lab = traffic(rng, t0, 2.0 if h >= 4 else 0.0, 1_000_000 + h * 10_000)
            # Even hours from pandas, odd ones from pyarrow.
            data = batch if h % 2 == 0 else pa.Table.from_pandas(batch, preserve_index=False)
            assert mon.log(data) == ROWS
            labels.append(lab)
            if h >= 2:
                got = mon.log_labels(labels[h - 2])
                assert got == {"joined": ROWS, "unknown_ids": 0, "duplicates": 0, "nulls": 0}
        table = mon.results(now=START + hours * HOUR)
    assert table.schema.field("window_start").type == pa.timestamp("s", tz="UTC")
    rows = table.to_pylist()
    all_rows = [r for r in rows if r["segment"] == ""]
    assert len(all_rows) == hours
    for h, w in enumerate(all_rows):
        assert w["window_start"] == START + h * HOUR
        assert w["rows"] == ROWS
        assert w["null_ratio"] == 0.0
        assert w["drift.detected.x"] == (1.0 if h >= 4 else 0.0), h
        assert w["drift.detected.cat"] == 0.0
        assert w["labels.count"] == (ROWS if h < hours - 2 else 0)
        assert w["is_final"] is False
    first = [r for r in rows if r["window_start"] == START]
    assert [r["segment"] for r in first] == ["", "cat=a", "cat=b", "cat=c"]
    assert sum(r["rows"] for r in first[1:]) == ROWS
    # A datetime clock and an int clock of the same instant agree; past the
    # allowed lateness (48h by default) every window is final.
    later = START + hours * HOUR + dt.timedelta(hours=48)
    ms = int(later.timestamp() * 1000)
    mon = open_monitor(registry)
    assert mon.results(now=ms).equals(mon.results(now=later))
    assert all(mon.results(now=later).column("is_final").to_pylist())
    state = mon.state()
    assert state["name"] == "churn-prod"
    assert state["config"]["id"] == "request_id"
    windows = [w for w in state["windows"] if w["segment"] == ""]
    assert [w["rows"] for w in windows] == [ROWS] * hours
    assert windows[0]["labels"] == ROWS
    assert mlops.monitors(store=registry) == ["churn-prod"] == registry.monitors()


def test_future_and_timeless_rows_are_counted_not_placed(registry):
    mon = open_monitor(registry)
    now = START + 10 * HOUR
    mon.set_clock(now)
    times = [now - HOUR, now - 40 * HOUR, now - 60 * HOUR, now + dt.timedelta(minutes=1), now + 2 * HOUR, None]
    n = len(times)
    batch = pa.table(
        {
            "event_time": pa.array(times, pa.timestamp("ms", tz="UTC")),
            "request_id": list(range(n)),
            "x": [0.0] * n,
            "cat": ["a"] * n,
            "score": [0.5] * n,
        }
    )
    assert mon.log(batch) == 3
    got = mon.log_labels(pa.table({"request_id": [0, 0, 999, None], "label": [1, 1, 0, 1]}))
    assert got == {"joined": 1, "unknown_ids": 1, "duplicates": 1, "nulls": 1}
    all_rows = [r for r in mon.results(now=now).to_pylist() if r["segment"] == ""]
    assert [(r["window_start"] - now) / HOUR for r in all_rows] == [-40, -1, 0]
    current = all_rows[-1]
    assert current["rejected.too_late"] == 1.0
    assert current["rejected.future"] == 1.0
    assert current["rejected.no_timestamp"] == 1.0
    assert current["rejected.unknown_ids"] == 1.0
    assert all_rows[1]["labels.count"] == 1.0


def test_a_monitor_without_a_reference_logs_a_parquet_file(tmp_path):
    reg = mlops.Registry("memory://")
    path = tmp_path / "batch.parquet"
    t = pa.table(
        {
            "t": pa.array([0, 60, 3600], pa.timestamp("s")),
            "x": [1.0, 2.0, 3.0],
        }
    )
    import pyarrow.parquet as pq

    pq.write_table(t, path)
    mon = mlops.monitor("plain", timestamp="t", window="30m", store=reg)
    mon.set_clock(7_200_000)
    assert mon.log(path) == 3
    res = mon.results(now=7_200_000)
    assert res.column("rows").to_pylist() == [2.0, 1.0]
    assert (res["window_end"][0].as_py() - res["window_start"][0].as_py()) == dt.timedelta(minutes=30)
    # Without a reference: data quality, no drift.
    assert "drift.share" not in res.column_names


def test_wrong_calls_are_typed_errors_naming_what_is_wrong(registry):
    mon = open_monitor(registry)
    with pytest.raises(mlops.InvalidInputError, match="'event_time'"):
        mon.log(pa.table({"x": [1.0]}))
    with pytest.raises(mlops.InvalidInputError, match="'event_time' is Int64"):
        mon.log(pa.table({"event_time": [1], "cat": ["a"]}))
    with pytest.raises(mlops.InvalidInputError, match="segment column 'cat'"):
        mon.log(pa.table({"event_time": pa.array([1], pa.timestamp("s"))}))
    with pytest.raises(mlops.InvalidInputError, match="'label'"):
        mon.log_labels(pa.table({"request_id": [1]}))
    with pytest.raises(TypeError, match="Monitor.log expects Arrow data"):
        mon.log(42)
    with pytest.raises(TypeError, match="set_clock expects"):
        mon.set_clock("now")
    # Reopening with other settings names the first that differs.
    with pytest.raises(mlops.ConflictError, match="'window'"):
        mlops.monitor("churn-prod", window="15m", store=registry)
    # With none, or the same ones: the same monitor.
    assert mlops.monitor("churn-prod", store=registry).config == mon.config
    with pytest.raises(mlops.InvalidInputError, match="'window'"):
        open_monitor(registry, "m2", window="1 hour")
    with pytest.raises(mlops.InvalidInputError, match="'timestamp'"):
        mlops.monitor("m3", store=registry)
    with pytest.raises(mlops.InvalidInputError, match="'reference'.*dataset"):
        open_monitor(registry, "m4", reference=("model", "churn-train", 1))
    with pytest.raises(mlops.InvalidInputError, match="'reference'"):
        open_monitor(registry, "m5", reference=("churn-train",))
    with pytest.raises(mlops.InvalidInputError, match="'task'"):
        open_monitor(registry, "m6", task="ranking")
    with pytest.raises(mlops.InvalidInputError, match="drift_share"):
        open_monitor(registry, "m7", drift={"drift_share": 2.0})
    with pytest.raises(mlops.NotFoundError):
        open_monitor(registry, "m8", reference=("no-such-data", "latest"))
    # Nothing of the refused ones was created.
    assert mlops.monitors(store=registry) == ["churn-prod"]


def test_rules_alert_once_ask_for_retraining_and_show_in_prometheus_and_the_dashboard(registry, tmp_path):
    from prometheus_client.parser import text_string_to_metric_families

    rng = np.random.default_rng(5)
    mon = open_monitor(registry, name="alerts")
    name = mon.rule("drift.share > 0.3 for 2 windows", severity="critical")
    assert name == "drift_share_0_3_for_2_windows"
    mon.rule("quality.realized.roc_auc < reference.roc_auc - 0.05", name="auc_drop")
    with pytest.raises(mlops.InvalidInputError, match="at 14"):
        mon.rule("drift.share >> 0.3")
    fired = []
    mon.on_alert(fired.append)
    for h in range(8):
        t0 = START + h * HOUR
        mon.set_clock(t0 + HOUR)
        batch, _ = traffic(rng, t0, 2.0 if h >= 4 else 0.0, 5_000_000 + h * 10_000)
        mon.log(batch)
        report = mon.check()
        assert (len(report["retrain_requests"]) == 1) == (h == 5), h
    # The callback fired once: at the second drifted window, naming both.
    hour = lambda h: int((START + h * HOUR).timestamp())  # noqa: E731
    assert [(a["rule"], a["state"], a["window"], a["windows"]) for a in fired] == [
        ("drift_share_0_3_for_2_windows", "firing", hour(5), [hour(4), hour(5)])
    ]
    assert fired[0]["retrain_requested"] == fired[0]["seq"] + 1
    state = mon.state()
    assert [a["rule"] for a in state["alerts"]] == ["drift_share_0_3_for_2_windows"]
    assert mon.check()["firing"] == [["drift_share_0_3_for_2_windows", "critical"]]

    # Prometheus: the text parses with prometheus_client's own parser.
    families = {f.name: f for f in text_string_to_metric_families(mon.prometheus_text())}
    firing = {s.labels["rule"]: s.value for s in families["mlops_monitor_alert_firing"].samples}
    assert firing == {"drift_share_0_3_for_2_windows": 1.0, "auc_drop": 0.0}
    assert families["mlops_monitor_rows"].type == "counter"
    assert [s.value for s in families["mlops_monitor_rows"].samples] == [8.0 * ROWS]
    drifted = {s.labels["column"]: s.value for s in families["mlops_monitor_drift_detected"].samples}
    assert drifted["x"] == 1.0 and drifted["cat"] == 0.0
    assert mon.prometheus_text("openmetrics").endswith("# EOF\n")
    with pytest.raises(mlops.InvalidInputError):
        mon.prometheus_text("xml")

    # The dashboard: one page, a drift report per drifted window beside it.
    assert mon.report(tmp_path / "monitor.html") == 4
    html = (tmp_path / "monitor.html").read_text()
    assert "<h3>drift.share</h3>" in html and f"monitor_windows/{hour(7)}.html" in html
    assert (tmp_path / "monitor_windows" / f"{hour(4)}.html").exists()
    assert "<svg" in mon._repr_html_()
