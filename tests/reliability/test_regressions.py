"""Valid inputs that once crashed or printed an impossible number, found by the tests of this
folder (properties, fuzzing, catalogue); each is fixed, and each stays fixed here.
"""

from __future__ import annotations

import json

import pandas as pd

from sim.analysis.srm import SampleRatioMismatchWarning
from sim.cli import main
from sim.config import Scenario, Strategy
from sim.world.model import simulate

from .conftest import SCENARIO, STRATEGY, SUITE, edit, write_files

QUIET = {"advance_per_day": 0.0, "drop_per_day": 0.0, "lost_share": 0.0}


def _scenario(**changes) -> Scenario:
    data = {
        "months": 1,
        "window_days": 3.0,
        "leads_per_month": 49.0,
        "send_hour": 0.0,
        "sources": [{"name": "web", "share": 1.0}],
        "journey": {s: QUIET for s in ("awareness", "consideration", "decision")},
        "sales": {"agents": 1, "open_hour": 15.0, "close_hour": 17.0, "workdays_per_week": 1},
    }
    return Scenario.model_validate(data | changes)


CALL_AT_ONCE = Strategy.model_validate(
    {"name": "calls", "sales": {"on_arrival": {"enabled": True, "delay_hours": 0.0}}}
)


def test_a_call_placed_at_once_never_gets_a_negative_delay():
    # Was: SimPy "ValueError: Negative delay -1.1e-16" (env.now an ulp past the arrival time).
    scenario = _scenario(
        sources=[
            {"name": "a", "share": 0.5, "office_hours_share": 0.5},
            {"name": "b", "share": 0.5},
        ]
    )
    for seed in range(40):
        leads = simulate(scenario, CALL_AT_ONCE, seed).leads
        assert (leads["sales_attempts"] >= 0).all()
    assert simulate(scenario, CALL_AT_ONCE, 313).leads["sales_attempts"].sum() > 0


def test_a_subnormal_hazard_is_just_a_very_small_one():
    # Was: ZeroDivisionError in Lead.draw_next (a slice of width 0 chosen by rounding).
    journey = {s: QUIET for s in ("awareness", "consideration")}
    journey["decision"] = {"advance_per_day": 0.0, "drop_per_day": 0.125, "lost_share": 0.0}
    scenario = _scenario(journey=journey | {"revive_per_day": 5e-324}, leads_per_month=20.0)
    nothing = Strategy.model_validate({"name": "nothing"})
    for seed in range(20):
        leads = simulate(scenario, nothing, seed).leads
        assert leads["final_state"].isin(["dormant", "active"]).all()


def test_compare_with_no_leads_at_all(tmp_path, monkeypatch, capsys):
    # Was: KeyError in paired_stats when a world has no leads.
    monkeypatch.chdir(tmp_path)
    write_files(
        tmp_path,
        {
            "scenario.toml": edit(SCENARIO, "leads_per_month = 20", "leads_per_month = 0"),
            "strategy.toml": STRATEGY,
            "twin.toml": STRATEGY.replace('name = "calls"', 'name = "twin"'),
        },
    )
    argv = ["compare", "scenario.toml", "strategy.toml", "twin.toml", "--replications", "2"]
    assert main([*argv, "--workers", "1", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)["comparisons"]
    assert [r["n"] for r in rows] == [0, 0]
    assert all(r["conversion_rate"] is None for r in rows)  # NaN, shown as null


def test_paired_suite_whose_arm_changes_the_lead_stream(tmp_path, monkeypatch, capsys, recwarn):
    # Was: RuntimeError("paired arms must see the same leads") after the results folder was
    # made; then a spurious sample-ratio warning, and an interval of a rate below 0.
    monkeypatch.chdir(tmp_path)
    suite = edit(
        SUITE,
        'name = "twin"\nstrategy = "strategy.toml"',
        'name = "twin"\nstrategy = "strategy.toml"\nscenario_overrides = { leads_per_month = 40 }',
    )
    write_files(
        tmp_path, {"scenario.toml": SCENARIO, "strategy.toml": STRATEGY, "suite.toml": suite}
    )
    assert main(["suite", "suite.toml", "--results", "results", "--workers", "1"]) == 0
    capsys.readouterr()
    (summary_csv,) = (tmp_path / "results").glob("tiny/*/summary.csv")
    summary = pd.read_csv(summary_csv).set_index("arm")
    assert summary.loc["twin", "n"] > summary.loc["calls", "n"]
    for col in ("conversion_rate_ci_lower", "conversion_rate_ci_upper"):
        assert summary[col].dropna().between(0.0, 1.0).all()
    assert (summary["cost_per_conversion_ci_lower"].dropna() >= 0).all()
    assert not [w for w in recwarn if issubclass(w.category, SampleRatioMismatchWarning)]


def test_run_interval_contains_the_rate_with_no_conversions(tmp_path, monkeypatch, capsys):
    # Was: a Wilson lower bound of 2.8e-17 above a rate of 0.
    monkeypatch.chdir(tmp_path)
    never = edit(
        SCENARIO, "decision = { advance_per_day = 0.03", "decision = { advance_per_day = 0"
    )
    never = never.replace("agents = 2", "agents = 2\nbook_prob_decision = 0.0\nreach_max_prob = 0")
    write_files(tmp_path, {"scenario.toml": never, "strategy.toml": STRATEGY})
    for seed in range(5):
        assert main(["run", "scenario.toml", "strategy.toml", "--seed", str(seed), "--json"]) == 0
        s = json.loads(capsys.readouterr().out)
        assert s["conversions"] == 0
        assert s["conversion_rate_ci_lower"] == 0.0 <= s["conversion_rate_ci_upper"]
