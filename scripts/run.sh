#!/usr/bin/env bash
# Command 1 of the README: set everything up, then run the main job on the
# embedded default (a local folder): examples/quickstart.py, which makes the
# shared workload, profiles it and writes the profile as JSON and HTML.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
exec .venv/bin/python examples/quickstart.py "$@"
