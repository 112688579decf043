"""Cost and conversions per unit as means with their covariance, and the Fieller set.

Every cost-per-conversion interval of :mod:`sim.analysis.cost` starts here: sufficient
statistics (:class:`~sim.analysis.sufficient.ArmStats`, or array-valued :class:`Sums`) become
the means of (cost, converted) per unit and the covariance of those means (:class:`Moments`);
two arms are stacked into one 4-vector, treatment first, then control, with a block-diagonal
covariance when they are independent (:func:`join_independent`) or a full one for a paired
design. :func:`fieller` is the confidence set of a ratio of such means.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

#: The note of a Fieller set that is not an interval.
UNBOUNDED = "fieller: interval unbounded (too few conversions to bound the denominator)"


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


def join_independent(mt: Moments, mc: Moments) -> Moments:
    """Stack two independent arms' moments into one 4-vector with block-diagonal covariance."""
    m = np.broadcast_shapes(mt.n.shape, mc.n.shape)
    mt, mc = broadcast_moments(mt, m), broadcast_moments(mc, m)
    cov = np.zeros((m[0], 4, 4))
    cov[:, :2, :2] = mt.cov
    cov[:, 2:, 2:] = mc.cov
    return Moments(np.concatenate([mt.mean, mc.mean], -1), cov, np.stack([mt.n, mc.n], -1))


def split_joint(joint: Moments) -> tuple[Moments, Moments]:
    """Each arm's own moments from the joint 4-vector."""
    n = np.asarray(joint.n)
    n = n if n.ndim == 1 else n[:, 0]
    return (
        Moments(joint.mean[:, :2], joint.cov[:, :2, :2], n),
        Moments(joint.mean[:, 2:], joint.cov[:, 2:, 2:], n),
    )


def broadcast_moments(mo: Moments, shape: tuple[int, ...]) -> Moments:
    m = shape[0]
    return Moments(
        np.broadcast_to(mo.mean, (m, mo.mean.shape[-1])),
        np.broadcast_to(mo.cov, (m, *mo.cov.shape[-2:])),
        np.broadcast_to(mo.n, (m,)),
    )


def conversions_of(stats: Any, shape: tuple[int, ...]) -> np.ndarray:
    conv = np.atleast_1d(np.asarray(stats.conversions, dtype=float))
    return np.broadcast_to(conv, shape)


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
    a_coef = a1 * a1 - z2 * quad_form(g1, cov, g1)
    b_coef = a0 * a1 - z2 * quad_form(g0, cov, g1)
    c_coef = a0 * a0 - z2 * quad_form(g0, cov, g0)
    disc = b_coef * b_coef - a_coef * c_coef
    bounded = (a_coef > 0) & (disc >= 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        root = np.sqrt(np.where(bounded, disc, 0.0))
        lower = np.where(bounded, (-b_coef - root) / a_coef, np.nan)
        upper = np.where(bounded, (-b_coef + root) / a_coef, np.nan)
    return lower, upper, ~bounded


def quad_form(a: np.ndarray, cov: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.einsum("...i,...ij,...j->...", a, cov, b)
