"""No default is restated in Python.

The rule: behaviour and default values live in mlops-core. A parameter of a
public Python callable (every callable `api/parity.json` lists, and the
constructors of the classes it lists) defaults to

- ``None``: unset, the engine's ``Default`` decides (and the binding sends
  nothing for it), or
- ``False``: a flag the caller turns on,

and nothing else: not even a word of the API's own vocabulary (an unset
reference is the newest version, an unset scope every asset, an unset
message the empty text, all decided by ``mlops_core::unset``). ``True`` is
never a default (a flag that is on unless turned off is an engine choice:
make it ``None``). A new default that breaks the rule fails here, naming
the callable and the parameter.
"""

import inspect

import pytest
from test_parity import ENTRIES, resolve

import mlops


def signatures():
    """(python name, signature) of every listed callable that has one."""
    out = []
    for e in ENTRIES:
        obj = resolve(e["python"])
        if isinstance(obj, (staticmethod, classmethod)):
            obj = obj.__func__
        if isinstance(obj, property) or not callable(obj):
            continue
        if inspect.isclass(obj) and issubclass(obj, BaseException):
            continue
        try:
            out.append((e["python"], inspect.signature(obj)))
        except (TypeError, ValueError):
            # A class with no constructor of its own (results, handles).
            assert inspect.isclass(obj), f"{e['python']} has no signature"
    return out


SIGNATURES = signatures()


def test_the_checked_callables_include_the_ones_that_had_defaults():
    names = {n for n, _ in SIGNATURES}
    assert {
        "drift",
        "validate",
        "Suite",
        "Suite.infer",
        "Registry",
        "Policy.protect",
        "stats.ks_2samp",
        "checks.not_null",
        "Registry.version",
        "Registry.read_dataset",
        "Registry.commit_dataset",
        "Policy.grant",
    } <= names
    assert len(SIGNATURES) > 100


@pytest.mark.parametrize("name,sig", SIGNATURES, ids=[n for n, _ in SIGNATURES])
def test_no_python_signature_restates_an_engine_default(name, sig):
    for p in sig.parameters.values():
        d = p.default
        assert d is inspect.Parameter.empty or d is None or d is False, (
            f"{name}({p.name}={d!r}) restates a default: make it None and let mlops-core decide"
        )


def test_unset_options_take_the_engine_defaults():
    import pyarrow as pa

    # Suite name, KS test, protected-alias role, check severity: from the core.
    assert mlops.Suite().name == "suite"
    assert mlops.stats.ks_2samp([1.0, 2.0, 3.0], [1.5, 2.5, 9.0]) == mlops.stats.ks_2samp(
        [1.0, 2.0, 3.0], [1.5, 2.5, 9.0], alternative="two-sided", method="auto"
    )
    reg = mlops.Registry("memory://", principal="ana")
    reg.policy.grant("ana", "admin")
    reg.policy.protect("production")
    assert reg.policy.show().protections[0]["role"] == "approver"
    assert mlops.checks.not_null("x") == {"check": "not_null", "column": "x"}
    # Reference, scope and message: unset is the newest version, every
    # asset and no message (mlops_core::unset).
    reg.add("model", "m", b"one")
    reg.add("model", "m", b"two", message="second")
    assert reg.get("model", "m") == reg.get("model", "m", "latest") == b"two"
    assert reg.version("model", "m").version == 2
    assert reg.version("model", "m", "1").message == ""
    assert reg.policy.show().grants[0]["scope"] == "*"
    s = mlops.Suite("s", [mlops.checks.not_null("x")])
    assert s.checks[0].get("severity", "error") == "error"
    # Drift: only what the caller set is sent, the rest is DriftOptions::default().
    t = pa.table({"x": [float(i % 10) for i in range(200)]})
    r = mlops.drift(t, t)
    assert (r.to_dict()["options"]["drift_share"], r.to_dict()["options"]["correction"]) == (0.5, "none")
    assert mlops.drift(t, t, drift_share=0.25).to_dict()["options"]["drift_share"] == 0.25
