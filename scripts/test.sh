#!/usr/bin/env bash
# Command 2 of the README: set everything up, then run every test suite:
# Rust (engine, CLI, doc tests, examples), Python (pytest) and Node (node --test).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --node

echo "==> Rust tests"
cargo test --release --workspace --exclude mlops-py --exclude mlops-node
echo "==> Python tests"
.venv/bin/python -m pytest -q mlops-py/tests
echo "==> Node tests"
(cd mlops-node && npm test)
