"""Rinott's (1978) two-stage procedure: the equal-information yardstick for a sequential one.

Like KN, Rinott's procedure guarantees ``P(correct selection) >= P*`` whenever the best mean is
at least ``delta`` above the others, for normal observations with unknown, unequal variances;
unlike KN it decides each system's total up front from its first-stage variance and never stops
early. Take ``n0`` observations of every system, with sample standard deviations ``S_i``; then

    N_i = max(n0, ceil((h S_i / delta)^2)),

take ``N_i - n0`` more of system ``i`` and select the largest overall mean. The constant ``h``
solves (Rinott 1978; Bechhofer, Santner & Goldsman 1995, ch. 3)

    E_Y[ (E_X Phi(h / sqrt((n0 - 1) (1/X + 1/Y))))^(k-1) ] = P*,   X, Y ~ chi^2_(n0-1) i.i.d.,

computed here by Gauss-Legendre quadrature in ``log X`` and ``log Y`` (smooth on that scale,
where the probability scale's ``1/X`` blows up near 0; 96 nodes agree with adaptive quadrature
to 1e-12). The
guarantee assumes independent sampling across systems (under common random numbers it is
conservative only for some covariance structures), so compare it with KN on independent
observations.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import numpy as np
from scipy import optimize, stats

from sim.errors import InputError
from sim.study.methods.selection.outcome import Selection
from sim.study.methods.selection.sampling import BatchSampler, Tally, check_common, draw

# Gauss-Legendre nodes in log(chi-square) for the expectations, and the tail mass left out.
_NODES = 96
_TAIL = 1e-15


@lru_cache(maxsize=256)  # a pure function of three numbers, called once per selection
def rinott_h(k: int, n0: int, pcs: float = 0.95) -> float:
    """Rinott's constant ``h`` for ``k`` systems, first stage ``n0``, target ``pcs``.

    Example:
        >>> h = rinott_h(2, 1001, 0.95)  # large n0: Phi(h / sqrt(2)) -> pcs
        >>> round(float(h / np.sqrt(2)), 2)
        1.65
    """
    check_common(k, n0)
    if not 1.0 / k < pcs < 1.0:
        raise InputError("pcs", f"{pcs}: must lie in (1/k, 1) = ({1.0 / k:.4g}, 1)")
    nu = n0 - 1
    lo, hi = np.log(stats.chi2.ppf(_TAIL, nu)), np.log(stats.chi2.isf(_TAIL, nu))
    t, w = np.polynomial.legendre.leggauss(_NODES)
    t, w = lo + (hi - lo) * (t + 1.0) / 2.0, w * (hi - lo) / 2.0
    q = np.exp(t)
    w = w * stats.chi2.pdf(q, nu) * q  # dx = x d(log x)
    scale = nu * (1.0 / q[:, None] + 1.0 / q[None, :])  # [x, y]

    def gap(h: float) -> float:
        inner = w @ stats.norm.cdf(h / np.sqrt(scale))  # E_X, one value per y
        return float(w @ inner ** (k - 1)) - pcs

    return float(optimize.brentq(gap, 1e-6, 50.0, xtol=1e-10))


def rinott_sizes(sds: Any, h: float, delta: float, n0: int) -> np.ndarray:
    """Second-stage totals ``N_i = max(n0, ceil((h S_i / delta)^2))``.

    Example:
        >>> rinott_sizes([1.0, 2.0, 0.1], 3.0, 0.5, 10).tolist()
        [36, 144, 10]
    """
    s = np.asarray(sds, dtype=float)
    # the ratio is rounded away from a float error just above an integer (e.g. 36.000000001)
    need = np.ceil(np.round((h * s / delta) ** 2, 9))
    return np.maximum(n0, need).astype(np.int64)


def rinott_select(
    sample: BatchSampler, k: int, *, delta: float, pcs: float = 0.95, n0: int = 10
) -> Selection:
    """Select the system with the largest mean by Rinott's two-stage procedure.

    Example:
        >>> rng = np.random.default_rng(2)
        >>> mu = np.array([0.0, 0.5, 0.0])
        >>> s = rinott_select(lambda sy, n: rng.normal(mu[sy, None], 1, (len(sy), n)), 3,
        ...                   delta=0.5)
        >>> s.best, s.procedure, bool(s.n.min() >= 10)
        (1, 'Rinott', True)
    """
    if not delta > 0:
        raise InputError("delta", f"{delta}: the indifference zone must be > 0")
    h = rinott_h(k, n0, pcs)
    systems = np.arange(k)
    tally = Tally(k)
    tally.add(systems, draw(sample, systems, n0))
    sizes = rinott_sizes(tally.sds(), h, delta, n0)
    more = sizes - n0
    for count in np.unique(more[more > 0]):
        group = np.flatnonzero(more == count)
        tally.add(group, draw(sample, group, int(count)))
    means = tally.means()
    params = {"k": k, "n0": n0, "delta": delta, "pcs": pcs, "h": h}
    n = tally.n.copy()
    return Selection(
        int(np.argmax(means)), "Rinott", n, means, tally.sds(), np.full(k, -1), n.copy(), params
    )


def rinott_expected_total(k: int, delta: float, sigmas: Any, n0: int, pcs: float = 0.95) -> float:
    """Expected total observations of Rinott's procedure for true standard deviations.

    ``E[N_i] = E[max(n0, ceil(c Q))] = n0 + sum_{m >= n0} P(c Q > m)`` with
    ``Q ~ chi^2_(n0-1)`` and ``c = h^2 sigma_i^2 / (delta^2 (n0 - 1))``, since
    ``(n0 - 1) S_i^2 / sigma_i^2 ~ chi^2_(n0-1)``.

    Example:
        >>> h = rinott_h(2, 10, 0.95)
        >>> e = rinott_expected_total(2, 0.1, 1.0, 10, 0.95)  # E[S^2] = sigma^2: ~ 2 (10 h)^2
        >>> bool(abs(e - 2 * (10 * h) ** 2) < 2)
        True
    """
    if not delta > 0:
        raise InputError("delta", f"{delta}: must be > 0")
    h = rinott_h(k, n0, pcs)
    sd = np.broadcast_to(np.asarray(sigmas, dtype=float), (k,))
    if not np.all(sd > 0):
        raise InputError("sigmas", "standard deviations must be > 0")
    total = 0.0
    for s in sd:
        c = h**2 * s**2 / (delta**2 * (n0 - 1))
        # P(c Q > m) is negligible (< 1e-15) beyond 50 times the mean of c Q plus a margin
        m = np.arange(n0, int(n0 + 50 * (c * (n0 - 1) + 10)))
        total += n0 + float(stats.chi2.sf(m / c, n0 - 1).sum())
    return total
