"""Across-replication summary: each arm versus the control, with t-intervals.

Replications are independent and identically distributed, so they are the unit of analysis.
Every headline number is a ratio of sums over replications (conversions / leads, cost /
conversions); its standard error comes from the delta method with replications as clusters,
and intervals use Student's t with R - 1 degrees of freedom. The lift of an arm is linearised
*within* each replication, so the paired design's common random numbers shrink it exactly as
they should, and the split design is handled by the same formula.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import NamedTuple

import numpy as np
import pandas as pd
from scipy import stats

from sim.analysis.comparison import VOCABULARY
from sim.analysis.multiple import adjust_p_values
from sim.analysis.value import NEEDED as VALUE_NEEDED
from sim.analysis.value import VALUE_COLUMNS, value_summary

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


class Contrast(NamedTuple):
    """One arm against another on one metric, paired within replications."""

    difference: float
    difference_ci_lower: float
    difference_ci_upper: float
    ratio: float
    ratio_ci_lower: float
    ratio_ci_upper: float
    p_value: float


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
    a, b = by_arm[arm], by_arm[other]
    ra = ratio(a[num].to_numpy(float), a[den].to_numpy(float))
    rb = ratio(b[num].to_numpy(float), b[den].to_numpy(float))
    return _contrast(ra, rb, alpha)


def _contrast(t: Ratio, c: Ratio, alpha: float) -> Contrast:
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
    r_count = len(base)
    rows = []
    for arm in arms:
        g = by_arm[arm]
        if not g.index.equals(base.index):
            raise ValueError(f"arm {arm!r} and control have different replications")
        n = g["n"].to_numpy(float)
        conv = g["conversions"].to_numpy(float)
        rate = ratio(conv, n)
        lo, hi, _ = t_interval(rate.estimate, rate.influence, alpha)
        row = {
            "arm": arm,
            "control": control,
            "n": int(n.sum()),
            "conversions": int(conv.sum()),
            "conversion_rate": rate.estimate,
            "conversion_rate_ci_lower": lo,
            "conversion_rate_ci_upper": hi,
            "replications": r_count,
        }
        cpc = ratio(g["cost_total_usd"].to_numpy(float), conv)
        row["cost_per_conversion_usd"] = cpc.estimate
        row["cost_per_conversion_ci_lower"], row["cost_per_conversion_ci_upper"], _ = t_interval(
            cpc.estimate, cpc.influence, alpha
        )
        mkt = ratio(g["cost_acquisition_usd"].to_numpy(float), conv)
        row["marketing_cost_per_conversion_usd"] = mkt.estimate
        (
            row["marketing_cost_per_conversion_ci_lower"],
            row["marketing_cost_per_conversion_ci_upper"],
            _,
        ) = t_interval(mkt.estimate, mkt.influence, alpha)
        for name, col in (
            ("booked_rate", "booked"),
            ("lost_rate", "lost"),
            ("unsubscribe_rate", "unsubscribed"),
            ("complaint_rate", "complained"),
            ("emails_per_lead", "emails_sent"),
        ):
            row[name] = ratio(g[col].to_numpy(float), n).estimate
        for part in ("acquisition", "email", "sales", "fixed"):
            row[f"cost_{part}_per_conversion_usd"] = ratio(
                g[f"cost_{part}_usd"].to_numpy(float), conv
            ).estimate
        if arm == control:
            row.update(
                dict.fromkeys(
                    (
                        "abs_lift",
                        "abs_lift_ci_lower",
                        "abs_lift_ci_upper",
                        "rel_lift",
                        "rel_lift_ci_lower",
                        "rel_lift_ci_upper",
                        "p_value",
                    ),
                    math.nan,
                )
            )
            row["method"] = ""
            row["note"] = "control"
        else:
            row |= _lift(
                rate, ratio(base["conversions"].to_numpy(float), base["n"].to_numpy(float)), alpha
            )
            row["method"] = "replication-t" if r_count >= 2 else ""
            row["note"] = "" if r_count >= 2 else "one replication: no interval across replications"
            row |= _versus_control(g, base, alpha)
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


def _versus_control(g: pd.DataFrame, base: pd.DataFrame, alpha: float) -> dict[str, float]:
    """Cost per patient and the guardrail rates against the control, paired."""

    def pair(num: str, den: str) -> Contrast:
        return _contrast(
            ratio(g[num].to_numpy(float), g[den].to_numpy(float)),
            ratio(base[num].to_numpy(float), base[den].to_numpy(float)),
            alpha,
        )

    cost = pair("cost_total_usd", "conversions")
    out = {
        "cost_per_conversion_diff_usd": cost.difference,
        "cost_per_conversion_diff_ci_lower": cost.difference_ci_lower,
        "cost_per_conversion_diff_ci_upper": cost.difference_ci_upper,
        "cost_per_conversion_ratio": cost.ratio,
        "cost_per_conversion_ratio_ci_lower": cost.ratio_ci_lower,
        "cost_per_conversion_ratio_ci_upper": cost.ratio_ci_upper,
    }
    for name, col in (("unsubscribe_rate", "unsubscribed"), ("complaint_rate", "complained")):
        c = pair(col, "n")
        out[f"{name}_diff"] = c.difference
        out[f"{name}_diff_ci_lower"] = c.difference_ci_lower
        out[f"{name}_diff_ci_upper"] = c.difference_ci_upper
    return out


def _lift(t: Ratio, c: Ratio, alpha: float) -> dict[str, float]:
    diff = t.estimate - c.estimate
    lo, hi, p = t_interval(diff, t.influence - c.influence, alpha)
    out = {"abs_lift": diff, "abs_lift_ci_lower": lo, "abs_lift_ci_upper": hi, "p_value": p}
    if c.estimate > 0 and t.estimate > 0:
        log_ratio = math.log(t.estimate / c.estimate)
        infl = t.influence / t.estimate - c.influence / c.estimate
        llo, lhi, _ = t_interval(log_ratio, infl, alpha)
        out |= {
            "rel_lift": t.estimate / c.estimate - 1.0,
            "rel_lift_ci_lower": math.exp(llo) - 1.0 if math.isfinite(llo) else math.nan,
            "rel_lift_ci_upper": math.exp(lhi) - 1.0 if math.isfinite(lhi) else math.nan,
        }
    else:
        out |= {"rel_lift": math.nan, "rel_lift_ci_lower": math.nan, "rel_lift_ci_upper": math.nan}
    return out
