"""``nurture suite SUITE.toml...``: run experiment suites and check their expectations."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sim.cli.common import add_set_option, overrides_from, progress_bar
from sim.config.paths import parse_assignment
from sim.errors import InputError
from sim.experiment.runner import SuiteRun, run_suite
from sim.experiment.suite import load_suite
from sim.experiment.tables import summary_markdown, value_markdown


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "suite",
        help="run experiment suites (exit 1 if an expectation fails)",
        description="Run suites into the results store and check their expectations.",
    )
    p.add_argument(
        "suites",
        nargs="+",
        type=Path,
        metavar="SUITE.toml",
        help="suite files, e.g. experiments/*.toml",
    )
    p.add_argument(
        "--replications",
        type=int,
        metavar="R",
        help="replications instead of the suite's own; with --resume, extends a finished run",
    )
    add_run_options(p)
    add_set_option(p)
    p.add_argument(
        "--junit",
        type=Path,
        metavar="FILE",
        help="also write a JUnit XML file: one test case per expectation, failures with "
        "the measured value and interval (default: none)",
    )
    p.add_argument(
        "--json",
        action="store_true",
        help="print one JSON object across all suites instead of text (default off)",
    )
    p.set_defaults(handler=run)


def add_run_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--results",
        type=results_root,
        default=Path("results"),
        help="results root (default: results/)",
    )
    p.add_argument("--workers", type=positive_int, help="processes (default: all cores)")
    p.add_argument(
        "--executor",
        choices=("local", "dask", "serial"),
        default="local",
        help="where replications run: a local process pool, Dask, or serially in this "
        "process (default: local)",
    )
    p.add_argument(
        "--scheduler",
        help="Dask scheduler address with --executor dask, e.g. tcp://10.0.0.5:8786 "
        "(default: a local Dask cluster)",
    )
    p.add_argument(
        "--resume",
        action="store_true",
        help="reuse the replications a stopped run of the same config finished (default off)",
    )
    p.add_argument(
        "--keep-leads",
        action="store_true",
        help="also write the per-lead table, leads.parquet (default off)",
    )


def results_root(text: str) -> Path:
    """A results folder; an empty one would mean the current folder, which nobody means."""
    if not text.strip():
        raise argparse.ArgumentTypeError(f"{text!r} is not allowed: give a folder, e.g. results")
    return Path(text)


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: must be an integer >= 1") from None
    if value < 1 or value > 4096:
        raise argparse.ArgumentTypeError(f"{text}: must be between 1 and 4096")
    return value


def run(args: argparse.Namespace) -> int:
    if args.scheduler and args.executor != "dask":
        raise InputError("--scheduler", "only applies with --executor dask")
    sets = [parse_assignment(text) for text in args.sets]
    suites = [load_suite(p, sets) for p in args.suites]  # validate all before running any
    if args.replications is not None:
        suites = [s.with_replications(args.replications) for s in suites]
    overrides_from(args.sets).check_names(sorted({a.name for s in suites for a in s.arms}))
    names = [s.name for s in suites]
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise InputError("suites", f"two suites are named {dup[0]!r}; names must be unique")
    runs = [run_one(suite, args) for suite in suites]
    if args.junit is not None:
        from sim.experiment.junit import junit_xml
        from sim.files import atomic_write_text

        try:
            atomic_write_text(args.junit, junit_xml(runs))
        except OSError as exc:
            raise InputError(f"--junit {args.junit}", f"cannot write ({exc.strerror})") from None
    if args.json:
        from sim.cli.common import print_json
        from sim.experiment.junit import json_summary

        print_json(json_summary(runs))
    return 0 if all(r.held for r in runs) else 1


def run_one(suite, args: argparse.Namespace) -> SuiteRun:
    """Run one suite into the results store, its report built by the report layer."""
    from sim.report import build_report

    with progress_bar(suite.name, total=suite.config.replications, unit="rep") as bar:

        def progress(done: int, total: int) -> None:
            bar.n = done
            bar.refresh()

        outcome = run_suite(
            suite,
            args.results,
            workers=args.workers,
            executor=args.executor,
            scheduler=args.scheduler,
            resume=args.resume,
            keep_leads=args.keep_leads,
            progress=progress,
            report=build_report,
            on_wait=lambda note: print(f"nurture suite: {note}", file=sys.stderr, flush=True),
        )
    if not getattr(args, "json", False):
        print_outcome(outcome)
    return outcome


def print_outcome(outcome: SuiteRun) -> None:
    c = outcome.suite.config
    reused = f", {outcome.reused} reused" if outcome.reused else ""
    print(f"## {c.name}: {c.design} design, {c.replications} replications{reused}, seed {c.seed}")
    if c.description:
        print(c.description.strip())
    print()
    print(summary_markdown(outcome.summary))
    print()
    value = value_markdown(outcome.summary)
    if value:
        v = outcome.suite.scenario.value
        print(
            f"Value (a patient worth ${v.patient_value_usd:,.0f}; sales-ready = reached the "
            "decision stage):"
        )
        print()
        print(value)
        print()
    for o in outcome.outcomes:
        print(o.line())
    n_fail = sum(not o.held for o in outcome.outcomes)
    verdict = "all expectations held" if n_fail == 0 else f"{n_fail} expectation(s) FAILED"
    print(f"{verdict}; results in {outcome.run_dir}")
    if outcome.report is not None:
        print(f"report: {outcome.report}")
    print()
    sys.stdout.flush()
