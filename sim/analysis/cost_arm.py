"""One arm's cost per conversion (delta, delta-log, Fieller), and where its coverage is known.

The interval methods of one arm on :class:`~sim.analysis.cost_moments.Moments`, vectorised over
arms, with the checks that say why an arm has no cost per conversion; and
:func:`coverage_warnings`, the note a result gets where the default method's measured coverage
left 93.5-96.5% (docs/analysis-coverage.md).
"""

from __future__ import annotations

import numpy as np

from sim.analysis.cost_moments import UNBOUNDED, Moments, fieller, quad_form
from sim.analysis.interval import Interval, add_note, notes_array, z_crit

#: Where the default's measured coverage left 93.5-96.5% (docs/analysis-coverage.md): fewer
#: conversions than this in an arm ...
FEW_CONVERSIONS = 20


#: ... or costs whose coefficient of variation per unit exceeds this, with fewer conversions
#: than HEAVY_TAIL_CONVERSIONS in an arm (the point-mass-at-zero model, CV 5.5).
HEAVY_TAIL_CV = 3.0
HEAVY_TAIL_CONVERSIONS = 300


def arm_cpc_core(mo: Moments, conv: np.ndarray, method: str, *, alpha: float = 0.05) -> Interval:
    """Vectorised cost per conversion of one arm (``mover-fieller`` is Fieller for one arm)."""
    notes = notes_array(mo.n.shape)
    name = "fieller" if method == "mover-fieller" else method
    conv = np.broadcast_to(conv, mo.n.shape)
    valid = arm_validity(mo, conv, notes, log=name == "delta-log")
    est, lower, upper = arm_core(mo, z_crit(alpha), name, notes, valid)
    coverage_warnings(notes, (mo, conv))
    return Interval(est, lower, upper, np.full(est.shape, np.nan), method, notes)


def arm_core(mo: Moments, z: float, name: str, notes: np.ndarray, valid: np.ndarray):
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
            add_note(notes, valid & unbounded, UNBOUNDED)
        elif name == "delta-log":
            grad = np.stack([1 / c, -1 / y], -1)
            se_log = np.sqrt(quad_form(grad, mo.cov, grad))
            lo, up = theta * np.exp(-z * se_log), theta * np.exp(z * se_log)
        else:
            grad = np.stack([1 / y, -c / y**2], -1)
            se = np.sqrt(quad_form(grad, mo.cov, grad))
            lo, up = theta - z * se, theta + z * se
    lower[valid], upper[valid] = lo[valid], up[valid]
    return est, lower, upper


def arm_validity(mo: Moments, conv: np.ndarray, notes: np.ndarray, *, log: bool, who: str = ""):
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
