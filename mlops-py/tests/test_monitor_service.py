"""Monitoring in a service and its faults (issue #18): the FastAPI example
logs from its request handler what logging the same rows directly logs;
eight processes logging into one monitor at once lose nothing; a process
killed with SIGKILL loses at most one flush interval and leaves the store
whole; SIGTERM and a normal exit flush what was buffered; ``mlops monitor
serve`` answers scrapes that Prometheus' own parser and promtool accept."""

from __future__ import annotations

import datetime as dt
import math
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request

import numpy as np
import pyarrow as pa
import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

import mlops

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "examples"))
sys.path.insert(0, HERE)

import monitor_fastapi  # noqa: E402 - examples/monitor_fastapi.py
import monitor_worker  # noqa: E402 - the logging process of the fault tests

UTC = dt.timezone.utc
WORKER = os.path.join(HERE, "monitor_worker.py")
#: The streaming worker's flush interval.
FLUSH_INTERVAL = monitor_worker.STREAM_FLUSH_INTERVAL
#: Time allowed beyond one flush interval for the write itself on a busy
#: machine (a bound on what is lost, not a timing of the engine).
MARGIN = 2.0


def iso(t: dt.datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def service_traffic(rng, first_hour, requests=50):
    """``requests`` request bodies of 1 to 1,000 rows, event times spread
    over the three hours from ``first_hour``."""
    sizes = [1, 1000] + [int(n) for n in rng.integers(1, 1001, requests - 2)]
    bodies, next_id = [], 0
    for n in sizes:
        secs = rng.integers(0, 3 * 3600, n)
        x1 = rng.normal(0.0, 1.0, n)
        rows = [
            {
                "request_id": next_id + j,
                "event_time": iso(first_hour + dt.timedelta(seconds=int(secs[j]))),
                "x1": float(x1[j]),
                "x2": None if j % 7 == 3 else float(rng.normal(5.0, 2.0)),
                "country": ["de", "fr", "us"][int(rng.integers(0, 3))],
            }
            for j in range(n)
        ]
        bodies.append({"rows": rows})
        next_id += n
    return bodies


def reference_table(rng, first_hour):
    """A day before the traffic, as the service's rows and scores."""
    n = 5000
    rows = [
        monitor_fastapi.Row(
            request_id=-1 - j,
            event_time=first_hour - dt.timedelta(hours=24) + dt.timedelta(seconds=int(s)),
            x1=float(a),
            x2=float(b),
            country=["de", "fr", "us"][j % 3],
        )
        for j, (s, a, b) in enumerate(
            zip(rng.integers(0, 24 * 3600, n), rng.normal(0.0, 1.0, n), rng.normal(5.0, 2.0, n))
        )
    ]
    return monitor_fastapi.as_table(rows, [monitor_fastapi.score(r.x1, r.x2) for r in rows])


def comparable(results: pa.Table) -> list[dict]:
    return sorted(results.to_pylist(), key=lambda r: (r["window_start"], r["segment"]))


def test_fastapi_example_logs_from_the_handler_what_direct_logging_logs(tmp_path):
    rng = np.random.default_rng(18)
    # Three whole hours before the current one: on time (the engine's
    # lateness is 48 h), whatever the hour the test runs at.
    now = dt.datetime.now(UTC)
    first_hour = now.replace(minute=0, second=0, microsecond=0) - dt.timedelta(hours=3)
    store = str(tmp_path / "store")
    reg = mlops.Registry(store)
    assert reg.commit_dataset("churn-train", reference_table(rng, first_hour)) == 1
    bodies = service_traffic(rng, first_hour)

    app = monitor_fastapi.create_app(store=store, reference=("churn-train", 1))
    with TestClient(app) as client:  # runs the lifespan: opens, then flushes the monitor
        for body in bodies:
            r = client.post("/predict", json=body)
            assert r.status_code == 200, r.text
            got = r.json()
            assert got["monitored"] == len(body["rows"])
            assert got["scores"] == [monitor_fastapi.score(row["x1"], row["x2"]) for row in body["rows"]]
        metrics = client.get("/metrics")
        assert metrics.headers["content-type"].startswith("text/plain; version=0.0.4")
        om = client.get("/metrics", headers={"Accept": "application/openmetrics-text; version=1.0.0"})
        assert om.headers["content-type"].startswith("application/openmetrics-text")
        assert om.text.endswith("# EOF\n")

    # The same requests' rows logged directly, request by request.
    direct = mlops.monitor(
        "direct",
        reference=("churn-train", 1),
        timestamp="event_time",
        prediction="score",
        id="request_id",
        segments=["country"],
        window="1h",
        store=store,
    )
    for body in bodies:
        rows = [monitor_fastapi.Row(**row) for row in body["rows"]]
        direct.log(monitor_fastapi.as_table(rows, [monitor_fastapi.score(r.x1, r.x2) for r in rows]))

    served = comparable(mlops.monitor("churn-prod", store=store).results())
    expected = comparable(direct.results())
    # Rows per window, exact, from the event times the requests carried.
    windows = [int((first_hour + dt.timedelta(hours=h)).timestamp()) for h in range(3)]
    per_window = [0, 0, 0]
    nulls = [0, 0, 0]
    for body in bodies:
        for row in body["rows"]:
            t = dt.datetime.strptime(row["event_time"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
            h = int((t - first_hour).total_seconds() // 3600)
            per_window[h] += 1
            nulls[h] += row["x2"] is None
    overall = [r for r in served if r["segment"] == ""]
    assert [int(r["window_start"].timestamp()) for r in overall] == windows
    assert [r["rows"] for r in overall] == per_window
    assert sum(per_window) == sum(len(b["rows"]) for b in bodies)
    assert [r["null_ratio.x2"] for r in overall] == pytest.approx([n / w for n, w in zip(nulls, per_window)])
    for r in overall:
        for figure in ("drift.share", "drift.score.x1", "drift.score.score", "out_of_range_ratio", "null_ratio"):
            assert r[figure] is not None and not math.isnan(r[figure]), figure
    # Every (window, segment) and every figure: what direct logging gives.
    assert [(r["window_start"], r["segment"]) for r in served] == [(r["window_start"], r["segment"]) for r in expected]
    assert len(served) == 3 * 4  # "" and the three countries
    for s, e in zip(served, expected):
        assert s.keys() == e.keys()
        # Quantile sketches depend on how rows were grouped (the monitor's
        # thread joins what requests queued, direct logging did not): drift
        # scores (p-values, distances) of numeric columns agree within the
        # sketches' error, and verdicts wherever no score is near the 0.05
        # or 0.1 thresholds. Every other figure is exact.
        scores = [k for k in s if k.startswith("drift.score.")]
        near = {k.removeprefix("drift.score.") for k in scores if min(s[k], e[k]) < 0.1 and max(s[k], e[k]) >= 0.02}
        for k in s:
            where = (s["window_start"], s["segment"], k)
            if k.startswith("drift.score."):
                assert s[k] == pytest.approx(e[k], rel=0.05, abs=0.05), where
            elif k.startswith("drift.detected.") and k.removeprefix("drift.detected.") in near:
                continue
            elif k in ("drift.share", "drift.count", "drift.detected") and near:
                continue
            elif isinstance(s[k], float):
                assert s[k] == pytest.approx(e[k], rel=1e-9, abs=1e-12, nan_ok=True), where
            else:
                assert s[k] == e[k], k
    # The scrape during the run counted every row.
    families = {f.name: f for f in text_string_to_metric_families(metrics.text)}
    total = [s.value for s in families["mlops_monitor_rows"].samples if s.name == "mlops_monitor_rows_total"]
    assert total == [float(sum(per_window))]


def window_totals(store: str) -> dict[int, dict[str, float]]:
    """Monitor ``shared``'s rows, non-null ``x`` count, sum and extremes per
    window, from the profiles its log names (merged)."""
    state = mlops.monitor("shared", store=store).state()
    out = {}
    for w in state["windows"]:
        if w["segment"] != "":
            continue
        merged = None
        for h in w["profiles"]:
            with open(os.path.join(store, "blobs", h[:2], h), "rb") as f:
                p = mlops.Profile.from_bytes(f.read())
            merged = p if merged is None else merged.merge(p)
        x = merged["x"]
        values = x.count - x.null_count
        out[w["window"]] = {
            "rows": w["rows"],
            "x.count": values,
            "x.sum": x.mean * values,
            "x.min": x.min,
            "x.max": x.max,
        }
    return out


def test_eight_processes_logging_into_one_monitor_lose_nothing(tmp_path):
    store = str(tmp_path / "store")
    # Eight service processes start at once against a store without the
    # monitor: each creates or opens it, the first batch fixes the schema.
    procs = [
        subprocess.Popen(
            [sys.executable, WORKER, "log", store, str(w)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for w in range(8)
    ]
    try:
        for p in procs:
            assert p.stdout.readline().strip() == "ready", p.stderr.read()
        for p in procs:  # every monitor is open: go
            p.stdin.write("go\n")
            p.stdin.flush()
        for p in procs:
            out, err = p.communicate(timeout=300)
            assert p.returncode == 0, err
            assert out.strip() == "done"
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
    expected: dict[int, dict[str, float]] = {}
    for w in range(8):
        for i in range(monitor_worker.BATCHES):
            b = monitor_worker.batch(w, i)
            for t, x in zip(b.column("t").to_pylist(), b.column("x").to_pylist()):
                e = expected.setdefault(
                    int(t.timestamp()) // 3600 * 3600,
                    {"rows": 0, "x.count": 0, "x.sum": 0.0, "x.min": math.inf, "x.max": -math.inf},
                )
                e["rows"] += 1
                if x is not None:
                    e["x.count"] += 1
                    e["x.sum"] += x
                    e["x.min"] = min(e["x.min"], x)
                    e["x.max"] = max(e["x.max"], x)
    # Each worker's three flushes are an event each, appended concurrently.
    assert mlops.monitor("shared", store=store).state()["events"] >= 8 * 3
    got = window_totals(store)
    assert sorted(got) == sorted(expected) and len(got) == 3
    for w, e in expected.items():
        g = got[w]
        assert (g["rows"], g["x.count"], g["x.min"], g["x.max"]) == (e["rows"], e["x.count"], e["x.min"], e["x.max"])
        assert g["x.sum"] == pytest.approx(e["x.sum"], rel=1e-12)
    results = mlops.monitor("shared", store=store).results(now=monitor_worker.NOW)
    assert sum(results.column("rows").to_pylist()) == sum(e["rows"] for e in expected.values())
    assert mlops.Registry(store).audit.verify()["broken"] is None


def stored_rows(store: str) -> int:
    state = mlops.monitor("shared", store=store).state()
    return sum(w["rows"] for w in state["windows"] if w["segment"] == "")


def test_sigkill_loses_at_most_one_flush_interval_and_leaves_the_store_whole(tmp_path):
    store = str(tmp_path / "store")
    p = subprocess.Popen([sys.executable, WORKER, "stream", store], stdout=subprocess.PIPE, text=True)
    acks: list[tuple[int, float]] = []
    try:
        # Three flush intervals of logging and the margin below, by the
        # child's own acks.
        while not acks or acks[-1][1] - acks[0][1] < 3 * FLUSH_INTERVAL + MARGIN:
            line = p.stdout.readline()
            assert line.startswith("ack "), line
            _, rows, at = line.split()
            acks.append((int(rows), float(at)))
        killed_at = time.monotonic()
        p.send_signal(signal.SIGKILL)
        p.wait(timeout=60)
    finally:
        if p.poll() is None:
            p.kill()
    for line in p.stdout:  # acks printed before the kill, still in the pipe
        _, rows, at = line.split()
        acks.append((int(rows), float(at)))
    assert p.returncode == -signal.SIGKILL
    # Rows acked one flush interval (and a margin for the flush itself)
    # before the kill were written; never more than were logged (the last
    # ack, and at most one batch logged after it).
    due = max(rows for rows, at in acks if at <= killed_at - FLUSH_INTERVAL - MARGIN)
    got = stored_rows(store)
    assert due >= monitor_worker.STREAM_ROWS
    assert due <= got <= acks[-1][0] + monitor_worker.STREAM_ROWS
    # A flush writes whole batches: what the store holds is what the child
    # had logged after some batch.
    assert got % monitor_worker.STREAM_ROWS == 0
    # No half-written event: every hash chain verifies, the monitor opens,
    # and another process logs on into it.
    assert mlops.Registry(store).audit.verify()["broken"] is None
    with monitor_worker.open_shared(store) as mon:
        assert mon.log(monitor_worker.batch(0, 0)) == 50
    assert stored_rows(store) == got + 50


@pytest.mark.parametrize(
    ("mode", "signal_sent", "status"),
    [
        ("exit", None, 0),
        ("term", signal.SIGTERM, -signal.SIGTERM),
        ("own-handler", signal.SIGTERM, 3),
        ("term-run", signal.SIGTERM, -signal.SIGTERM),
    ],
)
def test_sigterm_and_a_normal_exit_flush_what_was_buffered(tmp_path, mode, signal_sent, status):
    store = str(tmp_path / "store")
    p = subprocess.Popen([sys.executable, WORKER, mode, store], stdout=subprocess.PIPE, text=True)
    run = None
    try:
        line = p.stdout.readline().strip()
        if mode == "term-run":
            run = line.split()[1]
            line = p.stdout.readline().strip()
        assert line == "logged"
        if signal_sent is not None:
            p.send_signal(signal_sent)
        # SIGTERM still ends the process by the signal (or by the
        # application's own handler, which is left in place).
        assert p.wait(timeout=60) == status
    finally:
        if p.poll() is None:
            p.kill()
    assert stored_rows(store) == monitor_worker.FEW_ROWS
    if run is not None:
        # The engine's SIGTERM hook ends the open run too.
        assert mlops.Registry(store).run(run).status == "killed"


def mlops_cli() -> str:
    for path in (os.path.join(ROOT, "target", "release", "mlops"), shutil.which("mlops")):
        if path and os.path.exists(path):
            return path
    raise AssertionError("the mlops CLI is not built: cargo build --release -p mlops-cli")


def get(url: str, accept: str | None = None) -> tuple[int, str, str]:
    req = urllib.request.Request(url, headers={"Accept": accept} if accept else {})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, r.headers["Content-Type"], r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.headers["Content-Type"], e.read().decode()


def test_monitor_serve_answers_scrapes_prometheus_parses(tmp_path):
    store = str(tmp_path / "store")
    with monitor_worker.open_shared(store) as mon:
        mon.log(monitor_worker.batch(0, 0))
        mon.log(monitor_worker.batch(1, 0))
    rows = 50 + 57
    p = subprocess.Popen(
        [mlops_cli(), "--store", store, "monitor", "serve", "shared", "--port", "0"],
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = p.stderr.readline()
        assert line.startswith("serving monitor shared at http://127.0.0.1:"), line
        base = line.split()[-1].rsplit("/", 1)[0]
        status, ctype, text = get(f"{base}/metrics")
        assert (status, ctype) == (200, "text/plain; version=0.0.4; charset=utf-8")
        families = {f.name: f for f in text_string_to_metric_families(text)}
        total = [s for s in families["mlops_monitor_rows"].samples if s.name == "mlops_monitor_rows_total"]
        assert [(s.labels, s.value) for s in total] == [({"monitor": "shared"}, float(rows))]
        rejected = {s.labels["reason"]: s.value for s in families["mlops_monitor_rejected_rows"].samples}
        assert rejected == {"future": 0.0, "no_timestamp": 0.0, "too_late": 0.0, "unknown_ids": 0.0}
        assert " -0" not in text  # counters of nothing are 0, not "-0.0"
        # The latest window (the third hour) and its rows.
        latest = monitor_worker.START + dt.timedelta(hours=3)
        ends = [s.value for s in families["mlops_monitor_window_end_timestamp_seconds"].samples]
        assert ends == [latest.timestamp()]
        if shutil.which("promtool"):
            check = subprocess.run(["promtool", "check", "metrics"], input=text, capture_output=True, text=True)
            assert check.returncode == 0 and not (check.stdout + check.stderr).strip(), check.stdout + check.stderr
        else:
            # scripts/setup.sh installs it (Debian's prometheus package).
            assert not os.environ.get("CI"), "CI is set but promtool is not on PATH"
        status, ctype, om = get(f"{base}/metrics", "application/openmetrics-text; version=1.0.0")
        assert status == 200 and ctype.startswith("application/openmetrics-text")
        assert om.endswith("# EOF\n")
        status, _, body = get(f"{base}/other")
        assert status == 404 and "/metrics" in body
    finally:
        p.send_signal(signal.SIGTERM)
        assert p.wait(timeout=60) in (0, -signal.SIGTERM)
        p.stderr.close()
    # Serving reads only: the store is as it was.
    assert mlops.Registry(store).audit.verify()["broken"] is None
