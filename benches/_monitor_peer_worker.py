"""Runs inside .venv-evidently (Evidently 0.7.23, pandas < 3): times
Evidently's report over one window of production data against the reference,
covering what an mlops monitor computes per window: data quality
(DataSummaryPreset), drift of every column (DataDriftPreset) and model
quality from labels (ClassificationPreset, binary, the score as the
probability of class 1).

    .venv-evidently/bin/python benches/_monitor_peer_worker.py REF CUR REPEAT

Reading the files into pandas is not timed. Prints one JSON line:
{"peer", "version", "seconds" (best of REPEAT), "all_seconds", "peak_rss_mb",
 "drifted", "accuracy"}.
"""
import json
import sys
import time

import pandas as pd

from _bench import peak_mb


def run(ref, cur):
    from evidently import BinaryClassification, DataDefinition, Dataset, Report
    from evidently.presets import ClassificationPreset, DataDriftPreset, DataSummaryPreset

    definition = DataDefinition(
        classification=[BinaryClassification(target="y_true", prediction_probas="y_pred")],
    )
    snap = Report([DataSummaryPreset(), DataDriftPreset(), ClassificationPreset()]).run(
        current_data=Dataset.from_pandas(cur, data_definition=definition),
        reference_data=Dataset.from_pandas(ref, data_definition=definition),
    )
    drifted, accuracy = None, None
    for m in snap.dict()["metrics"]:
        name = m.get("metric_name", "")
        if drifted is None and name.startswith("DriftedColumnsCount"):
            drifted = int(m["value"]["count"])
        if accuracy is None and name.startswith("Accuracy"):
            accuracy = float(m["value"])
    return drifted, accuracy


def main():
    ref_path, cur_path, repeat = sys.argv[1], sys.argv[2], int(sys.argv[3])
    ref, cur = pd.read_parquet(ref_path), pd.read_parquet(cur_path)
    times, out = [], None
    for _ in range(max(1, repeat)):
        t = time.perf_counter()
        out = run(ref, cur)
        times.append(time.perf_counter() - t)
    import evidently

    print(json.dumps({"peer": "evidently", "version": evidently.__version__, "seconds": min(times),
                      "all_seconds": times, "peak_rss_mb": peak_mb(), "drifted": out[0], "accuracy": out[1]}))


if __name__ == "__main__":
    main()
