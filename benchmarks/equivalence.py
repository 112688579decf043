"""Is a new engine the same model as an old one? Paired worlds, old checkout vs this tree.

An engine change that alters the order in which random numbers are drawn (or breaks ties of
simultaneous events differently) changes per-lead outputs while leaving the model the same.
This script tells the two apart: for each shipped strategy it runs the default scenario with
the same seeds under both engines (the old one from a separate checkout, e.g.
``git worktree add ../old <commit>``), and checks

- for each world metric (conversion rate, emails, opens and unsubscribes per lead, sales
  attempts per lead, fully loaded cost per patient), that the mean of the paired differences
  is within 3 standard errors of the difference (sd of the paired differences / sqrt(worlds));
- a two-sample Kolmogorov-Smirnov test on days_to_convert of all patients pooled, at 1%.

Each engine reads the configs of its own checkout (a config format may have moved on).
Arrivals and traits are drawn from streams the engines share, so the worlds are paired: the
same leads, with their responses re-drawn where draw order changed. Each engine runs in its
own interpreter (from a neutral folder, ``PYTHONPATH`` set to its tree); its per-world figures
are kept under ``results/equivalence/`` so a rerun against the same old commit can reuse them
(``--reuse-old``).

Run: python benchmarks/equivalence.py --old DIR [--new DIR] [--worlds 400] [--workers 2]
     [--reuse-old]
"""

from __future__ import annotations

import argparse
import json
import math
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
from scipy import stats

sys.path.insert(0, str(Path(__file__).resolve().parent))
from record import record

ROOT = Path(__file__).resolve().parents[1]
STRATEGIES = ("no_nurture", "newsletter", "stage_nurture", "hard_sell", "fast_response")
METRICS = (
    "conversion_rate",
    "emails_per_lead",
    "opens_per_lead",
    "unsubscribes_per_lead",
    "sales_attempts_per_lead",
    "cost_per_patient_usd",
)

# Run inside the engine's own interpreter: worlds of one strategy, seeds [first, last).
CHILD = """
import json, sys
import numpy as np
import sim
root, strategy, first, last = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
scenario = sim.load_scenario(root + "/configs/scenarios/medical_practice.toml")
plan = sim.load_strategy(root + f"/configs/strategies/{strategy}.toml")
rows, days = [], []
for seed in range(first, last):
    leads = sim.simulate(scenario, plan, seed).leads
    n, conv = len(leads), int(leads.converted.sum())
    rows.append([conv / n, leads.emails_sent.mean(), leads.emails_opened.mean(),
                 leads.unsubscribed.mean(), leads.sales_attempts.mean(),
                 leads.cost_total_usd.sum() / conv if conv else float("nan")])
    days += leads.days_to_convert.dropna().tolist()
print(json.dumps({"rows": rows, "days": days}))
"""


def run_engine(tree: Path, strategy: str, first: int, last: int, cwd: str) -> dict:
    env = {"PYTHONPATH": str(tree), "PATH": "/usr/bin:/bin"}
    out = subprocess.run(
        [sys.executable, "-c", CHILD, str(tree), strategy, str(first), str(last)],
        capture_output=True, text=True, cwd=cwd, env=env, check=True,
    )  # fmt: skip
    return json.loads(out.stdout.strip().splitlines()[-1])


def figures(tree: Path, worlds: int, workers: int) -> dict[str, dict]:
    """Per-world metrics and pooled days_to_convert of every strategy, under one engine."""
    blocks = [(s, a, min(a + 100, worlds)) for s in STRATEGIES for a in range(0, worlds, 100)]
    with tempfile.TemporaryDirectory() as cwd, ThreadPoolExecutor(workers) as pool:
        done = list(pool.map(lambda b: run_engine(tree, *b, cwd), blocks))
    out: dict[str, dict] = {s: {"rows": [], "days": []} for s in STRATEGIES}
    for (s, _, _), got in zip(blocks, done, strict=True):
        out[s]["rows"] += got["rows"]
        out[s]["days"] += got["days"]
    return out


def commit_of(tree: Path) -> str:
    return subprocess.run(["git", "-C", str(tree), "rev-parse", "--short", "HEAD"],
                          capture_output=True, text=True).stdout.strip()  # fmt: skip


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--old", type=Path, required=True, help="checkout of the old engine")
    ap.add_argument("--new", type=Path, default=ROOT, help="checkout of the new engine")
    ap.add_argument("--worlds", type=int, default=400)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--reuse-old", action="store_true", help="reuse the old engine's figures")
    args = ap.parse_args()
    old_commit = commit_of(args.old)
    store = ROOT / "results" / "equivalence"
    store.mkdir(parents=True, exist_ok=True)
    cache = store / f"old-{old_commit}-{args.worlds}.json"
    if args.reuse_old and cache.exists():
        old = json.loads(cache.read_text())
    else:
        old = figures(args.old.resolve(), args.worlds, args.workers)
        cache.write_text(json.dumps(old))
    new = figures(args.new.resolve(), args.worlds, args.workers)
    (store / f"new-{args.worlds}.json").write_text(json.dumps(new))

    lines = [
        f"Default scenario (12 months), {args.worlds} paired worlds (seeds 0-{args.worlds - 1}) "
        f"of each strategy: old engine at commit {old_commit} vs new at {commit_of(args.new)} "
        "(each a separate checkout). A metric passes when "
        "|mean difference| < 3 SE of the paired difference; days_to_convert passes when the "
        "two-sample KS test does not reject at 1%.",
        "",
        "| strategy | metric | old mean | new mean | difference | SE | |diff| / SE | verdict |",
        "|---|---|---:|---:|---:|---:|---:|---|",
    ]
    failed = 0
    for s in STRATEGIES:
        a, b = np.array(old[s]["rows"], dtype=float), np.array(new[s]["rows"], dtype=float)
        for k, name in enumerate(METRICS):
            ok_rows = ~(np.isnan(a[:, k]) | np.isnan(b[:, k]))
            d = b[ok_rows, k] - a[ok_rows, k]
            se = d.std(ddof=1) / math.sqrt(len(d)) if len(d) > 1 else math.nan
            diff = d.mean()
            if se == 0.0:
                verdict, z = ("pass" if diff == 0.0 else "FAIL"), 0.0
            else:
                z = abs(diff) / se
                verdict = "pass" if z < 3.0 else "FAIL"
            failed += verdict != "pass"
            lines.append(f"| {s} | {name} | {a[ok_rows, k].mean():.6g} | "
                         f"{b[ok_rows, k].mean():.6g} | {diff:.3g} | {se:.3g} | {z:.2f} | "
                         f"{verdict} |")  # fmt: skip
        da, db = old[s]["days"], new[s]["days"]
        ks = stats.ks_2samp(da, db)
        verdict = "pass" if ks.pvalue > 0.01 else "FAIL"
        failed += verdict != "pass"
        lines.append(f"| {s} | days_to_convert (KS, {len(da):,} vs {len(db):,}) | "
                     f"{np.mean(da):.4g} | {np.mean(db):.4g} | D = {ks.statistic:.4f} | | "
                     f"p = {ks.pvalue:.3f} | {verdict} |")  # fmt: skip
    lines += ["", f"**{'All checks pass' if not failed else f'{failed} checks FAIL'}.**"]
    text = "\n".join(lines)
    print(text)
    record("old vs new engine: equivalence", text, ROOT / "benchmarks" / "RESULTS-engine.md")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
