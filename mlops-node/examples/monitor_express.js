'use strict'
// An Express service that monitors its model from the request handler.
//
// `POST /predict` scores a batch of rows with a (trivial) model and logs the
// rows with their predictions into a monitor before answering; `GET
// /metrics` serves the monitor in the Prometheus text format (OpenMetrics
// when the scraper asks for it). The engine cuts and profiles each batch off
// the JavaScript thread and writes what was logged every few seconds from a
// thread of its own, so a handler never waits for the store; on SIGTERM the
// server stops taking requests and the monitor is flushed before the process
// ends.
//
//   MLOPS_STORE=./.mlops PORT=3000 node examples/monitor_express.js
//
// `createApp` takes the store, the monitor's name and its reference data set
// version, as test/monitor_service.test.js drives it.
const express = require('express')
const { tableFromArrays, vectorFromArray, TimestampMillisecond } = require('apache-arrow')
const { monitor } = require('mlops')

// The model: a logistic score over two features (weights fixed here; a real
// service loads its model from the registry when it starts).
const WEIGHTS = { x1: 0.8, x2: -0.5 }
const BIAS = 0.1

/** The positive class's probability for one row. */
function score(row) {
  const z = BIAS + WEIGHTS.x1 * row.x1 + WEIGHTS.x2 * (row.x2 ?? 0)
  return 1 / (1 + Math.exp(-z))
}

/**
 * Request rows (`{ request_id, event_time (ISO 8601), x1, x2, country }`)
 * and their scores as one Arrow table: the monitor takes it as is.
 */
function asTable(rows, scores) {
  return tableFromArrays({
    request_id: vectorFromArray(rows.map((r) => String(r.request_id))),
    event_time: vectorFromArray(
      rows.map((r) => {
        const t = Date.parse(r.event_time)
        return Number.isNaN(t) ? null : t // no event time: counted by the monitor, not placed
      }),
      new TimestampMillisecond('UTC'),
    ),
    x1: Float64Array.from(rows, (r) => r.x1),
    x2: vectorFromArray(rows.map((r) => r.x2 ?? null)),
    country: vectorFromArray(rows.map((r) => String(r.country))),
    score: Float64Array.from(scores),
  })
}

/**
 * The service: `store` (a URL, folder or Registry; unset: $MLOPS_STORE, else
 * `.mlops`) holds monitor `name`, created against data set version
 * `reference` when it is not there yet. Resolves to `{ app, monitor }`.
 */
async function createApp({ store, name = 'churn-prod', reference } = {}) {
  const mon = await monitor(name, {
    reference,
    timestamp: 'event_time',
    prediction: 'score',
    id: 'request_id',
    segments: ['country'],
    window: '1h',
    store,
  })
  const app = express()
  app.use(express.json({ limit: '10mb' }))

  app.post('/predict', async (req, res) => {
    const rows = req.body?.rows
    if (!Array.isArray(rows) || rows.length === 0) {
      res.status(400).json({ error: 'expected { rows: [...] }' })
      return
    }
    const scores = rows.map(score)
    // Logging never fails the request: the monitor counts the rows it cannot
    // place itself, and a store that is down must not take the model down.
    let monitored = 0
    try {
      monitored = await mon.log(asTable(rows, scores))
    } catch {
      monitored = 0
    }
    res.json({ scores, monitored })
  })

  app.get('/metrics', async (req, res) => {
    const openmetrics = (req.get('accept') ?? '').includes('application/openmetrics-text')
    const text = await mon.prometheusText(openmetrics ? 'openmetrics' : 'text')
    // Written as is (res.send would reorder the media type's parameters).
    res.setHeader('Content-Type', openmetrics ? 'application/openmetrics-text; version=1.0.0; charset=utf-8' : 'text/plain; version=0.0.4; charset=utf-8')
    res.end(text)
  })

  return { app, monitor: mon }
}

async function main() {
  const { app, monitor: mon } = await createApp({ store: process.env.MLOPS_STORE })
  const server = app.listen(Number(process.env.PORT ?? 3000), '127.0.0.1', () => {
    console.log(`listening on http://127.0.0.1:${server.address().port}`)
  })
  const stop = () => {
    server.close(async () => {
      await mon.flush()
      process.exit(0)
    })
  }
  process.on('SIGTERM', stop)
  process.on('SIGINT', stop)
}

if (require.main === module) {
  main().catch((e) => {
    console.error(e)
    process.exit(1)
  })
}

module.exports = { createApp, score, asTable }
