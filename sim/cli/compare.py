"""``nurture compare SCENARIO STRATEGY...``: arms side by side, each versus the control.

With ``--design split --looks monthly`` it also shows what a practice monitoring its own test
would have seen at the end of each month of arrivals (leads arrived and conversions happened
by then) and what the stopping rule (``--monitor``) says at each look.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from sim.cli.common import add_set_option, load_configs, print_json, progress_bar, to_jsonable
from sim.cli.compare_looks import (
    add_look_options,
    check_look_options,
    looks_text,
    monitor,
)
from sim.cli.suite import positive_int
from sim.errors import InputError
from sim.experiment.by_source import by_source_markdown, lift_by_source
from sim.experiment.experiment import Experiment
from sim.experiment.tables import summary_markdown, versus_control_markdown
from sim.experiment.verdict import verdicts


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "compare",
        help="compare strategies in a scenario: a verdict per arm against a control",
        description="Compare strategies against a control and say, for each, how many more "
        "patients (in percentage points and per cent), what each patient costs more or less, "
        "and whether unsubscribes or spam complaints rose — each with its interval. Arms are "
        "named by the strategy's name (which defaults to the file's stem).",
    )
    p.add_argument(
        "scenario", type=Path, help="scenario TOML, e.g. configs/scenarios/medical_practice.toml"
    )
    p.add_argument(
        "strategies",
        nargs="+",
        type=Path,
        metavar="STRATEGY",
        help="strategy TOML files, one arm each (e.g. configs/strategies/*.toml)",
    )
    p.add_argument(
        "--control",
        help="the arm every other arm is compared with, by its name or its file's stem "
        "(default: the first strategy)",
    )
    p.add_argument(
        "--design",
        choices=("paired", "split"),
        default="paired",
        help="paired: every arm replays the same leads (common random numbers, tight "
        "intervals); split: one world whose leads are randomised between arms, as a "
        "practice's own A/B test (default: paired)",
    )
    p.add_argument(
        "--replications",
        type=positive_int,
        default=10,
        help="independent replications (worlds) per arm (default: 10)",
    )
    p.add_argument("--seed", type=int, default=0, help="root seed (default: 0)")
    p.add_argument(
        "--months",
        type=positive_int,
        help="months of lead arrivals, overriding the scenario's (default: the scenario's)",
    )
    _add_execution_options(p)
    p.add_argument(
        "--alpha",
        type=float,
        default=0.05,
        help="1 - confidence level of every interval and the test level (default: 0.05)",
    )
    p.add_argument(
        "--adjust",
        choices=("holm", "bh", "bonferroni", "none"),
        default="holm",
        help="multiplicity adjustment of the p-values over the arms (and sources with --by): "
        "Holm (family-wise error), Benjamini-Hochberg (false discovery rate), Bonferroni, "
        "or none (default: holm)",
    )
    p.add_argument(
        "--by",
        choices=("source",),
        help="also show the lift per lead source, p-values adjusted over every source and "
        "arm together (default: overall only)",
    )
    p.add_argument(
        "--json", action="store_true", help="print one JSON object instead of text (default off)"
    )
    add_set_option(p)
    add_look_options(p)
    p.set_defaults(handler=run)


def _add_execution_options(p: argparse.ArgumentParser) -> None:
    """Where the replications run."""
    p.add_argument("--workers", type=positive_int, help="worker processes (default: all cores)")
    p.add_argument(
        "--executor",
        choices=("local", "dask", "serial"),
        default="local",
        help="local process pool, Dask, or serial in this process (default: local)",
    )
    p.add_argument(
        "--scheduler",
        help="Dask scheduler address with --executor dask (default: a local Dask cluster)",
    )


def run(args: argparse.Namespace) -> int:
    if not 0.0 < args.alpha < 1.0:
        raise InputError("--alpha", f"{args.alpha} is not allowed: must be in (0, 1)")
    if args.seed < 0:
        raise InputError("--seed", f"{args.seed} is not allowed: must be >= 0")
    check_look_options(args)
    scenario, strategies = load_configs(
        args.scenario, args.strategies, args.sets, {"months": args.months} if args.months else None
    )
    arms = _arms(args.strategies, strategies)
    control = _control(args.control, args.strategies, list(arms))
    exp = Experiment(
        scenario,
        arms,
        control=control,
        design=args.design,
        replications=args.replications,
        seed=args.seed,
        alpha=args.alpha,
        adjust=args.adjust,
        keep_leads=bool(args.looks or args.by),
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
    lines = verdicts(summary, args.alpha, args.adjust)
    by_source = None
    if args.by == "source":
        by_source = lift_by_source(
            result.leads, list(arms), control, alpha=args.alpha, adjust=args.adjust
        )
    looks = shares = None
    if args.looks:
        looks, shares = monitor(result.leads, list(arms), control, scenario.months, args)
    if args.json:
        out = {
            "design": args.design,
            "replications": args.replications,
            "seed": args.seed,
            "control": control,
            "alpha": args.alpha,
            "adjust": args.adjust,
            "verdicts": lines,
            "comparisons": to_jsonable(summary.to_dict(orient="records")),
        }
        if by_source is not None:
            out["by_source"] = to_jsonable(by_source.to_dict(orient="records"))
        if looks is not None:
            out["monitor"] = args.monitor or "obf"
            out["information"] = args.information or "statistical"
            out["looks"] = to_jsonable(looks.to_dict(orient="records"))
            if shares is not None:
                out["stopping"] = to_jsonable(shares.to_dict(orient="records"))
        print_json(out)
    else:
        _print_text(args, control, lines, summary, by_source, scenario, looks, shares)
    return 0


def _arms(paths: list[Path], strategies: list) -> dict:
    """The arms by strategy name; a name given twice is bad input."""
    arms = {}
    for path, strategy in zip(paths, strategies, strict=True):
        if strategy.name in arms:
            raise InputError(
                str(path),
                f"arm name {strategy.name!r} is given twice; each strategy must have its own name",
            )
        arms[strategy.name] = strategy
    return arms


def _print_text(args, control, lines, summary, by_source, scenario, looks, shares) -> None:
    """The verdicts, the tables and (with --looks) the monthly looks, as text."""
    level = f"{1 - args.alpha:.0%}"
    print(
        f"{args.design} design, {args.replications} replications, seed {args.seed}, "
        f"control {control}; {level} intervals; p-values adjusted by {args.adjust}\n"
    )
    for line in lines:
        print(line)
    print()
    print(summary_markdown(summary, adjust=args.adjust))
    if len(summary) > 1:
        print(
            f"\nAgainst {control}, paired within replications: cost per patient (fully "
            "loaded) and the guardrails (share of leads who unsubscribed or complained):\n"
        )
        print(versus_control_markdown(summary))
    if by_source is not None:
        print(f"\nBy lead source (p-values adjusted by {args.adjust} over all rows):\n")
        print(by_source_markdown(by_source))
    _print_value(summary, scenario)
    if looks is not None:
        print()
        print(looks_text(looks, shares, args))


def _print_value(summary, scenario) -> None:
    """Sales-ready leads and the value of the patients, under the main table."""
    from sim.experiment.tables import value_markdown

    text = value_markdown(summary)
    if text:
        v = scenario.value
        print(
            f"\nValue (a patient worth ${v.patient_value_usd:,.0f}; net benefit per run of "
            f"{scenario.months} months; sales-ready = reached the decision stage):\n"
        )
        print(text)


def _control(given: str | None, paths: list[Path], names: list[str]) -> str:
    """The control arm: by name, or by the stem of the strategy file it came from."""
    if given is None:
        return names[0]
    if given in names:
        return given
    stems = [Path(p).stem for p in paths]
    if given in stems:
        return names[stems.index(given)]
    shown = ", ".join(dict.fromkeys(names + stems))
    raise InputError("--control", f"{given!r} is not an arm; use a name or file stem: {shown}")
