"""Lift by lead source, the sales desk and honest timings in the results layer."""

from __future__ import annotations

import json

import pandas as pd
import pytest

import sim
from sim.experiment.replication import replication_seed
from sim.experiment.runner import run_suite
from sim.experiment.suite import load_suite

SCENARIO = "configs/scenarios/medical_practice.toml"


@pytest.fixture(scope="module")
def result():
    scenario = sim.load_scenario(SCENARIO, {"months": 2})
    arms = {n: sim.load_strategy(f"configs/strategies/{n}.toml")
            for n in ("no_nurture", "fast_response")}  # fmt: skip
    exp = sim.Experiment(scenario, arms, control="no_nurture", replications=3, seed=5)
    return exp.run(1)


def test_summary_by_source_partitions_the_leads(result):
    by = result.summary(by="source")
    whole = result.summary().set_index("arm")
    assert list(by.columns[:2]) == ["source", "arm"]
    # Every lead belongs to one source: counts add up to the arm's, exactly.
    sums = by.groupby("arm")[["n", "conversions"]].sum()
    for arm in whole.index:
        assert sums.loc[arm, "n"] == whole.loc[arm, "n"]
        assert sums.loc[arm, "conversions"] == whole.loc[arm, "conversions"]
    lifted = by[by.arm == "fast_response"]
    assert lifted["abs_lift_ci_lower"].notna().all()
    assert (lifted["abs_lift_ci_lower"] <= lifted["abs_lift"]).all()
    with pytest.raises(ValueError, match="by='source'"):
        result.summary(by="arm")


def test_sales_desk_is_summed_over_replications(result):
    desk = result.sales_desk
    assert desk["shared"] is False and set(desk["desks"]) == {"no_nurture", "fast_response"}
    # Replication r's world for an arm is simulate(scenario, arm, SeedSequence(5, (r,))).
    scenario = sim.load_scenario(SCENARIO, {"months": 2})
    strategy = sim.load_strategy("configs/strategies/fast_response.toml")
    worlds = [sim.simulate(scenario, strategy, replication_seed(5, r)) for r in range(3)]
    fast = desk["desks"]["fast_response"]
    for key in ("attempts", "unanswered", "busy_hours", "agent_hours"):
        expected = [sum(w.sales_desk[key][h] for w in worlds) for h in range(168)]
        assert fast[key] == pytest.approx(expected, rel=1e-12), key


def test_type_errors_name_the_argument_and_what_it_accepts():
    scenario = sim.load_scenario(SCENARIO, {"months": 1})
    strategy = sim.load_strategy("configs/strategies/no_nurture.toml")
    with pytest.raises(TypeError, match=r"Experiment\(arms=...\): expected a mapping .*list"):
        sim.Experiment(scenario, [strategy], control="no_nurture")
    with pytest.raises(TypeError, match=r"arm 'a': .*sim.load_strategy\(path\)"):
        sim.Experiment(scenario, {"a": "configs/strategies/no_nurture.toml"}, control="a")
    with pytest.raises(TypeError, match=r"Experiment\(scenario=...\): expected a Scenario"):
        sim.Experiment(SCENARIO, {"a": strategy}, control="a")
    with pytest.raises(TypeError, match=r"simulate\(scenario=...\).*sim.load_scenario\(path\)"):
        sim.simulate(SCENARIO, strategy)
    with pytest.raises(TypeError, match=r"simulate\(strategy=...\).*sim.load_strategy\(path\)"):
        sim.simulate(scenario, "configs/strategies/no_nurture.toml")


def test_suite_writes_desk_sources_and_honest_timings_on_resume(tiny_suite, tmp_path):
    suite = load_suite(tiny_suite)
    first = run_suite(suite, tmp_path, workers=1, report=False)
    m1 = json.loads((first.run_dir / "manifest.json").read_text())
    again = run_suite(suite, tmp_path, workers=1, resume=True, report=False)
    folder = again.run_dir
    by = pd.read_csv(folder / "summary_by_source.csv")
    assert {"source", "arm", "abs_lift_ci_lower"} <= set(by.columns)
    assert json.loads((folder / "sales_desk.json").read_text())["desks"]
    m2 = json.loads((folder / "manifest.json").read_text())
    r = suite.config.replications
    assert m1["replications_reused"] == 0 and m2["replications_reused"] == r
    assert m1["compute_seconds"] > 0 and m1["compute_seconds_this_run"] == m1["compute_seconds"]
    # The resumed run computed nothing; its replications' cost is the first run's, reused.
    assert m2["compute_seconds_this_run"] == 0.0
    assert m2["compute_seconds_reused"] == pytest.approx(m1["compute_seconds"], abs=1e-3)
