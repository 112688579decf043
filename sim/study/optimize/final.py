"""Stage 2: the final pick among the search's best candidates and the current strategy.

**Why KN, not OCBA.** The search's best trial is optimistic: it was chosen *because* its few
replications came out well. The final pick is Kim & Nelson's fully sequential procedure KN
(:func:`sim.study.methods.selection.kn_select`) over the finalists and the base strategy, on a
stream of replications the search never saw, with common random numbers across systems: when the
best is at least ``delta`` ahead it is selected with probability ``>= pcs`` under unknown,
unequal variances, the guarantee holds under common random numbers (KN looks only at pairwise
differences, whose variance CRN shrinks, so CRN becomes fewer replications), and clearly worse
systems stop being simulated early. OCBA spends a fixed budget well on average but offers no
probability of correct selection, which is the promise the user is given; it stays a
comparator in :mod:`sim.study.methods.selection`.

**Constraints.** Finalists are candidates the search found *feasible* (every constraint's margin
positive at one-sided confidence ``level`` over its search replications). The KN winner is
then re-evaluated on fresh seeds; if a constraint's mean is outside its limit there, or the limit
is broken with confidence, the winner is set aside and KN picks again among the rest (its
observations are kept, so a repeat costs only the new replications it needs). When none
remains, the search found nothing feasible and says so.

Example:
    >>> from sim.study.methods.selection import slippage
    >>> s = pick(slippage(6, 0.5, seed=3), 6, delta=0.5, pcs=0.95, exclude=[5])
    >>> s.best != 5, int(s.n[5])
    (True, 0)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd

from sim.config import Scenario, Strategy
from sim.study.methods.objectives import Objective
from sim.study.methods.selection import BatchSampler, Selection, kn_select
from sim.study.optimize.candidates import LOCAL, Runner, evaluate_strategies
from sim.study.optimize.metrics import METRICS


def pick(
    sample: BatchSampler,
    k: int,
    *,
    delta: float,
    pcs: float = 0.95,
    n0: int = 10,
    batch: int = 5,
    max_observations: int | None = None,
    exclude: Sequence[int] = (),
) -> Selection:
    """KN over systems ``0..k-1`` less ``exclude``; the Selection is over all ``k`` systems.

    Excluded systems have ``n = 0`` and ``eliminated_at = 0``. With one system left it is
    selected without sampling (``procedure = "only"``).
    """
    keep = np.array([i for i in range(k) if i not in set(exclude)], dtype=np.int64)
    if len(keep) == 0:
        raise ValueError("no system left to select from")
    if len(keep) == 1:
        z = np.zeros(k)
        return Selection(int(keep[0]), "only", np.zeros(k, dtype=np.int64), z, z,
                         np.zeros(k, dtype=np.int64), np.zeros(k, dtype=np.int64))  # fmt: skip

    def sub(systems: np.ndarray, n: int) -> np.ndarray:
        return sample(keep[systems], n)

    s = kn_select(sub, len(keep), delta=delta, pcs=pcs, n0=n0, batch=batch,
                  max_observations=max_observations)  # fmt: skip
    n = np.zeros(k, dtype=np.int64)
    means, sds = np.full(k, np.nan), np.full(k, np.nan)
    out, drawn = np.zeros(k, dtype=np.int64), np.zeros(k, dtype=np.int64)
    n[keep], means[keep], sds[keep] = s.n, s.means, s.sds
    out[keep], drawn[keep] = s.eliminated_at, s.drawn
    return Selection(int(keep[s.best]), s.procedure, n, means, sds, out, drawn,
                     s.parameters, s.note)  # fmt: skip


class WorldSampler:
    """A batch sampler over strategies: observation ``j`` of every system is replication ``j``
    of one stream (common random numbers); all metrics of every replication are kept.

    The objective is negated when it is minimised (KN maximises).
    """

    def __init__(
        self,
        scenario: Scenario,
        strategies: Sequence[Strategy],
        seed: int,
        objective: Objective,
        runner: Runner = LOCAL,
        on_worlds: Callable[[int], None] | None = None,
    ) -> None:
        self.scenario, self.strategies, self.seed = scenario, list(strategies), seed
        self.objective, self.runner, self.on_worlds = objective, runner, on_worlds
        self.tables = [pd.DataFrame(columns=list(METRICS)) for _ in self.strategies]
        self.count = np.zeros(len(self.strategies), dtype=np.int64)
        self.worlds = 0

    def __call__(self, systems: np.ndarray, n: int) -> np.ndarray:
        systems = np.asarray(systems, dtype=np.int64)
        # systems asked together share their next replications (KN keeps survivors level)
        for start in np.unique(self.count[systems]):
            group = systems[self.count[systems] == start]
            self._ensure(group, int(start) + n)
        sign = 1.0 if self.objective.direction == "maximize" else -1.0
        out = np.empty((len(systems), n))
        for row, i in enumerate(systems):
            j = self.count[i]
            out[row] = sign * self.tables[i][self.objective.metric].to_numpy()[j : j + n]
            self.count[i] += n
        return out

    def _ensure(self, systems: np.ndarray, upto: int) -> None:
        have = min(len(self.tables[i]) for i in systems)
        if have >= upto:
            return
        need = [i for i in systems if len(self.tables[i]) < upto]
        reps = list(range(have, upto))
        new = evaluate_strategies(self.scenario, [self.strategies[i] for i in need], reps,
                                  self.seed, self.runner)  # fmt: skip
        for i, t in zip(need, new, strict=True):
            old = self.tables[i]
            t = t[t.index >= len(old)]
            self.tables[i] = t if old.empty else pd.concat([old, t])
        self.worlds += len(need) * len(reps)
        if self.on_worlds is not None:
            self.on_worlds(self.worlds)

    def rewind(self) -> None:
        """Start every system's observations from replication 0 again (for a repeat pick)."""
        self.count[:] = 0
