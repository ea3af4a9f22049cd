"""Serving mlops packages: load a package's model by its flavor, turn a
request into an Arrow table, check it against the package's signature and
predict. The model servers' glue (``mlops.serving.mlserver`` for MLServer,
the ``model.py`` a Triton export writes) is built on these functions.

``import mlops`` does not import this module, and this module does not import
any model server.

Flavors and the files they are loaded from:

- ``sklearn``: the one ``*.pkl`` / ``*.pickle`` (pickle) or ``*.joblib`` file;
- ``xgboost``: a pickled estimator as for sklearn, or an ``xgboost.Booster``
  from the one ``*.json`` / ``*.ubj`` / ``*.bst`` / ``*.model`` file;
- ``lightgbm``: a pickled estimator, or an ``lightgbm.Booster`` from the one
  ``*.txt`` file;
- ``custom``: the manifest's ``requirements.entry_point``,
  ``module:function``: ``module`` is imported with the package folder first
  on ``sys.path`` (so a ``module.py`` in the package is found), and
  ``function(package_folder)`` returns an object with ``predict(frame)``.

``predict`` calls the model's ``predict`` with a pandas DataFrame of the
signature's input columns, in the signature's order (an XGBoost Booster gets
a ``DMatrix`` of it), and maps what comes back onto the signature's outputs:
a 1-D result is the one output; a 2-D result has one column per output; a
dict, DataFrame or Arrow table is read by output name. Each output is cast,
safely, to its declared Arrow type.
"""

from __future__ import annotations

import importlib
import os
import pickle
import sys
from typing import Any

import mlops

__all__ = [
    "ARROW_TYPES",
    "V2_TYPES",
    "check",
    "load",
    "load_model",
    "predict",
    "signature_of",
    "table_from_columns",
]

#: Arrow type names of the signature (as mlops writes them) to pyarrow type
#: factories, for the types a model server can carry.
ARROW_TYPES = {
    "Boolean": "bool_",
    "Int8": "int8",
    "Int16": "int16",
    "Int32": "int32",
    "Int64": "int64",
    "UInt8": "uint8",
    "UInt16": "uint16",
    "UInt32": "uint32",
    "UInt64": "uint64",
    "Float16": "float16",
    "Float32": "float32",
    "Float64": "float64",
    "Utf8": "string",
    "LargeUtf8": "large_string",
    "Utf8View": "string",
    "Binary": "binary",
    "LargeBinary": "large_binary",
}

#: Open Inference Protocol (V2) datatypes to pyarrow type factories (BYTES
#: is text when the column is declared text, binary otherwise).
V2_TYPES = {
    "BOOL": "bool_",
    "INT8": "int8",
    "INT16": "int16",
    "INT32": "int32",
    "INT64": "int64",
    "UINT8": "uint8",
    "UINT16": "uint16",
    "UINT32": "uint32",
    "UINT64": "uint64",
    "FP16": "float16",
    "FP32": "float32",
    "FP64": "float64",
    "BYTES": "binary",
}

_TEXT = ("Utf8", "LargeUtf8", "Utf8View")


def arrow_type(name: str) -> Any:
    """The pyarrow type of a signature's Arrow type name."""
    import pyarrow as pa

    try:
        return getattr(pa, ARROW_TYPES[name])()
    except KeyError:
        raise mlops.UnsupportedError(f"Arrow type {name} cannot be served") from None


def signature_of(pkg: mlops.Package) -> mlops.Signature:
    """The package's signature; a package without one cannot be served."""
    sig = pkg.signature
    if sig is None:
        raise mlops.InvalidInputError(f"package {pkg.manifest['name']} has no signature: it cannot be served")
    return sig


def load(path: Any, *, verify: bool = True) -> tuple[mlops.Package, Any]:
    """Opens the package at ``path`` (verifying every file unless told not
    to) and loads its model; returns ``(package, model)``."""
    pkg = mlops.Package.load(path)
    if verify:
        pkg.verify()
    return pkg, load_model(pkg)


def _one(pkg: mlops.Package, suffixes: tuple[str, ...]) -> str | None:
    found = [f["path"] for f in pkg.manifest["files"] if f["path"].endswith(suffixes)]
    if len(found) > 1:
        raise mlops.InvalidInputError(
            f"package {pkg.manifest['name']} holds {len(found)} model files ({', '.join(found)}); expected one"
        )
    return os.path.join(pkg.path, found[0]) if found else None


def _unpickle(path: str) -> Any:
    if path.endswith(".joblib"):
        import joblib

        return joblib.load(path)
    with open(path, "rb") as f:
        return pickle.load(f)


_PICKLES = (".pkl", ".pickle", ".joblib")


def load_model(pkg: mlops.Package) -> Any:
    """The model of a package, loaded by its flavor (see the module's docs)."""
    m = pkg.manifest
    flavor = m["flavor"]
    name = m["name"]
    if flavor in ("sklearn", "xgboost", "lightgbm"):
        pickled = _one(pkg, _PICKLES)
        if pickled is not None:
            return _unpickle(pickled)
    if flavor == "xgboost":
        path = _one(pkg, (".json", ".ubj", ".bst", ".model"))
        if path is not None:
            import xgboost

            booster = xgboost.Booster()
            booster.load_model(path)
            return booster
    elif flavor == "lightgbm":
        path = _one(pkg, (".txt",))
        if path is not None:
            import lightgbm

            return lightgbm.Booster(model_file=path)
    elif flavor == "custom":
        entry = (m.get("requirements") or {}).get("entry_point") or ""
        module, _, function = entry.partition(":")
        if not module or not function:
            raise mlops.InvalidInputError(
                f"package {name} (flavor custom) has no requirements.entry_point 'module:function'"
            )
        if pkg.path not in sys.path:
            sys.path.insert(0, str(pkg.path))
        return getattr(importlib.import_module(module), function)(str(pkg.path))
    elif flavor != "sklearn":
        raise mlops.UnsupportedError(f"package {name}: flavor {flavor} cannot be served by mlops.serving")
    raise mlops.InvalidInputError(f"package {name} (flavor {flavor}) holds no model file mlops.serving can load")


def table_from_columns(columns: dict[str, Any], signature: mlops.Signature) -> tuple[Any, list[dict[str, Any]]]:
    """A pyarrow table of the input columns given (name -> values: a list,
    a numpy array or a pyarrow array), and the problems of the values that
    did not convert. Text columns given as bytes are decoded as UTF-8.
    Nothing is coerced: a value the column's own type cannot hold is a
    ``bad_value`` problem, never cast."""
    import numpy as np
    import pyarrow as pa

    declared = {c["name"]: c["type"] for c in signature.inputs}
    arrays: dict[str, Any] = {}
    problems: list[dict[str, Any]] = []
    for name, values in columns.items():
        try:
            if isinstance(values, (pa.Array, pa.ChunkedArray)):
                arr = values
            elif isinstance(values, np.ndarray) and values.dtype != object:
                arr = pa.array(values)
            else:
                values = list(values)
                if declared.get(name) in _TEXT and any(isinstance(v, bytes) for v in values):
                    values = [v.decode("utf-8") if isinstance(v, bytes) else v for v in values]
                arr = pa.array(values)
        except (pa.ArrowInvalid, pa.ArrowTypeError, UnicodeDecodeError, TypeError, ValueError) as e:
            problems.append({"kind": "bad_value", "column": name, "message": str(e)})
            continue
        arrays[name] = arr
    lengths = {len(a) for a in arrays.values()}
    if len(lengths) > 1:
        problems.append({"kind": "length_mismatch", "message": f"columns have different lengths: {sorted(lengths)}"})
        return pa.table({}), problems
    return pa.table(arrays), problems


def check(
    guard: mlops.Guard, table: Any, *, decoded: list[dict[str, Any]] | None = None
) -> tuple[Any, list[dict[str, Any]]]:
    """The request ``table`` checked by the package's :class:`mlops.Guard`:
    the table to predict on (the signature's inputs in its order, lossless
    widenings cast to the declared type, extra columns dropped) and every
    problem (missing columns, types that are neither the declared one nor a
    lossless widening, nulls in non-nullable columns), as the dicts of
    :attr:`mlops.SignatureError.problems` (``kind``, ``column``,
    ``message``, ...). Columns already reported in ``decoded`` (values that
    did not convert) are not reported missing again, and columns of
    different lengths (no table to check) add nothing."""
    if any(p["kind"] == "length_mismatch" for p in decoded or []):
        return table, []
    try:
        return guard.check(table), []
    except mlops.SignatureError as e:
        skip = {p.get("column") for p in decoded or []}
        return table, [p for p in e.problems if not (p["kind"] == "missing_column" and p["column"] in skip)]


def predict(pkg: mlops.Package, model: Any, table: Any) -> list[Any]:
    """The model's predictions for ``table`` as pyarrow arrays, one per
    output of the signature, in its order, each of its declared type."""
    import numpy as np
    import pyarrow as pa

    sig = signature_of(pkg)
    names = [c["name"] for c in sig.inputs]
    frame = table.select(names).to_pandas()
    if type(model).__module__.startswith("xgboost") and type(model).__name__ == "Booster":
        import xgboost

        result = model.predict(xgboost.DMatrix(frame))
    else:
        result = model.predict(frame)
    outputs = sig.outputs
    if isinstance(result, pa.Table):
        result = {n: result.column(n) for n in result.column_names}
    elif hasattr(result, "columns") and hasattr(result, "to_numpy") and not isinstance(result, np.ndarray):
        result = {str(c): result[c].to_numpy() for c in result.columns}
    if isinstance(result, dict):
        missing = [c["name"] for c in outputs if c["name"] not in result]
        if missing:
            raise mlops.SchemaMismatchError(f"the model's predictions have no output {', '.join(missing)}")
        values = [result[c["name"]] for c in outputs]
    else:
        arr = np.asarray(result)
        if arr.ndim == 1 and len(outputs) == 1:
            values = [arr]
        elif arr.ndim == 2 and arr.shape[1] == len(outputs):
            values = [arr[:, i] for i in range(arr.shape[1])]
        else:
            raise mlops.SchemaMismatchError(
                f"the model's predictions have shape {arr.shape}; the signature declares {len(outputs)} output(s)"
            )
    out = []
    for spec, v in zip(outputs, values):
        a = v if isinstance(v, (pa.Array, pa.ChunkedArray)) else pa.array(np.asarray(v))
        out.append(a.cast(arrow_type(spec["type"]), safe=True))
    return out
