"""Coverage of the directly observed parameters' 95% intervals over synthetic practices.

Each dataset: every prior of configs/uncertainty/medical_practice.toml drawn at random, a
practice of ``--leads-per-month`` x ``--months`` leads run under ``--strategy`` with its CRM
export, the direct estimates (sim/study/calibrate/direct.py) fitted, and each interval checked
against the drawn truth.

    nice python benchmarks/calibration_direct.py --datasets 100 --strategy stage_nurture

prints per-parameter and pooled coverage (and writes ``--out`` CSV).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]


def coverage(
    datasets: int, strategy: str, leads_per_month: float, months: int, seed: int
) -> pd.DataFrame:
    from sim.config import load_scenario, load_strategy
    from sim.config.scenario import DAYS_PER_MONTH
    from sim.config.space import load_space
    from sim.study.calibrate.direct import estimate_all
    from sim.study.calibrate.synthetic import draw_point, practice

    base = load_scenario(
        ROOT / "configs/scenarios/medical_practice.toml",
        {"leads_per_month": leads_per_month, "months": months},
    )
    st = load_strategy(ROOT / f"configs/strategies/{strategy}.toml")
    space = load_space(ROOT / "configs/uncertainty/medical_practice.toml")
    rng = np.random.default_rng(seed)
    rows = []
    for d in range(datasets):
        point = draw_point(space, rng)
        p = practice(space, base, st, point, seed=seed * 100_003 + d)
        for e in estimate_all(
            p.obs, [s.name for s in p.scenario.sources], p.scenario.window_days, DAYS_PER_MONTH
        ):
            truth = p.truth(e.path)
            rows.append(
                {
                    "dataset": d,
                    "leads": p.leads,
                    "path": e.path,
                    "truth": truth,
                    "estimate": e.value,
                    "low": e.low,
                    "high": e.high,
                    "n": e.n,
                    "covered": bool(e.low <= truth <= e.high),
                }
            )
    return pd.DataFrame(rows)


def table(rows: pd.DataFrame) -> pd.DataFrame:
    by = rows.groupby("path", sort=False)["covered"].agg(["mean", "count"])
    by.loc["(pooled)"] = [rows["covered"].mean(), len(rows)]
    by.columns = ["coverage", "intervals"]
    return by


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--datasets", type=int, default=100)
    ap.add_argument("--strategy", default="stage_nurture")
    ap.add_argument("--leads-per-month", type=float, default=500.0)
    ap.add_argument("--months", type=int, default=6)
    ap.add_argument("--seed", type=int, default=2024)
    ap.add_argument("--out", type=Path)
    a = ap.parse_args(argv)
    started = time.perf_counter()
    rows = coverage(a.datasets, a.strategy, a.leads_per_month, a.months, a.seed)
    took = time.perf_counter() - started
    if a.out:
        rows.to_csv(a.out, index=False)
    print(table(rows).to_string(float_format=lambda x: f"{x:.3f}"))
    print(
        f"\n{a.datasets} datasets, leads {rows.groupby('dataset').leads.first().min()}-"
        f"{rows.groupby('dataset').leads.first().max()}, {took:.0f} s"
    )
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    sys.exit(main())
