"""The parameter space: which config values vary, over what, and why.

One concept serves every study: a :class:`Parameter` names a scenario or strategy value by its
key path (:mod:`sim.config.paths`), gives it a distribution (:mod:`sim.config.distributions`)
— a prior for uncertainty and calibration, a range for search — and says where it comes from.
Applying a point builds new :class:`Scenario` and :class:`Strategy` objects through the same
pydantic validation as a file, so a study can never run an impossible world; the space is
checked against the models and the base configs when it is loaded, so a misspelt path or a
prior that reaches an impossible value is bad input before any work starts.

Files (``configs/uncertainty/*.toml``, ``configs/spaces/*.toml``) hold ``[[parameter]]``
entries::

    [[parameter]]
    path = "content.match_advance_prob"     # a key path; strategy:... for strategy values
    distribution = "beta"                   # uniform, loguniform, beta, truncnormal, fixed,
    a = 3.0                                 #   integer, categorical
    b = 17.0
    source = "assumed: no public measure; mean 0.15 as in the default scenario"

Example:
    >>> from sim.config import load_scenario, load_strategy
    >>> scenario = load_scenario("configs/scenarios/medical_practice.toml")
    >>> strategies = {"stage_nurture": load_strategy("configs/strategies/stage_nurture.toml")}
    >>> space = ParameterSpace.from_entries([
    ...     {"path": "content.match_advance_prob", "distribution": "uniform",
    ...      "low": 0.05, "high": 0.3, "source": "assumed"},
    ...     {"path": "strategy:email.max_emails", "distribution": "integer",
    ...      "low": 5, "high": 40, "source": "search range"}], "example")
    >>> space.check(scenario, strategies)
    >>> point = space.point(np.array([0.5, 0.0]))
    >>> point
    {'content.match_advance_prob': 0.175, 'strategy:email.max_emails': 5}
    >>> s2, st2 = space.apply(point, scenario, strategies)
    >>> s2.content.match_advance_prob, st2["stage_nurture"].email.max_emails
    (0.175, 5)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from sim.config.distributions import Distribution, make
from sim.config.fields import field_at
from sim.config.loading import build, read_toml
from sim.config.paths import KeyPath, set_in_place
from sim.config.scenario import Scenario
from sim.config.space_file import MAX_PARAMETERS, ParameterEntry, SpaceFile
from sim.config.strategy import Strategy
from sim.errors import InputError

__all__ = [
    "MAX_PARAMETERS",
    "Parameter",
    "ParameterEntry",
    "ParameterSpace",
    "SpaceFile",
    "load_space",
]


@dataclass(frozen=True)
class Parameter:
    """A value that varies: where it is, how it is distributed, and why.

    A dirichlet parameter has several ``paths`` (shares that sum to 1) and a tuple value.
    """

    name: str
    paths: tuple[KeyPath, ...]
    distribution: Distribution
    source: str = ""

    @property
    def path(self) -> KeyPath:
        return self.paths[0]

    @property
    def varies(self) -> bool:
        return self.distribution.varies

    @property
    def size(self) -> int:
        """Unit-cube coordinates it takes in a design."""
        return self.distribution.size if self.varies else 0

    def assignments(self, value: Any) -> list[tuple[KeyPath, Any]]:
        """(path, value) pairs that setting this parameter to ``value`` makes."""
        if len(self.paths) == 1:
            return [(self.paths[0], _plain(value))]
        return [(p, _plain(v)) for p, v in zip(self.paths, value, strict=True)]


@dataclass(frozen=True)
class ParameterSpace:
    """Parameters, in file order; ``where`` names the file in messages."""

    parameters: tuple[Parameter, ...]
    where: str = "parameter space"
    description: str = ""
    constraints: tuple[dict[str, Any], ...] = ()
    objective: Mapping[str, Any] | None = None

    @classmethod
    def from_entries(
        cls, entries: Sequence[Mapping[str, Any]], where: str = "parameter space"
    ) -> ParameterSpace:
        """Build from plain entries (as a file's ``[[parameter]]`` list would hold)."""
        data = build(SpaceFile, {"parameter": list(entries)}, where)
        return cls._from_file(data, where)

    @classmethod
    def _from_file(cls, data: SpaceFile, where: str) -> ParameterSpace:
        params = []
        for i, e in enumerate(data.parameter):
            at = f"{where}: parameter[{i}] ({e.label})"
            paths = tuple(KeyPath.parse(t, at) for t in (e.paths or [e.path]))
            try:
                dist = make(e.distribution, e.arguments())
            except ValueError as exc:
                raise InputError(at, str(exc)) from None
            name = e.name or (str(paths[0]) if len(paths) == 1 else e.label)
            params.append(Parameter(name, paths, dist, e.source))
        return cls(
            tuple(params),
            where,
            data.description,
            tuple(data.constraint),
            dict(data.objective) or None,
        )

    # -- shape -----------------------------------------------------------------------------
    @property
    def names(self) -> list[str]:
        return [p.name for p in self.parameters]

    @property
    def varying(self) -> list[Parameter]:
        """The parameters a design samples (fixed ones are only applied)."""
        return [p for p in self.parameters if p.varies]

    @property
    def dims(self) -> int:
        """Unit-cube coordinates of a design (a dirichlet takes one per share)."""
        return sum(p.size for p in self.parameters)

    def columns(self) -> list[tuple[Parameter, slice]]:
        """Each varying parameter with its columns of a design."""
        out, j = [], 0
        for p in self.varying:
            out.append((p, slice(j, j + p.size)))
            j += p.size
        return out

    def __getitem__(self, name: str) -> Parameter:
        for p in self.parameters:
            if p.name == name:
                return p
        raise KeyError(name)

    # -- designs -----------------------------------------------------------------------------
    def point(self, u: np.ndarray) -> dict[str, Any]:
        """The point at unit-cube coordinates ``u`` (one per varying parameter)."""
        return self.points(np.asarray(u, dtype=float).reshape(1, -1))[0]

    def points(self, u: np.ndarray) -> list[dict[str, Any]]:
        """Points at the rows of ``u`` (shape ``(n, dims)``); fixed parameters included."""
        u = np.asarray(u, dtype=float)
        if u.ndim != 2 or u.shape[1] != self.dims:
            raise ValueError(f"expected an (n, {self.dims}) array of unit coordinates")
        cols: dict[str, list[Any]] = {}
        for p in self.parameters:
            cols[p.name] = [_plain(p.distribution.mean)] * len(u)
        for p, sl in self.columns():
            if p.size == 1:
                cols[p.name] = [_plain(v) for v in p.distribution.ppf(u[:, sl.start])]
            else:
                cols[p.name] = [
                    tuple(float(x) for x in row) for row in p.distribution.ppf(u[:, sl])
                ]
        return [{name: cols[name][i] for name in self.names} for i in range(len(u))]

    def sobol(self, n: int, seed: int) -> np.ndarray:
        """``n`` scrambled Sobol' points in the unit cube (``scipy.stats.qmc``), seeded."""
        from scipy.stats import qmc

        if self.dims == 0:
            return np.empty((n, 0))
        return qmc.Sobol(self.dims, scramble=True, seed=np.random.default_rng(seed)).random(n)

    # -- applying ----------------------------------------------------------------------------
    def apply(
        self,
        point: Mapping[str, Any],
        scenario: Scenario,
        strategies: Mapping[str, Strategy] | None = None,
        where: str | None = None,
    ) -> tuple[Scenario, dict[str, Strategy]]:
        """New configs with ``point``'s values set, validated like a file.

        Parameters missing from ``point`` keep the base value. A value the models refuse
        raises :class:`InputError` naming the parameter.
        """
        where = where or self.where
        strategies = dict(strategies or {})
        s_data: dict[str, Any] | None = None
        st_data: dict[str, dict[str, Any]] = {}
        for p in self.parameters:
            if p.name not in point:
                continue
            at = f"{where}: {p.name}"
            for path, value in p.assignments(point[p.name]):
                if path.target == "scenario":
                    if s_data is None:
                        s_data = scenario.model_dump(mode="json")  # fresh, tuples as lists
                    set_in_place(s_data, path, value, at)
                    continue
                targets = [n for n in strategies if path.applies_to(n)]
                if not targets:
                    raise InputError(at, _no_strategy(path, strategies))
                for n in targets:
                    if n not in st_data:
                        st_data[n] = strategies[n].model_dump(mode="json")
                    set_in_place(st_data[n], path, value, at)
        new_s = scenario if s_data is None else build(Scenario, s_data, where)
        new_st = dict(strategies)
        for n, data in st_data.items():
            new_st[n] = build(Strategy, data, f"{where} (strategy {n})")
        return new_s, new_st

    def check(
        self,
        scenario: Scenario,
        strategies: Mapping[str, Strategy] | None = None,
        *,
        jointly: bool = False,
    ) -> None:
        """Refuse paths that name nothing and distributions that reach impossible values.

        Each parameter is checked against its field's type and bounds, then set alone to each
        end of its support on the base configs and validated (which catches rules between
        fields, such as close_hour after open_hour, and list items named in the path).
        ``jointly`` sets the other parameters to their medians meanwhile: a search space may
        build what its base lacks (a cadence for a strategy without email) only as a whole.
        """
        strategies = dict(strategies or {})
        middle = self.point(np.full(self.dims, 0.5)) if jointly else {}
        for i, p in enumerate(self.parameters):
            at = f"{self.where}: parameter[{i}] ({p.name})"
            for path in p.paths:
                model = Scenario if path.target == "scenario" else Strategy
                if model is Strategy and not any(path.applies_to(n) for n in strategies):
                    raise InputError(at, _no_strategy(path, strategies))
                try:
                    spec = field_at(model, path.parts)
                except InputError as exc:
                    raise InputError(at, f"{exc.where}: {exc.problem}") from None
                _check_kind(p, spec, at)
            for value in p.distribution.extremes():
                try:
                    self.apply(middle | {p.name: _plain(value)}, scenario, strategies, at)
                except InputError as exc:
                    raise InputError(
                        at, f"{p.distribution} reaches {_plain(value)!r}: {exc.problem}"
                    ) from None


def load_space(
    path: str | Path,
    scenario: Scenario | None = None,
    strategies: Mapping[str, Strategy] | None = None,
) -> ParameterSpace:
    """Load a priors or search-space file; check it against the configs when given.

    >>> from sim.config import load_scenario
    >>> s = load_scenario("configs/scenarios/medical_practice.toml")
    >>> space = load_space("configs/uncertainty/medical_practice.toml", s, {})
    >>> space.dims > 20
    True
    """
    where = str(path)
    data = build(SpaceFile, read_toml(path), where)
    space = ParameterSpace._from_file(data, where)
    if scenario is not None:
        space.check(scenario, strategies)
    return space


def _check_kind(p: Parameter, spec: Any, at: str) -> None:
    d = p.distribution
    if spec.kind in ("table", "list"):
        raise InputError(at, f"names a whole {spec.kind}; name one value inside it")
    words = spec.kind in ("choice", "str", "bool")
    if words or d.kind == "choice":
        if not words or (d.kind != "choice" and d.varies):
            raise InputError(at, f"{d} does not fit a {spec.kind} value ({spec.bounds_text()})")
        if spec.kind == "choice":
            bad = [c for c in d.extremes() if c not in spec.choices]
            if bad:
                raise InputError(at, f"{bad[0]!r} is not allowed: {spec.bounds_text()}")
        return
    if spec.kind == "int" and d.kind != "int" and d.varies:
        raise InputError(at, f"{d} gives fractions; {spec.path} is a whole number: use integer")
    if d.size > 1:
        if spec.kind != "float" or not (spec.admits(0.0) and spec.admits(1.0)):
            raise InputError(at, f"{d} gives shares in [0, 1]; {spec.path} is not a share")
        return
    for value in d.extremes():
        if not spec.admits(float(value)):
            raise InputError(at, f"{d} reaches {value:g}; {spec.path} must be {spec.bounds_text()}")


def _no_strategy(path: KeyPath, strategies: Mapping[str, Strategy]) -> str:
    names = ", ".join(strategies) or "none"
    if path.strategy is not None:
        return f"no strategy named {path.strategy!r} in this run; strategies: {names}"
    return "a strategy: path needs a strategy in the run; there is none"


def _plain(value: Any) -> Any:
    """numpy scalars as Python numbers (TOML and pydantic want plain values)."""
    if isinstance(value, np.generic):
        return value.item()
    return value
