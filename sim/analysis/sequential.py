"""Looking at an A/B test every month without fooling yourself.

A practice that checks its conversion test monthly and stops at the first "significant" look
has a far higher false-positive rate than the alpha it tests at. Two remedies are here:

**Group-sequential alpha spending** (Lan & DeMets 1983). The two-sided error ``alpha`` is
spent over the information fraction ``t`` (leads so far / leads planned) by a spending
function, and the boundary of look ``k`` is the ``c_k`` with

    P(|Z_1| < c_1, ..., |Z_{k-1}| < c_{k-1}, |Z_k| >= c_k) = alpha(t_k) - alpha(t_{k-1})

under H0, where ``Z_k`` is the pooled two-proportion z statistic, asymptotically a Brownian
motion in information time: ``Corr(Z_j, Z_k) = sqrt(t_j / t_k)``. Spending functions:

- O'Brien-Fleming type: ``alpha(t) = 4 - 4 Phi(z_{1 - alpha/4} / sqrt(t))``;
- Pocock type: ``alpha(t) = alpha * log(1 + (e - 1) t)``.

The boundaries are symmetric and each side spends ``alpha/2`` by the one-sided spending
function (``2 - 2 Phi(z_{1 - alpha/4} / sqrt(t))`` for O'Brien-Fleming type), the two-sided
convention of R's ``ldbounds`` and ``gsDesign`` behind the published tables. (Plugging the
two-sided alpha into the one-sided formula, ``2 - 2 Phi(z_{1 - alpha/2} / sqrt(t))``, is a
different, less conservative design: 4.383 instead of 4.877 at the first of five looks.)

*Method.* The joint probabilities are computed exactly (to quadrature error) by the recursive
numerical integration of Armitage, McPherson & Rowe (1969), the method behind R's
``ldbounds`` (Reboussin et al. 2000) and ``gsDesign`` (Jennison & Turnbull 2000, ch. 19):
the sub-density of ``Z_k`` on the continuation region is carried from look to look by
convolving with the Gaussian increment, using composite Simpson's rule on a grid fine enough
to resolve the increment (at least 10 points per standard deviation of the increment, grid
step at most 0.02 on the z scale, at most 4,000 intervals per look); each ``c_k`` is then
found with Brent's method. Boundaries therefore exist for any increasing information
fractions, not just equally spaced ones. A cross-check against
``scipy.stats.multivariate_normal`` and against Monte Carlo is in the tests.

**Always-valid inference: the mixture SPRT** (Robbins 1970; Johari, Koomen, Pekelis & Walsh
2017, "Peeking at A/B tests"). With ``n_eff = 1 / (1/n_c + 1/n_t)`` and ``S = z sqrt(n_eff)``,
mixing the likelihood ratio over a normal prior ``N(0, tau^2)`` for the standardised
difference in proportions ``(p_t - p_c) / sigma`` gives

    Lambda = (1 + tau^2 n_eff)^(-1/2) * exp(tau^2 n_eff z^2 / (2 (1 + tau^2 n_eff)))

a nonnegative martingale under H0, so by Ville's inequality ``P(sup Lambda >= 1/alpha) <=
alpha`` however often one looks. The always-valid p-value is the running minimum of
``1 / Lambda``, and the same boundary, centred on the estimate, is a confidence sequence for
the absolute lift (Howard, Ramdas, McAuliffe & Sekhon 2021). ``sigma`` is the pooled
per-lead standard deviation, estimated at each look (the plug-in of Johari et al.), so
validity is asymptotic, like the z-test's. ``tau`` defaults to the value that makes the
boundary tightest at the planned final sample size (Howard et al. 2021, sec. 3.5).

Example:
    >>> b = group_sequential_bounds([0.2, 0.4, 0.6, 0.8, 1.0], spending="obf")
    >>> [round(z, 3) for z in b.z]
    [4.877, 3.357, 2.68, 2.29, 2.031]
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import NamedTuple

import numpy as np
import pandas as pd
from scipy.optimize import brentq
from scipy.stats import norm

from sim.errors import InputError

SPENDING_FUNCTIONS = ("obf", "pocock")
METHODS = ("obf", "pocock", "msprt", "naive")

# Beyond |z| = 12 the standard normal density is below 1e-31: no mass worth integrating.
_Z_CAP = 12.0
_MAX_INTERVALS = 4000
_MAX_STEP = 0.02
_POINTS_PER_SD = 10


# --------------------------------------------------------------------------- spending functions


def alpha_spending(t: float | np.ndarray, *, alpha: float = 0.05, spending: str = "obf"):
    """Two-sided alpha spent by information fraction ``t`` (Lan-DeMets spending functions).

    Args:
        t: information fraction(s) in [0, 1].
        alpha: total two-sided significance level.
        spending: ``"obf"`` (O'Brien-Fleming type) or ``"pocock"`` (Pocock type).

    Returns:
        ``alpha(t)``, a float for a float ``t``, else an array.

    Example:
        >>> round(alpha_spending(1.0, spending="obf"), 12), round(alpha_spending(1.0), 12)
        (0.05, 0.05)
        >>> round(alpha_spending(0.5, spending="pocock"), 5)
        0.03101
    """
    _check_alpha(alpha)
    t_arr = np.clip(np.asarray(t, dtype=float), 0.0, 1.0)
    if spending == "obf":
        # Each side spends alpha/2 by the one-sided O'Brien-Fleming-type function.
        with np.errstate(divide="ignore"):
            spent = 4.0 * norm.sf(norm.isf(alpha / 4.0) / np.sqrt(t_arr))
    elif spending == "pocock":
        spent = alpha * np.log1p((math.e - 1.0) * t_arr)
    else:
        raise InputError("spending", f"{spending!r} is not allowed: use 'obf' or 'pocock'")
    return float(spent) if np.ndim(spent) == 0 else spent


def _check_alpha(alpha: float) -> float:
    alpha = float(alpha)
    if not 0.0 < alpha < 1.0:
        raise InputError("alpha", f"{alpha!r} is not allowed: must be strictly between 0 and 1")
    return alpha


def _check_fractions(information_fractions: Sequence[float], where: str) -> np.ndarray:
    t = np.asarray(information_fractions, dtype=float)
    if t.ndim != 1 or t.size == 0:
        raise InputError(where, "need at least one look")
    if not (np.all(np.isfinite(t)) and t[0] > 0.0 and np.all(np.diff(t) > 0.0)):
        raise InputError(
            where, f"{t.tolist()} is not allowed: information must be > 0 and strictly increasing"
        )
    return t


# --------------------------------------------------------------------------- the recursion


class _Density(NamedTuple):
    """Sub-density of Z_k on the continuation region, on a Simpson grid (weights included)."""

    z: np.ndarray
    mass: np.ndarray  # Simpson weight x density at each grid point


def _simpson_grid(half_width: float, step: float) -> tuple[np.ndarray, np.ndarray]:
    intervals = min(_MAX_INTERVALS, max(2, math.ceil(2.0 * half_width / step)))
    intervals += intervals % 2
    z = np.linspace(-half_width, half_width, intervals + 1)
    h = z[1] - z[0]
    w = np.full(intervals + 1, 2.0)
    w[1::2] = 4.0
    w[0] = w[-1] = 1.0
    return z, w * h / 3.0


def _grid_step(t_now: float, t_next: float | None) -> float:
    if t_next is None:
        return _MAX_STEP
    # Width, on look k's z scale, of the Gaussian kernel carrying Z_k to Z_{k+1}.
    kernel_sd = math.sqrt((t_next - t_now) / t_now)
    return min(_MAX_STEP, kernel_sd / _POINTS_PER_SD)


def _first_density(c: float, t_next: float | None, t_now: float) -> _Density:
    z, w = _simpson_grid(min(c, _Z_CAP), _grid_step(t_now, t_next))
    return _Density(z, w * norm.pdf(z))


def _exit_probability(dens: _Density, t_prev: float, t_now: float, c: float) -> float:
    """P(continue to look k-1, then |Z_k| >= c) for the density at look k-1."""
    if math.isinf(c):
        return 0.0
    shrink = math.sqrt(t_prev / t_now)
    sd = math.sqrt((t_now - t_prev) / t_now)
    mean = shrink * dens.z
    tail = norm.sf((c - mean) / sd) + norm.cdf((-c - mean) / sd)
    return float(np.dot(dens.mass, tail))


def _advance(
    dens: _Density, t_prev: float, t_now: float, c: float, t_next: float | None
) -> _Density:
    """Sub-density of Z_k on (-c, c), having continued at every earlier look."""
    shrink = math.sqrt(t_prev / t_now)
    sd = math.sqrt((t_now - t_prev) / t_now)
    z, w = _simpson_grid(min(c, _Z_CAP), _grid_step(t_now, t_next))
    kernel = norm.pdf((z[:, None] - shrink * dens.z[None, :]) / sd) / sd
    return _Density(z, w * (kernel @ dens.mass))


def _solve_boundary(dens: _Density, t_prev: float, t_now: float, target: float) -> float:
    if target <= 1e-15:
        return math.inf  # nothing to spend at this look: it cannot stop the test
    gap = lambda c: _exit_probability(dens, t_prev, t_now, c) - target  # noqa: E731
    if gap(0.0) <= 0.0:
        return 0.0
    return float(brentq(gap, 0.0, 40.0, xtol=1e-10))


def _walk(
    t: np.ndarray,
    bound_for: Callable[[int, _Density | None], float],
    observed: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Run the recursion over looks.

    ``bound_for(k, dens)`` returns look k's boundary (``dens`` is None at the first look).
    Returns the boundaries, the exact crossing probability at each look and, for observed
    |z| values, ``P(continue to k-1, |Z_k| >= |z_k|)`` (the stagewise-ordering tail).
    """
    k_max = t.size
    bounds = np.empty(k_max)
    crossing = np.empty(k_max)
    tail = np.full(k_max, np.nan)
    dens: _Density | None = None
    for k in range(k_max):
        t_next = float(t[k + 1]) if k + 1 < k_max else None
        c = float(bound_for(k, dens))
        bounds[k] = c
        if dens is None:
            crossing[k] = 2.0 * norm.sf(c)
            if observed is not None:
                tail[k] = 2.0 * norm.sf(abs(observed[k]))
            if k + 1 < k_max:
                dens = _first_density(c, t_next, float(t[k]))
        else:
            t_prev = float(t[k - 1])
            crossing[k] = _exit_probability(dens, t_prev, float(t[k]), c)
            if observed is not None:
                tail[k] = _exit_probability(dens, t_prev, float(t[k]), abs(observed[k]))
            if k + 1 < k_max:
                dens = _advance(dens, t_prev, float(t[k]), c, t_next)
    return bounds, crossing, tail


class Bounds(NamedTuple):
    """Two-sided symmetric group-sequential boundaries on the z scale."""

    information_fraction: tuple[float, ...]
    z: tuple[float, ...]  # stop at look k when |Z_k| >= z[k]
    alpha_spent: tuple[float, ...]  # cumulative, from the spending function
    crossing_probability: tuple[float, ...]  # exact P(first crossing at k) under H0
    nominal_p: tuple[float, ...]  # two-sided p-value a single test at z[k] would have
    spending: str
    alpha: float


def group_sequential_bounds(
    information_fractions: Sequence[float], *, alpha: float = 0.05, spending: str = "obf"
) -> Bounds:
    """Lan-DeMets boundaries at the given information fractions.

    Args:
        information_fractions: increasing fractions in (0, 1]; the last is usually 1.
        alpha: total two-sided significance level.
        spending: ``"obf"`` or ``"pocock"``.

    Returns:
        A :class:`Bounds`; ``sum(crossing_probability) == alpha_spent[-1]`` up to quadrature
        error.

    Example:
        >>> b = group_sequential_bounds([0.2, 0.4, 0.6, 0.8, 1.0], spending="pocock")
        >>> [round(z, 3) for z in b.z]
        [2.438, 2.427, 2.41, 2.397, 2.386]
    """
    alpha = _check_alpha(alpha)
    t = _check_fractions(information_fractions, "information_fractions")
    if t[-1] > 1.0:
        raise InputError(
            "information_fractions", f"{t[-1]!r} is not allowed: fractions must be <= 1"
        )
    spent = np.asarray(alpha_spending(t, alpha=alpha, spending=spending), dtype=float)
    increments = np.diff(spent, prepend=0.0)

    def bound_for(k: int, dens: _Density | None) -> float:
        if dens is None:
            return float(norm.isf(increments[0] / 2.0)) if increments[0] > 0 else math.inf
        return _solve_boundary(dens, float(t[k - 1]), float(t[k]), float(increments[k]))

    z, crossing, _ = _walk(t, bound_for)
    return Bounds(
        information_fraction=tuple(t.tolist()),
        z=tuple(z.tolist()),
        alpha_spent=tuple(spent.tolist()),
        crossing_probability=tuple(crossing.tolist()),
        nominal_p=tuple((2.0 * norm.sf(z)).tolist()),
        spending=spending,
        alpha=alpha,
    )


def crossing_probabilities(
    z_bounds: Sequence[float], information_fractions: Sequence[float]
) -> np.ndarray:
    """Exact P(first |Z_k| >= z_bounds[k] at look k) under H0, for any two-sided boundaries.

    With a constant boundary of 1.96 this is the false-positive rate of naive peeking.

    Example:
        >>> p = crossing_probabilities([1.959964] * 5, [0.2, 0.4, 0.6, 0.8, 1.0])
        >>> round(float(p.sum()), 3)  # five naive looks at alpha 0.05
        0.142
    """
    t = _check_fractions(information_fractions, "information_fractions")
    c = np.asarray(z_bounds, dtype=float)
    if c.shape != t.shape or np.any(~(c >= 0.0)):
        raise InputError("z_bounds", "need one boundary >= 0 per information fraction")
    _, crossing, _ = _walk(t, lambda k, dens: c[k])
    return crossing


# --------------------------------------------------------------------------- statistics


def two_proportion_z(n_c, x_c, n_t, x_t) -> np.ndarray:
    """Pooled two-proportion z statistic of treatment minus control (vectorised).

    A look where every lead converted, or none did, has no evidence of a difference and gets
    ``z = 0`` rather than a division by zero.

    Example:
        >>> round(float(two_proportion_z(100, 20, 100, 30)), 4)
        1.633
    """
    n_c, x_c, n_t, x_t = (np.asarray(a, dtype=float) for a in (n_c, x_c, n_t, x_t))
    pooled = (x_c + x_t) / (n_c + n_t)
    var = pooled * (1.0 - pooled) * (1.0 / n_c + 1.0 / n_t)
    diff = x_t / n_t - x_c / n_c
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(var > 0.0, diff / np.sqrt(np.where(var > 0.0, var, 1.0)), 0.0)


def effective_n(n_c, n_t) -> np.ndarray:
    """``1 / (1/n_c + 1/n_t)``: the information per unit per-lead variance (n/2 when equal)."""
    n_c, n_t = np.asarray(n_c, dtype=float), np.asarray(n_t, dtype=float)
    return n_c * n_t / (n_c + n_t)


def msprt_tau(horizon: float, *, alpha: float = 0.05) -> float:
    """Mixing standard deviation that makes the mSPRT boundary tightest at ``horizon``.

    Minimising the boundary ``(n + 1/tau^2) log((1 + tau^2 n) / alpha^2)`` at ``n = horizon``
    gives ``tau^2 = x / horizon`` with ``x = 2 log(1/alpha) + log(1 + x)`` (Howard et al. 2021).

    Args:
        horizon: planned final effective sample size ``1 / (1/n_c + 1/n_t)``.
        alpha: two-sided significance level.

    Example:
        >>> round(msprt_tau(500.0), 4)
        0.1282
    """
    alpha = _check_alpha(alpha)
    horizon = float(horizon)
    if not (horizon > 0.0 and math.isfinite(horizon)):
        raise InputError("horizon", f"{horizon!r} is not allowed: must be a finite number > 0")
    big_l = 2.0 * math.log(1.0 / alpha)
    x = brentq(lambda v: v - big_l - math.log1p(v), big_l, 2.0 * big_l + 10.0)
    return math.sqrt(x / horizon)


def msprt_log_likelihood_ratio(z, n_eff, tau: float) -> np.ndarray:
    """log of the normal-mixture likelihood ratio ``Lambda`` (see the module notes)."""
    z, n_eff = np.asarray(z, dtype=float), np.asarray(n_eff, dtype=float)
    spread = tau * tau * n_eff
    return -0.5 * np.log1p(spread) + spread * z * z / (2.0 * (1.0 + spread))


def msprt_z_boundary(n_eff, tau: float, alpha: float = 0.05) -> np.ndarray:
    """The |z| at which ``Lambda`` reaches ``1/alpha`` at effective sample size ``n_eff``.

    Example:
        >>> float(round(msprt_z_boundary(500.0, msprt_tau(500.0)), 3))
        3.035
    """
    n_eff = np.asarray(n_eff, dtype=float)
    spread = tau * tau * n_eff
    return np.sqrt((1.0 + spread) / spread * (2.0 * math.log(1.0 / alpha) + np.log1p(spread)))


def always_valid_p_values(z, n_eff, tau: float) -> np.ndarray:
    """Always-valid p-values: running minimum over looks (last axis) of ``min(1, 1/Lambda)``.

    Example:
        >>> p = always_valid_p_values([1.0, 3.5, 0.5], [100, 200, 300], tau=0.15)
        >>> [round(float(v), 4) for v in p]
        [1.0, 0.0156, 0.0156]
    """
    log_lr = msprt_log_likelihood_ratio(z, n_eff, tau)
    p = np.minimum(1.0, np.exp(-log_lr))
    return np.minimum.accumulate(p, axis=-1)


def calibrated_msprt_alpha(
    information_fractions: Sequence[float], max_n_eff: float, tau: float, *, alpha: float = 0.05
) -> float:
    """Level of a *truncated* mSPRT that errs with probability ``alpha`` at the planned looks.

    The mSPRT's Ville bound holds for looks at any time, as often as one likes, forever; a
    test with a planned maximum and a few looks uses a fraction of it (about 1% at ten
    monthly looks). Truncating at the plan and solving for the level ``alpha'`` at which the
    mixture boundary ``msprt_z_boundary(t_k max_n_eff, tau, alpha')`` is crossed at one of the
    looks with probability ``alpha`` under H0 (the exact recursion of
    :func:`crossing_probabilities`) spends the whole alpha. The test is then valid for the
    planned looks, not for any stopping time.

    Args:
        information_fractions: the planned looks' fractions of the maximum, the last 1.
        max_n_eff: the plan's maximum effective sample size ``1 / (1/n_c + 1/n_t)``.
        tau: the mixing standard deviation used at the looks.
        alpha: the two-sided level the truncated test must have.

    Example:
        >>> t = np.arange(1, 11) / 10
        >>> a = calibrated_msprt_alpha(t, 200.0, msprt_tau(200.0))
        >>> a > 0.05, round(float(crossing_probabilities(
        ...     msprt_z_boundary(t * 200.0, msprt_tau(200.0), a), t).sum()), 6)
        (True, 0.05)
    """
    alpha = _check_alpha(alpha)
    t = _check_fractions(information_fractions, "information_fractions")

    def gap(log_level: float) -> float:
        bounds = msprt_z_boundary(t * float(max_n_eff), tau, math.exp(log_level))
        return float(crossing_probabilities(bounds, t).sum()) - alpha

    if gap(math.log(alpha)) >= 0.0:
        return alpha  # the looks already spend alpha: nothing to recover
    return math.exp(brentq(gap, math.log(alpha), math.log(0.999), xtol=1e-10))


# --------------------------------------------------------------------------- monitoring


class Look(NamedTuple):
    """Cumulative counts at one look: control leads and conversions, treatment likewise.

    ``information_fraction`` overrides the fraction derived from the plan for this look.
    """

    n_c: int
    x_c: int
    n_t: int
    x_t: int
    information_fraction: float | None = None


def _check_looks(looks: Sequence[Look]) -> np.ndarray:
    if len(looks) == 0:
        raise InputError("looks", "need at least one look")
    counts = np.empty((len(looks), 4))
    for i, look in enumerate(looks):
        n_c, x_c, n_t, x_t = look[:4]
        for name, value in zip(("n_c", "x_c", "n_t", "x_t"), (n_c, x_c, n_t, x_t), strict=True):
            if not (math.isfinite(value) and value >= 0 and float(value).is_integer()):
                raise InputError(
                    f"looks[{i}].{name}", f"{value!r} is not allowed: must be a whole number >= 0"
                )
        if n_c < 1 or n_t < 1:
            raise InputError(f"looks[{i}]", "each arm needs at least one lead at every look")
        if x_c > n_c or x_t > n_t:
            raise InputError(f"looks[{i}]", "conversions cannot exceed leads in an arm")
        counts[i] = (n_c, x_c, n_t, x_t)
    if np.any(np.diff(counts, axis=0) < 0):
        raise InputError("looks", "counts are cumulative: they may not decrease from look to look")
    if np.any(np.diff(counts[:, 0] + counts[:, 2]) <= 0):
        raise InputError("looks", "every look needs more leads than the one before")
    return counts


def _fractions(
    looks: Sequence[Look],
    totals: np.ndarray,
    planned_looks: int | None,
    max_information: float | None,
    required: bool,
) -> np.ndarray:
    if planned_looks is not None and (
        not float(planned_looks).is_integer() or planned_looks < len(looks)
    ):
        raise InputError(
            "planned_looks",
            f"{planned_looks!r} is not allowed: a whole number >= the {len(looks)} looks given",
        )
    if max_information is not None and not (max_information > 0 and math.isfinite(max_information)):
        raise InputError("max_information", f"{max_information!r} is not allowed: must be > 0")
    t = np.empty(len(looks))
    for i, look in enumerate(looks):
        if look.information_fraction is not None:
            t[i] = look.information_fraction
        elif max_information is not None:
            t[i] = totals[i] / max_information
        elif planned_looks is not None:
            t[i] = (i + 1) / planned_looks
        elif required:
            raise InputError(
                "planned_looks",
                "group-sequential monitoring needs the plan: give planned_looks (equally spaced "
                "looks) or max_information (planned total leads), or an information_fraction "
                "on every look",
            )
        else:
            t[i] = totals[i] / totals[-1]
    _check_fractions(t, "looks.information_fraction")
    if required:
        reached = np.flatnonzero(t >= 1.0)
        if reached.size and reached[0] < len(t) - 1:
            raise InputError(
                f"looks[{reached[0] + 1}]",
                "comes after the look that reached the planned maximum information; "
                "the test ended there (no alpha is left to spend)",
            )
        # An overrun of the planned leads spends what is left, as at t = 1.
        t = np.minimum(t, 1.0)
    return t


def monitor(
    looks: Sequence[Look],
    *,
    method: str = "obf",
    alpha: float = 0.05,
    planned_looks: int | None = None,
    max_information: float | None = None,
    msprt_tau: float | None = None,
    msprt_alpha: float | None = None,
) -> pd.DataFrame:
    """Evaluate a sequence of looks at a two-arm conversion test under a stopping rule.

    Args:
        looks: cumulative counts per look (:class:`Look`), in order.
        method: ``"obf"`` or ``"pocock"`` (Lan-DeMets alpha spending), ``"msprt"``
            (always-valid mixture SPRT) or ``"naive"`` (a fixed-alpha z-test at every look,
            shown for contrast: its false-positive rate grows with the number of looks).
        alpha: two-sided significance level of the whole monitored test.
        planned_looks: the number of equally spaced looks planned (fraction ``k / K``).
        max_information: the planned total leads (both arms); fraction = leads so far / this.
        msprt_tau: mSPRT mixing sd on the standardised lift; by default tuned to the planned
            final look (``max_information``, else first look's leads x ``planned_looks``,
            else the last look given) at the first look's allocation.
        msprt_alpha: the level the mixture boundary is drawn at. By default ``alpha``: the
            always-valid test, valid at any stopping time and conservative with few looks. A
            test truncated at a planned maximum gives :func:`calibrated_msprt_alpha` here;
            its ``p_value_adjusted`` is then the always-valid p-value times
            ``alpha / msprt_alpha`` (the test stops when it is <= alpha).

    Returns:
        One row per look: ``look, information_fraction, n_control, conversions_control,
        n_treatment, conversions_treatment, abs_lift, abs_lift_ci_lower, abs_lift_ci_upper,
        z, boundary, p_value, p_value_adjusted, stop, alpha_spent, method``. ``boundary`` is
        the |z| needed to stop at that look (the mSPRT's equivalent of ``Lambda >= 1/alpha``);
        ``p_value`` is the nominal two-sided pooled z-test; ``p_value_adjusted`` is the
        stagewise-ordering p-value for obf/pocock (Armitage; valid at the look where the test
        stops), the always-valid p-value for msprt, and the nominal one for naive. The
        intervals (Agresti-Caffo adjusted) are repeated confidence intervals for obf/pocock
        (Jennison & Turnbull 1989), a confidence sequence for msprt and single-look
        intervals for naive. ``stop``
        is True from the first look that crosses its boundary on: the rule says stop there.
        ``alpha_spent`` is the cumulative spending-function value for obf/pocock, the exact
        false-positive probability accumulated by naive peeking at these fractions, and NaN
        for msprt (it holds alpha at every look without a schedule).

    Example:
        >>> looks = [Look(50 * k, 10 * k, 50 * k, 10 * k + 4 * k) for k in range(1, 7)]
        >>> df = monitor(looks, method="obf", planned_looks=6)
        >>> df[["look", "z", "boundary", "stop"]].round(3).to_numpy().tolist()[-2:]
        [[5, 2.094, 2.252, False], [6, 2.294, 2.045, True]]
    """
    if method not in METHODS:
        raise InputError("method", f"{method!r} is not allowed: use one of {', '.join(METHODS)}")
    alpha = _check_alpha(alpha)
    counts = _check_looks(looks)
    n_c, x_c, n_t, x_t = counts.T
    totals = n_c + n_t
    gs = method in SPENDING_FUNCTIONS
    t = _fractions(looks, totals, planned_looks, max_information, required=gs)

    z = two_proportion_z(n_c, x_c, n_t, x_t)
    lift = x_t / n_t - x_c / n_c
    # Intervals use the Agresti-Caffo adjustment (one success and one failure added to each
    # arm): a look with 0 conversions would otherwise get a zero-width interval that a
    # confidence sequence, intersected over looks, could never recover from.
    adj_c, adj_t = (x_c + 1) / (n_c + 2), (x_t + 1) / (n_t + 2)
    centre = adj_t - adj_c
    se = np.sqrt(adj_c * (1 - adj_c) / (n_c + 2) + adj_t * (1 - adj_t) / (n_t + 2))
    p_nominal = 2.0 * norm.sf(np.abs(z))
    n_eff = effective_n(n_c, n_t)

    if gs:
        bounds = group_sequential_bounds(t, alpha=alpha, spending=method)
        boundary = np.asarray(bounds.z)
        spent = np.asarray(bounds.alpha_spent)
        _, _, tail = _walk(t, lambda k, dens: boundary[k], observed=z)
        before = np.concatenate(([0.0], np.cumsum(bounds.crossing_probability)[:-1]))
        p_adjusted = np.minimum(1.0, before + tail)
        lower, upper = centre - boundary * se, centre + boundary * se
    elif method == "naive":
        boundary = np.full(len(looks), norm.isf(alpha / 2.0))
        spent = np.cumsum(crossing_probabilities(boundary, t))
        p_adjusted = p_nominal.copy()
        lower, upper = centre - boundary * se, centre + boundary * se
    else:
        tau = (
            msprt_tau
            if msprt_tau is not None
            else _default_tau(counts, planned_looks, max_information, alpha)
        )
        if not (tau > 0 and math.isfinite(tau)):
            raise InputError("msprt_tau", f"{tau!r} is not allowed: must be a finite number > 0")
        level = alpha if msprt_alpha is None else _check_alpha(msprt_alpha)
        boundary = msprt_z_boundary(n_eff, tau, level)
        spent = np.full(len(looks), np.nan)
        p_adjusted = np.minimum(1.0, always_valid_p_values(z, n_eff, tau) * (alpha / level))
        # A confidence sequence stays valid when intersected over looks.
        lower = np.maximum.accumulate(centre - boundary * se)
        upper = np.minimum.accumulate(centre + boundary * se)

    crossed = np.abs(z) >= boundary
    stop = np.logical_or.accumulate(crossed)
    if gs and stop.any():
        # The stagewise p-value belongs to the look where the test stopped.
        first = int(np.argmax(stop))
        p_adjusted[first:] = p_adjusted[first]
    return pd.DataFrame(
        {
            "look": np.arange(1, len(looks) + 1),
            "information_fraction": t,
            "n_control": n_c.astype(int),
            "conversions_control": x_c.astype(int),
            "n_treatment": n_t.astype(int),
            "conversions_treatment": x_t.astype(int),
            "abs_lift": lift,
            "abs_lift_ci_lower": lower,
            "abs_lift_ci_upper": upper,
            "z": z,
            "boundary": boundary,
            "p_value": p_nominal,
            "p_value_adjusted": p_adjusted,
            "stop": stop,
            "alpha_spent": spent,
            "method": method,
        }
    )


def _default_tau(
    counts: np.ndarray, planned_looks: int | None, max_information: float | None, alpha: float
) -> float:
    first_total = counts[0, 0] + counts[0, 2]
    if max_information is not None:
        horizon_total = float(max_information)
    elif planned_looks is not None:
        horizon_total = first_total * planned_looks
    else:
        horizon_total = counts[-1, 0] + counts[-1, 2]
    share_t = counts[0, 2] / first_total
    return msprt_tau(horizon_total * share_t * (1.0 - share_t), alpha=alpha)
