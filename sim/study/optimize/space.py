"""A search space: the strategy values that vary, the limits on outcomes, and the objective.

A search-space file is a parameter-space file (:mod:`sim.config.space`) whose parameters are
*choices*: ``strategy:`` key paths into the base strategy with a range (``uniform``,
``loguniform``, ``integer``), choices (``categorical``) or a ``fixed`` value; plus an
``[objective]`` table (``metric``, ``direction``, ``delta``: the indifference zone of the final
selection, in the metric's units) and ``[[constraint]]`` tables (``metric`` and ``max`` or
``min``, with an optional ``source``). Metrics are those of :mod:`.metrics`.

Everything is checked before a world runs: unknown or misspelt paths, a scenario path (the
practice's world is not a choice), a prior where a range belongs, empty ranges, values the
strategy model refuses, unknown metrics, and limits no strategy could meet (a rate below 0).

Example:
    >>> from sim.config import load_scenario, load_strategy
    >>> sc = load_scenario("configs/scenarios/medical_practice.toml")
    >>> base = load_strategy("configs/strategies/no_nurture.toml")
    >>> sp = load_search_space("configs/spaces/cadence_and_calls.toml", sc, base)
    >>> sp.objective.metric, sp.delta, [c.label for c in sp.constraints][0]
    ('net_benefit_usd', 10000.0, 'complaint_rate <= 0.001')
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sim.config import Scenario, Strategy
from sim.config.loading import build, read_toml
from sim.config.space import ParameterSpace, SpaceFile
from sim.errors import InputError
from sim.study.methods.objectives import Constraint, Objective
from sim.study.optimize.metrics import METRICS, NON_NEGATIVE, SHARES

#: Distributions that describe a choice (priors such as beta describe beliefs, not ranges).
CHOICES = ("uniform", "loguniform", "integer", "categorical", "fixed")


@dataclass(frozen=True)
class SearchSpace:
    """What the optimiser may change, what it maximises and the limits it must respect."""

    space: ParameterSpace
    objective: Objective
    constraints: tuple[Constraint, ...]
    delta: float | None = None
    where: str = "search space"
    sources: tuple[str, ...] = ()

    @property
    def varying(self) -> list[str]:
        """Names of the parameters the search varies."""
        return [p.name for p in self.space.varying]

    def candidate(self, point: Mapping[str, Any], base: Strategy, name: str) -> Strategy:
        """The base strategy with ``point``'s values set, named ``name`` (validated)."""
        _, out = self.space.apply(point, _NO_SCENARIO, {base.name: base}, where=self.where)
        return out[base.name].model_copy(update={"name": name})


class _NoScenario:
    """apply() builds a scenario only for scenario: paths, which a search space refuses."""


_NO_SCENARIO: Any = _NoScenario()


def load_search_space(
    path: str | Path, scenario: Scenario, base: Strategy, *, objective: str | None = None
) -> SearchSpace:
    """Load and check a search-space file against the scenario and the base strategy.

    ``objective`` (a metric name) replaces the file's objective metric.
    """
    where = str(path)
    data = build(SpaceFile, read_toml(path), where)
    for i, e in enumerate(data.parameter):
        at = f"{where}: parameter[{i}] ({e.label})"
        if e.distribution not in CHOICES:
            raise InputError(
                at, f"{e.distribution} is a prior; a search space takes {', '.join(CHOICES)}"
            )
        if not str(e.path).startswith("strategy"):
            raise InputError(
                at, "a search varies the strategy: write strategy:KEY (scenario values are "
                "the practice's world, for nurture uncertainty)",
            )  # fmt: skip
    space = ParameterSpace._from_file(data, where)
    if not space.varying:
        raise InputError(f"{where}: parameter", "nothing varies: give at least one range")
    space.check(scenario, {base.name: base}, jointly=True)
    obj, delta = _objective(data.objective, where, objective)
    constraints = []
    sources = []
    for i, entry in enumerate(data.constraint):
        at = f"{where}: constraint[{i}]"
        entry = dict(entry)
        sources.append(str(entry.pop("source", "")))
        c = Constraint.from_entry(entry, at)
        _check_metric(c.metric, f"{at}: metric")
        _check_reachable(c, at)
        constraints.append(c)
    return SearchSpace(space, obj, tuple(constraints), delta, where, tuple(sources))


def _objective(
    table: Mapping[str, Any], where: str, override: str | None
) -> tuple[Objective, float | None]:
    entry = dict(table)
    delta = entry.pop("delta", None)
    if override is not None:
        entry["metric"] = override
    if "metric" not in entry:
        raise InputError(
            f"{where}: objective", "give [objective] metric = ... (e.g. net_benefit_usd)"
        )
    obj = Objective.from_entry(entry, f"{where}: objective")
    _check_metric(obj.metric, f"{where}: objective.metric")
    if delta is not None:
        if isinstance(delta, bool) or not isinstance(delta, int | float) or not delta > 0:
            raise InputError(
                f"{where}: objective.delta", f"{delta!r}: the indifference zone must be > 0"
            )
        delta = float(delta)
    return obj, delta


def _check_metric(name: str, where: str) -> None:
    if name not in METRICS:
        import difflib

        hint = difflib.get_close_matches(name, list(METRICS), n=1)
        did = f" (did you mean {hint[0]!r}?)" if hint else ""
        raise InputError(where, f"unknown metric {name!r}{did}; use one of {', '.join(METRICS)}")


def _check_reachable(c: Constraint, where: str) -> None:
    """Limits no strategy can meet: a non-negative metric below 0, a share above 1."""
    if c.op == "<=" and c.metric in NON_NEGATIVE and c.bound < 0:
        raise InputError(where, f"{c.label} can never hold: {c.metric} is never negative")
    if c.op == ">=" and c.metric in SHARES and c.bound > 1:
        raise InputError(where, f"{c.label} can never hold: {c.metric} is a share (<= 1)")
