"""The examples run: the notebook's code cells in order, and the main job
on a small workload."""

import json
import os
import re
import subprocess
import sys

import mlops

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def test_notebook_cells_run():
    nb = json.load(open(os.path.join(ROOT, "examples", "quickstart.ipynb")))
    scope = {}
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert code
    for cell in code:
        exec(compile("".join(cell["source"]), "quickstart.ipynb", "exec"), scope)
    assert scope["both"]["age"].count == 100_000


def test_main_job_writes_its_outputs(tmp_path):
    out = subprocess.run(
        [sys.executable, os.path.join(ROOT, "examples", "quickstart.py"), "--rows", "5000", "--out", str(tmp_path)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    assert "profiled 5000 rows x 20 columns" in out
    # The training is a tracked run whose model version names it.
    run = re.search(r"^run ([0-9a-f]{32}) \(churn\): finished, 40 points", out, re.M)
    assert run, out
    reg = mlops.Registry(str(tmp_path / "registry"))
    info = reg.run(run.group(1))
    assert info.outputs == [{"kind": "model", "name": "churn-model", "version": 1}]
    assert info.inputs == [{"kind": "dataset", "name": "workload", "version": 1}]
    assert reg.run_history(info.id, "val_auc").num_rows == 20
    # The promoted model is monitored over a simulated day: drift from noon
    # fires the critical rule once (at 13:00, its second drifted window) and
    # asks for retraining; the dashboard and the Prometheus text are written.
    assert "alert drift_share_0_3_for_2_windows (critical) firing at 2026-11-02T13:00:00Z" in out, out
    assert "retraining requested" in out
    # Versioning at scale: rows diffed by key (exact counts from how the job
    # edits the table), a folder of 1,000 files, the feed and the collector.
    assert "by id: 25 added, 25 removed, 50 changed (cells: f0 50)" in out, out
    assert re.search(
        r"folder images v1 -> v2: status saw 1 added, 1 changed .*diff 1 added, 1 changed; "
        r"v1 checked out: 1000 files",
        out,
    ), out
    assert "images versions [1] expired" in out and "fsck: 0 missing, 0 orphans" in out, out
    state = mlops.monitor("churn-prod", store=reg).state()
    assert len(state["windows"]) == 24 and [a["state"] for a in state["alerts"]] == ["firing"]
    assert "<h3>drift.share</h3>" in (tmp_path / "monitor.html").read_text()
    assert 'mlops_monitor_alert_firing{monitor="churn-prod"' in (tmp_path / "monitor.prom").read_text()
    for name in [
        "profile.json",
        "profile.html",
        "profile.bin",
        "workload.parquet",
        "current.parquet",
        "drift.json",
        "drift.html",
        "drift_from_profiles.json",
    ]:
        assert (tmp_path / name).stat().st_size > 0
    doc = json.loads((tmp_path / "profile.json").read_text())
    assert doc["row_count"] == 5000 and len(doc["columns"]) == 20
    drift = json.loads((tmp_path / "drift.json").read_text())
    flagged = [c["column"] for c in drift["columns"] if c["drifted"]]
    assert flagged == ["f0", "f1", "f7", "i1", "c1", "c2", "b0", "y_pred"]  # gen_tabular's ground truth
    assert json.loads((tmp_path / "drift_from_profiles.json").read_text())["source"] == "profiles"
    # The registry: both data sets versioned, the report traced to them.

    reg = mlops.Registry(str(tmp_path / "registry"))
    assert [v["version"] for v in reg.asset("dataset", "workload")["versions"]] == [1, 2]
    inputs = reg.asset("artifact", "drift-report")["inputs"]
    assert sorted(e["other"]["version"] for e in inputs) == [1, 2]
    assert "lineage: workload v1 -> artifact drift-report v1" in out
    # Packaging and governance: the model promoted through the gate, the
    # early promotion refused and logged, the audit trail intact.
    prod = reg.version("model", "churn-model", "production")
    assert prod["version"] == 1 and prod["metadata"]["metrics"]["auc"] > 0.75
    gates = reg.asset("model", "churn-model")["gates"]
    assert gates["1"]["passed"] is True
    assert reg.audit.verify()["broken"] is None
    [denial] = reg.audit.log(action="denied")
    assert denial["principal"] == "reviewer" and "gate" in denial["event"]["needs"]
    [promotion] = reg.audit.log(action="alias")
    assert (promotion["principal"], promotion["reason"]) == ("reviewer", "gate passed, reviewed")
    pkg = mlops.Package.load(str(tmp_path / "churn-model"))
    pkg.verify_signature([str(tmp_path / "release.key.pub")])
    assert "promotion before the gate: refused" in out
