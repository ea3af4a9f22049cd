#!/usr/bin/env bash
# Command 2 of the README: set everything up, then run every test suite:
# Rust (engine, CLI, doc tests, examples), Python (pytest) and Node (node --test).
#
# The registry suites run twice over: on a local folder and on S3. For S3 this
# script starts an S3-compatible server on loopback (moto, from .venv: see
# scripts/s3_test_server.py), points the tests at it through the usual AWS_*
# variables and MLOPS_TEST_S3_URL, and requires them to use it
# (MLOPS_TEST_S3_REQUIRED=1: a test that cannot reach it fails). The server
# is stopped on exit.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --node

echo "==> S3-compatible test server (moto on 127.0.0.1)"
mkdir -p target
s3_log=target/s3-test-server.log
.venv/bin/python scripts/s3_test_server.py --port 0 --bucket mlops-test >"$s3_log" 2>&1 &
s3_pid=$!
trap 'kill "$s3_pid" 2>/dev/null || true; wait "$s3_pid" 2>/dev/null || true' EXIT
for _ in $(seq 1 300); do
  grep -q '^listening on ' "$s3_log" && break
  if ! kill -0 "$s3_pid" 2>/dev/null; then
    echo "the S3 test server did not start:" >&2
    cat "$s3_log" >&2
    exit 1
  fi
  sleep 0.2
done
s3_port=$(sed -n 's/^listening on 127\.0\.0\.1:\([0-9][0-9]*\)$/\1/p' "$s3_log")
if [ -z "$s3_port" ]; then
  echo "the S3 test server did not report its port:" >&2
  cat "$s3_log" >&2
  exit 1
fi
unset AWS_PROFILE AWS_SESSION_TOKEN AWS_CONDITIONAL_PUT AWS_ENDPOINT_URL
export AWS_ENDPOINT="http://127.0.0.1:$s3_port" AWS_ALLOW_HTTP=true
export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_REGION=us-east-1
export MLOPS_TEST_S3_URL=s3://mlops-test MLOPS_TEST_S3_REQUIRED=1
echo "    $AWS_ENDPOINT, bucket mlops-test"

echo "==> Rust tests"
cargo test --release --workspace --exclude mlops-py --exclude mlops-node
echo "==> Python tests"
.venv/bin/python -m pytest -q mlops-py/tests
echo "==> Node tests"
(cd mlops-node && npm test)
