"""Configs: pydantic models for scenarios and strategies, loaded from TOML. No SimPy here."""

from sim.config.loading import apply_overrides, build, load_scenario, load_strategy, read_toml
from sim.config.scenario import Scenario
from sim.config.strategy import Strategy

__all__ = [
    "Scenario",
    "Strategy",
    "apply_overrides",
    "build",
    "load_scenario",
    "load_strategy",
    "read_toml",
]
