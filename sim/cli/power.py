"""``nurture power``: how many leads, and how many months of them, an A/B test needs.

Sizes the two-proportion z-test in R's ``power.prop.test`` convention and, next to it, the
continuity-corrected (Yates) test; with ``--months`` it answers the reverse question: the
power of a test that runs that long at the practice's lead volume.
"""

from __future__ import annotations

import argparse
import json
import math

from sim.analysis.planning import Plan, plan_test, power_for_months
from sim.errors import InputError

# Library argument names -> the option a user typed.
_OPTIONS = {
    "baseline": "--baseline",
    "treatment": "--treatment",
    "lift": "--lift",
    "alpha": "--alpha",
    "power": "--power",
    "ratio": "--ratio",
    "leads_per_month": "--leads-per-month",
    "months": "--months",
    "conversion_by_horizon": "--conversion-by-horizon",
    "treatment_by_horizon": "--treatment-by-horizon",
    "horizon_days": "--horizon-days",
    "spending": "--monitor",
}


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "power",
        help="leads and months a two-arm conversion test needs",
        description=(
            "Sample size per arm for a two-arm conversion test (R power.prop.test convention, "
            "plus the continuity-corrected size), and the months of leads it takes; with "
            "--months, the power of a test of that length."
        ),
    )
    p.add_argument("--baseline", type=_number, required=True,
                   help="control conversion rate, e.g. 0.18 or 18%%")  # fmt: skip
    effect = p.add_mutually_exclusive_group(required=True)
    effect.add_argument("--lift", type=_number,
                        help="relative lift to detect, e.g. 0.2 or 20%% (= +20%%)")  # fmt: skip
    effect.add_argument("--treatment", type=_number,
                        help="treatment conversion rate to detect, e.g. 0.22")  # fmt: skip
    p.add_argument("--alpha", type=_number, default=0.05,
                   help="two-sided significance level (default 0.05)")  # fmt: skip
    p.add_argument("--power", type=_number, default=0.8,
                   help="target power (default 0.8)")  # fmt: skip
    p.add_argument("--ratio", type=_number, default=1.0,
                   help="treatment leads per control lead (default 1)")  # fmt: skip
    p.add_argument("--leads-per-month", type=_number,
                   help="the practice's new leads per month, all arms together")  # fmt: skip
    p.add_argument("--months", type=_number,
                   help="test length: report the power of a test this long")  # fmt: skip
    live = p.add_argument_group("a live monitored test (closed horizons, planned maximum)")
    live.add_argument("--horizon-days", type=_number,
                      help="plan a monitored test whose outcome is 'converted within this many "
                      "days'; looks monthly at the leads whose horizon has closed")  # fmt: skip
    live.add_argument("--conversion-by-horizon", type=_number, default=1.0,
                      help="control share of conversions within the horizon")  # fmt: skip
    live.add_argument("--treatment-by-horizon", type=_number,
                      help="the treatment's share (default: the control's)")  # fmt: skip
    live.add_argument("--monitor", choices=("obf", "pocock"), default="obf",
                      help="alpha spending of the monitored test (default obf)")  # fmt: skip
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(handler=run)


def _number(text: str) -> float:
    """A finite number; a trailing % divides by 100 (``18%`` is 0.18)."""
    raw, scale = (text.strip()[:-1], 0.01) if text.strip().endswith("%") else (text, 1.0)
    try:
        value = float(raw) * scale
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not allowed: must be a number") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"{text!r} is not allowed: must be a finite number")
    return value


def run(args: argparse.Namespace) -> int:
    try:
        result = _compute(args)
    except InputError as exc:
        raise InputError(_OPTIONS.get(exc.where, exc.where), exc.problem) from None
    if args.json:
        print(json.dumps(result, indent=2, allow_nan=False))
    else:
        print(_describe(result))
        if "live" in result:
            print(_describe_live(result["live"]))
    return 0


def _live(args: argparse.Namespace, plan: Plan) -> dict:
    """The live design's plan (sim.experiment.looks.plan_live_test) as a JSON-able dict."""
    from sim.experiment.looks import plan_live_test

    if args.leads_per_month is None:
        raise InputError("horizon_days", "needs --leads-per-month to plan the looks")
    if args.ratio != 1.0:
        raise InputError("horizon_days", "the live design splits leads 50/50: drop --ratio")
    live = plan_live_test(
        plan.baseline,
        lift=plan.treatment / plan.baseline - 1.0,
        leads_per_month=args.leads_per_month,
        conversion_by_horizon=args.conversion_by_horizon,
        treatment_by_horizon=args.treatment_by_horizon,
        horizon_days=args.horizon_days,
        spending=args.monitor,
        alpha=args.alpha,
        power=args.power,
    )
    out = live._asdict()
    out["look_cutoffs"] = list(out["look_cutoffs"])
    out["look_fractions"] = list(out["look_fractions"])
    return out


def _describe_live(r: dict) -> str:
    return "\n".join(
        [
            "",
            f"Monitored monthly ({r['spending']}), outcome converted within "
            f"{r['horizon_days']:g} days: rates {_pct(r['baseline'])} vs {_pct(r['treatment'])}",
            f"Maximum: {r['max_leads']:,} leads with a closed horizon (fixed test "
            f"{r['fixed_leads']:,}, inflation {r['inflation']:.3f}), "
            f"{r['enrolment_months']:.1f} months of enrolment, {len(r['look_cutoffs'])} looks "
            f"(the last on day {r['look_cutoffs'][-1]:.0f})",
            f"Truncated mixture SPRT at these looks: boundary at level {r['msprt_alpha']:.4f} "
            f"(tau {r['msprt_tau']:.4f}) for an overall {r['alpha']:g}",
        ]
    )


def _compute(args: argparse.Namespace) -> dict:
    if args.months is not None and args.leads_per_month is None:
        raise InputError("--months", "needs --leads-per-month to turn months into leads")
    plan = plan_test(
        args.baseline,
        lift=args.lift,
        treatment=args.treatment,
        alpha=args.alpha,
        power=args.power,
        ratio=args.ratio,
        leads_per_month=args.leads_per_month,
    )
    result = _plan_dict(plan)
    if args.horizon_days is not None:
        result["live"] = _live(args, plan)
    if args.months is not None:
        common = (plan.baseline, plan.treatment, args.months, args.leads_per_month)
        options = {"ratio": plan.ratio, "alpha": plan.alpha}
        total = args.months * args.leads_per_month
        result |= {
            "test_months": args.months,
            "test_leads": total,
            "test_n_control": total / (1.0 + plan.ratio),
            "test_n_treatment": total * plan.ratio / (1.0 + plan.ratio),
            "power": power_for_months(*common, **options),
            "power_cc": power_for_months(*common, continuity=True, **options),
        }
    return result


def _plan_dict(plan: Plan) -> dict:
    out = plan._asdict()
    # "power" in the output is the achieved power of --months; the input is the target.
    out["target_power"] = out.pop("power")
    return out


def _describe(r: dict) -> str:
    allocation = "equal arms" if r["ratio"] == 1.0 else f"{r['ratio']:g} treatment : 1 control"
    lines = [
        f"Two-arm conversion test: control {_pct(r['baseline'])} vs treatment "
        f"{_pct(r['treatment'])} (relative lift {r['lift']:+.1%}, "
        f"{100 * r['abs_lift']:+.2f} points)",
        f"alpha {r['alpha']:g} two-sided, power {r['target_power']:g}, {allocation}",
        "",
        f"{_sizes(r['ratio'], r['n_per_arm'], r['n_treatment'])} (R power.prop.test convention)",
        f"{_sizes(r['ratio'], r['n_per_arm_cc'], r['n_treatment_cc'])} "
        "with continuity correction (Fleiss)",
        f"Total leads: {r['total_leads']:,} ({r['total_leads_cc']:,} continuity corrected)",
    ]
    if r["months"] is not None:
        lines.append(
            f"At {r['leads_per_month']:,g} leads/month: {r['months']:.1f} months of leads "
            f"({r['months_cc']:.1f} continuity corrected)"
        )
    if "power" in r:
        lines += [
            "",
            f"A {r['test_months']:g}-month test ({r['test_leads']:,.0f} leads, "
            f"{r['test_n_control']:,.0f} control): power {r['power']:.3f} "
            f"({r['power_cc']:.3f} continuity corrected)",
        ]
    return "\n".join(lines)


def _sizes(ratio: float, n_control: float, n_treatment: float) -> str:
    if ratio == 1.0:
        return f"Leads per arm: {n_control:,.1f}"
    return f"Leads: control {n_control:,.1f}, treatment {n_treatment:,.1f}"


def _pct(p: float) -> str:
    return f"{100 * p:.4g}%"
