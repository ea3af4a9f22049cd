#!/usr/bin/env python3
"""The main job: make the shared workload and a drifted copy of it, profile
the workload, compare the two, and write everything out.

    .venv/bin/python examples/quickstart.py [--rows N] [--out DIR]

Writes to DIR (default ./out): workload.parquet and current.parquet (the
same generator with --shift strong), profile.json, profile.html and
profile.bin (the workload's profile), drift.json and drift.html (the drift
report from the data) and drift_from_profiles.json (the same report from the
two profiles alone). Prints summaries, and checks that the drifted columns
are exactly the generator's ground truth. Then versions both data sets in a
registry folder (DIR/registry), stores the drift report as an artifact made
from them, and prints the diff between the two versions and the lineage.
Finally validates: infers a suite (a data contract, DIR/suite.yaml, also
versioned as an artifact) from the workload, validates the workload against
it (it passes), then a failing batch of the drifted copy with a few broken
rows (validation.json, validation.html), and runs a model promotion gate.
Last, tracking, packaging and governance: trains a small scikit-learn model
on the workload as a tracked run (params, the data set version it reads, a
loss and AUC curve per epoch, the model it registers), packages it (DIR/churn-model: files, hashes, signature, metrics,
lineage, model card), signs it with a new key (DIR/release.key), checks the
drifted batch against its signature, and, under an access policy that
protects `production` with an approver and a passed gate, registers it as
model churn-model, records its gate report and promotes it; then verifies the
audit trail and prints who did what. At the end, production monitoring:
the promoted model watched over a simulated day of hourly traffic (monitor
churn-prod, its reference the model's labelled validation traffic), drift
setting in from noon and labels arriving twelve hours late; a drift rule
fires once and asks for retraining, and the day ends with the dashboard
(DIR/monitor.html, drifted windows' reports in DIR/monitor_windows/) and the
Prometheus text (DIR/monitor.prom).
"""

import argparse
import os
import subprocess
import sys
import time

import mlops

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
# The workload generator of ../shared/workloads, with a verbatim copy in
# scripts/ for clones that have no shared/ folder beside them.
GENERATORS = [
    os.path.join(ROOT, "..", "shared", "workloads", "gen_tabular.py"),
    os.path.join(ROOT, "scripts", "gen_tabular.py"),
]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--out", default=os.path.join(ROOT, "out"))
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)

    data = os.path.join(a.out, "workload.parquet")
    current = os.path.join(a.out, "current.parquet")
    gen = next(g for g in GENERATORS if os.path.exists(g))
    print(f"making the workload: {a.rows} rows -> {data}, and a drifted copy -> {current}")
    subprocess.run([sys.executable, gen, "--rows", str(a.rows), "--out", data], check=True)
    subprocess.run([sys.executable, gen, "--rows", str(a.rows), "--shift", "strong", "--out", current], check=True)
    truth = subprocess.run(
        [sys.executable, gen, "--list-drifted", "strong"], capture_output=True, text=True, check=True
    ).stdout.split()

    t = time.perf_counter()
    p = mlops.profile(data)
    secs = time.perf_counter() - t
    print(f"profiled {p.row_count} rows x {len(p)} columns in {secs:.3f} s\n")
    print(
        f"{'column':<8} {'semantic':<12} {'nulls':>7} {'distinct':>9} {'mean':>12} {'p50':>12} {'p99':>12}  top value"
    )
    for name in p.columns:
        c = p[name]
        fmt = lambda x: "-" if x is None else f"{x:.4f}"
        top = c.top(1)
        top = f"{top[0][0]!r} x{top[0][1]}" if top else "-"
        print(
            f"{name:<8} {c.semantic_type:<12} {c.null_count:>7} {c.distinct_estimate or 0:>9.0f} "
            f"{fmt(c.mean):>12} {fmt(c.quantile(0.5)):>12} {fmt(c.quantile(0.99)):>12}  {top}"
        )

    outputs = {
        "profile.json": p.to_json().encode(),
        "profile.html": p.to_html().encode(),
        "profile.bin": p.to_bytes(),
    }
    for name, body in outputs.items():
        with open(os.path.join(a.out, name), "wb") as f:
            f.write(body)

    t = time.perf_counter()
    report = mlops.drift(data, current)
    secs = time.perf_counter() - t
    print(
        f"\ndrift report (workload vs drifted copy) in {secs:.3f} s: "
        f"{report.number_of_drifted_columns} of {report.number_of_columns} columns drifted, "
        f"dataset drift: {report.dataset_drift}\n"
    )
    print(f"{'column':<8} {'type':<12} {'method':<14} {'score':>12} {'threshold':>9} {'missing ref->cur':>18}  drifted")
    for name in report.columns:
        c = report[name]
        n = c.nulls
        miss = f"{n['reference_share']:.1%}->{n['current_share']:.1%}" if n else "-"
        score = "-" if c.score is None else f"{c.score:.4g}"
        print(
            f"{name:<8} {c.column_type:<12} {c.method or '-':<14} {score:>12} {c.threshold:>9.3g} {miss:>18}  "
            f"{'YES' if c.drifted else 'no'}"
        )
    for name, why in report.skipped_columns:
        print(f"{name:<8} not tested: {why}")
    current_profile = mlops.profile(current)
    approx = mlops.drift(p, current_profile)
    print(f"\nfrom the two profiles alone: drifted {approx.drifted_columns}")
    print(f"ground truth (gen_tabular.py --list-drifted strong): {truth}")
    if report.drifted_columns != truth:
        sys.exit(f"the drift report flagged {report.drifted_columns}, expected {truth}")

    outputs.update(
        {
            "drift.json": report.to_json().encode(),
            "drift.html": report.to_html().encode(),
            "drift_from_profiles.json": approx.to_json().encode(),
        }
    )
    for name in ("drift.json", "drift.html", "drift_from_profiles.json"):
        with open(os.path.join(a.out, name), "wb") as f:
            f.write(outputs[name])
    print("\nwrote " + ", ".join(os.path.join(a.out, n) for n in outputs))

    # Versioning: the workload before and after the change, in a registry
    # that is a folder (any number of processes may write to it at once).
    # One principal for the whole job: the policy set up below makes it the
    # registry's admin, so the job runs again on the same folder.
    reg = mlops.Registry(os.path.join(a.out, "registry"), principal="ml-pipeline")
    before = reg.commit_dataset("workload", data, message="reference sample")
    after = reg.commit_dataset("workload", current, message="after the shift")
    report_version = reg.add(
        "artifact",
        "drift-report",
        outputs["drift.json"],
        message="workload drift",
        metadata={"drifted": report.drifted_columns},
    )
    reg.lineage(
        ("artifact", "drift-report", report_version),
        [("dataset", "workload", before), ("dataset", "workload", after)],
        run="quickstart",
    )
    d = reg.diff("workload", str(before), str(after))
    print(
        f"\nregistry {os.path.join(a.out, 'registry')}: dataset workload v{before} -> v{after}, "
        f"rows {d['rows'][0]} -> {d['rows'][1]}"
    )
    for c in d["columns"]:
        (m0, m1), (n0, n1) = c["mean"], c["nulls"]
        if m0 is not None and m1 is not None and (abs(m1 - m0) > 1e-9 or n0 != n1):
            print(f"  {c['column']:<8} mean {m0:.4f} -> {m1:.4f}   nulls {n0} -> {n1}")
    used = reg.asset("dataset", "workload")["used_by"]
    print(
        "lineage: "
        + ", ".join(
            f"workload v{e['version']} -> {e['other']['kind']} {e['other']['name']} v{e['other']['version']}"
            for e in used[-2:]
        )
    )

    # Validation: a suite inferred from the trusted workload, versioned as an
    # artifact; the workload passes, a batch of the drifted copy does not.
    t = time.perf_counter()
    suite = mlops.Suite.infer(data, name="workload")
    secs = time.perf_counter() - t
    suite.save(os.path.join(a.out, "suite.yaml"))
    sv = reg.add("artifact", "workload-suite", suite.to_yaml().encode(), message="inferred data contract")
    t = time.perf_counter()
    ok = mlops.validate(data, suite)
    vsecs = time.perf_counter() - t
    print(
        f"\ninferred suite 'workload' ({len(suite)} checks, {secs:.3f} s; artifact workload-suite v{sv}); "
        f"the workload validates in {vsecs:.3f} s: success={ok.success}"
    )
    assert ok.success
    import pyarrow.parquet as pq

    batch = next(pq.ParquetFile(current).iter_batches(batch_size=10_000)).to_pydict()
    batch["c0"][3] = "purple"  # an unknown category
    batch["i3"][5] = 130  # an age out of range
    batch["f0"][7] = None  # a null where there were none
    import pyarrow as pa

    bad = mlops.validate(pa.table(batch, schema=pq.read_schema(current)), suite)
    print(
        f"a batch of the drifted copy with 3 broken rows: success={bad.success}, "
        f"{bad.statistics['failed_errors']} of {len(bad)} checks failed"
    )
    for f in bad.failures:
        rows = ", ".join(f"row {u['row']}: {u['value']!r}" for u in f["partial_unexpected"][:3])
        if f["unexpected_count"] is None:
            print(f"  FAIL {f['check']:<18} {','.join(f['columns']):<6} observed {f['observed_value']}")
        else:
            print(
                f"  FAIL {f['check']:<18} {','.join(f['columns']):<6} unexpected {f['unexpected_count']} "
                f"({f['unexpected_percent']:.3f}%)  {rows}"
            )
    assert not bad.success
    for name, text in (("validation.json", bad.to_json()), ("validation.html", bad.to_html())):
        with open(os.path.join(a.out, name), "w") as f:
            f.write(text)
    g = mlops.gate(
        {"auc": 0.912, "latency_p95_ms": 41.0},
        ["auc >= baseline.auc - 0.01", "latency_p95_ms <= 50"],
        baseline={"auc": 0.915},
    )
    print(
        "model gate: "
        + "; ".join(
            f"{r['rule']} ({r['left']:.3f} {r['op']} {r['right']:.3f}): {'pass' if r['passed'] else 'FAIL'}"
            for r in g.rules
        )
    )

    model, features = package_and_promote(a.out, data, reg.principal, before)
    monitor_production(a.out, reg.principal, model, features, data, current)
    version_at_scale(a.out, reg, data)
    # Everything above is in one store: browse it (docs/ui.md).
    store = os.path.relpath(os.path.join(a.out, "registry"))
    print(f"\nbrowse it all: target/release/mlops ui --store {store}   (then open http://127.0.0.1:5210/)")


def package_and_promote(out, data, me, data_version):
    """Trains, packages, signs, registers and promotes a model under a policy,
    publishing as principal `me` (admin) with `reviewer` approving."""
    import pickle
    import shutil

    import numpy as np
    import pyarrow.parquet as pq
    import sklearn
    from sklearn.linear_model import SGDClassifier
    from sklearn.metrics import log_loss, roc_auc_score
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    features = ["y_pred", "f0", "f1", "f4"]
    t = pq.read_table(data, columns=features + ["y_true"])
    x = np.column_stack([t[c].to_numpy() for c in features])
    y = t["y_true"].to_numpy()
    split = len(y) * 4 // 5
    store = os.path.join(out, "registry")
    admin = mlops.Registry(store, principal=me)

    # Training is a tracked run: its params, the data set version it reads,
    # a metric curve per epoch, and (below) the packaged model it makes.
    epochs = 20
    params = {"model": "logistic regression (SGD)", "epochs": epochs, "alpha": 1e-4, "features": features}
    run = mlops.start_run("churn", name="quickstart", params=params, store=admin)
    run.use_dataset("workload", data_version)
    scaler = StandardScaler().fit(x[:split])
    sgd = SGDClassifier(loss="log_loss", alpha=1e-4, random_state=0)
    xt, xv = scaler.transform(x[:split]), scaler.transform(x[split:])
    for epoch in range(epochs):
        sgd.partial_fit(xt, y[:split], classes=np.array([0, 1]))
        run.log(
            {
                "train_loss": float(log_loss(y[:split], sgd.predict_proba(xt))),
                "val_auc": float(roc_auc_score(y[split:], sgd.predict_proba(xv)[:, 1])),
            },
            step=epoch,
        )
    model = make_pipeline(scaler, sgd)
    auc = float(roc_auc_score(y[split:], model.predict_proba(x[split:])[:, 1]))

    pkg_dir = os.path.join(out, "churn-model")
    shutil.rmtree(pkg_dir, ignore_errors=True)
    os.makedirs(pkg_dir)
    with open(os.path.join(pkg_dir, "model.pkl"), "wb") as f:
        pickle.dump(model, f)
    pkg = mlops.Package.build(
        pkg_dir,
        name="churn-model",
        version="1.0.0",
        flavor="sklearn",
        flavor_version=sklearn.__version__,
        metrics={"auc": auc},
        params={"epochs": epochs, "alpha": 1e-4, "features": features},
        signature={
            "inputs": [{"name": c, "type": "Float64", "nullable": False} for c in features],
            "outputs": [{"name": "churn_probability", "type": "Float64"}],
        },
        lineage={"datasets": [f"dataset/workload@{data_version}"], "run": run.id},
        requirements={"python": [f"scikit-learn=={sklearn.__version__}"]},
        card={"intended_use": "demo: scores the shared workload", "limitations": "synthetic data", "owners": [me]},
    )
    pkg.verify()
    key = os.path.join(out, "release.key")
    for stale in (key, key + ".pub"):
        if os.path.exists(stale):
            os.remove(stale)
    key_id = mlops.generate_key(key)
    pkg.sign(key)
    assert pkg.verify_signature([key + ".pub"]) == key_id
    print(
        f"\nmodel churn-model: logistic regression (SGD, {epochs} epochs) on {features}, test AUC {auc:.3f}; "
        f"packaged in {pkg_dir}, signed by key {key_id[:12]}"
    )
    batch = pq.read_table(data, columns=["f0", "f1", "f4"]).slice(0, 1000)
    check = pkg.signature.validate(batch)
    print(f"a batch without y_pred against the model's signature: ok={check['ok']}: {check['messages']}")

    # Governance: the publishing principal is admin, a reviewer approves;
    # production needs an approver and a passed gate report.
    if not admin.policy.show()["grants"]:
        admin.policy.grant(me, "admin")
        admin.policy.grant("reviewer", "approver", "model/*")
        admin.policy.protect("production", scope="model/*", role="approver", require_gate=True)
    # The run registers the package: the model version's lineage names the
    # run and the data set version it trained on.
    version = run.log_model(pkg, "churn-model", "logistic regression, quickstart")
    run.end("finished")
    info = run.info()
    curve = run.history("val_auc")["value"].to_pylist()
    print(
        f"run {info.id} ({info.experiment}): {info.status}, {info.points} points, "
        f"val_auc {curve[0]:.3f} -> {curve[-1]:.3f} (best {info.metrics['val_auc']['max']:.3f}); "
        f"used dataset workload v{data_version}, made model churn-model v{version}"
    )
    lineage = admin.asset("model", "churn-model").inputs[-1]
    assert lineage["run"] == info.id and lineage["other"]["version"] == data_version
    reviewer = mlops.Registry(store, principal="reviewer")
    try:
        reviewer.alias("model", "churn-model", "production", version, reason="no gate yet")
    except mlops.PermissionDeniedError as e:
        print(f"promotion before the gate: refused ({e})")
    report = mlops.gate({"auc": auc}, ["auc >= 0.75"])
    admin.record_gate("model", "churn-model", version, report, reason="offline evaluation")
    reviewer.alias("model", "churn-model", "production", version, reason="gate passed, reviewed")
    prod_dir = os.path.join(out, "production-model")
    shutil.rmtree(prod_dir, ignore_errors=True)
    pulled = admin.pull_package("churn-model", "production", prod_dir)
    with open(os.path.join(pulled.path, "model.pkl"), "rb") as f:
        assert (pickle.load(f)[-1].coef_ == sgd.coef_).all()
    audit = admin.audit.verify()
    print(
        f"registered churn-model v{version}, gate {'passed' if report.passed else 'FAILED'}, promoted to "
        f"production; audit trail: {audit['events']} events in {audit['logs']} logs, "
        f"{'intact' if audit['broken'] is None else 'BROKEN'} (digest {audit['digest'][:16]})"
    )
    for e in admin.audit.log(target="model/churn-model"):
        if e["action"] != "denied":
            print(f"  {e['principal']:<11} {e['action']:<8} {e['target']:<20} {e['reason'] or ''}")
    for e in admin.audit.log(action="denied"):
        print(f"  {e['principal']:<11} denied   {e['target']:<20} {e['event']['action']}: {e['event']['needs']}")
    return model, features


def monitor_production(out, me, model, features, data, current):
    """Watches the production model over a simulated day of hourly traffic:
    the first twelve hours look like its validation data, then drift sets
    in (rows of the drifted copy mix in, more each hour); labels arrive
    twelve hours late. A drift rule fires once and asks for retraining; the
    day ends with the dashboard and the Prometheus text."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    store = mlops.Registry(os.path.join(out, "registry"), principal=me)
    rows = 2000

    tables = {p: pq.read_table(p, columns=features + ["y_true"]) for p in (data, current)}
    rng = np.random.default_rng(0)

    def scored(path, n, first_id, t0):
        """`n` rows of `path` (of the workload: its held-out last fifth) as an
        hour of scored requests from `t0`."""
        t = tables[path]
        low = t.num_rows * 4 // 5 if path == data else 0
        t = t.take(rng.integers(low, t.num_rows, n))
        x = np.column_stack([t[c].to_numpy() for c in features])
        seconds = np.sort(rng.integers(0, 3600, n))
        return pa.table(
            {
                "event_time": pa.array(t0 + seconds.astype("timedelta64[s]"), pa.timestamp("s", tz="UTC")),
                "request_id": pa.array(np.arange(first_id, first_id + n)),
                **{c: t[c] for c in features},
                "churn_probability": pa.array(model.predict_proba(x)[:, 1]),
                "y_true": t["y_true"],
            }
        )

    day = np.datetime64("2026-11-02T00:00:00", "s")
    mon = mlops.monitor("churn-prod", store=store) if "churn-prod" in store.monitors() else None
    if mon is None:
        # The reference: the model's validation traffic of the day before, labelled.
        ref = pa.concat_tables([scored(data, 500, h * 500, day - np.timedelta64(24 - h, "h")) for h in range(24)])
        ref_version = store.commit_dataset("churn-reference", ref, message="validation traffic, the day before")
        mon = mlops.monitor(
            "churn-prod",
            reference=("churn-reference", ref_version),
            window="1h",
            timestamp="event_time",
            prediction="churn_probability",
            target="y_true",
            id="request_id",
            allowed_lateness="24h",
            store=store,
        )
        mon.rule("drift.share > 0.3 for 2 windows", severity="critical")
        mon.rule("quality.realized.roc_auc < reference.roc_auc - 0.05", name="auc_drop")
    retrain = []
    mon.on_alert(lambda alert: retrain.append(alert))
    if not mon.state()["windows"]:
        batches = []
        for h in range(24):
            t0 = day + np.timedelta64(h, "h")
            mon.set_clock(int((t0 + np.timedelta64(1, "h")).astype("int64")) * 1000)
            n_cur = int(rows * min(1.0, max(0, h - 11) / 4))  # drift sets in over four hours from noon
            parts = []
            if n_cur < rows:
                parts.append(scored(data, rows - n_cur, 1_000_000 + h * rows, t0))
            if n_cur:
                parts.append(scored(current, n_cur, 2_000_000 + h * rows, t0))
            batch = pa.concat_tables(parts)
            mon.log(batch.drop_columns(["y_true"]))
            batches.append(batch.select(["request_id", "y_true"]))
            if h >= 12:  # labels come twelve hours late
                mon.log_labels(batches[h - 12])
            mon.check()
    res = mon.results().filter(pa.compute.equal(pa.compute.field("segment"), ""))
    drift = res["drift.share"].to_pylist()
    auc = res["quality.realized.roc_auc"].to_pylist() if "quality.realized.roc_auc" in res.column_names else []
    est = res["quality.estimated.roc_auc"].to_pylist()
    print(
        f"\nmonitor churn-prod: {len(drift)} hourly windows, {int(sum(res['rows'].to_pylist()))} rows; "
        f"drifted-column share by hour: {' '.join(f'{d:.1f}' for d in drift)}"
    )
    print(
        f"ROC AUC realized (labels 12 h late) {' '.join('-' if a is None else f'{a:.2f}' for a in auc)}; "
        f"estimated before labels (CBPE) {' '.join(f'{e:.2f}' for e in est)}"
    )
    for a in mon.state()["alerts"]:
        when = np.datetime64(a["window"], "s")
        print(f"  alert {a['rule']} ({a['severity']}) {a['state']} at {when}Z")
    for a in retrain:
        print(
            f"  retraining requested (event {a['retrain_requested']}) for windows "
            f"{', '.join(str(np.datetime64(w, 's')) for w in a['windows'])}"
        )
    page = os.path.join(out, "monitor.html")
    reports = mon.report(page)
    with open(os.path.join(out, "monitor.prom"), "w") as f:
        f.write(mon.prometheus_text())
    print(f"wrote {page} ({reports} window drift reports beside it) and {os.path.join(out, 'monitor.prom')}")


def version_at_scale(out, reg, data):
    """Versioning past single files: rows diffed by key, a folder of many
    files as one version, alias history, the change feed, retention and the
    garbage collector's dry run."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    # Rows by key: a customer table, then 1% of its rows edited, 0.5% gone
    # and 0.5% new.
    t = pq.read_table(data, columns=["f0", "i0", "c0"])
    n = t.num_rows
    t = t.append_column("id", pa.array(np.arange(n, dtype=np.int64)))
    v1 = reg.commit_dataset("customers", t, message="customers")
    edited = np.arange(0, n, 100)
    f0 = t.column("f0").to_numpy(zero_copy_only=False).copy()
    f0[edited] += 1.0
    keep = np.ones(n, dtype=bool)
    keep[np.arange(50, n, 200)] = False
    t2 = t.set_column(0, "f0", pa.array(f0)).filter(pa.array(keep))
    new = t.slice(0, n // 200).set_column(3, "id", pa.array(np.arange(n, n + n // 200, dtype=np.int64)))
    v2 = reg.commit_dataset("customers", pa.concat_tables([t2, new]), message="edits")
    rd = reg.diff("customers", str(v1), str(v2), key="id")
    s = rd.summary
    print(
        f"\nrow diff customers v{v1} -> v{v2} by id: {s.added} added, {s.removed} removed, {s.changed} changed "
        f"(cells: {', '.join(f'{c} {k}' for c, k in sorted(s.changed_cells.items()) if k)})"
    )

    # A folder of many small files as one version: packed, diffed per file.
    images = os.path.join(out, "images")
    rng = np.random.default_rng(7)
    for i in range(1_000):
        path = os.path.join(images, f"d{i % 10}", f"img{i:04d}.bin")
        os.makedirs(os.path.dirname(path), exist_ok=True)
        if not os.path.exists(path):
            with open(path, "wb") as f:
                f.write(rng.bytes(1_000 + (i * 37) % 3_000))
    first = reg.add_file("dataset", "images", images, message="1,000 images")
    with open(os.path.join(images, "d3", "img0003.bin"), "ab") as f:
        f.write(b"one more line")
    with open(os.path.join(images, "d0", f"new{first}.bin"), "wb") as f:
        f.write(b"new image")
    st = reg.status("dataset", "images", images)
    second = reg.add_file("dataset", "images", images, message="one changed, one added")
    fd = reg.diff_files("dataset", "images", str(first), str(second))
    restored = reg.checkout("dataset", "images", os.path.join(out, "images-v1"), str(first))
    print(
        f"folder images v{first} -> v{second}: status saw {len(st.added)} added, {len(st.changed)} changed "
        f"({st.hashed} files hashed); diff {len(fd.added)} added, {len(fd.changed)} changed; "
        f"v{first} checked out: {restored.files} files"
    )

    # Who held `production`, and why; every change so far, from the feed.
    moves = reg.alias_history("model", "churn-model", "production")
    print("production: " + "; ".join(f"v{m.version} by {m.principal} ({m.reason or 'no reason'})" for m in moves))
    events, _ = reg.changes("start")
    counts = {}
    for e in events:
        counts[e.event] = counts.get(e.event, 0) + 1
    print(f"change feed: {len(events)} events: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))

    # Retention and the collector: the folder keeps its newest version; what
    # only older ones name is freed once the 7-day grace has passed.
    expired = reg.expire("dataset", "images", keep_last=1, reason="keep the newest folder")
    plan = reg.gc_plan()
    check = reg.fsck()
    print(
        f"retention: images versions {expired} expired; gc plan (7-day grace): {plan['count']} blobs, "
        f"{plan['bytes']} bytes to free now; fsck: {len(check['missing'])} missing, {len(check['orphans'])} orphans"
    )


if __name__ == "__main__":
    main()
