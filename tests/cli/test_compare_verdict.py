"""``nurture compare``: verdicts, pp, cost difference and ratio, guardrails, --adjust, --by."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from sim.analysis.multiple import adjust_p_values
from sim.cli import main

ROOT = Path(__file__).resolve().parents[2]
SCENARIO = str(ROOT / "configs/scenarios/medical_practice.toml")
NO = str(ROOT / "configs/strategies/no_nurture.toml")
STAGE = str(ROOT / "configs/strategies/stage_nurture.toml")
NEWS = str(ROOT / "configs/strategies/newsletter.toml")
BASE = ["compare", SCENARIO, NO, STAGE, NEWS, "--months", "3", "--replications", "4"]
BASE += ["--executor", "serial"]


@pytest.fixture(scope="module")
def by_source_json():
    import contextlib
    import io

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main([*BASE, "--by", "source", "--json"]) == 0
    return json.loads(out.getvalue())


def test_one_verdict_per_arm_in_pp_with_cost_and_adjusted_p(capsys):
    assert main(BASE) == 0
    out = capsys.readouterr().out
    lines = [x for x in out.splitlines() if x.startswith(("stage_nurture:", "newsletter:"))]
    assert len(lines) == 2
    for line in lines:
        assert " pp " in line and "per patient" in line and "adjusted p (holm)" in line
    assert "p-values adjusted by holm" in out
    assert "e-" not in out  # no p as 1.02e-21
    assert "$/patient ratio" in out and "unsub. difference" in out


def test_json_carries_verdicts_and_the_paired_cost_contrast(by_source_json):
    rows = {r["arm"]: r for r in by_source_json["comparisons"]}
    stage = rows["stage_nurture"]
    assert by_source_json["verdicts"][0].startswith("stage_nurture:")
    # The ratio of the costs per patient is the two arms' estimates divided (ratio of sums).
    expected = stage["cost_per_conversion_usd"] / rows["no_nurture"]["cost_per_conversion_usd"]
    assert stage["cost_per_conversion_ratio"] == pytest.approx(expected, rel=1e-12)
    diff = stage["cost_per_conversion_usd"] - rows["no_nurture"]["cost_per_conversion_usd"]
    assert stage["cost_per_conversion_diff_usd"] == pytest.approx(diff, rel=1e-12)
    lo, hi = stage["cost_per_conversion_diff_ci_lower"], stage["cost_per_conversion_diff_ci_upper"]
    assert lo < diff < hi
    # no_nurture sends no email, so every unsubscribe is the other arm's: the difference is
    # the arm's own rate.
    assert stage["unsubscribe_rate_diff"] == pytest.approx(stage["unsubscribe_rate"])


def test_by_source_adjusts_over_every_source_and_arm(by_source_json):
    table = by_source_json["by_source"]
    sources = {r["source"] for r in table}
    assert sources == {"web_form", "phone", "referral"}
    tests = [r for r in table if r["arm"] != "no_nurture"]
    assert len(tests) == 6  # 3 sources x 2 arms: one family
    raw = np.array([r["p_value"] for r in tests], dtype=float)
    adjusted = np.array([r["p_value_adjusted"] for r in tests], dtype=float)
    np.testing.assert_allclose(adjusted, adjust_p_values(raw, "holm"))
    # Leads add up across sources to the overall count.
    overall = {r["arm"]: r["n"] for r in by_source_json["comparisons"]}
    assert sum(r["n"] for r in table if r["arm"] == "stage_nurture") == overall["stage_nurture"]


def test_adjust_none_leaves_p_values_raw(capsys):
    assert main([*BASE, "--adjust", "none", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)["comparisons"]
    for r in rows:
        if r["arm"] != "no_nurture":
            assert r["p_value_adjusted"] == r["p_value"]


def test_control_by_file_stem_when_the_name_differs(tmp_path, capsys):
    renamed = tmp_path / "today.toml"
    renamed.write_text(Path(NO).read_text().replace('name = "no_nurture"', 'name = "current"'))
    args = ["compare", SCENARIO, STAGE, str(renamed), "--months", "2", "--replications", "2"]
    assert main([*args, "--executor", "serial", "--control", "today", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["control"] == "current"
    assert main([*args, "--executor", "serial", "--control", "nope"]) == 2
    err = capsys.readouterr().err
    assert "use a name or file stem" in err and "today" in err and err.count("\n") == 1
