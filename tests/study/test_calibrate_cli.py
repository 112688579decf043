"""nurture calibrate end to end on a small simulated practice: files that load back."""

from __future__ import annotations

import pytest

from sim.cli import main
from sim.config import load_scenario, load_strategy
from sim.config.space import load_space


@pytest.mark.slow
def test_calibrate_writes_loadable_scenario_posterior_and_report(tmp_path, capsys, repo_root):
    scen = repo_root / "configs/scenarios/medical_practice.toml"
    strat = repo_root / "configs/strategies/stage_nurture.toml"
    priors = repo_root / "configs/uncertainty/medical_practice.toml"
    export = tmp_path / "export"
    run = ["run", str(scen), str(strat), "--months", "1", "--set", "leads_per_month=250"]
    assert main([*run, "--events", str(export)]) == 0
    out = tmp_path / "practice.toml"
    args = ["calibrate", str(export), "--scenario", str(scen), "--strategy", str(strat)]
    args += ["--priors", str(priors), "--out", str(out), "--population", "20"]
    args += ["--generations", "2", "--checks", "3", "--latent", "content.match_advance_prob"]
    assert main(args) == 0
    calibrated = load_scenario(out)
    text = out.read_text()
    assert calibrated.months == 1 and text.count("calibrated from export") >= 10
    assert 0.03 <= calibrated.content.match_advance_prob <= 0.3
    strategy = load_strategy(strat)
    space = load_space(tmp_path / "practice.posterior.toml", calibrated, {strategy.name: strategy})
    assert space["content.match_advance_prob"].distribution.kind == "float"
    report = (tmp_path / "practice.report.md").read_text()
    assert "Posterior predictive checks" in report and "width ratio" in report


def test_calibrate_refuses_a_bad_export(tmp_path, capsys, repo_root):
    (tmp_path / "leads.csv").write_text("lead_id,created_at,source\nL1,2024-01-01 09:00,phone\n")
    (tmp_path / "events.csv").write_text("lead_id,timestamp,type\n")
    args = ["calibrate", str(tmp_path)]
    for flag, rel in (("--scenario", "configs/scenarios/medical_practice.toml"),
                      ("--strategy", "configs/strategies/no_nurture.toml"),
                      ("--priors", "configs/uncertainty/medical_practice.toml")):  # fmt: skip
        args += [flag, str(repo_root / rel)]
    assert main([*args, "--out", str(tmp_path / "o.toml")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "leads.csv: row 2" in err and "'created_at'" in err
    assert not (tmp_path / "o.toml").exists()
