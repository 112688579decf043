"""Nurture Lab: simulate and A/B-test lead-nurturing strategies.

The names a notebook needs are here: ``sim.load_scenario``, ``sim.load_strategy``,
``sim.simulate``, ``sim.Experiment``, ``sim.ArmSpec``, ``sim.load_suite``, ``sim.run_suite``.
"""

from sim.config import Scenario, Strategy, load_scenario, load_strategy
from sim.experiment.arms import ArmSpec
from sim.experiment.experiment import Experiment, ExperimentResult
from sim.experiment.runner import run_suite
from sim.experiment.suite import load_suite
from sim.world.model import Arm, WorldResult, simulate

__all__ = [
    "Arm",
    "ArmSpec",
    "Experiment",
    "ExperimentResult",
    "Scenario",
    "Strategy",
    "WorldResult",
    "load_scenario",
    "load_strategy",
    "load_suite",
    "run_suite",
    "simulate",
]
