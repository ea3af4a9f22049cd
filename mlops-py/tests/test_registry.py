"""mlops.Registry: versions, aliases, content round trips, errors."""
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
        mlops.Registry("s3://bucket/registry")
