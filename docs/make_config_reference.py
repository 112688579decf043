"""Write docs/config-reference.md from the config models (run from the project root).

.venv/bin/python docs/make_config_reference.py
"""

from __future__ import annotations

from pathlib import Path

from sim.config.reference import reference
from sim.config.scenario import Scenario
from sim.config.space import SpaceFile
from sim.config.strategy import Strategy

OUT = Path(__file__).resolve().parent / "config-reference.md"

MODELS = [
    (
        "Scenario files (`configs/scenarios/*.toml`)",
        Scenario,
        "What the practice's world is like: its leads, their journey, how they answer email, "
        "the front desk, appointments, costs and the value of a patient. Times are in days, "
        "rates per day, probabilities in [0, 1] unless a key's name says otherwise.",
    ),
    (
        "Strategy files (`configs/strategies/*.toml`)",
        Strategy,
        "What the practice does: email cadence and content, how it scores leads, when sales "
        "calls, what it pays for. A table that is written turns its feature on unless it says "
        "`enabled = false`; an empty strategy file is refused.",
    ),
    (
        "Priors and search-space files (`configs/uncertainty/*.toml`, `configs/spaces/*.toml`)",
        SpaceFile,
        "Which values vary, over what, and why: `[[parameter]]` entries, each a key path with a "
        "distribution (uniform, loguniform, beta, truncnormal, fixed, integer, categorical, "
        "dirichlet for shares that sum to 1) and its source.",
    ),
]


def text() -> str:
    return reference(MODELS)


if __name__ == "__main__":
    OUT.write_text(text())
    print(f"wrote {OUT}")
