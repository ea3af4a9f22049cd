#!/usr/bin/env bash
# Sets up everything the project needs, idempotently, on a machine that has
# only Rust, Python 3 with pip and Node with npm:
#   - .venv with maturin, pyarrow, numpy, pandas, polars, pytest, moto (the
#     S3-compatible server scripts/test.sh starts for the tests),
#     gcp-storage-emulator (under the GCS-compatible one), and the `mlops`
#     Python package built from this tree (release build);
#   - pyspark, dask and ray (the scale-out adapters' tests) and, when no
#     `java` is on PATH, a Java 17 runtime from apt-get for Spark;
#   - when no `promtool` is on PATH, Debian's `prometheus` package from
#     apt-get (promtool checks the Prometheus metrics text in the tests);
#   - .venv-serving: MLServer and tritonclient (the export tests), apart
#     from .venv because they pin older fastapi and protobuf;
#   - the `mlops` CLI (target/release/mlops);
#   - .venv-orch: Dagster, Airflow, KFP and hera (the orchestration
#     adapters' tests), a venv of its own (scripts/requirements-orch.txt
#     says why), with mlops importable from mlops-py/python through a .pth;
#   - when /usr/bin/chromium is missing, Debian's `chromium` package from
#     apt-get (the web UI's browser tests drive it);
#   - with --node: mlops-node/node_modules and the Node addon, Azurite
#     (scripts/azurite/node_modules: the Azure Blob server scripts/test.sh
#     starts for the tests, version pinned in scripts/azurite/package.json),
#     and mlops-ui/tests-browser/node_modules (playwright-core, pinned: it
#     drives the system Chromium and downloads no browser).
set -euo pipefail
cd "$(dirname "$0")/.."

# Spark (mlops.spark and its tests) runs on a Java 17 runtime: Debian's
# headless JRE, installed when no `java` is on PATH (CI runs as root).
if ! command -v java >/dev/null 2>&1; then
  echo "==> installing a Java 17 runtime (openjdk-17-jre-headless) for Spark"
  SUDO=""
  if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends openjdk-17-jre-headless >/dev/null
fi

# The Prometheus exposition tests (mlops-core/tests/monitor_prometheus.rs)
# check the monitor's metrics text with `promtool check metrics`: Debian's
# `prometheus` package ships it, installed when no `promtool` is on PATH.
if ! command -v promtool >/dev/null 2>&1; then
  echo "==> installing promtool (Debian's prometheus package) for the metrics tests"
  SUDO=""
  if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends prometheus >/dev/null
fi

# The web UI's browser tests (mlops-ui/tests-browser) run the pages in the
# system Chromium, headless: Debian's package, installed when missing.
if [ ! -x /usr/bin/chromium ]; then
  echo "==> installing Chromium (Debian's chromium package) for the web UI's browser tests"
  SUDO=""
  if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
fi

PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
export VIRTUAL_ENV="$PWD/.venv"
export PATH="$VIRTUAL_ENV/bin:$PATH"
python -m pip install --quiet --disable-pip-version-check --upgrade pip
python -m pip install --quiet --disable-pip-version-check -r scripts/requirements-dev.txt

echo "==> building the Python package (maturin, release)"
maturin develop --release --quiet

# Model serving (package exports, mlops-py/tests/test_export.py): MLServer and
# tritonclient pin fastapi and protobuf below what .venv holds, so they get a
# virtual environment of their own, .venv-serving (scripts/requirements-serving.txt).
# `mlops` is importable there through a .pth file pointing at mlops-py/python,
# where maturin develop has just put the (abi3) native module.
if [ ! -x .venv-serving/bin/python ]; then
  echo "==> creating .venv-serving (MLServer, tritonclient)"
  "$PYTHON" -m venv .venv-serving
fi
.venv-serving/bin/python -m pip install --quiet --disable-pip-version-check -r scripts/requirements-serving.txt
.venv-serving/bin/python - "$PWD/mlops-py/python" <<'PY'
import sys, sysconfig, pathlib
pathlib.Path(sysconfig.get_paths()["purelib"], "mlops-dev.pth").write_text(sys.argv[1] + "\n")
PY
echo "==> building the CLI"
cargo build --release --quiet -p mlops-cli

# The orchestration adapters (mlops.dagster, mlops.airflow, mlops.kfp) are
# tested against the real orchestrators, whose pins clash with .venv's:
# their own venv, made once, with mlops importable through a .pth file that
# names mlops-py/python (where `maturin develop` put the abi3 module, which
# loads in any CPython >= 3.9), so nothing is built twice.
if [ ! -x .venv-orch/bin/python ]; then
  echo "==> creating .venv-orch (Dagster, Airflow, KFP, hera)"
  "$PYTHON" -m venv .venv-orch
fi
.venv-orch/bin/python -m pip install --quiet --disable-pip-version-check -r scripts/requirements-orch.txt
.venv-orch/bin/python - "$PWD/mlops-py/python" <<'PTH'
import pathlib, site, sys
pathlib.Path(site.getsitepackages()[0], "mlops-source.pth").write_text(sys.argv[1] + "\n")
PTH

if [ "${1:-}" = "--node" ]; then
  echo "==> building the Node package"
  (cd mlops-node && npm ci --no-audit --no-fund --loglevel=error && npm run --silent build)
  echo "==> installing Azurite (the Azure test server)"
  (cd scripts/azurite && npm ci --no-audit --no-fund --loglevel=error)
  echo "==> installing the web UI's browser-test driver (playwright-core)"
  (cd mlops-ui/tests-browser && npm ci --no-audit --no-fund --loglevel=error)
fi
