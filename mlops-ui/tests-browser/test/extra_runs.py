"""Adds two runs with differing params to the store the browser tests
browse (the quickstart's runs share all their params, and the compare page
must show a difference): python extra_runs.py STORE."""

import math
import sys

import mlops

store = mlops.Registry(sys.argv[1], principal="ml-pipeline")
for name, lr, alpha in (("sweep-a", 0.1, 0.01), ("sweep-b", 0.3, 0.01)):
    run = mlops.start_run("sweep", name=name, params={"lr": lr, "alpha": alpha, "epochs": 50}, tags={"team": "ui"}, store=store)
    for step in range(50):
        run.log({"loss": math.exp(-lr * step) + 0.05, "val_auc": 0.9 - 0.4 * math.exp(-lr * step)}, step=step)
    run.end("finished")
    print(run.info().id)
