"""``nurture report RUN_DIR``: rebuild a run's report.html and print its path."""

from __future__ import annotations

import argparse
from pathlib import Path

from sim.report.html import build_report


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "report", help="rebuild a run's HTML report",
        description="Rebuild report.html in a run folder (results/<suite>/<run-id>/) from its "
                    "summary, replications, curves, expectations and manifest; print its path.",
    )  # fmt: skip
    p.add_argument("run_dir", metavar="RUN_DIR", type=Path,
                   help="a run folder, e.g. results/seed_claims/<run-id>")  # fmt: skip
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    print(build_report(args.run_dir))
    return 0
