"""Cost-effectiveness acceptability: which strategy is best as the value of a patient varies.

The **acceptability curve** (CEAC) gives, for each patient value ``v`` on a grid, the share of
draws in which each strategy has the highest net benefit ``v * patients - cost``. The
**acceptability frontier** (CEAF, Fenwick, Claxton & Sculpher 2001) follows the strategy a
risk-neutral decision maker adopts at each ``v`` - the one with the highest *expected* net
benefit, which need not be the one most often best - and the probability that it is best.
The pairwise curve compares each strategy with a control: ``P(NB_strategy > NB_control)``.

Standard errors are binomial Monte Carlo errors over draws (ties share "best" equally, so a
draw's contribution is a fraction and the SE is the sample SD of those fractions / sqrt(n)).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import pandas as pd

from sim.errors import InputError
from sim.study.methods.value.psa import PSADraws, best_shares

# Values per block, so that a (values, draws, strategies) array stays near 4 million floats.
_BLOCK_ELEMENTS = 4_000_000


def acceptability_curve(draws: PSADraws, values: Any) -> pd.DataFrame:
    """P(each strategy has the highest net benefit) at each patient value.

    Args:
        draws: the PSA draws (their own ``value_usd``, if any, is replaced by each grid value).
        values: patient values (USD), e.g. ``numpy.linspace(0, 5000, 101)``.

    Returns:
        One row per value and strategy: ``value_usd, strategy, p_best, p_best_se,
        expected_net_benefit, optimal`` (``optimal``: highest expected net benefit there).

    Example:
        >>> d = PSADraws(("no", "yes"), np.array([[10, 12], [8, 11], [9, 9]]),
        ...              np.array([[100, 130], [90, 125], [95, 110]]))
        >>> c = acceptability_curve(d, [0, 20])
        >>> c[c.strategy == "yes"].p_best.round(3).tolist()
        [0.0, 0.667]
    """
    grid = _grid(values)
    n, k = draws.patients.shape
    p_best, p_se, mean_nb = (np.empty((len(grid), k)) for _ in range(3))
    for sl in _blocks(len(grid), n * k):
        nb = grid[sl, None, None] * draws.patients[None] - draws.cost_usd[None]
        shares = best_shares(nb)
        p_best[sl] = shares.mean(axis=1)
        p_se[sl] = shares.std(axis=1, ddof=1) / np.sqrt(n)
        mean_nb[sl] = nb.mean(axis=1)
    optimal = mean_nb == mean_nb.max(axis=1, keepdims=True)
    return pd.DataFrame(
        {
            "value_usd": np.repeat(grid, k),
            "strategy": np.tile(np.array(draws.strategies, dtype=object), len(grid)),
            "p_best": p_best.ravel(),
            "p_best_se": p_se.ravel(),
            "expected_net_benefit": mean_nb.ravel(),
            "optimal": optimal.ravel(),
        }
    )


def acceptability_frontier(curve: pd.DataFrame) -> pd.DataFrame:
    """The acceptability frontier from a curve: per value, the optimal strategy and its P(best).

    Where strategies tie on expected net benefit the first listed is kept.

    Example:
        >>> d = PSADraws(("no", "yes"), np.array([[10, 12], [8, 11], [9, 9]]),
        ...              np.array([[100, 130], [90, 125], [95, 110]]))
        >>> f = acceptability_frontier(acceptability_curve(d, [0, 20]))
        >>> f.strategy.tolist(), f.p_best.round(3).tolist()
        (['no', 'yes'], [1.0, 0.667])
    """
    need = {"value_usd", "strategy", "p_best", "p_best_se", "expected_net_benefit", "optimal"}
    if not need <= set(curve.columns):
        raise InputError("curve", f"needs columns {sorted(need)}")
    front = curve[curve["optimal"]].drop_duplicates("value_usd", keep="first")
    cols = ["value_usd", "strategy", "p_best", "p_best_se", "expected_net_benefit"]
    return front[cols].reset_index(drop=True)


def pairwise_acceptability(draws: PSADraws, control: str, values: Any) -> pd.DataFrame:
    """P(strategy's net benefit > the control's) at each patient value, for every other strategy.

    Returns:
        One row per value and strategy: ``value_usd, strategy, control, p_beats, p_beats_se,
        expected_incremental_net_benefit``.

    Example:
        >>> d = PSADraws(("no", "yes"), np.array([[10, 12], [8, 11], [9, 9]]),
        ...              np.array([[100, 130], [90, 125], [95, 110]]))
        >>> pairwise_acceptability(d, "no", [20]).p_beats.round(3).tolist()
        [0.667]
    """
    grid = _grid(values)
    c = draws.index(control)
    others = [j for j in range(len(draws.strategies)) if j != c]
    dp = draws.patients[:, others] - draws.patients[:, [c]]
    dc = draws.cost_usd[:, others] - draws.cost_usd[:, [c]]
    n, m = dp.shape
    p, se, mean = (np.empty((len(grid), m)) for _ in range(3))
    for sl in _blocks(len(grid), n * m):
        inb = grid[sl, None, None] * dp[None] - dc[None]
        wins = (inb > 0).astype(float)
        p[sl] = wins.mean(axis=1)
        se[sl] = wins.std(axis=1, ddof=1) / np.sqrt(n)
        mean[sl] = inb.mean(axis=1)
    names = np.array([draws.strategies[j] for j in others], dtype=object)
    return pd.DataFrame(
        {
            "value_usd": np.repeat(grid, m),
            "strategy": np.tile(names, len(grid)),
            "control": control,
            "p_beats": p.ravel(),
            "p_beats_se": se.ravel(),
            "expected_incremental_net_benefit": mean.ravel(),
        }
    )


def _grid(values: Any) -> np.ndarray:
    grid = np.atleast_1d(np.asarray(values, dtype=float))
    if grid.ndim != 1 or len(grid) == 0 or not np.all(np.isfinite(grid)):
        raise InputError("values", "give one or more finite patient values")
    return grid


def _blocks(n_values: int, per_value: int) -> Iterator[slice]:
    step = max(1, _BLOCK_ELEMENTS // max(per_value, 1))
    for start in range(0, n_values, step):
        yield slice(start, min(start + step, n_values))
