"""The ratio of two independent conversion rates, ``p_t / p_c`` (relative lift = ratio - 1).

Tables are given treatment first, then control: ``(x_t, n_t, x_c, n_c)``
(:mod:`sim.analysis.two_by_two`). Methods: ``koopman`` (score, Koopman 1984, the default),
``miettinen-nurminen`` (score with the N/(N-1) variance factor), ``katz`` (log) and
``katz-adjusted`` (log with 0.5 added to counts, statsmodels' ``log-adjusted``). Each
interval's p-value is that of the test it inverts (score or log-Wald), as for the difference
in :mod:`sim.analysis.two_proportions`.
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
from sim.analysis.two_by_two import (
    EMPTY,
    both_arms,
    guard_zero_variance,
    table_interval,
    table_test,
)

RATIO_METHODS: tuple[str, ...] = ("koopman", "miettinen-nurminen", "katz", "katz-adjusted")

# Bisection brackets on the log-ratio scale extend this far either side of the estimate:
# e**40 is far beyond any ratio bound a table of counts can produce.
_LOG_SPAN = 40.0


def ratio_interval(
    x_t: Any, n_t: Any, x_c: Any, n_c: Any, *, alpha: float = 0.05, method: str = "koopman"
) -> Interval:
    """Confidence interval for the ratio of two rates ``(x_t/n_t) / (x_c/n_c)``.

    Relative lift is this ratio minus 1. A control without conversions has an infinite ratio
    estimate and upper bound (score methods still give a finite lower bound); no conversions
    in either arm leave the ratio undefined (``NaN`` with a note).

    Args:
        x_t, n_t, x_c, n_c: the table, treatment then control (conversions, units).
        alpha: 1 - confidence level.
        method: one of :data:`RATIO_METHODS`.

    Example:
        >>> r = ratio_interval(56, 70, 48, 80)
        >>> round(r.estimate, 4), round(r.lower, 4), round(r.upper, 4)
        (1.3333, 1.0798, 1.6708)
    """
    counts = (x_t, n_t, x_c, n_c)
    return table_interval(
        "ratio_method", method, RATIO_METHODS, alpha, counts, _ratio_refusals, _ratio_fill
    )


def _ratio_refusals(x_t, n_t, x_c, n_c):
    return [
        ((n_t <= 0) | (n_c <= 0), EMPTY),
        ((x_t <= 0) & (x_c <= 0), "ratio undefined: no conversions in either arm"),
    ]


def _ratio_fill(name, x_t, n_t, x_c, n_c, z, notes):
    with np.errstate(divide="ignore", invalid="ignore"):
        estimate = (x_t / n_t) / (x_c / n_c)
    if name in ("katz", "katz-adjusted"):
        lower, upper, bad = _katz_bounds(x_t, n_t, x_c, n_c, z, adjusted=name == "katz-adjusted")
        add_note(notes, bad, "katz undefined with 0 conversions in an arm; use koopman")
        add_note(
            notes, ~bad & (lower == upper), "katz: zero standard error (rates of 1); use koopman"
        )
    else:
        correction = name == "miettinen-nurminen"
        lower, upper = _ratio_score_bounds(x_t, n_t, x_c, n_c, z, correction=correction)
    add_note(notes, x_c <= 0, "control has 0 conversions: ratio and upper bound unbounded")
    return estimate, lower, upper, ratio_test(x_t, n_t, x_c, n_c, method=name).p_value


def ratio_test(
    x_t: Any, n_t: Any, x_c: Any, n_c: Any, *, value: float = 1.0, method: str = "koopman"
) -> Test:
    """Two-sided test of ``p_t / p_c = value`` consistent with :func:`ratio_interval`.

    >>> round(float(ratio_test(56, 70, 48, 80).p_value), 4)
    0.008
    """
    counts = (x_t, n_t, x_c, n_c)
    return table_test(
        "ratio_method", method, RATIO_METHODS, counts, value, _some_conversion, _ratio_statistic
    )


def _some_conversion(x_t, n_t, x_c, n_c):
    return both_arms(x_t, n_t, x_c, n_c) & ((x_t > 0) | (x_c > 0))


def _ratio_statistic(name, x_t, n_t, x_c, n_c, value):
    if name in ("katz", "katz-adjusted"):
        add = 0.5 if name == "katz-adjusted" else 0.0
        a, b, c, d = x_t + add, n_t + add, x_c + add, n_c + add
        se = np.sqrt(1 / a - 1 / b + 1 / c - 1 / d)
        good = (a > 0) & (c > 0)
        return np.where(good, (np.log((a / b) / (c / d)) - np.log(value)) / se, np.nan)
    return ratio_score_z(x_t, n_t, x_c, n_c, value, correction=name == "miettinen-nurminen")


def ratio_score_z(x_t, n_t, x_c, n_c, ratio, *, correction: bool) -> np.ndarray:
    """Score statistic for ``p_t / p_c = ratio`` (Koopman 1984; Miettinen and Nurminen 1985).

    The constrained estimates are the closed-form root of Miettinen and Nurminen's quadratic;
    ``correction`` multiplies the variance by N/(N-1).
    """
    ratio = np.broadcast_to(np.asarray(ratio, dtype=float), np.shape(x_t))
    big_n = n_t + n_c
    a = big_n * ratio
    b = -(n_t * ratio + x_t + n_c + x_c * ratio)
    c = x_t + x_c
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        root = np.sqrt(np.maximum(b * b - 4 * a * c, 0.0))
        # The numerically stable form of (-b - root) / (2a): b < 0 so -b + root has no cancellation.
        p_c = 2 * c / (-b + root)
        p_c = np.clip(p_c, 0.0, np.minimum(1.0, 1.0 / ratio))
        p_t = np.clip(p_c * ratio, 0.0, 1.0)
        var = p_t * (1 - p_t) / n_t + ratio**2 * p_c * (1 - p_c) / n_c
        if correction:
            var = var * big_n / (big_n - 1)
        num = x_t / n_t - ratio * x_c / n_c
        z = num / np.sqrt(var)
    return guard_zero_variance(num, var, z)


def _ratio_score_bounds(x_t, n_t, x_c, n_c, z, *, correction):
    # Bisection on log(ratio); the bracket is centred on a ratio that exists even with zeros.
    ref = np.log(((x_t + 0.5) / (n_t + 0.5)) / ((x_c + 0.5) / (n_c + 0.5)))
    with np.errstate(divide="ignore"):
        centre = np.log(x_t / n_t) - np.log(x_c / n_c)
    centre = np.where(np.isfinite(centre), centre, ref)
    far_lo, far_hi = ref - _LOG_SPAN, ref + _LOG_SPAN

    def z_of(t):
        return ratio_score_z(x_t, n_t, x_c, n_c, np.exp(t), correction=correction)

    lower = np.exp(bisect_decreasing(lambda t: z_of(t) - z, far_lo, centre))
    upper = np.exp(bisect_decreasing(lambda t: z_of(t) + z, centre, far_hi, nan_above=False))
    # When the statistic never reaches the critical value the data cannot bound that side.
    lower = np.where((x_t <= 0) | ~(z_of(far_lo) > z), 0.0, lower)
    upper = np.where((x_c <= 0) | ~(z_of(far_hi) < -z), np.inf, upper)
    return lower, upper


def _katz_bounds(x_t, n_t, x_c, n_c, z, *, adjusted):
    add = 0.5 if adjusted else 0.0
    a, b, c, d = x_t + add, n_t + add, x_c + add, n_c + add
    bad = (a <= 0) | (c <= 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        log_ratio = np.log((a / b) / (c / d))
        half = z * np.sqrt(1 / a - 1 / b + 1 / c - 1 / d)
        lower = np.where(bad, np.nan, np.exp(log_ratio - half))
        upper = np.where(bad, np.nan, np.exp(log_ratio + half))
    return lower, upper, bad
