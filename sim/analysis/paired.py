"""Paired analysis for common-random-numbers experiments: the same leads in every arm.

When every arm replays the same lead stream, the outcome of lead i under the treatment and
under the control are correlated, and the differences between arms are far less noisy than
two independent samples of the same size suggest. Ignoring the pairing gives honest but much
too wide intervals; using it needs the cross-products between arms, kept in
:class:`~sim.analysis.sufficient.PairedStats` (sums and the 4x4 sum of products of (cost_t,
converted_t, cost_c, converted_c) per unit), which add across replications like
:class:`~sim.analysis.sufficient.ArmStats`. This module holds the paired estimators; the
comparison of every arm with the control is :func:`sim.analysis.comparison.compare_arms`,
given ``{arm: PairedStats}``.

Methods, and why:

- Difference of conversion rates (absolute lift): ``tango`` (default), Tango's (1998, Stat
  Med 17:891) score interval for the difference of paired proportions, which inverts the score
  test using the restricted maximum-likelihood estimate of the discordant cells. Its test at 0
  is McNemar's test. It behaves well when discordant pairs are few, which is the common case
  with common random numbers (most leads do the same under both strategies), and stays
  finite and non-degenerate with no discordant pairs at all, where the Wald and paired-t
  intervals collapse to a single point. ``paired-t`` (t-interval of the per-lead differences)
  and ``wald`` are available for comparison.
- Ratio of conversion rates (relative lift): ``delta-log``, the delta method on the log ratio
  of the two marginal rates with the pairing covariance: Var = (b + c) / ((a + b)(a + c)).
- Cost per conversion change: the methods of :mod:`sim.analysis.cost`, all with the full 4x4
  covariance from the pairs: ``mover-fieller`` (default: Fieller for the ratio; for the
  difference the arms' Fieller intervals combined by MOVER with the pairing correlation),
  ``delta-log`` (log scale for the ratio; for the difference the arms' log-scale intervals
  combined by MOVER with the pairing correlation), ``delta`` or ``fieller``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import stats as sps

from sim.analysis.cost import CPC_SUFFICIENT_METHODS, DEFAULT_CPC_METHOD, two_arm_cpc
from sim.analysis.interval import (
    Interval,
    add_note,
    as_arrays,
    bisect_decreasing,
    finish,
    merge_notes,
    nan_arrays,
    notes_array,
    two_sided_p,
    z_crit,
)
from sim.analysis.sufficient import PairedStats
from sim.analysis.validation import check_alpha, check_method
from sim.errors import InputError

__all__ = [  # PairedStats lives in sim.analysis.sufficient; kept importable here
    "PAIRED_CPC_METHODS",
    "PAIRED_DIFF_METHODS",
    "PairedStats",
    "paired_cost_per_conversion",
    "paired_diff_interval",
    "paired_ratio_interval",
    "tango_z",
]

PAIRED_DIFF_METHODS: tuple[str, ...] = ("tango", "paired-t", "wald")
PAIRED_CPC_METHODS: tuple[str, ...] = CPC_SUFFICIENT_METHODS


# ----------------------------------------------------------------------------- intervals
def paired_diff_interval(
    both: Any,
    only_treatment: Any,
    only_control: Any,
    n: Any,
    *,
    alpha: float = 0.05,
    method: str = "tango",
) -> Interval:
    """Interval for the difference of paired conversion rates, treatment minus control.

    Args:
        both, only_treatment, only_control: pairs converting in both arms, only under the
            treatment, only under the control.
        n: number of pairs.
        alpha: 1 - confidence level.
        method: ``tango`` (score; default), ``paired-t`` or ``wald``.

    Example:
        >>> [round(v, 4) for v in paired_diff_interval(0, 40, 20, 160)[:3]]
        [0.125, 0.0309, 0.2181]
    """
    check_alpha(alpha)
    name = check_method("diff_method", method, PAIRED_DIFF_METHODS)
    scalar, (a, b, c, n) = as_arrays(both, only_treatment, only_control, n)
    notes = notes_array(a.shape)
    est, lower, upper, pval = nan_arrays(a.shape)
    ok = n > 0
    add_note(notes, ~ok, "no pairs")
    if ok.any():
        bo, co, no = b[ok], c[ok], n[ok]
        diff = (bo - co) / no
        est[ok] = diff
        sub = notes_array(bo.shape)
        if name == "tango":
            z = z_crit(alpha)

            def score(d):
                return tango_z(bo, co, no, d)

            lo = bisect_decreasing(lambda d: score(d) - z, np.full_like(diff, -1.0), diff)
            up = bisect_decreasing(
                lambda d: score(d) + z, diff, np.full_like(diff, 1.0), nan_above=False
            )
            lo = np.where(diff <= -1, -1.0, lo)
            up = np.where(diff >= 1, 1.0, up)
            stat = tango_z(bo, co, no, np.zeros_like(diff))
            add_note(sub, (bo + co) == 0, "no discordant pairs: the arms agree on every unit")
            p = two_sided_p(stat)
        else:
            var_d = np.maximum(bo + co - (bo - co) ** 2 / no, 0.0)
            if name == "paired-t":
                with np.errstate(divide="ignore", invalid="ignore"):
                    se = np.sqrt(var_d / (no - 1) / no)
                    crit = sps.t.isf(alpha / 2, no - 1)
                    stat = diff / se
                p = 2 * sps.t.sf(np.abs(stat), no - 1)
            else:
                se = np.sqrt(var_d) / no
                crit = z_crit(alpha)
                with np.errstate(divide="ignore", invalid="ignore"):
                    stat = diff / se
                p = two_sided_p(stat)
            lo, up = np.maximum(diff - crit * se, -1.0), np.minimum(diff + crit * se, 1.0)
            zero = ~(se > 0)
            p = np.where(zero, np.nan, p)
            add_note(sub, zero, f"{name}: zero standard error (no discordant pairs); use tango")
        lower[ok], upper[ok], pval[ok] = lo, up, p
        notes[ok] = merge_notes(notes[ok], sub)
    return finish(scalar, est, lower, upper, pval, name, notes)


def tango_z(b: np.ndarray, c: np.ndarray, n: np.ndarray, delta: Any) -> np.ndarray:
    """Tango's score statistic for ``p_treatment - p_control = delta`` (paired).

    ``b``/``c`` are the discordant counts (treatment only / control only). The restricted
    estimate of the control-only cell probability solves 2n q^2 + W q - c delta (1 - delta) = 0
    with W = -b - c + (2n - b + c) delta (Tango 1998, eq. 5).

    >>> round(float(tango_z(np.array([40.0]), np.array([20.0]), np.array([160.0]), 0.0)[0]), 4)
    2.582
    """
    delta = np.broadcast_to(np.asarray(delta, dtype=float), np.shape(b))
    w = -b - c + (2 * n - b + c) * delta
    q = (np.sqrt(np.maximum(w * w + 8 * n * c * delta * (1 - delta), 0.0)) - w) / (4 * n)
    var = n * (2 * q + delta * (1 - delta))
    num = b - c - n * delta
    with np.errstate(divide="ignore", invalid="ignore"):
        z = num / np.sqrt(var)
        extreme = np.where(num == 0, 0.0, np.sign(num) * np.inf)
    return np.where(var > 0, z, extreme)


def paired_ratio_interval(
    both: Any, only_treatment: Any, only_control: Any, n: Any, *, alpha: float = 0.05
) -> Interval:
    """Interval for the ratio of paired conversion rates (delta method on the log scale).

    Example:
        >>> r = paired_ratio_interval(10, 40, 20, 160)
        >>> round(r.estimate, 4), round(r.lower, 4), round(r.upper, 4)
        (1.6667, 1.1262, 2.4665)
    """
    check_alpha(alpha)
    scalar, (a, b, c, n) = as_arrays(both, only_treatment, only_control, n)
    notes = notes_array(a.shape)
    xt, xc = a + b, a + c
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = xt / xc
        se = np.sqrt((b + c) / (xt * xc))
        z = z_crit(alpha)
        lower = ratio * np.exp(-z * se)
        upper = ratio * np.exp(z * se)
        pval = two_sided_p(np.log(ratio) / se)
    empty = n <= 0
    none = ~empty & (xt <= 0) & (xc <= 0)
    one_zero = ~empty & ~none & ((xt <= 0) | (xc <= 0))
    add_note(notes, empty, "no pairs")
    add_note(notes, none, "ratio undefined: no conversions in either arm")
    add_note(notes, one_zero, "delta-log undefined with 0 conversions in an arm")
    agree = ~empty & ~none & ~one_zero & ((b + c) == 0)
    add_note(notes, agree, "no discordant pairs: the arms agree on every unit")
    bad = empty | none | one_zero
    lower = np.where(bad, np.nan, lower)
    upper = np.where(bad, np.nan, upper)
    pval = np.where(bad | agree, np.nan, pval)
    ratio = np.where(empty | none, np.nan, ratio)
    return finish(scalar, ratio, lower, upper, pval, "delta-log", notes)


def paired_cost_per_conversion(
    stats: PairedStats,
    *,
    kind: str = "ratio",
    alpha: float = 0.05,
    method: str = DEFAULT_CPC_METHOD,
) -> Interval:
    """Ratio (treatment / control) or difference of costs per conversion, using the pairing.

    The covariance of the four means (cost and conversions in each arm) comes from the
    per-unit cross-products, so the strong positive correlation between arms under common
    random numbers narrows the interval. For the difference, ``mover-fieller`` and
    ``delta-log`` combine the two arms' own intervals by MOVER with the correlation of the two
    estimates (Zou 2008); ``delta`` and ``fieller`` linearise or invert the joint pivot.
    """
    check_alpha(alpha)
    name = check_method("cpc_method", method, PAIRED_CPC_METHODS)
    if kind not in ("ratio", "difference"):
        raise InputError("kind", f"{kind!r} is not allowed: use ratio or difference")
    notes = notes_array((1,))
    reasons = []
    t, c = stats.treatment_stats(), stats.control_stats()
    if stats.n < 2:
        reasons.append("fewer than 2 pairs: no variance")
    elif not (t.has_cost and c.has_cost):
        reasons.append("no cost data")
    elif t.conversions == 0 or c.conversions == 0:
        who = "treatment" if t.conversions == 0 else "control"
        reasons.append(f"{who}: no conversions: cost per conversion undefined")
    elif kind == "ratio" and (c.cost_sum <= 0 or (name == "delta-log" and t.cost_sum <= 0)):
        reasons.append("zero total cost: ratio undefined")
    if reasons:
        add_note(notes, [True], reasons[0])
        nan = np.full(1, np.nan)
        return finish(True, nan, nan, nan, nan, name, notes)
    conv = (np.array([float(t.conversions)]), np.array([float(c.conversions)]))
    r = two_arm_cpc(None, None, *conv, kind, name, stats.moments(), alpha=alpha)
    return finish(True, *r[:4], name, r.note)
