"""``nurture run SCENARIO STRATEGY``: one world under one strategy."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from sim.cli.common import (
    add_set_option,
    fraction_updater,
    load_configs,
    print_json,
    progress_bar,
    to_jsonable,
)
from sim.errors import InputError
from sim.files import atomic_write_text, atomic_write_with

#: Imported on first use (PEP 562): parsing ``nurture run``'s arguments loads no numpy,
#: pandas, SciPy or SimPy.
_LAZY = {"simulate": "sim.world.model", "summarize_leads": "sim.experiment.single"}


def __getattr__(name: str):
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "run",
        help="simulate one strategy in a scenario",
        description="Simulate one world and print its summary; --out writes the per-lead table.",
    )
    p.add_argument("scenario", help="scenario TOML, e.g. configs/scenarios/medical_practice.toml")
    p.add_argument("strategy", help="strategy TOML, e.g. configs/strategies/stage_nurture.toml")
    p.add_argument("--seed", type=_seed, default=0, help="root seed (default 0)")
    p.add_argument(
        "--months",
        type=_months,
        help="months of lead arrivals, overriding the scenario's (default: the scenario's)",
    )
    add_set_option(p)
    p.add_argument(
        "--out", type=Path, help="folder for leads.csv and summary.json (default: write nothing)"
    )
    p.add_argument(
        "--json", action="store_true", help="print one JSON object instead of text (default off)"
    )
    p.add_argument(
        "--events",
        type=Path,
        metavar="DIR",
        help="folder for the CRM export, leads and events tables (default: write nothing)",
    )
    p.set_defaults(handler=run)


def _seed(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--seed {text!r}: must be an integer >= 0") from None
    if value < 0 or value >= 2**128:
        raise argparse.ArgumentTypeError(f"--seed {text}: must be an integer in [0, 2^128)")
    return value


def _months(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--months {text!r}: must be an integer >= 1") from None
    if not 1 <= value <= 1200:
        raise argparse.ArgumentTypeError(f"--months {text}: must be between 1 and 1200")
    return value


def run(args: argparse.Namespace) -> int:
    overrides = {"months": args.months} if args.months else None
    scenario, (strategy,) = load_configs(args.scenario, [args.strategy], args.sets, overrides)
    out: Path | None = args.out
    if out is not None:
        _check_out(out)
    if args.events is not None:
        _check_out(args.events)
    this = sys.modules[__name__]  # the names above, or what a test put in their place
    with progress_bar(f"{strategy.name}") as bar:
        result = this.simulate(
            scenario,
            strategy,
            args.seed,
            progress=fraction_updater(bar),
            events=args.events is not None,
        )
    if args.events is not None:
        from sim.crm.writer import write_export

        write_export(args.events, *result.crm)
    summary = {"scenario": scenario.name, "strategy": strategy.name, "seed": args.seed}
    summary |= this.summarize_leads(result.leads)
    summary["fixed_cost_usd"] = result.totals["fixed_cost_usd"]
    summary |= _value(result.leads, summary, scenario)
    summary["events"] = result.totals["events"]
    if out is not None:
        try:
            atomic_write_with(out / "leads.csv", lambda tmp: result.leads.to_csv(tmp, index=False))
            text = json.dumps(to_jsonable(summary), indent=2) + "\n"
            atomic_write_text(out / "summary.json", text)
        except OSError as exc:
            # os.replace names the target second; other calls name the file first.
            name = Path(exc.filename2 or exc.filename or "").name
            raise InputError(f"--out {out}", f"cannot write {name} ({exc.strerror})") from None
    if args.json:
        print_json(summary)
    else:
        _print_summary(summary, out)
    return 0


def _value(leads, summary: dict, scenario) -> dict:
    """Sales-ready leads and what the patients are worth (sim.analysis.value)."""
    from sim.analysis.value import single_world_value

    v = scenario.value
    out = {
        "sales_ready": int((leads["max_stage"] == "decision").sum()),
        "handoffs": int(leads["handed_off"].sum()),
        "patient_value_usd": v.patient_value_usd,
    }
    out |= single_world_value(
        summary["conversions"],
        summary["leads"],
        summary["cost_total_usd"],
        v.patient_value_usd,
        v.lifetime_revenue_usd,
        (summary["conversion_rate_ci_lower"], summary["conversion_rate_ci_upper"]),
    )
    return out


def _check_out(out: Path) -> None:
    if out.exists() and not out.is_dir():
        raise InputError(f"--out {out}", "exists and is not a folder")
    probe = out if out.exists() else next((p for p in out.parents if p.exists()), Path("."))
    if not probe.is_dir():
        raise InputError(f"--out {out}", f"{probe} is a file, not a folder")
    if not os.access(probe, os.W_OK):
        raise InputError(f"--out {out}", f"cannot write into {probe}")
    # Create it now, before the simulation: access() says yes to root everywhere, and only
    # mkdir tells whether the folder can really be made (e.g. not under /proc).
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"--out {out}", f"cannot create the folder ({exc.strerror})") from None


def _print_summary(s: dict, out: Path | None) -> None:
    rate = s["conversion_rate"]
    lines = [
        f"{s['strategy']} in {s['scenario']} (seed {s['seed']})",
        f"  leads                 {s['leads']:,}",
        f"  booked                {s['booked']:,}",
        f"  patients              {s['conversions']:,}  ({rate:.1%}, 95% CI "
        f"{s['conversion_rate_ci_lower']:.1%} to {s['conversion_rate_ci_upper']:.1%})",
        f"  unsubscribed          {s['unsubscribed']:,}",
        f"  emails sent           {s['emails_sent']:,}",
        f"  total cost            ${s['cost_total_usd']:,.2f}",
        f"  marketing cost/patient ${s['marketing_cost_per_conversion_usd']:,.2f}"
        "  (acquisition only)",
        f"  full cost/patient     ${s['cost_per_conversion_usd']:,.2f}  (fully loaded)",
    ]
    if "net_benefit_usd" in s:
        lines += [
            f"  sales-ready leads     {s['sales_ready']:,}  (reached the decision stage; "
            f"{s['handoffs']:,} handed to sales)",
            f"  revenue               ${s['revenue_usd']:,.0f}  (patients x lifetime revenue)",
            f"  net benefit           ${s['net_benefit_usd']:,.0f}  (95% CI "
            f"${s['net_benefit_ci_lower']:,.0f} to ${s['net_benefit_ci_upper']:,.0f}; a patient "
            f"worth ${s['patient_value_usd']:,.0f})",
            f"  ROI                   {s['roi']:+.0%}",
            f"  break-even value      ${s['break_even_value_usd']:,.2f} a patient",
        ]
    if out is not None:
        lines.append(f"  per-lead table        {out / 'leads.csv'}")
    print("\n".join(lines))
