"""Cost per conversion: total cost / conversions per arm, and its change versus the control.

Cost per conversion is a ratio of two means, ``mean(cost) / mean(converted)``, so its
uncertainty comes from both: the spread of costs and, above all when conversions are few, the
chance in the denominator. Methods:

- ``mover-fieller`` (default): Fieller's interval for one arm and for the ratio of two arms
  (below); for the difference of two arms, the two arms' Fieller intervals combined by MOVER
  (Zou and Donner 2008; Zou 2008 for correlated estimates, which a paired design has);
- ``delta``: first-order delta method on the natural scale (symmetric interval);
- ``delta-log``: delta method on the log scale (intervals are ratios, hence asymmetric); for
  a difference between arms, the per-arm log-scale intervals combined by MOVER, with the
  pairing correlation in a paired design;
- ``fieller``: Fieller's theorem, which inverts the normal pivot ``mean(cost) - theta *
  mean(converted)`` instead of linearising the ratio. For the ratio and the difference of two
  arms' costs per conversion the pivot is ``Ct*Yc - theta*Yt*Cc`` (``Ct*Yc - Cc*Yt -
  theta*Yt*Yc``), with its variance from the delta method at each ``theta``. When the
  denominator is not clearly above zero the Fieller set is unbounded: bounds are ``NaN`` with
  a note, which is the honest answer with 3 or 4 conversions;
- ``bootstrap-percentile`` and ``bootstrap-bca``: resampling units (see
  :mod:`sim.analysis.bootstrap`); these need per-unit data (``samples``).

Which to use: docs/analysis-coverage.md measures coverage across four cost models (light
tails, log-normal, a point mass at zero plus a heavy tail, costs correlated with conversion),
10 to 300 conversions per arm, split and paired designs (``docs/cost_coverage.py`` reproduces
it). :data:`DEFAULT_CPC_METHOD` is the method that held 93.5-96.5% in the most cells; no method
holds everywhere, and :func:`coverage_warnings` adds a note to a result that falls where the
default was measured outside that band.

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
    "mover-fieller",
    "bootstrap-percentile",
    "bootstrap-bca",
)
#: The methods that work from sufficient statistics alone (no per-unit data).
CPC_SUFFICIENT_METHODS: tuple[str, ...] = ("delta-log", "delta", "fieller", "mover-fieller")
#: The default method: the one whose coverage held 93.5-96.5% in the most cells of
#: docs/analysis-coverage.md. delta-log, the previous default, fell to 0.91-0.93 for paired
#: ratios below 50 conversions and under heavy-tailed costs; joint Fieller differences are
#: often unbounded at 10 conversions.
DEFAULT_CPC_METHOD = "mover-fieller"
#: Where the default's measured coverage left 93.5-96.5% (docs/analysis-coverage.md): fewer
#: conversions than this in an arm ...
FEW_CONVERSIONS = 20
#: ... or costs whose coefficient of variation per unit exceeds this, with fewer conversions
#: than HEAVY_TAIL_CONVERSIONS in an arm (the point-mass-at-zero model, CV 5.5).
HEAVY_TAIL_CV = 3.0
HEAVY_TAIL_CONVERSIONS = 300
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
        (600.0, 466.2, 843.43)
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
    r = arm_cpc_core(mo, _conversions(stats, mo.n.shape), name, alpha=alpha)
    return finish(scalar, *r[:4], name, r.note)


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
        (0.7222, 0.4867, 1.0359)
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
    r = two_arm_cpc(
        _broadcast(mt, m),
        _broadcast(mc, m),
        _conversions(treatment, m),
        _conversions(control, m),
        kind,
        name,
        alpha=alpha,
    )
    return finish(scalar_t and scalar_c, *r[:4], name, r.note)


def two_arm_cpc(
    mt: Moments | None,
    mc: Moments | None,
    conv_t: np.ndarray,
    conv_c: np.ndarray,
    kind: str,
    method: str,
    joint: Moments | None = None,
    *,
    alpha: float = 0.05,
) -> Interval:
    """Vectorised ratio or difference of two costs per conversion (arrays in, arrays out).

    ``mt``/``mc`` are the arms' own moments for independent arms; for a paired design pass
    ``joint``, the 4-vector (cost_t, conv_t, cost_c, conv_c) with its full covariance, and the
    arms' own moments are read from it. ``method`` is one of :data:`CPC_SUFFICIENT_METHODS`.
    """
    if joint is None:
        joint = join_independent(mt, mc)
    else:
        mt, mc = _split_joint(joint)
    m = joint.mean.shape[:1]
    notes = notes_array(m)
    log = method in ("delta-log", "mover-fieller")
    valid = _arm_validity(mt, np.broadcast_to(conv_t, m), notes, log=log, who="treatment")
    valid &= _arm_validity(mc, np.broadcast_to(conv_c, m), notes, log=log, who="control")
    z = z_crit(alpha)
    if kind == "difference" and method in ("mover-fieller", "delta-log"):
        per_arm = "fieller" if method == "mover-fieller" else "delta-log"
        est, lower, upper, pval = mover(joint, kind, z, per_arm, notes, valid)
    else:
        core = "fieller" if method == "mover-fieller" else method
        est, lower, upper, pval = two_arm_core(joint, kind, z, core, notes, valid)
    coverage_warnings(notes, (mt, np.broadcast_to(conv_t, m)), (mc, np.broadcast_to(conv_c, m)))
    return Interval(est, lower, upper, pval, method, notes)


def coverage_warnings(notes: np.ndarray, *arms: tuple[Moments, np.ndarray]) -> None:
    """Note where the default's measured coverage left 93.5-96.5% (docs/analysis-coverage.md).

    ``arms`` are ``(moments, conversions)`` pairs; the region is an arm with fewer than
    :data:`FEW_CONVERSIONS` conversions, or one whose cost per unit has a coefficient of
    variation above :data:`HEAVY_TAIL_CV` with fewer than :data:`HEAVY_TAIL_CONVERSIONS`
    conversions.

    >>> mo = Moments(np.array([[50.0, 0.1]]), np.array([[[25.0, 0.0], [0.0, 9e-5]]]),
    ...              np.array([1000.0]))
    >>> notes = notes_array((1,))
    >>> coverage_warnings(notes, (mo, np.array([12.0])))
    >>> print(notes[0])
    coverage: 12 conversions (< 20): measured outside 93.5-96.5%, see docs/analysis-coverage.md
    """
    few = np.zeros(notes.shape, dtype=bool)
    heavy = np.zeros(notes.shape, dtype=bool)
    least = np.full(notes.shape, np.inf)
    worst_cv = np.zeros(notes.shape)
    for mo, conv in arms:
        conv = np.broadcast_to(np.asarray(conv, dtype=float), notes.shape)
        with np.errstate(divide="ignore", invalid="ignore"):
            cv = np.sqrt(mo.cov[:, 0, 0] * mo.n) / mo.mean[:, 0]
        cv = np.nan_to_num(cv, nan=0.0, posinf=0.0)
        ok = conv > 0
        few |= ok & (conv < FEW_CONVERSIONS)
        tail = ok & (cv > HEAVY_TAIL_CV) & (conv < HEAVY_TAIL_CONVERSIONS)
        heavy |= tail
        least = np.where(ok, np.minimum(least, conv), least)
        worst_cv = np.where(tail, np.maximum(worst_cv, cv), worst_cv)
    for i in np.flatnonzero(few):
        add_note(
            notes,
            np.arange(notes.size) == i,
            f"coverage: {least[i]:.0f} conversions (< {FEW_CONVERSIONS}): measured outside "
            "93.5-96.5%, see docs/analysis-coverage.md",
        )
    for i in np.flatnonzero(heavy & ~few):
        add_note(
            notes,
            np.arange(notes.size) == i,
            f"coverage: heavy-tailed costs (CV {worst_cv[i]:.1f} > {HEAVY_TAIL_CV:g}) and "
            f"< {HEAVY_TAIL_CONVERSIONS} conversions: measured below 93.5%, see "
            "docs/analysis-coverage.md",
        )


def arm_cpc_core(mo: Moments, conv: np.ndarray, method: str, *, alpha: float = 0.05) -> Interval:
    """Vectorised cost per conversion of one arm (``mover-fieller`` is Fieller for one arm)."""
    notes = notes_array(mo.n.shape)
    name = "fieller" if method == "mover-fieller" else method
    conv = np.broadcast_to(conv, mo.n.shape)
    valid = _arm_validity(mo, conv, notes, log=name == "delta-log")
    est, lower, upper = _arm_core(mo, z_crit(alpha), name, notes, valid)
    coverage_warnings(notes, (mo, conv))
    return Interval(est, lower, upper, np.full(est.shape, np.nan), method, notes)


def _split_joint(joint: Moments) -> tuple[Moments, Moments]:
    """Each arm's own moments from the joint 4-vector."""
    n = np.asarray(joint.n)
    n = n if n.ndim == 1 else n[:, 0]
    return (
        Moments(joint.mean[:, :2], joint.cov[:, :2, :2], n),
        Moments(joint.mean[:, 2:], joint.cov[:, 2:, 2:], n),
    )


def mover(
    joint: Moments, kind: str, z: float, per_arm: str, notes: np.ndarray, valid: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """MOVER: the two arms' own intervals combined into one for their difference or ratio.

    Zou and Donner (2008) and Zou (2008, for correlated estimates): with per-arm estimates
    t, c, bounds (l_t, u_t), (l_c, u_c) and r the correlation of the two estimates,

        lower = t - c - sqrt((t - l_t)^2 + (u_c - c)^2 - 2 r (t - l_t)(u_c - c))
        upper = t - c + sqrt((u_t - t)^2 + (c - l_c)^2 - 2 r (u_t - t)(c - l_c)).

    For the ratio the same is done on the log scale (log t - log c), so a lower arm bound at
    or below 0 gives a ratio bound of 0 (or infinity above). ``r`` is the delta-method
    correlation of the two costs per conversion: 0 for independent arms, the pairing's for a
    paired design. There is no matching test, so the p-value is ``NaN``.

    >>> mo = Moments(np.array([[60.0, 0.1, 60.0, 0.1]]),
    ...              np.diag([4.0, 2.25e-4, 4.0, 2.25e-4])[None], np.array([[400.0, 400.0]]))
    >>> est, lo, up, _ = mover(mo, "difference", 1.959964, "delta-log", notes_array((1,)),
    ...                        np.array([True]))
    >>> round(float(est[0]), 6), round(float(lo[0]), 1), round(float(up[0]), 1)
    (0.0, -262.3, 262.3)
    """
    mt, mc = _split_joint(joint)
    t_est, t_lo, t_up = _arm_core(mt, z, per_arm, notes_array(mt.n.shape), valid)
    c_est, c_lo, c_up = _arm_core(mc, z, per_arm, notes_array(mc.n.shape), valid)
    if per_arm == "fieller":
        add_note(notes, valid & (np.isnan(t_lo) | np.isnan(c_lo)), _UNBOUNDED)
    ct, yt, cc, yc = (joint.mean[:, i] for i in range(4))
    with np.errstate(divide="ignore", invalid="ignore"):
        gt = np.stack([1 / yt, -ct / yt**2, np.zeros_like(ct), np.zeros_like(ct)], -1)
        gc = np.stack([np.zeros_like(ct), np.zeros_like(ct), 1 / yc, -cc / yc**2], -1)
        r = _quad(gt, joint.cov, gc) / np.sqrt(_quad(gt, joint.cov, gt) * _quad(gc, joint.cov, gc))
        r = np.clip(np.nan_to_num(r), -1.0, 1.0)
        if kind == "ratio":
            t_est, t_lo, t_up = np.log(t_est), _safe_log(t_lo), _safe_log(t_up)
            c_est, c_lo, c_up = np.log(c_est), _safe_log(c_lo), _safe_log(c_up)
        dl_t, du_t = t_est - t_lo, t_up - t_est
        dl_c, du_c = c_est - c_lo, c_up - c_est
        est = t_est - c_est
        lower = est - np.sqrt(np.maximum(dl_t**2 + du_c**2 - 2 * r * dl_t * du_c, 0.0))
        upper = est + np.sqrt(np.maximum(du_t**2 + dl_c**2 - 2 * r * du_t * dl_c, 0.0))
        if kind == "ratio":
            est, lower, upper = np.exp(est), np.exp(lower), np.exp(upper)
    nan = np.full(est.shape, np.nan)
    return (
        np.where(valid, est, nan),
        np.where(valid, lower, nan),
        np.where(valid, upper, nan),
        nan,
    )


def _safe_log(x: np.ndarray) -> np.ndarray:
    """log for bounds: a bound at or below 0 is -inf (the ratio's bound is then 0 or inf)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where(x > 0, np.log(np.where(x > 0, x, 1.0)), -np.inf)
    return np.where(np.isnan(x), np.nan, out)


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
