"""Shared by the orchestration adapters' tests, which run in their own venv
(.venv-orch, see scripts/setup.sh and scripts/test.sh): the repository's
paths, the demo data of examples/orchestration, the `mlops` CLI and the
golden verdicts it prints, which every adapter must reproduce."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples" / "orchestration"
sys.path.insert(0, str(EXAMPLES))

from demo_data import write_demo  # noqa: E402


def cli_path() -> Path:
    """The CLI under test: $MLOPS_CLI, else the release build."""
    return Path(os.environ.get("MLOPS_CLI", ROOT / "target" / "release" / "mlops"))


def run_cli(*args: str, cwd=None) -> tuple[int, dict]:
    """Runs `mlops ARGS --json-line`: its exit status and its JSON line."""
    out = subprocess.run([str(cli_path()), *args, "--json-line"], capture_output=True, text=True, cwd=cwd)
    lines = out.stdout.splitlines()
    assert len(lines) == 1, (out.stdout, out.stderr)
    return out.returncode, json.loads(lines[0])


@pytest.fixture(scope="session")
def demo(tmp_path_factory) -> dict:
    """The demo files: reference, current, broken, drifted, suite."""
    return write_demo(tmp_path_factory.mktemp("demo"))


@pytest.fixture(scope="session")
def golden(demo) -> dict:
    """The CLI's verdicts on the demo data, without `outputs`: what every
    adapter must report, figure for figure."""
    runs = {
        "validate_broken": ("validate", demo["broken"], "--suite", demo["suite"]),
        "validate_current": ("validate", demo["current"], "--suite", demo["suite"]),
        "drift_drifted": ("drift", demo["reference"], demo["drifted"], "--fail-on-drift"),
        "drift_current": ("drift", demo["reference"], demo["current"], "--fail-on-drift"),
    }
    verdicts = {}
    for name, args in runs.items():
        code, verdict = run_cli(*args)
        assert code == (0 if verdict["passed"] else 1), verdict
        del verdict["outputs"]
        verdicts[name] = verdict
    # The demo is what the examples say it is.
    assert not verdicts["validate_broken"]["passed"] and verdicts["validate_current"]["passed"]
    assert verdicts["validate_broken"]["failed_errors"] == 1
    assert verdicts["validate_broken"]["failed_warnings"] == 1
    assert verdicts["drift_drifted"]["drifted"] and not verdicts["drift_current"]["drifted"]
    return verdicts
