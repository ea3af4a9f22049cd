"""The Argo WorkflowTemplate example: it parses with hera's models (Argo's
own schema), its branches follow the CLI contract, and every `mlops`
command line in it is run on demo data with the outcome its `when:`
conditions expect."""

import re
import shutil
import subprocess

import pytest
import yaml
from conftest import EXAMPLES, cli_path
from hera.workflows import WorkflowTemplate
from hera.workflows.models import WorkflowTemplate as WorkflowTemplateModel

PATH = EXAMPLES / "argo-workflowtemplate.yaml"


@pytest.fixture(scope="module")
def spec() -> dict:
    return yaml.safe_load(PATH.read_text())


def templates(spec) -> dict:
    return {t["name"]: t for t in spec["spec"]["templates"]}


def test_hera_parses_the_template():
    wt = WorkflowTemplate.from_file(PATH)
    assert wt.name == "mlops-model-gate"
    model = WorkflowTemplateModel.model_validate(yaml.safe_load(PATH.read_text()))
    names = [t.name for t in model.spec.templates]
    assert names == ["gate", "validate", "drift", "announce"]
    steps = model.spec.templates[0].steps
    assert [[s.name for s in group.root] for group in steps] == [["validate"], ["drift"], ["deploy", "hold"]]
    drift = steps[1].root[0]
    assert drift.continue_on.failed is True
    assert [s.when for s in steps[2].root] == [
        "{{steps.drift.outputs.parameters.passed}} == true",
        "{{steps.drift.outputs.parameters.passed}} == false",
    ]


def substitute(args, params: dict, out: str) -> list:
    def one(a: str) -> str:
        a = re.sub(r"\{\{workflow\.parameters\.(\w+)\}\}", lambda m: params[m.group(1)], a)
        return a.replace("/tmp/mlops", out)

    return [one(a) for a in args]


def run_step(template: dict, params: dict, out) -> tuple:
    """Runs a container template's mlops command line: exit status and the
    output parameters read from the files its valueFrom paths name."""
    c = template["container"]
    assert c["command"] == ["mlops"]
    args = substitute(c["args"], params, str(out))
    code = subprocess.run([str(cli_path()), *args], capture_output=True, text=True).returncode
    values = {}
    for p in template["outputs"]["parameters"]:
        path = p["valueFrom"]["path"].replace("/tmp/mlops", str(out))
        values[p["name"]] = open(path).read()
    for a in template["outputs"].get("artifacts", []):
        assert open(a["path"].replace("/tmp/mlops", str(out))).read().startswith("<!DOCTYPE html>")
    return code, values


def when(expr: str, drift_outputs: dict) -> bool:
    """Argo's `when:` for the example's `{{steps.drift.outputs.parameters.P}} == V`."""
    expr = re.sub(r"\{\{steps\.drift\.outputs\.parameters\.(\w+)\}\}", lambda m: drift_outputs[m.group(1)], expr)
    left, right = (s.strip() for s in expr.split("=="))
    return left == right


@pytest.mark.parametrize(
    "current, validate_code, drift_code, branch",
    [("current", 0, 0, "deploy"), ("drifted", 0, 1, "hold"), ("broken", 1, None, None)],
)
def test_every_mlops_step_runs_as_the_workflow_expects(
    spec, demo, tmp_path, current, validate_code, drift_code, branch
):
    t = templates(spec)
    params = {p["name"]: p["value"] for p in spec["spec"]["arguments"]["parameters"]}
    params.update(suite=demo["suite"], reference=demo["reference"], current=demo[current])
    code, out = run_step(t["validate"], params, tmp_path)
    assert code == validate_code
    assert out["passed"] == ("true" if validate_code == 0 else "false")
    if validate_code:  # the validate step fails: the workflow stops there
        assert out["failed_errors"] == "1"
        return
    shutil.rmtree(tmp_path / "out")
    code, drift = run_step(t["drift"], params, tmp_path)
    assert code == drift_code  # 1 is a failed step, which continueOn lets through
    gate = t["gate"]["steps"][2]
    taken = [s["name"] for s in gate if when(s["when"], drift)]
    assert taken == [branch]


def test_a_step_without_a_verdict_writes_no_outputs(spec, demo, tmp_path):
    t = templates(spec)
    params = {"suite": demo["suite"], "reference": demo["reference"], "current": str(tmp_path / "missing.parquet")}
    args = substitute(t["drift"]["container"]["args"], params, str(tmp_path))
    out = subprocess.run([str(cli_path()), *args], capture_output=True, text=True)
    assert out.returncode == 2
    assert not (tmp_path / "out").exists()
