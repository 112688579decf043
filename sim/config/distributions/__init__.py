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
from typing import Any

from sim.config.distributions.base import Distribution
from sim.config.distributions.continuous import Beta, Dirichlet, LogUniform, TruncNormal, Uniform
from sim.config.distributions.discrete import Categorical, Fixed, Integer, Sample

__all__ = [
    "ARGUMENTS",
    "OPTIONAL",
    "Beta",
    "Categorical",
    "Dirichlet",
    "Distribution",
    "Fixed",
    "Integer",
    "LogUniform",
    "Sample",
    "TruncNormal",
    "Uniform",
    "make",
]


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
