// Fetching metric series for the run and compare pages: one request per
// (run, key) to /api/runs/ID/metrics/KEY?points=1000, which the server
// downsamples (M4), so a chart never holds more than ~4,000 points.

import { get, qs, seg } from "./api.js";

/** {ok, data: {key, step, time, value}} or {ok: false, error}. */
export function fetchSeries(runId, key, context) {
  return get(`/api/runs/${seg(runId)}/metrics/${seg(key)}${qs({ points: 1000, context: context || "" })}`);
}

/** A chart series from an answer: x is step or time (ms). */
export function toSeries(name, data, xTime) {
  return { name, x: (xTime ? data.time : data.step) || [], y: data.value || [] };
}
