"""A FastAPI service whose requests are checked against the model package's
signature before the model sees them.

``POST /predict`` takes JSON rows (``[{"age": 41, "tenure": 7, "plan":
"pro", "monthly": 29.9}, ...]``) or columns (``{"age": [41], ...}``):

1. ``guard.check(body)`` types the body strictly against the signature: a
   missing column, a value of the wrong type (``"3"`` for a float is refused,
   never parsed) or a null where the signature forbids one raises
   ``mlops.SignatureError``, which the exception handler answers with HTTP
   422 and ``{"problems": [...]}``, every problem listed; never a 500.
2. The model scores exactly the signature's inputs, in its types.
3. ``guard.observe(inputs, predictions)`` queues the rows for the monitor
   (or the guard's rolling profile); the engine profiles and writes them on
   a thread of its own, so the answer does not wait for the store.

Run it with ``MLOPS_PACKAGE=./churn-pkg uvicorn examples.serving.fastapi_guard:app``
(the package holds ``model.pkl``, a pickled scikit-learn classifier over
``FEATURES``; with ``MLOPS_STORE`` set, rows are observed into monitor
``churn-prod`` there). ``create_app`` takes the package, the model and a
monitor, as mlops-py/tests/test_guard.py drives it.
"""

from __future__ import annotations

import os
import pickle
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, Optional

import numpy as np
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

import mlops

# The model's features, in the order it was trained on.
FEATURES = ["age", "tenure", "monthly"]


def features(x: Any) -> np.ndarray:
    """The checked inputs (a pyarrow Table) as the model's feature matrix; a
    missing monthly fee (the signature lets it be null) counts as 0."""
    m = np.column_stack([x.column(c).to_numpy().astype(np.float64) for c in FEATURES])
    return np.nan_to_num(m, nan=0.0)


def create_app(package: mlops.Package, model: Any, monitor: Optional[mlops.Monitor] = None) -> FastAPI:
    """The service for ``package`` (its signature guards the requests) and
    ``model`` (anything with ``predict_proba``), observing into ``monitor``
    or, without one, into the guard's rolling profile."""
    guard = mlops.Guard(package, monitor=monitor)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        try:
            yield
        finally:
            # What the last requests observed is written before the process ends.
            guard.flush()

    app = FastAPI(lifespan=lifespan)
    app.state.guard = guard

    @app.exception_handler(mlops.SignatureError)
    async def refused(request: Request, exc: mlops.SignatureError) -> JSONResponse:
        return JSONResponse(status_code=422, content={"problems": exc.problems})

    # The raw body goes to the guard: the engine parses and types it (a
    # pydantic model would coerce "3" into 3.0 before the guard could see it).
    @app.post("/predict")
    async def predict(request: Request) -> dict[str, Any]:
        x = guard.check(await request.body())
        y = model.predict_proba(features(x))[:, 1]
        guard.observe(x, y)
        return {"predictions": y.tolist()}

    return app


def _from_env() -> FastAPI:
    package = mlops.Package.load(os.environ.get("MLOPS_PACKAGE", "churn-pkg"))
    package.verify()  # every file's hash, before the pickle is loaded
    with open(package.path / "model.pkl", "rb") as f:
        model = pickle.load(f)  # noqa: S301 - the package's own, hash-checked file
    store = os.environ.get("MLOPS_STORE")
    monitor = mlops.monitor("churn-prod", timestamp="observed_at", store=store) if store else None
    return create_app(package, model, monitor)


if __name__ != "__main__" and os.environ.get("MLOPS_PACKAGE"):
    app = _from_env()
