"""Equal allocation: ``n`` observations of every system, then the largest mean - the yardstick.

With known variances the probability of correct selection (PCS) of equal allocation in a
configuration of means ``mu`` and standard deviations ``sigma`` is, for independent sampling
and best system ``b``,

    PCS(n) = integral phi(z) prod_{i != b} Phi((sqrt(n) (mu_b - mu_i) + sigma_b z) / sigma_i) dz.

PCS rises with every gap ``mu_b - mu_i``, so the least favourable configuration for an
indifference zone ``delta`` has every other mean exactly ``delta`` below the best. For a common
``sigma`` this is Bechhofer's (1954) single-stage procedure, ``n = ceil((tau sigma / delta)^2)``
with ``tau`` solving ``integral phi(z) Phi(z + tau)^(k-1) dz = P*``: the fewest observations
an equal allocation can take and still guarantee ``P*`` - even knowing the variances, which a
simulation never does (Rinott's two-stage procedure, :mod:`.rinott`, is the equal-footing
yardstick that estimates them). With unequal known variances :func:`equal_allocation_size`
takes the least favourable configuration over which system is best.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from scipy import integrate, optimize, stats

from sim.errors import InputError
from sim.study.methods.selection.outcome import Selection
from sim.study.methods.selection.sampling import BatchSampler, Tally, draw


def equal_select(sample: BatchSampler, k: int, n: int) -> Selection:
    """Take ``n`` observations of each of ``k`` systems and select the largest mean.

    Example:
        >>> mu = np.array([0.0, 1.0, 0.2])
        >>> s = equal_select(lambda sy, m: np.repeat(mu[sy, None], m, axis=1), 3, 4)
        >>> s.best, s.total
        (1, 12)
    """
    if k < 2:
        raise InputError("k", f"{k} systems: need >= 2")
    if n < 1:
        raise InputError("n", f"{n}: need >= 1 observation per system")
    systems = np.arange(k)
    tally = Tally(k)
    tally.add(systems, draw(sample, systems, n))
    means = tally.means()
    return Selection(
        int(np.argmax(means)), "equal", tally.n.copy(), means, tally.sds(),
        np.full(k, -1), tally.n.copy(), {"k": k, "n": n},
    )  # fmt: skip


def pcs_equal(means: Any, sigmas: Any, n: int) -> float:
    """PCS of equal allocation with ``n`` per system in a known normal configuration.

    Example:
        >>> round(pcs_equal([1.0, 0.0], [1.0, 1.0], 2), 4)  # Phi(1) for the difference
        0.8413
    """
    mu, sd = _config(means, sigmas)
    b = int(np.argmax(mu))
    if np.sum(mu == mu[b]) > 1:
        raise InputError("means", "the best mean must be unique for a correct selection")
    others = np.arange(len(mu)) != b
    gap = np.sqrt(n) * (mu[b] - mu[others])

    def integrand(z: float) -> float:
        return float(stats.norm.pdf(z) * np.prod(stats.norm.cdf((gap + sd[b] * z) / sd[others])))

    return float(integrate.quad(integrand, -12.0, 12.0, limit=200, epsabs=1e-12)[0])


def bechhofer_tau(k: int, pcs: float) -> float:
    """Bechhofer's constant: ``integral phi(z) Phi(z + tau)^(k-1) dz = pcs``.

    Example:
        >>> round(bechhofer_tau(2, 0.95), 4)  # sqrt(2) * z_0.95
        2.3262
    """
    _check_pcs(k, pcs)

    def f(tau: float) -> float:
        def integrand(z: float) -> float:
            return float(stats.norm.pdf(z) * stats.norm.cdf(z + tau) ** (k - 1))

        return float(integrate.quad(integrand, -12.0, 12.0, epsabs=1e-13)[0]) - pcs

    return float(optimize.brentq(f, 0.0, 20.0, xtol=1e-10))


def equal_allocation_size(k: int, delta: float, sigmas: Any, pcs: float = 0.95) -> int:
    """Fewest observations per system for which equal allocation guarantees ``pcs``.

    Known standard deviations ``sigmas`` (one, or one per system); the guarantee is over the
    least favourable configuration (every other mean ``delta`` below the best), whichever
    system is best. Under common random numbers with correlation ``rho`` between systems and a
    common ``sigma``, pass ``sigma * sqrt(1 - rho)``: the shared part cancels in every
    difference, leaving independent noise of that size.

    Example:
        >>> equal_allocation_size(20, 1 / np.sqrt(10), 1.0, 0.95)  # ceil((3.7207 * sqrt(10))^2)
        139
    """
    _check_pcs(k, pcs)
    if not delta > 0:
        raise InputError("delta", f"{delta}: must be > 0")
    sd = np.broadcast_to(np.asarray(sigmas, dtype=float), (k,)).copy()
    if np.all(sd == sd[0]):
        return int(np.ceil((bechhofer_tau(k, pcs) * sd[0] / delta) ** 2))

    def worst(n: int) -> float:
        return float(least_favourable_pcs(sd, delta, n).min())

    return _smallest_n(worst, pcs)


def least_favourable_pcs(sigmas: Any, delta: float, n: int) -> np.ndarray:
    """PCS of equal allocation when system ``b`` is ``delta`` ahead of all others, for each ``b``.

    One adaptive vector quadrature (``scipy.integrate.quad_vec``) for all ``b`` at once; it
    agrees with :func:`pcs_equal` per ``b``.

    Example:
        >>> p = least_favourable_pcs([1.0, 1.0, 2.0], 0.5, 20)
        >>> bool(np.allclose(p, [pcs_equal([0.5, 0, 0], [1, 1, 2], 20),
        ...                      pcs_equal([0, 0.5, 0], [1, 1, 2], 20),
        ...                      pcs_equal([0, 0, 0.5], [1, 1, 2], 20)], atol=1e-10))
        True
    """
    sd = np.asarray(sigmas, dtype=float)
    gap = np.sqrt(n) * delta

    def integrand(z: float) -> np.ndarray:
        m = stats.norm.cdf((gap + sd[:, None] * z) / sd[None, :])  # [b, i]
        np.fill_diagonal(m, 1.0)
        return stats.norm.pdf(z) * m.prod(axis=1)

    return np.asarray(integrate.quad_vec(integrand, -12.0, 12.0, epsabs=1e-12)[0])


def equal_allocation_size_for(means: Any, sigmas: Any, pcs: float = 0.95) -> int:
    """Fewest observations per system for ``pcs`` in *this* configuration (known means).

    An oracle yardstick: a real procedure does not know the means.

    Example:
        >>> equal_allocation_size_for([1.0, 0.0], [1.0, 1.0], 0.8413)
        2
    """
    mu, sd = _config(means, sigmas)
    _check_pcs(len(mu), pcs)
    return _smallest_n(lambda n: pcs_equal(mu, sd, n), pcs)


def _smallest_n(pcs_of_n: Callable[[int], float], target: float) -> int:
    """The smallest ``n >= 1`` with ``pcs_of_n(n) >= target`` (PCS rises with ``n``)."""
    if pcs_of_n(1) >= target:
        return 1
    lo, hi = 1, 2  # invariant: pcs(lo) < target <= pcs(hi) once hi is found
    while pcs_of_n(hi) < target:
        lo, hi = hi, 2 * hi
        if hi > 2**30:
            raise InputError("pcs", f"{target} is out of reach of equal allocation")
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if pcs_of_n(mid) >= target:
            hi = mid
        else:
            lo = mid
    return hi


def _config(means: Any, sigmas: Any) -> tuple[np.ndarray, np.ndarray]:
    mu = np.asarray(means, dtype=float)
    sd = np.broadcast_to(np.asarray(sigmas, dtype=float), mu.shape).copy()
    if mu.ndim != 1 or len(mu) < 2 or np.any(sd <= 0) or not np.all(np.isfinite(mu)):
        raise InputError("means, sigmas", "need >= 2 finite means and positive sigmas")
    return mu, sd


def _check_pcs(k: int, pcs: float) -> None:
    if k < 2:
        raise InputError("k", f"{k} systems: need >= 2")
    if not 1.0 / k < pcs < 1.0:
        raise InputError("pcs", f"{pcs}: must lie in (1/k, 1)")
