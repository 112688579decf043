"""Expected value of perfect information (EVPI).

    EVPI = E[max_j NB_j] - max_j E[NB_j],

the most a decision maker should pay to learn every uncertain input before choosing: the
expected regret of adopting the strategy that is best on average. Written per draw it is the
mean **opportunity loss** ``L_i = max_j NB_ij - NB_ij*`` of the strategy ``j*`` with the highest
mean net benefit, so its Monte Carlo standard error is that of a mean: ``sd(L) / sqrt(n)`` for
independent draws, or by batch means (``batches`` contiguous batches, for correlated or
stacked replicate-scrambled draws). The error treats ``j*`` as fixed; when two strategies are
nearly tied on expectation the estimator also carries a small upward bias of the order of
that error (the max of noisy means).

With a stochastic simulator each draw's net benefit also carries replication noise, which
EVPI would count as "information"; paired strategies on common random numbers keep the
incremental noise small, and the regression-based EVPPI (:mod:`.evppi`) averages
it out.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from sim.errors import InputError
from sim.study.methods.value.psa import PSADraws


class VOIEstimate(NamedTuple):
    """A value-of-information estimate with its Monte Carlo standard error."""

    estimate: float
    se: float
    method: str
    note: str


def opportunity_loss(net_benefit: Any) -> np.ndarray:
    """Per-draw regret of adopting the strategy with the highest mean net benefit.

    Example:
        >>> opportunity_loss(np.array([[1.0, 0.0], [0.0, 3.0]])).tolist()
        [1.0, 0.0]
    """
    nb = as_net_benefit(net_benefit)
    chosen = int(np.argmax(nb.mean(axis=0)))
    return nb.max(axis=1) - nb[:, chosen]


def evpi(net_benefit: Any, *, batches: int | None = None) -> VOIEstimate:
    """EVPI with its Monte Carlo standard error.

    Args:
        net_benefit: NB per draw and strategy, shape ``(n, k)``.
        batches: ``None`` for the independent-draws error; an int for batch means over that
            many contiguous batches (at least 2).

    Example:
        >>> rng = np.random.default_rng(0)
        >>> inb = rng.normal(0.0, 1.0, 20000)  # closed form: sd * phi(0) = 0.3989
        >>> e = evpi(np.c_[np.zeros(20000), inb])
        >>> bool(abs(e.estimate - 0.3989) < 3 * e.se)
        True
    """
    loss = opportunity_loss(net_benefit)
    n = len(loss)
    est = float(loss.mean())
    if batches is None:
        return VOIEstimate(est, float(loss.std(ddof=1) / np.sqrt(n)), "evpi", "")
    if not 2 <= batches <= n // 2:
        raise InputError("batches", f"{batches}: must be between 2 and n/2 = {n // 2}")
    means = np.array([b.mean() for b in np.array_split(loss, batches)])
    return VOIEstimate(est, float(means.std(ddof=1) / np.sqrt(batches)), "evpi-batch-means", "")


def evpi_curve(draws: PSADraws, values: Any, *, batches: int | None = None) -> pd.DataFrame:
    """EVPI at each patient value of a grid, with the strategy adopted there.

    Example:
        >>> d = PSADraws(("no", "yes"), np.array([[10, 12], [8, 11], [9, 9]]),
        ...              np.array([[100, 130], [90, 125], [95, 110]]))
        >>> evpi_curve(d, [0, 20]).evpi.round(3).tolist()
        [0.0, 5.0]
    """
    grid = np.atleast_1d(np.asarray(values, dtype=float))
    rows = []
    for v in grid:
        nb = draws.net_benefit(v)
        e = evpi(nb, batches=batches)
        adopted = draws.strategies[int(np.argmax(nb.mean(axis=0)))]
        rows.append(
            {"value_usd": float(v), "evpi": e.estimate, "evpi_se": e.se, "adopted": adopted}
        )
    return pd.DataFrame(rows)


def as_net_benefit(net_benefit: Any) -> np.ndarray:
    """Net benefits as a checked float array ``(n >= 2 draws, k >= 2 strategies)``, all finite.

    Example:
        >>> as_net_benefit([[1, 2], [3, 4]]).dtype
        dtype('float64')
    """
    nb = np.asarray(net_benefit, dtype=float)
    if nb.ndim != 2 or nb.shape[1] < 2 or nb.shape[0] < 2:
        raise InputError("net_benefit", f"shape {nb.shape}: expected (n >= 2 draws, k >= 2)")
    if not np.all(np.isfinite(nb)):
        raise InputError("net_benefit", "all values must be finite")
    return nb
