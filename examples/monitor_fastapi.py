"""A FastAPI service that monitors its model from the request handler.

``POST /predict`` scores a batch of rows with a (trivial) model and logs the
rows with their predictions into a monitor before answering; ``GET
/metrics`` serves the monitor in the Prometheus text format. The monitor is
opened when the app starts and flushed when it stops (the app's lifespan);
in between it flushes on its own every few seconds, in a thread of the
engine, so a handler never waits for the store.

Run it with ``uvicorn examples.monitor_fastapi:app`` (the store is
``$MLOPS_STORE``, else ``./.mlops``; the monitor is created on first start).
``create_app`` takes the store, the monitor's name and its reference data
set, as mlops-py/tests/test_monitor_service.py drives it.
"""

from __future__ import annotations

import datetime as dt
import math
import os
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any, Optional

import pyarrow as pa
from fastapi import FastAPI, Request, Response
from pydantic import BaseModel

import mlops

# The model: a logistic score over two features (weights fixed here; a real
# service loads its model from the registry when it starts).
WEIGHTS = {"x1": 0.8, "x2": -0.5}
BIAS = 0.1


class Row(BaseModel):
    """One request row: its id, when it happened, the features."""

    request_id: int
    event_time: dt.datetime  # ISO 8601, e.g. "2026-11-02T10:15:00Z"
    x1: float
    x2: Optional[float] = None
    country: str


class PredictRequest(BaseModel):
    """A batch of rows to score."""

    rows: list[Row]


def score(x1: float, x2: Optional[float]) -> float:
    """The model: the positive class's probability."""
    z = BIAS + WEIGHTS["x1"] * x1 + WEIGHTS["x2"] * (x2 or 0.0)
    return 1.0 / (1.0 + math.exp(-z))


def as_table(rows: Sequence[Row], scores: Sequence[float]) -> pa.Table:
    """The rows and their scores as one Arrow table: the monitor takes it
    as is, and profiles it in Rust (no Python object kept per row)."""
    return pa.table(
        {
            "request_id": pa.array([r.request_id for r in rows], pa.int64()),
            "event_time": pa.array([r.event_time for r in rows], pa.timestamp("ms", tz="UTC")),
            "x1": pa.array([r.x1 for r in rows], pa.float64()),
            "x2": pa.array([r.x2 for r in rows], pa.float64()),
            "country": pa.array([r.country for r in rows], pa.string()),
            "score": pa.array(scores, pa.float64()),
        }
    )


def create_app(
    store: Any = None,
    monitor_name: str = "churn-prod",
    reference: Optional[Sequence[Any]] = None,
) -> FastAPI:
    """The service: ``store`` (a URL, folder or ``mlops.Registry``; default
    ``$MLOPS_STORE`` or ``./.mlops``) holds monitor ``monitor_name``, created
    against the data set version ``reference`` when it is not there yet."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        mon = mlops.monitor(
            monitor_name,
            reference=reference,
            timestamp="event_time",
            prediction="score",
            id="request_id",
            segments=["country"],
            window="1h",
            store=store if store is not None else os.environ.get("MLOPS_STORE"),
        )
        app.state.monitor = mon
        try:
            yield
        finally:
            # What the last requests logged is written before the process ends.
            mon.flush()

    app = FastAPI(lifespan=lifespan)

    # A plain `def`: FastAPI runs it in its thread pool, so the event loop
    # goes on serving while the engine cuts and profiles the batch.
    @app.post("/predict")
    def predict(body: PredictRequest, request: Request) -> dict[str, Any]:
        scores = [score(r.x1, r.x2) for r in body.rows]
        # Logging never fails the request: the monitor counts rows it cannot
        # place (no or future event time, a final window) itself, and a
        # store that is down must not take the model down with it.
        try:
            placed = request.app.state.monitor.log(as_table(body.rows, scores))
        except mlops.MlopsError:
            placed = 0
        return {"scores": scores, "monitored": placed}

    @app.get("/metrics")
    def metrics(request: Request) -> Response:
        openmetrics = "application/openmetrics-text" in request.headers.get("accept", "")
        text = request.app.state.monitor.prometheus_text("openmetrics" if openmetrics else "text")
        media = (
            "application/openmetrics-text; version=1.0.0; charset=utf-8"
            if openmetrics
            else "text/plain; version=0.0.4; charset=utf-8"
        )
        return Response(text, media_type=media)

    return app


app = create_app()
