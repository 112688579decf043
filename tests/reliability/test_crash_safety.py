"""A killed ``nurture suite`` never leaves a broken results folder, and ``--resume`` recovers.

Twenty trials SIGKILL a real ``nurture suite`` process group (the command and its worker
processes, as a cancelled CI job is killed) at seeded random moments: a third at a uniform
time over a whole run (start-up included), a third once a random number of the 20
replication checkpoints exist, and a third once the final tables start to appear (while the
manifest and report are written), so that most kills land part-way through. After each kill:

- every visible file under results/ is whole: JSON loads, CSV reads, parquet reads, HTML
  ends with ``</html>``; temporaries exist only under hidden ``.tmp-`` names;
- ``nurture suite --resume`` exits 0, sweeps the temporaries and writes summary.csv,
  replications.csv and curves.json byte-identical to an uninterrupted run.

Workers alternate between 1 and 2, for the killed run and for the resume.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.cli import main

from .conftest import ROOT

TRIALS = 20
SUITE = f"""\
name = "crash"
scenario = "{ROOT / "configs" / "scenarios" / "medical_practice.toml"}"
scenario_overrides = {{ months = 2 }}
design = "paired"
replications = 20
seed = 11
control = "no_nurture"

[[arms]]
name = "no_nurture"
strategy = "{ROOT / "configs" / "strategies" / "no_nurture.toml"}"

[[arms]]
name = "stage_nurture"
strategy = "{ROOT / "configs" / "strategies" / "stage_nurture.toml"}"

[[expect]]
arm = "no_nurture"
metric = "conversion_rate"
between = [0.0, 1.0]
"""
COMPARED = ("summary.csv", "replications.csv", "curves.json")


def _command(suite: Path, results: Path, workers: int, *extra: str) -> list[str]:
    return [
        sys.executable, "-m", "sim.cli", "suite", str(suite),
        "--results", str(results), "--workers", str(workers), *extra,
    ]  # fmt: skip


def _run_dir(results: Path) -> Path | None:
    runs = list((results / "crash").glob("*")) if (results / "crash").is_dir() else []
    return runs[0] if runs else None


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> tuple[Path, dict[str, bytes], float]:
    """An uninterrupted run: the suite file, its outputs' bytes and its wall time."""
    folder = tmp_path_factory.mktemp("crash")
    suite = folder / "crash.toml"
    suite.write_text(SUITE)
    started = time.perf_counter()
    proc = subprocess.run(
        _command(suite, folder / "reference", 1), capture_output=True, text=True, check=False
    )
    seconds = time.perf_counter() - started
    assert proc.returncode == 0, proc.stderr
    run_dir = _run_dir(folder / "reference")
    return suite, {n: (run_dir / n).read_bytes() for n in COMPARED}, seconds


def _check_every_visible_file_is_whole(results: Path) -> list[str]:
    names = []
    for path in sorted(results.rglob("*")):
        if not path.is_file():
            continue
        if any(part.startswith(".") for part in path.relative_to(results).parts):
            assert path.name.startswith(".tmp-") or path.name == ".lock", f"unexpected {path}"
            continue
        names.append(path.name)
        if path.suffix == ".json":
            json.loads(path.read_text())
        elif path.suffix == ".csv":
            pd.read_csv(path)
        elif path.suffix == ".parquet":
            pd.read_parquet(path)
        elif path.suffix == ".html":
            assert path.read_text().rstrip().endswith("</html>"), path
        else:
            path.read_bytes()
    return names


def _checkpoints(results: Path) -> int:
    return len(list(results.rglob("rep-*.json")))


def _kill_group(proc: subprocess.Popen) -> None:
    with contextlib.suppress(ProcessLookupError):  # it may have finished already
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()


@pytest.mark.slow
def test_sigkill_at_random_moments_then_resume(reference, tmp_path, capsys):
    suite, expected, seconds = reference
    rng = np.random.default_rng(20240611)
    landed_part_way = 0  # kills that left some but not all of the run behind
    for trial in range(TRIALS):
        results = tmp_path / f"trial-{trial:02d}"
        workers = 1 + trial % 2
        keep_leads = ("--keep-leads",) if trial % 4 == 3 else ()
        proc = subprocess.Popen(
            _command(suite, results, workers, *keep_leads),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,  # its own process group: kill the workers too
        )
        mode = trial % 3
        if mode == 0:  # any moment of a whole run, start-up included
            time.sleep(rng.uniform(0.0, 1.1 * seconds))
        else:  # after k of 20 checkpoints, or while the final files are being written
            target = int(rng.integers(1, 20))
            deadline = time.monotonic() + 120
            while proc.poll() is None and time.monotonic() < deadline:
                if mode == 1 and _checkpoints(results) >= target:
                    break
                if mode == 2 and any(results.rglob("summary.csv")):
                    break
                time.sleep(0.002)
        _kill_group(proc)
        finished = any(results.rglob("manifest.json"))
        landed_part_way += _checkpoints(results) > 0 and not finished
        if results.exists():
            _check_every_visible_file_is_whole(results)
        code = main(["suite", str(suite), "--results", str(results), "--workers",
                     str(3 - workers), "--resume", *keep_leads])  # fmt: skip
        capsys.readouterr()
        assert code == 0, f"trial {trial}: resume exit {code}"
        run_dir = _run_dir(results)
        for name in COMPARED:
            assert (run_dir / name).read_bytes() == expected[name], f"trial {trial}: {name}"
        assert not list(results.rglob(".tmp-*")), f"trial {trial}: temporaries left"
        names = _check_every_visible_file_is_whole(results)
        assert "manifest.json" in names and "summary.json" in names
        if keep_leads:
            assert "leads.parquet" in names
    print(f"{landed_part_way} of {TRIALS} kills landed part-way through a run")
    # The kills were not all before start-up or after the end.
    assert landed_part_way >= TRIALS // 3, landed_part_way
