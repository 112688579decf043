"""Value: which strategy to adopt under uncertainty, how sure that is, what information is worth.

The health-economic decision toolkit (as in BCEA, dampack, heemod), on PSA draws: one row per
world drawn from the priors, one column per strategy (patients won, fully loaded cost), and a
patient value that turns them into net monetary benefit.

- :mod:`.psa` - :class:`PSADraws`, P(each strategy is best), distributions of lift and net
  benefit (:func:`prob_best`, :func:`summarize`).
- :mod:`.acceptability` - the acceptability curve and frontier over patient values.
- :mod:`.break_even` - the patient value at which a strategy starts to pay, with Fieller and
  decision-uncertainty intervals.
- :mod:`.evpi` - expected value of perfect information, with its Monte Carlo error.
- :mod:`.evppi` - per-input EVPPI by regression (Strong, Oakley & Brennan 2014) on
  :mod:`.penalized_spline`; :mod:`.nested_evppi` - the two-level Monte Carlo check of it.

Example:
    >>> import numpy as np
    >>> d = PSADraws(("no", "yes"), np.array([[10, 12], [8, 11], [9, 9]]),
    ...              np.array([[100, 130], [90, 125], [95, 110]]), value_usd=np.full(3, 20.0))
    >>> prob_best(d).p_best.round(3).tolist()
    [0.333, 0.667]
"""

from sim.study.methods.value.acceptability import (
    acceptability_curve,
    acceptability_frontier,
    pairwise_acceptability,
)
from sim.study.methods.value.break_even import BreakEven, break_even_table, break_even_value
from sim.study.methods.value.evpi import VOIEstimate, evpi, evpi_curve, opportunity_loss
from sim.study.methods.value.evppi import evppi, evppi_from_draws
from sim.study.methods.value.nested_evppi import evppi_nested
from sim.study.methods.value.psa import PSADraws, prob_best, summarize

__all__ = [
    "BreakEven",
    "PSADraws",
    "VOIEstimate",
    "acceptability_curve",
    "acceptability_frontier",
    "break_even_table",
    "break_even_value",
    "evpi",
    "evpi_curve",
    "evppi",
    "evppi_from_draws",
    "evppi_nested",
    "opportunity_loss",
    "pairwise_acceptability",
    "prob_best",
    "summarize",
]
