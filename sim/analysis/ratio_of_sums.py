"""Ratios of sums over replications: the delta method, t-intervals and paired contrasts.

Replications are independent and identically distributed, so they are the unit of analysis.
Every headline number of a simulated experiment is a ratio of sums over replications
(conversions / leads, cost / conversions); its standard error comes from the delta method with
replications as clusters, and intervals use Student's t with R - 1 degrees of freedom. Two
arms are compared by linearising both *within* each replication, so what they share (the same
leads in the paired design, the same world in the split one) cancels in the difference.

Arguments name the treatment first, then the control (``t``, ``c``), as everywhere in
:mod:`sim.analysis`.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
import pandas as pd
from scipy import stats

#: Summary metrics that are ratios of per-replication sums: metric -> (numerator,
#: denominator) columns of ``replications.csv``. Lifts compare conversion rates.
METRIC_RATIOS = {
    "conversion_rate": ("conversions", "n"),
    "abs_lift": ("conversions", "n"),
    "rel_lift": ("conversions", "n"),
    "booked_rate": ("booked", "n"),
    "lost_rate": ("lost", "n"),
    "unsubscribe_rate": ("unsubscribed", "n"),
    "complaint_rate": ("complained", "n"),
    "emails_per_lead": ("emails_sent", "n"),
    "cost_per_conversion_usd": ("cost_total_usd", "conversions"),
    "marketing_cost_per_conversion_usd": ("cost_acquisition_usd", "conversions"),
    "cost_acquisition_per_conversion_usd": ("cost_acquisition_usd", "conversions"),
    "cost_email_per_conversion_usd": ("cost_email_usd", "conversions"),
    "cost_sales_per_conversion_usd": ("cost_sales_usd", "conversions"),
    "cost_fixed_per_conversion_usd": ("cost_fixed_usd", "conversions"),
}


class Ratio(NamedTuple):
    """A ratio of sums over replications and its per-replication influence values."""

    estimate: float
    influence: np.ndarray  # (num_r - estimate * den_r) / mean(den)


def ratio(num: np.ndarray, den: np.ndarray) -> Ratio:
    """Ratio of sums with its linearisation.

    >>> r = ratio(np.array([2.0, 4.0]), np.array([10.0, 10.0]))
    >>> r.estimate, r.influence.tolist()
    (0.3, [-0.1, 0.1])
    """
    total = den.sum()
    if total == 0:
        return Ratio(math.nan, np.full(len(num), math.nan))
    est = num.sum() / total
    return Ratio(float(est), (num - est * den) / den.mean())


def column_ratio(table: pd.DataFrame, num: str, den: str) -> Ratio:
    """:func:`ratio` of two columns of a per-replication table."""
    return ratio(table[num].to_numpy(float), table[den].to_numpy(float))


def t_interval(estimate: float, influence: np.ndarray, alpha: float) -> tuple[float, float, float]:
    """(lower, upper, p-value for 0) from influence values; NaN when R < 2 or degenerate."""
    r = len(influence)
    if r < 2 or not math.isfinite(estimate) or not np.all(np.isfinite(influence)):
        return math.nan, math.nan, math.nan
    se = float(np.std(influence, ddof=1) / math.sqrt(r))
    q = float(stats.t.ppf(1 - alpha / 2, r - 1))
    if se == 0.0:
        p = 0.0 if estimate != 0 else 1.0
        return estimate, estimate, p
    p = float(2 * stats.t.sf(abs(estimate) / se, r - 1))
    return estimate - q * se, estimate + q * se, p


class Contrast(NamedTuple):
    """One arm against another on one metric, paired within replications."""

    difference: float
    difference_ci_lower: float
    difference_ci_upper: float
    ratio: float
    ratio_ci_lower: float
    ratio_ci_upper: float
    p_value: float


def ratio_contrast(t: Ratio, c: Ratio, alpha: float) -> Contrast:
    """Treatment ``t`` minus (and over) control ``c``, linearised within replications.

    The ratio's interval is the exponentiated interval of its logarithm (NaN when either
    estimate is not positive).
    """
    diff = t.estimate - c.estimate
    lo, hi, p = t_interval(diff, t.influence - c.influence, alpha)
    rat = rlo = rhi = math.nan
    if c.estimate > 0 and t.estimate > 0:
        rat = t.estimate / c.estimate
        llo, lhi, _ = t_interval(
            math.log(rat), t.influence / t.estimate - c.influence / c.estimate, alpha
        )
        if math.isfinite(llo):
            rlo, rhi = math.exp(llo), math.exp(lhi)
    return Contrast(diff, lo, hi, rat, rlo, rhi, p)


def contrast(
    reps: pd.DataFrame, arm: str, other: str, metric: str, alpha: float = 0.05
) -> Contrast:
    """``arm`` minus (and over) ``other`` on ``metric``, with t-intervals across replications.

    Both arms' ratios are linearised within each replication, so what the arms share (the
    same leads in the paired design, the same world in the split one) cancels in the
    difference, exactly as for the lift.

    >>> reps = pd.DataFrame({"arm": ["a", "b"] * 3, "replication": [0, 0, 1, 1, 2, 2],
    ...     "n": [100] * 6, "conversions": [20, 30, 18, 29, 22, 33]})
    >>> c = contrast(reps, "b", "a", "conversion_rate")
    >>> round(c.difference, 4), c.difference_ci_lower > 0
    (0.1067, True)
    """
    num, den = METRIC_RATIOS[metric]
    by_arm = {a: g.set_index("replication").sort_index() for a, g in reps.groupby("arm")}
    return ratio_contrast(
        column_ratio(by_arm[arm], num, den), column_ratio(by_arm[other], num, den), alpha
    )


def lift(t: Ratio, c: Ratio, alpha: float) -> dict[str, float]:
    """Absolute and relative lift of treatment rate ``t`` over control rate ``c``.

    The relative lift's interval is the ratio's less one (:func:`ratio_contrast`).
    """
    k = ratio_contrast(t, c, alpha)
    rel = k.ratio - 1.0 if math.isfinite(k.ratio) else math.nan
    return {
        "abs_lift": k.difference,
        "abs_lift_ci_lower": k.difference_ci_lower,
        "abs_lift_ci_upper": k.difference_ci_upper,
        "p_value": k.p_value,
        "rel_lift": rel,
        "rel_lift_ci_lower": k.ratio_ci_lower - 1.0,
        "rel_lift_ci_upper": k.ratio_ci_upper - 1.0,
    }
