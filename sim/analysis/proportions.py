"""Confidence intervals for one conversion rate.

:func:`rate_interval` wraps :func:`statsmodels.stats.proportion.proportion_confint` (Wilson by
default, as Brown, Cai and DasGupta 2001 recommend; Clopper-Pearson and Jeffreys on request)
and adds what batch runs need: empty arms give ``NaN`` with a note instead of a warning.
Jeffreys follows Brown, Cai and DasGupta (2001, section 4.1.2): the equal-tailed Beta(x + 1/2,
n - x + 1/2) quantiles, except that the lower bound is 0 at x = 0 and the upper bound is 1 at
x = n (the plain quantiles exclude a rate the data cannot rule out, which costs coverage near
0 and 1); statsmodels returns the plain quantiles.
The Wilson helpers below take the critical value ``z`` directly because the Newcombe
difference intervals evaluate them at many levels when a p-value is found by inversion.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from statsmodels.stats.proportion import proportion_confint

from sim.analysis.interval import Interval, add_note, as_arrays, finish, notes_array
from sim.analysis.validation import check_alpha, check_method

#: Interval methods for a single rate.
RATE_METHODS: tuple[str, ...] = ("wilson", "clopper-pearson", "jeffreys", "agresti-coull", "wald")
#: The statsmodels ``proportion_confint`` name of each of :data:`RATE_METHODS`.
STATSMODELS_RATE_METHODS: dict[str, str] = dict(
    zip(RATE_METHODS, ("wilson", "beta", "jeffreys", "agresti_coull", "normal"), strict=True)
)


def rate_interval(
    conversions: Any, n: Any, *, alpha: float = 0.05, method: str = "wilson"
) -> Interval:
    """Confidence interval for a conversion rate ``conversions / n``.

    Args:
        conversions: number of conversions (scalar or array).
        n: number of units (scalar or array, broadcast against ``conversions``).
        alpha: 1 - confidence level.
        method: one of :data:`RATE_METHODS` (``wilson``, ``clopper-pearson``, ``jeffreys``,
            ``agresti-coull``, ``wald``).

    Returns:
        :class:`~sim.analysis.interval.Interval` with the rate and its bounds; ``p_value`` is
        ``NaN`` (a single rate has no natural null). An empty arm gives ``NaN`` and a note.

    Example:
        >>> r = rate_interval(56, 70)
        >>> round(r.estimate, 4), round(r.lower, 4), round(r.upper, 4)
        (0.8, 0.6918, 0.877)
        >>> rate_interval(0, 0).note
        'empty arm: no units'

        Jeffreys at 0 of 10: the lower bound is 0 and the upper bound is the 0.975 quantile
        of Beta(0.5, 10.5) (Brown, Cai and DasGupta 2001):

        >>> j = rate_interval(0, 10, method="jeffreys")
        >>> j.lower, round(j.upper, 4)
        (0.0, 0.2172)
    """
    check_alpha(alpha)
    name = check_method("rate_method", method, RATE_METHODS)
    scalar, (x, m) = as_arrays(conversions, n)
    notes = notes_array(x.shape)
    est = np.full(x.shape, np.nan)
    lower = np.full(x.shape, np.nan)
    upper = np.full(x.shape, np.nan)
    ok = m > 0
    add_note(notes, ~ok, "empty arm: no units")
    if ok.any():
        est[ok] = x[ok] / m[ok]
        try:
            lo, up = proportion_confint(
                x[ok], m[ok], alpha=alpha, method=STATSMODELS_RATE_METHODS[name]
            )
        except (ValueError, ArithmeticError) as exc:  # batch runs must not stop on one cell
            add_note(notes, ok, f"statsmodels could not compute the interval: {exc}")
        else:
            lower[ok], upper[ok] = lo, up
            if name == "jeffreys":
                lower = np.where(ok & (x == 0), 0.0, lower)
                upper = np.where(ok & (x == m), 1.0, upper)
    return finish(scalar, est, lower, upper, np.full(x.shape, np.nan), name, notes)


def wilson_bounds(x: np.ndarray, n: np.ndarray, z: Any) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score bounds at critical value ``z`` (Newcombe 1998a, method 3); needs n > 0.

    >>> lo, up = wilson_bounds(np.array([48.0]), np.array([80.0]), 1.959964)
    >>> round(float(lo[0]), 4), round(float(up[0]), 4)
    (0.4905, 0.7004)
    """
    p = x / n
    z2 = np.asarray(z, dtype=float) ** 2
    denom = 1.0 + z2 / n
    centre = (p + z2 / (2 * n)) / denom
    half = z * np.sqrt(np.maximum(p * (1 - p) / n + z2 / (4 * n * n), 0.0)) / denom
    # At 0 of n (n of n) the bound is exactly 0 (1); the formula leaves rounding residue.
    lower = np.where(x == 0, 0.0, np.clip(centre - half, 0.0, 1.0))
    upper = np.where(x == n, 1.0, np.clip(centre + half, 0.0, 1.0))
    return lower, upper


def wilson_cc_bounds(x: np.ndarray, n: np.ndarray, z: Any) -> tuple[np.ndarray, np.ndarray]:
    """Continuity-corrected Wilson bounds (Newcombe 1998a, method 4); needs n > 0.

    The bound is 0 (1) when no (every) unit converted, as Newcombe specifies.

    >>> lo, up = wilson_cc_bounds(np.array([56.0]), np.array([70.0]), 1.959964)
    >>> round(float(lo[0]), 4), round(float(up[0]), 4)
    (0.6839, 0.8826)
    """
    p = x / n
    q = 1.0 - p
    z = np.asarray(z, dtype=float)
    z2 = z**2
    denom = 2.0 * (n + z2)
    root_lo = np.sqrt(np.maximum(z2 - 2.0 - 1.0 / n + 4.0 * p * (n * q + 1.0), 0.0))
    root_up = np.sqrt(np.maximum(z2 + 2.0 - 1.0 / n + 4.0 * p * (n * q - 1.0), 0.0))
    lower = (2.0 * n * p + z2 - 1.0 - z * root_lo) / denom
    upper = (2.0 * n * p + z2 + 1.0 + z * root_up) / denom
    lower = np.where(x <= 0, 0.0, np.clip(lower, 0.0, 1.0))
    upper = np.where(x >= n, 1.0, np.clip(upper, 0.0, 1.0))
    return lower, upper
