"""Comparing two independent conversion rates: the difference (absolute lift) and the ratio.

A 2x2 table is given treatment first, then control, as everywhere in the analysis layer:
``(x_t, n_t, x_c, n_c)``, conversions and units of the treatment arm, then of the control arm
(rates ``p_t``, ``p_c``). The difference is ``p_t - p_c`` (this module) and the ratio
``p_t / p_c`` (relative lift = ratio - 1; :mod:`sim.analysis.rate_ratio`, whose names are
importable from here too). All functions are vectorised over tables.

Difference methods (names after Newcombe 1998, Stat Med 17:873, whose numbering is quoted):
``newcombe`` (hybrid score, method 10, the default), ``newcombe-cc`` (method 11), ``wald``
(method 1), ``wald-cc`` (method 2), ``agresti-caffo``, ``miettinen-nurminen`` (score with the
N/(N-1) variance factor) and ``mee`` (score without it). Ratio methods: ``koopman`` (score,
Koopman 1984), ``miettinen-nurminen`` (score with the N/(N-1) factor), ``katz`` (log) and
``katz-adjusted`` (log with 0.5 added to counts, statsmodels' ``log-adjusted``).

Every interval comes with the p-value of the test it inverts, so "the interval excludes the
null" and "p < alpha" always agree: score tests for score intervals, Wald tests for Wald
intervals, and for the hybrid Newcombe intervals (which invert no single test) the p-value is
the level at which the interval's bound touches the null, found by bisection.

Score statistics are written out here instead of calling statsmodels in a loop because
coverage checks need thousands of tables at once; tests check them against
:func:`statsmodels.stats.proportion.confint_proportions_2indep` and
:func:`statsmodels.stats.proportion.test_proportions_2indep`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from sim.analysis.interval import (
    Interval,
    Test,
    add_note,
    bisect_decreasing,
)
from sim.analysis.proportions import wilson_bounds, wilson_cc_bounds
from sim.analysis.rate_ratio import (
    RATIO_METHODS,
    ratio_interval,
    ratio_score_z,
    ratio_test,
)
from sim.analysis.two_by_two import (
    EMPTY,
    both_arms,
    guard_zero_variance,
    table_interval,
    table_test,
)

__all__ = [
    "DIFF_METHODS",
    "RATIO_METHODS",
    "diff_interval",
    "diff_score_z",
    "diff_test",
    "ratio_interval",
    "ratio_score_z",
    "ratio_test",
]

DIFF_METHODS: tuple[str, ...] = (
    "newcombe",
    "newcombe-cc",
    "wald",
    "wald-cc",
    "agresti-caffo",
    "miettinen-nurminen",
    "mee",
)

# Newcombe p-values are found by bisection on z in [0, _Z_MAX]; 2*sf(40) underflows to 0.
_Z_MAX = 40.0


def diff_interval(
    x_t: Any, n_t: Any, x_c: Any, n_c: Any, *, alpha: float = 0.05, method: str = "newcombe"
) -> Interval:
    """Confidence interval for the difference of two rates ``x_t/n_t - x_c/n_c``.

    Args:
        x_t, n_t: conversions and units in the treatment arm.
        x_c, n_c: conversions and units in the control arm.
        alpha: 1 - confidence level.
        method: one of :data:`DIFF_METHODS`.

    Returns:
        :class:`~sim.analysis.interval.Interval`; ``p_value`` tests a zero difference with the
        test matching the method. An empty arm gives ``NaN`` and a note.

    Example (Newcombe 1998, Table II):
        >>> r = diff_interval(56, 70, 48, 80)
        >>> round(r.estimate, 4), round(r.lower, 4), round(r.upper, 4)
        (0.2, 0.0524, 0.3339)
        >>> round(diff_interval(56, 70, 48, 80, method="mee").lower, 4)
        0.0533
    """
    counts = (x_t, n_t, x_c, n_c)
    return table_interval(
        "diff_method", method, DIFF_METHODS, alpha, counts, _diff_refusals, _diff_fill
    )


def _diff_refusals(x_t, n_t, x_c, n_c):
    return [((n_t <= 0) | (n_c <= 0), EMPTY)]


def _diff_fill(name, x_t, n_t, x_c, n_c, z, notes):
    lower, upper = _diff_bounds(x_t, n_t, x_c, n_c, z, name)
    p_value = diff_test(x_t, n_t, x_c, n_c, method=name).p_value
    if name in ("wald", "wald-cc"):
        add_note(
            notes,
            _wald_var(x_t, n_t, x_c, n_c) <= 0,
            "wald: zero standard error (rates of 0 or 1); use newcombe or a score method",
        )
    return x_t / n_t - x_c / n_c, lower, upper, p_value


def diff_test(
    x_t: Any, n_t: Any, x_c: Any, n_c: Any, *, value: float = 0.0, method: str = "newcombe"
) -> Test:
    """Two-sided test of ``p_t - p_c = value`` consistent with :func:`diff_interval`.

    For score methods this is the score test; at a score interval's bound its p-value equals
    alpha. For ``newcombe``/``newcombe-cc`` it is the smallest alpha whose interval excludes
    ``value`` (the statistic is the matching critical value, signed).

    >>> round(float(diff_test(56, 70, 48, 80, method="mee").p_value), 4)
    0.008
    """
    counts = (x_t, n_t, x_c, n_c)
    return table_test(
        "diff_method", method, DIFF_METHODS, counts, value, both_arms, _diff_statistic
    )


def _diff_statistic(name, x_t, n_t, x_c, n_c, value):
    if name in ("miettinen-nurminen", "mee"):
        return diff_score_z(x_t, n_t, x_c, n_c, value, correction=name == "miettinen-nurminen")
    if name in ("newcombe", "newcombe-cc"):
        return _newcombe_inverted_z(x_t, n_t, x_c, n_c, value, cc=name == "newcombe-cc")
    if name == "agresti-caffo":
        a, b, c, d = x_t + 1, n_t + 2, x_c + 1, n_c + 2
        return (a / b - c / d - value) / np.sqrt(_wald_var(a, b, c, d))
    diff = x_t / n_t - x_c / n_c - value
    se = np.sqrt(_wald_var(x_t, n_t, x_c, n_c))
    if name == "wald-cc":
        diff = np.sign(diff) * np.maximum(np.abs(diff) - _cc(n_t, n_c), 0.0)
    return np.where(se > 0, diff / se, np.nan)


def diff_score_z(
    x_t: np.ndarray,
    n_t: np.ndarray,
    x_c: np.ndarray,
    n_c: np.ndarray,
    delta: Any,
    *,
    correction: bool,
) -> np.ndarray:
    """Score statistic for ``p_t - p_c = delta`` (Miettinen and Nurminen 1985; Mee 1984).

    Uses the constrained maximum-likelihood estimates under the null (the closed-form cubic
    root of Farrington and Manning 1990). ``correction`` multiplies the variance by N/(N-1)
    (Miettinen-Nurminen); without it the statistic is Mee's. Where the null variance is 0 the
    statistic is 0 if the numerator is 0 too (no evidence either way) and +-inf otherwise.
    """
    delta = np.broadcast_to(np.asarray(delta, dtype=float), np.shape(x_t))
    p_c_null = _constrained_p_c_diff(x_t, n_t, x_c, n_c, delta)
    p_t_null = np.clip(p_c_null + delta, 0.0, 1.0)
    var = p_t_null * (1 - p_t_null) / n_t + p_c_null * (1 - p_c_null) / n_c
    if correction:
        big_n = n_t + n_c
        var = var * big_n / (big_n - 1)
    num = x_t / n_t - x_c / n_c - delta
    with np.errstate(divide="ignore", invalid="ignore"):
        z = num / np.sqrt(var)
    return guard_zero_variance(num, var, z)


def _constrained_p_c_diff(x_t, n_t, x_c, n_c, delta):
    """Control rate maximising the likelihood subject to ``p_t - p_c = delta``."""
    big_n = n_t + n_c
    total = x_t + x_c
    # Cubic N p^3 + b p^2 + c p + d = 0 in the control rate, from setting the derivative of
    # the restricted log-likelihood to zero. statsmodels 0.14/0.15 has x_c where n_c belongs in
    # c (statsmodels issue #10269), which shifts its score intervals for the difference.
    b = (n_t + 2 * n_c) * delta - big_n - total
    c = (n_c * delta - big_n - 2 * x_c) * delta + total
    d = x_c * delta * (1 - delta)
    b3 = b / (3 * big_n)
    v = b3**3 - b * c / (6 * big_n**2) + d / (2 * big_n)
    u = np.where(v >= 0, 1.0, -1.0) * np.sqrt(np.maximum(b3**2 - c / (3 * big_n), 0.0))
    with np.errstate(divide="ignore", invalid="ignore"):
        cos_arg = np.clip(np.where(u != 0, v / u**3, 0.0), -1.0, 1.0)
    w = (np.pi + np.arccos(cos_arg)) / 3
    p_c = 2 * u * np.cos(w) - b3
    pooled = total / big_n
    p_c = np.where(np.abs(delta) < 1e-14, pooled, p_c)
    # The root lies where both constrained rates are probabilities; rounding can step out.
    return np.clip(p_c, np.maximum(0.0, -delta), np.minimum(1.0, 1.0 - delta))


def _diff_bounds(x_t, n_t, x_c, n_c, z, name):
    if name in ("newcombe", "newcombe-cc"):
        return _newcombe_bounds(x_t, n_t, x_c, n_c, z, cc=name == "newcombe-cc")
    if name in ("wald", "wald-cc", "agresti-caffo"):
        add = 1.0 if name == "agresti-caffo" else 0.0
        a, b, c, d = x_t + add, n_t + 2 * add, x_c + add, n_c + 2 * add
        half = z * np.sqrt(_wald_var(a, b, c, d))
        if name == "wald-cc":
            half = half + _cc(n_t, n_c)
        diff = a / b - c / d
        return np.maximum(diff - half, -1.0), np.minimum(diff + half, 1.0)
    correction = name == "miettinen-nurminen"
    diff = x_t / n_t - x_c / n_c

    def z_of(delta):
        return diff_score_z(x_t, n_t, x_c, n_c, delta, correction=correction)

    lower = bisect_decreasing(lambda t: z_of(t) - z, np.full_like(diff, -1.0), diff)
    upper = bisect_decreasing(lambda t: z_of(t) + z, diff, np.full_like(diff, 1.0), nan_above=False)
    lower = np.where(diff <= -1.0, -1.0, lower)
    upper = np.where(diff >= 1.0, 1.0, upper)
    return lower, upper


def _newcombe_bounds(x_t, n_t, x_c, n_c, z, *, cc):
    bounds = wilson_cc_bounds if cc else wilson_bounds
    l_t, u_t = bounds(x_t, n_t, z)
    l_c, u_c = bounds(x_c, n_c, z)
    p_t, p_c = x_t / n_t, x_c / n_c
    diff = p_t - p_c
    lower = diff - np.sqrt((p_t - l_t) ** 2 + (u_c - p_c) ** 2)
    upper = diff + np.sqrt((u_t - p_t) ** 2 + (p_c - l_c) ** 2)
    return lower, upper


def _newcombe_inverted_z(x_t, n_t, x_c, n_c, value, *, cc):
    """Signed critical value at which the Newcombe interval's bound reaches ``value``."""
    diff = x_t / n_t - x_c / n_c
    above = diff > value  # the lower bound is the one that can reach the null

    def gap(z):  # distance from the null to the relevant bound; decreasing in z
        lower, upper = _newcombe_bounds(x_t, n_t, x_c, n_c, z, cc=cc)
        return np.where(above, lower - value, value - upper)

    at_zero = gap(np.zeros_like(diff))
    z_star = bisect_decreasing(gap, np.zeros_like(diff), np.full_like(diff, _Z_MAX))
    z_star = np.where(at_zero <= 0, 0.0, z_star)  # continuity correction can cover the null
    z_star = np.where(diff == value, 0.0, z_star)
    return np.where(above, z_star, -z_star)


def _wald_var(x_t, n_t, x_c, n_c):
    p_t, p_c = x_t / n_t, x_c / n_c
    return p_t * (1 - p_t) / n_t + p_c * (1 - p_c) / n_c


def _cc(n_t, n_c):
    return 0.5 * (1.0 / n_t + 1.0 / n_c)
