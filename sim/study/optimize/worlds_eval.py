"""Candidates evaluated in worlds: every candidate on the same replications (common random numbers).

Replication ``r`` of a stream replays the same leads with the same random numbers whichever
strategy runs it (the paired design of :mod:`sim.experiment.replication`), so candidate
differences are measured on identical leads. Each (candidate, replication) is one task on the
project's executors; results are keyed by index, so neither the executor, nor the number of
workers, nor the completion order reaches a number.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from sim.config import Scenario, Strategy
from sim.experiment.arms import ArmSpec
from sim.experiment.executors import run_tasks
from sim.experiment.replication import ReplicationTask, run_replication
from sim.study.optimize.metrics import replication_metrics

#: Name of every candidate inside its own world (a candidate's world holds one arm).
ARM = "candidate"


@dataclass(frozen=True)
class Runner:
    """Where worlds run: ``executor`` (serial, local, dask), ``workers``, Dask ``scheduler``."""

    executor: str = "local"
    workers: int | None = None
    scheduler: str | None = None


def stream_seed(seed: int, stream: int) -> int:
    """The root seed of one independent stream of replications (search, selection, fresh).

    Example:
        >>> stream_seed(1, 0) != stream_seed(1, 1)
        True
    """
    ss = np.random.SeedSequence(seed, spawn_key=(stream,))
    return int(ss.generate_state(1, dtype=np.uint64)[0] >> 1)


def _task(scenario: Scenario, strategy: Strategy, seed: int, r: int) -> ReplicationTask:
    arm = ArmSpec(ARM, strategy.model_copy(update={"name": ARM}))
    return ReplicationTask(scenario, (arm,), ARM, "paired", seed, r)


def _metrics(task: ReplicationTask) -> dict[str, float]:
    row = run_replication(task)["rows"][0]
    s = task.scenario
    return replication_metrics(
        row,
        patient_value_usd=s.value.patient_value_usd,
        window_days=s.window_days,
        months=s.months,
        labour_usd_per_hour=s.sales.labour_usd_per_hour,
    )


def evaluate_worlds(
    scenario: Scenario,
    jobs: Sequence[tuple[Strategy, int]],
    seed: int,
    runner: Runner = Runner(),
    on_done: Callable[[int], None] | None = None,
) -> list[dict[str, float]]:
    """Metrics of each ``(strategy, replication)`` job on replication seeds of ``seed``.

    ``on_done(count)`` is called as worlds finish (for a progress bar).
    """
    tasks = [_task(scenario, st, seed, r) for st, r in jobs]
    out: list[dict[str, float] | None] = [None] * len(tasks)
    done = 0
    for i, res in run_tasks(
        _metrics, tasks, executor=runner.executor, workers=runner.workers,
        scheduler=runner.scheduler,
    ):  # fmt: skip
        out[i] = res
        done += 1
        if on_done is not None:
            on_done(done)
    return out  # type: ignore[return-value]
