"""Across-replication summaries: the mean of per-replication metrics with a t-interval.

Each replication of a simulated experiment is an independent draw of the whole experiment,
so per-replication metrics (conversion rate, cost per conversion, lift ...) are i.i.d. and
their mean has a Student-t interval with R - 1 degrees of freedom. With ``control`` given,
the per-replication difference from the control is summarised too; replications pair arms
(the same seeds feed every arm of a replication), so the difference is taken within each
replication first.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats as sps

from sim.analysis.columns import require_columns
from sim.analysis.interval import check_alpha
from sim.errors import InputError

SUMMARY_COLUMNS: tuple[str, ...] = (
    "arm",
    "metric",
    "replications",
    "mean",
    "sd",
    "ci_lower",
    "ci_upper",
    "note",
)
DIFF_COLUMNS: tuple[str, ...] = ("diff_vs_control", "diff_ci_lower", "diff_ci_upper")


def summarize_replications(
    df: pd.DataFrame,
    *,
    arm_col: str = "arm",
    replication_col: str = "replication",
    metrics: Sequence[str] | None = None,
    control: str | None = None,
    alpha: float = 0.05,
) -> pd.DataFrame:
    """Mean of each metric per arm across replications, with a t-interval.

    Args:
        df: one row per arm and replication.
        arm_col: the arm column.
        replication_col: the replication column.
        metrics: numeric columns to summarise (default: every numeric column but the
            replication).
        control: when given, also summarise each arm's per-replication difference from the
            control (columns :data:`DIFF_COLUMNS`; ``NaN`` for the control itself).
        alpha: 1 - confidence level.

    Returns:
        One row per arm and metric with :data:`SUMMARY_COLUMNS` (+ :data:`DIFF_COLUMNS`).

    Example:
        >>> df = pd.DataFrame({"arm": ["a", "a", "a", "b", "b", "b"],
        ...                    "replication": [0, 1, 2, 0, 1, 2],
        ...                    "conversion_rate": [0.20, 0.22, 0.18, 0.25, 0.28, 0.22]})
        >>> s = summarize_replications(df, control="a")
        >>> s[["arm", "mean", "diff_vs_control"]].round(4).values.tolist()
        [['a', 0.2, nan], ['b', 0.25, 0.05]]
    """
    check_alpha(alpha)
    require_columns(df, [arm_col, replication_col])
    if metrics is None:
        metrics = [
            c
            for c in df.columns
            if c not in (arm_col, replication_col)
            and pd.api.types.is_numeric_dtype(df[c])
            and not pd.api.types.is_bool_dtype(df[c])
        ]
    else:
        require_columns(df, list(metrics))
    if df.duplicated([arm_col, replication_col]).any():
        raise InputError(
            f"columns {arm_col!r}/{replication_col!r}",
            "an arm appears twice in a replication: expected one row per arm and replication",
        )
    arms = list(pd.unique(df[arm_col]))
    if control is not None and control not in arms:
        raise InputError("control", f"{control!r} is not an arm; arms are: {arms}")
    wide = {m: df.pivot(index=replication_col, columns=arm_col, values=m) for m in metrics}
    rows = []
    for arm in arms:
        for metric in metrics:
            values = wide[metric][arm].to_numpy(dtype=float)
            row = dict(zip(SUMMARY_COLUMNS, (arm, metric, *_t_summary(values, alpha)), strict=True))
            if control is not None:
                if arm == control:
                    row.update(dict.fromkeys(DIFF_COLUMNS, math.nan))
                else:
                    diff = values - wide[metric][control].to_numpy(dtype=float)
                    _, mean, _, lo, up, _ = _t_summary(diff, alpha)
                    row.update(zip(DIFF_COLUMNS, (mean, lo, up), strict=True))
            rows.append(row)
    columns = list(SUMMARY_COLUMNS) + (list(DIFF_COLUMNS) if control is not None else [])
    return pd.DataFrame(rows, columns=columns)


def _t_summary(values: np.ndarray, alpha: float) -> tuple[int, float, float, float, float, str]:
    """(count, mean, sd, lower, upper, note) of the finite values."""
    finite = values[np.isfinite(values)]
    k = int(finite.size)
    dropped = values.size - k
    note = f"{dropped} replications without a value" if dropped else ""
    if k == 0:
        return 0, math.nan, math.nan, math.nan, math.nan, note or "no replications"
    mean = float(finite.mean())
    if k == 1:
        extra = "one replication: no interval"
        return 1, mean, math.nan, math.nan, math.nan, f"{note}; {extra}" if note else extra
    sd = float(finite.std(ddof=1))
    half = float(sps.t.isf(alpha / 2, k - 1)) * sd / math.sqrt(k)
    return k, mean, sd, mean - half, mean + half, note
