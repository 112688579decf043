"""``nurture compare --design split --looks monthly``: the looks a practice would have seen."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from scipy.stats import norm

from sim.cli import main
from sim.config import load_scenario, load_strategy
from sim.experiment.experiment import Experiment
from sim.experiment.looks import look_counts, monitor_looks, monthly_cutoffs

ROOT = Path(__file__).resolve().parents[2]
SCENARIO = str(ROOT / "configs/scenarios/medical_practice.toml")
NO, STAGE, HARD = (
    str(ROOT / f"configs/strategies/{n}.toml") for n in ("no_nurture", "stage_nurture", "hard_sell")
)
BASE = [SCENARIO, NO, STAGE, "--design", "split", "--months", "3", "--workers", "1", "--seed", "4"]


def _json(capsys, *argv: str) -> dict:
    assert main(["compare", *argv, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_json_looks_are_the_librarys_looks_of_replication_0(capsys):
    out = _json(capsys, *BASE, "--replications", "2", "--looks", "monthly")
    assert out["monitor"] == "obf" and out["information"] == "statistical"
    assert [r["look"] for r in out["looks"]] == [1, 2, 3]
    assert {r["arm"] for r in out["looks"]} == {"stage_nurture"}
    # the same experiment through the library
    arms = {n: load_strategy(ROOT / f"configs/strategies/{n}.toml")
            for n in ("no_nurture", "stage_nurture")}  # fmt: skip
    result = Experiment(load_scenario(SCENARIO, {"months": 3}), arms, control="no_nurture",
                        design="split", replications=2, seed=4, keep_leads=True).run(1)  # fmt: skip
    counts = look_counts(result.leads, "no_nurture", "stage_nurture", monthly_cutoffs(3))
    expected = monitor_looks(counts[counts["replication"] == 0], method="obf")
    for record, (_, row) in zip(out["looks"], expected.iterrows(), strict=True):
        for key in ("n_control", "conversions_control", "n_treatment", "conversions_treatment"):
            assert record[key] == row[key]
        assert record["z"] == pytest.approx(row["z"])
        assert record["boundary"] == pytest.approx(row["boundary"])
        assert record["stop"] == row["stop"]
    # the summary is still there, unchanged in form
    assert [c["arm"] for c in out["comparisons"]] == ["no_nurture", "stage_nurture"]
    stopping = out["stopping"]
    assert [r["look"] for r in stopping] == [1, 2, 3]
    assert all(r["runs"] == 2 and 0 <= r["stopped"] <= 2 for r in stopping)


def test_text_output_has_a_row_per_month_and_arm(capsys):
    argv = [SCENARIO, NO, STAGE, HARD, *BASE[3:], "--replications", "1", "--looks", "monthly"]
    assert main(["compare", *argv, "--monitor", "pocock"]) == 0
    text = capsys.readouterr().out
    assert "Monthly looks at replication 0 (pocock" in text
    rows = [line for line in text.splitlines() if line.startswith("| hard_sell ")]
    # the summary row, the versus-control row, the value row and three looks
    assert len(rows) == 1 + 1 + 1 + 3
    assert "Share of the" not in text  # one replication: nothing to share out


def test_naive_boundary_and_planned_leads(capsys):
    out = _json(capsys, *BASE, "--replications", "1", "--looks", "monthly",
                "--monitor", "naive", "--planned-leads", "400")  # fmt: skip
    looks = out["looks"]
    assert out["information"] == "leads"  # a plan in leads means fractions of leads
    assert all(r["boundary"] == pytest.approx(norm.isf(0.025)) for r in looks)
    for r in looks:
        assert r["information_fraction"] == pytest.approx((r["n_control"] + r["n_treatment"]) / 400)
    assert "stopping" not in out


def test_plain_compare_has_no_looks(capsys):
    out = _json(capsys, *BASE, "--replications", "1")
    assert "looks" not in out and "monitor" not in out


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--looks", "monthly", "--design", "paired"], "--looks"),
        (["--monitor", "obf"], "--monitor"),
        (["--planned-leads", "500"], "--planned-leads"),
        (["--information", "leads"], "--information"),
        (
            ["--looks", "monthly", "--planned-leads", "500", "--information", "statistical"],
            "--planned-leads",
        ),
        (["--looks", "monthly", "--planned-leads", "-3"], "--planned-leads"),
    ],
)
def test_bad_look_options_are_one_line_errors(capsys, extra, message):
    assert main(["compare", *BASE, "--replications", "1", *extra]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and message in err
