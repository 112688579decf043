"""Paired vs split design: variance of the estimated absolute lift at the same number of leads.

Each replication is one world of the default scenario (12 months, ~1,200 leads). The paired
design replays all of them under both strategies; the split design randomises them 50/50 in
one world. Over R replications, compare the variance of the estimated lift.

Run: python benchmarks/paired_vs_split.py [R]
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
from scipy import stats

import sim

ROOT = Path(__file__).resolve().parents[1]


def lift_variances(replications: int, seed: int = 17) -> dict[str, float]:
    scenario = sim.load_scenario(ROOT / "configs/scenarios/medical_practice.toml")
    arms = {
        n: sim.load_strategy(ROOT / f"configs/strategies/{n}.toml")
        for n in ("no_nurture", "stage_nurture")
    }
    out = {}
    for design in ("paired", "split"):
        res = sim.Experiment(
            scenario,
            arms,
            control="no_nurture",
            design=design,
            replications=replications,
            seed=seed,
        ).run()
        reps = res.per_replication
        lift = reps[reps.arm == "stage_nurture"].abs_lift.to_numpy()
        out[design] = float(np.var(lift, ddof=1))
        out[f"{design}_mean"] = float(lift.mean())
    out["ratio"] = out["split"] / out["paired"]
    # 95% interval of the variance ratio (F distribution, normal-theory).
    df = replications - 1
    out["ratio_ci"] = (
        out["ratio"] / stats.f.ppf(0.975, df, df),
        out["ratio"] / stats.f.ppf(0.025, df, df),
    )
    return out


if __name__ == "__main__":
    r = int(sys.argv[1]) if len(sys.argv) > 1 else 40
    v = lift_variances(r)
    print(f"replications: {r}")
    print(f"paired: mean lift {v['paired_mean']:.4f}, variance {v['paired']:.3e}")
    print(f"split:  mean lift {v['split_mean']:.4f}, variance {v['split']:.3e}")
    print(
        f"split / paired variance: {v['ratio']:.1f} "
        f"(95% CI {v['ratio_ci'][0]:.1f} to {v['ratio_ci'][1]:.1f})"
    )
