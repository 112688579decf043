"""Small suites for experiment tests, written into a temporary folder."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCENARIO = ROOT / "configs" / "scenarios" / "medical_practice.toml"
STRATEGIES = ROOT / "configs" / "strategies"


def write_suite(
    folder: Path,
    name: str = "tiny",
    *,
    replications: int = 4,
    months: int = 2,
    design: str = "paired",
    extra: str = "",
) -> Path:
    text = f'''
name = "{name}"
description = "a small suite for tests"
scenario = "{SCENARIO}"
scenario_overrides = {{ months = {months} }}
design = "{design}"
replications = {replications}
seed = 3
control = "no_nurture"

[[arms]]
name = "no_nurture"
strategy = "{STRATEGIES / "no_nurture.toml"}"

[[arms]]
name = "stage_nurture"
strategy = "{STRATEGIES / "stage_nurture.toml"}"

[[expect]]
arm = "no_nurture"
metric = "conversion_rate"
between = [0.0, 1.0]
{extra}
'''
    path = folder / f"{name}.toml"
    path.write_text(text)
    return path


@pytest.fixture
def tiny_suite(tmp_path: Path) -> Path:
    return write_suite(tmp_path)
