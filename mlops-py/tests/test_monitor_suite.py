"""A monitor's validation suite from Python: each window's ``suite.*``
fields, built from two flushes and a second handle, equal
``mlops.validate`` on the window's rows; a suite file's path works too; a
check naming a column the monitor lacks is an ``InvalidInputError`` naming
the check and the column."""

import datetime as dt

import pyarrow as pa
import pytest

import mlops
from mlops import checks

UTC = dt.timezone.utc
T0 = dt.datetime(2026, 11, 2, tzinfo=UTC)
NOW = T0 + dt.timedelta(hours=2)


def suite():
    return mlops.Suite(
        "contract",
        [
            checks.values_between("x", 0, 10, name="x_range"),
            checks.in_set("plan", ["free", "pro"]),
            checks.not_null("x"),
            checks.mean_between("x", 0, 5, severity="warn"),
            checks.unique("plan"),
        ],
    )


def rows(seconds, x, plan):
    return pa.table(
        {
            "t": pa.array([T0 + dt.timedelta(seconds=s) for s in seconds], pa.timestamp("s", tz="UTC")),
            "x": pa.array(x, pa.float64()),
            "plan": pa.array(plan, pa.string()),
        }
    )


FIELDS = ["x_range", "in_set.plan", "not_null.x", "mean_between.x"]


def test_window_verdicts_equal_validating_the_windows_rows(tmp_path):
    store = str(tmp_path / "store")
    first = rows([0, 10, 20, 3600], [1.0, 12.0, None, 3.0], ["free", "gold", None, "pro"])
    second = rows([30, 40, 50], [-2.0, 4.0, 9.0], ["pro", "pro", "vip"])
    third = rows([55], [100.0], ["free"])
    with mlops.monitor("m", timestamp="t", suite=suite(), store=store) as mon:
        mon.set_clock(NOW)
        mon.log(first)
        mon.flush()
        mon.log(second)
        mon.flush()
        with mlops.monitor("m", store=store) as other:
            other.set_clock(NOW)
            other.log(third)
        results = mon.results(now=NOW).to_pylist()
    w0 = next(r for r in results if r["window_start"] == T0)
    window_rows = pa.concat_tables([first.slice(0, 3), second, third]).drop_columns(["t"])
    per_window = mlops.Suite("contract", [c for c in suite().checks if c["check"] != "unique"])
    want = mlops.validate(window_rows, per_window)
    assert w0["suite.success"] == float(want.success) == 0.0
    assert w0["suite.checks"] == 4.0
    assert w0["suite.not_evaluated"] == 1.0
    assert w0["suite.failed"] == sum(not r["success"] for r in want.results) == 4.0
    for name, r in zip(FIELDS, want.results):
        assert w0[f"suite.{name}.success"] == float(r["success"]), name
        assert w0.get(f"suite.{name}.unexpected_percent") == r["unexpected_percent"], name
    assert w0["suite.x_range.unexpected_percent"] == 50.0
    # Means merge by Chan's formula: equal up to floating-point rounding.
    assert w0["suite.mean_between.x.observed"] == pytest.approx(want.results[3]["observed_value"], rel=1e-12)
    assert w0["suite.mean_between.x.observed"] == pytest.approx(124 / 6, rel=1e-12)
    w1 = next(r for r in results if r["window_start"] == T0 + dt.timedelta(hours=1))
    assert (w1["suite.success"], w1["suite.failed"]) == (1.0, 0.0)


def test_a_suite_file_and_rules_on_the_verdicts(tmp_path):
    path = tmp_path / "contract.yaml"
    suite().save(str(path))
    mon = mlops.monitor("m", timestamp="t", suite=path, store="memory://")
    mon.set_clock(NOW)
    mon.log(rows([0, 1, 3600], [1.0, 50.0, 2.0], ["free", "pro", "pro"]))
    mon.rule("suite.success < 1", name="contract", severity="critical")
    report = mon.check()
    assert [(a["rule"], a["state"], a["window"]) for a in report["new_alerts"]] == [
        ("contract", "firing", int(T0.timestamp())),
        ("contract", "resolved", int(T0.timestamp()) + 3600),
    ]
    text = mon.prometheus_text()
    assert 'mlops_monitor_validation_success{check="x_range",monitor="m"} 1.0' in text
    assert 'mlops_monitor_validation_failed_checks{monitor="m"} 0.0' in text
    # prometheus_client's own parser reads it: one series per check.
    from prometheus_client.parser import text_string_to_metric_families

    families = {f.name: f for f in text_string_to_metric_families(text)}
    success = {s.labels["check"]: s.value for s in families["mlops_monitor_validation_success"].samples}
    assert success == {"x_range": 1.0, "in_set.plan": 1.0, "not_null.x": 1.0, "mean_between.x": 1.0}
    ratio = {s.labels["check"]: s.value for s in families["mlops_monitor_validation_unexpected_ratio"].samples}
    assert ratio == {"x_range": 0.0, "in_set.plan": 0.0, "not_null.x": 0.0}


def test_a_check_naming_a_column_the_monitor_lacks_is_named():
    bad = mlops.Suite("bad", [checks.not_null("age")])
    mon = mlops.monitor("m", timestamp="t", suite=bad, store="memory://")
    mon.set_clock(NOW)
    with pytest.raises(mlops.InvalidInputError, match=r"checks\[0\] \(not_null\).*'age'"):
        mon.log(rows([0], [1.0], ["free"]))
    with pytest.raises(mlops.InvalidInputError, match="'suite'"):
        mlops.monitor("n", timestamp="t", suite=42, store="memory://")
