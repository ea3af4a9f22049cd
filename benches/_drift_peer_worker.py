"""Runs inside .venv-evidently (Evidently 0.7.23, pandas < 3, SciPy): times
one peer's drift report on two Parquet files.

    .venv-evidently/bin/python benches/_drift_peer_worker.py evidently|pandas_scipy REF CUR REPEAT

evidently      Report([DataDriftPreset()]).run(current, reference) on
               Dataset.from_pandas(df, DataDefinition()) of each frame.
pandas_scipy   what a data scientist writes by hand: per numeric column
               (float, int) scipy.stats.ks_2samp(ref.dropna(), cur.dropna());
               per string or bool column scipy.stats.chi2_contingency on the
               aligned value counts; datetime columns are skipped (as in
               Evidently and mlops).

Reading the files into pandas is not timed. Prints one JSON line:
{"peer", "version", "seconds" (best of REPEAT), "all_seconds",
 "peak_rss_mb", "after_read_rss_mb", "drifted"}.
"""
import json
import sys
import time

import numpy as np
import pandas as pd

from _bench import peak_mb


def evidently_run(ref, cur):
    from evidently import DataDefinition, Dataset, Report
    from evidently.presets import DataDriftPreset

    snap = Report([DataDriftPreset()]).run(
        current_data=Dataset.from_pandas(cur, data_definition=DataDefinition()),
        reference_data=Dataset.from_pandas(ref, data_definition=DataDefinition()),
    )
    for m in snap.dict()["metrics"]:
        if "column" not in m["config"]:
            return int(m["value"]["count"])
    return None


def pandas_scipy_run(ref, cur):
    from scipy import stats

    drifted = 0
    for col in ref.columns:
        r, c = ref[col], cur[col]
        if pd.api.types.is_datetime64_any_dtype(r):
            continue
        if pd.api.types.is_numeric_dtype(r) and not pd.api.types.is_bool_dtype(r):
            p = stats.ks_2samp(r.dropna().to_numpy(), c.dropna().to_numpy()).pvalue
        else:
            counts = pd.concat([r.value_counts(), c.value_counts()], axis=1).fillna(0).to_numpy().T
            p = stats.chi2_contingency(counts)[1]
        drifted += int(p < 0.05)
    return drifted


def main():
    peer, ref_path, cur_path, repeat = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    run = {"evidently": evidently_run, "pandas_scipy": pandas_scipy_run}[peer]
    ref, cur = pd.read_parquet(ref_path), pd.read_parquet(cur_path)
    after_read = peak_mb()
    times, drifted = [], None
    for _ in range(max(1, repeat)):
        t = time.perf_counter()
        drifted = run(ref, cur)
        times.append(time.perf_counter() - t)
    if peer == "evidently":
        import evidently

        version = evidently.__version__
    else:
        import scipy

        version = f"pandas {pd.__version__}, scipy {scipy.__version__}, numpy {np.__version__}"
    print(json.dumps({"peer": peer, "version": version, "seconds": min(times), "all_seconds": times,
                      "peak_rss_mb": peak_mb(), "after_read_rss_mb": after_read,
                      "drifted": drifted}))


if __name__ == "__main__":
    main()
