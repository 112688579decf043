"""Distributions on a few values: fixed, integer and categorical ranges, a sample of draws."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from sim.config.distributions.base import Distribution, OnRange


@dataclass(frozen=True)
class Fixed(Distribution):
    """A value held fixed (documented in the file, not varied)."""

    value: Any
    varies = False

    def ppf(self, u):
        return np.full(
            np.shape(u), self.value, dtype=object if isinstance(self.value, str) else None
        )

    def logpdf(self, x):
        return np.where(np.asarray(x) == self.value, 0.0, -np.inf)

    @property
    def support(self):
        return (self.value, self.value)

    @property
    def mean(self):
        return self.value

    @property
    def kind(self) -> str:  # type: ignore[override]
        return "choice" if isinstance(self.value, str | bool) else "float"

    def extremes(self) -> list[Any]:
        """The one value (a word such as ``"signals"`` has no tails to look into).

        >>> Fixed("signals").extremes()
        ['signals']
        """
        return [self.value]

    def __str__(self) -> str:
        return f"fixed({self.value!r})"


@dataclass(frozen=True)
class Integer(OnRange):
    """Whole numbers low..high, equally likely (a search range)."""

    low: int
    high: int
    kind = "int"

    def ppf(self, u):
        k = np.floor(np.asarray(u, dtype=float) * (self.high - self.low + 1)).astype(np.int64)
        return np.minimum(self.low + k, self.high)

    def logpdf(self, x):
        x = np.asarray(x)
        inside = (x >= self.low) & (x <= self.high) & (np.floor(x) == x)
        return np.where(inside, -math.log(self.high - self.low + 1), -np.inf)

    @property
    def mean(self):
        return 0.5 * (self.low + self.high)

    def extremes(self) -> list[Any]:
        return [self.low, self.high]

    def __str__(self) -> str:
        return f"integer({self.low}, {self.high})"


@dataclass(frozen=True)
class Categorical(Distribution):
    """One of a few choices, equally likely (a search range over kinds of content, styles)."""

    choices: tuple[Any, ...]
    kind = "choice"

    def ppf(self, u):
        k = np.minimum(
            np.floor(np.asarray(u, dtype=float) * len(self.choices)).astype(int),
            len(self.choices) - 1,
        )
        return [self.choices[i] for i in np.atleast_1d(k)]

    def logpdf(self, x):
        return np.array([0.0 if v in self.choices else -np.inf for v in np.atleast_1d(x)]) - (
            math.log(len(self.choices))
        )

    @property
    def support(self):
        return (self.choices[0], self.choices[-1])

    @property
    def mean(self):
        return self.choices[0]

    def extremes(self) -> list[Any]:
        return list(self.choices)

    def __str__(self) -> str:
        return "categorical(" + ", ".join(repr(c) for c in self.choices) + ")"


@dataclass(frozen=True)
class Sample(Distribution):
    """The distribution of a sample of draws (e.g. a calibration's posterior).

    The ppf interpolates the sorted draws, so a design maps onto them smoothly; the density is
    a Gaussian kernel estimate (scipy). One parameter's marginal: draws of several parameters
    given as separate samples lose their correlation.

    >>> d = Sample((3.0, 1.0, 2.0, 4.0))
    >>> d.ppf(np.array([0.0, 0.5, 1.0])).tolist(), d.mean, d.support
    ([1.0, 2.5, 4.0], 2.5, (1.0, 4.0))
    """

    values: tuple[float, ...]

    def ppf(self, u):
        v = np.sort(np.asarray(self.values, dtype=float))
        return np.interp(np.asarray(u, dtype=float) * (len(v) - 1), np.arange(len(v)), v)

    def logpdf(self, x):
        from scipy.stats import gaussian_kde

        x = np.asarray(x, dtype=float)
        v = np.asarray(self.values, dtype=float)
        if np.ptp(v) == 0:
            return np.where(x == v[0], 0.0, -np.inf)
        with np.errstate(divide="ignore"):
            return np.log(gaussian_kde(v)(np.atleast_1d(x))).reshape(x.shape)

    @property
    def support(self):
        return (float(min(self.values)), float(max(self.values)))

    @property
    def mean(self):
        return float(np.mean(self.values))

    def __str__(self) -> str:
        return f"sample({len(self.values)} draws, median {float(np.median(self.values)):g})"
