"""mlops.spark.profile against whylogs' Spark profiler and against a no-op
mapInArrow pass (the floor any Arrow-based engine pays), side by side in
one run, on the same generated frame (Spark local[2], cached).

    benches/setup_peers.sh                       # once: .venv-whylogs-spark
    .venv/bin/python benches/spark_vs_whylogs.py --rows 10000000

Each contender runs in its own process and Spark session (whylogs in its
own venv, telemetry off), builds the frame from `spark.range` with the same
expressions (5 numeric and 5 string columns), caches and counts it, then
times its pass `--repeat` times and reports the best. Not part of the tests.
"""

import argparse
import json
import os
import subprocess
import sys
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))


def frame(spark, rows, parts):
    from pyspark.sql import functions as F

    cols = [F.col("id").cast("double").alias("n0")]
    for i in range(1, 5):
        cols.append(((F.col("id") * (7919 + i)) % 100_003 / 7.0).alias(f"n{i}"))
    for i in range(5):
        cols.append(F.concat(F.lit(f"s{i}_"), ((F.col("id") * (31 + i)) % (50 * (i + 1) ** 3)).cast("string")).alias(f"s{i}"))
    df = spark.range(0, rows, 1, parts).select(*cols).cache()
    df.count()
    return df


def worker(engine, rows, parts, repeat):
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    os.environ["PYSPARK_PYTHON"] = sys.executable
    os.environ["WHYLOGS_NO_ANALYTICS"] = "True"
    from pyspark.sql import SparkSession

    spark = (
        SparkSession.builder.master("local[2]")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.driver.memory", "6g")
        .config("spark.sql.shuffle.partitions", "2")
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    df = frame(spark, rows, parts)

    if engine == "noop":

        def noop(batches):
            import pyarrow as pa

            n = 0
            for b in batches:
                n += b.num_rows
            yield pa.RecordBatch.from_pydict({"n": [n]})

        def run():
            return sum(r["n"] for r in df.mapInArrow(noop, "n long").collect())

    elif engine == "mlops":
        import mlops.spark

        def run():
            return mlops.spark.profile(df).row_count

    else:
        from whylogs.api.pyspark.experimental import collect_dataset_profile_view

        def run():
            view = collect_dataset_profile_view(df)
            return view.get_column("n0").get_metric("counts").n.value

    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        n = run()
        times.append(time.perf_counter() - t)
    assert n == rows, (engine, n)
    spark.stop()
    print(json.dumps({"engine": engine, "best_s": min(times), "times_s": times}))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=10_000_000)
    ap.add_argument("--partitions", type=int, default=8)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--worker")
    a = ap.parse_args()
    if a.worker:
        return worker(a.worker, a.rows, a.partitions, a.repeat)
    pythons = {
        "noop": os.path.join(ROOT, ".venv", "bin", "python"),
        "mlops": os.path.join(ROOT, ".venv", "bin", "python"),
        "whylogs": os.path.join(ROOT, ".venv-whylogs-spark", "bin", "python"),
    }
    results = {}
    for engine, py in pythons.items():
        out = subprocess.run(
            [py, __file__, "--worker", engine, "--rows", str(a.rows), "--partitions", str(a.partitions),
             "--repeat", str(a.repeat)],
            check=True, capture_output=True, text=True,
        ).stdout
        results[engine] = json.loads(out.strip().splitlines()[-1])["best_s"]
        print(f"{engine:8} {results[engine]:8.2f} s", flush=True)
    print(f"mlops vs whylogs: {results['whylogs'] / results['mlops']:.1f}x faster; "
          f"mlops vs the no-op floor: {results['mlops'] / results['noop']:.2f}x")


if __name__ == "__main__":
    main()
