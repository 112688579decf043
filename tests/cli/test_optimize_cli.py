"""``nurture optimize``: bad input gives exit 2, one line naming the place, nothing written."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.cli import main

ROOT = Path(__file__).resolve().parents[2]
SCENARIO = str(ROOT / "configs" / "scenarios" / "medical_practice.toml")
BASE = str(ROOT / "configs" / "strategies" / "no_nurture.toml")
SPACE = ROOT / "configs" / "spaces" / "cadence_and_calls.toml"


def _args(results: Path, space: Path | str = SPACE, *extra: str) -> list[str]:
    return ["optimize", SCENARIO, BASE, "--space", str(space), "--months", "1",
            "--replications", "3", "--fresh", "4", "--finalists", "2", "--executor", "serial",
            "--results", str(results), *extra]  # fmt: skip


def _edit(tmp_path: Path, old: str, new: str) -> Path:
    text = SPACE.read_text()
    assert old in text
    p = tmp_path / "space.toml"
    p.write_text(text.replace(old, new, 1))
    return p


@pytest.mark.parametrize(
    "old, new, says",
    [
        ("strategy:email.max_emails", "strategy:email.max_emials", "did you mean 'max_emails'"),
        ("low = 3\nhigh = 60", "low = 60\nhigh = 3", "needs low < high"),
        ("max = 0.001", "max = -0.001", "can never hold"),
        ('metric = "net_benefit_usd"', 'metric = "net_benefit"', "unknown metric"),
    ],
)
def test_bad_spaces_exit_2_with_one_line_and_write_nothing(tmp_path, capsys, old, new, says):
    space = _edit(tmp_path, old, new)
    results = tmp_path / "results"
    assert main(_args(results, space, "--budget", "4")) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and str(space) in err and says in err, err
    assert not results.exists()


@pytest.mark.parametrize("budget", ["0", "-3"])
def test_a_budget_of_no_candidates_is_refused(tmp_path, capsys, budget):
    results = tmp_path / "results"
    assert main(_args(results, SPACE, "--budget", budget)) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "--budget" in err
    assert not results.exists()


def test_a_search_with_nothing_feasible_says_so_and_writes_no_winner(tmp_path, capsys):
    # a limit no candidate of this space can meet (at least 1,000 patients from ~100 leads)
    space = tmp_path / "space.toml"
    space.write_text(SPACE.read_text() + '\n[[constraint]]\nmetric = "patients"\nmin = 1000\n')
    results = tmp_path / "results"
    assert main(_args(results, space, "--budget", "4", "--batch", "4")) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "no candidate of 4 met every constraint" in err, err
    assert not list(results.rglob("winner.toml")) and not list(results.rglob("*.csv"))


def test_json_output_names_the_winner(tmp_path, capsys):
    import json

    assert main(_args(tmp_path, SPACE, "--budget", "4", "--batch", "4", "--json")) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["winner"] == "no_nurture_optimized"
    assert (Path(out["run_dir"]) / "winner.toml").is_file()
    # the report: four figures, and the same bytes when rebuilt from the same folder
    from sim.report.optimize import build_optimize_report

    report = Path(out["report"])
    first = report.read_bytes()
    assert b'data-figures="4"' in first and b"Search history" in first
    assert build_optimize_report(out["run_dir"]).read_bytes() == first
