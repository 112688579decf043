"""Suites and the results store: same bytes, resume after a kill, atomic files."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from sim.cli import main
from sim.experiment.runner import run_suite
from sim.experiment.suite import load_suite

from .conftest import write_suite


def _run(suite: Path, results: Path, *args: str) -> tuple[int, Path]:
    code = main(["suite", str(suite), "--results", str(results), *args])
    (run_dir,) = (results / load_suite(suite).name).iterdir()
    return code, run_dir


def test_suite_writes_the_store(tiny_suite, tmp_path, capsys):
    code, run_dir = _run(tiny_suite, tmp_path / "results", "--workers", "1")
    assert code == 0
    names = {p.name for p in run_dir.iterdir()}
    assert {
        "manifest.json",
        "replications.csv",
        "summary.csv",
        "summary.json",
        "curves.json",
        "expectations.json",
    } <= names
    manifest = json.loads((run_dir / "manifest.json").read_text())
    assert manifest["seed"] == 3 and manifest["replications"] == 4
    assert "numpy" in manifest["versions"]
    from sim.experiment.store import sha256_file

    assert manifest["outputs"]["summary.csv"] == sha256_file(run_dir / "summary.csv")
    out = capsys.readouterr().out
    assert "held" in out and "no_nurture" in out


def test_same_bytes_on_rerun_and_with_two_workers(tiny_suite, tmp_path):
    _, a = _run(tiny_suite, tmp_path / "a", "--workers", "1")
    _, b = _run(tiny_suite, tmp_path / "b", "--workers", "2")
    _, c = _run(tiny_suite, tmp_path / "a", "--workers", "2")  # rerun over the same folder
    for name in ("summary.csv", "replications.csv", "curves.json", "expectations.json"):
        assert (a / name).read_bytes() == (b / name).read_bytes() == (c / name).read_bytes()


@pytest.mark.slow
def test_same_bytes_with_the_dask_executor(tiny_suite, tmp_path):
    pytest.importorskip("dask.distributed")
    _, a = _run(tiny_suite, tmp_path / "a", "--workers", "1")
    _, b = _run(tiny_suite, tmp_path / "b", "--executor", "dask", "--workers", "2")
    assert (a / "summary.csv").read_bytes() == (b / "summary.csv").read_bytes()


def test_a_failed_expectation_exits_1(tmp_path, capsys):
    suite = write_suite(
        tmp_path,
        "failing",
        replications=2,
        extra="""
[[expect]]
arm = "stage_nurture"
metric = "conversion_rate"
between = [0.9, 1.0]
""",
    )
    code, _ = _run(suite, tmp_path / "results", "--workers", "1")
    assert code == 1
    assert "FAILED" in capsys.readouterr().out


def test_resume_reuses_finished_replications(tiny_suite, tmp_path):
    suite = load_suite(tiny_suite)
    first = run_suite(suite, tmp_path, workers=1, report=False)
    again = run_suite(suite, tmp_path, workers=1, resume=True, report=False)
    assert again.reused == suite.config.replications
    assert (first.run_dir / "summary.csv").read_bytes() == (
        again.run_dir / "summary.csv"
    ).read_bytes()


def _visible_files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file() and not p.name.startswith(".")]


@pytest.mark.slow
def test_sigkill_then_resume_gives_the_same_summary(tmp_path):
    suite = write_suite(tmp_path, "killme", replications=30, months=3)
    results = tmp_path / "results"
    reference = tmp_path / "reference"
    _, ref_dir = _run(suite, reference, "--workers", "1")
    cmd = [
        sys.executable,
        "-m",
        "sim.cli",
        "suite",
        str(suite),
        "--results",
        str(results),
        "--workers",
        "1",
    ]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    # Kill once some but not all replications are checkpointed.
    deadline = time.time() + 120
    while time.time() < deadline:
        done = list(results.rglob("rep-*.json"))
        if len(done) >= 3:
            break
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    checkpoints = list(results.rglob("rep-*.json"))
    assert 0 < len(checkpoints) < 30, "the kill did not land part-way"
    for f in _visible_files(results):  # every visible file is whole
        if f.suffix == ".json":
            json.loads(f.read_text())
    code, run_dir = _run(suite, results, "--workers", "1", "--resume")
    assert code == 0
    assert (run_dir / "summary.csv").read_bytes() == (ref_dir / "summary.csv").read_bytes()
    assert not [p for p in results.rglob(".tmp-*")], "temporaries left behind"


@pytest.mark.parametrize(
    ("body", "needle"),
    [
        ('name = "../escape"', "name"),
        ('control = "nobody"', "control"),
        ('design = "crossover"', "design"),
        ("replications = 0", "replications"),
    ],
)
def test_bad_suites_exit_2_with_one_line(tiny_suite, tmp_path, capsys, body, needle):
    text = tiny_suite.read_text()
    key = body.split(" = ")[0]
    lines = [ln for ln in text.splitlines() if not ln.startswith(f"{key} =")]
    bad = tmp_path / "bad.toml"
    bad.write_text(body + "\n" + "\n".join(lines))
    code = main(["suite", str(bad), "--results", str(tmp_path / "r")])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2
    assert len(err) == 1 and str(bad) in err[0] and needle in err[0]
    assert not (tmp_path / "r").exists()


def test_suite_naming_a_missing_strategy_file(tiny_suite, tmp_path, capsys):
    bad = tmp_path / "missing.toml"
    bad.write_text(tiny_suite.read_text().replace("stage_nurture.toml", "nope.toml"))
    code = main(["suite", str(bad), "--results", str(tmp_path / "r")])
    err = capsys.readouterr().err
    assert code == 2 and "nope.toml" in err and "arms[1].strategy" in err


def test_a_second_store_on_a_folder_this_process_holds_takes_the_lock_over(tmp_path):
    # flock on a second descriptor of the same process would wait for ever: the second store
    # must take the lock over, and the folder is released only when its holder closes.
    import fcntl

    from sim.experiment.store import LOCK_NAME, RunStore

    first = RunStore(tmp_path, "s", "run")
    first.prepare()  # never closed, as after an interrupted run in a notebook
    second = RunStore(tmp_path, "s", "run")
    second.prepare()  # returns instead of waiting on itself
    first.close()  # no longer the holder: the lock stays with ``second``
    probe = os.open(tmp_path / "s" / "run" / LOCK_NAME, os.O_RDWR)
    try:
        with pytest.raises(BlockingIOError):
            fcntl.flock(probe, fcntl.LOCK_EX | fcntl.LOCK_NB)
        second.close()
        fcntl.flock(probe, fcntl.LOCK_EX | fcntl.LOCK_NB)  # released now
    finally:
        os.close(probe)
