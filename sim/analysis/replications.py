"""Across-replication summaries: each arm versus the control, with t-intervals.

Each replication of a simulated experiment is an independent draw of the whole experiment,
so replications are the unit of analysis. :func:`summarize_replications` turns per-replication
sums (``replications.csv``: leads, conversions, costs ... per arm and replication) into one
row per arm of the summary vocabulary (:data:`SUMMARY_COLUMNS`): every headline number a ratio
of sums with a delta-method t-interval, lifts and contrasts linearised within each replication
(:mod:`sim.analysis.ratio_of_sums`), so the paired design's common random numbers shrink them
exactly as they should, and the split design is handled by the same formula.

:func:`metric_summary` is the plain view for metrics already computed per replication (a rate,
a cost per patient): the mean of each with a Student-t interval (R - 1 degrees of freedom)
and, with a control, the mean of the per-replication differences.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats as sps

from sim.analysis.columns import require_columns
from sim.analysis.comparison import VOCABULARY
from sim.analysis.interval import check_alpha
from sim.analysis.multiple import adjust_p_values
from sim.analysis.ratio_of_sums import (
    Ratio,
    column_ratio,
    lift,
    ratio_contrast,
    t_interval,
)
from sim.analysis.value import NEEDED as VALUE_NEEDED
from sim.analysis.value import VALUE_COLUMNS, value_summary
from sim.errors import InputError

#: The summary columns: the analysis vocabulary, then the extras a suite reports.
SUMMARY_COLUMNS = (
    *VOCABULARY,
    "marketing_cost_per_conversion_usd",
    "marketing_cost_per_conversion_ci_lower",
    "marketing_cost_per_conversion_ci_upper",
    "booked_rate",
    "lost_rate",
    "unsubscribe_rate",
    "complaint_rate",
    "emails_per_lead",
    "cost_acquisition_per_conversion_usd",
    "cost_email_per_conversion_usd",
    "cost_sales_per_conversion_usd",
    "cost_fixed_per_conversion_usd",
    "replications",
    "note",
    "sweep_parameter",
    "sweep_value",
    # Versus the control, paired within replications: cost per patient (difference, ratio)
    # and the guardrails (unsubscribes and spam complaints per lead, difference).
    "cost_per_conversion_diff_usd",
    "cost_per_conversion_diff_ci_lower",
    "cost_per_conversion_diff_ci_upper",
    "cost_per_conversion_ratio",
    "cost_per_conversion_ratio_ci_lower",
    "cost_per_conversion_ratio_ci_upper",
    "unsubscribe_rate_diff",
    "unsubscribe_rate_diff_ci_lower",
    "unsubscribe_rate_diff_ci_upper",
    "complaint_rate_diff",
    "complaint_rate_diff_ci_lower",
    "complaint_rate_diff_ci_upper",
    *VALUE_COLUMNS,
)

#: The columns of the lift over the control (the control's own row has NaN).
LIFT_COLUMNS = (
    "abs_lift",
    "abs_lift_ci_lower",
    "abs_lift_ci_upper",
    "rel_lift",
    "rel_lift_ci_lower",
    "rel_lift_ci_upper",
    "p_value",
)

#: Interval columns and the limits of what they estimate (rates, lifts, costs).
_LIMITS = (
    (("conversion_rate_ci_lower", "conversion_rate_ci_upper"), 0.0, 1.0),
    (("abs_lift_ci_lower", "abs_lift_ci_upper"), -1.0, 1.0),
    (("rel_lift_ci_lower", "rel_lift_ci_upper"), -1.0, None),
    (
        (
            "cost_per_conversion_ci_lower",
            "cost_per_conversion_ci_upper",
            "marketing_cost_per_conversion_ci_lower",
            "marketing_cost_per_conversion_ci_upper",
        ),
        0.0,
        None,
    ),
)

#: Per-lead rates a summary reports without an interval: name -> numerator column.
_PER_LEAD = (
    ("booked_rate", "booked"),
    ("lost_rate", "lost"),
    ("unsubscribe_rate", "unsubscribed"),
    ("complaint_rate", "complained"),
    ("emails_per_lead", "emails_sent"),
)

#: The metric columns of :func:`metric_summary`, in order.
METRIC_COLUMNS: tuple[str, ...] = (
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
    reps: pd.DataFrame,
    control: str,
    *,
    alpha: float = 0.05,
    adjust: str = "holm",
    arms: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Each arm vs ``control`` from per-replication rows (``replications.csv``).

    Example:
        >>> reps = pd.DataFrame({"arm": ["a", "b"] * 3, "replication": [0, 0, 1, 1, 2, 2],
        ...     "n": [100] * 6, "conversions": [20, 30, 18, 29, 22, 33],
        ...     "booked": [25, 36, 22, 35, 27, 39], "lost": [50] * 6,
        ...     "unsubscribed": [0] * 6, "complained": [0] * 6, "emails_sent": [0] * 6,
        ...     "cost_acquisition_usd": [2000.0] * 6, "cost_email_usd": [0.0] * 6,
        ...     "cost_sales_usd": [100.0] * 6, "cost_fixed_usd": [0.0] * 6,
        ...     "cost_total_usd": [2100.0] * 6})
        >>> s = summarize_replications(reps, "a").set_index("arm")
        >>> round(float(s.loc["b", "abs_lift"]), 4), round(float(s.loc["b", "rel_lift"]), 4)
        (0.1067, 0.5333)
    """
    arms = list(arms) if arms is not None else list(dict.fromkeys(reps["arm"]))
    reps = reps.sort_values(["replication"], kind="stable")
    by_arm = {a: g.set_index("replication").sort_index() for a, g in reps.groupby("arm")}
    if control not in by_arm:
        raise ValueError(f"control {control!r} has no replications")
    base = by_arm[control]
    rows = []
    for arm in arms:
        g = by_arm[arm]
        if not g.index.equals(base.index):
            raise ValueError(f"arm {arm!r} and control have different replications")
        row = {"arm": arm, "control": control, **_arm_row(g, alpha)}
        row |= _control_row() if arm == control else _versus_row(g, base, alpha)
        rows.append(row)
    out = pd.DataFrame(rows)
    # A t-interval can reach past what the quantity can be (a rate below 0 with few
    # replications, a negative cost per patient); the truth lies inside these limits, so
    # cutting the interval at them keeps its coverage and stops it showing impossible values.
    for cols, lower, upper in _LIMITS:
        out[list(cols)] = out[list(cols)].clip(lower=lower, upper=upper)
    p = out["p_value"].to_numpy(float)
    out["p_value_adjusted"] = p if adjust == "none" else adjust_p_values(p, adjust)
    if all(c in reps for c in VALUE_NEEDED):
        # Revenue, net benefit, ROI, break-even, sales-ready leads (sim.analysis.value).
        value = value_summary(reps, control, alpha=alpha, arms=arms)
        out = out.merge(value, on="arm", how="left", sort=False)
    for col in SUMMARY_COLUMNS:
        if col not in out:
            out[col] = math.nan if col not in ("sweep_parameter", "value_note") else ""
    return out[list(SUMMARY_COLUMNS)]


def _with_interval(name: str, r: Ratio, alpha: float, ci: str | None = None) -> dict[str, float]:
    """``{name: estimate, <ci>_ci_lower: ..., <ci>_ci_upper: ...}`` of a ratio."""
    lo, hi, _ = t_interval(r.estimate, r.influence, alpha)
    ci = ci or name
    return {name: r.estimate, f"{ci}_ci_lower": lo, f"{ci}_ci_upper": hi}


def _arm_row(g: pd.DataFrame, alpha: float) -> dict[str, float]:
    """One arm's own numbers: leads, conversions, rates and costs per patient."""
    conv = g["conversions"].to_numpy(float)
    row: dict[str, float] = {
        "n": int(g["n"].to_numpy(float).sum()),
        "conversions": int(conv.sum()),
        **_with_interval("conversion_rate", column_ratio(g, "conversions", "n"), alpha),
        "replications": len(g),
    }
    cpc = column_ratio(g, "cost_total_usd", "conversions")
    row |= _with_interval("cost_per_conversion_usd", cpc, alpha, "cost_per_conversion")
    mkt = column_ratio(g, "cost_acquisition_usd", "conversions")
    row |= _with_interval(
        "marketing_cost_per_conversion_usd", mkt, alpha, "marketing_cost_per_conversion"
    )
    for name, col in _PER_LEAD:
        row[name] = column_ratio(g, col, "n").estimate
    for part in ("acquisition", "email", "sales", "fixed"):
        row[f"cost_{part}_per_conversion_usd"] = column_ratio(
            g, f"cost_{part}_usd", "conversions"
        ).estimate
    return row


def _control_row() -> dict[str, object]:
    return {**dict.fromkeys(LIFT_COLUMNS, math.nan), "method": "", "note": "control"}


def _versus_row(g: pd.DataFrame, base: pd.DataFrame, alpha: float) -> dict[str, object]:
    """The lift, cost per patient and guardrail rates of an arm against the control, paired."""
    several = len(base) >= 2
    row: dict[str, object] = lift(
        column_ratio(g, "conversions", "n"), column_ratio(base, "conversions", "n"), alpha
    )
    row["method"] = "replication-t" if several else ""
    row["note"] = "" if several else "one replication: no interval across replications"

    def pair(num: str, den: str):
        return ratio_contrast(column_ratio(g, num, den), column_ratio(base, num, den), alpha)

    cost = pair("cost_total_usd", "conversions")
    row |= {
        "cost_per_conversion_diff_usd": cost.difference,
        "cost_per_conversion_diff_ci_lower": cost.difference_ci_lower,
        "cost_per_conversion_diff_ci_upper": cost.difference_ci_upper,
        "cost_per_conversion_ratio": cost.ratio,
        "cost_per_conversion_ratio_ci_lower": cost.ratio_ci_lower,
        "cost_per_conversion_ratio_ci_upper": cost.ratio_ci_upper,
    }
    for name, col in (("unsubscribe_rate", "unsubscribed"), ("complaint_rate", "complained")):
        c = pair(col, "n")
        row[f"{name}_diff"] = c.difference
        row[f"{name}_diff_ci_lower"] = c.difference_ci_lower
        row[f"{name}_diff_ci_upper"] = c.difference_ci_upper
    return row


def metric_summary(
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
        One row per arm and metric with :data:`METRIC_COLUMNS` (+ :data:`DIFF_COLUMNS`).

    Example:
        >>> df = pd.DataFrame({"arm": ["a", "a", "a", "b", "b", "b"],
        ...                    "replication": [0, 1, 2, 0, 1, 2],
        ...                    "conversion_rate": [0.20, 0.22, 0.18, 0.25, 0.28, 0.22]})
        >>> s = metric_summary(df, control="a")
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
            row = dict(zip(METRIC_COLUMNS, (arm, metric, *_t_summary(values, alpha)), strict=True))
            if control is not None:
                if arm == control:
                    row.update(dict.fromkeys(DIFF_COLUMNS, math.nan))
                else:
                    diff = values - wide[metric][control].to_numpy(dtype=float)
                    _, mean, _, lo, up, _ = _t_summary(diff, alpha)
                    row.update(zip(DIFF_COLUMNS, (mean, lo, up), strict=True))
            rows.append(row)
    columns = list(METRIC_COLUMNS) + (list(DIFF_COLUMNS) if control is not None else [])
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
