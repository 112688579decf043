"""Pareto fronts over several objectives (patients up, cost down, unsubscribes down).

A candidate **dominates** another when it is at least as good on every objective and strictly
better on one; the **Pareto front** is the set of candidates no other dominates - the honest
menu when objectives conflict. Non-dominated sorting (Deb et al. 2002, NSGA-II) peels fronts
off in turn: rank 1 is the front, rank 2 the front of what is left, and so on.

The front is of estimated means, and noise makes a front optimistic (a lucky candidate looks
non-dominated): re-evaluate its members on fresh seeds before committing to one. Candidates
with a missing value (NaN) in any objective are on no front (rank 0).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from sim.errors import InputError

_DIRECTIONS = ("maximize", "minimize")


def pareto_ranks(values: Any, directions: Sequence[str]) -> np.ndarray:
    """Non-dominated sorting: the front number of each row (1 = Pareto front, 0 = has NaN).

    Args:
        values: ``(n, d)`` objective values, one row per candidate.
        directions: ``"maximize"`` or ``"minimize"`` per column.

    Example:
        >>> v = np.array([[10, 100], [12, 150], [9, 120], [12, 150], [8, 90]])
        >>> pareto_ranks(v, ["maximize", "minimize"]).tolist()  # patients up, cost down
        [1, 1, 2, 1, 1]
    """
    cost = _as_costs(values, directions)
    n = len(cost)
    rank = np.zeros(n, dtype=np.int64)
    left = np.flatnonzero(np.all(np.isfinite(cost), axis=1))
    front = 0
    while len(left):
        front += 1
        mask = _non_dominated(cost[left])
        rank[left[mask]] = front
        left = left[~mask]
    return rank


def pareto_mask(
    values: Any, directions: Sequence[str], *, allowed: Any | None = None
) -> np.ndarray:
    """True for the rows on the Pareto front (among the ``allowed`` rows, if given).

    Example:
        >>> pareto_mask([[1, 1], [2, 0], [0, 0]], ["maximize", "maximize"]).tolist()
        [True, True, False]
        >>> pareto_mask([[1, 1], [2, 2]], ["maximize"] * 2, allowed=[True, False]).tolist()
        [True, False]
    """
    cost = _as_costs(values, directions)
    ok = np.all(np.isfinite(cost), axis=1)
    if allowed is not None:
        flags = np.asarray(allowed, dtype=bool)
        if flags.shape != (len(cost),):
            raise InputError("allowed", f"{flags.shape}: one flag per row ({len(cost)}) needed")
        ok &= flags
    out = np.zeros(len(cost), dtype=bool)
    rows = np.flatnonzero(ok)
    out[rows] = _non_dominated(cost[rows])
    return out


def pareto_front(
    frame: pd.DataFrame,
    objectives: Mapping[str, str],
    *,
    feasible: str | None = None,
) -> pd.DataFrame:
    """The rows of ``frame`` on the Pareto front of ``objectives``, sorted by the first one.

    Args:
        frame: one row per candidate (e.g. an evaluation table's ``*_mean`` columns).
        objectives: column -> ``"maximize"`` or ``"minimize"``, at least one.
        feasible: a boolean column (or a ``status`` column, ``"feasible"`` meaning True); only
            those rows compete. Constraints first, trade-offs among what is allowed.

    Example:
        >>> t = pd.DataFrame({"name": list("abcd"), "patients": [30, 34, 31, 36],
        ...                   "cost_usd": [900, 1000, 1100, 1300],
        ...                   "unsubscribes": [5, 9, 4, 20], "ok": [True, True, True, False]})
        >>> goals = {"patients": "maximize", "cost_usd": "minimize", "unsubscribes": "minimize"}
        >>> pareto_front(t, goals, feasible="ok").name.tolist()
        ['b', 'c', 'a']
    """
    if not objectives:
        raise InputError("objectives", "name at least one column and its direction")
    cols = list(objectives)
    for c in [*cols, *([feasible] if feasible else [])]:
        if c not in frame.columns:
            raise InputError(f"columns: {c}", f"missing; the table has {list(frame.columns)}")
    values = frame[cols].apply(pd.to_numeric, errors="coerce").to_numpy(dtype=float)
    mask = pareto_mask(values, [objectives[c] for c in cols], allowed=_allowed(frame, feasible))
    first_dir = objectives[cols[0]]
    out = frame[mask]
    return out.sort_values(cols[0], ascending=first_dir == "minimize", kind="stable")


def _allowed(frame: pd.DataFrame, feasible: str | None) -> np.ndarray:
    if feasible is None:
        return np.ones(len(frame), dtype=bool)
    col = frame[feasible]
    if col.dtype == bool:
        return col.to_numpy()
    if set(col.dropna().unique()) <= {"feasible", "infeasible", "undecided"}:
        return (col == "feasible").to_numpy()
    raise InputError(
        f"columns: {feasible}", "must be True/False or statuses feasible/infeasible/undecided"
    )


def _as_costs(values: Any, directions: Sequence[str]) -> np.ndarray:
    """Objectives turned into costs (minimise every column)."""
    v = np.asarray(values, dtype=float)
    if v.ndim != 2:
        raise InputError("values", f"shape {v.shape}: expected (candidates, objectives)")
    dirs = list(directions)
    if len(dirs) != v.shape[1]:
        raise InputError("directions", f"{len(dirs)} given for {v.shape[1]} objectives")
    bad = [d for d in dirs if d not in _DIRECTIONS]
    if bad:
        raise InputError("directions", f"{bad[0]!r}: use maximize or minimize")
    sign = np.array([-1.0 if d == "maximize" else 1.0 for d in dirs])
    return v * sign


def _non_dominated(cost: np.ndarray) -> np.ndarray:
    """Mask of the rows of ``cost`` (all finite, minimised) that no other row dominates.

    Rows are visited best-first in lexicographic order, so a row can only be dominated by one
    visited before it: each is compared with the front found so far, ``O(n * front * d)``.
    """
    n = len(cost)
    out = np.zeros(n, dtype=bool)
    if n == 0:
        return out
    order = np.lexsort(cost.T[::-1])
    front: list[int] = []
    for i in order:
        if front:
            f = cost[front]
            dominated = np.any(np.all(f <= cost[i], axis=1) & np.any(f < cost[i], axis=1))
            if dominated:
                continue
        front.append(int(i))
    out[front] = True
    return out
