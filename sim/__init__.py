"""Nurture Lab: simulate and A/B-test lead-nurturing strategies.

The names a notebook needs are here: ``sim.load_scenario``, ``sim.load_strategy``,
``sim.simulate``, ``sim.Experiment``, ``sim.ArmSpec``, ``sim.load_suite``, ``sim.run_suite``.

They are imported on first use (PEP 562), so ``import sim`` — and with it every ``nurture``
command, which lives in ``sim.cli`` — costs nothing until a name is needed: ``nurture --help``
must not pay for pandas, SciPy, statsmodels and plotly.

>>> import sim
>>> sim.simulate.__module__
'sim.world.model'
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

#: Public name -> the module that defines it.
_EXPORTS = {
    "Arm": "sim.world.model",
    "ArmSpec": "sim.experiment.arms",
    "Experiment": "sim.experiment.experiment",
    "ExperimentResult": "sim.experiment.experiment",
    "Scenario": "sim.config",
    "Strategy": "sim.config",
    "WorldResult": "sim.world.model",
    "calibrate": "sim.study.calibrate.runner",
    "load_scenario": "sim.config",
    "load_strategy": "sim.config",
    "load_suite": "sim.experiment.suite",
    "read_export": "sim.crm.reader",
    "run_suite": "sim.experiment.runner",
    "simulate": "sim.world.model",
}

__all__ = [
    "Arm",
    "ArmSpec",
    "Experiment",
    "ExperimentResult",
    "Scenario",
    "Strategy",
    "WorldResult",
    "calibrate",
    "load_scenario",
    "load_strategy",
    "load_suite",
    "read_export",
    "run_suite",
    "simulate",
]

if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs only
    from sim.config import Scenario, Strategy, load_scenario, load_strategy
    from sim.crm.reader import read_export
    from sim.experiment.arms import ArmSpec
    from sim.experiment.experiment import Experiment, ExperimentResult
    from sim.experiment.runner import run_suite
    from sim.experiment.suite import load_suite
    from sim.study.calibrate.runner import calibrate
    from sim.world.model import Arm, WorldResult, simulate


def __getattr__(name: str):
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'sim' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))
