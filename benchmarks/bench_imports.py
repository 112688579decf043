"""Start-up cost of the ``nurture`` command: wall time and what it imports.

Each command line runs in a fresh interpreter (``python -X importtime -m sim.cli ...``) from a
neutral folder (so the current folder's ``sim`` cannot shadow the tree under test), several
times; the table gives the median wall time, the import time Python itself reports (the sum of
every module's own time) and which heavy libraries were loaded. ``--baseline DIR`` times another
checkout in the same run, alternating with this one.

Run: python benchmarks/bench_imports.py [--runs N] [--baseline DIR]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from record import record

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("pandas", "scipy", "statsmodels", "plotly", "simpy", "numpy", "pydantic")
#: ``{tree}`` is the tree under test (its own configs).
VALIDATE = ["validate", "{tree}/configs/scenarios/medical_practice.toml",
            "{tree}/configs/strategies/stage_nurture.toml"]  # fmt: skip
COMMANDS = (["--help"], ["--version"], ["power", "--help"], ["run", "--help"], VALIDATE)


def one_run(tree: Path, argv: list[str], cwd: str) -> tuple[float, float, set[str]]:
    """Wall seconds, import seconds (sum of self times) and top-level packages imported."""
    env = {"PYTHONPATH": str(tree), "PATH": "/usr/bin:/bin"}
    start = time.perf_counter()
    argv = [a.replace("{tree}", str(tree)) for a in argv]
    out = subprocess.run([sys.executable, "-X", "importtime", "-m", "sim.cli", *argv],
                         capture_output=True, text=True, cwd=cwd, env=env)  # fmt: skip
    wall = time.perf_counter() - start
    own, names = 0, set()
    for line in out.stderr.splitlines():
        if line.startswith("import time:") and "|" in line and "self [us]" not in line:
            self_us, _, name = line[len("import time:") :].split("|")
            own += int(self_us)
            names.add(name.strip().split(".")[0])
    return wall, own / 1e6, names


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=9)
    ap.add_argument("--baseline", type=Path, help="another checkout to time beside this one")
    args = ap.parse_args()
    trees = {"this tree": ROOT}
    if args.baseline:
        commit = subprocess.run(["git", "-C", str(args.baseline), "rev-parse", "--short", "HEAD"],
                                capture_output=True, text=True).stdout.strip()  # fmt: skip
        trees[f"baseline {commit}"] = args.baseline.resolve()
    rows = []
    with tempfile.TemporaryDirectory() as cwd:
        for argv in COMMANDS:
            runs: dict[str, list] = {k: [] for k in trees}
            for _ in range(args.runs):  # alternate the trees, so drift hits both alike
                for label, tree in trees.items():
                    runs[label].append(one_run(tree, argv, cwd))
            for label, got in runs.items():
                wall = statistics.median(r[0] for r in got)
                imp = statistics.median(r[1] for r in got)
                heavy = sorted(h for h in HEAVY if h in got[-1][2]) or ["none"]
                shown = " ".join(a.replace("{tree}/", "") for a in argv)
                rows.append((shown, label, wall, imp, ", ".join(heavy)))
                print(
                    f"nurture {shown:<14} {label:<18} wall {wall:.3f} s, "
                    f"imports {imp:.3f} s, heavy: {', '.join(heavy)}",
                    flush=True,
                )
    lines = [
        f"Fresh interpreter per run, median of {args.runs} runs; `python -X importtime -m "
        "sim.cli ARGS` from an empty folder.",
        "",
        "| command | tree | wall s | import s (sum of own times) | heavy libraries loaded |",
        "|---|---|---:|---:|---|",
    ]
    lines += [f"| `nurture {c}` | {t} | {w:.3f} | {i:.3f} | {h} |" for c, t, w, i, h in rows]
    record("nurture start-up", "\n".join(lines), ROOT / "benchmarks" / "RESULTS-engine.md")


if __name__ == "__main__":
    main()
