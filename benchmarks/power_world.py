"""Power of a practice's split test by simulation, against the analytic answer.

For the default practice (100 leads a month), no_nurture as control and stage_nurture as
treatment: the share of simulated split-design tests of M months that find the lift
significant (two-sided score test at 5%), analysed after every lead's full window and at the
end of the last month of arrivals (conversions not yet happened are not seen), next to
``power_two_proportions`` at the true rates (each strategy alone, paired run) and the same
number of leads. Then the same with a quarter of the leads in the treatment arm.

Run: python benchmarks/power_world.py [--runs 400] [--months 2 4 6 8 10 12] [--workers W]
"""

from __future__ import annotations

import argparse
import math
import platform
import time
from pathlib import Path

import sim
from sim.experiment.power_sim import power_curve, simulated_power, true_rates

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=400)
    ap.add_argument("--months", type=int, nargs="+", default=[2, 4, 6, 8, 10, 12])
    ap.add_argument("--unequal-months", type=int, nargs="+", default=[6, 12])
    ap.add_argument("--workers", type=int, default=None)
    ap.add_argument("--seed", type=int, default=2024)
    args = ap.parse_args()

    scenario = sim.load_scenario(ROOT / "configs/scenarios/medical_practice.toml")
    control = sim.load_strategy(ROOT / "configs/strategies/no_nurture.toml")
    treatment = sim.load_strategy(ROOT / "configs/strategies/stage_nurture.toml")
    start = time.perf_counter()
    rates = true_rates(
        scenario, control, treatment, replications=20, seed=args.seed, workers=args.workers
    )
    print(f"python {platform.python_version()}, {platform.machine()}, runs per row {args.runs}")
    print(
        f"true rates (paired, 20 x 12 months, {rates.n_control:,} leads each): "
        f"no_nurture {rates.control:.4f}, stage_nurture {rates.treatment:.4f}\n"
    )
    curve = power_curve(
        scenario,
        control,
        treatment,
        months=args.months,
        runs=args.runs,
        seed=args.seed,
        workers=args.workers,
        rates=rates,
    )
    wide = curve.pivot(index="months", columns="method")
    print("| months | leads per arm | analytic | simulated, full window | simulated, end of test |")
    print("|---:|---:|---:|---|---|")
    for m in args.months:
        row = wide.loc[m]
        cells = [
            f"{row[('power', k)]:.3f} [{row[('power_ci_lower', k)]:.3f}, "
            f"{row[('power_ci_upper', k)]:.3f}]"
            for k in ("simulated", "simulated_cutoff")
        ]
        print(
            f"| {m} | {row[('n_per_arm', 'analytic')]:.0f} | "
            f"{row[('power', 'analytic')]:.3f} | {cells[0]} | {cells[1]} |"
        )

    print("\nObserved rates in the split test (mean over runs), full window and end of test:\n")
    print("| months | control, full | treatment, full | control, end | treatment, end |")
    print("|---:|---:|---:|---:|---:|")
    for m in args.months:
        full, cut = (
            simulated_power(
                scenario,
                control,
                treatment,
                months=m,
                runs=min(args.runs, 100),
                cutoff=c,
                seed=args.seed,
                workers=args.workers,
                rates=rates,
            )
            for c in ("full_window", "end_of_test")
        )
        print(
            f"| {m} | {full.rate_control:.4f} | {full.rate_treatment:.4f} | "
            f"{cut.rate_control:.4f} | {cut.rate_treatment:.4f} |"
        )

    print("\nUnequal arms: a quarter of the leads to the treatment (weight 0.25), full window:\n")
    print("| months | control leads | treatment leads | analytic | simulated |")
    print("|---:|---:|---:|---:|---|")
    for m in args.unequal_months:
        r = simulated_power(
            scenario,
            control,
            treatment,
            months=m,
            weight=0.25,
            runs=args.runs,
            cutoff="full_window",
            seed=args.seed,
            workers=args.workers,
            rates=rates,
        )
        print(
            f"| {m} | {r.n_control:.0f} | {r.n_treatment:.0f} | {r.analytic_power:.3f} | "
            f"{r.power:.3f} [{r.power_ci_lower:.3f}, {r.power_ci_upper:.3f}] |"
        )
    se = math.sqrt(0.25 / args.runs)
    print(f"\nlargest binomial SE of a simulated power (at 0.5): {se:.3f}")
    print(f"elapsed {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
