"""Optimal computing budget allocation (OCBA) for selecting the best of ``k`` systems.

Chen, Lin, Yücesan & Chick (2000), "Simulation budget allocation for further enhancing the
efficiency of ordinal optimization", DEDS 10:251-270; Chen & Lee (2011), *Stochastic
Simulation Optimization*, ch. 3. For a total budget, the asymptotically PCS-maximising
allocation with sample means ``m``, standard deviations ``s`` and current best ``b`` is

    N_i / N_j = (s_i / (m_b - m_i))^2 / (s_j / (m_b - m_j))^2   (i, j != b),
    N_b = s_b sqrt(sum_{i != b} N_i^2 / s_i^2).

The sequential version starts with ``n0`` per system and, ``increment`` observations at a
time, recomputes the allocation for the budget so far and samples the systems furthest below
their share. OCBA spends a fixed budget well on average but has **no probability guarantee**
(its ratios are asymptotic and use estimated means and variances), which is why the final pick
uses KN (:mod:`.kim_nelson`); OCBA is the comparator.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from sim.errors import InputError
from sim.study.methods.selection.outcome import Selection
from sim.study.methods.selection.sampling import BatchSampler, Tally, check_common, draw


def ocba_allocation(means: Any, sds: Any, total: int, minimum: Any = 0) -> np.ndarray:
    """Integer OCBA allocation of ``total`` observations, at least ``minimum`` each.

    Systems whose share falls below their minimum are held there and the rest re-allocated in
    the same ratios; rounding keeps the sum exactly ``total`` (largest remainders).

    Example:
        >>> ocba_allocation([1.0, 0.0, 0.5], [1.0, 1.0, 1.0], 100).tolist()
        [45, 11, 44]
    """
    m, s = np.asarray(means, dtype=float), np.asarray(sds, dtype=float)
    k = len(m)
    low = np.broadcast_to(np.asarray(minimum, dtype=np.int64), (k,)).copy()
    if low.sum() > total:
        raise InputError("total", f"{total} is below the minimum allocation {int(low.sum())}")
    w = ocba_ratios(m, s)
    free = np.ones(k, dtype=bool)
    alloc = low.astype(float)
    while True:
        budget = total - low[~free].sum()
        alloc[free] = budget * w[free] / w[free].sum()
        short = free & (alloc < low)
        if not short.any():
            break
        alloc[short] = low[short]
        free &= ~short
    out = np.floor(alloc).astype(np.int64)
    out = np.maximum(out, low)
    rest = total - out.sum()
    order = np.argsort(-(alloc - np.floor(alloc)), kind="stable")
    for i in order[: max(rest, 0)]:
        out[i] += 1
    return out


def ocba_ratios(means: np.ndarray, sds: np.ndarray) -> np.ndarray:
    """OCBA's allocation shares (summing to 1) for sample means and SDs.

    Example:
        >>> ocba_ratios(np.array([1.0, 0.0, 0.5]), np.ones(3)).round(3).tolist()
        [0.452, 0.11, 0.438]
    """
    b = int(np.argmax(means))
    scale = max(float(np.max(sds)), float(np.ptp(means)), 1e-300)
    s = np.maximum(sds, 1e-12 * scale)  # a zero SD would get no share and never be checked
    gap = np.maximum(means[b] - means, 1e-9 * scale)
    w = (s / gap) ** 2
    others = np.arange(len(means)) != b
    w[b] = s[b] * np.sqrt(np.sum(w[others] ** 2 / s[others] ** 2))
    return w / w.sum()


def ocba_select(
    sample: BatchSampler, k: int, *, budget: int, n0: int = 10, increment: int | None = None
) -> Selection:
    """Spend ``budget`` observations by sequential OCBA and select the largest mean.

    Args:
        sample: batch sampler ``sample(systems, n)``.
        k: number of systems.
        budget: total observations (>= ``k * n0``).
        n0: first-stage observations per system.
        increment: observations added per round (default ``k``).

    Example:
        >>> rng = np.random.default_rng(4)
        >>> mu = np.array([0.0, 0.6, 0.0, 0.3])
        >>> s = ocba_select(lambda sy, n: rng.normal(mu[sy, None], 1, (len(sy), n)), 4, budget=400)
        >>> s.best, s.total
        (1, 400)
    """
    check_common(k, n0)
    if budget < k * n0:
        raise InputError("budget", f"{budget}: below the first stage k * n0 = {k * n0}")
    step = k if increment is None else int(increment)
    if step < 1:
        raise InputError("increment", f"{step}: must be >= 1")
    systems = np.arange(k)
    tally = Tally(k)
    tally.add(systems, draw(sample, systems, n0))
    while tally.n.sum() < budget:
        target = ocba_allocation(
            tally.means(), tally.sds(), min(int(tally.n.sum()) + step, budget), tally.n
        )
        more = target - tally.n
        for count in np.unique(more[more > 0]):
            group = np.flatnonzero(more == count)
            tally.add(group, draw(sample, group, int(count)))
    means = tally.means()
    params = {"k": k, "n0": n0, "budget": budget, "increment": step}
    return Selection(
        int(np.argmax(means)),
        "OCBA",
        tally.n.copy(),
        means,
        tally.sds(),
        np.full(k, -1),
        tally.n.copy(),
        params,
    )
