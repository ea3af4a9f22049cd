"""Registry governance from Python: the audit trail (tampering detected), the
access policy (roles, protected aliases, gates, denials), and the shared
promotion vector that the Rust and Node suites run too."""

import json
import pathlib

import pytest

import mlops

VECTOR = pathlib.Path(__file__).resolve().parents[2] / "tests" / "vectors" / "governance" / "promotion.json"


def run_step(url, step):
    r = mlops.Registry(url, principal=step["as"])
    op = step["op"]
    try:
        if op == "grant":
            r.policy.grant(step["principal"], step["role"], step["scope"])
        elif op == "revoke":
            r.policy.revoke(step["principal"], step["role"], step["scope"])
        elif op == "protect":
            r.policy.protect(step["alias"], scope=step["scope"], role=step["role"], require_gate=step["require_gate"])
        elif op == "add":
            return r.add(step["kind"], step["name"], step["data"].encode())
        elif op == "alias":
            r.alias(step["kind"], step["name"], step["alias"], step["version"], reason=step.get("reason"))
        elif op == "gate":
            report = mlops.gate(step["metrics"], step["rules"])
            r.record_gate(step["kind"], step["name"], step["version"], report)
        else:
            raise AssertionError(f"unknown op {op}")
    except mlops.PermissionDeniedError:
        return "PERMISSION_DENIED"
    except mlops.InvalidInputError:
        return "INVALID_INPUT"
    except mlops.NotFoundError:
        return "NOT_FOUND"
    return "ok"


def test_the_shared_promotion_vector(tmp_path):
    v = json.loads(VECTOR.read_text())
    url = str(tmp_path / "store")
    for i, step in enumerate(v["steps"]):
        assert run_step(url, step) == step["expect"], f"step {i}: {step}"
    r = mlops.Registry(url)
    report = r.audit.verify()
    assert report["broken"] is None
    assert report["events"] == v["audit"]["events"]
    assert len(report["digest"]) == 64
    denied = [[e["principal"], e["event"]["action"], e["target"]] for e in r.audit.log(action="denied")]
    assert denied == v["audit"]["denied"]
    production = [
        [e["principal"], e["target"], e["reason"]]
        for e in r.audit.log(action="alias")
        if e["event"]["alias"] == "production"
    ]
    assert production == v["audit"]["production"]
    assert [e["action"] for e in r.audit.log() if e["log"] == "policy/log"] == v["audit"]["policy"]
    p = r.policy.show()
    assert {(g["principal"], g["role"], g["scope"]) for g in p["grants"]} == {
        ("ana", "admin", "*"),
        ("bob", "writer", "model/*"),
        ("carol", "approver", "model/churn"),
    }
    assert p["protections"] == [{"alias": "production", "scope": "model/*", "role": "approver", "require_gate": True}]
    a = r.asset("model", "churn")
    assert a["gates"]["2"]["passed"] is True and a["gates"]["1"]["passed"] is False


def test_denials_name_principal_action_and_role(tmp_path):
    url = str(tmp_path / "store")
    admin = mlops.Registry(url, principal="ana")
    admin.policy.grant("ana", "admin")
    admin.policy.grant("bob", "writer", "model/*")
    bob = mlops.Registry(url, principal="bob")
    assert bob.principal == "bob"
    bob.add("model", "churn", b"w")
    with pytest.raises(
        mlops.PermissionDeniedError,
        match=r"'bob' may not archive or restore model/churn: needs approver \(has writer\)",
    ):
        bob.archive("model", "churn")
    with pytest.raises(mlops.InvalidInputError, match="unknown role 'owner'"):
        admin.policy.grant("dan", "owner")
    assert len(admin.policy.show()["grants"]) == 2  # nothing written


@pytest.mark.parametrize(
    "tamper, seq",
    [
        ("byte", 3),
        ("delete", 2),
        ("delete_newest", 4),
        ("reorder", 2),
    ],
)
def test_tampering_is_detected(tmp_path, tamper, seq):
    store = tmp_path / "store"
    r = mlops.Registry(str(store), principal="ana")
    for i in range(3):
        r.add("model", "m", f"w{i}".encode(), message=f"v{i}")
    r.alias("model", "m", "production", 3, reason="weekly release")
    assert r.audit.verify()["broken"] is None
    log = store / "assets" / "model" / "m" / "log"
    ev = lambda n: log / f"{n:020}.json"  # noqa: E731
    if tamper == "byte":
        ev(2).write_bytes(ev(2).read_bytes().replace(b'"v1"', b'"v9"'))
    elif tamper == "delete":
        ev(2).unlink()
    elif tamper == "delete_newest":
        ev(4).unlink()
    else:
        a, b = ev(2).read_bytes(), ev(3).read_bytes()
        ev(2).write_bytes(b)
        ev(3).write_bytes(a)
    broken = r.audit.verify()["broken"]
    assert broken is not None
    assert broken["log"] == "assets/model/m/log"
    assert broken["seq"] == seq


def test_audit_log_filters(tmp_path):
    r = mlops.Registry(str(tmp_path / "s"), principal="ana")
    r.add("model", "a", b"1", reason="first model")
    r.add("dataset", "d", b"2")
    r.alias("model", "a", "production", 1, reason="go live")
    assert [e["target"] for e in r.audit.log(target="model/*")] == ["model/a@1", "model/a@1"]
    assert [e["reason"] for e in r.audit.log(target="model/a")] == ["first model", "go live"]
    assert r.audit.log(principal="nobody") == []
    t = r.audit.log()[0]["time"]
    assert len(r.audit.log(since=t)) == 3
    assert r.audit.log(until=t) == []
