"""``nurture compare SCENARIO STRATEGY...``: arms side by side, each versus the control.

With ``--design split --looks monthly`` it also shows what a practice monitoring its own test
would have seen at the end of each month of arrivals (leads arrived and conversions happened
by then) and what the stopping rule (``--monitor``) says at each look.
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path

import pandas as pd

from sim.cli.common import add_set_option, load_configs, print_json, progress_bar, to_jsonable
from sim.cli.suite import positive_int
from sim.errors import InputError
from sim.experiment.by_source import by_source_markdown, lift_by_source
from sim.experiment.experiment import Experiment
from sim.experiment.looks import (
    INFORMATION,
    look_counts,
    monitor_looks,
    monthly_cutoffs,
    stopping_shares,
)
from sim.experiment.tables import markdown_table, summary_markdown, versus_control_markdown
from sim.experiment.verdict import verdicts

MONITOR_METHODS = ("obf", "pocock", "msprt", "naive")


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
    looks = p.add_argument_group("monitoring (split design)")
    looks.add_argument(
        "--looks",
        choices=("monthly",),
        help="look at the test at the end of each month of arrivals, as a practice would "
        "(default: no looks)",
    )
    looks.add_argument(
        "--monitor",
        choices=MONITOR_METHODS,
        help="stopping rule at the looks (default obf): O'Brien-Fleming or Pocock alpha "
        "spending, mixture SPRT, or naive (a 5%% test at every look, for contrast)",
    )
    looks.add_argument(
        "--information",
        choices=INFORMATION,
        help="information fractions for obf/pocock: statistical (grows with the conversions "
        "seen) or leads (share of leads seen) (default: statistical)",
    )
    looks.add_argument(
        "--planned-leads",
        type=float,
        help="with --information leads: the plan's total leads (both arms) "
        "(default: the leads at the last look)",
    )
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    if not 0.0 < args.alpha < 1.0:
        raise InputError("--alpha", f"{args.alpha} is not allowed: must be in (0, 1)")
    if args.seed < 0:
        raise InputError("--seed", f"{args.seed} is not allowed: must be >= 0")
    _check_look_options(args)
    scenario, strategies = load_configs(
        args.scenario, args.strategies, args.sets, {"months": args.months} if args.months else None
    )
    arms = {}
    for path, strategy in zip(args.strategies, strategies, strict=True):
        if strategy.name in arms:
            raise InputError(
                str(path),
                f"arm name {strategy.name!r} is given twice; each strategy must have its own name",
            )
        arms[strategy.name] = strategy
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
        looks, shares = _monitor(result.leads, list(arms), control, scenario.months, args)
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
            print(_looks_text(looks, shares, args))
    return 0


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


# --------------------------------------------------------------------------- monthly looks


def _check_look_options(args: argparse.Namespace) -> None:
    if not args.looks:
        for flag, value in (
            ("--monitor", args.monitor),
            ("--information", args.information),
            ("--planned-leads", args.planned_leads),
        ):
            if value is not None:
                raise InputError(flag, "only applies to monitored tests: add --looks monthly")
        return
    if args.design != "split":
        raise InputError(
            "--looks",
            "monthly looks follow one practice's own test, where leads are randomised "
            "between arms: use --design split",
        )
    if args.planned_leads is not None and not (
        args.planned_leads > 0 and math.isfinite(args.planned_leads)
    ):
        raise InputError("--planned-leads", f"{args.planned_leads} is not allowed: must be > 0")
    if args.planned_leads is not None:
        if args.information == "statistical":
            raise InputError(
                "--planned-leads", "a plan in leads goes with --information leads, not statistical"
            )
        args.information = "leads"


def _monitor(
    leads: pd.DataFrame, arms: list[str], control: str, months: int, args: argparse.Namespace
) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """Replication 0's looks for every arm against the control; stopping shares across all."""
    method = args.monitor or "obf"
    information = args.information or "statistical"
    cutoffs = monthly_cutoffs(months)
    looks, shares = [], []
    for arm in arms:
        if arm == control:
            continue
        counts = look_counts(leads, control, arm, cutoffs)
        table = monitor_looks(
            counts[counts["replication"] == 0],
            method=method,
            alpha=args.alpha,
            information=information,
            planned_leads=args.planned_leads,
        )
        table.insert(0, "arm", arm)
        looks.append(table)
        if args.replications > 1:
            share = stopping_shares(
                counts,
                methods=(method,),
                alpha=args.alpha,
                information=information,
                planned_leads=args.planned_leads,
            )
            share.insert(0, "arm", arm)
            shares.append(share)
    return (
        pd.concat(looks, ignore_index=True),
        pd.concat(shares, ignore_index=True) if shares else None,
    )


def _looks_text(looks: pd.DataFrame, shares: pd.DataFrame | None, args: argparse.Namespace) -> str:
    method = args.monitor or "obf"
    view = pd.DataFrame(
        {
            "arm": looks["arm"],
            "month": looks["month"].round().astype(int),
            "leads": looks["n_control"] + looks["n_treatment"],
            "control": [
                f"{x}/{n}"
                for x, n in zip(looks["conversions_control"], looks["n_control"], strict=True)
            ],
            "treatment": [
                f"{x}/{n}"
                for x, n in zip(looks["conversions_treatment"], looks["n_treatment"], strict=True)
            ],
            "abs lift": [
                f"{100 * e:+.1f} pp [{100 * lo:+.1f}, {100 * hi:+.1f}]"
                if math.isfinite(lo)
                else f"{100 * e:+.1f} pp"
                for e, lo, hi in zip(
                    looks["abs_lift"],
                    looks["abs_lift_ci_lower"],
                    looks["abs_lift_ci_upper"],
                    strict=True,
                )
            ],
            "z": looks["z"],
            "boundary": looks["boundary"],
            "p (adj.)": looks["p_value_adjusted"],
            "stop": ["stop" if s else "" for s in looks["stop"]],
        }
    )
    lines = [
        f"Monthly looks at replication 0 ({method}, alpha {args.alpha:g}, information from "
        f"{'leads' if args.information == 'leads' else 'conversions'} seen): leads arrived and "
        "conversions happened by the end of each month; stop once |z| >= boundary.\n",
        markdown_table(view, {"z": "{:.2f}", "boundary": "{:.2f}", "p (adj.)": "{:.3g}"}),
    ]
    for arm, table in looks.groupby("arm", sort=False):
        stopped = table[table["stop"]]
        if len(stopped):
            first = stopped.iloc[0]
            lines.append(
                f"\n{arm}: the rule stops at month {first['month']:.0f} "
                f"(|z| = {abs(first['z']):.2f} >= {first['boundary']:.2f})."
            )
        else:
            lines.append(f"\n{arm}: no look crossed its boundary; the test ran to the end.")
    if shares is not None:
        view = pd.DataFrame(
            {
                "arm": shares["arm"],
                "month": shares["month"].round().astype(int),
                "stopped": shares["stopped"],
                "share stopped": [
                    f"{s:.0%} [{lo:.0%}, {hi:.0%}]"
                    for s, lo, hi in zip(
                        shares["share_stopped"],
                        shares["share_stopped_ci_lower"],
                        shares["share_stopped_ci_upper"],
                        strict=True,
                    )
                ],
            }
        )
        lines += [
            f"\nShare of the {args.replications} replications whose {method} rule has stopped "
            "by each month (Wilson 95% interval):\n",
            markdown_table(view),
        ]
    return "\n".join(lines)
