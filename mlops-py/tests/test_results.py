"""Typed results of the registry and governance calls (Version, Asset,
SearchHit, DatasetDiff, AuditRecord, AuditReport, PolicyState): attributes
hold the engine's values, to_dict() is the plain dict these calls returned
before, repr/str are readable; add_file lets the engine decide dataset vs
bytes; errors are also the built-in exceptions documented in the README."""

import re

import pyarrow as pa
import pytest

import mlops


@pytest.fixture
def reg():
    return mlops.Registry("memory://", principal="ana")


def test_version_and_asset_are_typed_and_to_dict_keeps_the_dicts(reg):
    reg.add("model", "churn", b"weights v1", message="first", metadata={"auc": 0.81})
    reg.add("model", "churn", b"weights v2", message="retrained", metadata={"auc": 0.86})
    reg.alias("model", "churn", "production", 2)
    v = reg.version("model", "churn", "production")
    assert isinstance(v, mlops.Version)
    assert (v.version, v.message, v.metadata, v.principal, v.size, v.dataset) == (
        2, "retrained", {"auc": 0.86}, "ana", 10, None)
    assert len(v.content) == 64 and v.time > 1_600_000_000_000
    d = v.to_dict()
    assert type(d) is dict and d["version"] == 2 and d["metadata"] == {"auc": 0.86}
    d["metadata"]["auc"] = 0  # a fresh dict each time
    assert v.to_dict()["metadata"] == {"auc": 0.86} and v["message"] == "retrained"
    assert repr(v) == "Version(version=2, message='retrained', principal='ana')"
    with pytest.raises(AttributeError):
        v.version = 3

    a = reg.asset("model", "churn")
    assert isinstance(a, mlops.Asset)
    assert (a.kind, a.name, a.archived, a.events) == ("model", "churn", False, 3)
    assert [type(x) for x in a.versions] == [mlops.Version, mlops.Version]
    assert [x.message for x in a.versions] == ["first", "retrained"]
    assert a.versions[1] == v and a.versions[0] != v
    assert [m["version"] for m in a.aliases["production"]] == [2]
    assert a.to_dict()["versions"][0]["message"] == "first"
    assert repr(a) == "Asset(kind='model', name='churn', events=3)"


def test_search_hits_and_dataset_diffs_are_typed(reg):
    reg.add("model", "m", b"w", metadata={"metrics": {"auc": 0.93}})
    reg.tag("model", "m", 1, "team", "risk")
    [hit] = reg.search("tags.team = 'risk'")
    assert isinstance(hit, mlops.SearchHit)
    assert (hit.kind, hit.name, hit.version, hit.tags, hit.alias) == ("model", "m", 1, {"team": "risk"}, [])
    assert hit.metadata == {"metrics": {"auc": 0.93}} and hit.to_dict()["name"] == "m"

    reg.commit_dataset("events", pa.table({"x": [1.0, 2.0]}))
    reg.commit_dataset("events", pa.table({"x": [1.0, None, 3.0], "y": ["a", "b", "c"]}))
    d = reg.diff("events", "1", "2")
    assert isinstance(d, mlops.DatasetDiff)
    assert (d.from_version, d.to_version, d.rows, d.added, d.removed) == (1, 2, [2, 3], [["y", "Utf8"]], [])
    assert d.columns[0]["column"] == "x" and d.columns[0]["nulls"] == [0, 1]
    assert (d.to_dict()["from"], d.to_dict()["to"]) == (1, 2)
    assert repr(d) == "DatasetDiff(from_version=1, to_version=2, rows=[2, 3])"


def test_audit_records_reports_and_policy_are_typed(reg):
    reg.policy.grant("ana", "admin", reason="bootstrap")
    reg.add("model", "m", b"w", message="fit\n2")
    reg.alias("model", "m", "production", 1, reason="ship\tit")
    log = reg.log("model", "m")
    assert [type(r) for r in log] == [mlops.AuditRecord, mlops.AuditRecord]
    alias = log[1]
    assert (alias.action, alias.target, alias.principal, alias.reason, alias.seq) == (
        "alias", "model/m@1", "ana", "ship\tit", 2)
    assert alias.event["alias"] == "production" and alias.to_dict()["log"] == "assets/model/m/log"
    # str() is the `mlops audit log` line, control characters escaped.
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ  ana        alias      model/m@1 {20}ship\\tit",
                        str(alias)), str(alias)
    assert repr(alias) == "AuditRecord(action='alias', target='model/m@1', principal='ana', reason='ship\\tit')"

    report = reg.audit.verify()
    assert isinstance(report, mlops.AuditReport)
    assert (report.ok, report.broken, report.events, report.logs) == (True, None, 3, 3)
    assert "ok" not in report.to_dict() and report.to_dict()["events"] == 3
    [grant] = reg.audit.log(action="grant")
    assert (grant.target, grant.reason) == ("*", "bootstrap")

    state = reg.policy.show()
    assert isinstance(state, mlops.PolicyState)
    assert state.grants == [{"principal": "ana", "role": "admin", "scope": "*"}]
    assert (state.protections, state.events) == ([], 1)
    assert state.to_dict() == {"grants": state.grants, "protections": [], "events": 1}


def test_add_file_commits_a_data_file_as_a_dataset_and_other_files_as_bytes(reg, tmp_path):
    csv = tmp_path / "events.csv"
    csv.write_text("x,y\n1,a\n2,b\n3,c\n")
    assert reg.add_file("dataset", "events", csv, message="first") == 1
    v = reg.version("dataset", "events")
    assert v.dataset["rows"] == 3 and v.dataset["format"] == "parquet"
    assert reg.read_dataset("events")["x"].to_pylist() == [1, 2, 3]
    assert reg.dataset_profile("events")["y"].count == 3
    reg.add_file("artifact", "events-raw", csv)
    assert reg.get("artifact", "events-raw") == b"x,y\n1,a\n2,b\n3,c\n"
    notes = tmp_path / "notes.txt"
    notes.write_text("not data")
    reg.add_file("dataset", "notes", notes)
    assert reg.get("dataset", "notes") == b"not data" and reg.version("dataset", "notes").dataset is None


def test_push_and_pull_are_registry_methods(reg, tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    (src / "model.bin").write_bytes(b"weights")
    pkg = mlops.Package.build(src, name="m", version="1", flavor="custom", metrics={"auc": 0.9})
    assert reg.push_package(pkg, "m", "first", reason="release") == 1
    assert reg.log("model", "m")[0].reason == "release"
    back = reg.pull_package("m", "latest", tmp_path / "out")
    assert back.manifest == pkg.manifest and (tmp_path / "out" / "model.bin").read_bytes() == b"weights"
    assert not hasattr(mlops._mlops, "push_package") and not hasattr(mlops._mlops, "pull_package")


def test_errors_are_also_the_builtin_exceptions_users_catch(reg, tmp_path):
    with pytest.raises(FileNotFoundError) as e:
        reg.version("model", "nope")
    assert isinstance(e.value, mlops.NotFoundError) and isinstance(e.value, mlops.MlopsError)
    assert str(e.value) == "not found: model 'nope'"
    with pytest.raises(FileNotFoundError):
        reg.add_file("artifact", "a", tmp_path / "missing.bin")
    with pytest.raises(ValueError):
        reg.add("bogus", "a", b"x")
    reg.policy.grant("ana", "admin")
    bob = mlops.Registry(reg_url := str(tmp_path / "store"), principal="bob")
    mlops.Registry(reg_url, principal="ana").policy.grant("ana", "admin")
    with pytest.raises(PermissionError) as e:
        bob.add("model", "m", b"w")
    assert isinstance(e.value, mlops.PermissionDeniedError)
    assert not issubclass(mlops.NotFoundError, KeyError)
    with pytest.raises(NotImplementedError) as e:
        mlops.profile(pa.table({"big": pa.array([2**64 - 1, 1], pa.uint64())}))
    assert isinstance(e.value, mlops.UnsupportedError) and "big" in str(e.value)
    assert issubclass(mlops.StorageError, OSError) and issubclass(mlops.StorageError, mlops.MlopsError)
