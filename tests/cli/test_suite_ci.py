"""``nurture suite`` for CI: JUnit XML, one JSON summary, "expected ..., got ..." messages."""

from __future__ import annotations

import json
from pathlib import Path

from junitparser import Failure, JUnitXml

from sim.cli import main

ROOT = Path(__file__).resolve().parents[2]

SUITE = """
name = "{name}"
scenario = "{root}/configs/scenarios/medical_practice.toml"
scenario_overrides = {{ months = 3 }}
replications = 3
seed = 5
control = "no_nurture"

[[arms]]
name = "no_nurture"
strategy = "{root}/configs/strategies/no_nurture.toml"

[[arms]]
name = "stage_nurture"
strategy = "{root}/configs/strategies/stage_nurture.toml"

[[expect]]
description = "nurturing lifts conversion (holds)"
arm = "stage_nurture"
metric = "abs_lift"
ci_excludes = 0.0

[[expect]]
description = "an impossible claim (fails)"
arm = "no_nurture"
metric = "conversion_rate"
between = [0.9, 1.0]

[[expect]]
description = "same cost per patient is not 'below' itself on noise"
arm = "stage_nurture"
metric = "cost_per_conversion_usd"
below_arm = "stage_nurture"
"""


def write_suites(tmp_path):
    paths = []
    for name in ("ci_a", "ci_b"):
        p = tmp_path / f"{name}.toml"
        p.write_text(SUITE.format(name=name, root=ROOT))
        paths.append(str(p))
    return paths


def test_junit_file_reads_with_a_standard_parser(tmp_path, capsys):
    suites = write_suites(tmp_path)
    junit = tmp_path / "out" / "junit.xml"
    junit.parent.mkdir()
    args = ["suite", *suites, "--results", str(tmp_path / "r"), "--executor", "serial"]
    assert main([*args, "--junit", str(junit)]) == 1  # an expectation fails
    out = capsys.readouterr().out
    assert "FAILED no_nurture conversion_rate: expected between 0.9 and 1, got" in out
    xml = JUnitXml.fromfile(str(junit))
    suites_read = list(xml)
    assert [s.name for s in suites_read] == ["ci_a", "ci_b"]
    for s in suites_read:
        cases = list(s)
        assert s.tests == 3 and len(cases) == 3
        failed = [c for c in cases if any(isinstance(r, Failure) for r in c.result)]
        # The impossible claim fails, and so does 'below itself': a difference of exactly 0
        # has an interval [0, 0] that is not below 0 (point estimates would also say no,
        # but the message must show the paired difference).
        assert len(failed) == 2 and s.failures == 2
        messages = [r.message for c in failed for r in c.result]
        assert any(m.startswith("expected between 0.9 and 1, got 0.") for m in messages)
        assert any("paired difference" in m for m in messages)


def test_json_prints_one_summary_object_across_suites(tmp_path, capsys):
    suites = write_suites(tmp_path)
    args = ["suite", *suites, "--results", str(tmp_path / "r"), "--executor", "serial"]
    assert main([*args, "--json"]) == 1
    out = json.loads(capsys.readouterr().out)  # the whole stdout is one object
    assert out["expectations"] == 6 and out["failed"] == 4 and out["all_held"] is False
    assert [s["suite"] for s in out["suites"]] == ["ci_a", "ci_b"]
    for s in out["suites"]:
        assert Path(s["run_dir"]).is_dir()
        assert all(e["message"].startswith("expected ") for e in s["expectations"])
