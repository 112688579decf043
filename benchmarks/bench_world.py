"""How fast one world runs: leads per second and events per lead, on one core.

Two workloads, both ``stage_nurture`` (the busiest shipped strategy: emails, scoring, calls
on arrival and on hand-off) in the default scenario:

- the default practice: 12 months of arrivals (~1,200 leads), several seeds;
- 100,000 leads: ``leads_per_month`` raised to 100,000 / 12, with the sales team scaled by
  the same factor (2 agents per 100 leads a month) so that the queue is as loaded as in the
  default practice — with 2 agents it would be overloaded and grow without bound, which
  would measure a broken practice rather than the world.

Each world runs in this one process, one after another (one core). Leads per second is
leads / wall-clock seconds of ``simulate`` (building the per-lead DataFrame included).
The target is 20,000 leads/s; when a workload misses it, the script profiles that workload
with cProfile and records the top of the profile. A diagnostic row repeats the large world
with Python's cyclic garbage collector switched off, to show how much of its time that is.

Run: .venv/bin/python benchmarks/bench_world.py [--seeds 10] [--big 100000] [--no-record]
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import gc
import io
import os
import platform
import pstats
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = Path(__file__).resolve().parent / "RESULTS-world.md"
TARGET_LEADS_PER_S = 20_000


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def workload(leads: int | None):
    import sim

    overrides = {}
    if leads is not None:
        per_month = leads / 12
        overrides = {"leads_per_month": per_month, "sales.agents": max(2, round(per_month / 50))}
    scenario = sim.load_scenario(ROOT / "configs/scenarios/medical_practice.toml", overrides)
    strategy = sim.load_strategy(ROOT / "configs/strategies/stage_nurture.toml")
    return scenario, strategy


def measure(leads: int | None, seeds: list[int], gc_off: bool = False) -> dict:
    import sim

    scenario, strategy = workload(leads)
    runs = []
    for seed in seeds:
        if gc_off:
            gc.disable()
        start = time.perf_counter()
        result = sim.simulate(scenario, strategy, seed)
        seconds = time.perf_counter() - start
        gc.enable()
        t = result.totals
        runs.append((t["leads"], t["events"], seconds))
    n = sum(r[0] for r in runs)
    events = sum(r[1] for r in runs)
    seconds = sum(r[2] for r in runs)
    per_run = [r[0] / r[2] for r in runs]
    return {
        "label": ("default practice, 12 months" if leads is None else f"{leads:,} leads")
        + (" (diagnostic: cyclic GC off)" if gc_off else ""),
        "agents": scenario.sales.agents,
        "worlds": len(runs),
        "leads": n,
        "seconds": seconds,
        "leads_per_s": n / seconds,
        "best_leads_per_s": max(per_run),
        "median_leads_per_s": statistics.median(per_run),
        "events_per_lead": events / n,
        "events_per_s": events / seconds,
    }


def profile(leads: int | None, seed: int, top: int = 25) -> str:
    import sim

    scenario, strategy = workload(leads)
    prof = cProfile.Profile()
    prof.enable()
    sim.simulate(scenario, strategy, seed)
    prof.disable()
    buf = io.StringIO()
    stats = pstats.Stats(prof, stream=buf)
    stats.sort_stats("tottime").print_stats(top)
    lines = buf.getvalue().splitlines()
    # Keep the table (from the header row on), with paths made relative to the project.
    start = next(i for i, line in enumerate(lines) if line.strip().startswith("ncalls"))
    table = "\n".join(lines[start:]).replace(str(ROOT) + "/", "")
    return table.replace(sys.prefix + "/", "")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=10, help="seeds of the default practice")
    parser.add_argument("--big", type=int, default=100_000, help="leads in the large world")
    parser.add_argument("--no-record", action="store_true", help="print only")
    args = parser.parse_args(argv)

    import sim  # noqa: F401  (import cost outside the timings)

    rows = [measure(None, list(range(args.seeds))), measure(args.big, [0])]
    # Diagnostic, not a workload: how much of the large world's time is cyclic GC.
    diagnostic = measure(args.big, [0], gc_off=True)
    header = (
        "| workload | agents | worlds | leads | seconds | leads/s | median leads/s per world "
        "| events/lead | events/s |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|"
    )
    table = [header]
    for r in [*rows, diagnostic]:
        table.append(
            f"| {r['label']} | {r['agents']} | {r['worlds']} | {r['leads']:,} | "
            f"{r['seconds']:.2f} | {r['leads_per_s']:,.0f} | {r['median_leads_per_s']:,.0f} | "
            f"{r['events_per_lead']:.1f} | {r['events_per_s']:,.0f} |"
        )
    text = "\n".join(table)
    print(text)

    missed = [r for r, leads in zip(rows, (None, args.big), strict=True)
              if r["leads_per_s"] < TARGET_LEADS_PER_S]  # fmt: skip
    verdict = f"Target: at least {TARGET_LEADS_PER_S:,} leads/s on one core. " + (
        "Met by every workload."
        if not missed
        else "Missed by: "
        + ", ".join(f"{r['label']} ({r['leads_per_s']:,.0f})" for r in missed)
        + "."
    )
    print(verdict)
    profiles = []
    for r in missed:
        leads = None if r["label"].startswith("default") else args.big
        table_text = profile(leads, seed=0)
        profiles.append(
            f"### Profile: {r['label']} (seed 0, cProfile, top 25 by own time)\n\n"
            f"```\n{table_text}\n```\n"
        )
        print(profiles[-1])

    if args.no_record:
        return
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    command = "python " + " ".join([os.path.relpath(sys.argv[0], ROOT), *sys.argv[1:]])
    body = [
        "# World benchmark",
        "",
        f"- machine: nproc {os.cpu_count()}, {cpu_model()}, Python {platform.python_version()}, "
        f"{platform.system()}",
        f"- command: `{command}` (from the project root)",
        f"- date: {dt.date.today().isoformat()}",
        f"- load average after the run (shared machine): {load}",
        "",
        "stage_nurture in the default scenario; one process, worlds run one after another. "
        "Seconds are wall-clock time of `simulate` (per-lead DataFrame included). In the large "
        "world the sales team is scaled with the lead volume (2 agents per 100 leads a month).",
        "",
        text,
        "",
        verdict,
        "",
        *profiles,
    ]
    RESULTS.write_text("\n".join(body).rstrip("\n") + "\n")
    print(f"written {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
