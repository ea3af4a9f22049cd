"""What autologging adds to a training loop (issue 17, item 6; not part of
the tests).

    .venv/bin/python benches/autolog_overhead.py [--rounds 1000] [--repeat 5]

Measured in one run, best of REPEAT, with and without mlops interleaved so
a burst of load hits both alike; every run writes into a fresh folder store:
- the callbacks alone: `after_iteration` of `mlops.xgboost.callback` and the
  `mlops.lightgbm.callback` function called ROUNDS times with 4 series
  (2 data sets x 2 metrics) each, no training: the per-round cost;
- XGBoost: `xgboost.train` for ROUNDS rounds (depth 3, 20k rows, train and
  valid evaluated with logloss and auc) with and without the callback;
- LightGBM: `lightgbm.train` for ROUNDS rounds (15 leaves, 20k rows, train
  and valid evaluated with l2 and l1) with and without the callback;
- scikit-learn: `LogisticRegression().fit` on 20k x 20 rows with no
  autolog, with `mlops.autolog(log_models=False)` (params, tags and the
  training metrics, which predict on the training data as MLflow does) and
  with the model package registered too.
"""

import argparse
import json
import os
import shutil
import sys
import tempfile
import time

import numpy as np

import mlops
from _bench import cpu_snapshot, other_load


def best(f, repeat):
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        f()
        times.append(time.perf_counter() - t)
    return min(times)


def interleaved(fs, repeat):
    """Best time of each function, the functions run in turn `repeat` times."""
    out = {k: float("inf") for k in fs}
    for _ in range(repeat):
        for k, f in fs.items():
            out[k] = min(out[k], best(f, 1))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=1000)
    ap.add_argument("--repeat", type=int, default=5)
    a = ap.parse_args()
    import lightgbm as lgb
    import xgboost as xgb
    from sklearn.datasets import make_classification
    from sklearn.linear_model import LogisticRegression

    import mlops.lightgbm
    import mlops.xgboost

    root = tempfile.mkdtemp(prefix="mlops-autolog-bench-")
    n = [0]

    def store():
        n[0] += 1
        return os.path.join(root, f"s{n[0]}")

    out = {"rounds": a.rounds, "repeat": a.repeat}
    start = cpu_snapshot()
    try:
        # The callbacks alone: the per-round cost with no training around it.
        # The same loop with a no-op in place of the callback is taken off,
        # and so is the start and end of the run.
        class Env:
            iteration = 0
            evaluation_result_list = []

        def xgb_loop(make):
            evals_log = {d: {m: [] for m in ("logloss", "auc")} for d in ("train", "valid")}
            with mlops.start_run("bench", store=store()) as run:
                cb = make(run)
                for i in range(a.rounds):
                    for d in evals_log.values():
                        for v in d.values():
                            v.append(0.5 / (i + 1))
                    cb(None, i, evals_log)

        def lgb_loop(make):
            env = Env()
            with mlops.start_run("bench", store=store()) as run:
                cb = make(run)
                for i in range(a.rounds):
                    env.iteration = i
                    env.evaluation_result_list = [
                        (d, m, 0.5 / (i + 1), False) for d in ("training", "valid") for m in ("l2", "l1")
                    ]
                    cb(env)

        def noop(run):
            return lambda *args: None

        t = interleaved(
            {
                "xgb": lambda: xgb_loop(lambda run: mlops.xgboost.callback(run).after_iteration),
                "xgb_noop": lambda: xgb_loop(noop),
                "lgb": lambda: lgb_loop(mlops.lightgbm.callback),
                "lgb_noop": lambda: lgb_loop(noop),
            },
            a.repeat,
        )
        out["xgb_callback_us_per_round"] = (t["xgb"] - t["xgb_noop"]) / a.rounds * 1e6
        out["lgb_callback_us_per_round"] = (t["lgb"] - t["lgb_noop"]) / a.rounds * 1e6

        # XGBoost and LightGBM training, with and without the callback.
        x, y = make_classification(n_samples=25_000, n_features=20, random_state=0)
        xt, yt, xv, yv = x[:20_000], y[:20_000], x[20_000:], y[20_000:]
        dtrain, dvalid = xgb.DMatrix(xt, label=yt), xgb.DMatrix(xv, label=yv)
        xparams = {"objective": "binary:logistic", "eval_metric": ["logloss", "auc"], "max_depth": 3, "nthread": 2}

        def xgb_train(callbacks):
            xgb.train(xparams, dtrain, a.rounds, evals=[(dtrain, "train"), (dvalid, "valid")], verbose_eval=False,
                      callbacks=callbacks)

        def xgb_with():
            with mlops.start_run("bench", store=store()) as run:
                xgb_train([mlops.xgboost.callback(run)])

        def xgb_without():
            with mlops.start_run("bench", store=store()):
                xgb_train(None)

        ltrain = lgb.Dataset(xt, label=yt.astype(float), free_raw_data=False)
        lvalid = lgb.Dataset(xv, label=yv.astype(float), reference=ltrain, free_raw_data=False)
        lparams = {"objective": "regression", "metric": ["l2", "l1"], "num_leaves": 15, "verbose": -1,
                   "num_threads": 2}

        def lgb_train(callbacks):
            lgb.train(lparams, ltrain, a.rounds, valid_sets=[ltrain, lvalid], valid_names=["training", "valid"],
                      callbacks=callbacks)

        def lgb_with():
            with mlops.start_run("bench", store=store()) as run:
                lgb_train([mlops.lightgbm.callback(run)])

        def lgb_without():
            with mlops.start_run("bench", store=store()):
                lgb_train(None)

        repeat = max(1, a.repeat // 2)
        t = interleaved({"xgb_with": xgb_with, "xgb_without": xgb_without}, repeat)
        out["xgb_train_s"], out["xgb_train_with_callback_s"] = t["xgb_without"], t["xgb_with"]
        t = interleaved({"lgb_with": lgb_with, "lgb_without": lgb_without}, repeat)
        out["lgb_train_s"], out["lgb_train_with_callback_s"] = t["lgb_without"], t["lgb_with"]

        # scikit-learn: fit alone, with autolog (no model), with the model package.
        xs, ys = x[:20_000], y[:20_000]

        def plain():
            LogisticRegression(max_iter=200).fit(xs, ys)

        def autolog(models):
            def f():
                # Already patched: this only sets the store and the flag.
                mlops.autolog(store=store(), experiment="bench", log_models=models)
                LogisticRegression(max_iter=200).fit(xs, ys)

            return f

        # Unpatched, then patched (once: patching is timed on its own), then
        # unpatched again; the plain fit's best of both blocks counts.
        t_plain = interleaved({"plain": plain}, a.repeat)["plain"]
        t0 = time.perf_counter()
        mlops.autolog(store=store())
        out["autolog_patch_s"] = time.perf_counter() - t0
        t = interleaved({"no_model": autolog(False), "model": autolog(True)}, a.repeat)
        mlops.autolog(disable=True)
        t["plain"] = min(t_plain, interleaved({"plain": plain}, a.repeat)["plain"])
        # What of that is scikit-learn computing MLflow's training metrics.
        from mlops._autolog import _training_metrics

        fitted = LogisticRegression(max_iter=200).fit(xs, ys)
        out["sklearn_training_metrics_ms"] = best(lambda: _training_metrics(fitted, xs, ys, None), a.repeat) * 1e3
        out["sklearn_fit_ms"] = t["plain"] * 1e3
        out["sklearn_fit_autolog_ms"] = t["no_model"] * 1e3
        out["sklearn_fit_autolog_model_ms"] = t["model"] * 1e3
    finally:
        shutil.rmtree(root, ignore_errors=True)

    share = other_load(start, cpu_snapshot(), os.cpu_count())
    if share is not None:
        out["other_cpu_share"] = share
    r = a.rounds
    print(f"callbacks alone, 4 series a round, {r:,} rounds (the same loop with a no-op callback taken off):")
    print(f"  mlops.xgboost.callback   {out['xgb_callback_us_per_round']:.1f} us a round")
    print(f"  mlops.lightgbm.callback  {out['lgb_callback_us_per_round']:.1f} us a round")
    for name, key in (("xgboost.train", "xgb"), ("lightgbm.train", "lgb")):
        plain_s, with_s = out[f"{key}_train_s"], out[f"{key}_train_with_callback_s"]
        print(f"{name}, {r:,} rounds, 20k rows: {plain_s:.3f} s alone, {with_s:.3f} s with the callback "
              f"({(with_s / plain_s - 1) * 100:+.1f}%; the callback's own cost is "
              f"{out[f'{key}_callback_us_per_round'] * r / 1e6 / plain_s * 100:.2f}% of the training)")
    p, nm, m = out["sklearn_fit_ms"], out["sklearn_fit_autolog_ms"], out["sklearn_fit_autolog_model_ms"]
    tm = out["sklearn_training_metrics_ms"]
    print(f"LogisticRegression.fit, 20k x 20: {p:.1f} ms alone; with autolog {nm:.1f} ms (+{nm - p:.1f} ms, of which "
          f"{tm:.1f} ms are scikit-learn computing the training metrics and {nm - p - tm:.1f} ms the run, params and "
          f"tags); with the model package {m:.1f} ms (+{m - nm:.1f} ms more)")
    print(f"mlops.autolog() itself (patching every estimator, importing scikit-learn's modules): "
          f"{out['autolog_patch_s']:.2f} s once")
    if out.get("other_cpu_share", 0) > 0.1:
        print(f"warning: other processes used {out['other_cpu_share']:.0%} of the CPU meanwhile: the training times "
              "above are noise; the per-round figures of the callbacks alone hold up better")
    os.makedirs(os.path.join(os.path.dirname(os.path.abspath(__file__)), "results"), exist_ok=True)
    with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "results", "autolog_overhead.json"), "w") as f:
        json.dump(out, f, indent=1)
    json.dump(out, sys.stderr)
    sys.stderr.write("\n")


if __name__ == "__main__":
    main()
