"""Adds runs to the store the browser tests browse: two with differing
params (the quickstart's runs share all theirs, and the compare page must
show a difference), then 250 small ones, so the runs table has more rows
than one page of the API (100) and than its view: python extra_runs.py
STORE. Prints the two sweep runs' ids."""

import math
import sys

import mlops

BULK = 250

store = mlops.Registry(sys.argv[1], principal="ml-pipeline")
for name, lr, alpha in (("sweep-a", 0.1, 0.01), ("sweep-b", 0.3, 0.01)):
    run = mlops.start_run("sweep", name=name, params={"lr": lr, "alpha": alpha, "epochs": 50}, tags={"team": "ui"}, store=store)
    for step in range(50):
        run.log({"loss": math.exp(-lr * step) + 0.05, "val_auc": 0.9 - 0.4 * math.exp(-lr * step)}, step=step)
    run.end("finished")
    print(run.info().id)
for i in range(BULK):
    run = mlops.start_run("bulk", name=f"bulk-{i:03d}", params={"i": i}, store=store)
    run.log({"score": i / BULK}, step=0)
    run.end("finished")
