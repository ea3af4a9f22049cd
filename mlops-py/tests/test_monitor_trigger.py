"""The retraining trigger from Python (issue #18, point 5): a retrain request
posted to a webhook that a real local HTTP server receives and verifies with
Python's own ``hmac``; an unreachable webhook reported while the check
succeeds; a run and its model linking back to the request in lineage."""

import datetime as dt
import hashlib
import hmac
import http.server
import json
import socket
import threading

import pyarrow as pa
import pytest

import mlops

UTC = dt.timezone.utc
T0 = dt.datetime(2026, 11, 2, tzinfo=UTC)


def firing_monitor(reg):
    """Monitor ``m`` whose critical rule ``rows > 2`` fires on its first window."""
    mon = mlops.monitor("m", timestamp="t", store=reg)
    mon.set_clock(T0 + dt.timedelta(hours=2))
    mon.rule("rows > 2", name="busy", severity="critical")
    times = pa.array([T0 + dt.timedelta(minutes=i) for i in range(3)], pa.timestamp("ms", tz="UTC"))
    mon.log(pa.table({"t": times, "x": [1.0, 2.0, 3.0]}))
    return mon


class Receiver(http.server.BaseHTTPRequestHandler):
    """Keeps each request's path, headers (looked up in any case) and raw body; answers 204."""

    received: list = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        Receiver.received.append((self.path, self.headers, body))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def receiver():
    Receiver.received = []
    server = http.server.HTTPServer(("127.0.0.1", 0), Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hook"
    server.shutdown()
    server.server_close()


def test_a_retrain_request_is_posted_signed(receiver, monkeypatch):
    monkeypatch.setenv("MLOPS_PY_HOOK_SECRET", "py-secret")
    reg = mlops.Registry("memory://", principal="ana")
    mon = firing_monitor(reg)
    mon.webhook(receiver, secret_env="MLOPS_PY_HOOK_SECRET")
    fired = []
    mon.on_alert(fired.append)
    report = mon.check()
    (req,) = report["retrain_requests"]
    assert req["cause"] == f"monitor:m@{req['seq']}"
    assert req["webhook"]["delivered"] is True
    assert req["webhook"]["status"] == 204
    assert req["webhook"]["attempts"] == 1
    assert fired[0]["cause"] == req["cause"]
    ((path, headers, body),) = Receiver.received
    assert path == "/hook"
    expected = "sha256=" + hmac.new(b"py-secret", body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(headers["X-Mlops-Signature"], expected)
    assert headers["X-Mlops-Event-Id"] == f"m:{req['seq']}"
    assert headers["X-Mlops-Event"] == "retrain_requested"
    assert int(headers["X-Mlops-Timestamp"]) > 1_700_000_000
    payload = json.loads(body)
    assert payload["monitor"] == "m"
    assert payload["rule"] == "busy"
    assert payload["severity"] == "critical"
    assert payload["retrain"] == req["seq"]
    assert payload["windows"] == [int(T0.timestamp())]
    state = mon.state()
    assert state["webhook"]["url"] == receiver
    assert state["webhook"]["secret_env"] == "MLOPS_PY_HOOK_SECRET"
    assert [d["delivered"] for d in state["deliveries"]] == [True]
    assert "py-secret" not in json.dumps(state)


def test_an_unreachable_webhook_is_reported_and_bad_settings_are_typed():
    reg = mlops.Registry("memory://", principal="ana")
    mon = firing_monitor(reg)
    with pytest.raises(mlops.InvalidInputError, match="'url'"):
        mon.webhook("not a url", secret_env="X")
    with pytest.raises(mlops.InvalidInputError, match="'secret_env'"):
        mon.webhook("http://127.0.0.1/", secret_env="no-dashes")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    mon.webhook(f"http://127.0.0.1:{port}/", secret_env="MLOPS_PY_HOOK_NEVER_SET")
    report = mon.check()
    hook = report["retrain_requests"][0]["webhook"]
    assert hook["delivered"] is False
    assert hook["attempts"] == 0
    assert "MLOPS_PY_HOOK_NEVER_SET" in hook["error"]
    assert mon.state()["deliveries"][0]["delivered"] is False


def test_a_run_and_its_model_link_back_to_the_request():
    reg = mlops.Registry("memory://", principal="ana")
    mon = firing_monitor(reg)
    cause = mon.check()["retrain_requests"][0]["cause"]
    with pytest.raises(mlops.NotFoundError, match="no retrain request 1"):
        mlops.start_run("churn", store=reg, cause="monitor:m@1")
    with pytest.raises(mlops.InvalidInputError, match="cause"):
        mlops.start_run("churn", store=reg, cause="m@1")
    with mlops.start_run("churn", store=reg, cause=cause) as run:
        assert reg.add("model", "churn", b"weights", "retrained") == 1
        run.record_output("model", "churn", 1)
    assert reg.run(run.id).cause == cause
    model = reg.asset("model", "churn")
    assert model.causes == [{"version": 1, "cause": cause, "run": run.id}]
    links = [(x["run"], x["asset"]) for x in mon.state()["retrained"]]
    assert links == [(run.id, None), (run.id, {"kind": "model", "name": "churn", "version": 1})]
    # A version made outside a run names its cause through lineage.
    assert reg.add("model", "churn", b"weights 2", "hotfix") == 2
    reg.lineage(("model", "churn", 2), [], cause=cause)
    assert [c["version"] for c in reg.asset("model", "churn").causes] == [1, 2]
    assert len(mon.state()["retrained"]) == 3
