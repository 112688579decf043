"""The world as an engine: this tree beside an old checkout, and beside bare SimPy.

Four measurements, each a ratio taken in one run on one machine (absolute speeds differ
threefold between machines and with the load of a shared one):

1. ``paired``: the default practice (12 months, ``stage_nurture``), in-process leads/s of this
   tree and of an old checkout (``--old DIR``), in fresh interpreters taken in turn (old, new,
   old, new ...); each run times several worlds after a warm-up; medians and the per-pair ratio.
2. ``sizes``: one world of 1,200, 100,000 and 1,000,000 leads (lead volume and sales agents
   scaled together so the queue is as loaded as in the default practice), each in a fresh
   process so its peak memory is its own; beside it a bare SimPy reference with the same
   processes, events and concurrency (every event a bare timeout), and each size's cost per
   lead relative to the 1,200-lead world. With ``--old``, the old engine's rows too.
3. ``process``: the whole ``nurture run SCENARIO stage_nurture --months 600 --json`` process
   (about 60,000 leads, interpreter start and imports included) against
   ``benchmarks/bare_simpy.py`` (the same arrivals, each lead a process of 10 exponential
   timeouts), in turn; per-lead cost ratio, bare / ours (>= 1 means as cheap as bare SimPy).
4. ``demo``: ``nurture demo`` (the 20-replication seed-claims suite, all cores) wall time,
   this tree vs ``--old``, in turn.

Run: python benchmarks/bench_engine.py [--old DIR] [--only paired,sizes,process,demo]
     [--sizes 1200 100000 1000000] [--pairs 5]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from record import record

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "RESULTS-engine.md"
SCENARIO = "configs/scenarios/medical_practice.toml"
STRATEGY = "configs/strategies/stage_nurture.toml"


def world_child(root: str, leads: int, seed: int) -> dict:
    import resource

    from sim.config import load_scenario, load_strategy
    from sim.world.model import simulate

    per_month = leads / 12
    agents = max(2, round(2 * per_month / 100))
    scenario = load_scenario(Path(root) / SCENARIO,
                             {"leads_per_month": per_month, "sales.agents": agents})  # fmt: skip
    strategy = load_strategy(Path(root) / STRATEGY)
    start, cpu = time.perf_counter(), time.process_time()
    result = simulate(scenario, strategy, seed)
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    t = result.totals
    return {"leads": t["leads"], "events": t["events"], "seconds": seconds, "cpu": cpu,
            "window": scenario.window_days, "days": t["days_simulated"], "agents": agents,
            "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}  # fmt: skip


def default_child(root: str, worlds: int) -> dict:
    """Leads/s of the default practice: one warm-up world, then ``worlds`` timed ones."""
    from sim.config import load_scenario, load_strategy
    from sim.world.model import simulate

    scenario = load_scenario(Path(root) / SCENARIO)
    strategy = load_strategy(Path(root) / STRATEGY)
    simulate(scenario, strategy, 0)
    leads, start, cpu = 0, time.perf_counter(), time.process_time()
    for seed in range(1, worlds + 1):
        leads += len(simulate(scenario, strategy, seed).leads)
    return {"leads": leads, "seconds": time.perf_counter() - start,
            "cpu": time.process_time() - cpu}  # fmt: skip


def bare_child(leads: int, events: int, window: float, arrival_days: float) -> dict:
    """Same processes, events and concurrency, but every event is a bare timeout."""
    import resource

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
            "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}  # fmt: skip


def in_child(tree: Path, fn: str, *args) -> dict:
    """Run ``fn(*args)`` of this module in a fresh interpreter with ``tree`` first on the path."""
    code = (f"import sys, json; sys.path.insert(0, {str(Path(__file__).parent)!r}); "
            f"import bench_engine as b; print(json.dumps(b.{fn}(*{args!r})))")  # fmt: skip
    env = {**os.environ, "PYTHONPATH": str(tree)}
    with tempfile.TemporaryDirectory() as cwd:  # a neutral folder: no ``sim`` to shadow tree's
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                             check=True, env=env, cwd=cwd)  # fmt: skip
    return json.loads(out.stdout.strip().splitlines()[-1])


def timed_process(argv: list[str], cwd: str, env: dict) -> tuple[float, float, float]:
    """Wall and CPU seconds and peak MiB of one whole process (its own rusage, via wait4)."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, cwd=cwd, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)  # fmt: skip
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode:
        raise RuntimeError(f"{argv} exited {proc.returncode}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def commit_of(tree: Path) -> str:
    return subprocess.run(["git", "-C", str(tree), "rev-parse", "--short", "HEAD"],
                          capture_output=True, text=True).stdout.strip()  # fmt: skip


def _median_row(label: str, runs: list[tuple[float, float, float]]) -> str:
    wall, cpu, peak = (statistics.median(r[k] for r in runs) for k in range(3))
    return f"| {label} | {wall:.2f} | {cpu:.2f} | {peak:.0f} |"


def bench_paired(old: Path, pairs: int, worlds: int) -> str:
    ratios, new_rates, old_rates, cpu_ratios = [], [], [], []
    for _ in range(pairs):
        o = in_child(old, "default_child", str(old), worlds)
        n = in_child(ROOT, "default_child", str(ROOT), worlds)
        old_rates.append(o["leads"] / o["seconds"])
        new_rates.append(n["leads"] / n["seconds"])
        ratios.append(new_rates[-1] / old_rates[-1])
        cpu_ratios.append((n["leads"] / n["cpu"]) / (o["leads"] / o["cpu"]))
        print(f"pair: old {old_rates[-1]:,.0f} leads/s, new {new_rates[-1]:,.0f} leads/s, "
              f"ratio {ratios[-1]:.2f}", flush=True)  # fmt: skip
    return "\n".join([
        f"Default practice, `stage_nurture`, 12 months; {pairs} pairs of fresh interpreters in "
        f"turn (old, new), each timing {worlds} worlds after a warm-up; in-process "
        "`simulate` time.", "",
        "| engine | leads/s (median) | min | max |", "|---|---:|---:|---:|",
        f"| old {commit_of(old)} | {statistics.median(old_rates):,.0f} | "
        f"{min(old_rates):,.0f} | {max(old_rates):,.0f} |",
        f"| new {commit_of(ROOT)} | {statistics.median(new_rates):,.0f} | "
        f"{min(new_rates):,.0f} | {max(new_rates):,.0f} |", "",
        f"Speed-up new / old, median of the pairs: **{statistics.median(ratios):.2f}x** "
        f"(pairs {min(ratios):.2f}-{max(ratios):.2f}x; target >= 5x); on CPU time "
        f"{statistics.median(cpu_ratios):.2f}x.",
    ])  # fmt: skip


def bench_sizes(trees: dict[str, Path], sizes: list[int]) -> str:
    lines = ["`stage_nurture` in the default scenario, 12 months of arrivals, lead volume and "
             "sales agents scaled together; one core, one process per row. Per-lead cost is "
             "relative to the same engine's first row.", "",
             "Per-lead cost is given on wall time and on CPU time (the process's own; a shared "
             "machine's load inflates wall time).", "",
             "| engine | leads | agents | seconds | CPU s | leads/s | per-lead cost vs first "
             "row (wall) | (CPU) | events/lead | peak MiB | bare SimPy events/s | cost per "
             "event vs bare |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]  # fmt: skip
    for label, tree in trees.items():
        first = first_cpu = None
        for size in sizes:
            w = in_child(tree, "world_child", str(tree), size, 1)
            b = in_child(ROOT, "bare_child", w["leads"], w["events"], w["window"],
                         w["days"] - w["window"])  # fmt: skip
            per_lead = w["seconds"] / w["leads"]
            cpu_per_lead = w["cpu"] / w["leads"]
            first = first or per_lead
            first_cpu = first_cpu or cpu_per_lead
            ratio = (w["seconds"] / w["events"]) / (b["seconds"] / b["events"])
            row = (f"| {label} | {w['leads']:,} | {w['agents']} | {w['seconds']:.1f} | "
                   f"{w['cpu']:.1f} | {w['leads'] / w['seconds']:,.0f} | {per_lead / first:.2f}x | "
                   f"{cpu_per_lead / first_cpu:.2f}x | "
                   f"{w['events'] / w['leads']:.1f} | {w['peak_mib']:.0f} | "
                   f"{b['events'] / b['seconds']:,.0f} | {ratio:.1f}x |")  # fmt: skip
            print(row, flush=True)
            lines.append(row)
    return "\n".join(lines)


def bench_process(runs: int) -> str:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    ours = [sys.executable, "-m", "sim.cli", "run", str(ROOT / SCENARIO), str(ROOT / STRATEGY),
            "--months", "600", "--json"]  # fmt: skip
    bare = [sys.executable, str(ROOT / "benchmarks" / "bare_simpy.py"), "--months", "600"]
    with tempfile.TemporaryDirectory() as cwd:
        out = subprocess.run(ours, cwd=cwd, env=env, capture_output=True, text=True, check=True)
        leads = json.loads(out.stdout)["leads"]
        out = subprocess.run(bare, cwd=cwd, env=env, capture_output=True, text=True, check=True)
        bare_leads = json.loads(out.stdout)["leads"]
        a, b = [], []
        for _ in range(runs):
            a.append(timed_process(ours, cwd, env))
            b.append(timed_process(bare, cwd, env))
    ratios = [(y[0] / bare_leads) / (x[0] / leads) for x, y in zip(a, b, strict=True)]
    return "\n".join([
        f"Whole processes in turn, {runs} runs each, from an empty folder; wall and CPU "
        "seconds and peak memory from each process's own rusage.", "",
        "| process | wall s (median) | CPU s | peak MiB |", "|---|---:|---:|---:|",
        _median_row(f"`nurture run ... stage_nurture --months 600 --json` ({leads:,} leads)", a),
        _median_row(f"`bare_simpy.py --months 600` ({bare_leads:,} leads x 10 timeouts)", b),
        "",
        f"Per-lead cost, bare SimPy / ours, median of the pairs: "
        f"**{statistics.median(ratios):.3f}** (target >= 1.0).",
    ])  # fmt: skip


def bench_demo(old: Path, runs: int) -> str:
    a, b = [], []
    for _ in range(runs):
        for tree, out in ((old, b), (ROOT, a)):
            results = tempfile.mkdtemp()
            try:
                env = {**os.environ, "PYTHONPATH": str(tree)}
                argv = [sys.executable, "-m", "sim.cli", "demo", "--results", results]
                out.append(timed_process(argv, str(tree), env))  # demo runs from its project
            finally:
                shutil.rmtree(results, ignore_errors=True)
    ratio = statistics.median(x[0] / y[0] for x, y in zip(a, b, strict=True))
    return "\n".join([
        f"`nurture demo` (20 replications, all cores), whole process, {runs} runs each in turn.",
        "", "| engine | wall s (median) | CPU s | peak MiB |", "|---|---:|---:|---:|",
        _median_row(f"old {commit_of(old)}", b), _median_row(f"new {commit_of(ROOT)}", a), "",
        f"Wall time new / old, median of the pairs: **{ratio:.2f}** (target <= 0.33).",
    ])  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--old", type=Path, help="a checkout of the previous engine")
    ap.add_argument("--only", default="paired,sizes,process,demo")
    ap.add_argument("--sizes", type=int, nargs="+", default=[1200, 100_000, 1_000_000])
    ap.add_argument("--pairs", type=int, default=5)
    ap.add_argument("--worlds", type=int, default=5, help="worlds per paired run")
    args = ap.parse_args()
    only = set(args.only.split(","))
    trees = {f"new {commit_of(ROOT)}": ROOT}
    if args.old:
        trees = {f"old {commit_of(args.old)}": args.old.resolve(), **trees}
    if "paired" in only and args.old:
        paired = bench_paired(args.old, args.pairs, args.worlds)
        record("engine: old vs new, default practice", paired, RESULTS)
    if "sizes" in only:
        record("engine: world sizes vs bare SimPy", bench_sizes(trees, args.sizes), RESULTS)
    if "process" in only:
        record("engine: whole nurture run vs bare SimPy", bench_process(args.pairs), RESULTS)
    if "demo" in only and args.old:
        record("engine: demo suite", bench_demo(args.old, max(1, args.pairs // 2)), RESULTS)


if __name__ == "__main__":
    main()
