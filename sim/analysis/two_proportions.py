"""Comparing two independent conversion rates: the difference (absolute lift) and the ratio.

Arm 1 is the treatment, arm 0 the control: the difference is ``p1 - p0`` and the ratio
``p1 / p0`` (relative lift = ratio - 1). All functions are vectorised over tables.

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
    as_arrays,
    bisect_decreasing,
    check_alpha,
    check_method,
    finish,
    notes_array,
    two_sided_p,
    z_crit,
)
from sim.analysis.proportions import wilson_bounds, wilson_cc_bounds

DIFF_METHODS: tuple[str, ...] = (
    "newcombe",
    "newcombe-cc",
    "wald",
    "wald-cc",
    "agresti-caffo",
    "miettinen-nurminen",
    "mee",
)
RATIO_METHODS: tuple[str, ...] = ("koopman", "miettinen-nurminen", "katz", "katz-adjusted")

_EMPTY = "empty arm: no units"
# Bisection brackets on the log-ratio scale extend this far either side of the estimate:
# e**40 is far beyond any ratio bound a table of counts can produce.
_LOG_SPAN = 40.0
# Newcombe p-values are found by bisection on z in [0, _Z_MAX]; 2*sf(40) underflows to 0.
_Z_MAX = 40.0


# ----------------------------------------------------------------------------- difference
def diff_interval(
    x1: Any, n1: Any, x0: Any, n0: Any, *, alpha: float = 0.05, method: str = "newcombe"
) -> Interval:
    """Confidence interval for the difference of two rates ``x1/n1 - x0/n0``.

    Args:
        x1, n1: conversions and units in the treatment arm.
        x0, n0: conversions and units in the control arm.
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
    check_alpha(alpha)
    name = check_method("diff_method", method, DIFF_METHODS)
    scalar, (x1, n1, x0, n0) = as_arrays(x1, n1, x0, n0)
    notes = notes_array(x1.shape)
    nan = np.full(x1.shape, np.nan)
    est, lower, upper, pval = nan.copy(), nan.copy(), nan.copy(), nan.copy()
    ok = (n1 > 0) & (n0 > 0)
    add_note(notes, ~ok, _EMPTY)
    if ok.any():
        a, b, c, d = x1[ok], n1[ok], x0[ok], n0[ok]
        lo, up = _diff_bounds(a, b, c, d, z_crit(alpha), name)
        est[ok] = a / b - c / d
        lower[ok], upper[ok] = lo, up
        test = diff_test(a, b, c, d, method=name)
        pval[ok] = test.p_value
        sub = notes_array(a.shape)
        if name in ("wald", "wald-cc"):
            add_note(
                sub,
                _wald_var(a, b, c, d) <= 0,
                "wald: zero standard error (rates of 0 or 1); use newcombe or a score method",
            )
        notes[ok] = _merge(notes[ok], sub)
    return finish(scalar, est, lower, upper, pval, name, notes)


def diff_test(
    x1: Any, n1: Any, x0: Any, n0: Any, *, value: float = 0.0, method: str = "newcombe"
) -> Test:
    """Two-sided test of ``p1 - p0 = value`` consistent with :func:`diff_interval`.

    For score methods this is the score test; at a score interval's bound its p-value equals
    alpha. For ``newcombe``/``newcombe-cc`` it is the smallest alpha whose interval excludes
    ``value`` (the statistic is the matching critical value, signed).

    >>> round(float(diff_test(56, 70, 48, 80, method="mee").p_value), 4)
    0.008
    """
    name = check_method("diff_method", method, DIFF_METHODS)
    scalar, (x1, n1, x0, n0) = as_arrays(x1, n1, x0, n0)
    value_arr = np.broadcast_to(np.asarray(value, dtype=float), x1.shape)
    stat = np.full(x1.shape, np.nan)
    ok = (n1 > 0) & (n0 > 0)
    if ok.any():
        a, b, c, d, v = x1[ok], n1[ok], x0[ok], n0[ok], value_arr[ok]
        with np.errstate(divide="ignore", invalid="ignore"):
            if name in ("miettinen-nurminen", "mee"):
                stat[ok] = diff_score_z(a, b, c, d, v, correction=name == "miettinen-nurminen")
            elif name in ("newcombe", "newcombe-cc"):
                stat[ok] = _newcombe_inverted_z(a, b, c, d, v, cc=name == "newcombe-cc")
            elif name == "agresti-caffo":
                a2, b2, c2, d2 = a + 1, b + 2, c + 1, d + 2
                stat[ok] = (a2 / b2 - c2 / d2 - v) / np.sqrt(_wald_var(a2, b2, c2, d2))
            else:
                diff = a / b - c / d - v
                se = np.sqrt(_wald_var(a, b, c, d))
                if name == "wald-cc":
                    diff = np.sign(diff) * np.maximum(np.abs(diff) - _cc(b, d), 0.0)
                stat[ok] = np.where(se > 0, diff / se, np.nan)
    p = two_sided_p(stat)
    if scalar:
        return Test(float(stat.reshape(-1)[0]), float(p.reshape(-1)[0]))
    return Test(stat, p)


def diff_score_z(
    x1: np.ndarray,
    n1: np.ndarray,
    x0: np.ndarray,
    n0: np.ndarray,
    delta: Any,
    *,
    correction: bool,
) -> np.ndarray:
    """Score statistic for ``p1 - p0 = delta`` (Miettinen and Nurminen 1985; Mee 1984).

    Uses the constrained maximum-likelihood estimates under the null (the closed-form cubic
    root of Farrington and Manning 1990). ``correction`` multiplies the variance by N/(N-1)
    (Miettinen-Nurminen); without it the statistic is Mee's. Where the null variance is 0 the
    statistic is 0 if the numerator is 0 too (no evidence either way) and +-inf otherwise.
    """
    delta = np.broadcast_to(np.asarray(delta, dtype=float), np.shape(x1))
    p0t = _constrained_p0_diff(x1, n1, x0, n0, delta)
    p1t = np.clip(p0t + delta, 0.0, 1.0)
    var = p1t * (1 - p1t) / n1 + p0t * (1 - p0t) / n0
    if correction:
        big_n = n1 + n0
        var = var * big_n / (big_n - 1)
    num = x1 / n1 - x0 / n0 - delta
    with np.errstate(divide="ignore", invalid="ignore"):
        z = num / np.sqrt(var)
    return _guard(num, var, z)


def _constrained_p0_diff(x1, n1, x0, n0, delta):
    """Control rate maximising the likelihood subject to ``p1 - p0 = delta``."""
    big_n = n1 + n0
    total = x1 + x0
    # Cubic N p^3 + b p^2 + c p + d = 0 in the control rate, from setting the derivative of
    # the restricted log-likelihood to zero. statsmodels 0.14/0.15 has x0 where n0 belongs in
    # c (statsmodels issue #10269), which shifts its score intervals for the difference.
    b = (n1 + 2 * n0) * delta - big_n - total
    c = (n0 * delta - big_n - 2 * x0) * delta + total
    d = x0 * delta * (1 - delta)
    b3 = b / (3 * big_n)
    v = b3**3 - b * c / (6 * big_n**2) + d / (2 * big_n)
    u = np.where(v >= 0, 1.0, -1.0) * np.sqrt(np.maximum(b3**2 - c / (3 * big_n), 0.0))
    with np.errstate(divide="ignore", invalid="ignore"):
        cos_arg = np.clip(np.where(u != 0, v / u**3, 0.0), -1.0, 1.0)
    w = (np.pi + np.arccos(cos_arg)) / 3
    p0 = 2 * u * np.cos(w) - b3
    pooled = total / big_n
    p0 = np.where(np.abs(delta) < 1e-14, pooled, p0)
    # The root lies where both constrained rates are probabilities; rounding can step out.
    return np.clip(p0, np.maximum(0.0, -delta), np.minimum(1.0, 1.0 - delta))


def _diff_bounds(x1, n1, x0, n0, z, name):
    if name in ("newcombe", "newcombe-cc"):
        return _newcombe_bounds(x1, n1, x0, n0, z, cc=name == "newcombe-cc")
    if name in ("wald", "wald-cc", "agresti-caffo"):
        add = 1.0 if name == "agresti-caffo" else 0.0
        a, b, c, d = x1 + add, n1 + 2 * add, x0 + add, n0 + 2 * add
        half = z * np.sqrt(_wald_var(a, b, c, d))
        if name == "wald-cc":
            half = half + _cc(n1, n0)
        diff = a / b - c / d
        return np.maximum(diff - half, -1.0), np.minimum(diff + half, 1.0)
    correction = name == "miettinen-nurminen"
    diff = x1 / n1 - x0 / n0

    def z_of(delta):
        return diff_score_z(x1, n1, x0, n0, delta, correction=correction)

    lower = bisect_decreasing(lambda t: z_of(t) - z, np.full_like(diff, -1.0), diff)
    upper = bisect_decreasing(lambda t: z_of(t) + z, diff, np.full_like(diff, 1.0), nan_above=False)
    lower = np.where(diff <= -1.0, -1.0, lower)
    upper = np.where(diff >= 1.0, 1.0, upper)
    return lower, upper


def _newcombe_bounds(x1, n1, x0, n0, z, *, cc):
    bounds = wilson_cc_bounds if cc else wilson_bounds
    l1, u1 = bounds(x1, n1, z)
    l0, u0 = bounds(x0, n0, z)
    p1, p0 = x1 / n1, x0 / n0
    diff = p1 - p0
    lower = diff - np.sqrt((p1 - l1) ** 2 + (u0 - p0) ** 2)
    upper = diff + np.sqrt((u1 - p1) ** 2 + (p0 - l0) ** 2)
    return lower, upper


def _newcombe_inverted_z(x1, n1, x0, n0, value, *, cc):
    """Signed critical value at which the Newcombe interval's bound reaches ``value``."""
    diff = x1 / n1 - x0 / n0
    above = diff > value  # the lower bound is the one that can reach the null

    def gap(z):  # distance from the null to the relevant bound; decreasing in z
        lower, upper = _newcombe_bounds(x1, n1, x0, n0, z, cc=cc)
        return np.where(above, lower - value, value - upper)

    at_zero = gap(np.zeros_like(diff))
    z_star = bisect_decreasing(gap, np.zeros_like(diff), np.full_like(diff, _Z_MAX))
    z_star = np.where(at_zero <= 0, 0.0, z_star)  # continuity correction can cover the null
    z_star = np.where(diff == value, 0.0, z_star)
    return np.where(above, z_star, -z_star)


def _wald_var(x1, n1, x0, n0):
    p1, p0 = x1 / n1, x0 / n0
    return p1 * (1 - p1) / n1 + p0 * (1 - p0) / n0


def _cc(n1, n0):
    return 0.5 * (1.0 / n1 + 1.0 / n0)


# ----------------------------------------------------------------------------- ratio
def ratio_interval(
    x1: Any, n1: Any, x0: Any, n0: Any, *, alpha: float = 0.05, method: str = "koopman"
) -> Interval:
    """Confidence interval for the ratio of two rates ``(x1/n1) / (x0/n0)``.

    Relative lift is this ratio minus 1. A control without conversions has an infinite ratio
    estimate and upper bound (score methods still give a finite lower bound); no conversions
    in either arm leave the ratio undefined (``NaN`` with a note).

    Args:
        x1, n1: conversions and units in the treatment arm.
        x0, n0: conversions and units in the control arm.
        alpha: 1 - confidence level.
        method: one of :data:`RATIO_METHODS`.

    Example:
        >>> r = ratio_interval(56, 70, 48, 80)
        >>> round(r.estimate, 4), round(r.lower, 4), round(r.upper, 4)
        (1.3333, 1.0798, 1.6708)
    """
    check_alpha(alpha)
    name = check_method("ratio_method", method, RATIO_METHODS)
    scalar, (x1, n1, x0, n0) = as_arrays(x1, n1, x0, n0)
    notes = notes_array(x1.shape)
    nan = np.full(x1.shape, np.nan)
    est, lower, upper, pval = nan.copy(), nan.copy(), nan.copy(), nan.copy()
    empty = (n1 <= 0) | (n0 <= 0)
    add_note(notes, empty, _EMPTY)
    none = ~empty & (x1 <= 0) & (x0 <= 0)
    add_note(notes, none, "ratio undefined: no conversions in either arm")
    ok = ~empty & ~none
    if ok.any():
        a, b, c, d = x1[ok], n1[ok], x0[ok], n0[ok]
        sub = notes_array(a.shape)
        with np.errstate(divide="ignore", invalid="ignore"):
            est[ok] = (a / b) / (c / d)
        z = z_crit(alpha)
        if name in ("katz", "katz-adjusted"):
            lo, up, bad = _katz_bounds(a, b, c, d, z, adjusted=name == "katz-adjusted")
            add_note(sub, bad, "katz undefined with 0 conversions in an arm; use koopman")
            add_note(sub, ~bad & (lo == up), "katz: zero standard error (rates of 1); use koopman")
        else:
            lo, up = _ratio_score_bounds(a, b, c, d, z, correction=name == "miettinen-nurminen")
        add_note(sub, c <= 0, "control has 0 conversions: ratio and upper bound unbounded")
        lower[ok], upper[ok] = lo, up
        pval[ok] = ratio_test(a, b, c, d, method=name).p_value
        notes[ok] = _merge(notes[ok], sub)
    return finish(scalar, est, lower, upper, pval, name, notes)


def ratio_test(
    x1: Any, n1: Any, x0: Any, n0: Any, *, value: float = 1.0, method: str = "koopman"
) -> Test:
    """Two-sided test of ``p1 / p0 = value`` consistent with :func:`ratio_interval`.

    >>> round(float(ratio_test(56, 70, 48, 80).p_value), 4)
    0.008
    """
    name = check_method("ratio_method", method, RATIO_METHODS)
    scalar, (x1, n1, x0, n0) = as_arrays(x1, n1, x0, n0)
    value_arr = np.broadcast_to(np.asarray(value, dtype=float), x1.shape)
    stat = np.full(x1.shape, np.nan)
    ok = (n1 > 0) & (n0 > 0) & ((x1 > 0) | (x0 > 0))
    if ok.any():
        a, b, c, d, v = x1[ok], n1[ok], x0[ok], n0[ok], value_arr[ok]
        with np.errstate(divide="ignore", invalid="ignore"):
            if name in ("katz", "katz-adjusted"):
                add = 0.5 if name == "katz-adjusted" else 0.0
                a2, b2, c2, d2 = a + add, b + add, c + add, d + add
                se = np.sqrt(1 / a2 - 1 / b2 + 1 / c2 - 1 / d2)
                good = (a2 > 0) & (c2 > 0)
                stat[ok] = np.where(good, (np.log((a2 / b2) / (c2 / d2)) - np.log(v)) / se, np.nan)
            else:
                stat[ok] = ratio_score_z(a, b, c, d, v, correction=name == "miettinen-nurminen")
    p = two_sided_p(stat)
    if scalar:
        return Test(float(stat.reshape(-1)[0]), float(p.reshape(-1)[0]))
    return Test(stat, p)


def ratio_score_z(x1, n1, x0, n0, ratio, *, correction: bool) -> np.ndarray:
    """Score statistic for ``p1 / p0 = ratio`` (Koopman 1984; Miettinen and Nurminen 1985).

    The constrained estimates are the closed-form root of Miettinen and Nurminen's quadratic;
    ``correction`` multiplies the variance by N/(N-1).
    """
    ratio = np.broadcast_to(np.asarray(ratio, dtype=float), np.shape(x1))
    big_n = n1 + n0
    a = big_n * ratio
    b = -(n1 * ratio + x1 + n0 + x0 * ratio)
    c = x1 + x0
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        root = np.sqrt(np.maximum(b * b - 4 * a * c, 0.0))
        # The numerically stable form of (-b - root) / (2a): b < 0 so -b + root has no cancellation.
        p0 = 2 * c / (-b + root)
        p0 = np.clip(p0, 0.0, np.minimum(1.0, 1.0 / ratio))
        p1 = np.clip(p0 * ratio, 0.0, 1.0)
        var = p1 * (1 - p1) / n1 + ratio**2 * p0 * (1 - p0) / n0
        if correction:
            var = var * big_n / (big_n - 1)
        num = x1 / n1 - ratio * x0 / n0
        z = num / np.sqrt(var)
    return _guard(num, var, z)


def _ratio_score_bounds(x1, n1, x0, n0, z, *, correction):
    # Bisection on log(ratio); the bracket is centred on a ratio that exists even with zeros.
    ref = np.log(((x1 + 0.5) / (n1 + 0.5)) / ((x0 + 0.5) / (n0 + 0.5)))
    with np.errstate(divide="ignore"):
        centre = np.log(x1 / n1) - np.log(x0 / n0)
    centre = np.where(np.isfinite(centre), centre, ref)
    far_lo, far_hi = ref - _LOG_SPAN, ref + _LOG_SPAN

    def z_of(t):
        return ratio_score_z(x1, n1, x0, n0, np.exp(t), correction=correction)

    lower = np.exp(bisect_decreasing(lambda t: z_of(t) - z, far_lo, centre))
    upper = np.exp(bisect_decreasing(lambda t: z_of(t) + z, centre, far_hi, nan_above=False))
    # When the statistic never reaches the critical value the data cannot bound that side.
    lower = np.where((x1 <= 0) | ~(z_of(far_lo) > z), 0.0, lower)
    upper = np.where((x0 <= 0) | ~(z_of(far_hi) < -z), np.inf, upper)
    return lower, upper


def _katz_bounds(x1, n1, x0, n0, z, *, adjusted):
    add = 0.5 if adjusted else 0.0
    a, b, c, d = x1 + add, n1 + add, x0 + add, n0 + add
    bad = (a <= 0) | (c <= 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        log_ratio = np.log((a / b) / (c / d))
        half = z * np.sqrt(1 / a - 1 / b + 1 / c - 1 / d)
        lower = np.where(bad, np.nan, np.exp(log_ratio - half))
        upper = np.where(bad, np.nan, np.exp(log_ratio + half))
    return lower, upper, bad


def _guard(num: np.ndarray, var: np.ndarray, z: np.ndarray) -> np.ndarray:
    """Where the null variance is 0: statistic 0 if the numerator is 0, else +-inf."""
    with np.errstate(invalid="ignore"):
        extreme = np.where(num == 0, 0.0, np.sign(num) * np.inf)
    return np.where(var > 0, z, extreme)


def _merge(first: np.ndarray, second: np.ndarray) -> np.ndarray:
    out = first.copy()
    for i, text in enumerate(second):
        if text:
            out[i] = f"{out[i]}; {text}" if out[i] else text
    return out
