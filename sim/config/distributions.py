"""Distributions of the parameter space: priors (for uncertainty and calibration) and ranges
(for search), as small objects that know their support, moments and inverse CDF.

Every distribution maps the unit interval to values with :meth:`ppf`, so one quasi-random
design in the unit cube (Sobol', from ``scipy.stats.qmc``) serves every study; priors also
give :meth:`logpdf` for inference. Integer and categorical ranges are search spaces; they have
a ppf too (equal mass per value) so a design can cover them.

Example:
    >>> import numpy as np
    >>> d = Beta(2.0, 8.0)
    >>> round(d.mean, 3), d.support
    (0.2, (0.0, 1.0))
    >>> float(np.round(d.ppf(np.array([0.5])), 4)[0])     # the median of Beta(2, 8)
    0.1796
    >>> Uniform(0.1, 0.3).ppf(np.array([0.0, 0.5, 1.0])).tolist()
    [0.1, 0.2, 0.3]
    >>> Categorical(("generic", "awareness")).ppf(np.array([0.2, 0.7]))
    ['generic', 'awareness']
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

#: Names accepted in a priors or space file's ``distribution`` key, with their arguments.
ARGUMENTS: dict[str, tuple[str, ...]] = {
    "uniform": ("low", "high"),
    "loguniform": ("low", "high"),
    "beta": ("a", "b"),  # optional low/high rescale it
    "truncnormal": ("mean", "sd"),  # optional low/high truncate it
    "fixed": ("value",),
    "integer": ("low", "high"),
    "categorical": ("choices",),
    "dirichlet": ("alpha",),
    "sample": ("values",),  # draws, e.g. a calibration's posterior sample
}
OPTIONAL: dict[str, tuple[str, ...]] = {"beta": ("low", "high"), "truncnormal": ("low", "high")}


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


@dataclass(frozen=True)
class Uniform(Distribution):
    low: float
    high: float

    def ppf(self, u):
        return self.low + np.asarray(u, dtype=float) * (self.high - self.low)

    def logpdf(self, x):
        x = np.asarray(x, dtype=float)
        inside = (x >= self.low) & (x <= self.high)
        return np.where(inside, -math.log(self.high - self.low), -np.inf)

    @property
    def support(self):
        return (self.low, self.high)

    @property
    def mean(self):
        return 0.5 * (self.low + self.high)

    def __str__(self) -> str:
        return f"uniform({self.low:g}, {self.high:g})"


@dataclass(frozen=True)
class LogUniform(Distribution):
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
    def support(self):
        return (self.low, self.high)

    @property
    def mean(self):
        return (self.high - self.low) / math.log(self.high / self.low)

    def __str__(self) -> str:
        return f"loguniform({self.low:g}, {self.high:g})"


@dataclass(frozen=True)
class Beta(Distribution):
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
    def support(self):
        return (self.low, self.high)

    @property
    def mean(self):
        return self.low + (self.high - self.low) * self.a / (self.a + self.b)

    def __str__(self) -> str:
        scale = "" if (self.low, self.high) == (0.0, 1.0) else f" on [{self.low:g}, {self.high:g}]"
        return f"beta({self.a:g}, {self.b:g}){scale}"


@dataclass(frozen=True)
class TruncNormal(Distribution):
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
    def support(self):
        return (self.low, self.high)

    @property
    def mean(self):
        from scipy.stats import truncnorm

        a, b = self._std()
        return float(truncnorm.mean(a, b, loc=self.mu, scale=self.sd))

    def __str__(self) -> str:
        return f"truncnormal({self.mu:g}, {self.sd:g}) on [{self.low:g}, {self.high:g}]"


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
class Integer(Distribution):
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
    def support(self):
        return (self.low, self.high)

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


def make(kind: str, args: dict[str, Any]) -> Distribution:
    """Build a distribution from a file's entry; ``ValueError`` says what is wrong.

    >>> str(make("beta", {"a": 2, "b": 5, "low": 0.0, "high": 0.5}))
    'beta(2, 5) on [0, 0.5]'
    >>> make("uniform", {"low": 2, "high": 1})
    Traceback (most recent call last):
    ...
    ValueError: uniform needs low < high, got low = 2, high = 1
    """
    lo, hi = args.get("low"), args.get("high")
    if kind in ("uniform", "loguniform", "integer") and not lo < hi:
        raise ValueError(f"{kind} needs low < high, got low = {lo:g}, high = {hi:g}")
    if kind == "uniform":
        return Uniform(float(lo), float(hi))
    if kind == "loguniform":
        if lo <= 0:
            raise ValueError(f"loguniform needs low > 0, got {lo:g}")
        return LogUniform(float(lo), float(hi))
    if kind == "integer":
        if int(lo) != lo or int(hi) != hi:
            raise ValueError(f"integer needs whole-number bounds, got {lo:g} and {hi:g}")
        return Integer(int(lo), int(hi))
    if kind == "beta":
        a, b = args["a"], args["b"]
        if a <= 0 or b <= 0:
            raise ValueError(f"beta needs a > 0 and b > 0, got a = {a:g}, b = {b:g}")
        lo, hi = (0.0 if lo is None else lo), (1.0 if hi is None else hi)
        if not lo < hi:
            raise ValueError(f"beta on [low, high] needs low < high, got {lo:g}, {hi:g}")
        return Beta(float(a), float(b), float(lo), float(hi))
    if kind == "truncnormal":
        mu, sd = args["mean"], args["sd"]
        if sd <= 0:
            raise ValueError(f"truncnormal needs sd > 0, got {sd:g}")
        lo = -math.inf if lo is None else float(lo)
        hi = math.inf if hi is None else float(hi)
        if not lo < hi:
            raise ValueError(f"truncnormal needs low < high, got {lo:g}, {hi:g}")
        d = TruncNormal(float(mu), float(sd), lo, hi)
        a, b = d._std()
        if a > 8 or b < -8:
            raise ValueError(
                f"truncnormal({mu:g}, {sd:g}) has almost no mass in [{lo:g}, {hi:g}] (mean "
                "more than 8 sd outside the bounds)"
            )
        return d
    if kind == "fixed":
        return Fixed(args["value"])
    if kind == "sample":
        values = tuple(float(v) for v in args["values"])
        if len(values) < 2 or not all(math.isfinite(v) for v in values):
            raise ValueError("sample needs at least 2 finite values")
        return Sample(values)
    if kind == "categorical":
        choices = tuple(args["choices"])
        if not choices:
            raise ValueError("categorical needs at least one choice")
        if len(set(map(repr, choices))) != len(choices):
            raise ValueError("categorical choices must be distinct")
        return Categorical(choices)
    if kind == "dirichlet":
        alpha = tuple(float(a) for a in args["alpha"])
        if len(alpha) < 2 or any(a <= 0 for a in alpha):
            raise ValueError("dirichlet needs alpha: two or more numbers > 0, one per share")
        return Dirichlet(alpha)
    raise ValueError(f"unknown distribution {kind!r}; use {', '.join(ARGUMENTS)}")
