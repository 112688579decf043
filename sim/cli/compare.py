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
from sim.experiment.experiment import Experiment
from sim.experiment.looks import (
    INFORMATION,
    look_counts,
    monitor_looks,
    monthly_cutoffs,
    stopping_shares,
)
from sim.experiment.tables import markdown_table, summary_markdown

MONITOR_METHODS = ("obf", "pocock", "msprt", "naive")


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
    add_set_option(p)
    looks = p.add_argument_group("monitoring (split design)")
    looks.add_argument(
        "--looks",
        choices=("monthly",),
        help="look at the test at the end of each month of arrivals, as a practice would",
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
        "seen; the default) or leads (share of leads seen)",
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
        keep_leads=bool(args.looks),
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
    looks = shares = None
    if args.looks:
        looks, shares = _monitor(result.leads, list(arms), control, scenario.months, args)
    if args.json:
        out = {
            "design": args.design,
            "replications": args.replications,
            "seed": args.seed,
            "control": control,
            "comparisons": to_jsonable(summary.to_dict(orient="records")),
        }
        if looks is not None:
            out["monitor"] = args.monitor or "obf"
            out["information"] = args.information or "statistical"
            out["looks"] = to_jsonable(looks.to_dict(orient="records"))
            if shares is not None:
                out["stopping"] = to_jsonable(shares.to_dict(orient="records"))
        print_json(out)
    else:
        print(
            f"{args.design} design, {args.replications} replications, seed {args.seed}, "
            f"control {control}\n"
        )
        print(summary_markdown(summary))
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
                f"{e:+.1%} [{lo:+.1%}, {hi:+.1%}]" if math.isfinite(lo) else f"{e:+.1%}"
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
