"""Helpers shared by the sub-commands: JSON output, progress bars, ``--set``, paths."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tqdm import tqdm

from sim.errors import InputError
from sim.experiment.jsonable import to_jsonable

__all__ = [
    "Overrides",
    "add_set_option",
    "fraction_updater",
    "load_configs",
    "overrides_from",
    "print_json",
    "progress_bar",
    "to_jsonable",
]

SET_HELP = (
    "change one value of the configs for this run, as KEY=VALUE (repeatable): "
    "--set months=6, --set cost_per_lead_usd=35 (every source), "
    "--set sources.web_form.cost_per_lead_usd=35 (list items by name or position); "
    "strategy:KEY changes every strategy, strategy[NAME]:KEY one of them "
    "(--set strategy:email.max_emails=10). Keys as in docs/config-reference.md; "
    "values are TOML (numbers, true/false, [lists], or a bare word)"
)


def add_set_option(p: argparse.ArgumentParser) -> None:
    """Add ``--set KEY=VALUE`` (repeatable) to a command that reads configs."""
    p.add_argument(
        "--set",
        dest="sets",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help=SET_HELP + " (default: none)",
    )


@dataclass(frozen=True)
class Overrides:
    """``--set`` assignments sorted by the config they change.

    ``scenario`` maps dotted keys to values; ``strategies`` holds ``(KeyPath, value)`` pairs
    whose path says which strategies (every one, or one by name) they change.
    """

    scenario: dict[str, Any] = field(default_factory=dict)
    strategies: tuple = ()

    def for_strategy(self, *names: str) -> dict[str, Any]:
        """The dotted-key overrides for the strategy (or arm) known by any of ``names``."""
        return {p.dotted: v for p, v in self.strategies if any(p.applies_to(n) for n in names)}

    def check_names(self, names: Sequence[str]) -> None:
        """Every ``strategy[NAME]:`` must name one of ``names`` (else one line, exit 2)."""
        shown = ", ".join(dict.fromkeys(names))
        for p, _v in self.strategies:
            if p.strategy is not None and p.strategy not in names:
                raise InputError(
                    f"--set {p}", f"no strategy is named {p.strategy!r}; names: {shown}"
                )


def overrides_from(sets: Sequence[str] | None) -> Overrides:
    """Parse ``--set`` texts; a malformed one is an :class:`InputError`.

    >>> o = overrides_from(["months=6", "strategy[a]:email.max_emails=3"])
    >>> o.scenario, o.for_strategy("a"), o.for_strategy("b")
    ({'months': 6}, {'email.max_emails': 3}, {})
    """
    from sim.config.paths import parse_assignment

    scenario: dict[str, Any] = {}
    strategies = []
    for text in sets or ():
        path, value = parse_assignment(text)
        if path.target == "scenario":
            scenario[path.dotted] = value
        else:
            strategies.append((path, value))
    return Overrides(scenario, tuple(strategies))


def load_configs(
    scenario_path: str | Path,
    strategy_paths: Sequence[str | Path],
    sets: Sequence[str] | None = None,
    scenario_overrides: dict[str, Any] | None = None,
):
    """Load a scenario and strategies with ``--set`` applied: ``(Scenario, [Strategy])``.

    ``scenario_overrides`` (e.g. ``--months``) are applied first, then ``--set``. A
    ``strategy[NAME]:`` key names a strategy by its name or its file's stem.
    """
    from sim.config import load_scenario, load_strategy

    o = overrides_from(sets)
    scenario = load_scenario(scenario_path, {**(scenario_overrides or {}), **o.scenario} or None)
    plain = [load_strategy(p) for p in strategy_paths]
    o.check_names([s.name for s in plain] + [Path(p).stem for p in strategy_paths])
    strategies = []
    for path, s in zip(strategy_paths, plain, strict=True):
        changes = o.for_strategy(s.name, Path(path).stem)
        strategies.append(load_strategy(path, changes) if changes else s)
    return scenario, strategies


def print_json(obj: Any) -> None:
    print(json.dumps(to_jsonable(obj), indent=2, sort_keys=False, allow_nan=False))


@contextmanager
def progress_bar(desc: str, total: float = 1.0, unit: str = "") -> Iterator[tqdm]:
    """A tqdm bar on stderr, silent when stderr is not a terminal (CI, pipes)."""
    bar = tqdm(
        total=total,
        desc=desc,
        unit=unit,
        disable=not sys.stderr.isatty(),
        leave=False,
        bar_format="{l_bar}{bar}| {elapsed}<{remaining}",
    )
    try:
        yield bar
    finally:
        bar.close()


def fraction_updater(bar: tqdm):
    """A callback taking a fraction done in [0, 1] and moving ``bar`` (total 1)."""

    def update(fraction: float) -> None:
        bar.n = round(fraction, 4)
        bar.refresh()

    return update
