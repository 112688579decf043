"""A candidate's evaluation: its outcome metrics with intervals, its objective, its constraints.

An optimiser proposes a candidate (a strategy), the runner evaluates it on ``n`` replications,
and this module turns the per-replication metrics into the record a decision needs:

- every metric's mean with a two-sided ``level`` t-interval over replications;
- the **objective**: one metric to maximise or minimise (patients, patients per $1,000, net
  benefit);
- every **constraint** ``metric <= bound`` or ``metric >= bound`` (unsubscribes per email,
  complaint rate, emails per lead per week, sales hours per month) with its **margin** - the
  distance to the bound on the allowed side, positive when the mean is within the limit - and
  a verdict: ``"feasible"`` when the margin's lower confidence bound is >= 0, ``"infeasible"``
  when its upper bound is < 0, ``"undecided"`` otherwise (more replications would tell).

The verdicts are one-sided t-tests of the mean against the bound, at levels chosen so that each
claim about the *candidate* holds with confidence at least ``level``:

- "feasible" (every constraint met) is an intersection-union test (Berger 1982): each
  constraint's margin must clear 0 at one-sided level ``level``, and a candidate that breaks
  any one limit passes with probability at most ``1 - level`` - no multiplicity penalty;
- "infeasible" (some constraint broken) is a union: each constraint is tested at one-sided
  level ``1 - (1 - level) / m`` (Bonferroni over ``m`` constraints), so a candidate that meets
  every limit is called infeasible with probability at most ``1 - level``.

A metric is averaged over replications; a ratio such as unsubscribes per
email is then a mean of per-replication ratios (give the ratio of totals per replication if
that is the quantity of interest). Replications without a value (NaN: a cost per patient with
no patient) are left out of that metric, with a note; a metric with fewer than two values has
no interval, and its constraints stay undecided.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal, NamedTuple

import numpy as np
import pandas as pd
from scipy import stats

from sim.errors import InputError
from sim.study.methods.objectives.criteria import Constraint, Objective

Status = Literal["feasible", "infeasible", "undecided"]


class MetricEstimate(NamedTuple):
    """A metric's mean over replications with a two-sided t-interval."""

    metric: str
    n: int
    mean: float
    se: float
    ci_lower: float
    ci_upper: float
    note: str


class ConstraintCheck(NamedTuple):
    """A constraint's margin with its one-sided confidence bounds, and the verdict.

    ``margin_lower`` is the one-sided lower bound at ``level`` (``feasible`` when >= 0),
    ``margin_upper`` the one-sided upper bound at ``infeasible_level`` (``infeasible`` when < 0).
    """

    constraint: str
    metric: str
    op: str
    bound: float
    mean: float
    margin: float
    margin_lower: float
    margin_upper: float
    level: float
    infeasible_level: float
    status: Status


@dataclass(frozen=True, eq=False)
class Evaluation:
    """A candidate's evaluation: metrics, objective and constraint verdicts.

    Attributes:
        candidate: the candidate's name.
        objective: what is optimised.
        metrics: every metric's estimate, by name.
        constraints: one check per constraint, in the order given.
        status: ``"infeasible"`` if any constraint is, ``"feasible"`` if all are, else
            ``"undecided"`` (also ``"feasible"`` when there are no constraints).
        level: the confidence level.
    """

    candidate: str
    objective: Objective
    metrics: Mapping[str, MetricEstimate]
    constraints: tuple[ConstraintCheck, ...]
    status: Status
    level: float

    @property
    def value(self) -> MetricEstimate:
        """The objective metric's estimate."""
        return self.metrics[self.objective.metric]

    def constraint_values(self) -> list[float]:
        """Constraint values in optuna's convention (``<= 0`` is feasible): minus the margins.

        Example:
            >>> e = evaluate("a", {"p": [1.0, 2.0], "u": [0.1, 0.3]}, Objective("p"),
            ...              ["u <= 0.25"])
            >>> [round(v, 3) for v in e.constraint_values()]
            [-0.05]
        """
        return [-c.margin for c in self.constraints]

    def to_row(self) -> dict[str, Any]:
        """One flat row: candidate, status, objective, and per metric and constraint columns.

        Columns: ``candidate, status, objective, objective_mean, objective_ci_lower,
        objective_ci_upper``, then ``{metric}_mean, {metric}_ci_lower, {metric}_ci_upper`` for
        every metric and ``{metric}_margin, {metric}_margin_lower, {metric}_status`` for every
        constrained metric (``{metric}_{op}`` when a metric has two constraints), and ``n``.
        """
        v = self.value
        row: dict[str, Any] = {
            "candidate": self.candidate,
            "status": self.status,
            "objective": f"{self.objective.direction} {self.objective.metric}",
            "objective_mean": v.mean,
            "objective_ci_lower": v.ci_lower,
            "objective_ci_upper": v.ci_upper,
        }
        for m in self.metrics.values():
            row |= {f"{m.metric}_mean": m.mean, f"{m.metric}_ci_lower": m.ci_lower}
            row[f"{m.metric}_ci_upper"] = m.ci_upper
        twice = {c.metric for c in self.constraints if _count(self.constraints, c.metric) > 1}
        for c in self.constraints:
            key = (
                f"{c.metric}_{'max' if c.op == '<=' else 'min'}" if c.metric in twice else c.metric
            )
            row |= {f"{key}_margin": c.margin, f"{key}_margin_lower": c.margin_lower}
            row[f"{key}_status"] = c.status
        row["n"] = max(m.n for m in self.metrics.values())
        return row


def evaluate(
    candidate: str,
    replications: pd.DataFrame | Mapping[str, Any],
    objective: Objective | str,
    constraints: Sequence[Constraint | str] = (),
    *,
    level: float = 0.95,
) -> Evaluation:
    """Evaluate one candidate from its per-replication metrics.

    Args:
        candidate: the candidate's name.
        replications: one row (or array entry) per replication, one column per metric.
        objective: an :class:`Objective`, or a metric name to maximise.
        constraints: :class:`Constraint` objects or strings like ``"complaint_rate <= 0.001"``.
        level: confidence level of the intervals and (jointly) of the verdicts.

    Example:
        >>> reps = {"patients": [30, 34, 32, 33], "complaint_rate": [4e-4, 6e-4, 5e-4, 5e-4]}
        >>> e = evaluate("weekly", reps, "patients", ["complaint_rate <= 0.001"])
        >>> e.status, round(e.value.mean, 2), e.constraints[0].status
        ('feasible', 32.25, 'feasible')
    """
    if not 0.0 < level < 1.0:
        raise InputError("level", f"{level}: must be in (0, 1)")
    columns = _columns(candidate, replications)
    obj = objective if isinstance(objective, Objective) else Objective(str(objective))
    checks = [c if isinstance(c, Constraint) else Constraint.parse(c) for c in constraints]
    for name in [obj.metric, *(c.metric for c in checks)]:
        if name not in columns:
            raise InputError(
                f"{candidate}: {name}", f"no such metric; the metrics are {list(columns)}"
            )
    metrics = {name: _estimate(name, x, level) for name, x in columns.items()}
    union = 1.0 - (1.0 - level) / max(len(checks), 1)
    results = tuple(_check(c, columns[c.metric], level, union) for c in checks)
    return Evaluation(candidate, obj, metrics, results, _overall(results), level)


def evaluate_candidates(
    frame: pd.DataFrame,
    objective: Objective | str,
    constraints: Sequence[Constraint | str] = (),
    *,
    by: str = "candidate",
    level: float = 0.95,
) -> list[Evaluation]:
    """:func:`evaluate` for every candidate of a tidy table (one row per candidate and replication).

    Candidates keep their order of first appearance; every column besides ``by`` and a
    ``replication`` column is a metric.

    Example:
        >>> t = pd.DataFrame({"candidate": ["a", "a", "b", "b"], "replication": [0, 1, 0, 1],
        ...                   "patients": [10, 12, 20, 18]})
        >>> [(e.candidate, e.value.mean) for e in evaluate_candidates(t, "patients")]
        [('a', 11.0), ('b', 19.0)]
    """
    if by not in frame.columns:
        raise InputError(f"columns: {by}", f"missing; the table has {list(frame.columns)}")
    metric_cols = [c for c in frame.columns if c not in (by, "replication")]
    return [
        evaluate(str(name), group[metric_cols], objective, constraints, level=level)
        for name, group in frame.groupby(by, sort=False)
    ]


def evaluation_table(evaluations: Sequence[Evaluation]) -> pd.DataFrame:
    """The evaluations as a table, best first: feasible, then undecided, then infeasible, each
    by the objective's mean in its direction.

    Example:
        >>> t = pd.DataFrame({"candidate": ["a"] * 3 + ["b"] * 3,
        ...                   "patients": [10, 11, 12, 20, 21, 22],
        ...                   "unsub_rate": [0.001, 0.002, 0.001, 0.02, 0.03, 0.025]})
        >>> evs = evaluate_candidates(t, "patients", ["unsub_rate <= 0.005"])
        >>> evaluation_table(evs)[["candidate", "status", "objective_mean"]].values.tolist()
        [['a', 'feasible', 11.0], ['b', 'infeasible', 21.0]]
    """
    if not evaluations:
        return pd.DataFrame()
    rows = pd.DataFrame([e.to_row() for e in evaluations])
    order = rows["status"].map({"feasible": 0, "undecided": 1, "infeasible": 2})
    sign = -1.0 if evaluations[0].objective.direction == "maximize" else 1.0
    rows = rows.assign(_o=order, _v=sign * rows["objective_mean"])
    rows = rows.sort_values(["_o", "_v"], kind="stable", na_position="last")
    return rows.drop(columns=["_o", "_v"]).reset_index(drop=True)


def _columns(candidate: str, replications: pd.DataFrame | Mapping[str, Any]) -> dict[str, Any]:
    """Each metric's per-replication values as a float array (non-numbers become NaN)."""
    out: dict[str, np.ndarray] = {}
    for name, col in replications.items():
        x = np.asarray(col)
        if x.dtype.kind not in "fiub":
            x = pd.to_numeric(pd.Series(x), errors="coerce").to_numpy()
        out[str(name)] = np.atleast_1d(x.astype(float))
    lengths = {len(x) for x in out.values()}
    if not out or lengths == {0}:
        raise InputError(candidate, "no replications to evaluate")
    if len(lengths) > 1:
        raise InputError(candidate, f"metrics have different numbers of replications {lengths}")
    return out


def _values(x: np.ndarray) -> tuple[np.ndarray, str]:
    ok = np.isfinite(x)
    note = "" if ok.all() else f"{int((~ok).sum())} replications without a value left out"
    return x[ok], note


@lru_cache(maxsize=1024)
def _t(q: float, df: int) -> float:
    return float(stats.t.ppf(q, df))


def _estimate(metric: str, column: np.ndarray, level: float) -> MetricEstimate:
    x, note = _values(column)
    n = len(x)
    if n < 2:
        mean = float(x[0]) if n == 1 else float("nan")
        nan = float("nan")
        extra = f"{n} value(s): no interval"
        return MetricEstimate(
            metric, n, mean, nan, nan, nan, "; ".join(filter(None, [note, extra]))
        )
    mean, se = float(x.mean()), float(x.std(ddof=1) / np.sqrt(n))
    half = _t(0.5 + level / 2.0, n - 1) * se
    return MetricEstimate(metric, n, mean, se, mean - half, mean + half, note)


def _check(c: Constraint, column: np.ndarray, level: float, union: float) -> ConstraintCheck:
    x, _ = _values(column)
    n = len(x)
    mean = float(x.mean()) if n else float("nan")
    margin = float(c.margin(mean))
    if n < 2:
        lo = hi = float("nan")
    else:
        se = float(x.std(ddof=1) / np.sqrt(n))
        lo, hi = margin - _t(level, n - 1) * se, margin + _t(union, n - 1) * se
    status: Status = "feasible" if lo >= 0 else "infeasible" if hi < 0 else "undecided"
    return ConstraintCheck(
        c.label, c.metric, c.op, c.bound, mean, margin, lo, hi, level, union, status
    )


def _overall(checks: Sequence[ConstraintCheck]) -> Status:
    statuses = {c.status for c in checks}
    if "infeasible" in statuses:
        return "infeasible"
    return "undecided" if "undecided" in statuses else "feasible"


def _count(checks: Sequence[ConstraintCheck], metric: str) -> int:
    return sum(c.metric == metric for c in checks)
