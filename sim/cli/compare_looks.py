"""``nurture compare --looks monthly``: what a practice monitoring its own test would have seen.

At the end of each month of arrivals (leads arrived and conversions happened by then), what the
stopping rule (``--monitor``) says; with several replications, the share stopped by each month.
"""

from __future__ import annotations

import argparse
import math

import pandas as pd

from sim.errors import InputError
from sim.experiment.looks import (
    INFORMATION,
    look_counts,
    monitor_looks,
    monthly_cutoffs,
    stopping_shares,
)
from sim.experiment.tables import markdown_table

MONITOR_METHODS = ("obf", "pocock", "msprt", "naive")


def add_look_options(p: argparse.ArgumentParser) -> None:
    """The monitoring options (split design): monthly looks and the stopping rule."""
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


def check_look_options(args: argparse.Namespace) -> None:
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


def monitor(
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


def looks_text(looks: pd.DataFrame, shares: pd.DataFrame | None, args: argparse.Namespace) -> str:
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
