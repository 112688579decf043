"""The analysis vocabulary: every column list of a result table, and the columns of an input.

One flat, tidy vocabulary for every result table (DESIGN.md, "Analysis"): an estimate named by
its metric, its interval in ``<metric>_ci_lower`` / ``<metric>_ci_upper`` (a ``_usd`` suffix
dropped), as :func:`ci_columns` finds them. Reading a per-unit table goes through the same
module: :func:`require_columns` names what is missing, and :func:`binary_column`,
:func:`cost_column` and :func:`label_column` check an outcome, a cost or a label column,
vectorised (one pass per column); only when one fails do we look for the first offending row
to name it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from sim.errors import InputError


def with_ci(metric: str) -> tuple[str, str, str]:
    """A metric and its interval columns.

    >>> with_ci("abs_lift")
    ('abs_lift', 'abs_lift_ci_lower', 'abs_lift_ci_upper')
    >>> with_ci("cost_per_conversion_usd")[1]
    'cost_per_conversion_ci_lower'
    """
    stem = metric.removesuffix("_usd")
    return metric, f"{stem}_ci_lower", f"{stem}_ci_upper"


def ci_columns(metric: str, columns: Iterable[str]) -> tuple[str, str] | None:
    """The interval columns of ``metric`` if the table has them.

    Costs drop their ``_usd`` suffix in the interval names (``cost_per_conversion_ci_lower``).

    >>> ci_columns("cost_per_conversion_usd", ["cost_per_conversion_ci_lower",
    ...     "cost_per_conversion_ci_upper"])
    ('cost_per_conversion_ci_lower', 'cost_per_conversion_ci_upper')
    >>> ci_columns("power", ["power"]) is None
    True
    """
    cols = set(columns)
    for base in (metric, metric.removesuffix("_usd")):
        lo, hi = f"{base}_ci_lower", f"{base}_ci_upper"
        if lo in cols and hi in cols:
            return lo, hi
    return None


_LIFTS = (*with_ci("abs_lift"), *with_ci("rel_lift"))
_CPC = with_ci("cost_per_conversion_usd")

#: The project's result vocabulary (DESIGN.md, "Analysis"), in order.
VOCABULARY: tuple[str, ...] = (
    "arm",
    "control",
    "n",
    "conversions",
    *with_ci("conversion_rate"),
    *_LIFTS,
    *_CPC,
    "p_value",
    "p_value_adjusted",
    "method",
)
#: Columns the comparisons table has after the vocabulary: the change in cost per conversion
#: versus control (treatment / control and treatment - control) and the reason for any NaN.
EXTRA_COLUMNS: tuple[str, ...] = (
    *with_ci("cost_per_conversion_ratio"),
    *with_ci("cost_per_conversion_diff_usd"),
    "note",
)
#: Columns of the per-arm table (guardrail columns only when the counts are known).
ARM_COLUMNS: tuple[str, ...] = (
    "arm",
    "n",
    "conversions",
    *with_ci("conversion_rate"),
    "cost_usd",
    *_CPC,
    "method",
    "note",
)
#: Guardrail counts in the sufficient statistics and the metric name each becomes.
GUARDRAILS: dict[str, str] = {"unsubscribes": "unsubscribe_rate", "complaints": "complaint_rate"}
#: Columns of the guardrails table: one row per guardrail metric and non-control arm.
GUARDRAIL_COLUMNS: tuple[str, ...] = (
    "metric",
    "arm",
    "control",
    "n",
    "events",
    *with_ci("rate"),
    "control_rate",
    *_LIFTS,
    "p_value",
    "p_value_adjusted",
    "method",
    "note",
)

#: Spellings of a 0/1 outcome in text (compared after stripping and lower-casing).
TRUE_TEXT = frozenset({"1", "true", "yes"})
FALSE_TEXT = frozenset({"0", "false", "no"})
ALLOWED_BINARY = "0/1, true/false or yes/no"


def parse_binary_text(text: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """``(is_true, bad)`` bool arrays for text cells spelling a 0/1 outcome (any case, spaces).

    The one place a yes/no cell is read; missing cells are bad.

    >>> is_true, bad = parse_binary_text(pd.Series([" Yes", "no", "maybe", None]))
    >>> is_true.tolist(), bad.tolist()
    ([True, False, False, False], [False, False, True, True])
    """
    text = text.astype("string").str.strip().str.lower()
    is_true = text.isin(TRUE_TEXT).to_numpy(dtype=bool, na_value=False)
    is_false = text.isin(FALSE_TEXT).to_numpy(dtype=bool, na_value=False)
    return is_true, ~(is_true | is_false)


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
    is_true, bad = parse_binary_text(series)
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


def arm_codes(arms: Any) -> tuple[np.ndarray, list[str]]:
    """Integer code per unit and the arm labels (as text) the codes index.

    Order is first appearance, or category order for categorical arms.

    >>> codes, labels = arm_codes(["b", "a", "b"])
    >>> codes.tolist(), labels
    ([0, 1, 0], ['b', 'a'])
    """
    if isinstance(getattr(arms, "dtype", None), pd.CategoricalDtype):
        cat = pd.Categorical(arms)
        codes = np.asarray(cat.codes, dtype=np.intp)
        labels = [str(c) for c in cat.categories]
    else:
        values = arms if isinstance(arms, pd.Series | pd.Index) else np.asarray(arms)
        raw_codes, uniques = pd.factorize(values)
        codes = np.asarray(raw_codes, dtype=np.intp)
        labels = [str(u) for u in uniques]
    if (codes < 0).any():
        raise InputError("arm", "missing arm label: every unit needs an arm")
    if len(set(labels)) != len(labels):
        raise InputError("arm", f"arm labels {labels} collide when written as text")
    return codes, labels
