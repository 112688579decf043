"""Monitored tests by simulation: the share of runs each stopping rule has stopped by each look.

The runs are those of :mod:`sim.experiment.power_sim` (replications of one split-design
experiment on the runner, ``SeedSequence(seed, spawn_key=(months, r))``); at the end of each
month a rule sees the leads arrived and the conversions happened by then
(:func:`~sim.experiment.looks.look_counts`) and decides with
:func:`~sim.experiment.looks.monitor_looks`, where the run runs (the task's ``measure``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.analysis.interval import check_method
from sim.analysis.sequential import METHODS
from sim.config import Scenario, Strategy
from sim.errors import InputError
from sim.experiment.looks import (
    INFORMATION,
    look_counts,
    monitor_looks,
    monthly_cutoffs,
    share_table,
)
from sim.experiment.power_sim import (
    CONTROL,
    TREATMENT,
    ab_arms,
    check_runs,
    run_tests,
    significant,
)

#: The fixed-horizon test at the last look only, reported beside the stopping rules.
FINAL_LOOK = "final_look"


@dataclass(frozen=True)
class LookStops:
    """A run's measure: per rule ``(method, information)``, whether it has stopped by each look.

    The rule ``(FINAL_LOOK, None)`` is the fixed test, deciding at the last look only.
    """

    months: int
    methods: tuple[str, ...]
    information: tuple[str, ...]
    alpha: float

    def __call__(self, leads: pd.DataFrame) -> dict[tuple[str, str | None], np.ndarray]:
        counts = look_counts(leads, CONTROL, TREATMENT, monthly_cutoffs(self.months))
        out: dict[tuple[str, str | None], np.ndarray] = {}
        for info in self.information:
            for method in self.methods:
                table = monitor_looks(counts, method=method, alpha=self.alpha, information=info)
                out[(method, info)] = table["stop"].to_numpy(dtype=bool)
        final = np.zeros(len(counts), dtype=bool)
        last = counts.iloc[-1]
        final[-1] = significant(
            last["n_control"],
            last["n_treatment"],
            last["conversions_control"],
            last["conversions_treatment"],
            self.alpha,
            "mee",
        )
        out[(FINAL_LOOK, None)] = final
        return out


def simulated_looks(
    scenario: Scenario,
    control: Strategy,
    treatment: Strategy,
    *,
    months: int,
    methods: Sequence[str] = ("obf", "pocock", "msprt", "naive"),
    weight: float = 0.5,
    runs: int = 200,
    alpha: float = 0.05,
    seed: int = 0,
    workers: int | None = None,
    information: str | Sequence[str] = "statistical",
) -> pd.DataFrame:
    """Monthly looks at many split-design tests: the share each rule has stopped by each look.

    Every run is one world of ``months`` months; at the end of each month the rule sees the
    leads arrived and the conversions happened by then (:func:`~sim.experiment.looks.
    look_counts`) and decides with :func:`~sim.experiment.looks.monitor_looks`. Pass the same
    strategy twice for an A/A test: the share stopped at the last look is then the rule's
    false-positive rate. The row ``final_look`` is the fixed test at the last look only.
    ``information`` names how information fractions are measured
    (:data:`~sim.experiment.looks.INFORMATION`); give several to judge the same worlds with
    each.

    Returns:
        :func:`~sim.experiment.looks.share_table` rows for ``methods`` and ``final_look``, with
        an ``information`` column (``None`` for ``final_look``, which has a single look).

    Example:
        >>> import sim
        >>> s = sim.load_scenario("configs/scenarios/medical_practice.toml")
        >>> a = sim.load_strategy("configs/strategies/no_nurture.toml")
        >>> t = simulated_looks(s, a, a, months=2, methods=("naive",), runs=3, workers=1)
        >>> t[["method", "look", "runs"]].to_numpy().tolist()
        [['naive', 1, 3], ['naive', 2, 3], ['final_look', 1, 3], ['final_look', 2, 3]]
    """
    check_runs(runs, alpha)
    methods = tuple(check_method("methods", m, METHODS) for m in methods)
    infos = (information,) if isinstance(information, str) else tuple(information)
    for info in infos:
        if info not in INFORMATION:
            raise InputError(
                "information", f"{info!r} is not allowed: use one of {', '.join(INFORMATION)}"
            )
    arms = ab_arms(control, treatment, weight)
    measure = LookStops(int(months), methods, infos, float(alpha))
    measured = run_tests(scenario, arms, months, runs, seed, workers, measure).measured
    frames = []
    for rule in measured[0]:
        stops = np.vstack([m[rule] for m in measured])
        table = share_table({rule[0]: stops}, monthly_cutoffs(months))
        table.insert(1, "information", rule[1])
        frames.append(table)
    return pd.concat(frames, ignore_index=True)
