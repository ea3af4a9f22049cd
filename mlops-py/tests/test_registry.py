"""mlops.Registry: versions, aliases, content round trips, errors."""

import os
import uuid

import pytest

import mlops


def test_versions_aliases_and_content(tmp_path):
    r = mlops.Registry(str(tmp_path / "store"))
    assert r.add("model", "churn", b"weights 1", message="first", metadata={"auc": 0.81}) == 1
    f = tmp_path / "w2.bin"
    f.write_bytes(b"weights 2" * 100_000)
    assert r.add_file("model", "churn", f, message="retrained") == 2
    r.alias("model", "churn", "production", 1)
    r.alias("model", "churn", "production", 2)
    a = mlops.Registry(str(tmp_path / "store")).asset("model", "churn")
    assert [v["version"] for v in a["versions"]] == [1, 2]
    assert a["versions"][0]["metadata"] == {"auc": 0.81}
    assert [m["version"] for m in a["aliases"]["production"]] == [1, 2]
    assert r.get("model", "churn", "production") == f.read_bytes()
    assert r.get("model", "churn", "1") == b"weights 1"
    assert r.get("model", "churn") == f.read_bytes()
    # The history, oldest first: two versions, then two alias moves.
    h = r.log("model", "churn")
    assert [(e["seq"], e["action"], e["target"]) for e in h] == [
        (1, "version", "model/churn@1"),
        (2, "version", "model/churn@2"),
        (3, "alias", "model/churn@1"),
        (4, "alias", "model/churn@2"),
    ]
    assert h[0]["event"]["message"] == "first" and h[1]["event"]["message"] == "retrained"
    with pytest.raises(mlops.NotFoundError):
        r.log("model", "nope")


def test_fast_version_reads_and_verify_over_packs(tmp_path):
    store = tmp_path / "store"
    r = mlops.Registry(str(store))
    for i in range(1, 151):
        r.add("model", "m", f"w{i}".encode(), message=f"v{i}", metadata={"auc": i / 200})
        if i % 10 == 0:
            r.alias("model", "m", "production", i - 1)
    a = r.asset("model", "m")
    assert a["events"] == 165
    for ref in ["latest", "production", "1", "64", "65", "150"]:
        v = r.version("model", "m", ref)
        want = a["versions"][v["version"] - 1]
        assert v == want
    assert r.version("model", "m", "production")["version"] == 149
    assert r.verify("model", "m") == 165
    # A changed byte in the log is found by verify and named.
    ev = store / "assets" / "model" / "m" / "log" / f"{100:020}.json"
    ev.write_bytes(ev.read_bytes().replace(b'"v', b'"V', 1))
    with pytest.raises(mlops.IntegrityError, match="event 101"):
        r.verify("model", "m")


def test_bad_input():
    r = mlops.Registry("memory://")
    with pytest.raises(mlops.InvalidInputError, match="name"):
        r.add("model", "../up", b"x")
    with pytest.raises(mlops.InvalidInputError, match="kind"):
        r.add("table", "t", b"x")
    r.add("dataset", "d", b"x")
    with pytest.raises(mlops.NotFoundError, match="version 9"):
        r.alias("dataset", "d", "prod", 9)
    with pytest.raises(mlops.NotFoundError):
        r.get("dataset", "d", "nope")
    with pytest.raises(mlops.UnsupportedError):
        mlops.Registry("ftp://host/registry")


def test_tags_lineage_archive_and_search():
    r = mlops.Registry("memory://")
    r.add("dataset", "churn", b"rows")
    r.add("model", "gbm", b"m1", metadata={"metrics": {"auc": 0.81}})
    r.add("model", "gbm", b"m2", metadata={"metrics": {"auc": 0.93}})
    r.tag("model", "gbm", 2, "team", "risk")
    r.lineage(("model", "gbm", 2), [("dataset", "churn", 1)], run="run-7", commit="c0ffee")
    hits = r.search("kind = 'model' and tags.team = 'risk' and metrics.auc > 0.9")
    assert [(h["name"], h["version"]) for h in hits] == [("gbm", 2)]
    used = r.asset("dataset", "churn")["used_by"]
    assert used[0]["other"] == {"kind": "model", "name": "gbm", "version": 2} and used[0]["run"] == "run-7"
    r.archive("dataset", "churn")
    assert r.list("dataset") == [] and r.list("dataset", include_archived=True) == ["churn"]
    with pytest.raises(mlops.InvalidInputError, match="position 7"):
        r.search("kind = model")


def test_datasets_commit_time_travel_and_diff(tmp_path):
    import pandas as pd
    import pyarrow as pa

    r = mlops.Registry(str(tmp_path / "store"))
    v1 = pa.table({"id": list(range(100)), "x": [float(i) for i in range(100)]})
    assert r.commit_dataset("events", v1, message="first") == 1
    assert r.commit_dataset("events", pd.DataFrame({"id": range(150), "y": ["a"] * 150})) == 2
    r.alias("dataset", "events", "training", 1)
    assert r.read_dataset("events", "training").equals(v1)
    assert r.read_dataset("events", columns=["y"]).column_names == ["y"]
    d = r.diff("events", "1", "2")
    assert d["rows"] == [100, 150] and [c[0] for c in d["added"]] == ["y"] and d["removed"] == [["x", "Float64"]]
    assert r.dataset_profile("events", "1")["x"].mean == 49.5
    with pytest.raises(mlops.NotFoundError, match="column 'nope'"):
        r.read_dataset("events", "1", columns=["nope"])


def test_the_same_registry_on_s3(s3_bucket, tmp_path):
    url = f"{s3_bucket}/py-{uuid.uuid4().hex}"
    r = mlops.Registry(url)
    assert r.add("model", "churn", b"weights 1", message="first") == 1
    f = tmp_path / "w2.bin"
    f.write_bytes(os.urandom(3 << 20))  # a dozen chunks, uploaded in parallel
    assert r.add_file("model", "churn", f, message="retrained") == 2
    r.alias("model", "churn", "production", 2)
    again = mlops.Registry(url)
    assert [v["version"] for v in again.asset("model", "churn")["versions"]] == [1, 2]
    assert again.get("model", "churn", "production") == f.read_bytes()
    assert again.get("model", "churn", "1") == b"weights 1"
    assert again.list("model") == ["churn"]
    # Another prefix in the same bucket is another store.
    assert mlops.Registry(f"{url}-other").list("model") == []
    with pytest.raises(mlops.NotFoundError, match="no such bucket"):
        mlops.Registry("s3://no-such-bucket-here/x")
