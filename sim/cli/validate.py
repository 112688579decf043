"""``nurture validate FILE...``: check config files and print the values they resolve to.

The kind of each file is read from its keys: a scenario has ``sources`` or ``journey``, a
priors or search-space file ``[[parameter]]`` tables, a suite ``arms`` or a ``sweep`` with a
``scenario``; anything else is a strategy. Every value is printed as the simulation will use
it, defaults included, so a typo that happens to be valid TOML shows up as an unexpected value.
The first bad file stops with one line naming the file, the key and what is allowed (exit 2).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

KINDS = ("scenario", "strategy", "suite", "space")


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "validate",
        help="check scenario, strategy, suite, priors or space files; print resolved values",
        description="Check config files (the kind is detected from the keys) and print every "
        "value each resolves to, defaults included. Exit 2 with one line on the first bad file.",
    )
    p.add_argument("files", nargs="+", type=Path, metavar="FILE", help="TOML files to check")
    p.add_argument(
        "--scenario",
        type=Path,
        default=Path("configs/scenarios/medical_practice.toml"),
        help="scenario that priors and space files are checked against "
        "(default: configs/scenarios/medical_practice.toml)",
    )
    p.add_argument(
        "--quiet", action="store_true", help="print one line per file, not its values (default off)"
    )
    p.set_defaults(handler=run)


def kind_of(data: dict[str, Any]) -> str:
    """The kind of config a parsed TOML file is.

    >>> kind_of({"sources": []}), kind_of({"parameter": []}), kind_of({"email": {}})
    ('scenario', 'space', 'strategy')
    >>> kind_of({"scenario": "s.toml", "arms": []})
    'suite'
    """
    if "sources" in data or "journey" in data:
        return "scenario"
    if "parameter" in data:
        return "space"
    if isinstance(data.get("scenario"), str) and ("arms" in data or "sweep" in data):
        return "suite"
    return "strategy"


def resolve(path: Path, scenario_path: Path) -> tuple[str, dict[str, Any]]:
    """Load ``path`` as its kind; return the kind and its resolved values."""
    from sim.config import load_scenario, load_strategy, read_toml

    data = read_toml(path)
    kind = kind_of(data)
    if kind == "scenario":
        return kind, load_scenario(path).model_dump(mode="json")
    if kind == "strategy":
        return kind, load_strategy(path).model_dump(mode="json")
    if kind == "suite":
        from sim.experiment.suite import load_suite

        suite = load_suite(path)
        return kind, {
            **suite.config.model_dump(mode="json"),
            "arms_resolved": {a.name: a.strategy.model_dump(mode="json") for a in suite.arms},
        }
    from sim.config import build
    from sim.config.space import SpaceFile, load_space

    space = load_space(path, load_scenario(scenario_path), {})  # checked against the models
    return kind, {**build(SpaceFile, data, str(path)).model_dump(mode="json"), "dims": space.dims}


def flatten(value: Any, prefix: str = "") -> list[tuple[str, Any]]:
    """``key.path = value`` pairs of nested dicts (lists of tables by position).

    >>> flatten({"a": {"b": 1}, "c": [{"d": 2}]})
    [('a.b', 1), ('c[0].d', 2)]
    """
    if isinstance(value, dict):
        out = []
        for k, v in value.items():
            out += flatten(v, f"{prefix}.{k}" if prefix else str(k))
        return out
    if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        out = []
        for i, v in enumerate(value):
            out += flatten(v, f"{prefix}[{i}]")
        return out
    return [(prefix, value)]


def _toml(value: Any) -> str:
    import json

    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "(not set)"
    return json.dumps(value)


def run(args: argparse.Namespace) -> int:
    for path in args.files:
        kind, values = resolve(path, args.scenario)
        print(f"{path}: {kind} OK")
        if not args.quiet:
            for key, value in flatten(values):
                print(f"  {key} = {_toml(value)}")
    return 0
