#!/usr/bin/env bash
# Command 1 of the README: set everything up, then run the main job on the
# embedded default (a local folder): examples/quickstart.py, which makes the
# shared workload and a drifted copy, profiles the workload, compares the two
# (drift report from the data and from the profiles) and writes JSON and HTML.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
exec .venv/bin/python examples/quickstart.py "$@"
