"""Cost per conversion: total cost / conversions per arm, and its change versus the control.

Cost per conversion is a ratio of two means, ``mean(cost) / mean(converted)``, so its
uncertainty comes from both: the spread of costs and, above all when conversions are few, the
chance in the denominator. Methods:

- ``delta``: first-order delta method on the natural scale (symmetric interval);
- ``delta-log``: delta method on the log scale (intervals are ratios, hence asymmetric); for
  a difference between arms, the per-arm log-scale intervals are combined by MOVER (Zou and
  Donner 2008, the construction behind Newcombe's hybrid interval);
- ``fieller``: Fieller's theorem, which inverts the normal pivot ``mean(cost) - theta *
  mean(converted)`` instead of linearising the ratio. For the ratio and the difference of two
  arms' costs per conversion the pivot is ``Ct*Yc - theta*Yt*Cc`` (``Ct*Yc - Cc*Yt -
  theta*Yt*Yc``), with its variance from the delta method at each ``theta``. When the
  denominator is not clearly above zero the Fieller set is unbounded: bounds are ``NaN`` with
  a note, which is the honest answer with 3 or 4 conversions;
- ``bootstrap-percentile`` and ``bootstrap-bca``: resampling units (see
  :mod:`sim.analysis.bootstrap`); these need per-unit data (``samples``).

Which to use: docs/analysis-coverage.md records coverage by simulation at 10 to 30
conversions per arm; :data:`DEFAULT_CPC_METHOD` (``delta-log``) is the method that held 95%
there for one arm, the ratio and the difference.

All functions take :class:`~sim.analysis.sufficient.ArmStats` or any object with the same
attribute names holding arrays (e.g. :class:`Sums`), in which case they are vectorised.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from sim.analysis.interval import (
    Interval,
    add_note,
    check_alpha,
    check_method,
    finish,
    notes_array,
    two_sided_p,
    z_crit,
)

CPC_METHODS: tuple[str, ...] = (
    "delta-log",
    "delta",
    "fieller",
    "bootstrap-percentile",
    "bootstrap-bca",
)
#: The default method: the one that kept 95% coverage at 10 to 30 conversions per arm for one
#: arm, the ratio and the difference alike (docs/analysis-coverage.md); Fieller fell short for
#: a single arm and was often unbounded for a difference at 10 conversions.
DEFAULT_CPC_METHOD = "delta-log"
BOOTSTRAP_METHODS: tuple[str, ...] = ("bootstrap-percentile", "bootstrap-bca")


class Sums(NamedTuple):
    """Array-valued sufficient statistics (same names as ArmStats) for vectorised calls."""

    n: Any
    conversions: Any
    cost_sum: Any
    cost_sq_sum: Any
    cost_conv_sum: Any


class Moments(NamedTuple):
    """Means of (cost, converted) per unit and the covariance matrix of those means."""

    mean: np.ndarray  # (m, 2) or (m, 4): cost and outcome means, arm by arm
    cov: np.ndarray  # (m, 2, 2) or (m, 4, 4): covariance of the means
    n: np.ndarray  # (m,) or (m, 2): units per arm


def moments(stats: Any) -> tuple[bool, Moments]:
    """Means and covariance of the means (unbiased, n - 1) from sufficient statistics."""
    fields = ("n", "conversions", "cost_sum", "cost_sq_sum", "cost_conv_sum")
    scalar = all(np.ndim(getattr(stats, f)) == 0 for f in fields)
    n, y, c, cc, cy = np.broadcast_arrays(
        *[np.atleast_1d(np.asarray(getattr(stats, f), dtype=float)) for f in fields]
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        mc, my = c / n, y / n
        d = n - 1
        s_cc = np.maximum((cc - n * mc * mc) / d, 0.0)
        s_yy = np.maximum((y - n * my * my) / d, 0.0)
        s_cy = (cy - n * mc * my) / d
        # Rounding can break Cauchy-Schwarz for near-constant columns; keep the matrix PSD.
        bound = np.sqrt(s_cc * s_yy)
        s_cy = np.clip(s_cy, -bound, bound)
    mean = np.stack([mc, my], axis=-1)
    cov = np.stack([np.stack([s_cc, s_cy], -1), np.stack([s_cy, s_yy], -1)], -2) / n[:, None, None]
    return scalar, Moments(mean, cov, n)


def cost_per_conversion_interval(
    stats: Any,
    *,
    alpha: float = 0.05,
    method: str = DEFAULT_CPC_METHOD,
    sample: Any = None,
    n_resamples: int = 2000,
    seed: Any = 0,
) -> Interval:
    """Cost per conversion of one arm with its confidence interval.

    Args:
        stats: :class:`~sim.analysis.sufficient.ArmStats` (or array-valued :class:`Sums`).
        alpha: 1 - confidence level.
        method: one of :data:`CPC_METHODS`.
        sample: per-unit data ``(converted, cost)`` for the bootstrap methods.
        n_resamples: bootstrap resamples.
        seed: seed or ``numpy.random.Generator`` for the bootstrap.

    Example:
        >>> from sim.analysis.sufficient import ArmStats
        >>> s = ArmStats(n=400, conversions=40, cost_sum=24000.0, cost_sq_sum=1.8e6,
        ...              cost_conv_sum=3200.0)
        >>> r = cost_per_conversion_interval(s)
        >>> round(r.estimate, 2), round(r.lower, 2), round(r.upper, 2)
        (600.0, 450.1, 799.83)
    """
    check_alpha(alpha)
    name = check_method("cpc_method", method, CPC_METHODS)
    if name in BOOTSTRAP_METHODS:
        from sim.analysis.bootstrap import bootstrap_cpc

        return bootstrap_cpc(
            [stats],
            [sample],
            kind="arm",
            alpha=alpha,
            method=name,
            n_resamples=n_resamples,
            seed=seed,
        )
    scalar, mo = moments(stats)
    notes = notes_array(mo.n.shape)
    valid = _arm_validity(mo, _conversions(stats, mo.n.shape), notes, log=name == "delta-log")
    est, lower, upper = _arm_core(mo, z_crit(alpha), name, notes, valid)
    return finish(scalar, est, lower, upper, np.full(est.shape, np.nan), name, notes)


def cost_per_conversion_ratio(
    treatment: Any,
    control: Any,
    *,
    alpha: float = 0.05,
    method: str = DEFAULT_CPC_METHOD,
    samples: Any = None,
    n_resamples: int = 2000,
    seed: Any = 0,
) -> Interval:
    """Ratio of costs per conversion, treatment over control (below 1 = treatment cheaper).

    The p-value tests a ratio of 1 (not available for the bootstrap methods).

    Example:
        >>> from sim.analysis.sufficient import ArmStats
        >>> t = ArmStats(400, 60, 26000.0, 2.0e6, 5000.0)
        >>> c = ArmStats(400, 40, 24000.0, 1.8e6, 3200.0)
        >>> r = cost_per_conversion_ratio(t, c)
        >>> round(r.estimate, 4), round(r.lower, 4), round(r.upper, 4)
        (0.7222, 0.5012, 1.0408)
    """
    return _two_arm("ratio", treatment, control, alpha, method, samples, n_resamples, seed)


def cost_per_conversion_difference(
    treatment: Any,
    control: Any,
    *,
    alpha: float = 0.05,
    method: str = DEFAULT_CPC_METHOD,
    samples: Any = None,
    n_resamples: int = 2000,
    seed: Any = 0,
) -> Interval:
    """Difference of costs per conversion in USD, treatment minus control.

    The p-value tests a difference of 0 (not available for the bootstrap methods).
    """
    return _two_arm("difference", treatment, control, alpha, method, samples, n_resamples, seed)


def _two_arm(kind, treatment, control, alpha, method, samples, n_resamples, seed) -> Interval:
    check_alpha(alpha)
    name = check_method("cpc_method", method, CPC_METHODS)
    if name in BOOTSTRAP_METHODS:
        from sim.analysis.bootstrap import bootstrap_cpc

        samples = samples if samples is not None else (None, None)
        return bootstrap_cpc(
            [treatment, control],
            list(samples),
            kind=kind,
            alpha=alpha,
            method=name,
            n_resamples=n_resamples,
            seed=seed,
        )
    scalar_t, mt = moments(treatment)
    scalar_c, mc = moments(control)
    m = np.broadcast_shapes(mt.n.shape, mc.n.shape)
    mt, mc = _broadcast(mt, m), _broadcast(mc, m)
    notes = notes_array(m)
    log = name == "delta-log"
    valid = _arm_validity(mt, _conversions(treatment, m), notes, log=log, who="treatment")
    valid &= _arm_validity(mc, _conversions(control, m), notes, log=log, who="control")
    joint = join_independent(mt, mc)
    z = z_crit(alpha)
    if kind == "difference" and name == "delta-log":
        est, lower, upper, pval = _mover_difference(mt, mc, z, notes, valid)
    else:
        est, lower, upper, pval = two_arm_core(joint, kind, z, name, notes, valid)
    return finish(scalar_t and scalar_c, est, lower, upper, pval, name, notes)


def join_independent(mt: Moments, mc: Moments) -> Moments:
    """Stack two independent arms' moments into one 4-vector with block-diagonal covariance."""
    m = np.broadcast_shapes(mt.n.shape, mc.n.shape)
    mt, mc = _broadcast(mt, m), _broadcast(mc, m)
    cov = np.zeros((m[0], 4, 4))
    cov[:, :2, :2] = mt.cov
    cov[:, 2:, 2:] = mc.cov
    return Moments(np.concatenate([mt.mean, mc.mean], -1), cov, np.stack([mt.n, mc.n], -1))


def two_arm_core(
    mo: Moments, kind: str, z: float, name: str, notes: np.ndarray, valid: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Estimate, bounds and p-value of the ratio or difference of two costs per conversion.

    ``mo`` holds the 4-vector (cost_t, conv_t, cost_c, conv_c) of means and its covariance,
    block-diagonal for independent arms or full for paired designs.
    """
    ct, yt, cc, yc = (mo.mean[:, i] for i in range(4))
    nan = np.full(ct.shape, np.nan)
    est, lower, upper, pval = nan.copy(), nan.copy(), nan.copy(), nan.copy()
    with np.errstate(divide="ignore", invalid="ignore"):
        if kind == "ratio":
            theta = (ct / yt) / (cc / yc)
            null = 1.0
        else:
            theta = ct / yt - cc / yc
            null = 0.0
    est[valid] = theta[valid]
    if not valid.any():
        return est, lower, upper, pval
    zeros = np.zeros_like(ct)
    if name == "fieller":
        if kind == "ratio":
            a0, a1 = ct * yc, -yt * cc
            g0 = np.stack([yc, zeros, zeros, ct], -1)
            g1 = np.stack([zeros, -cc, -yt, zeros], -1)
        else:
            a0, a1 = ct * yc - cc * yt, -yt * yc
            g0 = np.stack([yc, -cc, -yt, ct], -1)
            g1 = np.stack([zeros, -yc, zeros, -yt], -1)
        lo, up, unbounded = fieller(a0, a1, g0, g1, mo.cov, z)
        g_null = g0 + null * g1
        se0 = np.sqrt(_quad(g_null, mo.cov, g_null))
        with np.errstate(divide="ignore", invalid="ignore"):
            stat = (a0 + a1 * null) / se0
        add_note(notes, valid & unbounded, _UNBOUNDED)
    else:
        with np.errstate(divide="ignore", invalid="ignore"):
            if kind == "ratio":
                grad_log = np.stack([1 / ct, -1 / yt, -1 / cc, 1 / yc], -1)
                se_log = np.sqrt(_quad(grad_log, mo.cov, grad_log))
                if name == "delta-log":
                    lo = theta * np.exp(-z * se_log)
                    up = theta * np.exp(z * se_log)
                    stat = np.log(theta) / se_log
                else:
                    se = theta * se_log
                    lo, up = theta - z * se, theta + z * se
                    stat = (theta - 1.0) / se
            else:
                grad = np.stack([1 / yt, -ct / yt**2, -1 / yc, cc / yc**2], -1)
                se = np.sqrt(_quad(grad, mo.cov, grad))
                lo, up = theta - z * se, theta + z * se
                stat = theta / se
    lower[valid], upper[valid] = lo[valid], up[valid]
    pval[valid] = two_sided_p(stat)[valid]
    return est, lower, upper, pval


def fieller(
    a0: np.ndarray, a1: np.ndarray, g0: np.ndarray, g1: np.ndarray, cov: np.ndarray, z: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Fieller set {theta : (a0 + a1 theta)^2 <= z^2 g(theta)' cov g(theta)}, g = g0 + g1 theta.

    Returns lower and upper bounds and a mask where the set is unbounded (bounds ``NaN``).

    >>> lo, up, unb = fieller(np.array([10.0]), np.array([-2.0]), np.array([[1.0, 0.0]]),
    ...                       np.array([[0.0, -1.0]]), np.array([[[1.0, 0.0], [0.0, 0.04]]]),
    ...                       1.959964)
    >>> round(float(lo[0]), 3), round(float(up[0]), 3), bool(unb[0])
    (3.772, 6.627, False)
    """
    z2 = z * z
    a_coef = a1 * a1 - z2 * _quad(g1, cov, g1)
    b_coef = a0 * a1 - z2 * _quad(g0, cov, g1)
    c_coef = a0 * a0 - z2 * _quad(g0, cov, g0)
    disc = b_coef * b_coef - a_coef * c_coef
    bounded = (a_coef > 0) & (disc >= 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        root = np.sqrt(np.where(bounded, disc, 0.0))
        lower = np.where(bounded, (-b_coef - root) / a_coef, np.nan)
        upper = np.where(bounded, (-b_coef + root) / a_coef, np.nan)
    return lower, upper, ~bounded


def _arm_core(mo: Moments, z: float, name: str, notes: np.ndarray, valid: np.ndarray):
    c, y = mo.mean[:, 0], mo.mean[:, 1]
    nan = np.full(c.shape, np.nan)
    est, lower, upper = nan.copy(), nan.copy(), nan.copy()
    with np.errstate(divide="ignore", invalid="ignore"):
        theta = c / y
        est[valid] = theta[valid]
        if name == "fieller":
            zeros, ones = np.zeros_like(c), np.ones_like(c)
            g0 = np.stack([ones, zeros], -1)
            g1 = np.stack([zeros, -ones], -1)
            lo, up, unbounded = fieller(c, -y, g0, g1, mo.cov, z)
            add_note(notes, valid & unbounded, _UNBOUNDED)
        elif name == "delta-log":
            grad = np.stack([1 / c, -1 / y], -1)
            se_log = np.sqrt(_quad(grad, mo.cov, grad))
            lo, up = theta * np.exp(-z * se_log), theta * np.exp(z * se_log)
        else:
            grad = np.stack([1 / y, -c / y**2], -1)
            se = np.sqrt(_quad(grad, mo.cov, grad))
            lo, up = theta - z * se, theta + z * se
    lower[valid], upper[valid] = lo[valid], up[valid]
    return est, lower, upper


def _mover_difference(mt: Moments, mc: Moments, z: float, notes: np.ndarray, valid: np.ndarray):
    """Difference of two costs per conversion from the per-arm log-scale intervals (MOVER)."""
    t_est, t_lo, t_up = _arm_core(mt, z, "delta-log", notes_array(mt.n.shape), valid)
    c_est, c_lo, c_up = _arm_core(mc, z, "delta-log", notes_array(mc.n.shape), valid)
    est = t_est - c_est
    lower = est - np.sqrt((t_est - t_lo) ** 2 + (c_up - c_est) ** 2)
    upper = est + np.sqrt((t_up - t_est) ** 2 + (c_est - c_lo) ** 2)
    return est, lower, upper, np.full(est.shape, np.nan)


def _arm_validity(mo: Moments, conv: np.ndarray, notes: np.ndarray, *, log: bool, who: str = ""):
    """Mask of arms whose cost per conversion and its variance exist; notes say why not."""
    prefix = f"{who}: " if who else ""
    n, cost = mo.n, mo.mean[:, 0]
    checks = [
        (n <= 0, "empty arm: no units"),
        (np.isnan(cost), "no cost data"),
        (conv <= 0, "no conversions: cost per conversion undefined"),
        (n == 1, "one unit: no variance"),
    ]
    if log:
        checks.append((cost <= 0, "zero total cost: log scale undefined"))
    valid = np.ones(n.shape, dtype=bool)
    for mask, text in checks:
        hit = valid & mask  # report only the first reason per arm
        add_note(notes, hit, prefix + text)
        valid &= ~mask
    return valid


def _conversions(stats: Any, shape: tuple[int, ...]) -> np.ndarray:
    conv = np.atleast_1d(np.asarray(stats.conversions, dtype=float))
    return np.broadcast_to(conv, shape)


def _broadcast(mo: Moments, shape: tuple[int, ...]) -> Moments:
    m = shape[0]
    return Moments(
        np.broadcast_to(mo.mean, (m, mo.mean.shape[-1])),
        np.broadcast_to(mo.cov, (m, *mo.cov.shape[-2:])),
        np.broadcast_to(mo.n, (m,)),
    )


def _quad(a: np.ndarray, cov: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.einsum("...i,...ij,...j->...", a, cov, b)


_UNBOUNDED = "fieller: interval unbounded (too few conversions to bound the denominator)"
