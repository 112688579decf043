"""Replications per second with 1 and 2 worker processes (the local executor).

Run: python benchmarks/bench_parallel.py [REPLICATIONS]
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import sim

sys.path.insert(0, str(Path(__file__).resolve().parent))
from record import record

ROOT = Path(__file__).resolve().parents[1]


def rate(workers: int, replications: int) -> float:
    scenario = sim.load_scenario(ROOT / "configs/scenarios/medical_practice.toml")
    arms = {
        n: sim.load_strategy(ROOT / f"configs/strategies/{n}.toml")
        for n in ("no_nurture", "stage_nurture")
    }
    exp = sim.Experiment(scenario, arms, control="no_nurture", replications=replications, seed=1)
    start = time.perf_counter()
    exp.run(workers=workers)
    return replications / (time.perf_counter() - start)


def main() -> None:
    reps = int(sys.argv[1]) if len(sys.argv) > 1 else 24
    rate(2, 2)  # warm the imports and the pool's start-up path once
    one = rate(1, reps)
    two = rate(2, reps)
    body = (
        f"Default scenario, paired design (no_nurture vs stage_nurture, 12 months), "
        f"{reps} replications.\n\n| workers | replications/s |\n|---:|---:|\n"
        f"| 1 | {one:.2f} |\n| 2 | {two:.2f} |\n\nSpeed-up with 2 workers: "
        f"**{two / one:.2f}x** (target >= 1.8x)."
    )
    print(body)
    record("parallel", body)


if __name__ == "__main__":
    main()
