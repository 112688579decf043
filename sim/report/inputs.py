"""Small helpers that turn the analysis outputs (tables, records, curves) into what figures use.

Figures accept a :class:`pandas.DataFrame` or the same table as a list of records (the form of
``summary.json``), so a notebook can pass whichever it has.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import pandas as pd

from sim.analysis.columns import ci_columns as ci_columns  # re-exported for the figures


def as_frame(data: Any, name: str = "data") -> pd.DataFrame:
    """A DataFrame from a DataFrame, a list of records or a dict of columns.

    >>> as_frame([{"arm": "a", "n": 3}]).to_dict("records")
    [{'arm': 'a', 'n': 3}]
    """
    if isinstance(data, pd.DataFrame):
        return data
    if isinstance(data, (list, tuple, Mapping)):
        return pd.DataFrame(data)
    raise TypeError(f"{name}: expected a DataFrame or a list of records, got {type(data).__name__}")


def require_columns(df: pd.DataFrame, columns: Iterable[str], name: str) -> None:
    """Raise ``ValueError`` naming the columns a figure needs and ``df`` lacks."""
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise ValueError(f"{name} needs column(s) {', '.join(missing)}; has {list(df.columns)}")


def control_arm(summary: pd.DataFrame) -> str | None:
    """The control arm's name: the ``control`` column, else the row without a lift."""
    if "control" in summary.columns:
        names = [c for c in summary["control"].dropna().astype(str) if c]
        if names:
            return names[0]
    if "abs_lift" in summary.columns and "arm" in summary.columns:
        rows = summary[pd.to_numeric(summary["abs_lift"], errors="coerce").isna()]
        if len(rows) == 1:
            return str(rows["arm"].iloc[0])
    return None


def floats(values: Sequence[Any] | pd.Series) -> list[float]:
    """Values as floats, with NaN for anything missing or non-numeric."""
    out = []
    for v in values:
        try:
            f = float(v)
        except (TypeError, ValueError):
            f = math.nan
        out.append(f)
    return out


def error_bars(est: Sequence[float], lo: Sequence[float], hi: Sequence[float]) -> dict[str, Any]:
    """Plotly asymmetric error bars from estimates and bounds (none where a bound is NaN).

    >>> error_bars([0.2], [0.15], [0.3])["array"]
    [0.09999999999999998]
    """
    plus = [h - e if _finite(h, e) else None for e, h in zip(est, hi, strict=True)]
    minus = [e - lo_ if _finite(lo_, e) else None for e, lo_ in zip(est, lo, strict=True)]
    return {"type": "data", "symmetric": False, "array": plus, "arrayminus": minus,
            "visible": any(p is not None for p in plus), "thickness": 1.5, "width": 6}  # fmt: skip


def _finite(*xs: float) -> bool:
    return all(isinstance(x, (int, float)) and math.isfinite(x) for x in xs)
