"""Synthetic practices for validating calibration: parameters drawn from the priors, the world
run with its CRM export, and the truth kept beside it.

Used by the validation tests and ``benchmarks/calibration_*.py``; the truth is whatever the
priors drew, never hand-picked.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from sim.config.paths import get_value
from sim.config.scenario import Scenario
from sim.config.space import ParameterSpace
from sim.config.strategy import Strategy
from sim.crm.stats import Observations, observations
from sim.world.model import simulate

#: What the practice knows about itself is set by the validation, not drawn.
HELD = ("months", "leads_per_month")


@dataclass(frozen=True)
class Practice:
    """A synthetic practice: its true scenario and the export its CRM would hold."""

    scenario: Scenario
    point: dict[str, Any]
    obs: Observations
    leads: int
    conversion: float

    def truth(self, path: str) -> float:
        return float(get_value(self.scenario.model_dump(mode="json"), path))


def draw_point(space: ParameterSpace, rng: np.random.Generator) -> dict[str, Any]:
    """One point from the priors (independent uniforms through each prior's inverse CDF)."""
    point = space.point(rng.random(space.dims))
    return {k: v for k, v in point.items() if k not in HELD}


def practice(
    space: ParameterSpace,
    base: Scenario,
    strategy: Strategy,
    point: dict[str, Any],
    seed: int,
) -> Practice:
    """Run the world at ``point`` (on ``base``) and keep its export."""
    scenario, _ = space.apply(point, base, {strategy.name: strategy})
    r = simulate(scenario, strategy, seed, events=True)
    return Practice(
        scenario, point, observations(*r.crm), len(r.leads), float(r.leads.converted.mean())
    )
