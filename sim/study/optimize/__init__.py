"""Optimisation: the best strategy in a search space, with a probability-of-correct-selection
guarantee.

- :mod:`.metrics` - what a candidate achieves per replication (patients, patients per $1,000,
  net benefit, unsubscribe and complaint rates, emails per lead per week, sales hours).
- :mod:`.space` - search-space files: strategy choices, objective, constraints, checked.
- :mod:`.candidates` - candidates evaluated in worlds on common random numbers.
- :mod:`.search` - stage 1, optuna TPE with constraints, resumable and deterministic.
- :mod:`.final` - stage 2, Kim-Nelson KN over the finalists and the base (why KN, not OCBA).
- :mod:`.runner` - :func:`optimize`: search, select, fresh-seed check, the run folder.

Example:
    >>> import sim
    >>> from sim.study.optimize import load_search_space
    >>> sc = sim.load_scenario("configs/scenarios/medical_practice.toml")
    >>> base = sim.load_strategy("configs/strategies/no_nurture.toml")
    >>> len(load_search_space("configs/spaces/cadence_and_calls.toml", sc, base).varying)
    19
"""

from sim.study.optimize.candidates import Runner, evaluate_strategies
from sim.study.optimize.runner import Optimisation, Settings, optimize
from sim.study.optimize.space import SearchSpace, load_search_space

__all__ = [
    "Optimisation",
    "Runner",
    "SearchSpace",
    "Settings",
    "evaluate_strategies",
    "load_search_space",
    "optimize",
]
