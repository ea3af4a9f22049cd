'use strict'
// The S3 store the tests run on: an S3 bucket URL on a loopback
// S3-compatible server. scripts/test.sh starts one for the whole run and sets
// MLOPS_TEST_S3_URL and the AWS_* variables; a test file run alone starts its
// own (scripts/s3_test_server.py, moto from the project's .venv), stopped when
// the test that asked for it ends. One place, so every file reaches S3 the
// same way. (Loaded by `node --test test/` as a file with no tests.)
const assert = require('node:assert/strict')
const crypto = require('node:crypto')
const path = require('node:path')

/** The bucket URL (`s3://mlops-test`), starting a server for test `t` if none is given. */
async function s3Bucket(t) {
  if (process.env.MLOPS_TEST_S3_URL) return process.env.MLOPS_TEST_S3_URL.replace(/\/$/, '')
  const { spawn } = require('node:child_process')
  const root = path.join(__dirname, '..', '..')
  const server = spawn(path.join(root, '.venv', 'bin', 'python'),
    [path.join(root, 'scripts', 's3_test_server.py'), '--port', '0', '--bucket', 'mlops-test'],
    { stdio: ['ignore', 'pipe', 'inherit'] })
  t.after(() => server.kill('SIGTERM'))
  const line = await new Promise((resolve, reject) => {
    let out = ''
    server.stdout.on('data', (d) => {
      out += d
      if (out.includes('\n')) resolve(out.split('\n')[0])
    })
    server.on('exit', (code) => reject(new Error(`S3 test server exited with ${code}`)))
  })
  assert.match(line, /^listening on 127\.0\.0\.1:\d+$/)
  Object.assign(process.env, {
    AWS_ENDPOINT: `http://${line.split(' ').pop()}`,
    AWS_ALLOW_HTTP: 'true',
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    AWS_REGION: 'us-east-1',
  })
  return 's3://mlops-test'
}

/** A fresh store under the bucket for test `t`: `<bucket>/<label>-<uuid>`, so runs never share objects. */
async function s3Store(t, label) {
  return `${await s3Bucket(t)}/${label}-${crypto.randomUUID()}`
}

module.exports = { s3Bucket, s3Store }
