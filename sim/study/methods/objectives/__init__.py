"""Objectives: what an optimiser's candidate achieves, whether it respects the limits, trade-offs.

- :mod:`.criteria` - the :class:`Objective` (a metric and a direction) and each
  :class:`Constraint` (``metric <= bound`` or ``>= bound``) with its margin.
- :mod:`.evaluation` - a candidate's :class:`Evaluation`: every outcome metric with a t-interval
  over replications, the objective, and each constraint's margin with the verdict
  ``feasible`` (with confidence), ``infeasible`` or ``undecided``; a ranked table of them.
- :mod:`.pareto` - Pareto fronts and non-dominated sorting over several objectives (patients
  up, cost down, unsubscribes down), on arrays or on a table.

Example:
    >>> import pandas as pd
    >>> t = pd.DataFrame({"candidate": ["a"] * 3 + ["b"] * 3,
    ...                   "patients": [10, 11, 12, 20, 21, 22],
    ...                   "cost_usd": [500, 510, 490, 900, 950, 910]})
    >>> table = evaluation_table(evaluate_candidates(t, "patients", ["cost_usd <= 1000"]))
    >>> goals = {"patients_mean": "maximize", "cost_usd_mean": "minimize"}
    >>> pareto_front(table, goals, feasible="status").candidate.tolist()
    ['b', 'a']
"""

from sim.study.methods.objectives.criteria import Constraint, Objective
from sim.study.methods.objectives.evaluation import (
    ConstraintCheck,
    Evaluation,
    MetricEstimate,
    evaluate,
    evaluate_candidates,
    evaluation_table,
)
from sim.study.methods.objectives.pareto import pareto_front, pareto_mask, pareto_ranks

__all__ = [
    "Constraint",
    "ConstraintCheck",
    "Evaluation",
    "MetricEstimate",
    "Objective",
    "evaluate",
    "evaluate_candidates",
    "evaluation_table",
    "pareto_front",
    "pareto_mask",
    "pareto_ranks",
]
