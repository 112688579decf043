"""A live monitored test in the world: A/A false-positive rate and power of each live rule.

The plan is made before the test from power-style inputs (``plan_live_test``): the control's
conversion rate (no_nurture, 0.171), the lift to detect (+50%), 100 leads a month, and each
arm's share of conversions within the 60-day horizon, read from the conversion-delay
distribution of a pilot world of that arm's strategy (the treatment converts later, so fewer of
its conversions fall within the horizon). Every run is one split-design world of the default
practice enrolling for the plan's months; at the end of each month the rule sees only the leads
whose 60-day horizon has closed, with outcome "converted within 60 days"
(``closed_look_counts``), and information fraction = closed leads / the plan's maximum
(``monitor_live``); the last look is the final analysis, when every enrolled lead's horizon has
closed. A/A: stage_nurture in both arms. Power: no_nurture (control) vs stage_nurture.
``msprt`` is the mixture SPRT truncated at the plan, its boundary drawn at the calibrated level
``plan.msprt_alpha``; ``msprt, always valid`` is the untruncated one (boundary at alpha), for
reference. With R runs the binomial SE of a rate at alpha is sqrt(alpha (1 - alpha) / R); a
valid rule is within alpha +- 3 SE.

Run: python benchmarks/live_monitoring_world.py [--aa-runs 6000] [--power-runs 1000]
"""

from __future__ import annotations

import argparse
import math
import platform
import time
from pathlib import Path

import numpy as np

import sim
from sim.analysis.two_proportions import diff_test
from sim.experiment.executors import run_tasks
from sim.experiment.looks import closed_look_counts, monitor_live, plan_live_test
from sim.world.model import Arm, simulate

ROOT = Path(__file__).resolve().parents[1]
RULES = ("obf", "pocock", "msprt", "msprt, always valid")
HORIZON = 60.0
BASELINE, LIFT, LEADS_PER_MONTH = 0.171, 0.5, 100.0


def pilot_share(strategy: str = "no_nurture", seed: int = 99) -> float:
    """Share of a strategy's conversions within the horizon (a 24-month pilot world)."""
    s = sim.load_scenario(ROOT / "configs/scenarios/medical_practice.toml", {"months": 24})
    leads = simulate(s, sim.load_strategy(ROOT / f"configs/strategies/{strategy}.toml"), seed).leads
    days = leads["days_to_convert"].dropna().to_numpy()
    return float(np.mean(days <= HORIZON))


def _batch(task):
    plan, control, treatment, seed, runs = task
    months = math.ceil(plan.enrolment_months)
    scenario = sim.load_scenario(
        ROOT / "configs/scenarios/medical_practice.toml",
        {"months": months, "leads_per_month": LEADS_PER_MONTH},
    )
    c = sim.load_strategy(ROOT / f"configs/strategies/{control}.toml")
    t = sim.load_strategy(ROOT / f"configs/strategies/{treatment}.toml")
    arms = [
        Arm("control", c.model_copy(update={"name": "control"})),
        Arm("treatment", t.model_copy(update={"name": "treatment"})),
    ]
    cutoffs = [x for x in plan.look_cutoffs if x < months * 30.4375 + HORIZON]
    cutoffs.append(months * 30.4375 + HORIZON)
    out = np.zeros((len(runs), len(RULES) + 1), dtype=bool)
    stop_month = np.full((len(runs), len(RULES)), np.nan)
    for i, run in enumerate(runs):
        leads = simulate(scenario, arms, np.random.SeedSequence(seed, spawn_key=(run,))).leads
        counts = closed_look_counts(leads, "control", "treatment", cutoffs, HORIZON)
        counts = counts[(counts["n_control"] > 0) & (counts["n_treatment"] > 0)]
        for k, rule in enumerate(RULES):
            if rule == "msprt, always valid":
                table = monitor_live(counts, plan._replace(msprt_alpha=plan.alpha), method="msprt")
            else:
                table = monitor_live(counts, plan, method=rule)
            out[i, k] = bool(table["stop"].iloc[-1])
            if out[i, k]:
                stop_month[i, k] = float(table.loc[table["stop"], "month"].iloc[0])
        last = counts.iloc[-1]
        p = diff_test(
            last["conversions_treatment"],
            last["n_treatment"],
            last["conversions_control"],
            last["n_control"],
            method="mee",
        ).p_value
        out[i, -1] = p < plan.alpha
    return out, stop_month


def rates(plan, control, treatment, runs, seed, workers):
    size = max(1, math.ceil(runs / (8 * workers)))
    tasks = [
        (plan, control, treatment, seed, tuple(range(i, min(i + size, runs))))
        for i in range(0, runs, size)
    ]
    parts = dict(run_tasks(_batch, tasks, workers=workers))
    stops = np.vstack([parts[i][0] for i in range(len(tasks))])
    months = np.vstack([parts[i][1] for i in range(len(tasks))])
    return stops, months


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--aa-runs", type=int, default=6000)
    ap.add_argument("--power-runs", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=2013)
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()
    start = time.perf_counter()
    share, share_t = pilot_share("no_nurture"), pilot_share("stage_nurture")
    # One plan (O'Brien-Fleming sizing) for every rule: each rule keeps alpha whatever the
    # maximum, and judging the same worlds makes the rules comparable.
    plan = plan_live_test(
        BASELINE,
        lift=LIFT,
        leads_per_month=LEADS_PER_MONTH,
        conversion_by_horizon=share,
        treatment_by_horizon=share_t,
        horizon_days=HORIZON,
        spending="obf",
    )
    print(f"python {platform.python_version()}, numpy {np.__version__}")
    print(
        f"share of conversions within {HORIZON:g} days (pilot): no_nurture {share:.3f}, "
        f"stage_nurture {share_t:.3f}"
    )
    print(
        f"plan: max {plan.max_leads} leads (fixed {plan.fixed_leads}, inflation "
        f"{plan.inflation:.3f}), {plan.enrolment_months:.2f} months, "
        f"{len(plan.look_cutoffs)} looks, outcome rates {plan.baseline:.4f} vs "
        f"{plan.treatment:.4f}; truncated mSPRT level {plan.msprt_alpha:.4f} "
        f"(tau {plan.msprt_tau:.4f})"
    )
    aa, _ = rates(plan, "stage_nurture", "stage_nurture", args.aa_runs, args.seed, args.workers)
    pw, months = rates(
        plan, "no_nurture", "stage_nurture", args.power_runs, args.seed + 1, args.workers
    )
    elapsed = time.perf_counter() - start
    print(
        f"{elapsed:.0f} s; seed {args.seed}; {args.aa_runs} A/A runs, "
        f"{args.power_runs} power runs\n"
    )
    se = math.sqrt(0.05 * 0.95 / args.aa_runs)
    print(f"A/A SE = {se:.4f}; within 3 SE of 5%: [{0.05 - 3 * se:.4f}, {0.05 + 3 * se:.4f}]\n")
    print(
        f"| live rule | A/A false-positive rate (SE) | power (SE; planned {plan.power:g}) "
        "| mean month of stopping (power runs that stopped) |"
    )
    print("|---|---|---|---|")
    for k, label in enumerate((*RULES, "fixed test at the final look")):
        fp, pwr = aa[:, k].mean(), pw[:, k].mean()
        sef = math.sqrt(fp * (1 - fp) / aa.shape[0])
        sep = math.sqrt(pwr * (1 - pwr) / pw.shape[0])
        m = np.nanmean(months[:, k]) if k < len(RULES) else plan.look_cutoffs[-1] / 30.4375
        print(f"| {label} | {fp:.4f} ({sef:.4f}) | {pwr:.3f} ({sep:.3f}) | {m:.2f} |")


if __name__ == "__main__":
    main()
