"""``--set KEY=VALUE`` on run, compare and suite, and the scenario-wide cost per lead."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sim.cli import main
from sim.config import load_scenario
from sim.config.paths import parse_assignment
from sim.experiment.suite import load_suite

ROOT = Path(__file__).resolve().parents[2]
SCENARIO = str(ROOT / "configs/scenarios/medical_practice.toml")
NO_NURTURE = str(ROOT / "configs/strategies/no_nurture.toml")
STAGE = str(ROOT / "configs/strategies/stage_nurture.toml")


def run_json(capsys, *args: str) -> dict:
    assert main(["run", SCENARIO, NO_NURTURE, "--months", "2", *args, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_set_cost_per_lead_applies_to_every_source(capsys):
    out = run_json(capsys, "--set", "cost_per_lead_usd=35")
    # Acquisition is the only cost that depends on the price of a lead: leads x $35 exactly.
    assert out["cost_acquisition_usd"] == pytest.approx(35.0 * out["leads"])


def test_a_source_keeps_its_own_price_and_names_reach_list_items(capsys):
    base = run_json(capsys)
    out = run_json(
        capsys, "--set", "cost_per_lead_usd=35", "--set", "sources.phone.cost_per_lead_usd=0"
    )
    assert out["leads"] == base["leads"]  # the same world: prices change no draw
    assert 0 < out["cost_acquisition_usd"] < 35.0 * out["leads"]
    s = load_scenario(SCENARIO, {"cost_per_lead_usd": 35, "sources.1.cost_per_lead_usd": 0})
    assert [s.lead_cost_usd(x) for x in s.sources] == [35.0, 0.0, 35.0]


def test_set_reaches_the_strategy(capsys):
    base = run_json(capsys)
    out = run_json(capsys, "--set", "strategy:sales.on_arrival.enabled=false")
    assert base["cost_total_usd"] > base["cost_acquisition_usd"]  # calls cost labour
    assert out["cost_total_usd"] == pytest.approx(out["cost_acquisition_usd"])  # no calls


@pytest.mark.parametrize(
    "setting, says",
    [
        ("months", "expected KEY=VALUE"),
        ("sources.web_fom.share=0.5", "did you mean 'web_form'?"),
        ("jorney.awareness.drop_per_day=0.1", "did you mean 'journey'?"),
        ("months=-1", "months"),
        ("strategy[nope]:email.max_emails=3", "no strategy is named 'nope'"),
    ],
)
def test_a_bad_set_is_one_line_and_exit_2(capsys, setting, says):
    assert main(["run", SCENARIO, NO_NURTURE, "--months", "2", "--set", setting]) == 2
    err = capsys.readouterr().err
    assert says in err and err.count("\n") == 1 and "Traceback" not in err


def test_compare_set_one_strategy_by_name(capsys):
    args = ["compare", SCENARIO, NO_NURTURE, STAGE, "--months", "2", "--replications", "2"]
    args += ["--executor", "serial", "--json"]
    assert main([*args, "--set", "strategy[stage_nurture]:email.max_emails=0"]) == 0
    rows = json.loads(capsys.readouterr().out)["comparisons"]
    # With no email left, stage_nurture differs from no_nurture only by its fees and hand-offs
    # (which never fire without email), so the two arms convert exactly alike (paired CRN).
    by_arm = {r["arm"]: r for r in rows}
    assert by_arm["stage_nurture"]["conversions"] == by_arm["no_nurture"]["conversions"]


def test_suite_sets_apply_over_the_suite_overrides():
    suite = ROOT / "experiments/practice_ab_test.toml"
    sets = [
        parse_assignment("months=2"),
        parse_assignment("strategy[stage_nurture]:email.max_emails=7"),
    ]
    s = load_suite(suite, sets)
    assert s.scenario.months == 2  # the suite said 6
    by_arm = {a.name: a.strategy for a in s.arms}
    assert by_arm["stage_nurture"].email.max_emails == 7
    assert by_arm["no_nurture"].email.max_emails == 50  # untouched default


def test_suite_cli_refuses_an_unknown_arm_name(capsys, tmp_path):
    suite = str(ROOT / "experiments/practice_ab_test.toml")
    code = main(
        ["suite", suite, "--results", str(tmp_path), "--set", "strategy[x]:email.max_emails=1"]
    )
    assert code == 2
    assert "no strategy is named 'x'" in capsys.readouterr().err
    assert not any(tmp_path.iterdir())  # nothing written
