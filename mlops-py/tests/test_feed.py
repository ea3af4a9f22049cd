"""The registry's change feed from Python: events after a cursor in log
order, a watch that sees new commits and resumes from a saved cursor (on a
folder and on S3), and the webhook dispatcher's HMAC-SHA256 signature
checked with Python's own hmac."""

import hashlib
import hmac
import http.server
import json
import threading
import uuid

import pytest

import mlops


def history(reg):
    reg.add("model", "churn", b"v1", message="first")
    reg.add("model", "churn", b"v2", message="second")
    reg.alias("model", "churn", "production", 1)
    reg.alias("model", "churn", "production", 2, reason="better auc")
    reg.tag("model", "churn", 2, "team", "risk")
    reg.tag("model", "churn", 2, "team")
    reg.archive("model", "churn")
    reg.archive("model", "churn", restore=True)


NAMES = [
    "version.created",
    "version.created",
    "alias.set",
    "alias.moved",
    "tag.set",
    "tag.deleted",
    "asset.archived",
    "asset.restored",
]


def test_changes_name_every_event_in_log_order(tmp_path):
    reg = mlops.Registry(str(tmp_path / "store"), principal="ana")
    history(reg)
    events, cursor = reg.changes("start")
    assert [e.event for e in events] == NAMES
    assert [e.id for e in events] == [f"model/churn@{i}" for i in range(1, 9)]
    moved = events[3]
    assert (moved.version, moved.previous, moved.reason) == (2, 1, "better auc")
    assert moved.change["alias"] == "production"
    assert moved.to_dict()["kind"] == "model"
    assert all(e.principal == "ana" for e in events)
    assert reg.changes(cursor) == ([], cursor)
    assert reg.feed_cursor() == cursor
    first_two, after = reg.changes("start", limit=2)
    assert [e.seq for e in first_two] == [1, 2]
    assert [e.seq for e in reg.changes(after)[0]] == list(range(3, 9))


@pytest.fixture(params=["folder", "s3"])
def store_url(request, tmp_path):
    if request.param == "folder":
        return str(tmp_path / "store")
    return f"{request.getfixturevalue('s3_bucket')}/py-feed-{uuid.uuid4().hex}"


def test_a_watch_sees_commits_and_resumes_from_its_cursor_file(store_url, tmp_path):
    reg = mlops.Registry(store_url)
    reg.add("model", "old", b"x")
    cursor_file = tmp_path / "feed.cursor"
    watch = reg.watch(cursor_file=cursor_file, timeout=0.5, poll_interval=0.05)
    assert watch.notified == (not store_url.startswith("s3://"))
    assert watch.next(timeout=0.1) is None

    def writer():
        for i in range(4):
            reg.add("model", "new", bytes([i]))

    t = threading.Thread(target=writer)
    t.start()
    got = [watch.next(timeout=20), watch.next(timeout=20)]
    t.join()
    # Killed while handling the second: the file holds the cursor after
    # the first, so the second comes again, then the rest.
    del watch
    reg.alias("model", "new", "production", 4)
    again = list(reg.watch(cursor_file=cursor_file, timeout=0.5, poll_interval=0.05))
    assert [e.id for e in got] == ["model/new@1", "model/new@2"]
    assert [e.id for e in again] == [f"model/new@{i}" for i in range(2, 6)]
    assert again[-1].event == "alias.set"
    assert mlops.Registry(store_url).changes(open(cursor_file).read())[0] == []


def test_bad_cursors_and_options_raise_typed_errors(tmp_path):
    reg = mlops.Registry(str(tmp_path / "store"))
    with pytest.raises(mlops.InvalidInputError, match="cursor"):
        reg.changes("not a cursor")
    with pytest.raises(mlops.InvalidInputError, match="timeout"):
        reg.watch(timeout=-1)
    bad = tmp_path / "bad.cursor"
    bad.write_text("garbage")
    with pytest.raises(mlops.InvalidInputError, match="bad.cursor"):
        reg.watch(cursor_file=bad)
    with pytest.raises(mlops.InvalidInputError, match="url"):
        reg.dispatch("ftp://x", "SECRET", timeout=0)


class Hook(http.server.BaseHTTPRequestHandler):
    """Records each request; answers the statuses in `server.statuses` in turn."""

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.server.got.append(({k.lower(): v for k, v in self.headers.items()}, body))
        status = self.server.statuses.pop(0) if self.server.statuses else 200
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


def serve(statuses):
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Hook)
    srv.got, srv.statuses = [], list(statuses)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv, f"http://127.0.0.1:{srv.server_address[1]}/hook"


def test_dispatch_signs_each_event_and_resumes_after_a_refusal(tmp_path, monkeypatch):
    reg = mlops.Registry(str(tmp_path / "store"))
    history(reg)
    monkeypatch.setenv("MLOPS_TEST_FEED_SECRET", "s3cret")
    cursor_file = tmp_path / "hook.cursor"
    srv, url = serve([200, 200, 200, 400])
    with pytest.raises(mlops.StorageError, match="model/churn@4"):
        reg.dispatch(url, "MLOPS_TEST_FEED_SECRET", since="start", cursor_file=cursor_file, timeout=1)
    for i, (headers, body) in enumerate(srv.got, start=1):
        want = "sha256=" + hmac.new(b"s3cret", body, hashlib.sha256).hexdigest()
        assert headers["x-mlops-signature"] == want
        assert headers["x-mlops-event-id"] == f"model/churn@{i}"
        assert json.loads(body)["event"] == headers["x-mlops-event"] == NAMES[i - 1]
    # A tampered body does not verify.
    headers, body = srv.got[0]
    forged = hmac.new(b"s3cret", body.replace(b"churn", b"churm"), hashlib.sha256).hexdigest()
    assert headers["x-mlops-signature"] != "sha256=" + forged
    srv.shutdown()
    srv, url = serve([])
    assert reg.dispatch(url, "MLOPS_TEST_FEED_SECRET", cursor_file=cursor_file, timeout=0.5) == 5
    assert [h["x-mlops-event-id"] for h, _ in srv.got] == [f"model/churn@{i}" for i in range(4, 9)]
    srv.shutdown()


def test_a_closed_watch_ends(tmp_path):
    reg = mlops.Registry(str(tmp_path / "store"))
    reg.add("model", "m", b"1")
    watch = reg.watch(since="start")
    assert watch.next(timeout=5).id == "model/m@1"
    reg.add("model", "m", b"2")
    watch.close()
    assert watch.next(timeout=5) is None
    assert list(watch) == []
