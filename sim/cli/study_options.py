"""What every study command (uncertainty, sensitivity, ...) shares: options, inputs, report.

A study's command line is the same apart from its own method options: replications, seed,
results folder, resume, executor; its inputs are a scenario, strategies and a priors file;
its report joins the run's manifest with a hash. One place, so they cannot drift apart.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sim.cli.common import add_set_option, load_configs, progress_bar
from sim.errors import InputError


def add_study_options(p: argparse.ArgumentParser, replications: int) -> None:
    """Options every study command shares."""
    p.add_argument(
        "--replications",
        type=count_between(1, 1000),
        default=replications,
        help=f"replications per point (default {replications})",
    )
    p.add_argument(
        "--seed", type=count_between(0, 2**63 - 1), default=0, help="root seed (default 0)"
    )
    p.add_argument(
        "--results", type=Path, default=Path("results"), help="results root (default: results/)"
    )
    p.add_argument("--resume", action="store_true", help="reuse finished worlds of this run")
    p.add_argument("--workers", type=count_between(1, 4096), help="processes (default: all cores)")
    p.add_argument(
        "--executor",
        choices=("local", "dask", "serial"),
        default="local",
        help="where evaluations run: a local process pool, Dask, or serially (default: local)",
    )
    p.add_argument("--scheduler", help="Dask scheduler address, e.g. tcp://10.0.0.5:8786")
    p.add_argument("--no-report", action="store_true", help="do not write report.html")
    p.add_argument("--json", action="store_true", help="one JSON object on stdout")
    add_set_option(p)  # a --set value holds in every world: its prior is dropped


def count_between(low: int, high: int):
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r}: must be a whole number") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{text}: must be between {low} and {high}")
        return value

    return parse


def load_study_inputs(args: argparse.Namespace):
    """Scenario, strategies by name, and the priors checked against them (all or nothing)."""
    from sim.config.space import load_space

    if args.scheduler and args.executor != "dask":
        raise InputError("--scheduler", "only applies with --executor dask")
    scenario, loaded = load_configs(args.scenario, args.strategies, args.sets)
    strategies: dict[str, Any] = {}
    for path, st in zip(args.strategies, loaded, strict=True):
        if st.name in strategies:
            raise InputError(str(path), f"strategy name {st.name!r} is given twice")
        strategies[st.name] = st
    control = getattr(args, "control", None)
    if control is not None and control not in strategies:
        raise InputError("--control", f"{control!r} is not a strategy: {', '.join(strategies)}")
    if not args.priors.is_file():
        raise InputError(str(args.priors), "no such priors file")
    space = pinned(load_space(args.priors, scenario, strategies), args.sets)
    return scenario, strategies, space


def pinned(space, sets):
    """The space without the parameters ``--set`` pins: a value set on the command line
    holds in every world (its prior, or a fixed value in the priors file, would override it).
    """
    import dataclasses

    from sim.config.paths import parse_assignment

    keys = {str(parse_assignment(text)[0]) for text in sets or ()}
    if not keys:
        return space
    kept = tuple(p for p in space.parameters if not any(str(x) in keys for x in p.paths))
    if not any(p.varies for p in kept):
        raise InputError("--set", "pins every parameter that varies: nothing is left uncertain")
    return dataclasses.replace(space, parameters=kept)


def run_options(args: argparse.Namespace) -> dict[str, Any]:
    """The keyword arguments every ``run_*`` study function takes from the shared options."""
    return {
        "replications": args.replications,
        "seed": args.seed,
        "results": args.results,
        "resume": args.resume,
        "executor": args.executor,
        "workers": args.workers,
        "scheduler": args.scheduler,
    }


@contextmanager
def world_progress() -> Iterator[Callable[[int, int], None]]:
    """A ``progress(done, total)`` callback that moves a worlds bar on stderr."""
    with progress_bar("worlds", unit="world") as bar:

        def tick(done: int, total: int) -> None:
            bar.total = total
            bar.n = done
            bar.refresh()

        yield tick


def study_report(run_dir: Path) -> Path | None:
    from sim.report.uncertainty import build_study_report

    path = build_study_report(run_dir)
    add_report_hash(run_dir, path)
    return path


def add_report_hash(run_dir: Path, path: Path) -> None:
    """The report's hash joins the manifest's outputs."""
    import json

    from sim.experiment.store import sha256_file
    from sim.files import atomic_write_text

    m = json.loads((run_dir / "manifest.json").read_text())
    m.setdefault("outputs", {})[path.name] = sha256_file(path)
    atomic_write_text(run_dir / "manifest.json", json.dumps(m, indent=2) + "\n")
