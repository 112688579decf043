"""``nurture sensitivity SCENARIO STRATEGY... --priors FILE --method morris|sobol``."""

from __future__ import annotations

import argparse
from pathlib import Path

from sim.cli.common import print_json
from sim.cli.study_options import (
    add_study_options,
    count_between,
    load_study_inputs,
    run_options,
    study_report,
    world_progress,
)
from sim.errors import InputError

HELP = "global sensitivity (Morris, Sobol') of lift, patients per $1,000 and net benefit"


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "sensitivity",
        help=HELP,
        description="Which assumptions drive a strategy's lift, patients per $1,000 and net "
        "benefit over the control: Morris screening (mu*, sigma) or Sobol' first- and "
        "total-order indices (SALib), with bootstrap intervals and the replication noise "
        "measured.",
    )
    p.add_argument("scenario", type=Path, help="scenario TOML")
    p.add_argument("strategies", nargs="+", type=Path, metavar="STRATEGY", help="strategy TOMLs")
    p.add_argument("--priors", required=True, type=Path, help="priors file (configs/uncertainty)")
    p.add_argument(
        "--method",
        choices=("morris", "sobol"),
        required=True,
        help="morris: elementary effects, a cheap screen; sobol: variance shares (first-order "
        "and total indices), more worlds",
    )
    p.add_argument(
        "--n",
        type=count_between(2, 65536),
        help="Morris: trajectories (default 10); Sobol': base samples, a power of 2 (default 64)",
    )
    p.add_argument("--control", help="the comparison strategy (default: the first given)")
    p.add_argument("--strategy", help="the strategy studied (default: the second given)")
    add_study_options(p, replications=2)
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from sim.study.sensitivity import run_sensitivity

    scenario, strategies, space = load_study_inputs(args)
    names = list(strategies)
    if len(names) < 2:
        raise InputError("STRATEGY", "give at least two strategies (the control and another)")
    control = args.control or names[0]
    if args.strategy is not None and args.strategy not in names:
        raise InputError("--strategy", f"{args.strategy!r} is not a strategy: {', '.join(names)}")
    if args.method == "sobol" and args.n is not None and args.n & (args.n - 1):
        raise InputError("--n", f"{args.n}: Sobol' base samples must be a power of 2")
    with world_progress() as tick:
        res = run_sensitivity(
            scenario,
            strategies,
            control,
            space,
            method=args.method,
            n=args.n,
            strategy=args.strategy,
            progress=tick,
            **run_options(args),
        )
    report = None
    if not args.no_report and res.run_dir is not None:
        report = study_report(res.run_dir)
    if args.json:
        print_json(
            {
                "run_dir": str(res.run_dir),
                "report": str(report) if report else None,
                "method": res.method,
                "strategy": res.strategy,
                "control": res.control,
                "indices": res.indices.to_dict(orient="records"),
            }
        )
    else:
        print(_text(res, report))
    return 0


def _text(res, report) -> str:
    from sim.experiment.tables import markdown_table

    lines = [
        f"{res.method} sensitivity of {res.strategy} vs {res.control}: {res.meta['points']} "
        f"points x {res.meta['replications']} replication(s), seed {res.meta['seed']}",
    ]
    key = "mu_star" if res.method == "morris" else "st"
    for o in dict.fromkeys(res.indices.output):
        t = res.indices[res.indices.output == o].sort_values(key, ascending=False).head(8)
        if res.method == "morris":
            cols = [
                "parameter",
                "mu_star",
                "mu_star_ci_lower",
                "mu_star_ci_upper",
                "sigma",
                "noise_mu_star",
                "above_noise",
            ]
        else:
            cols = [
                "parameter",
                "s1",
                "s1_ci_lower",
                "s1_ci_upper",
                "st",
                "st_ci_lower",
                "st_ci_upper",
                "noise_share",
            ]
        fmt = {c: "{:.3g}" for c in cols if c not in ("parameter", "above_noise")}
        lines += ["", f"{o}:", "", markdown_table(t[cols], fmt)]
    lines += ["", f"results in {res.run_dir}"]
    if report is not None:
        lines.append(f"report: {report}")
    return "\n".join(lines)
