"""What the signature check costs MLServer (issue 20, target: < 3% throughput
loss at 1,000-row batches; not part of the tests).

    .venv/bin/python benches/mlserver_guard_overhead.py [--rows 1000] [--requests 200] [--rounds 5]

One sklearn package (a one-hot + logistic regression pipeline over three
columns: Float64, Int64, Utf8) is exported twice into one MLServer
repository: `churn` with the check on (the export's default) and
`churn-nocheck` with `parameters.extra.signature_check: false`. MLServer
(from .venv-serving, default settings but for the ports: one inference
worker) serves both on 127.0.0.1. One client sends ROWS-row V2 requests over a
kept-alive connection, alternating between the two models request by request
(so a burst of other load hits both alike), REQUESTS to each per round, ROUNDS
rounds; the figure per model is its best round, in requests per second
(requests over the time spent waiting for them). Every response is checked (200,
ROWS predictions). Prints both figures and the loss in %.
"""

import argparse
import http.client
import json
import os
import pathlib
import pickle
import socket
import subprocess
import sys
import tempfile
import time

import numpy as np
import pandas as pd

import mlops

ROOT = pathlib.Path(__file__).resolve().parents[1]
SERVING = pathlib.Path(os.environ.get("MLOPS_SERVING_VENV", ROOT / ".venv-serving"))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def data(n, seed):
    rng = np.random.default_rng(seed)
    df = pd.DataFrame(
        {
            "age": rng.uniform(18, 80, n).round(1),
            "visits": rng.integers(0, 40, n).astype(np.int64),
            "plan": pd.array(rng.choice(["basic", "pro", "team"], n), dtype=object),
        }
    )
    y = ((df["age"] < 35) & (df["visits"] < 15)).astype(np.int64)
    return df, y


def build(root):
    from sklearn.compose import ColumnTransformer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OneHotEncoder

    X, y = data(5000, 1)
    prep = ColumnTransformer([("num", "passthrough", ["age", "visits"]), ("cat", OneHotEncoder(), ["plan"])])
    pipe = Pipeline(
        [
            ("prep", prep),
            ("clf", LogisticRegression(max_iter=1000)),
        ]
    ).fit(X, y)
    src = root / "src"
    src.mkdir()
    with open(src / "model.pkl", "wb") as f:
        pickle.dump(pipe, f)
    sig = {
        "inputs": [
            {"name": "age", "type": "Float64", "nullable": False},
            {"name": "visits", "type": "Int64", "nullable": False},
            {"name": "plan", "type": "Utf8", "nullable": False},
        ],
        "outputs": [{"name": "churn", "type": "Int64", "nullable": False}],
    }
    return mlops.Package.build(src, name="churn", version="1.0.0", flavor="sklearn", signature=sig)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=1000)
    ap.add_argument("--requests", type=int, default=200)
    ap.add_argument("--rounds", type=int, default=5)
    a = ap.parse_args()
    mlserver = SERVING / "bin" / "mlserver"
    if not mlserver.exists():
        sys.exit(f"{mlserver} is missing: run scripts/setup.sh")
    with tempfile.TemporaryDirectory() as tmp:
        root = pathlib.Path(tmp)
        pkg = build(root)
        repo = root / "repo"
        repo.mkdir()
        pkg.export(repo / "on", "mlserver", allow_unsigned=True)
        pkg.export(repo / "off", "mlserver", allow_unsigned=True)
        settings_path = repo / "off" / "churn" / "model-settings.json"
        settings = json.loads(settings_path.read_text())
        settings["name"] = "churn-nocheck"
        settings["parameters"]["extra"]["signature_check"] = False
        settings_path.write_text(json.dumps(settings))
        port = free_port()
        (repo / "settings.json").write_text(
            json.dumps({"host": "127.0.0.1", "http_port": port, "grpc_port": free_port(), "metrics_endpoint": None})
        )
        log = open(root / "mlserver.log", "w")
        proc = subprocess.Popen([str(mlserver), "start", str(repo)], cwd=root, stdout=log, stderr=subprocess.STDOUT)
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            deadline = time.monotonic() + 120
            for model in ("churn", "churn-nocheck"):
                while True:
                    if proc.poll() is not None or time.monotonic() > deadline:
                        sys.exit((root / "mlserver.log").read_text())
                    try:
                        conn.request("GET", f"/v2/models/{model}/ready")
                        r = conn.getresponse()
                        r.read()
                        if r.status == 200:
                            break
                    except (ConnectionError, http.client.HTTPException, OSError):
                        conn.close()
                        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                    time.sleep(0.2)
            df, _ = data(a.rows, 2)
            body = json.dumps(
                {
                    "inputs": [
                        {"name": "age", "datatype": "FP64", "shape": [a.rows], "data": df["age"].tolist()},
                        {"name": "visits", "datatype": "INT64", "shape": [a.rows], "data": df["visits"].tolist()},
                        {"name": "plan", "datatype": "BYTES", "shape": [a.rows], "data": df["plan"].tolist()},
                    ]
                }
            ).encode()
            headers = {"Content-Type": "application/json"}

            def one(model):
                t = time.perf_counter()
                conn.request("POST", f"/v2/models/{model}/infer", body, headers)
                r = conn.getresponse()
                out = r.read()
                if r.status != 200:
                    sys.exit(f"{model}: HTTP {r.status}: {out[:500]!r}")
                return time.perf_counter() - t

            models = ("churn", "churn-nocheck")
            for _ in range(20):
                for model in models:
                    one(model)
            # Requests alternate between the two models, so load from
            # elsewhere hits both alike; each round's throughput is its
            # requests over the time spent on them, and the best round counts.
            best = dict.fromkeys(models, 0.0)
            for k in range(a.rounds):
                spent = dict.fromkeys(models, 0.0)
                for i in range(a.requests):
                    order = models if (i + k) % 2 == 0 else models[::-1]
                    for model in order:
                        spent[model] += one(model)
                for model in models:
                    best[model] = max(best[model], a.requests / spent[model])
            conn.request("POST", "/v2/models/churn/infer", body, headers)
            resp = conn.getresponse()
            assert len(json.loads(resp.read())["outputs"][0]["data"]) == a.rows
        finally:
            proc.terminate()
            proc.wait(timeout=30)
            log.close()
    on, off = best["churn"], best["churn-nocheck"]
    loss = (off - on) / off * 100
    print(
        json.dumps(
            {
                "rows_per_request": a.rows,
                "requests_per_round": a.requests,
                "rounds": a.rounds,
                "check_on_rps": round(on, 1),
                "check_off_rps": round(off, 1),
                "throughput_loss_pct": round(loss, 2),
            }
        )
    )
    print(f"signature check on: {on:.1f} req/s, off: {off:.1f} req/s, loss {loss:.2f}% at {a.rows}-row requests")


if __name__ == "__main__":
    main()
