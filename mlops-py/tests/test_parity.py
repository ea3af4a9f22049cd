"""The parity manifest (api/parity.json, described in docs/parity.md) and
the Python package agree: every Python name it lists exists, every public
name of `mlops` is listed (so a capability added to Python alone fails
here), and every call the manifest marks `mutating` takes `reason=` and the
engine records it (read back from the audit log)."""

import inspect
import json
import os
import types

import pyarrow as pa
import pytest

import mlops

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
MANIFEST = json.load(open(os.path.join(ROOT, "api", "parity.json")))
ENTRIES = MANIFEST["capabilities"]
BY_CAPABILITY = {e["capability"]: e for e in ENTRIES}


def resolve(name):
    """The object a manifest Python name (relative to `mlops`) names, or an
    AttributeError naming the first missing part."""
    obj = mlops
    for part in name.split("."):
        obj = inspect.getattr_static(obj, part) if inspect.isclass(obj) else getattr(obj, part)
    return obj


def public_names():
    """Every public name of the package: its `__all__`, the functions (and
    result types) of `mlops.stats` and `mlops.checks`, and the public
    members of its classes (exceptions only by their class name)."""
    names = set()
    for n in mlops.__all__:
        obj = getattr(mlops, n)
        if isinstance(obj, types.ModuleType):
            listed = getattr(obj, "__all__", None) or [
                m
                for m, f in vars(obj).items()
                if not m.startswith("_") and callable(f) and getattr(f, "__module__", None) == obj.__name__
            ]
            names |= {f"{n}.{m}" for m in listed}
            continue
        names.add(n)
        if inspect.isclass(obj) and not issubclass(obj, BaseException):
            names |= {f"{n}.{m}" for m in dir(obj) if not m.startswith("_")}
    return names


def test_the_manifest_is_well_formed():
    assert MANIFEST["format"] == "mlops.parity" and MANIFEST["version"] == 1
    keys = {"capability", "rust", "python", "node", "cli", "mutating"}
    for e in ENTRIES:
        assert set(e) == keys, e
        assert isinstance(e["mutating"], bool) and e["python"] and e["node"] and e["rust"], e
        assert e["cli"] is None or e["cli"].startswith("mlops "), e
    assert len(BY_CAPABILITY) == len(ENTRIES), "a capability is listed twice"
    pythons = [e["python"] for e in ENTRIES]
    assert len(set(pythons)) == len(pythons), "a Python name is listed twice"


@pytest.mark.parametrize("entry", ENTRIES, ids=lambda e: e["capability"])
def test_every_listed_python_name_exists(entry):
    resolve(entry["python"])


def test_every_public_python_name_is_listed():
    listed = {e["python"] for e in ENTRIES}
    unlisted = public_names() - listed
    assert not unlisted, f"public names missing from api/parity.json: {sorted(unlisted)}"


def test_the_package_exports_only_its_api():
    # `from mlops import *` gives the API, not the modules it uses.
    ns = {}
    exec("from mlops import *", ns)
    assert not {"json", "os", "typing", "Any", "Optional"} & set(ns)
    assert set(mlops.__all__) <= set(ns)


# One call per mutating capability, made with `reason=R` on a fresh
# registry; returns the audit action the call writes. A mutating entry with
# no recipe fails `test_every_mutating_capability_has_a_recipe`.
def _model(reg):
    return reg.add("model", "m", b"weights", metadata={"metrics": {"auc": 0.9}})


def _package(tmp_path):
    src = tmp_path / "pkg"
    src.mkdir()
    (src / "model.bin").write_bytes(b"weights")
    return mlops.Package.build(src, name="m", version="1", flavor="custom")


def _admin(reg):
    reg.policy.grant(reg.principal, "admin")


RECIPES = {
    "registry.add": lambda reg, tmp, r: (reg.add("model", "m", b"w", reason=r), "version")[1],
    "registry.add_file": lambda reg, tmp, r: (
        (tmp / "d.csv").write_text("x\n1\n2\n"),
        reg.add_file("dataset", "d", tmp / "d.csv", reason=r),
        "version",
    )[2],
    "registry.alias": lambda reg, tmp, r: (reg.alias("model", "m", "prod", _model(reg), reason=r), "alias")[1],
    "registry.tag": lambda reg, tmp, r: (reg.tag("model", "m", _model(reg), "team", "risk", reason=r), "tag")[1],
    "registry.lineage": lambda reg, tmp, r: (
        reg.add("dataset", "d", b"x"),
        reg.lineage(("model", "m", _model(reg)), [("dataset", "d", 1)], run="run-1", reason=r),
        "lineage",
    )[2],
    "registry.archive": lambda reg, tmp, r: (_model(reg), reg.archive("model", "m", reason=r), "archive")[2],
    "registry.record_gate": lambda reg, tmp, r: (
        reg.record_gate("model", "m", _model(reg), mlops.gate({"auc": 0.9}, ["auc >= 0.8"]), reason=r),
        "gate",
    )[1],
    "registry.commit_dataset": lambda reg, tmp, r: (
        reg.commit_dataset("d", pa.table({"x": [1, 2]}), reason=r),
        "version",
    )[1],
    "registry.save_profile": lambda reg, tmp, r: (
        reg.save_profile("d", "2026-12-01", mlops.profile(pa.table({"x": [1, 2]})), reason=r),
        "version",
    )[1],
    "registry.push_package": lambda reg, tmp, r: (reg.push_package(_package(tmp), "m", reason=r), "version")[1],
    "policy.grant": lambda reg, tmp, r: (reg.policy.grant(reg.principal, "admin", reason=r), "grant")[1],
    "policy.revoke": lambda reg, tmp, r: (
        _admin(reg),
        reg.policy.grant("bob", "writer"),
        reg.policy.revoke("bob", "writer", reason=r),
        "revoke",
    )[3],
    "policy.protect": lambda reg, tmp, r: (_admin(reg), reg.policy.protect("prod", reason=r), "protect")[2],
    "policy.unprotect": lambda reg, tmp, r: (
        _admin(reg),
        reg.policy.protect("prod"),
        reg.policy.unprotect("prod", reason=r),
        "unprotect",
    )[3],
    "registry.expire": lambda reg, tmp, r: (
        _model(reg),
        _model(reg),
        reg.expire("model", "m", keep_last=1, reason=r),
        "expire",
    )[3],
    "registry.pin": lambda reg, tmp, r: (reg.pin("model", "m", _model(reg), reason=r), "pin")[1],
}

MUTATING = [e for e in ENTRIES if e["mutating"]]


def test_every_mutating_capability_has_a_recipe():
    assert {e["capability"] for e in MUTATING} == set(RECIPES)


@pytest.mark.parametrize("entry", MUTATING, ids=lambda e: e["capability"])
def test_every_mutating_call_takes_reason_and_the_engine_records_it(entry, tmp_path):
    fn = resolve(entry["python"])
    param = inspect.signature(fn).parameters.get("reason")
    assert param is not None, f"{entry['python']} has no reason parameter"
    assert param.default is None
    assert entry["capability"] in RECIPES, f"no recipe for {entry['capability']}"

    reg = mlops.Registry(str(tmp_path / "store"), principal="ana")
    reason = f"because {entry['capability']}"
    action = RECIPES[entry["capability"]](reg, tmp_path, reason)
    records = reg.audit.log(action=action)
    assert [r.reason for r in records if r.reason == reason] == [reason], [
        (r.action, r.reason) for r in reg.audit.log()
    ]
    # Calls without a reason record none.
    assert all(r.reason in (None, reason) for r in reg.audit.log())


def test_every_call_taking_reason_is_marked_mutating():
    takes_reason = set()
    for e in ENTRIES:
        obj = resolve(e["python"])
        if isinstance(obj, (staticmethod, classmethod)):
            obj = obj.__func__
        if isinstance(obj, property) or not callable(obj) or inspect.isclass(obj):
            continue
        if "reason" in inspect.signature(obj).parameters:
            takes_reason.add(e["capability"])
    assert takes_reason == {e["capability"] for e in MUTATING}
