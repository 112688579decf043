"""The results store under concurrent runs, a full disk, more replications, and its manifest.

Commands run as real processes (forked from the warm ``zygote.py``) under the memory cap and
a time limit; two runs into one results root run at the same time.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest

from .conftest import SCENARIO, STRATEGY, SUITE, snapshot, write_files

FILES = {"scenario.toml": SCENARIO, "strategy.toml": STRATEGY, "suite.toml": SUITE}
ARGV = ["suite", "suite.toml", "--results", "results", "--workers", "1"]
COMPARED = ("summary.csv", "replications.csv", "curves.json")


def _run_dir(results: Path) -> Path:
    (run_dir,) = (results / "tiny").iterdir()
    return run_dir


@pytest.mark.slow
def test_two_runs_into_one_root_both_finish_with_identical_bytes(tmp_path, zygote, zygote2):
    """20 times: two suite runs at once into the same results root.

    The second used to sweep away the first's half-written temporary (FileNotFoundError);
    now the run folder is locked and the second waits for the first.
    """
    write_files(tmp_path, FILES)
    reference = None
    pool = [zygote, zygote2]  # two warm processes, so the two runs are truly concurrent
    for trial in range(20):
        results = tmp_path / f"results-{trial}"
        argv = [*ARGV[:3], str(results), *ARGV[4:]]
        done = [None, None]

        def run(i: int, argv=argv, done=done) -> None:
            done[i] = pool[i].run(argv, tmp_path)

        threads = [threading.Thread(target=run, args=(i,)) for i in (0, 1)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        for d in done:
            assert d.code == 0 and not d.timed_out, d.err
            assert "Traceback" not in d.err
        run_dir = _run_dir(results)
        got = {n: (run_dir / n).read_bytes() for n in COMPARED}
        reference = reference or got
        assert got == reference, f"trial {trial}: bytes differ"
        assert not list(results.rglob(".tmp-*")), f"trial {trial}: temporaries left"


def test_resume_with_more_replications_extends_the_run_byte_for_byte(tmp_path, zygote):
    write_files(tmp_path, FILES)
    first = zygote.run([*ARGV, "--replications", "2"], tmp_path)
    assert first.code == 0, first.err
    run_dir = _run_dir(tmp_path / "results")
    two = (run_dir / "replications.csv").read_text().splitlines()
    reps_before = {p.name: p.read_bytes() for p in (run_dir / "replications").glob("rep-*.json")}
    more = zygote.run([*ARGV, "--replications", "4", "--resume"], tmp_path)
    assert more.code == 0, more.err
    assert _run_dir(tmp_path / "results") == run_dir  # the same run, extended
    manifest = json.loads((run_dir / "manifest.json").read_text())
    assert manifest["replications"] == 4 and manifest["replications_reused"] == 2
    four = (run_dir / "replications.csv").read_text().splitlines()
    assert four[: len(two)] == two  # the first replications' rows are byte-identical
    for name, data in reps_before.items():
        assert (run_dir / "replications" / name).read_bytes() == data
    # And a fresh run of 4 gives the same bytes as the extended one.
    write_files(tmp_path / "fresh", FILES)
    fresh = zygote.run([*ARGV, "--replications", "4"], tmp_path / "fresh")
    assert fresh.code == 0, fresh.err
    fresh_dir = _run_dir(tmp_path / "fresh" / "results")
    for n in COMPARED:
        assert (fresh_dir / n).read_bytes() == (run_dir / n).read_bytes(), n


def test_the_manifest_says_what_ran_and_what_was_read(tmp_path, zygote):
    write_files(tmp_path, FILES)
    done = zygote.run(ARGV, tmp_path)
    assert done.code == 0, done.err
    manifest = json.loads((_run_dir(tmp_path / "results") / "manifest.json").read_text())
    import hashlib

    for name in FILES:
        digest = hashlib.sha256((tmp_path / name).read_bytes()).hexdigest()
        assert manifest["inputs"][name] == digest
    assert manifest["workers"] == 1
    assert manifest["executor_details"] == {"executor": "local", "workers": 1}
    assert manifest["git_dirty"] in (True, False, None)


def test_a_full_disk_while_writing_the_report_is_one_line(tmp_path, zygote):
    """ENOSPC from the report's write: one line, exit 2, the report's temporary removed."""
    write_files(tmp_path, FILES)
    ok = zygote.run(ARGV, tmp_path)  # a first run: its files must stay whole
    assert ok.code == 0, ok.err
    run_dir = _run_dir(tmp_path / "results")
    (run_dir / "report.html").unlink()
    before = snapshot(tmp_path / "results")
    done = zygote.run(ARGV, tmp_path, env={"NURTURE_TEST_FULL_DISK": "report.html"})
    assert done.code == 2, done.err
    lines = done.err.splitlines()
    assert len(lines) == 1 and "Traceback" not in done.err, done.err
    assert "report.html" in lines[0] and "No space left on device" in lines[0]
    assert "--resume" in lines[0]
    after = snapshot(tmp_path / "results")
    assert not [k for k in after if ".tmp-" in k]
    assert "tiny/" + run_dir.name + "/report.html" not in after
    assert set(after) == set(before)  # the same files, each rewritten whole


def test_distinct_sweep_values_give_distinct_arms(tmp_path, zygote):
    from .test_hostile_inputs import SWEEP

    suite = SWEEP.format(values="[1, 1.0000001]", names="[]").replace("names = []\n", "")
    write_files(tmp_path, {**FILES, "suite.toml": suite})
    done = zygote.run(ARGV, tmp_path)
    assert done.code == 0, done.err
    (run_dir,) = (tmp_path / "results" / "sweep").iterdir()
    arms = [row["arm"] for row in json.loads((run_dir / "summary.json").read_text())]
    assert arms == ["calls", "delay_hours=1", "delay_hours=1.0000001"]
