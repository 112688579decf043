"""Continuous distributions: uniform, log-uniform, beta, truncated normal, Dirichlet shares."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from sim.config.distributions.base import Distribution, OnRange


@dataclass(frozen=True)
class Uniform(OnRange):
    low: float
    high: float

    def ppf(self, u):
        return self.low + np.asarray(u, dtype=float) * (self.high - self.low)

    def logpdf(self, x):
        x = np.asarray(x, dtype=float)
        inside = (x >= self.low) & (x <= self.high)
        return np.where(inside, -math.log(self.high - self.low), -np.inf)

    @property
    def mean(self):
        return 0.5 * (self.low + self.high)

    def __str__(self) -> str:
        return f"uniform({self.low:g}, {self.high:g})"


@dataclass(frozen=True)
class LogUniform(OnRange):
    """Uniform in log: for scales known only to an order of magnitude."""

    low: float
    high: float

    def ppf(self, u):
        a, b = math.log(self.low), math.log(self.high)
        return np.exp(a + np.asarray(u, dtype=float) * (b - a))

    def logpdf(self, x):
        x = np.asarray(x, dtype=float)
        inside = (x >= self.low) & (x <= self.high)
        with np.errstate(divide="ignore", invalid="ignore"):
            val = -np.log(x) - math.log(math.log(self.high / self.low))
        return np.where(inside, val, -np.inf)

    @property
    def mean(self):
        return (self.high - self.low) / math.log(self.high / self.low)

    def __str__(self) -> str:
        return f"loguniform({self.low:g}, {self.high:g})"


@dataclass(frozen=True)
class Beta(OnRange):
    """Beta(a, b), optionally rescaled to [low, high]: for probabilities and shares."""

    a: float
    b: float
    low: float = 0.0
    high: float = 1.0

    def ppf(self, u):
        from scipy.special import betaincinv

        return self.low + (self.high - self.low) * betaincinv(self.a, self.b, np.asarray(u))

    def logpdf(self, x):
        from scipy.special import betaln

        z = (np.asarray(x, dtype=float) - self.low) / (self.high - self.low)
        inside = (z >= 0.0) & (z <= 1.0)
        with np.errstate(divide="ignore", invalid="ignore"):
            val = (
                (self.a - 1.0) * np.log(z)
                + (self.b - 1.0) * np.log1p(-z)
                - betaln(self.a, self.b)
                - math.log(self.high - self.low)
            )
        return np.where(inside, val, -np.inf)

    @property
    def mean(self):
        return self.low + (self.high - self.low) * self.a / (self.a + self.b)

    def __str__(self) -> str:
        scale = "" if (self.low, self.high) == (0.0, 1.0) else f" on [{self.low:g}, {self.high:g}]"
        return f"beta({self.a:g}, {self.b:g}){scale}"


@dataclass(frozen=True)
class TruncNormal(OnRange):
    """Normal(mean, sd) truncated to [low, high]."""

    mu: float
    sd: float
    low: float = -math.inf
    high: float = math.inf

    def _std(self) -> tuple[float, float]:
        return (self.low - self.mu) / self.sd, (self.high - self.mu) / self.sd

    def ppf(self, u):
        from scipy.stats import truncnorm

        a, b = self._std()
        return truncnorm.ppf(np.asarray(u, dtype=float), a, b, loc=self.mu, scale=self.sd)

    def logpdf(self, x):
        from scipy.stats import truncnorm

        a, b = self._std()
        return truncnorm.logpdf(np.asarray(x, dtype=float), a, b, loc=self.mu, scale=self.sd)

    @property
    def mean(self):
        from scipy.stats import truncnorm

        a, b = self._std()
        return float(truncnorm.mean(a, b, loc=self.mu, scale=self.sd))

    def __str__(self) -> str:
        return f"truncnormal({self.mu:g}, {self.sd:g}) on [{self.low:g}, {self.high:g}]"


@dataclass(frozen=True)
class Dirichlet(Distribution):
    """Shares that sum to 1 (a source mix, a stage mix), Dirichlet(alpha).

    Takes one unit coordinate per share: each is mapped to a Gamma(alpha_i) variate and the
    variates are normalised, which is exactly Dirichlet(alpha). Its mean is alpha / sum(alpha),
    so alpha = concentration x the shares one believes, and a larger concentration is surer.

    >>> d = Dirichlet((6.0, 3.0, 1.0))
    >>> d.mean
    (0.6, 0.3, 0.1)
    >>> x = d.ppf(np.array([[0.5, 0.5, 0.5]]))
    >>> bool(abs(x.sum() - 1.0) < 1e-12)
    True
    """

    alpha: tuple[float, ...]

    @property
    def size(self) -> int:  # type: ignore[override]
        return len(self.alpha)

    def ppf(self, u):
        from scipy.special import gammaincinv

        u = np.clip(np.atleast_2d(np.asarray(u, dtype=float)), 1e-15, 1.0 - 1e-15)
        g = np.column_stack([gammaincinv(a, u[:, i]) for i, a in enumerate(self.alpha)])
        return g / g.sum(axis=1, keepdims=True)

    def logpdf(self, x):
        from scipy.special import gammaln

        x = np.atleast_2d(np.asarray(x, dtype=float))
        a = np.asarray(self.alpha)
        norm = gammaln(a.sum()) - gammaln(a).sum()
        with np.errstate(divide="ignore", invalid="ignore"):
            val = norm + ((a - 1.0) * np.log(x)).sum(axis=1)
        ok = np.all(x >= 0.0, axis=1) & (np.abs(x.sum(axis=1) - 1.0) < 1e-9)
        return np.where(ok, val, -np.inf)

    @property
    def support(self):
        return (0.0, 1.0)

    @property
    def mean(self):
        total = sum(self.alpha)
        return tuple(a / total for a in self.alpha)

    def extremes(self) -> list[Any]:
        """Each share near its smallest and largest plausible value (1e-6 and 1 - 1e-6 tails)."""
        out = []
        k = self.size
        for i in range(k):
            for q in (1e-6, 1.0 - 1e-6):
                u = np.full((1, k), 0.5)
                u[0, i] = q
                out.append(tuple(self.ppf(u)[0]))
        return out

    def __str__(self) -> str:
        return "dirichlet(" + ", ".join(f"{a:g}" for a in self.alpha) + ")"
