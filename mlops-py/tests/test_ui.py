"""The web UI from Python (`mlops.ui.serve`): the server starts on a store
made here, its monitor answers equal the engine's own results, a window's
drift report is served in a sandbox, and bad starts raise typed errors.
The HTTP API itself is tested in mlops-ui/tests/api.rs, the pages in a
real browser by mlops-ui/tests-browser."""

import json
import urllib.error
import urllib.request

import numpy as np
import pyarrow as pa
import pytest

import mlops

HOUR = 3600


def get(server, path):
    with urllib.request.urlopen(server.url + path.lstrip("/"), timeout=30) as r:
        return r.status, r.headers, r.read()


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    path = str(tmp_path_factory.mktemp("ui") / "store")
    reg = mlops.Registry(path, principal="ana")
    rng = np.random.default_rng(7)
    v = reg.commit_dataset("ref", pa.table({"x": rng.normal(0, 1, 2000)}), message="reference")
    mon = mlops.monitor("prod", reference=("ref", v), window="1h", timestamp="t", store=reg)
    t0 = 1_800_000_000 - 1_800_000_000 % HOUR
    for h, shift in enumerate([0.0, 0.0, 3.0]):
        start = t0 + h * HOUR
        mon.set_clock((start + HOUR) * 1000)
        times = pa.array(np.full(1000, start + 10, dtype="int64"), pa.timestamp("s", tz="UTC"))
        mon.log(pa.table({"x": rng.normal(shift, 1, 1000), "t": times}))
    mon.flush()
    return path, mon, t0


def test_a_monitor_answers_what_the_engine_computes(store):
    path, mon, t0 = store
    server = mlops.ui.serve(path, port=0, background=True)
    try:
        status, _, body = get(server, "/api/monitors/prod")
        assert status == 200
        answer = json.loads(body)
        engine = mon.results().to_pylist()
        got = {(r["window"], r["segment"]): r["fields"] for r in answer["results"]}
        assert len(got) == len(engine) == 3
        for row in engine:
            start = int(row["window_start"].timestamp())
            fields = got[(start, row["segment"] or "")]
            assert fields["rows"] == row["rows"] == 1000
            assert fields["drift.share"] == pytest.approx(row["drift.share"], abs=0)
        # The shifted window drifted, the first did not.
        assert got[(t0 + 2 * HOUR, "")]["drift.detected"] == 1.0
        assert got[(t0, "")]["drift.detected"] == 0.0
        listed = json.loads(get(server, "/api/monitors")[2])["monitors"]
        assert [m["name"] for m in listed] == ["prod"] and listed[0]["windows"] == 3
    finally:
        server.stop()
    assert not server.running
    server.stop()  # twice is fine


def test_a_window_report_is_the_drift_report_in_a_sandbox(store):
    path, _, t0 = store
    server = mlops.ui.serve(path, port=0, background=True)
    try:
        status, headers, body = get(server, f"/reports/monitor/prod/{t0 + 2 * HOUR}")
        assert status == 200
        assert headers["Content-Security-Policy"].startswith("sandbox")
        assert b"<html" in body.lower() and b"x" in body
        with pytest.raises(urllib.error.HTTPError) as e:
            get(server, f"/reports/monitor/prod/{t0 + 50 * HOUR}")
        assert e.value.code == 404
        assert json.loads(e.value.read())["error"]["code"] == "NOT_FOUND"
    finally:
        server.stop()


def test_bad_starts_raise_typed_errors(store, tmp_path):
    path, _, _ = store
    with pytest.raises(mlops.NotFoundError, match="no such folder"):
        mlops.ui.serve(str(tmp_path / "missing"), port=0, background=True)
    with pytest.raises(mlops.InvalidInputError, match="not a loopback address"):
        mlops.ui.serve(path, host="0.0.0.0", port=0, background=True)
    with pytest.raises(mlops.InvalidInputError, match="16 characters"):
        mlops.ui.serve(path, host="0.0.0.0", port=0, token="short", background=True)
    first = mlops.ui.serve(path, port=0, background=True)
    try:
        with pytest.raises(mlops.ConflictError):
            mlops.ui.serve(path, port=first.port, background=True)
        assert repr(first) == f"UiServer(url='{first.url}', running=true)"
    finally:
        first.stop()


def test_a_token_server_refuses_requests_without_it(store):
    path, _, _ = store
    server = mlops.ui.serve(path, port=0, token="ana=0123456789abcdef0123", background=True)
    try:
        with pytest.raises(urllib.error.HTTPError) as e:
            get(server, "/api/info")
        assert e.value.code == 401
        req = urllib.request.Request(server.url + "api/info", headers={"Authorization": "Bearer 0123456789abcdef0123"})
        with urllib.request.urlopen(req, timeout=30) as r:
            assert json.loads(r.read())["writes"] is False
    finally:
        server.stop()
