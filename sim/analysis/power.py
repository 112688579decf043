"""Power and sample size for comparing two conversion rates (a practice's A/B test).

Conventions (they differ between packages, so they are spelled out):

- **Arms.** ``p1`` is the control rate, ``p2`` the treatment rate. ``n1`` (or ``n``) is the
  size of the control arm and the treatment arm has ``ratio * n1`` leads, as in statsmodels'
  ``nobs2 = ratio * nobs1``.
- **Test.** The two-sample z-test of ``p1 == p2`` with the pooled variance under the null and
  the unpooled variance under the alternative. With ``ratio == 1`` this is exactly R's
  ``power.prop.test``: ``n = (z_a * sqrt(2 pbar qbar) + z_b * sqrt(p1 q1 + p2 q2))^2 / d^2``.
  For unequal allocation the pooled rate is ``pbar = (p1 + ratio * p2) / (1 + ratio)`` and the
  variances are weighted by ``1`` and ``1 / ratio`` (Fleiss, Tytun & Ury 1980), the same
  formula as statsmodels' ``samplesize_proportions_2indep_onetail``.
- **The far tail.** R's default (``strict=FALSE``) and statsmodels' ``..._onetail`` ignore the
  probability of rejecting in the wrong direction; so do we by default, which gives a closed
  form. ``strict=True`` adds that tail, like R's ``strict=TRUE`` and statsmodels'
  ``power_proportions_2indep``; for realistic effects the two differ by far less than a lead.
  (R's documented ``power.prop.test(p1=.50, p2=.75, power=.90)`` value 76.70692 is the
  default, one-tail solution 76.706928; the strict solution is 76.706916.)
- **Not Cohen's h.** statsmodels' ``NormalIndPower`` with ``proportion_effectsize`` works on
  the arcsine scale (``h = 2 asin(sqrt(p2)) - 2 asin(sqrt(p1))``, ``n = ((z_a + z_b) / h)^2``),
  a variance-stabilised approximation that gives slightly different numbers.
- **Continuity correction.** ``continuity=True`` sizes the test with Yates' correction (what
  R's ``prop.test`` runs by default) using the Casagrande, Pike & Smith (1978) correction in
  the unequal-allocation form of Fleiss, Levin & Paik (2003, eq. 4.19):
  ``n_cc = n / 4 * (1 + sqrt(1 + 2 (r + 1) / (n r |p1 - p2|)))^2``. Its power is the exact
  inverse of that formula, so sizing and power round-trip.

Example:
    >>> round(sample_size_two_proportions(0.50, 0.75, power=0.90), 4)
    76.7069

Planning a test in leads and months of a practice's volume: :mod:`sim.analysis.planning`.
"""

from __future__ import annotations

import math
from typing import NamedTuple

from scipy.optimize import brentq
from scipy.stats import norm

from sim.errors import InputError

_ALTERNATIVES = ("two-sided", "one-sided")


# --------------------------------------------------------------------------- validation


def _check_open_unit(name: str, value: float) -> float:
    value = float(value)
    if not 0.0 < value < 1.0:  # also rejects NaN
        raise InputError(name, f"{value!r} is not allowed: must be strictly between 0 and 1")
    return value


def _check_positive(name: str, value: float) -> float:
    value = float(value)
    if not (value > 0.0 and math.isfinite(value)):
        raise InputError(name, f"{value!r} is not allowed: must be a finite number > 0")
    return value


def _check_pair(p1: float, p2: float, names: tuple[str, str] = ("p1", "p2")) -> tuple[float, float]:
    p1 = _check_open_unit(names[0], p1)
    p2 = _check_open_unit(names[1], p2)
    if p1 == p2:
        raise InputError(
            names[1], f"{p2!r} equals {names[0]}: the two rates must differ to size a test"
        )
    return p1, p2


def _check_alternative(alternative: str) -> int:
    if alternative not in _ALTERNATIVES:
        raise InputError(
            "alternative", f"{alternative!r} is not allowed: use 'two-sided' or 'one-sided'"
        )
    return 2 if alternative == "two-sided" else 1


# --------------------------------------------------------------------------- the core formula


class _Moments(NamedTuple):
    """Standard deviations of p2_hat - p1_hat times sqrt(n1), under H0 and under H1."""

    diff: float  # |p1 - p2|
    sd_null: float
    sd_alt: float
    yates: float  # Yates' correction shrinks |p2_hat - p1_hat| by yates / n1


def _moments(p1: float, p2: float, ratio: float) -> _Moments:
    pbar = (p1 + ratio * p2) / (1.0 + ratio)
    sd_null = math.sqrt(pbar * (1.0 - pbar) * (1.0 + 1.0 / ratio))
    sd_alt = math.sqrt(p1 * (1.0 - p1) + p2 * (1.0 - p2) / ratio)
    return _Moments(abs(p1 - p2), sd_null, sd_alt, 0.5 * (1.0 + 1.0 / ratio))


def _power(
    m: _Moments, n1: float, alpha: float, tails: int, continuity: bool, strict: bool
) -> float:
    z_a = float(norm.isf(alpha / tails))
    root_n = math.sqrt(n1)
    shift = m.yates / n1 if continuity else 0.0
    near = (root_n * (m.diff - shift) - z_a * m.sd_null) / m.sd_alt
    result = float(norm.cdf(near))
    if strict and tails == 2:
        # rejecting in the wrong direction still counts as a rejection
        result += float(norm.sf((root_n * (m.diff + shift) + z_a * m.sd_null) / m.sd_alt))
    return float(result)


def _n_uncorrected(m: _Moments, alpha: float, power: float, tails: int) -> float:
    z_a = float(norm.isf(alpha / tails))
    z_b = float(norm.ppf(power))
    numerator = z_a * m.sd_null + z_b * m.sd_alt
    if numerator <= 0.0:
        raise InputError(
            "power",
            f"{power!r} is not allowed: a test this weak needs no leads at all; "
            f"ask for a power above alpha ({alpha!r})",
        )
    return (numerator / m.diff) ** 2


def continuity_corrected_n(n: float, p1: float, p2: float, ratio: float = 1.0) -> float:
    """Casagrande-Pike-Smith / Fleiss continuity correction of a control-arm sample size.

    Args:
        n: uncorrected size of the control arm (e.g. from :func:`sample_size_two_proportions`).
        p1: control conversion rate.
        p2: treatment conversion rate.
        ratio: treatment arm size / control arm size.

    Returns:
        ``n / 4 * (1 + sqrt(1 + 2 (ratio + 1) / (n ratio |p1 - p2|)))^2`` (Fleiss, Levin &
        Paik 2003, eq. 4.19); with equal arms this is ``n / 4 * (1 + sqrt(1 + 4 / (n d)))^2``.

    Example:
        >>> round(continuity_corrected_n(100.0, 0.5, 0.75), 4)
        107.8516
    """
    n = _check_positive("n", n)
    p1, p2 = _check_pair(p1, p2)
    ratio = _check_positive("ratio", ratio)
    a = 2.0 * (ratio + 1.0) / (ratio * abs(p1 - p2))
    return n / 4.0 * (1.0 + math.sqrt(1.0 + a / n)) ** 2


# --------------------------------------------------------------------------- public functions


def power_two_proportions(
    p1: float,
    p2: float,
    n1: float,
    *,
    ratio: float = 1.0,
    alpha: float = 0.05,
    alternative: str = "two-sided",
    continuity: bool = False,
    strict: bool = False,
) -> float:
    """Power of the two-proportion z-test with ``n1`` control and ``ratio * n1`` treatment leads.

    Args:
        p1: control conversion rate, in (0, 1).
        p2: treatment conversion rate, in (0, 1), different from ``p1``.
        n1: leads in the control arm (may be fractional, as in R).
        ratio: treatment arm size / control arm size, > 0.
        alpha: significance level, in (0, 1).
        alternative: ``"two-sided"`` or ``"one-sided"`` (in the direction of the effect).
        continuity: power of the Yates-corrected test (see the module notes).
        strict: also count rejections in the wrong tail (R's ``strict=TRUE``).

    Returns:
        The probability of rejecting ``p1 == p2``.

    Example:
        >>> round(power_two_proportions(0.50, 0.75, 76.70692846, ratio=1, alpha=0.05), 6)
        0.9
    """
    p1, p2 = _check_pair(p1, p2)
    n1 = _check_positive("n1", n1)
    ratio = _check_positive("ratio", ratio)
    alpha = _check_open_unit("alpha", alpha)
    tails = _check_alternative(alternative)
    return _power(_moments(p1, p2, ratio), n1, alpha, tails, continuity, strict)


def sample_size_two_proportions(
    p1: float,
    p2: float,
    *,
    alpha: float = 0.05,
    power: float = 0.8,
    ratio: float = 1.0,
    alternative: str = "two-sided",
    continuity: bool = False,
    strict: bool = False,
) -> float:
    """Leads needed in the control arm (the treatment arm needs ``ratio`` times as many).

    Args:
        p1: control conversion rate, in (0, 1).
        p2: treatment conversion rate, in (0, 1), different from ``p1``.
        alpha: significance level, in (0, 1).
        power: target power, in (0, 1).
        ratio: treatment arm size / control arm size, > 0.
        alternative: ``"two-sided"`` or ``"one-sided"`` (in the direction of the effect).
        continuity: size the Yates-corrected test (Casagrande-Pike-Smith / Fleiss).
        strict: also count rejections in the wrong tail (R's ``strict=TRUE``); solved with
            Brent's method, the default is the closed form.

    Returns:
        The (fractional) control-arm size; round up to plan a test.

    Raises:
        InputError: a rate outside (0, 1), equal rates, power or alpha outside (0, 1), or a
            ratio that is not positive.

    Example:
        >>> round(sample_size_two_proportions(0.50, 0.75, power=0.90), 5)  # R: 76.70692
        76.70693
        >>> round(sample_size_two_proportions(0.50, 0.75, power=0.90, strict=True), 5)
        76.70692
    """
    p1, p2 = _check_pair(p1, p2)
    alpha = _check_open_unit("alpha", alpha)
    power = _check_open_unit("power", power)
    ratio = _check_positive("ratio", ratio)
    tails = _check_alternative(alternative)
    m = _moments(p1, p2, ratio)
    n = _n_uncorrected(m, alpha, power, tails)
    if continuity:
        n = continuity_corrected_n(n, p1, p2, ratio)
    if not (strict and tails == 2):
        return n
    # The far tail only adds power, so the strict answer lies below the one-tail one.

    def gap(size: float) -> float:
        return _power(m, size, alpha, tails, continuity, True) - power

    low = n * 1e-6
    if gap(low) >= 0.0:
        return low
    return float(brentq(gap, low, n, xtol=1e-12, rtol=1e-14))


def minimum_detectable_effect(
    p1: float,
    n1: float,
    *,
    ratio: float = 1.0,
    alpha: float = 0.05,
    power: float = 0.8,
    alternative: str = "two-sided",
    continuity: bool = False,
    strict: bool = False,
    direction: str = "increase",
) -> float:
    """Smallest absolute lift ``p2 - p1`` detected with the given power at ``n1`` control leads.

    Solved for ``p2`` with Brent's method on :func:`power_two_proportions`.

    Args:
        p1: control conversion rate, in (0, 1).
        n1: leads in the control arm, > 0.
        ratio: treatment arm size / control arm size, > 0.
        alpha: significance level, in (0, 1).
        power: target power, in (0, 1).
        alternative: ``"two-sided"`` or ``"one-sided"``.
        continuity: for the Yates-corrected test.
        strict: also count rejections in the wrong tail.
        direction: ``"increase"`` (``p2 > p1``, a positive result) or ``"decrease"``.

    Returns:
        ``p2 - p1`` (negative for ``direction="decrease"``).

    Raises:
        InputError: bad arguments, or ``n1`` too small to reach the power for any ``p2``.

    Example:
        >>> round(minimum_detectable_effect(0.50, 76.70692846, power=0.90), 6)
        0.25
    """
    p1 = _check_open_unit("p1", p1)
    n1 = _check_positive("n1", n1)
    ratio = _check_positive("ratio", ratio)
    alpha = _check_open_unit("alpha", alpha)
    power = _check_open_unit("power", power)
    _check_alternative(alternative)
    if direction not in ("increase", "decrease"):
        raise InputError("direction", f"{direction!r} is not allowed: use 'increase' or 'decrease'")
    edge = 1e-9
    far = 1.0 - edge if direction == "increase" else edge
    near = p1 + (edge if direction == "increase" else -edge)

    def gap(p2: float) -> float:
        return (
            power_two_proportions(
                p1,
                p2,
                n1,
                ratio=ratio,
                alpha=alpha,
                alternative=alternative,
                continuity=continuity,
                strict=strict,
            )
            - power
        )

    if gap(far) < 0.0:
        raise InputError(
            "n1",
            f"{n1!r} leads per control arm cannot reach power {power!r} for any treatment rate "
            f"(control {p1!r}, {direction}); plan more leads",
        )
    if gap(near) >= 0.0:
        return near - p1
    p2 = brentq(gap, near, far, xtol=1e-13, rtol=1e-14)
    return float(p2 - p1)
