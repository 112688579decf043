"""SIGTERM (a CI cancel, ``timeout``) is handled like Ctrl-C: workers stopped, exit 143,
finished replications kept, and ``--resume`` completes with byte-identical summaries."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

SUITE = """
name = "sigterm_check"
scenario = "{scenario}"
scenario_overrides = {{ months = 24 }}
design = "paired"
replications = 40
seed = 11
control = "no_nurture"

[[arms]]
name = "no_nurture"
strategy = "{strategies}/no_nurture.toml"

[[arms]]
name = "stage_nurture"
strategy = "{strategies}/stage_nurture.toml"
"""


def nurture(*args: str) -> list[str]:
    return [sys.executable, "-m", "sim.cli", *args]


def descendants(pid: int) -> set[int]:
    """Every process whose parent chain leads to ``pid`` (read from /proc)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    out, frontier = set(), {pid}
    while frontier:
        frontier = {p for p, pp in parents.items() if pp in frontier} - out
        out |= frontier
    return out


def alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads the process table from /proc")
def test_sigterm_stops_workers_keeps_replications_and_resume_is_identical(tmp_path):
    suite = tmp_path / "suite.toml"
    suite.write_text(
        SUITE.format(
            scenario=ROOT / "configs/scenarios/medical_practice.toml",
            strategies=ROOT / "configs/strategies",
        )
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    run = ["suite", str(suite), "--workers", "2"]
    stopped = tmp_path / "stopped"
    proc = subprocess.Popen(
        nurture(*run, "--results", str(stopped)),
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    reps = stopped / "sigterm_check"
    deadline = time.monotonic() + 120
    while not list(reps.glob("*/replications/rep-*.json")):
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "no replication finished in 120 s"
        time.sleep(0.05)
    children = descendants(proc.pid)
    assert children  # the worker processes, which must not outlive the run
    proc.send_signal(signal.SIGTERM)
    _out, err = proc.communicate(timeout=30)
    assert proc.returncode == 143, err
    assert b"Traceback" not in err
    time.sleep(5)
    assert [p for p in children if alive(p)] == []
    kept = list(reps.glob("*/replications/rep-*.json"))
    assert 1 <= len(kept) < 40  # stopped part-way, finished replications kept
    assert not list(reps.glob("*/summary.csv"))

    resumed = subprocess.run(
        nurture(*run, "--results", str(stopped), "--resume"),
        cwd=tmp_path,
        env=env,
        capture_output=True,
        timeout=600,
    )
    assert resumed.returncode == 0, resumed.stderr
    assert b"reused" in resumed.stdout
    fresh = subprocess.run(
        nurture(*run, "--results", str(tmp_path / "fresh")),
        cwd=tmp_path,
        env=env,
        capture_output=True,
        timeout=600,
    )
    assert fresh.returncode == 0, fresh.stderr
    for name in ("summary.csv", "replications.csv"):
        (a,) = reps.glob(f"*/{name}")
        (b,) = (tmp_path / "fresh/sigterm_check").glob(f"*/{name}")
        assert a.read_bytes() == b.read_bytes(), name
