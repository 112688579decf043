"""Speed of the analysis layer: the full comparison of a big per-lead table, and the bootstrap.

Figures (each the best and the median of ``--repeat`` runs, one process, one core):

1. ``compare(df)`` on 10 million leads in 4 arms, from the DataFrame (validation of the
   columns, grouping into sufficient statistics, every interval, guardrails, sample-ratio
   check), with the arm column as text (object dtype, what a CSV gives) and as categorical.
   Target: under 5 s.
2. 2,000 bootstrap resamples (BCa) of the cost-per-conversion ratio on 1 million leads
   (two arms of 500,000), and of one arm's cost per conversion on 1 million leads.
   Target: under 10 s.
3. ``nurture analyze`` reading a 1-million-row CSV in chunks (for information).

Run: .venv/bin/python benchmarks/bench_analysis.py [--rows 10000000] [--repeat 3]
Writes the figures to benchmarks/RESULTS-analysis.md (machine, command, date).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from sim.analysis import compare
from sim.analysis.bootstrap import bootstrap_cpc
from sim.analysis.csv_input import read_outcome_csv

sys.path.insert(0, str(Path(__file__).resolve().parent))
from record import machine as record_machine  # the shared machine description

RESULTS = Path(__file__).resolve().parent / "RESULTS-analysis.md"


def leads(rows: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    arms = np.array(["control", "stage_nurture", "weekly_blast", "speed_to_lead"], dtype=object)
    codes = rng.integers(0, 4, rows)
    rate = np.array([0.18, 0.22, 0.17, 0.20])[codes]
    converted = rng.random(rows) < rate
    cost = 40.0 + rng.exponential(25.0, rows) + 30.0 * converted
    return pd.DataFrame(
        {
            "arm": arms[codes],
            "converted": converted,
            "cost_total_usd": cost,
            "unsubscribed": rng.random(rows) < 0.03,
            "complained": rng.random(rows) < 0.002,
        }
    )


def timed(func, repeat: int) -> tuple[float, float]:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return min(times), statistics.median(times)


def bench_compare(n: int, repeat: int) -> list[tuple[str, float, float, float]]:
    df = leads(n)
    cat = df.assign(arm=df["arm"].astype("category"))
    out = []
    for label, frame in (("arm as text", df), ("arm categorical", cat)):
        best, median = timed(lambda frame=frame: compare(frame, control="control"), repeat)
        out.append((f"compare(df), {n:,} leads, 4 arms, {label}", best, median, 5.0))
    return out


def machine() -> str:
    return f"{record_machine()}, numpy {np.__version__}, pandas {pd.__version__}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--boot-rows", type=int, default=1_000_000)
    parser.add_argument("--resamples", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args()

    rows = [*bench_compare(args.rows, args.repeat)]
    boot = leads(args.boot_rows, seed=1)
    half = boot.iloc[: args.boot_rows // 2], boot.iloc[args.boot_rows // 2 :]
    pair = [(h["converted"].to_numpy(), h["cost_total_usd"].to_numpy()) for h in half]
    one = [(boot["converted"].to_numpy(), boot["cost_total_usd"].to_numpy())]

    def ratio():
        return bootstrap_cpc(
            [None, None],
            pair,
            kind="ratio",
            method="bootstrap-bca",
            n_resamples=args.resamples,
            seed=1,
        )

    def single():
        return bootstrap_cpc(
            [None], one, method="bootstrap-bca", n_resamples=args.resamples, seed=1
        )

    best, median = timed(ratio, args.repeat)
    rows.append(
        (
            f"bootstrap BCa, {args.resamples:,} resamples, CPC ratio, "
            f"2 x {args.boot_rows // 2:,} leads",
            best,
            median,
            10.0,
        )
    )
    best, median = timed(single, args.repeat)
    rows.append(
        (
            f"bootstrap BCa, {args.resamples:,} resamples, one arm's CPC, {args.boot_rows:,} leads",
            best,
            median,
            10.0,
        )
    )

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "leads.csv"
        boot.assign(converted=boot["converted"].astype(int)).to_csv(path, index=False)

        def read():
            return read_outcome_csv(
                path, arm_col="arm", converted_col="converted", cost_col="cost_total_usd"
            )

        best, median = timed(read, args.repeat)
        rows.append(
            (
                f"read_outcome_csv (nurture analyze input), {args.boot_rows:,} rows",
                best,
                median,
                float("nan"),
            )
        )

    lines = ["| task | best s | median s | target s |", "|---|---:|---:|---:|"]
    for task, best, median, target in rows:
        goal = "" if np.isnan(target) else f"< {target:g}"
        lines.append(f"| {task} | {best:.2f} | {median:.2f} | {goal} |")
    table = "\n".join(lines)
    print(table)
    load = ", ".join(f"{v:.1f}" for v in os.getloadavg())
    if not args.no_write:
        command = " ".join([".venv/bin/python", os.path.relpath(sys.argv[0]), *sys.argv[1:]])
        RESULTS.write_text(
            "# Analysis benchmarks\n\n"
            f"- machine: {machine()}\n- command: `{command}`\n"
            f"- date: {dt.date.today().isoformat()}\n- repeats: {args.repeat} (best and median)\n"
            f"- load average after the run (shared machine): {load}\n\n"
            f"{table}\n\n"
            "Bootstrap arms above 50,000 leads are resampled as 50,000 random blocks of leads "
            "(see sim/analysis/bootstrap.py); smaller arms are resampled lead by lead.\n"
        )


if __name__ == "__main__":
    main()
