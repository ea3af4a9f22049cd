"""Retention (expire, pin, ExpiredError), garbage collection and fsck."""

import datetime
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
    plan = r.gc_plan(grace=0, unsafe=True)
    assert plan["count"] >= 2
    assert {i["reason"] for i in plan["items"]} == {"expired_only"}
    done = r.gc_apply(plan)
    assert (done["count"], done["bytes"]) == (plan["count"], plan["bytes"])
    report = r.fsck()
    assert report["ok"] and report["orphans"] == [] and report["missing"] == []
    assert r.get("model", "m", "3") == b"weights 2" * 1000


def test_pin_keeps_and_plans_round_trip_as_text(tmp_path):
    import json

    r = mlops.Registry(str(tmp_path / "s"))
    _three_versions(r)
    r.pin("model", "m", 1)
    assert r.expire("model", "m", keep_within=datetime.timedelta(days=30)) == []
    assert r.expire("model", "m", keep_within="30d", keep_last=1) == []
    assert r.expire("model", "m", keep_last=1) == [2]
    assert r.expire("model", "m", keep_last=1) == []
    plan = r.gc_plan(grace=datetime.timedelta(hours=0), unsafe=True)
    assert r.gc_apply(json.dumps(plan))["bytes"] == plan["bytes"]
    with pytest.raises(mlops.InvalidInputError, match="keep_last"):
        r.expire("model", "m")
