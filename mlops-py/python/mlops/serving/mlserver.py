"""MLServer runtime for mlops packages: ``PackageRuntime``, the
``implementation`` of every ``model-settings.json`` that
``mlops package export --target mlserver`` (or ``kserve``) writes.

``load()`` opens the package at ``parameters.uri`` (verifying every file
against its manifest) and loads its model by flavor (see
:mod:`mlops.serving`). ``predict()`` decodes the V2 request into an Arrow
table, one column per request input, each of the datatype the request
declares, and checks it against the package's signature; a request with
problems (a missing column, a wrong type, nulls where the signature forbids
them, a value its datatype cannot hold) is answered with HTTP 422 listing
every problem as JSON (``{"problems": [{"kind", "column", "message"}, ...]}``),
never a 500 and never a silently coerced value. Otherwise the model predicts
and the response holds the signature's outputs, each of its declared
datatype.

``parameters.extra.signature_check: false`` in ``model-settings.json`` turns
the check off (the benchmark's baseline).

Importing this module imports MLServer; ``import mlops`` does not.
"""

from __future__ import annotations

import json
from typing import Any

import pyarrow as pa
from mlserver import MLModel
from mlserver.errors import MLServerError
from mlserver.types import InferenceRequest, InferenceResponse, ResponseOutput
from mlserver.utils import get_model_uri

import mlops
from mlops import serving

__all__ = ["PackageRuntime", "SignatureViolation", "decode_request"]

_V2_OF = {
    "Boolean": "BOOL",
    "Int8": "INT8",
    "Int16": "INT16",
    "Int32": "INT32",
    "Int64": "INT64",
    "UInt8": "UINT8",
    "UInt16": "UINT16",
    "UInt32": "UINT32",
    "UInt64": "UINT64",
    "Float16": "FP16",
    "Float32": "FP32",
    "Float64": "FP64",
}


class SignatureViolation(MLServerError):
    """A request that does not satisfy the package's signature: HTTP 422
    whose message is ``{"problems": [...]}`` as JSON."""

    def __init__(self, problems: list[dict[str, Any]]):
        super().__init__(json.dumps({"problems": problems}), status_code=422)
        self.problems = problems


def _flatten(data: Any) -> list[Any]:
    out: list[Any] = []
    stack = [data]
    while stack:
        x = stack.pop()
        if isinstance(x, (list, tuple)):
            stack.extend(reversed(x))
        else:
            out.append(x)
    return out


def decode_request(payload: InferenceRequest, signature: Any) -> tuple[pa.Table, list[dict[str, Any]]]:
    """The request's inputs as an Arrow table (each input a column of the
    datatype it declares; BYTES is text for a column the signature declares
    text), and the problems of inputs whose values do not fit their
    datatype or shape."""
    declared = {c["name"]: c["type"] for c in signature.inputs}
    columns: dict[str, Any] = {}
    problems: list[dict[str, Any]] = []
    for inp in payload.inputs:
        name = inp.name
        datatype = inp.datatype.value if hasattr(inp.datatype, "value") else str(inp.datatype)
        data = inp.data.root if hasattr(inp.data, "root") else inp.data
        values = _flatten(data)
        expected = 1
        for d in inp.shape:
            expected *= d
        if expected != len(values):
            problems.append(
                {
                    "kind": "bad_shape",
                    "column": name,
                    "message": f"input {name} has shape {list(inp.shape)} but {len(values)} value(s)",
                }
            )
            continue
        if datatype == "BYTES":
            if declared.get(name) in serving._TEXT:
                values = [v.decode("utf-8") if isinstance(v, bytes) else v for v in values]
                ty = pa.string()
            else:
                values = [v.encode("utf-8") if isinstance(v, str) else v for v in values]
                ty = pa.binary()
        else:
            ty = getattr(pa, serving.V2_TYPES[datatype])()
        try:
            if ty != pa.string() and ty != pa.binary() and any(isinstance(v, (str, bytes)) for v in values):
                raise pa.ArrowInvalid(f"text value for datatype {datatype}")
            if pa.types.is_integer(ty) or pa.types.is_floating(ty):
                if any(isinstance(v, bool) for v in values):
                    raise pa.ArrowInvalid(f"boolean value for datatype {datatype}")
            columns[name] = pa.array(values, type=ty)
        except (pa.ArrowInvalid, pa.ArrowTypeError, UnicodeDecodeError, TypeError, ValueError, OverflowError) as e:
            problems.append({"kind": "bad_value", "column": name, "message": f"input {name} ({datatype}): {e}"})
    table, more = serving.table_from_columns(columns, signature)
    return table, problems + more


class PackageRuntime(MLModel):
    """Serves an mlops package: see the module's docs."""

    async def load(self) -> bool:
        uri = await get_model_uri(self.settings)
        self._package, self._model = serving.load(uri)
        extra = (self.settings.parameters.extra if self.settings.parameters else None) or {}
        self._check = bool(extra.get("signature_check", True))
        self._signature = serving.signature_of(self._package)
        self._guard = mlops.Guard(self._package)
        self._outputs = self._signature.outputs
        return True

    def checked(self, table: pa.Table, decoded: list[dict[str, Any]]) -> tuple[pa.Table, list[dict[str, Any]]]:
        """The request checked by the package's guard, and every problem:
        what did not decode, and what fails the signature. The one place
        the check is made."""
        checked, problems = serving.check(self._guard, table, decoded=decoded)
        return checked, decoded + problems

    async def predict(self, payload: InferenceRequest) -> InferenceResponse:
        table, decoded = decode_request(payload, self._signature)
        if self._check:
            table, problems = self.checked(table, decoded)
            if problems:
                raise SignatureViolation(problems)
        elif decoded:
            raise SignatureViolation(decoded)
        predictions = serving.predict(self._package, self._model, table)
        outputs = []
        for spec, column in zip(self._outputs, predictions):
            datatype = _V2_OF.get(spec["type"], "BYTES")
            data = column.to_pylist()
            params = {"content_type": "str"} if datatype == "BYTES" else None
            outputs.append(
                ResponseOutput(name=spec["name"], shape=[len(data)], datatype=datatype, data=data, parameters=params)
            )
        return InferenceResponse(
            model_name=self.name,
            model_version=self.version,
            id=payload.id,
            outputs=outputs,
        )
