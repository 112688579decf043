"""Shared fixtures: where the shipped configs are, and loaders for them."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from sim.config import Scenario, Strategy, load_scenario, load_strategy

ROOT = Path(__file__).resolve().parents[1]
SCENARIO_PATH = ROOT / "configs" / "scenarios" / "medical_practice.toml"
STRATEGY_DIR = ROOT / "configs" / "strategies"


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def scenario_path() -> Path:
    return SCENARIO_PATH


@pytest.fixture(scope="session")
def strategy_path() -> Callable[[str], Path]:
    """``strategy_path("stage_nurture")`` -> the shipped strategy file."""
    return lambda name: STRATEGY_DIR / f"{name}.toml"


@pytest.fixture
def scenario() -> Callable[..., Scenario]:
    """``scenario(months=2, **{"email.open_prob": 0.3})``: the default scenario, overridden."""
    return lambda **overrides: load_scenario(SCENARIO_PATH, overrides or None)


@pytest.fixture
def strategy() -> Callable[..., Strategy]:
    """``strategy("newsletter", **{"email.max_emails": 3})``: a shipped strategy, overridden."""
    return lambda stem, **overrides: load_strategy(STRATEGY_DIR / f"{stem}.toml", overrides or None)
