"""How ranking-and-selection procedures get observations: the batch sampler and running tallies.

A procedure asks a **batch sampler** ``sample(systems, n)`` for the next ``n`` observations of
each listed system (an array of system indices) and gets an array ``(len(systems), n)`` back;
larger is better (negate a cost to minimise it). Every procedure asks for a system's
observations in order, one after the other, so a sampler that keeps one counter per system and
runs observation ``j`` of any system on replication ``j``'s random numbers gives **common random
numbers** whatever the allocation: observation ``j`` of system ``i`` and of system ``l`` then
share their seed. :func:`per_system` adapts a one-system callable ``sample_one(system, n)``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from sim.errors import InputError

#: ``sample(systems, n) -> (len(systems), n)``: the next ``n`` observations of each system.
BatchSampler = Callable[[np.ndarray, int], np.ndarray]


def per_system(sample_one: Callable[[int, int], Any]) -> BatchSampler:
    """A batch sampler from ``sample_one(system, n) -> n observations``.

    Example:
        >>> s = per_system(lambda i, n: np.full(n, float(i)))
        >>> s(np.array([0, 2]), 3).tolist()
        [[0.0, 0.0, 0.0], [2.0, 2.0, 2.0]]
    """

    def sample(systems: np.ndarray, n: int) -> np.ndarray:
        return np.stack([np.asarray(sample_one(int(i), n), dtype=float) for i in systems])

    return sample


def draw(sample: BatchSampler, systems: np.ndarray, n: int) -> np.ndarray:
    """Call the sampler and check what comes back.

    Example:
        >>> draw(lambda s, n: np.ones((len(s), n)), np.array([0, 1]), 2).shape
        (2, 2)
    """
    out = np.asarray(sample(systems, n), dtype=float)
    if out.shape != (len(systems), n):
        raise InputError("sample", f"returned shape {out.shape}: expected ({len(systems)}, {n})")
    if not np.all(np.isfinite(out)):
        raise InputError("sample", "returned non-finite observations")
    return out


def check_common(k: int, n0: int) -> None:
    """Arguments every procedure shares: ``k >= 2`` systems, first stage ``n0 >= 2``.

    Example:
        >>> check_common(2, 1)
        Traceback (most recent call last):
        ...
        sim.errors.InputError: n0: 1: the first stage needs >= 2 observations per system
    """
    if k < 2:
        raise InputError("k", f"{k} systems: need >= 2")
    if n0 < 2:
        raise InputError("n0", f"{n0}: the first stage needs >= 2 observations per system")


class Tally:
    """Running sums per system (count, sum, sum of squares) for means and SDs.

    Sums are of deviations from each system's first observation, so that large outcomes
    (net benefits in dollars) lose no precision in the variance.

    Example:
        >>> t = Tally(1)
        >>> t.add(np.array([0]), np.array([[1e9 + 1.0, 1e9 + 3.0]]))
        >>> float(t.means()[0] - 1e9), round(float(t.sds()[0] ** 2), 12)
        (2.0, 2.0)
    """

    def __init__(self, k: int) -> None:
        self.n = np.zeros(k, dtype=np.int64)
        self.shift = np.zeros(k)
        self.s = np.zeros(k)
        self.ss = np.zeros(k)

    def add(self, systems: np.ndarray, obs: np.ndarray) -> None:
        """Add observations ``(len(systems), m)`` of ``systems``."""
        fresh = self.n[systems] == 0
        self.shift[systems[fresh]] = obs[fresh, 0]
        dev = obs - self.shift[systems, None]
        self.n[systems] += obs.shape[1]
        self.s[systems] += dev.sum(axis=1)
        self.ss[systems] += np.square(dev).sum(axis=1)

    def means(self) -> np.ndarray:
        """Sample means."""
        return self.shift + self.s / np.maximum(self.n, 1)

    def sds(self) -> np.ndarray:
        """Sample standard deviations (``ddof=1``)."""
        n = np.maximum(self.n, 2)
        var = (self.ss - self.s**2 / np.maximum(self.n, 1)) / (n - 1)
        return np.sqrt(np.maximum(var, 0.0))
