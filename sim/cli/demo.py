"""``nurture demo``: the seed article's claim, tested — runs experiments/seed_claims.toml."""

from __future__ import annotations

import argparse
from pathlib import Path

from sim.cli.suite import add_run_options, run_one
from sim.errors import InputError
from sim.experiment.suite import load_suite

DEMO_SUITE = Path("experiments") / "seed_claims.toml"


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "demo",
        help="run the seed-claims suite and print where the report is",
        description=f"Runs {DEMO_SUITE} (from the project folder).",
    )
    add_run_options(p)
    p.set_defaults(handler=run, scheduler=None)


def run(args: argparse.Namespace) -> int:
    if not DEMO_SUITE.is_file():
        raise InputError(str(DEMO_SUITE), "not found: run `nurture demo` from the project folder")
    outcome = run_one(load_suite(DEMO_SUITE), args)
    return 0 if outcome.held else 1
