"""``nurture uncertainty SCENARIO STRATEGY... --control NAME --priors FILE``: a PSA."""

from __future__ import annotations

import argparse
import math
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

HELP = "probabilistic sensitivity analysis: P(best), CEAC, EVPI, EVPPI over the priors"


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "uncertainty",
        help=HELP,
        description="Draw worlds from the priors (Sobol'), replay every strategy on the same "
        "leads in each, and report P(best), lift and net-benefit distributions, the "
        "acceptability curve, break-even patient value, EVPI and per-parameter EVPPI.",
    )
    p.add_argument("scenario", type=Path, help="scenario TOML")
    p.add_argument("strategies", nargs="+", type=Path, metavar="STRATEGY", help="strategy TOMLs")
    p.add_argument("--control", required=True, help="the strategy others are compared with")
    p.add_argument("--priors", required=True, type=Path, help="priors file (configs/uncertainty)")
    p.add_argument(
        "--draws", type=count_between(2, 65536), default=64, help="worlds drawn (default 64)"
    )
    add_study_options(p, replications=1)
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from sim.study.uncertainty import run_uncertainty

    scenario, strategies, space = load_study_inputs(args)
    if len(strategies) < 2:
        raise InputError("STRATEGY", "give at least two strategies (the control and another)")
    with world_progress() as tick:
        res = run_uncertainty(
            scenario,
            strategies,
            args.control,
            space,
            draws=args.draws,
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
                "headline": res.headline(),
                "prob_best": res.prob_best.to_dict(orient="records"),
                "distributions": res.distributions.to_dict(orient="records"),
                "break_even": res.break_even.to_dict(orient="records"),
                "evpi": res.evpi.to_dict(orient="records"),
                "evppi": res.evppi.to_dict(orient="records"),
                "noise": res.noise.to_dict(orient="records"),
            }
        )
    else:
        print(_text(res, args, report))
    return 0


def _fmt_usd(x: float) -> str:
    return "unbounded" if not math.isfinite(x) else f"${x:,.0f}"


def _text(res, args, report) -> str:
    from sim.experiment.tables import markdown_table

    h = res.headline()
    s, c = h["strategy"], h["control"]
    pb = res.prob_best[res.prob_best["by"] == "net_benefit"]
    lines = [
        f"PSA: {res.meta['draws']} draws from {args.priors}, {res.meta['replications']} "
        f"replication(s) each, seed {res.meta['seed']}",
        "",
        f"P({s} beats {c} on net benefit) = {h['p_beats_control']:.1%} "
        f"(MC SE {h['p_beats_control_se']:.1%})",
        f"mean net benefit of {s} over {c}: ${h['inc_net_benefit_mean']:,.0f} per run "
        f"(MC SE ${h['inc_net_benefit_se']:,.0f})",
        f"break-even patient value: {_fmt_usd(h['break_even_value_usd'])} "
        f"(decision interval {_fmt_usd(h['break_even_lower'])} to "
        f"{_fmt_usd(h['break_even_upper'])})",
        f"EVPI: ${h['evpi']:,.0f} per run (MC SE ${h['evpi_se']:,.0f})",
        "",
        markdown_table(
            pb[["strategy", "p_best", "p_best_se", "mean", "mean_se"]].rename(
                columns={"mean": "mean net benefit", "mean_se": "MC SE"}
            ),
            {
                "p_best": "{:.1%}",
                "p_best_se": "{:.1%}",
                "mean net benefit": "${:,.0f}",
                "MC SE": "${:,.0f}",
            },
        ),
        "",
        "Distributions over the priors (2.5% - 97.5% of draws):",
        "",
        markdown_table(
            res.distributions[res.distributions.strategy != c][
                ["strategy", "metric", "mean", "mean_se", "lower", "median", "upper", "p_positive"]
            ],
            {k: "{:,.4g}" for k in ("mean", "mean_se", "lower", "median", "upper")}
            | {"p_positive": "{:.1%}"},
        ),
        "",
        "EVPPI, the five most valuable parameters to learn:",
        "",
        markdown_table(
            res.evppi.head(5)[["parameter", "evppi", "evppi_se", "share"]],
            {"evppi": "${:,.0f}", "evppi_se": "${:,.0f}", "share": "{:.0%}"},
        ),
        "",
        f"results in {res.run_dir}",
    ]
    if report is not None:
        lines.append(f"report: {report}")
    return "\n".join(lines)
