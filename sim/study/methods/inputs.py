"""Uncertain inputs as named inverse CDFs, and designs that map the unit cube onto them.

Every method of the study layer samples the unit cube (a Sobol' sequence, a Saltelli or Morris
design, plain Monte Carlo) and maps each coordinate through its input's inverse CDF, so any
prior with a ``ppf`` works: uniform, log-uniform, beta, truncated normal, or a point mass. An
input is anything with a ``name`` and a vectorised ``ppf(q)``; :class:`Factor` wraps a frozen
``scipy.stats`` distribution, and the config's parameter space can pass its own objects.

Random and quasi-random designs never sit exactly on the cube's faces (a value of exactly 0 or 1
is nudged inwards by 2**-53). Morris designs do, by construction: there an input whose ``ppf``
is infinite at 0 or 1 (a normal, a log-normal) has its tails cut at ``tail`` and ``1 - tail``
(``TAIL`` = 0.1%), so the grid's end levels stand for its extreme quantiles.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

import numpy as np
import pandas as pd
from scipy.stats import qmc

from sim.errors import InputError
from sim.study.methods.seeding import Seed, as_generator

#: Probability cut from each infinite tail before mapping a unit-cube design.
TAIL = 1e-3
# Nudge for a random design value of exactly 0 or 1 (an infinite quantile otherwise).
_EDGE = 2.0**-53


@runtime_checkable
class UncertainInput(Protocol):
    """An uncertain input: a name and an inverse CDF mapping ``[0, 1]`` onto its values."""

    name: str

    def ppf(self, q: np.ndarray) -> np.ndarray:
        """Values at probabilities ``q`` (vectorised)."""
        ...


@dataclass(frozen=True)
class Factor:
    """A named input with a frozen ``scipy.stats`` distribution (or any object with ``ppf``).

    Example:
        >>> from scipy import stats
        >>> f = Factor("open_prob", stats.beta(2, 8))
        >>> round(float(f.ppf(np.array([0.5]))[0]), 4)
        0.1796
    """

    name: str
    distribution: Any

    def ppf(self, q: np.ndarray) -> np.ndarray:
        """Values at probabilities ``q``."""
        return np.asarray(self.distribution.ppf(q), dtype=float)


def names(inputs: Sequence[UncertainInput]) -> list[str]:
    """The inputs' names, checked: at least one input, no duplicate names.

    Example:
        >>> from scipy import stats
        >>> names([Factor("a", stats.uniform()), Factor("b", stats.uniform())])
        ['a', 'b']
    """
    if len(inputs) == 0:
        raise InputError("inputs", "at least one uncertain input is needed")
    out = [str(i.name) for i in inputs]
    seen: set[str] = set()
    for n in out:
        if n in seen:
            raise InputError("inputs", f"{n!r} appears twice; input names must be unique")
        seen.add(n)
    return out


def unit_to_points(
    inputs: Sequence[UncertainInput], unit: np.ndarray, *, tail: float | None = None
) -> np.ndarray:
    """Map a unit-cube design ``(n, d)`` onto the inputs' values, column by column.

    Args:
        inputs: the uncertain inputs, one per column.
        unit: design in ``[0, 1]``.
        tail: for a design on the cube's faces (Morris), the probability cut from each
            infinite tail; ``None`` maps ``unit`` as is (random and Sobol' designs).

    Example:
        >>> from scipy import stats
        >>> ins = [Factor("u", stats.uniform(-1, 2)), Factor("z", stats.norm())]
        >>> unit_to_points(ins, np.array([[0.0, 0.5], [1.0, 1.0]]), tail=TAIL).round(3)
        array([[-1.  ,  0.  ],
               [ 1.  ,  3.09]])
    """
    unit = np.asarray(unit, dtype=float)
    names(inputs)
    if unit.ndim != 2 or unit.shape[1] != len(inputs):
        raise InputError("unit", f"expected shape (n, {len(inputs)}), got {unit.shape}")
    if np.any((unit < 0) | (unit > 1)):
        raise InputError("unit", "design values must lie in [0, 1]")
    out = np.empty_like(unit)
    for j, inp in enumerate(inputs):
        q = unit[:, j]
        ends = inp.ppf(np.array([0.0, 1.0]))
        if not np.all(np.isfinite(ends)):
            # Morris: cut the tails so the grid's end levels map to finite extreme quantiles
            q = np.clip(q, _EDGE, 1.0 - _EDGE) if tail is None else tail + (1.0 - 2.0 * tail) * q
        values = inp.ppf(q)
        if values.shape != q.shape or not np.all(np.isfinite(values)):
            raise InputError(f"inputs: {inp.name}", "ppf gave non-finite or misshaped values")
        out[:, j] = values
    return out


def draw_points(
    inputs: Sequence[UncertainInput], n: int, seed: Seed = 0, *, method: str = "sobol"
) -> pd.DataFrame:
    """``n`` draws from the inputs' priors, one column per input (a PSA design).

    ``method="sobol"`` takes a scrambled Sobol' sequence (``scipy.stats.qmc``; ``n`` should be
    a power of 2 for its balance properties), ``"random"`` independent uniforms.

    Example:
        >>> from scipy import stats
        >>> pts = draw_points([Factor("a", stats.uniform(0, 10))], 8, seed=1)
        >>> pts.shape, bool(pts["a"].between(0, 10).all())
        ((8, 1), True)
    """
    cols = names(inputs)
    if n < 1:
        raise InputError("n", f"{n} draws is not allowed: must be >= 1")
    rng = as_generator(seed)
    if method == "sobol":
        unit = qmc.Sobol(d=len(inputs), scramble=True, seed=rng).random(n)
    elif method == "random":
        unit = rng.random((n, len(inputs)))
    else:
        raise InputError("method", f"{method!r} is not allowed: use sobol or random")
    return pd.DataFrame(unit_to_points(inputs, unit), columns=cols)
