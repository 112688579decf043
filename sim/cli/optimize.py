"""``nurture optimize SCENARIO BASE_STRATEGY --space FILE``: the best strategy, with a guarantee.

Stage 1 searches the space with optuna (every candidate on the same paired replications);
stage 2 picks among the best feasible candidates and the base strategy with Kim-Nelson KN
(probability ``--pcs`` of picking the best when it is ``--delta`` ahead); the winner is then
re-evaluated on fresh seeds. Writes ``winner.toml`` (ready for ``nurture run``), the finalists,
the fresh-seed comparison, the Pareto front, the search history and a report into
``results/optimize/<run-id>/``. Exit 2 on bad input, including a search that found nothing
feasible.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sim.cli.common import print_json, progress_bar
from sim.cli.suite import positive_int
from sim.config import load_scenario, load_strategy
from sim.errors import InputError
from sim.experiment.tables import markdown_table


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "optimize",
        help="find the best strategy in a search space (optuna search + KN selection)",
        description="Search a strategy space, then select the best with a PCS guarantee.",
    )
    p.add_argument("scenario", type=Path, help="scenario TOML")
    p.add_argument(
        "base", type=Path, metavar="BASE_STRATEGY", help="strategy TOML the search space changes"
    )
    p.add_argument("--space", type=Path, required=True, help="search-space TOML file")
    p.add_argument("--budget", type=int, default=200, help="candidates searched (default 200)")
    p.add_argument("--delta", type=float, help="indifference zone (default: the space's delta)")
    p.add_argument("--pcs", type=float, default=0.95, help="probability of correct selection")
    p.add_argument("--objective", help="metric to optimise instead of the space's")
    p.add_argument("--replications", type=positive_int, default=5,
                   help="replications per candidate in the search (default 5)")  # fmt: skip
    p.add_argument(
        "--finalists",
        type=positive_int,
        default=10,
        help="best candidates of the search taken to ranking and selection (default: 10)",
    )
    p.add_argument("--fresh", type=positive_int, default=30,
                   help="fresh-seed replications of the winner (default 30)")  # fmt: skip
    p.add_argument("--max-replications", type=positive_int, default=200,
                   help="cap on selection replications per system (default 200)")  # fmt: skip
    p.add_argument(
        "--batch",
        type=positive_int,
        default=8,
        help="candidates asked at a time (fixed: results do not depend on workers)",
    )
    p.add_argument("--compare", type=Path, nargs="*", default=[], metavar="STRATEGY",
                   help="strategies to compare the winner with on the fresh seeds")  # fmt: skip
    p.add_argument("--seed", type=int, default=0, help="root seed (default: 0)")
    p.add_argument("--months", type=positive_int, help="override the scenario's months")
    p.add_argument(
        "--results", type=Path, default=Path("results"), help="results root (default: results/)"
    )
    p.add_argument("--workers", type=positive_int, help="processes (default: all cores)")
    p.add_argument(
        "--executor",
        choices=("local", "dask", "serial"),
        default="local",
        help="where evaluations run: a local process pool, Dask, or serially (default: local)",
    )
    p.add_argument("--scheduler", help="Dask scheduler address")
    p.add_argument("--resume", action="store_true", help="continue the stored search")
    p.add_argument("--json", action="store_true", help="one JSON object on stdout")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from sim.study.optimize import Runner, Settings, load_search_space, optimize

    if args.scheduler and args.executor != "dask":
        raise InputError("--scheduler", "only applies with --executor dask")
    if args.budget < 1:
        raise InputError("--budget", f"{args.budget}: must be >= 1 candidate")
    overrides = {"months": args.months} if args.months else None
    scenario = load_scenario(args.scenario, overrides)
    base = load_strategy(args.base)
    compare = [load_strategy(p) for p in args.compare]
    space = load_search_space(args.space, scenario, base, objective=args.objective)
    delta = args.delta if args.delta is not None else space.delta
    if delta is None:
        raise InputError(
            f"{args.space}: objective.delta", "give the indifference zone here or with --delta"
        )
    settings = Settings(
        budget=args.budget,
        delta=delta,
        pcs=args.pcs,
        seed=args.seed,
        replications=args.replications,
        batch=args.batch,
        finalists=args.finalists,
        fresh=args.fresh,
        max_replications=args.max_replications,
    )
    settings.check()
    runner = Runner(args.executor, args.workers, args.scheduler)
    with progress_bar("search", total=args.budget, unit="trial") as bar:
        shown = ["search"]

        def progress(stage: str, done: int, total: int) -> None:
            # search: trials of the budget (with an ETA); selection: worlds run so far
            if shown[0] != stage:
                shown[0] = stage
                bar.set_description(stage)
                bar.reset(total=total)
            bar.total = max(total, done)
            bar.n = done
            bar.refresh()

        out = optimize(scenario, base, space, settings, results=args.results,
                       resume=args.resume, compare=compare, runner=runner,
                       progress=progress)  # fmt: skip
    from sim.cli.study_options import add_report_hash
    from sim.report.optimize import build_optimize_report

    report = build_optimize_report(out.run_dir)
    add_report_hash(out.run_dir, report)
    if args.json:
        print_json({**out.summary, "run_dir": str(out.run_dir), "report": str(report)})
        return 0
    print(f"## nurture optimize: {out.message}")
    print()
    cols = ["system", "source", "n", "mean", "ci_lower", "ci_upper", "eliminated_at",
            "fresh_status", "selected"]  # fmt: skip
    num = {c: "{:,.4g}" for c in ("mean", "ci_lower", "ci_upper")}
    print(markdown_table(out.finalists[cols], num))
    print()
    if len(out.comparison):
        obj = out.summary["objective"]
        keep = out.comparison[out.comparison["metric"].isin([obj, "patients"])]
        print(markdown_table(keep, {c: "{:,.4g}" for c in ("difference", "ci_lower", "ci_upper")}))
        print()
    print(f"winner: {out.run_dir / 'winner.toml'}")
    print(f"report: {report}")
    print(f"results in {out.run_dir}")
    sys.stdout.flush()
    return 0
