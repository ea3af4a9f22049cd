'use strict'
// An Express service whose requests are checked against the model
// package's signature before the model sees them.
//
// `POST /predict` takes JSON rows (`[{"age": 41, "tenure": 7, "plan": "pro",
// "monthly": 29.9}]`) or columns (`{"age": [41], ...}`):
//
// 1. `guard.check(body)` types the raw body strictly against the signature:
//    a missing column, a value of the wrong type ("3" for a float is
//    refused, never parsed) or a null where the signature forbids one throws
//    an error with `code` 'SIGNATURE', answered with HTTP 422 and
//    `{ problems: [...] }`, every problem listed; never a 500.
// 2. The model scores exactly the signature's inputs, in its types.
// 3. `guard.observe(inputs, predictions)` queues the rows for the monitor
//    (or the guard's rolling profile); the engine folds and writes them on a
//    thread of its own, so the answer does not wait for the store.
//
//   MLOPS_PACKAGE=./churn-pkg PORT=3000 node examples/express_guard.js
//
// `createApp` takes the package and a monitor, as test/guard.test.js drives it.
const express = require('express')
const { Guard, Package } = require('mlops')

// The model: a logistic score over three features (weights fixed here; a
// real service loads its model from the package's files).
const WEIGHTS = { age: 0.04, tenure: -0.03, monthly: 0.02 }
const BIAS = -1.5

/** The churn probability of each row of the checked inputs (an apache-arrow Table). */
function predict(x) {
  const age = x.getChild('age').toArray()
  const tenure = x.getChild('tenure').toArray()
  const monthly = x.getChild('monthly')
  return Array.from({ length: x.numRows }, (_, i) => {
    // A missing monthly fee (the signature lets it be null) counts as 0.
    const z = BIAS + WEIGHTS.age * age[i] + WEIGHTS.tenure * Number(tenure[i]) + WEIGHTS.monthly * (monthly.get(i) ?? 0)
    return 1 / (1 + Math.exp(-z))
  })
}

/** The service for `pkg` (a Package), observing into `monitor` or the guard's rolling profile. */
function createApp(pkg, { monitor } = {}) {
  const guard = new Guard(pkg, { monitor })
  const app = express()
  // The raw body goes to the guard: the engine parses and types it.
  app.use(express.text({ type: 'application/json', limit: '10mb' }))

  app.post('/predict', (req, res, next) => {
    try {
      const x = guard.check(typeof req.body === 'string' ? req.body : '')
      const y = predict(x)
      guard.observe(x, y)
      res.json({ predictions: y })
    } catch (e) {
      next(e)
    }
  })

  // A refused request: 422 with every problem.
  app.use((err, req, res, next) => {
    if (err && err.code === 'SIGNATURE') {
      res.status(422).json({ problems: err.problems })
      return
    }
    next(err)
  })

  return { app, guard }
}

async function main() {
  const pkg = await Package.load(process.env.MLOPS_PACKAGE ?? 'churn-pkg')
  const { app, guard } = createApp(pkg)
  const server = app.listen(Number(process.env.PORT ?? 3000), '127.0.0.1', () => {
    console.log(`listening on http://127.0.0.1:${server.address().port}`)
  })
  const stop = () => server.close(async () => {
    await guard.flush()
    process.exit(0)
  })
  process.on('SIGTERM', stop)
  process.on('SIGINT', stop)
}

if (require.main === module) {
  main().catch((e) => {
    console.error(e)
    process.exit(1)
  })
}

module.exports = { createApp, predict }
