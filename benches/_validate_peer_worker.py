"""Worker of benches/validate_vs_peers.py, run in .venv-ge: the same
10-check suite with Great Expectations 1.x and with pandera, on a pandas 3
DataFrame with Arrow-backed strings read from the workload file. Prints one
JSON line: the best of `repeat` timings of each tool's validation call (the
DataFrame is loaded once, before timing) and each tool's verdicts."""
import json
import os
import sys
import time
import warnings

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
warnings.filterwarnings("ignore")


def main():
    path, repeat = sys.argv[1], int(sys.argv[2])
    import pandas as pd
    import pyarrow.parquet as pq

    df = pq.read_table(path).to_pandas()
    assert str(df["c0"].dtype) == "str", df["c0"].dtype  # pandas 3: Arrow-backed strings
    out = {"pandas": pd.__version__, "rows": len(df)}

    import great_expectations as gx
    import great_expectations.expectations as gxe

    ctx = gx.get_context(mode="ephemeral")
    batch = (ctx.data_sources.add_pandas("p").add_dataframe_asset("a")
             .add_batch_definition_whole_dataframe("b").get_batch(batch_parameters={"dataframe": df}))
    suite = ctx.suites.add(gx.ExpectationSuite(name="bench"))
    for e in [
        gxe.ExpectColumnValuesToNotBeNull(column="f0"),
        gxe.ExpectColumnValuesToBeBetween(column="f1", min_value=0, max_value=200),
        gxe.ExpectColumnValuesToBeInSet(column="c0", value_set=["red", "green", "blue"]),
        gxe.ExpectColumnValuesToMatchRegex(column="c2", regex=r"^city_\d+$"),
        gxe.ExpectColumnMeanToBeBetween(column="f4", min_value=0.45, max_value=0.55),
        gxe.ExpectTableRowCountToBeBetween(min_value=1, max_value=2_000_000),
        gxe.ExpectColumnUniqueValueCountToBeBetween(column="c1", min_value=1, max_value=12),
        gxe.ExpectColumnValuesToNotBeNull(column="f7", mostly=0.9),
        gxe.ExpectColumnValueLengthsToBeBetween(column="c3", min_value=2, max_value=5),
        gxe.ExpectColumnValuesToBeBetween(column="i3", min_value=18, max_value=90),
    ]:
        suite.add_expectation(e)
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        r = batch.validate(suite, result_format="SUMMARY")
        best = min(best, time.perf_counter() - t)
    out["ge"] = {"version": gx.__version__, "seconds": best, "success": bool(r.success),
                 "verdicts": [bool(x.success) for x in r.results]}

    import pandera.pandas as pa

    schema = pa.DataFrameSchema(
        {
            "f0": pa.Column(float, nullable=False),
            "f1": pa.Column(float, pa.Check.in_range(0, 200)),
            "c0": pa.Column(checks=pa.Check.isin(["red", "green", "blue"])),
            "c2": pa.Column(checks=pa.Check.str_matches(r"^city_\d+$")),
            "f4": pa.Column(float, pa.Check(lambda s: 0.45 <= s.mean() <= 0.55)),
            "c1": pa.Column(checks=pa.Check(lambda s: 1 <= s.nunique() <= 12)),
            "f7": pa.Column(float, pa.Check(lambda s: s.notna().mean() >= 0.9), nullable=True),
            "c3": pa.Column(checks=pa.Check.str_length(2, 5), nullable=True),
            "i3": pa.Column(checks=pa.Check.in_range(18, 90), nullable=True),
        },
        checks=[pa.Check(lambda d: 1 <= len(d) <= 2_000_000)],
    )
    best, ok = float("inf"), None
    for _ in range(repeat):
        t = time.perf_counter()
        try:
            schema.validate(df, lazy=True)
            ok = True
        except pa.errors.SchemaErrors:
            ok = False
        best = min(best, time.perf_counter() - t)
    import pandera

    out["pandera"] = {"version": pandera.__version__, "seconds": best, "success": ok}
    print(json.dumps(out))


if __name__ == "__main__":
    main()
