"""Monthly peeking at an A/A test run in the world itself: false-positive rate per rule.

Each run is one split-design world of the default practice with the same strategy in both
arms (an A/A test), looked at the end of every month of arrivals: the leads that have arrived
and the conversions that have happened by then (``sim.experiment.looks``), judged by each
stopping rule of ``sim.analysis.sequential.monitor`` with information fractions from the leads
seen. Each rule judges the same worlds twice: with information fractions measured by the
statistical information seen (the default) and by the share of leads seen. A run is a false
positive when the rule stops at any look. With ``runs`` runs the binomial standard error of a
rate at alpha is ``sqrt(alpha (1 - alpha) / runs)``; a valid rule stays within alpha + 2 SE.

Run: python benchmarks/aa_peeking_world.py [--runs 2000] [--months 6] [--strategy stage_nurture]
"""

from __future__ import annotations

import argparse
import math
import platform
import time
from pathlib import Path

import numpy as np
from scipy.stats import norm

import sim
from sim.analysis.sequential import crossing_probabilities
from sim.experiment.looks import INFORMATION
from sim.experiment.power_looks import FINAL_LOOK, simulated_looks

ROOT = Path(__file__).resolve().parents[1]
METHODS = ("obf", "pocock", "msprt", "naive")
LABELS = {
    "obf": "OBF",
    "pocock": "Pocock",
    "msprt": "mSPRT",
    "naive": "naive peeking",
    FINAL_LOOK: "final look only",
}


def false_positive_rates(
    *,
    runs: int,
    months: int = 6,
    strategy: str = "stage_nurture",
    leads_per_month: float = 100.0,
    alpha: float = 0.05,
    seed: int = 2025,
    workers: int | None = None,
):
    """The share of A/A runs each rule stops, by look (``share_table`` rows)."""
    scenario = sim.load_scenario(
        ROOT / "configs/scenarios/medical_practice.toml",
        {"months": months, "leads_per_month": leads_per_month},
    )
    arm = sim.load_strategy(ROOT / f"configs/strategies/{strategy}.toml")
    return simulated_looks(
        scenario,
        arm,
        arm,
        months=months,
        methods=METHODS,
        runs=runs,
        alpha=alpha,
        seed=seed,
        workers=workers,
        information=INFORMATION,
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=2000)
    ap.add_argument("--months", type=int, default=6)
    ap.add_argument("--strategy", default="stage_nurture")
    ap.add_argument("--leads-per-month", type=float, default=100.0)
    ap.add_argument("--seed", type=int, default=2025)
    ap.add_argument("--workers", type=int, default=None)
    args = ap.parse_args()
    alpha = 0.05
    start = time.perf_counter()
    table = false_positive_rates(
        runs=args.runs,
        months=args.months,
        strategy=args.strategy,
        leads_per_month=args.leads_per_month,
        seed=args.seed,
        workers=args.workers,
    )
    elapsed = time.perf_counter() - start
    se = math.sqrt(alpha * (1 - alpha) / args.runs)
    print(
        f"A/A: {args.strategy} vs {args.strategy}, split design, "
        f"{args.leads_per_month:g} leads/month, {args.months} monthly looks, "
        f"{args.runs:,} runs, seed {args.seed}"
    )
    print(f"python {platform.python_version()}, numpy {np.__version__}, {elapsed:.0f} s")
    print(f"SE = sqrt(alpha (1 - alpha) / runs) = {se:.4f}; valid if <= {alpha + 2 * se:.4f}\n")
    last = table[table["look"] == args.months]

    def cell(method: str, info: str | None) -> str:
        r = last[
            (last["method"] == method)
            & (last["information"].isna() if info is None else last["information"] == info)
        ].iloc[0]
        mark = "" if r["share_stopped"] <= alpha + 2 * se else " (above alpha + 2 SE)"
        return (
            f"{int(r['stopped'])} / {int(r['runs'])} = {r['share_stopped']:.4f} "
            f"[{r['share_stopped_ci_lower']:.4f}, {r['share_stopped_ci_upper']:.4f}]{mark}"
        )

    print("| rule | information from conversions seen (default) | from leads seen |")
    print("|---|---|---|")
    for method in METHODS:
        print(f"| {LABELS[method]} | " + " | ".join(cell(method, i) for i in INFORMATION) + " |")
    print(f"| {LABELS[FINAL_LOOK]} | {cell(FINAL_LOOK, None)} | (same) |")
    t = np.arange(1, args.months + 1) / args.months
    exact = crossing_probabilities([norm.isf(alpha / 2)] * args.months, t).sum()
    print(f"\nnaive peeking at {args.months} equally spaced looks, normal theory: {exact:.4f}")
    print("\nCumulative share stopped by month (statistical information):\n")
    print("| month | " + " | ".join(LABELS[m] for m in METHODS) + " |")
    print("|---:|" + "---:|" * len(METHODS))
    main_rows = table[table["information"] == INFORMATION[0]]
    for k in range(1, args.months + 1):
        at = main_rows[main_rows["look"] == k].set_index("method")["share_stopped"]
        print(f"| {k} | " + " | ".join(f"{at[m]:.4f}" for m in METHODS) + " |")


if __name__ == "__main__":
    main()
