"""Suites: experiments described in TOML, with expectations CI can check.

A suite names a scenario, arms (strategy files, optional overrides) or a sweep of one
parameter, a design, replications, a seed, and ``[[expect]]`` entries. Paths are relative to
the suite file.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, model_validator

from sim.config import Strategy, load_scenario, load_strategy
from sim.config.base import StrictModel
from sim.config.loading import build, read_toml
from sim.config.paths import KeyPath
from sim.errors import InputError
from sim.experiment.arms import ArmSpec
from sim.experiment.expectations import Expect
from sim.files import not_regular

#: Suite and arm names become folder names and table keys: keep them plain.
NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.=-]{0,79}$"
#: Names a sweep makes from its values (``interval_days=7``, ``rate=1e+06``): the same
#: characters, and the ``+`` of an exponent.
SWEEP_NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.=+-]{0,79}$"
#: Most replications a suite may ask for (in the file or with ``--replications``).
MAX_REPLICATIONS = 100_000
Name = Annotated[str, Field(pattern=NAME_PATTERN)]


class ArmEntry(StrictModel):
    name: str = Field(pattern=NAME_PATTERN)
    strategy: str = Field(min_length=1)
    #: Share of the leads in the split design (relative to the other arms' weights).
    weight: float = Field(default=1.0, gt=0.0)
    overrides: dict[str, Any] = Field(default_factory=dict)
    scenario_overrides: dict[str, Any] = Field(default_factory=dict)


class Sweep(StrictModel):
    """Arms generated from one strategy by setting one parameter to each value."""

    strategy: str = Field(min_length=1)
    #: Dotted key; ``scenario.`` prefix changes the scenario instead of the strategy.
    parameter: str = Field(min_length=1)
    values: list[float] = Field(min_length=1, max_length=200)
    names: list[Name] | None = None
    label: str = ""

    @model_validator(mode="after")
    def _names(self) -> Sweep:
        if self.names is not None and len(self.names) != len(self.values):
            raise ValueError("sweep.names must have one name per value")
        repeated = sorted({v for v in self.values if self.values.count(v) > 1})
        if repeated:
            raise ValueError(f"sweep values must differ: {repeated[0]!r} appears twice")
        return self


class SuiteConfig(StrictModel):
    name: str = Field(pattern=NAME_PATTERN)
    description: str = ""
    scenario: str = Field(min_length=1)
    scenario_overrides: dict[str, Any] = Field(default_factory=dict)
    design: Literal["paired", "split"] = "paired"
    replications: int = Field(default=10, ge=1, le=MAX_REPLICATIONS)
    seed: int = Field(default=0, ge=0, lt=2**63)
    control: str = Field(min_length=1)
    alpha: float = Field(default=0.05, gt=0.0, lt=1.0)
    adjust: Literal["holm", "bh", "none"] = "holm"
    arms: list[ArmEntry] = Field(default_factory=list)
    sweep: Sweep | None = None
    expect: list[Expect] = Field(default_factory=list)

    @model_validator(mode="after")
    def _arms(self) -> SuiteConfig:
        if not self.arms and self.sweep is None:
            raise ValueError("a suite needs [[arms]] or a [sweep]")
        names = [a.name for a in self.arms] + self.sweep_names()
        dup = sorted({n for n in names if names.count(n) > 1})
        if dup:
            raise ValueError(f"arm names must be unique: {dup[0]!r} appears twice")
        if self.control not in names:
            raise ValueError(f"control {self.control!r} is not an arm; arms: {', '.join(names)}")
        for e in self.expect:
            for ref in (e.arm, e.above_arm, e.below_arm):
                if ref is not None and ref not in names:
                    raise ValueError(f"expect names arm {ref!r}, which is not an arm")
        return self

    def sweep_names(self) -> list[str]:
        s = self.sweep
        if s is None:
            return []
        if s.names:
            return list(s.names)
        key = s.parameter.rsplit(".", 1)[-1]
        return sweep_names(key, s.values)


class Suite:
    """A loaded suite: its config, resolved scenario and arms.

    ``sets`` are ``--set`` assignments, ``(KeyPath, value)`` pairs applied over the suite's
    own overrides: scenario paths to the suite's scenario, ``strategy:`` paths to every arm,
    ``strategy[NAME]:`` to the arm called NAME.
    """

    def __init__(self, path: str | Path, sets: Sequence[tuple[KeyPath, Any]] = ()):
        self.path = Path(path)
        where = str(path)
        data = read_toml(self.path)
        self.config: SuiteConfig = build(SuiteConfig, data, where)
        c = self.config
        base = self.path.parent
        self.scenario_file = self._file(base, c.scenario, "scenario")
        scenario_sets = {p.dotted: v for p, v in sets if p.target == "scenario"}
        self.scenario = load_scenario(
            self.scenario_file, {**c.scenario_overrides, **scenario_sets} or None
        )

        def strategy_sets(name: str) -> dict[str, Any]:
            return {p.dotted: v for p, v in sets if p.applies_to(name)}

        self.arms: list[ArmSpec] = []
        for i, a in enumerate(c.arms):
            f = self._file(base, a.strategy, f"arms[{i}].strategy")
            strat = self._strategy(
                f, {**a.overrides, **strategy_sets(a.name)}, f"arms[{i}].overrides"
            )
            strat = strat.model_copy(update={"name": a.name})
            spec = ArmSpec(a.name, strat, a.weight, a.scenario_overrides, str(f))
            self._check_overrides(spec, f"arms[{i}].scenario_overrides")
            self.arms.append(spec)
        self.sweep_values: dict[str, float] = {}
        if c.sweep is not None:
            f = self._file(base, c.sweep.strategy, "sweep.strategy")
            for name, value in zip(c.sweep_names(), c.sweep.values, strict=True):
                param = c.sweep.parameter
                if param.startswith("scenario."):
                    strat = self._strategy(f, strategy_sets(name), "sweep.strategy")
                    strat = strat.model_copy(update={"name": name})
                    spec = ArmSpec(
                        name, strat, 1.0, {param[len("scenario.") :]: value}, str(f), value
                    )
                    self._check_overrides(spec, "sweep.parameter")
                else:
                    strat = self._strategy(
                        f, {**strategy_sets(name), param: value}, "sweep.parameter"
                    )
                    strat = strat.model_copy(update={"name": name})
                    spec = ArmSpec(name, strat, 1.0, {}, str(f), value)
                self.arms.append(spec)
                self.sweep_values[name] = value
        if c.design == "split" and any(a.scenario_overrides for a in self.arms):
            raise InputError(
                f"{where}: design",
                "'split' shares one world: arms cannot change the scenario (use design = 'paired')",
            )

    def _file(self, base: Path, rel: str, key: str) -> Path:
        p = (base / rel) if not Path(rel).is_absolute() else Path(rel)
        problem = not_regular(p)
        if problem == "no such file":
            problem += f" (paths are relative to the suite's folder {base})"
        if problem:
            raise InputError(f"{self.path}: {key}", f"{rel!r}: {problem}")
        return p

    def with_replications(self, replications: int, where: str = "--replications") -> Suite:
        """This suite with another replication count (the run id does not change with it)."""
        if not 1 <= replications <= MAX_REPLICATIONS:
            raise InputError(
                where, f"{replications} is not allowed: must be between 1 and {MAX_REPLICATIONS:,}"
            )
        clone = copy.copy(self)
        clone.config = self.config.model_copy(update={"replications": replications})
        return clone

    def _strategy(self, file: Path, overrides: dict[str, Any], key: str) -> Strategy:
        """Load a strategy; a problem the suite's overrides cause names the suite's key."""
        strategy = load_strategy(file)  # a problem in the file itself names the file
        if not overrides:
            return strategy
        try:
            return load_strategy(file, overrides)
        except InputError as exc:
            inner = exc.where.removeprefix(str(file)).removeprefix(": ")
            problem = f"{inner}: {exc.problem}" if inner else exc.problem
            raise InputError(f"{self.path}: {key}", problem) from None

    def _check_overrides(self, spec: ArmSpec, key: str) -> None:
        try:
            spec.scenario_for(self.scenario)
        except InputError as exc:
            raise InputError(f"{self.path}: {key}", exc.problem) from None

    @property
    def name(self) -> str:
        return self.config.name

    def sweep_info(self) -> dict[str, Any]:
        s = self.config.sweep
        if s is None:
            return {}
        return {"parameter": s.label or s.parameter, "values": dict(self.sweep_values)}


def load_suite(path: str | Path, sets: Sequence[tuple[KeyPath, Any]] = ()) -> Suite:
    """Load and validate a suite file (raises :class:`InputError` on bad input)."""
    return Suite(path, sets)


def sweep_names(key: str, values: Sequence[float]) -> list[str]:
    """Arm names ``key=value``: as short as ``:g`` makes them, longer where values need it.

    Distinct values always get distinct names (``1`` and ``1.0000001`` used to both be
    ``x=1``); the names of values that ``:g`` already tells apart stay as they were.

    >>> sweep_names("x", [1, 2.5])
    ['x=1', 'x=2.5']
    >>> sweep_names("x", [1, 1.0000001])
    ['x=1', 'x=1.0000001']
    """
    for digits in range(6, 18):
        names = [f"{key}={v:.{digits}g}" for v in values]
        if len(set(names)) == len(set(values)):
            break
    invalid = [n for n in names if re.match(SWEEP_NAME_PATTERN, n) is None]
    if invalid:
        raise ValueError(
            f"sweep.parameter makes the arm name {invalid[0]!r}, which is not allowed: give "
            f"sweep.names matching {NAME_PATTERN}"
        )
    return names


def safe_name(name: str) -> bool:
    """Names that are safe as a single folder name.

    >>> [safe_name(n) for n in ("seed_claims", "../x", ".hidden", "a/b")]
    [True, False, False, False]
    """
    return re.match(NAME_PATTERN, name) is not None and ".." not in name
