"""Normal systems with known means: the test problems of ranking and selection.

Observation ``j`` of system ``i`` is

    X_ij = mu_i + sigma_i (sqrt(rho) Z_j + sqrt(1 - rho) E_ij),   Z_j, E_ij ~ N(0, 1),

so ``rho`` is the correlation between systems within a replication (common random numbers)
and ``rho = 0`` is independent sampling. The noise of replication ``j`` is drawn for all systems
at once, in blocks, so observation ``j`` of a system does not depend on which systems were
asked for before, or in what order: the same seed gives the same observations under any
procedure. Two standard configurations (Kim & Nelson 2001; Bechhofer, Santner & Goldsman 1995):

- :func:`slippage` - the best is ``delta`` ahead and all others tie: the least favourable
  configuration for an indifference zone ``delta``, where procedures need the most data;
- :func:`spaced` - means ``delta`` apart (the best ``delta`` ahead of the second), here with
  variances that may differ by system.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from sim.errors import InputError
from sim.study.methods.seeding import Seed, as_generator

# Replications of noise drawn at a time (for all systems).
_BLOCK = 256


class NormalSystems:
    """A batch sampler ``sample(systems, n)`` over normal systems with known means.

    Args:
        means: true means ``mu`` (larger is better).
        sigmas: standard deviations, one or one per system (> 0).
        rho: correlation between systems within a replication, in ``[0, 1)``.
        seed: the random numbers.

    Example:
        >>> s = NormalSystems([0.0, 1.0], [1.0, 2.0], rho=0.5, seed=1)
        >>> x = s(np.array([0, 1]), 20000)
        >>> se = s.sigmas / np.sqrt(20000)  # each mean within 3 standard errors
        >>> bool(np.all(np.abs(x.mean(axis=1) - s.means) < 3 * se))
        True
        >>> round(float(np.corrcoef(x)[0, 1]), 1), s.best, s.count.tolist()
        (0.5, 1, [20000, 20000])
    """

    def __init__(self, means: Any, sigmas: Any, *, rho: float = 0.0, seed: Seed = 0) -> None:
        self.means = np.asarray(means, dtype=float)
        k = len(self.means)
        self.sigmas = np.broadcast_to(np.asarray(sigmas, dtype=float), (k,)).copy()
        if self.means.ndim != 1 or k < 2 or not np.all(np.isfinite(self.means)):
            raise InputError("means", "need >= 2 finite means")
        if not np.all(self.sigmas > 0):
            raise InputError("sigmas", "standard deviations must be > 0")
        if not 0.0 <= rho < 1.0:
            raise InputError("rho", f"{rho}: must lie in [0, 1)")
        self.rho = float(rho)
        self._rng = as_generator(seed)
        self._noise = np.empty((0, k))
        self.count = np.zeros(k, dtype=np.int64)

    @property
    def best(self) -> int:
        """Index of the system with the largest mean (the first, if tied)."""
        return int(np.argmax(self.means))

    def __call__(self, systems: np.ndarray, n: int) -> np.ndarray:
        """The next ``n`` observations of each of ``systems``, shape ``(len(systems), n)``."""
        systems = np.asarray(systems, dtype=np.int64)
        self._grow(int(self.count[systems].max()) + n)
        out = np.empty((len(systems), n))
        for row, i in enumerate(systems):
            j = self.count[i]
            out[row] = self.means[i] + self.sigmas[i] * self._noise[j : j + n, i]
            self.count[i] += n
        return out

    def _grow(self, rows: int) -> None:
        have = len(self._noise)
        if rows <= have:
            return
        blocks = -(-(rows - have) // _BLOCK)
        k = len(self.means)
        new = []
        for _ in range(blocks):  # block by block, so the stream does not depend on the request
            z = self._rng.standard_normal((_BLOCK, 1))
            e = self._rng.standard_normal((_BLOCK, k))
            new.append(np.sqrt(self.rho) * z + np.sqrt(1.0 - self.rho) * e)
        self._noise = np.vstack([self._noise, *new])


def slippage(
    k: int, delta: float, sigma: float = 1.0, *, rho: float = 0.0, seed: Seed = 0
) -> NormalSystems:
    """The slippage configuration: system ``k - 1`` is ``delta`` ahead, the others tie at 0.

    Example:
        >>> slippage(4, 0.5).means.tolist()
        [0.0, 0.0, 0.0, 0.5]
    """
    return NormalSystems(np.r_[np.zeros(k - 1), delta], sigma, rho=rho, seed=seed)


def spaced(
    k: int, delta: float, sigmas: Any = 1.0, *, rho: float = 0.0, seed: Seed = 0
) -> NormalSystems:
    """Equally spaced means ``0, delta, ..., (k - 1) delta``: system ``k - 1`` is best.

    Example:
        >>> spaced(3, 0.5, [1.0, 1.5, 2.0]).means.tolist()
        [0.0, 0.5, 1.0]
    """
    return NormalSystems(delta * np.arange(k), sigmas, rho=rho, seed=seed)
