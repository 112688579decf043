"""Candidates evaluated in worlds, every one on the same replications (common random numbers).

Each candidate strategy is a point of :func:`sim.study.worlds.evaluate_points` with common
seeds: replication ``r`` replays the same leads with the same random numbers whichever strategy
runs it, so candidates are compared on identical leads. The search, the final selection and
the fresh-seed check each draw from their own stream of replications (:func:`stream_seed`),
so the winner's last evaluation shares no random number with the evidence that chose it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.config import Scenario, Strategy
from sim.study.optimize.metrics import METRICS, replication_metrics
from sim.study.worlds import WorldPoint, evaluate_points

#: The three streams of replications of an optimisation.
STREAMS = {"search": 0, "selection": 1, "fresh": 2}


@dataclass(frozen=True)
class Runner:
    """Where worlds run: ``executor`` (serial, local, dask), ``workers``, Dask ``scheduler``."""

    executor: str = "local"
    workers: int | None = None
    scheduler: str | None = None


#: The default: a local process pool on every core.
LOCAL = Runner()


def stream_seed(seed: int, stream: str) -> int:
    """The root seed of one stream of replications (``search``, ``selection``, ``fresh``).

    Example:
        >>> stream_seed(1, "search") != stream_seed(1, "fresh")
        True
    """
    ss = np.random.SeedSequence(seed, spawn_key=(STREAMS[stream],))
    return int(ss.generate_state(1, dtype=np.uint64)[0] >> 1)


def evaluate_strategies(
    scenario: Scenario,
    strategies: Sequence[Strategy],
    replications: Sequence[int],
    seed: int,
    runner: Runner = LOCAL,
    progress: Callable[[int, int], None] | None = None,
) -> list[pd.DataFrame]:
    """Per-replication metrics (:mod:`.metrics`) of each strategy, on replications of ``seed``.

    Returns one table per strategy, one row per replication (in the order given), a column per
    metric.

    Example:
        >>> import sim
        >>> s = sim.load_scenario("configs/scenarios/medical_practice.toml", {"months": 1})
        >>> st = sim.load_strategy("configs/strategies/no_nurture.toml")
        >>> [t] = evaluate_strategies(s, [st], [0, 1], seed=3, runner=Runner("serial"))
        >>> t.index.tolist(), float(t["unsubscribe_rate"].max())
        ([0, 1], 0.0)
    """
    if not strategies or not replications:
        return [pd.DataFrame(columns=list(METRICS)) for _ in strategies]
    points = [WorldPoint.of(scenario, {"candidate": st}) for st in strategies]
    rows = evaluate_points(
        points,
        "candidate",
        replications=list(replications),
        seed=seed,
        seeds="common",
        executor=runner.executor,
        workers=runner.workers,
        scheduler=runner.scheduler,
        progress=progress,
    )
    value = scenario.value.patient_value_usd
    out = []
    for i in range(len(strategies)):
        g = rows[rows["point"] == i]
        metrics = [
            replication_metrics(
                row,
                patient_value_usd=value,
                window_days=scenario.window_days,
                months=scenario.months,
                labour_usd_per_hour=scenario.sales.labour_usd_per_hour,
            )
            for row in g.to_dict("records")
        ]
        out.append(pd.DataFrame(metrics, index=g["replication"].to_list(), columns=list(METRICS)))
    return out
