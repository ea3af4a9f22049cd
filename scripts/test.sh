#!/usr/bin/env bash
# Command 2 of the README: set everything up, then run every test suite:
# Rust (engine, CLI, doc tests, examples), Python (pytest), Node (node --test)
# and the web UI's pages in a real browser (Chromium, node --test).
#
# The registry suites (mlops-core's registry and governance tests) run four
# times over: on a local folder, on S3, on Azure Blob storage and on Google
# Cloud Storage. This script starts the three servers on loopback at free
# ports, points the tests at them through the usual variables and
# MLOPS_TEST_*_URL, and requires the tests to use them
# (MLOPS_TEST_*_REQUIRED=1: a test that cannot reach one fails):
#   - S3: moto, from .venv (scripts/s3_test_server.py), bucket mlops-test;
#     the CLI's and the Python registry tests use it too, and
#     mlops-core/tests/faults.rs puts a fault-injecting proxy in front of it;
#   - Azure: Azurite, from scripts/azurite (scripts/azure_test_server.js),
#     container mlops-test, through object_store's emulator settings;
#   - GCS: scripts/gcs_test_server.py, from .venv, bucket mlops-test: the XML
#     API that object_store's GCS client speaks (create-only puts with
#     `x-goog-if-generation-match: 0` answered 412 when the object exists),
#     over gcp-storage-emulator's in-memory storage; object_store reaches it
#     through GOOGLE_BASE_URL, GOOGLE_ALLOW_HTTP and a service-account key
#     with OAuth disabled. What that server does not emulate is in its
#     header (it answers 501 to it).
# The servers are stopped on exit.
set -euo pipefail
cd "$(dirname "$0")/.."

# The habits tools keep: formatting first (cheap, and fails before a long
# build), clippy after setup (it reuses nothing of the release build, so it
# checks every crate once in the dev profile; `-D warnings` makes any lint
# of the workspace's [workspace.lints] fail the run).
echo "==> rustfmt --check"
cargo fmt --all --check
scripts/setup.sh --node
echo "==> clippy (-D warnings)"
cargo clippy --quiet --workspace --all-targets --features mlops-core/cloud -- -D warnings

pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done' EXIT
mkdir -p target

# Waits for the server whose output goes to log $2 (pid $3) to print
# `listening on 127.0.0.1:<port>`, and prints the port. $1 names it.
wait_for_port() {
  local what=$1 log=$2 pid=$3 port
  for _ in $(seq 1 300); do
    grep -q '^listening on ' "$log" && break
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "the $what test server did not start:" >&2
      cat "$log" >&2
      return 1
    fi
    sleep 0.2
  done
  port=$(sed -n 's/^listening on 127\.0\.0\.1:\([0-9][0-9]*\)$/\1/p' "$log")
  if [ -z "$port" ]; then
    echo "the $what test server did not report its port:" >&2
    cat "$log" >&2
    return 1
  fi
  echo "$port"
}

# Starts a test server: $1 names it, its output goes to target/$2, the rest
# is its command line; sets `port` to the port it listens on. The server is
# stopped on exit.
start_server() {
  local what=$1 log=target/$2
  shift 2
  echo "==> $what test server (on 127.0.0.1)"
  "$@" >"$log" 2>&1 &
  pids+=($!)
  port=$(wait_for_port "$what" "$log" "${pids[-1]}")
}

start_server S3 s3-test-server.log .venv/bin/python scripts/s3_test_server.py --port 0 --bucket mlops-test
s3_port=$port
unset AWS_PROFILE AWS_SESSION_TOKEN AWS_CONDITIONAL_PUT AWS_ENDPOINT_URL
export AWS_ENDPOINT="http://127.0.0.1:$s3_port" AWS_ALLOW_HTTP=true
export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_REGION=us-east-1
export MLOPS_TEST_S3_URL=s3://mlops-test MLOPS_TEST_S3_REQUIRED=1
echo "    $AWS_ENDPOINT, bucket mlops-test"

start_server Azure azure-test-server.log node scripts/azure_test_server.js --container mlops-test
az_port=$port
unset AZURE_STORAGE_ACCOUNT_NAME AZURE_STORAGE_ACCOUNT_KEY AZURE_STORAGE_SAS_KEY AZURE_STORAGE_TOKEN
export AZURE_STORAGE_USE_EMULATOR=true AZURITE_BLOB_STORAGE_URL="http://127.0.0.1:$az_port"
export MLOPS_TEST_AZ_URL=az://mlops-test MLOPS_TEST_AZ_REQUIRED=1
echo "    $AZURITE_BLOB_STORAGE_URL, container mlops-test"

start_server GCS gcs-test-server.log .venv/bin/python scripts/gcs_test_server.py --port 0 --bucket mlops-test
gcs_port=$port
unset GOOGLE_APPLICATION_CREDENTIALS GOOGLE_SERVICE_ACCOUNT GOOGLE_SERVICE_ACCOUNT_PATH
unset GOOGLE_BEARER_TOKEN SERVICE_ACCOUNT
export GOOGLE_BASE_URL="http://127.0.0.1:$gcs_port" GOOGLE_ALLOW_HTTP=true
export GOOGLE_SERVICE_ACCOUNT_KEY='{"disable_oauth":true,"client_email":"test","private_key":"test","private_key_id":"test"}'
export MLOPS_TEST_GCS_URL=gs://mlops-test MLOPS_TEST_GCS_REQUIRED=1
echo "    $GOOGLE_BASE_URL, bucket mlops-test"

# The Prometheus exposition tests (mlops-core/tests/monitor_prometheus.rs)
# read the output back with prometheus_client, from .venv (an absolute path:
# cargo runs each test in its crate's folder).
export MLOPS_TEST_PYTHON="$PWD/.venv/bin/python"
echo "==> Rust tests"
cargo test --release --workspace --exclude mlops-py --exclude mlops-node
echo "==> Python tests"
# The habits tools keep on the Python side (pinned in requirements-dev.txt,
# configured in pyproject.toml): ruff's lints and formatting, then stubtest,
# which checks the hand-kept stub mlops/_mlops.pyi against the native module
# just built (mlops-py/stubtest-allowlist.txt names the one module it cannot
# import, the MLServer runtime). It runs from outside the checkout, so `mlops`
# is the package installed in .venv and mypy's cache stays out of the tree.
echo "    ruff check"
.venv/bin/ruff check mlops-py/python mlops-py/tests mlops-py/tests-orch examples/orchestration
echo "    ruff format --check"
.venv/bin/ruff format --check mlops-py/python mlops-py/tests mlops-py/tests-orch examples/orchestration
echo "    stubtest (mlops._mlops against its stub)"
(root=$PWD && cd "${TMPDIR:-/tmp}" && "$root/.venv/bin/python" -m mypy.stubtest mlops --mypy-config-file "$root/pyproject.toml" --allowlist "$root/mlops-py/stubtest-allowlist.txt")
.venv/bin/python -m pytest -q mlops-py/tests
echo "==> Orchestration adapters' tests (.venv-orch: Dagster, Airflow, KFP, hera)"
# mlops-py/tests-orch runs in its own venv (scripts/requirements-orch.txt);
# the Argo test and the golden verdicts run the release CLI built above.
MLOPS_CLI="$PWD/target/release/mlops" .venv-orch/bin/python -m pytest -q -p no:cacheprovider mlops-py/tests-orch
echo "==> Node tests"
(cd mlops-node && npm test)
# The web UI's pages in the system Chromium against the release CLI's
# `mlops ui` (mlops-ui/tests-browser: a store from examples/quickstart.py,
# screenshots in target/ui-screenshots/). Never skipped: without Chromium
# this fails here, before the tests.
echo "==> Browser tests (mlops ui in Chromium)"
if [ ! -x "${CHROMIUM:-/usr/bin/chromium}" ]; then
  echo "Chromium is missing at ${CHROMIUM:-/usr/bin/chromium}: scripts/setup.sh installs it (apt-get install chromium)" >&2
  exit 1
fi
(cd mlops-ui/tests-browser && npm test)
