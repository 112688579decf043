"""``nurture compare SCENARIO STRATEGY...``: arms side by side, each versus the control."""

from __future__ import annotations

import argparse
from pathlib import Path

from sim.cli.common import print_json, progress_bar, to_jsonable
from sim.cli.suite import positive_int
from sim.config import load_scenario, load_strategy
from sim.errors import InputError
from sim.experiment.experiment import Experiment
from sim.experiment.tables import summary_markdown


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "compare",
        help="compare strategies in a scenario",
        description="Compare strategies (named after their files) against a control.",
    )
    p.add_argument("scenario", type=Path)
    p.add_argument("strategies", nargs="+", type=Path, metavar="STRATEGY")
    p.add_argument("--control", help="control arm (default: the first strategy)")
    p.add_argument("--design", choices=("paired", "split"), default="paired")
    p.add_argument("--replications", type=positive_int, default=10)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--months", type=positive_int, help="override the scenario's months")
    p.add_argument("--workers", type=positive_int)
    p.add_argument("--executor", choices=("local", "dask", "serial"), default="local")
    p.add_argument("--scheduler")
    p.add_argument("--alpha", type=float, default=0.05)
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    if not 0.0 < args.alpha < 1.0:
        raise InputError("--alpha", f"{args.alpha} is not allowed: must be in (0, 1)")
    if args.seed < 0:
        raise InputError("--seed", f"{args.seed} is not allowed: must be >= 0")
    scenario = load_scenario(args.scenario, {"months": args.months} if args.months else None)
    arms = {}
    for path in args.strategies:
        strategy = load_strategy(path)
        if strategy.name in arms:
            raise InputError(
                str(path),
                f"arm name {strategy.name!r} is given twice; each strategy must have its own name",
            )
        arms[strategy.name] = strategy
    control = args.control or next(iter(arms))
    if control not in arms:
        raise InputError("--control", f"{control!r} is not an arm; arms: {', '.join(arms)}")
    exp = Experiment(
        scenario,
        arms,
        control=control,
        design=args.design,
        replications=args.replications,
        seed=args.seed,
        alpha=args.alpha,
    )
    with progress_bar("compare", total=args.replications, unit="rep") as bar:
        done = 0

        def tick(_r: int, _res: dict) -> None:
            nonlocal done
            done += 1
            bar.n = done
            bar.refresh()

        result = exp.run(
            args.workers, executor=args.executor, scheduler=args.scheduler, on_result=tick
        )
    summary = result.summary()
    if args.json:
        print_json(
            {
                "design": args.design,
                "replications": args.replications,
                "seed": args.seed,
                "control": control,
                "comparisons": to_jsonable(summary.to_dict(orient="records")),
            }
        )
    else:
        print(
            f"{args.design} design, {args.replications} replications, seed {args.seed}, "
            f"control {control}\n"
        )
        print(summary_markdown(summary))
    return 0
