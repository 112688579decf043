"""The world against SimPy's own limit: leads/s, events/s, events per lead, peak memory.

For each size, one world of ``stage_nurture`` in the default scenario (the lead volume scaled
by ``leads_per_month``, the sales team scaled with it so the queue behaves as in the default
practice), run in a fresh process so its peak memory is its own. Beside it, a bare SimPy
reference: generator processes doing nothing but ``env.timeout``, with the same number of
processes (leads), the same number of events, and the same number of processes alive at once
(each lives ``window_days`` of simulated time). The ratio of the two costs per event is the
model's overhead over the engine.

Run: python benchmarks/bench_engine.py [SIZES...]   (default: 1200 100000 1000000)
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from record import record

ROOT = Path(__file__).resolve().parents[1]


def world_child(leads: int, seed: int) -> dict:
    import sim

    per_month = leads / 12
    agents = max(2, round(2 * per_month / 100))
    scenario = sim.load_scenario(ROOT / "configs/scenarios/medical_practice.toml",
                                 {"leads_per_month": per_month, "sales.agents": agents})
    strategy = sim.load_strategy(ROOT / "configs/strategies/stage_nurture.toml")
    start = time.perf_counter()
    result = sim.simulate(scenario, strategy, seed)
    seconds = time.perf_counter() - start
    t = result.totals
    return {"leads": t["leads"], "events": t["events"], "seconds": seconds,
            "window": scenario.window_days, "days": t["days_simulated"], "agents": agents,
            "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def bare_child(leads: int, events: int, window: float, arrival_days: float) -> dict:
    """Same processes, events and concurrency, but every event is a bare timeout."""
    import simpy

    env = simpy.Environment()
    per_lead = max(1, round((events - leads) / leads))  # the arrival timeout is one event
    gap = arrival_days / leads
    step = window / per_lead

    def lead(env):
        for _ in range(per_lead):
            yield env.timeout(step)

    def arrivals(env):
        for _ in range(leads):
            yield env.timeout(gap)
            env.process(lead(env))

    env.process(arrivals(env))
    start = time.perf_counter()
    env.run()
    seconds = time.perf_counter() - start
    return {"events": next(env._eid), "seconds": seconds,
            "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def in_child(fn: str, *args) -> dict:
    code = (f"import sys, json; sys.path.insert(0, {str(Path(__file__).parent)!r}); "
            f"import bench_engine as b; print(json.dumps(b.{fn}(*{args!r})))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    sizes = [int(a) for a in sys.argv[1:]] or [1200, 100_000, 1_000_000]
    rows = []
    for size in sizes:
        w = in_child("world_child", size, 1)
        arrival_days = w["days"] - w["window"]
        b = in_child("bare_child", w["leads"], w["events"], w["window"], arrival_days)
        ours = w["seconds"] / w["events"]
        bare = b["seconds"] / b["events"]
        rows.append((w, b, ours / bare))
        print(f"{w['leads']:>9,} leads: {w['leads'] / w['seconds']:,.0f} leads/s, "
              f"{w['events'] / w['seconds']:,.0f} events/s, {w['events'] / w['leads']:.1f} "
              f"events/lead, peak {w['peak_mib']:.0f} MiB; bare SimPy "
              f"{b['events'] / b['seconds']:,.0f} events/s; ratio {ours / bare:.1f}x",
              flush=True)
    lines = ["stage_nurture in the default scenario, 12 months of arrivals, lead volume and "
             "sales agents scaled together; one core, one process per row.", "",
             "| leads | agents | seconds | leads/s | events/lead | events/s | peak MiB | "
             "bare SimPy events/s | cost per event vs bare |",
             "|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for w, b, ratio in rows:
        lines.append(f"| {w['leads']:,} | {w['agents']} | {w['seconds']:.1f} | "
                     f"{w['leads'] / w['seconds']:,.0f} | {w['events'] / w['leads']:.1f} | "
                     f"{w['events'] / w['seconds']:,.0f} | {w['peak_mib']:.0f} | "
                     f"{b['events'] / b['seconds']:,.0f} | {ratio:.1f}x |")
    record("world vs bare SimPy", "\n".join(lines))


if __name__ == "__main__":
    main()
