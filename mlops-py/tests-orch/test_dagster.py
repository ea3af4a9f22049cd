"""mlops.dagster in-process with dagster.materialize: one validation pass
gives every check of the suite, blocking failures stop downstream assets,
and the figures are the CLI's."""

import dagster as dg
import pyarrow.parquet as pq
from dagster_assets import definitions

import mlops
import mlops.dagster


def evaluations(result) -> dict:
    return {e.check_name: e for e in result.get_asset_check_evaluations()}


def materialized(result) -> set:
    return {m.asset_key.to_user_string() for m in result.get_asset_materialization_events()}


def test_a_failed_error_check_stops_downstream_and_counts_match_the_cli(demo, golden):
    result = dg.materialize(definitions(demo["broken"], demo["reference"], demo["suite"]), raise_on_error=False)
    ev = evaluations(result)
    # One spec per check of the suite, named as the CLI's result lists them.
    assert sorted(ev) == sorted(
        [
            "not_null_order_id",
            "amount_range",
            "in_set_country",
            "not_null_country",
            "values_between_quantity",
            "mlops_drift",
        ]
    )
    assert not ev["amount_range"].passed
    assert ev["amount_range"].severity == dg.AssetCheckSeverity.ERROR
    meta = ev["amount_range"].metadata
    assert meta["unexpected_count"].value == 2
    assert meta["element_count"].value == 1000
    assert not ev["not_null_country"].passed
    assert ev["not_null_country"].severity == dg.AssetCheckSeverity.WARN
    assert ev["not_null_country"].metadata["unexpected_count"].value == 1
    assert ev["not_null_order_id"].passed and ev["in_set_country"].passed
    assert ev["mlops_drift"].passed  # broken is current's data with two bad values
    # The golden figures: the CLI's verdict on the same file and suite.
    want = golden["validate_broken"]
    suite_checks = [e for name, e in ev.items() if name != "mlops_drift"]
    failed = [e for e in suite_checks if not e.passed]
    assert len(suite_checks) == want["evaluated"]
    assert sum(e.severity == dg.AssetCheckSeverity.ERROR for e in failed) == want["failed_errors"]
    assert sum(e.severity == dg.AssetCheckSeverity.WARN for e in failed) == want["failed_warnings"]
    assert materialized(result) == {"orders"}
    assert not result.success


def test_clean_data_reaches_downstream(demo, golden):
    result = dg.materialize(definitions(demo["current"], demo["reference"], demo["suite"]))
    ev = evaluations(result)
    assert all(e.passed for e in ev.values())
    assert len(ev) - 1 == golden["validate_current"]["evaluated"] == golden["validate_current"]["successful"]
    assert materialized(result) == {"orders", "order_report"}
    assert result.output_for_node("order_report") == 1000


def test_drift_blocks_downstream_with_the_clis_figures(demo, golden):
    result = dg.materialize(definitions(demo["drifted"], demo["reference"], demo["suite"]), raise_on_error=False)
    drift = evaluations(result)["mlops_drift"]
    want = golden["drift_drifted"]
    assert not drift.passed
    meta = {k: v.value for k, v in drift.metadata.items()}
    for key in ("drifted", "verdict", "share_drifted", "drifted_columns", "tested_columns", "skipped_columns"):
        assert meta[key] == want[key], key
    assert set(meta["drifted_column_names"].split(", ")) == {"amount", "country", "quantity"}
    assert materialized(result) == {"orders"}


def test_non_blocking_checks_let_downstream_run(demo):
    @dg.asset
    def orders():
        return pq.read_table(demo["broken"])

    @dg.asset(deps=[orders])
    def after() -> int:
        return 1

    checks = mlops.dagster.checks(orders, mlops.Suite.load(demo["suite"]), blocking=False, name="contract")
    result = dg.materialize([orders, after, checks], raise_on_error=False)
    assert not evaluations(result)["amount_range"].passed
    assert materialized(result) == {"orders", "after"}


def test_the_suite_is_judged_in_one_validation_pass(demo, monkeypatch):
    calls = []
    real = mlops.validate

    def counting(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(mlops, "validate", counting)
    assets = definitions(demo["current"], demo["reference"], demo["suite"])
    dg.materialize(assets[:3])
    assert len(calls) == 1
