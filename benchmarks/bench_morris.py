"""A Morris screen of every default prior (r = 10 trajectories) on 2 worker processes.

The screen is the study ``nurture sensitivity --method morris --n 10`` runs: 78 points per
trajectory (77 unit-cube coordinates + 1), each a default-practice world (12 months, 100 leads a
month) in which no_nurture and stage_nurture replay the same leads, R replications per point.
Baseline, timed in the same run: one paired replication of the default practice in this
process; the screen's cost is compared with (worlds run / 2 workers) x that baseline.

Wall time on a shared machine depends on what else runs, so the CPU seconds the study used
(this process and its workers) are recorded too, with the load average: CPU seconds / 2 is the
wall time the screen would take on 2 otherwise idle cores.

Run: nice python benchmarks/bench_morris.py [REPLICATIONS] [RESULTS_DIR]
"""

from __future__ import annotations

import os
import resource
import statistics
import sys
import time
from pathlib import Path

import sim
from sim.config.space import load_space
from sim.study.sensitivity import run_sensitivity
from sim.study.worlds import WorldPoint, evaluate_points

sys.path.insert(0, str(Path(__file__).resolve().parent))
from record import record

ROOT = Path(__file__).resolve().parents[1]
TARGET_SECONDS = 600.0


def _cpu() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def _shown(path: Path) -> str:
    path = path.resolve()
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def main() -> None:
    reps = int(sys.argv[1]) if len(sys.argv) > 1 else 2
    results = Path(sys.argv[2]) if len(sys.argv) > 2 else ROOT / "results"
    scenario = sim.load_scenario(ROOT / "configs/scenarios/medical_practice.toml")
    st = {
        n: sim.load_strategy(ROOT / f"configs/strategies/{n}.toml")
        for n in ("no_nurture", "stage_nurture")
    }
    space = load_space(ROOT / "configs/uncertainty/medical_practice.toml", scenario, st)

    base = []
    for r in range(3):
        t = time.perf_counter()
        evaluate_points(
            [WorldPoint.of(scenario, st)], "no_nurture", replications=[r], executor="serial"
        )
        base.append(time.perf_counter() - t)
    baseline = statistics.median(base)

    load0 = os.getloadavg()
    cpu0, t0 = _cpu(), time.perf_counter()
    res = run_sensitivity(
        scenario,
        st,
        "no_nurture",
        space,
        method="morris",
        n=10,
        replications=reps,
        seed=2024,
        workers=2,
        results=results,
        name="bench-morris",
    )
    wall = time.perf_counter() - t0
    cpu = _cpu() - cpu0
    load1 = os.getloadavg()
    points = res.meta["points"]
    tasks = points * reps
    expected = tasks * baseline / 2
    lines = [
        f"Morris screen of all {space.dims} unit-cube coordinates of "
        f"configs/uncertainty/medical_practice.toml ({len(space.varying)} varying priors), "
        f"r = 10 trajectories, {points} points x {reps} replications = {tasks} paired "
        f"replications (no_nurture and stage_nurture on the same leads), 2 workers.",
        "",
        "| figure | value |",
        "|---|---:|",
        f"| baseline: one paired replication, serial (median of 3) | {baseline:.2f} s |",
        f"| screen wall time | {wall:.0f} s |",
        f"| (paired replications / 2 workers) x baseline | {expected:.0f} s |",
        f"| screen CPU time (process + workers) | {cpu:.0f} s |",
        f"| CPU time / 2 cores (idle-machine wall time) | {cpu / 2:.0f} s |",
        f"| load average (1, 5, 15 min) before | {load0[0]:.1f}, {load0[1]:.1f}, {load0[2]:.1f} |",
        f"| load average after | {load1[0]:.1f}, {load1[1]:.1f}, {load1[2]:.1f} |",
        "",
        f"Target: under {TARGET_SECONDS / 60:.0f} minutes on 2 cores. Wall time "
        f"{'meets' if wall < TARGET_SECONDS else 'misses'} it on this (shared) machine; CPU "
        f"time / 2 {'meets' if cpu / 2 < TARGET_SECONDS else 'misses'} it.",
        "",
        f"Results folder: {_shown(res.run_dir)}",
        "",
        "Top 5 by mu* (lift; incremental net benefit):",
        "",
        f"- lift: {', '.join(res.top('abs_lift'))}",
        f"- net benefit vs no_nurture: {', '.join(res.top('inc_net_benefit_usd'))}",
    ]
    body = "\n".join(lines)
    print(body)
    record("morris screen", body)


if __name__ == "__main__":
    main()
