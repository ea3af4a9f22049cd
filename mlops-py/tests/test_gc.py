"""Retention (expire, pin, ExpiredError), garbage collection and fsck."""

import datetime
import time
import uuid

import pytest

import mlops


def _three_versions(r):
    for i in range(3):
        r.add("model", "m", f"weights {i}".encode() * 1000)


@pytest.mark.parametrize("where", ["folder", "s3"])
def test_expire_gc_and_fsck(tmp_path, where, request):
    if where == "folder":
        url = str(tmp_path / "store")
    else:
        url = f"{request.getfixturevalue('s3_bucket')}/gc-{uuid.uuid4().hex}"
    r = mlops.Registry(url, principal="ops")
    _three_versions(r)
    r.alias("model", "m", "production", 1)
    assert r.expire("model", "m", keep_last=1, reason="cleanup") == [2]
    with pytest.raises(mlops.ExpiredError, match="v2 was expired by ops"):
        r.get("model", "m", "2")
    with pytest.raises(mlops.ExpiredError):
        r.version("model", "m", "v2")
    assert not issubclass(mlops.ExpiredError, mlops.NotFoundError)
    assert r.get("model", "m", "production") == b"weights 0" * 1000
    history = r.log("model", "m")
    expiry = [e for e in history if e.action == "expire"]
    assert len(expiry) == 1 and expiry[0].principal == "ops"
    assert expiry[0].reason == "cleanup"

    with pytest.raises(mlops.InvalidInputError, match="unsafe"):
        r.gc_plan(grace="10m")
    # The default grace keeps everything just written.
    assert r.gc_plan()["count"] == 0
    # The collector's now is the store's clock (a marker's last_modified),
    # which S3 keeps in whole seconds: let it pass the second of the expiry,
    # which the writer's clock stamped in milliseconds, or a grace of 0 still
    # finds it young.
    time.sleep(1.1)
    plan = r.gc_plan(grace=0, unsafe=True)
    assert plan["count"] >= 2
    assert {i["reason"] for i in plan["items"]} == {"expired_only"}
    done = r.gc_apply(plan)
    assert (done["count"], done["bytes"]) == (plan["count"], plan["bytes"])
    report = r.fsck()
    assert report["ok"] and report["orphans"] == [] and report["missing"] == []
    assert r.get("model", "m", "3") == b"weights 2" * 1000


@pytest.mark.parametrize("where", ["folder", "s3"])
def test_asset_and_hits_say_what_was_expired(tmp_path, where, request):
    if where == "folder":
        url = str(tmp_path / "store")
    else:
        url = f"{request.getfixturevalue('s3_bucket')}/gc-hits-{uuid.uuid4().hex}"
    r = mlops.Registry(url, principal="ops")
    _three_versions(r)
    r.pin("model", "m", 1)
    a = r.asset("model", "m")
    assert (a.expired, a.pinned) == ({}, [1])
    assert [h.expired for h in r.search("name = 'm'")] == [False, False, False]
    bot = mlops.Registry(url, principal="retention-bot")
    assert bot.expire("model", "m", keep_last=1, reason="budget") == [2]
    a = r.asset("model", "m")
    assert list(a.expired) == ["2"]
    e = a.expired["2"]
    assert (e["principal"], e["policy"], e["seq"]) == ("retention-bot", "keep_last=1", 5)
    assert e["time"] == r.log("model", "m")[-1].time
    assert a.pinned == [1] and a.to_dict()["pinned"] == [1]
    hits = r.search("name = 'm'")
    assert [(h.version, h.expired) for h in hits] == [(1, False), (2, True), (3, False)]
    assert hits[1].to_dict()["expired"] is True
    assert [h.version for h in r.search("expired = true")] == [2]
    assert [h.version for h in r.search("expired = false")] == [1, 3]
    [hit] = r.search("expired = true", limit=5)
    assert (hit.version, hit.expired) == (2, True)


def test_pin_keeps_and_plans_round_trip_as_text(tmp_path):
    import json

    r = mlops.Registry(str(tmp_path / "s"))
    _three_versions(r)
    r.pin("model", "m", 1)
    assert r.expire("model", "m", keep_within=datetime.timedelta(days=30)) == []
    assert r.expire("model", "m", keep_within="30d", keep_last=1) == []
    assert r.expire("model", "m", keep_last=1) == [2]
    assert r.expire("model", "m", keep_last=1) == []
    r.pin("model", "m", 1, unpin=True)
    assert r.expire("model", "m", keep_last=1) == [1]
    plan = r.gc_plan(grace=datetime.timedelta(hours=0), unsafe=True)
    assert r.gc_apply(json.dumps(plan))["bytes"] == plan["bytes"]
    with pytest.raises(mlops.InvalidInputError, match="keep_last"):
        r.expire("model", "m")


def test_every_writer_names_what_it_stores(tmp_path):
    """Roots cover every log: after runs, monitors (with a suite, labels and
    evaluated windows), packages, data sets (whole and in parts), keyed
    profiles and gate reports, a plan with no grace deletes nothing, and fsck
    finds no orphan and nothing missing."""
    import numpy as np
    import pandas as pd
    import pyarrow as pa

    from mlops import checks

    r = mlops.Registry(str(tmp_path / "store"))
    rng = np.random.default_rng(0)
    start = datetime.datetime(2026, 11, 2, tzinfo=datetime.timezone.utc)

    def hour(t0, n=300, first=0):
        x = rng.normal(0.0, 1.0, n)
        return pd.DataFrame(
            {
                "t": pd.date_range(t0, periods=n, freq="10s"),
                "id": np.arange(first, first + n),
                "x": x,
                "score": 1 / (1 + np.exp(-x)),
            }
        )

    train = hour(start - datetime.timedelta(hours=3))
    r.commit_dataset("train", train.assign(label=(train["score"] > 0.5).astype(int)))
    r.save_profile("train", "2026-11-01", mlops.profile(pa.table({"x": [1.0, 2.0]})))
    v = r.add("model", "m", b"weights")
    r.record_gate("model", "m", v, mlops.gate({"auc": 0.9}, ["auc >= 0.8"]))
    src = tmp_path / "pkg"
    src.mkdir()
    (src / "model.bin").write_bytes(b"w" * 300_000)
    r.push_package(mlops.Package.build(src, name="m", version="1", flavor="custom"), "pkgm")
    with mlops.start_run("exp", store=r) as run:
        for step in range(50):
            run.log({"loss": 1 / (step + 1)}, step=step)
        (tmp_path / "a.txt").write_text("artifact")
        run.log_artifact(str(tmp_path / "a.txt"))
    suite = mlops.Suite("s", [checks.values_between("x", -10, 10)])
    mon = mlops.monitor(
        "prod",
        reference=("train", 1),
        timestamp="t",
        prediction="score",
        target="label",
        id="id",
        suite=suite,
        store=r,
    )
    for h in range(30):
        t0 = start + datetime.timedelta(hours=h)
        mon.set_clock(t0 + datetime.timedelta(hours=1))
        mon.log(hour(t0, first=100_000 + h * 1000))
    mon.log_labels(pd.DataFrame({"id": np.arange(100_000, 100_300), "label": 1}))
    mon.rule("drift.share > 0.5", severity="warning")
    mon.check()
    mon.results()
    mon.flush()

    plan = r.gc_plan(grace=0, unsafe=True)
    assert (plan["count"], plan["bytes"]) == (0, 0), plan["items"][:5]
    report = r.fsck()
    assert report["orphans"] == [] and report["missing"] == [], report
    assert report["objects"] > 20 and report["logs"] >= 6
