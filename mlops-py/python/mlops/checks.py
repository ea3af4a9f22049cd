"""Builders of checks for :class:`mlops.Suite`: each function returns the
check as a dict, exactly as it is written in a suite file (YAML or JSON),
so code and files describe checks alike.

>>> from mlops import checks
>>> checks.values_between("age", 0, 120, mostly=0.99)
{'check': 'values_between', 'column': 'age', 'min': 0, 'max': 120, 'mostly': 0.99}

Every builder takes ``severity`` (``"error"`` fails the validation,
``"warn"`` only reports; left ``None``, the check has the engine's default,
``"error"``) and ``name`` (a label); row-level
checks also take ``mostly``, the fraction of non-missing rows that must
pass (Great Expectations' semantics).
"""

from __future__ import annotations

from typing import Any, Dict, Optional, Sequence

Check = Dict[str, Any]


def _check(kind: str, fields: Dict[str, Any], mostly: Optional[float] = None,
           severity: Optional[str] = None, name: Optional[str] = None) -> Check:
    c: Check = {"check": kind}
    c.update({k: v for k, v in fields.items() if v is not None and v is not False})
    if mostly is not None:
        c["mostly"] = mostly
    if severity is not None:
        c["severity"] = severity
    if name is not None:
        c["name"] = name
    return c


def column_exists(column: str, *, severity: Optional[str] = None, name: Optional[str] = None) -> Check:
    """The column exists."""
    return _check("column_exists", {"column": column}, None, severity, name)


def column_type(column: str, type: str, *, severity: Optional[str] = None, name: Optional[str] = None) -> Check:
    """The column has this Arrow type (``int64``, ``float64``, ``string``, ``timestamp[us]``, ...)
    or family (``integer``, ``float``, ``numeric``, ``string``, ``boolean``, ``temporal``)."""
    return _check("column_type", {"column": column, "type": type}, None, severity, name)


def not_null(column: str, *, mostly: Optional[float] = None, severity: Optional[str] = None,
             name: Optional[str] = None) -> Check:
    """Row-level: values are not null (NaN counts as null)."""
    return _check("not_null", {"column": column}, mostly, severity, name)


def max_null_fraction(column: str, max: float, *, severity: Optional[str] = None, name: Optional[str] = None) -> Check:
    """At most this fraction of the rows is null."""
    return _check("max_null_fraction", {"column": column, "max": max}, None, severity, name)


def unique(column: str, *, mostly: Optional[float] = None, severity: Optional[str] = None,
           name: Optional[str] = None) -> Check:
    """Row-level: each value occurs once (every row of a repeated value breaks it)."""
    return _check("unique", {"column": column}, mostly, severity, name)


def compound_unique(columns: Sequence[str], *, mostly: Optional[float] = None, severity: Optional[str] = None,
                    name: Optional[str] = None) -> Check:
    """Row-level: each combination of the columns' values occurs once."""
    return _check("compound_unique", {"columns": list(columns)}, mostly, severity, name)


def values_between(column: str, min: Any = None, max: Any = None, *, strict_min: bool = False,
                   strict_max: bool = False, mostly: Optional[float] = None, severity: Optional[str] = None,
                   name: Optional[str] = None) -> Check:
    """Row-level: ``min <= value <= max`` (numbers; ISO text for date and time columns)."""
    return _check("values_between", {"column": column, "min": min, "max": max, "strict_min": strict_min,
                                     "strict_max": strict_max}, mostly, severity, name)


def in_set(column: str, values: Sequence[Any], *, mostly: Optional[float] = None, severity: Optional[str] = None,
           name: Optional[str] = None) -> Check:
    """Row-level: values are in the set."""
    return _check("in_set", {"column": column, "values": list(values)}, mostly, severity, name)


def not_in_set(column: str, values: Sequence[Any], *, mostly: Optional[float] = None, severity: Optional[str] = None,
               name: Optional[str] = None) -> Check:
    """Row-level: values are not in the set."""
    return _check("not_in_set", {"column": column, "values": list(values)}, mostly, severity, name)


def matches_regex(column: str, regex: str, *, mostly: Optional[float] = None, severity: Optional[str] = None,
                  name: Optional[str] = None) -> Check:
    """Row-level: string values contain a match (anchor with ``^...$`` for whole values)."""
    return _check("matches_regex", {"column": column, "regex": regex}, mostly, severity, name)


def length_between(column: str, min: Optional[int] = None, max: Optional[int] = None, *,
                   mostly: Optional[float] = None, severity: Optional[str] = None, name: Optional[str] = None) -> Check:
    """Row-level: string lengths (characters) are between ``min`` and ``max``."""
    return _check("length_between", {"column": column, "min": min, "max": max}, mostly, severity, name)


def _stat(kind: str):
    def build(column: str, min: Optional[float] = None, max: Optional[float] = None, *,
              severity: Optional[str] = None, name: Optional[str] = None) -> Check:
        return _check(kind, {"column": column, "min": min, "max": max}, None, severity, name)

    build.__name__ = kind
    build.__doc__ = f"The column's {kind.split('_')[0]} is between ``min`` and ``max``."
    return build


min_between = _stat("min_between")
max_between = _stat("max_between")
mean_between = _stat("mean_between")
std_between = _stat("std_between")
median_between = _stat("median_between")


def quantile_between(column: str, quantile: float, min: Optional[float] = None, max: Optional[float] = None, *,
                     severity: Optional[str] = None, name: Optional[str] = None) -> Check:
    """The exact quantile (nearest rank) is between ``min`` and ``max``."""
    return _check("quantile_between", {"column": column, "quantile": quantile, "min": min, "max": max},
                  None, severity, name)


def distinct_count_between(column: str, min: Optional[int] = None, max: Optional[int] = None, *,
                           severity: Optional[str] = None, name: Optional[str] = None) -> Check:
    """The exact number of distinct non-null values is between ``min`` and ``max``."""
    return _check("distinct_count_between", {"column": column, "min": min, "max": max}, None, severity, name)


def most_common_in_set(column: str, values: Sequence[Any], *, ties_okay: bool = False, severity: Optional[str] = None,
                       name: Optional[str] = None) -> Check:
    """The most common value is in the set."""
    return _check("most_common_in_set", {"column": column, "values": list(values), "ties_okay": ties_okay},
                  None, severity, name)


def row_count_between(min: Optional[int] = None, max: Optional[int] = None, *, severity: Optional[str] = None,
                      name: Optional[str] = None) -> Check:
    """The table has between ``min`` and ``max`` rows."""
    return _check("row_count_between", {"min": min, "max": max}, None, severity, name)


def column_pair(a: str, op: str, b: str, *, mostly: Optional[float] = None, severity: Optional[str] = None,
                name: Optional[str] = None) -> Check:
    """Row-level: ``a op b`` with ``op`` one of ``<``, ``<=``, ``>``, ``>=``, ``==``, ``!=``."""
    return _check("column_pair", {"a": a, "op": op, "b": b}, mostly, severity, name)


def increasing(column: str, *, strict: bool = False, mostly: Optional[float] = None, severity: Optional[str] = None,
               name: Optional[str] = None) -> Check:
    """Row-level: each value is at least (``strict``: above) the previous one."""
    return _check("increasing", {"column": column, "strict": strict}, mostly, severity, name)


def decreasing(column: str, *, strict: bool = False, mostly: Optional[float] = None, severity: Optional[str] = None,
               name: Optional[str] = None) -> Check:
    """Row-level: each value is at most (``strict``: below) the previous one."""
    return _check("decreasing", {"column": column, "strict": strict}, mostly, severity, name)


def freshness(column: str, max_age: str, *, severity: Optional[str] = None, name: Optional[str] = None) -> Check:
    """The newest timestamp is at most ``max_age`` old (``90s``, ``15m``, ``6h``, ``2d``, ``1w``)."""
    return _check("freshness", {"column": column, "max_age": max_age}, None, severity, name)


def distribution(column: str, reference: str, *, method: Optional[str] = None, threshold: Optional[float] = None,
                 severity: Optional[str] = None, name: Optional[str] = None) -> Check:
    """The distribution is close to a stored profile's (``reference``: a profile file path)."""
    return _check("distribution", {"column": column, "reference": reference, "method": method,
                                   "threshold": threshold}, None, severity, name)
