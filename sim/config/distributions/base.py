"""The base of every distribution: a ppf over [0, 1], a support, a mean, its extremes."""

from __future__ import annotations

import math
from typing import Any

import numpy as np


class Distribution:
    """Base: a one-dimensional distribution with a ppf over [0, 1]."""

    kind = "float"  # float, int or choice: what kind of config value it can feed
    varies = True
    size = 1  # unit-cube coordinates it takes (and values it gives)

    def ppf(self, u: np.ndarray) -> Any:  # pragma: no cover - abstract
        raise NotImplementedError

    def logpdf(self, x: np.ndarray) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError

    @property
    def support(self) -> tuple[float, float]:  # pragma: no cover - abstract
        raise NotImplementedError

    @property
    def mean(self) -> float:  # pragma: no cover - abstract
        raise NotImplementedError

    def extremes(self) -> list[Any]:
        """The ends of the support (far in the tails where it is unbounded), to check a field."""
        lo, hi = self.support
        if not math.isfinite(lo):
            lo = self.ppf(np.array([1e-12]))[0]
        if not math.isfinite(hi):
            hi = self.ppf(np.array([1.0 - 1e-12]))[0]
        return [lo, hi]


class OnRange(Distribution):
    """A distribution whose support is its ``low`` and ``high`` fields."""

    low: float
    high: float

    @property
    def support(self) -> tuple[float, float]:
        return (self.low, self.high)
