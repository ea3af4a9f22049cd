"""Dagster: an asset checked by an mlops suite and against a reference.

    python examples/orchestration/dagster_assets.py

materializes `orders` (the demo's broken data), runs the suite's checks
(one validation pass) and the drift check, and shows that `order_report`
downstream is skipped: a blocking ERROR check failed.
(`pip install mlops[dagster]`.)
"""

import tempfile
from pathlib import Path

import dagster as dg
import pyarrow as pa
import pyarrow.parquet as pq

import mlops.dagster


def definitions(current: str, reference: str, suite: str) -> list:
    """The assets and their checks: `orders` read from `current`, and
    `order_report` downstream of it."""

    @dg.asset
    def orders() -> pa.Table:
        return pq.read_table(current)

    @dg.asset(deps=[orders])
    def order_report() -> int:
        return pq.read_metadata(current).num_rows

    return [
        orders,
        order_report,
        mlops.dagster.checks(orders, suite),
        mlops.dagster.drift_check(orders, reference),
    ]


if __name__ == "__main__":
    from demo_data import write_demo

    paths = write_demo(Path(tempfile.mkdtemp()))
    result = dg.materialize(definitions(paths["broken"], paths["reference"], paths["suite"]), raise_on_error=False)
    for e in result.get_asset_check_evaluations():
        print(f"{e.check_name}: {'passed' if e.passed else 'FAILED'} ({e.severity.value})")
    done = {m.asset_key.to_user_string() for m in result.get_asset_materialization_events()}
    print("materialized:", sorted(done))
