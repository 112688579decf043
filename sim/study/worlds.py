"""Many worlds at once: points of a study evaluated on paired replications.

A *point* is a scenario with its strategies — a draw from the priors, a design point of a
sensitivity analysis, a candidate strategy of a search — built by
:meth:`sim.config.space.ParameterSpace.apply` (so it passed the same validation as a file).
Every point is run as the experiment layer runs a paired replication
(:func:`sim.experiment.replication.run_replication`): each strategy replays the same leads with
the same random numbers, so differences between strategies *within* a point and replication
carry no lead-to-lead noise. The result is one tidy row per (point, strategy, replication).

Seeds. Replication ``r`` of a point runs on ``SeedSequence(seed, spawn_key=(r,))`` — the
experiment layer's :func:`~sim.experiment.replication.replication_seed` — when ``seeds`` is
``"common"`` (the default): every point then sees the same leads as far as its scenario allows,
which is what ranking and selection wants (candidates compared on common random numbers). With
``seeds="independent"`` point ``i`` first derives its own root seed from ``(seed, i)``, so the
replication noise of different points is independent — what the noise correction of
sensitivity indices assumes (:mod:`sim.study.methods.sensitivity.replication_noise`) and what
a probabilistic sensitivity analysis of independent worlds needs. Either way a task's result
depends only on the task, never on the worker that ran it or the order tasks finished.

Example:
    >>> import sim
    >>> from sim.study.worlds import WorldPoint, evaluate_points
    >>> s = sim.load_scenario("configs/scenarios/medical_practice.toml", {"months": 1})
    >>> st = {"no_nurture": sim.load_strategy("configs/strategies/no_nurture.toml")}
    >>> small = s.model_copy(update={"leads_per_month": 20.0})
    >>> pts = [WorldPoint.of(s, st), WorldPoint.of(small, st)]
    >>> df = evaluate_points(pts, "no_nurture", replications=2, seed=1, executor="serial")
    >>> df[["point", "strategy", "replication"]].values.tolist()
    [[0, 'no_nurture', 0], [0, 'no_nurture', 1], [1, 'no_nurture', 0], [1, 'no_nurture', 1]]
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from sim.config import Scenario, Strategy
from sim.config.space import ParameterSpace
from sim.experiment.arms import ArmSpec, as_arm
from sim.experiment.executors import run_tasks
from sim.experiment.replication import REPLICATION_COLUMNS, ReplicationTask, run_replication

#: How replication seeds relate across points.
SEEDINGS = ("common", "independent")

#: Leading columns of :func:`evaluate_points`; the replication metrics follow.
KEY_COLUMNS = ("point", "strategy", "replication")


@dataclass(frozen=True)
class WorldPoint:
    """One point of a study: a scenario, its strategies, and the values that made it.

    ``values`` (parameter name -> value) only labels the point in tables; the configs are
    what runs.
    """

    scenario: Scenario
    arms: tuple[ArmSpec, ...]
    values: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def of(
        cls,
        scenario: Scenario,
        strategies: Mapping[str, Strategy | ArmSpec],
        values: Mapping[str, Any] | None = None,
    ) -> WorldPoint:
        """A point from a scenario and ``name -> Strategy`` (or ArmSpec)."""
        arms = tuple(as_arm(name, st) for name, st in strategies.items())
        return cls(scenario, arms, dict(values or {}))

    @property
    def names(self) -> list[str]:
        return [a.name for a in self.arms]


def points_from_space(
    space: ParameterSpace,
    values: Iterable[Mapping[str, Any]],
    scenario: Scenario,
    strategies: Mapping[str, Strategy],
) -> list[WorldPoint]:
    """A point for each assignment of ``space``'s parameters (e.g. ``space.points(u)``).

    Example:
        >>> import sim
        >>> s = sim.load_scenario("configs/scenarios/medical_practice.toml")
        >>> st = {"no_nurture": sim.load_strategy("configs/strategies/no_nurture.toml")}
        >>> space = ParameterSpace.from_entries([{"path": "months", "distribution": "integer",
        ...     "low": 1, "high": 3, "source": "example"}])
        >>> pts = points_from_space(space, [{"months": 1}, {"months": 3}], s, st)
        >>> [p.scenario.months for p in pts], pts[1].values
        ([1, 3], {'months': 3})
    """
    out = []
    for i, v in enumerate(values):
        s, st = space.apply(v, scenario, strategies, f"{space.where}: point {i}")
        out.append(WorldPoint.of(s, st, v))
    return out


@dataclass(frozen=True)
class PointTask:
    """One replication of one point; picklable, a pure function of its fields."""

    point: int
    replication: ReplicationTask


def point_seed(seed: int, point: int) -> int:
    """Point ``point``'s own root seed, for independent seeding (deterministic).

    >>> point_seed(7, 0) == point_seed(7, 0) != point_seed(7, 1)
    True
    """
    return int(np.random.SeedSequence(seed, spawn_key=(point,)).generate_state(1, np.uint64)[0])


def run_point(task: PointTask) -> list[dict[str, Any]]:
    """Run one task: the paired replication's per-strategy rows, keyed by point."""
    rows = run_replication(task.replication).rows
    return [{"point": task.point, **row} for row in rows]


def point_tasks(
    points: Sequence[WorldPoint],
    control: str,
    replications: int | Sequence[int],
    seed: int,
    seeds: str = "common",
) -> list[PointTask]:
    """The (point, replication) tasks, point-major."""
    if seeds not in SEEDINGS:
        raise ValueError(f"seeds={seeds!r}: use 'common' or 'independent'")
    reps = range(replications) if isinstance(replications, int) else list(replications)
    tasks = []
    for i, p in enumerate(points):
        if control not in p.names:
            raise ValueError(f"point {i}: control {control!r} is not a strategy: {p.names}")
        root = seed if seeds == "common" else point_seed(seed, i)
        for r in reps:
            tasks.append(
                PointTask(i, ReplicationTask(p.scenario, p.arms, control, "paired", root, r))
            )
    return tasks


def evaluate_points(
    points: Sequence[WorldPoint],
    control: str,
    *,
    replications: int | Sequence[int] = 1,
    seed: int = 0,
    seeds: str = "common",
    executor: str = "local",
    workers: int | None = None,
    scheduler: str | None = None,
    done: Mapping[tuple[int, int], list[dict[str, Any]]] | None = None,
    on_result: Callable[[tuple[int, int], list[dict[str, Any]]], None] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> pd.DataFrame:
    """Run every point on paired replications; one row per (point, strategy, replication).

    Args:
        points: the worlds to run (each with the ``control`` among its strategies).
        control: the strategy lifts are measured against, within each replication.
        replications: how many (``0..R-1``) or which replication indices to run — a
            sequential procedure asks for more of the same point by index.
        seed: root seed.
        seeds: ``"common"`` (the same replication seeds at every point) or
            ``"independent"`` (each point its own); see the module notes.
        executor, workers, scheduler: as :func:`sim.experiment.executors.run_tasks`.
        done: rows of tasks already finished, keyed ``(point, replication)`` (``--resume``).
        on_result: called with each finished task's key and rows (to checkpoint it).
        progress: called with ``(finished, total)`` tasks.

    Returns:
        Columns :data:`KEY_COLUMNS`, then :data:`~sim.experiment.replication.REPLICATION_COLUMNS`
        (``arm`` renamed ``strategy``), sorted by point, strategy order and replication —
        the same bytes whatever executor or worker count ran it.
    """
    tasks = point_tasks(points, control, replications, seed, seeds)
    results: dict[tuple[int, int], list[dict[str, Any]]] = dict(done or {})
    todo = [t for t in tasks if (t.point, t.replication.replication) not in results]
    total, finished = len(tasks), len(tasks) - len(todo)
    if progress is not None:
        progress(finished, total)
    for i, rows in run_tasks(
        run_point, todo, executor=executor, workers=workers, scheduler=scheduler
    ):
        key = (todo[i].point, todo[i].replication.replication)
        results[key] = rows
        finished += 1
        if on_result is not None:
            on_result(key, rows)
        if progress is not None:
            progress(finished, total)
    return tidy(tasks, results, points)


def tidy(
    tasks: Sequence[PointTask],
    results: Mapping[tuple[int, int], list[dict[str, Any]]],
    points: Sequence[WorldPoint],
) -> pd.DataFrame:
    """The rows of ``tasks`` in a fixed order (point, strategy as listed, replication)."""
    rows = []
    for t in tasks:
        rows.extend(results[(t.point, t.replication.replication)])
    metrics = [c for c in REPLICATION_COLUMNS if c not in ("arm", "replication")]
    df = pd.DataFrame(rows, columns=["point", *REPLICATION_COLUMNS])
    df = df.rename(columns={"arm": "strategy"})[[*KEY_COLUMNS, *metrics]]
    order = {(i, name): k for i, p in enumerate(points) for k, name in enumerate(p.names)}
    df["_order"] = [order[(i, s)] for i, s in zip(df["point"], df["strategy"], strict=True)]
    df = df.sort_values(["point", "_order", "replication"], kind="stable")
    return df.drop(columns="_order").reset_index(drop=True)


def points_frame(points: Sequence[WorldPoint]) -> pd.DataFrame:
    """One row per point: its parameter values (``values``), for joins with the metrics.

    >>> import sim
    >>> s = sim.load_scenario("configs/scenarios/medical_practice.toml")
    >>> points_frame([WorldPoint.of(s, {}, {"months": 2})]).to_dict("records")
    [{'point': 0, 'months': 2}]
    """
    df = pd.DataFrame([dict(p.values) for p in points])
    df.insert(0, "point", range(len(points)))
    return df
