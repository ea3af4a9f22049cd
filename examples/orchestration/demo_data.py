"""Demo data for the orchestration examples: a reference data set, a current
one like it, a drifted one, and a suite (a data contract) that the current
data breaks in one error check and one warning.

    python examples/orchestration/demo_data.py DIR

writes DIR/reference.parquet, DIR/current.parquet, DIR/drifted.parquet and
DIR/suite.yaml (deterministic: the same bytes each time).
"""

import random
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

SUITE = """\
name: orders
checks:
  - check: not_null
    column: order_id
  - check: values_between
    column: amount
    min: 0
    max: 500
    name: amount_range
  - check: in_set
    column: country
    values: [NO, SE, DK]
  - check: not_null
    column: country
    severity: warn
  - check: values_between
    column: quantity
    min: 1
    max: 20
    severity: warn
"""


def _orders(seed: int, rows: int, drifted: bool = False, broken: bool = False) -> pa.Table:
    rng = random.Random(seed)
    # Drifted: dearer orders, more items each, mostly from one country.
    amount = [round(rng.gauss(140 if drifted else 100, 20), 2) for _ in range(rows)]
    countries, weights = ["NO", "SE", "DK"], [8, 1, 1] if drifted else [1, 1, 1]
    country = rng.choices(countries, weights, k=rows)
    quantity = [rng.randint(5, 20) if drifted else rng.randint(1, 10) for _ in range(rows)]
    if broken:
        amount[7] = -5.0  # breaks amount_range (an error)
        amount[11] = 900.0
        country[3] = None  # breaks the not_null warning
    return pa.table(
        {
            "order_id": pa.array(range(rows), pa.int64()),
            "amount": pa.array(amount, pa.float64()),
            "country": pa.array(country, pa.string()),
            "quantity": pa.array(quantity, pa.int64()),
        }
    )


def write_demo(out: Path) -> dict:
    """Writes the demo files into ``out`` and returns their paths by name."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    paths = {
        "reference": out / "reference.parquet",
        "current": out / "current.parquet",
        "broken": out / "broken.parquet",
        "drifted": out / "drifted.parquet",
        "suite": out / "suite.yaml",
    }
    pq.write_table(_orders(1, 1000), paths["reference"])
    pq.write_table(_orders(2, 1000), paths["current"])
    pq.write_table(_orders(2, 1000, broken=True), paths["broken"])
    pq.write_table(_orders(3, 1000, drifted=True), paths["drifted"])
    paths["suite"].write_text(SUITE)
    return {k: str(v) for k, v in paths.items()}


if __name__ == "__main__":
    for name, path in write_demo(Path(sys.argv[1] if len(sys.argv) > 1 else "demo")).items():
        print(f"{name}: {path}")
