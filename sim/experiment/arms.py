"""Arms of an experiment: a named strategy, with optional scenario and strategy overrides."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sim.config import Scenario, Strategy, apply_overrides, build


@dataclass(frozen=True)
class ArmSpec:
    """One arm: a strategy, optional overrides, and its allocation weight (split design).

    ``scenario_overrides`` change the world for this arm only (paired design); in the split
    design all arms share one world, so they must be empty.
    """

    name: str
    strategy: Strategy
    weight: float = 1.0
    scenario_overrides: Mapping[str, Any] = field(default_factory=dict)
    source: str = ""  # where the strategy came from (a file), for the manifest
    sweep_value: Any = None

    def scenario_for(self, scenario: Scenario) -> Scenario:
        if not self.scenario_overrides:
            return scenario
        where = f"arm {self.name}"
        return edit_scenario(
            scenario, self.scenario_overrides, where, f"{where}: scenario overrides"
        )


def edit_scenario(
    scenario: Scenario, overrides: Mapping[str, Any], where: str, what: str | None = None
) -> Scenario:
    """``scenario`` with ``overrides`` (dotted keys) applied, validated like a config file.

    ``where`` names the overrides in an error about a key, ``what`` (default ``where``) the
    edited scenario in an error about a value.
    """
    data = apply_overrides(scenario.model_dump(), overrides, where)
    return build(Scenario, data, what or where)


def as_arm(name: str, value: Strategy | ArmSpec) -> ArmSpec:
    """Accept a bare Strategy (named by the mapping key) or an ArmSpec."""
    if isinstance(value, ArmSpec):
        return value if value.name == name else ArmSpec(name, *_rest(value))
    if isinstance(value, Strategy):
        return ArmSpec(name, value.model_copy(update={"name": name}))
    hint = ""
    if isinstance(value, (str, bytes)) or hasattr(value, "__fspath__"):
        hint = " - load the file first: sim.load_strategy(path)"
    raise TypeError(
        f"Experiment(arms=...): arm {name!r}: expected a Strategy or ArmSpec, got "
        f"{type(value).__name__}{hint}"
    )


def _rest(a: ArmSpec) -> tuple:
    return (a.strategy, a.weight, a.scenario_overrides, a.source, a.sweep_value)
