"""``nurture uncertainty SCENARIO STRATEGY... --control NAME --priors FILE``: a PSA."""

from __future__ import annotations

import argparse
import math
from pathlib import Path
from typing import Any

from sim.cli.common import add_set_option, load_configs, print_json, progress_bar
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
    p.add_argument("--draws", type=_count(2, 65536), default=64, help="worlds drawn (default 64)")
    add_study_options(p, replications=1)
    p.set_defaults(handler=run)


def add_study_options(p: argparse.ArgumentParser, replications: int) -> None:
    """Options every study command shares."""
    p.add_argument(
        "--replications",
        type=_count(1, 1000),
        default=replications,
        help=f"replications per point (default {replications})",
    )
    p.add_argument("--seed", type=_count(0, 2**63 - 1), default=0, help="root seed (default 0)")
    p.add_argument(
        "--results", type=Path, default=Path("results"), help="results root (default: results/)"
    )
    p.add_argument("--resume", action="store_true", help="reuse finished worlds of this run")
    p.add_argument("--workers", type=_count(1, 4096), help="processes (default: all cores)")
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


def _count(low: int, high: int):
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


def run(args: argparse.Namespace) -> int:
    from sim.study.uncertainty import run_uncertainty

    scenario, strategies, space = load_study_inputs(args)
    if len(strategies) < 2:
        raise InputError("STRATEGY", "give at least two strategies (the control and another)")
    with progress_bar("worlds", unit="world") as bar:

        def tick(done: int, total: int) -> None:
            bar.total = total
            bar.n = done
            bar.refresh()

        res = run_uncertainty(
            scenario,
            strategies,
            args.control,
            space,
            draws=args.draws,
            replications=args.replications,
            seed=args.seed,
            results=args.results,
            resume=args.resume,
            executor=args.executor,
            workers=args.workers,
            scheduler=args.scheduler,
            progress=tick,
        )
    report = None
    if not args.no_report and res.run_dir is not None:
        report = _report(res.run_dir)
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


def _report(run_dir: Path) -> Path | None:
    from sim.report.uncertainty import build_study_report

    path = build_study_report(run_dir)
    _add_hash(run_dir, path)
    return path


def _add_hash(run_dir: Path, path: Path) -> None:
    """The report's hash joins the manifest's outputs."""
    import json

    from sim.experiment.atomic import atomic_write_text
    from sim.experiment.store import sha256_file

    m = json.loads((run_dir / "manifest.json").read_text())
    m.setdefault("outputs", {})[path.name] = sha256_file(path)
    atomic_write_text(run_dir / "manifest.json", json.dumps(m, indent=2) + "\n")


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
