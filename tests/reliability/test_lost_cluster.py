"""A Dask cluster that goes away mid-run: one line, exit 2, --resume advice, no silent wait.

A real ``dask scheduler`` and ``dask worker`` on 127.0.0.1 (processes this test starts and
stops); the suite runs as a fresh ``python -m sim.cli`` under the memory cap.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from .conftest import ROOT, SCENARIO, STRATEGY, SUITE, edit, run_nurture, write_files

DASK = str(Path(sys.executable).with_name("dask"))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start(*args: str) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [DASK, *args], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True,
    )  # fmt: skip


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)


def _stop_once_saving(proc: subprocess.Popen, results: Path, timeout: float = 120.0) -> None:
    """Stop ``proc`` as soon as a replication is saved under ``results`` (or after ``timeout``)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if any(results.glob("*/*/replications/rep-*")):
            break
        time.sleep(0.2)
    _stop(proc)


@pytest.mark.slow
@pytest.mark.parametrize("lose", ["workers", "scheduler"])
def test_losing_the_cluster_mid_run_is_one_line_with_resume_advice(lose, tmp_path):
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    scheduler = _start("scheduler", "--host", "127.0.0.1", "--port", str(port),
                       "--no-dashboard")  # fmt: skip
    worker = None
    try:
        time.sleep(5)
        worker = _start("worker", address, "--nworkers", "1", "--nthreads", "1",
                        "--no-dashboard", "--host", "127.0.0.1")  # fmt: skip
        time.sleep(5)
        # So many replications that the run cannot finish before the kill, however fast the
        # engine: the kill waits for the first saved replication (the cluster is mid-run),
        # not for a fixed time that a faster engine outruns.
        suite = edit(SUITE, "replications = 2", "replications = 20000")
        write_files(tmp_path, {"scenario.toml": SCENARIO, "strategy.toml": STRATEGY,
                               "suite.toml": suite})  # fmt: skip
        victim = worker if lose == "workers" else scheduler
        killer = threading.Thread(target=_stop_once_saving, args=(victim, tmp_path / "results"))
        killer.start()
        done = run_nurture(
            ["suite", "suite.toml", "--results", "results", "--executor", "dask",
             "--scheduler", address],
            tmp_path, timeout=180, env={"NURTURE_DASK_WORKER_TIMEOUT": "5"},
        )  # fmt: skip
        killer.join()
    finally:
        for p in (worker, scheduler):
            if p is not None:
                _stop(p)
    assert done.code == 2, done.err[-3000:]
    lines = done.err.splitlines()
    assert len(lines) == 1 and "Traceback" not in done.err, done.err[-3000:]
    assert lines[0].startswith(f"nurture suite: error: --scheduler {address}: ")
    assert "replications finished and saved" in lines[0] and "--resume" in lines[0]
