"""Kubeflow Pipelines v2: validate and check drift, deploy only without drift.

    python examples/orchestration/kfp_pipeline.py pipeline.yaml   # compile
    python examples/orchestration/kfp_pipeline.py --local         # run here

compiles the pipeline to KFP's IR YAML, or runs it with kfp.local's
SubprocessRunner on the demo data (no cluster, no Docker): the components
log Metrics and write HTML reports, and `deploy` runs under `dsl.If` only
when the drift step passed. (`pip install mlops[kfp]`; on a cluster, give
the components an image with mlops installed.)
"""

import sys
import tempfile
from pathlib import Path

from kfp import compiler, dsl

import mlops.kfp

# Locally the components run in this Python, which has mlops and kfp.
validate_op = mlops.kfp.validate_component(packages_to_install=[], install_kfp_package=False)
drift_op = mlops.kfp.drift_component(packages_to_install=[], install_kfp_package=False)


@dsl.component(base_image=mlops.kfp.DEFAULT_IMAGE, packages_to_install=[], install_kfp_package=False)
def deploy(share_drifted: float) -> str:
    return f"deployed (share of drifted columns {share_drifted})"


@dsl.pipeline(name="mlops-gate")
def gate(reference: str, current: str, suite: str):
    checked = validate_op(data=current, suite=suite)
    drifted = drift_op(reference=reference, current=current).after(checked)
    with dsl.If(drifted.outputs["passed"] == True):  # noqa: E712 (a KFP condition, not Python's)
        deploy(share_drifted=drifted.outputs["share_drifted"])


if __name__ == "__main__":
    if sys.argv[1:] == ["--local"]:
        from demo_data import write_demo
        from kfp import local

        paths = write_demo(Path(tempfile.mkdtemp()))
        local.init(runner=local.SubprocessRunner(use_venv=False), pipeline_root=tempfile.mkdtemp())
        d = drift_op(reference=paths["reference"], current=paths["drifted"])
        print("drift:", d.outputs["passed"], d.outputs["share_drifted"], d.outputs["report"].path)
    else:
        compiler.Compiler().compile(gate, sys.argv[1] if len(sys.argv) > 1 else "pipeline.yaml")
