"""Checking and extracting the columns of a per-unit table, with messages a user can act on.

Checks are vectorised (one pass per column); only when one fails do we look for the first
offending row to name it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from sim.errors import InputError

_TRUE = frozenset({"1", "true", "yes"})
_FALSE = frozenset({"0", "false", "no"})
ALLOWED_BINARY = "0/1, true/false or yes/no"


def require_columns(df: pd.DataFrame, columns: Sequence[str], where: str = "table") -> None:
    """Raise :class:`InputError` naming missing columns and listing the available ones.

    >>> require_columns(pd.DataFrame({"arm": []}), ["arm", "converted"])
    Traceback (most recent call last):
    ...
    sim.errors.InputError: table: missing column 'converted'; available columns: arm
    """
    missing = [c for c in columns if c not in df.columns]
    if missing:
        names = ", ".join(repr(c) for c in missing)
        plural = "s" if len(missing) > 1 else ""
        available = ", ".join(map(str, df.columns)) or "(none)"
        raise InputError(where, f"missing column{plural} {names}; available columns: {available}")


def binary_column(df: pd.DataFrame, column: str, where: str = "table") -> np.ndarray:
    """A 0/1 outcome column as a bool array: bool, 0/1 numbers, or 0/1/true/false/yes/no text.

    >>> binary_column(pd.DataFrame({"c": ["Yes", "no", "1"]}), "c").tolist()
    [True, False, True]
    """
    series = df[column]
    dtype = series.dtype
    if pd.api.types.is_bool_dtype(dtype) and not series.isna().any():
        return series.to_numpy(dtype=bool)
    if pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype):
        values = series.to_numpy(dtype=float, na_value=np.nan)
        bad = ~((values == 0) | (values == 1))
        if bad.any():
            _bad_row(df, column, bad, where)
        return values == 1
    text = series.astype("string").str.strip().str.lower()
    is_true = text.isin(_TRUE).to_numpy(dtype=bool, na_value=False)
    is_false = text.isin(_FALSE).to_numpy(dtype=bool, na_value=False)
    bad = ~(is_true | is_false)
    if bad.any():
        _bad_row(df, column, bad, where)
    return is_true


def cost_column(df: pd.DataFrame, column: str, where: str = "table") -> np.ndarray:
    """A cost column as float64, refusing negative, missing or non-numeric values.

    >>> cost_column(pd.DataFrame({"c": [1.5, 0]}), "c").tolist()
    [1.5, 0.0]
    """
    series = df[column]
    if pd.api.types.is_numeric_dtype(series.dtype) and not pd.api.types.is_bool_dtype(series.dtype):
        values = series.to_numpy(dtype=float, na_value=np.nan)
    else:
        values = pd.to_numeric(series, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    bad = ~(np.isfinite(values) & (values >= 0))
    if bad.any():
        _bad_row(df, column, bad, where, allowed="a cost in USD, a number >= 0")
    return values


def label_column(df: pd.DataFrame, column: str, where: str = "table") -> pd.Series:
    """An arm or unit label column, refusing missing labels."""
    series = df[column]
    missing = series.isna().to_numpy()
    if missing.any():
        _bad_row(df, column, missing, where, allowed="a non-empty label")
    return series


def _bad_row(
    df: pd.DataFrame, column: str, bad: np.ndarray, where: str, allowed: str = ALLOWED_BINARY
) -> None:
    first = int(np.argmax(bad))
    label = df.index[first]
    value = df[column].iloc[first]
    shown = "a missing value" if _is_missing(value) else repr(_plain(value))
    raise InputError(
        f"{where}: row {label!r}, column {column!r}",
        f"{shown} is not allowed: use {allowed} ({int(bad.sum())} such rows)",
    )


def _is_missing(value: Any) -> bool:
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _plain(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value
