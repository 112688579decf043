"""``nurture run``: the JSON summary, the per-lead table on disk, byte-for-byte reproducibility."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from statsmodels.stats.proportion import proportion_confint

from sim.cli import main
from sim.config import load_scenario, load_strategy
from sim.world.model import simulate
from sim.world.records import LEAD_COLUMNS

ROOT = Path(__file__).resolve().parents[2]
SCENARIO = str(ROOT / "configs" / "scenarios" / "medical_practice.toml")
STAGE = str(ROOT / "configs" / "strategies" / "stage_nurture.toml")

JSON_KEYS = {
    "leads",
    "booked",
    "conversions",
    "conversion_rate",
    "conversion_rate_ci_lower",
    "conversion_rate_ci_upper",
    "unsubscribed",
    "emails_sent",
    "cost_total_usd",
    "marketing_cost_per_conversion_usd",
    "cost_per_conversion_usd",
}


def run_json(capsys, *extra: str) -> dict:
    assert main(["run", SCENARIO, STAGE, "--months", "2", *extra, "--json"]) == 0
    captured = capsys.readouterr()
    assert captured.err == ""
    return json.loads(captured.out)


@pytest.fixture(scope="module")
def reference():
    """The same world through the library: what the command must report."""
    scenario = load_scenario(SCENARIO, {"months": 2})
    return simulate(scenario, load_strategy(STAGE), seed=4).leads


def test_json_has_the_documented_keys_and_values(capsys, reference):
    s = run_json(capsys, "--seed", "4")
    assert set(s) >= JSON_KEYS
    assert (s["scenario"], s["strategy"], s["seed"]) == ("medical_practice", "stage_nurture", 4)
    n, k = len(reference), int(reference.converted.sum())
    assert s["leads"] == n and s["conversions"] == k
    assert s["booked"] == int(reference.booked.sum())
    assert s["unsubscribed"] == int(reference.unsubscribed.sum())
    assert s["emails_sent"] == int(reference.emails_sent.sum())
    assert s["conversion_rate"] == pytest.approx(k / n)
    lo, hi = proportion_confint(k, n, alpha=0.05, method="wilson")
    assert s["conversion_rate_ci_lower"] == pytest.approx(lo)
    assert s["conversion_rate_ci_upper"] == pytest.approx(hi)
    assert lo < s["conversion_rate"] < hi
    assert s["cost_total_usd"] == pytest.approx(reference.cost_total_usd.sum())
    assert s["marketing_cost_per_conversion_usd"] == pytest.approx(
        reference.cost_acquisition_usd.sum() / k
    )
    assert s["cost_per_conversion_usd"] == pytest.approx(reference.cost_total_usd.sum() / k)
    # Fully loaded includes the fees, emails and sales time on top of acquisition.
    assert s["cost_per_conversion_usd"] > s["marketing_cost_per_conversion_usd"]


def test_out_writes_the_documented_table_and_summary(tmp_path, capsys, reference):
    out = tmp_path / "run"
    summary = run_json(capsys, "--seed", "4", "--out", str(out))
    assert sorted(p.name for p in out.iterdir()) == ["leads.csv", "summary.json"]
    leads = pd.read_csv(out / "leads.csv")
    assert list(leads.columns) == list(LEAD_COLUMNS)
    assert len(leads) == len(reference)
    for col in ("lead_id", "converted", "final_state", "emails_sent", "sales_attempts"):
        assert (leads[col].to_numpy() == reference[col].to_numpy()).all(), col
    pd.testing.assert_series_equal(leads.cost_total_usd, reference.cost_total_usd)
    on_disk = json.loads((out / "summary.json").read_text())
    assert on_disk == summary


def test_same_seed_same_bytes_other_seed_other_bytes(tmp_path, capsys):
    folders = {}
    for label, seed in (("a", "9"), ("b", "9"), ("c", "10")):
        folders[label] = tmp_path / label
        run_json(capsys, "--seed", seed, "--out", str(folders[label]))
    for name in ("leads.csv", "summary.json"):
        a, b, c = ((folders[x] / name).read_bytes() for x in "abc")
        assert a == b, name
        assert a != c, name


def test_text_summary(capsys):
    assert main(["run", SCENARIO, STAGE, "--months", "1", "--seed", "2"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("stage_nurture in medical_practice (seed 2)")
    for label in ("leads", "patients", "95% CI", "marketing cost/patient", "full cost/patient"):
        assert label in out


def test_months_option_changes_the_horizon(capsys):
    one = run_json(capsys, "--seed", "1")
    assert main(["run", SCENARIO, STAGE, "--months", "4", "--seed", "1", "--json"]) == 0
    four = json.loads(capsys.readouterr().out)
    # Poisson counts around 200 and 400 leads: 4 months has clearly more.
    assert four["leads"] > 1.5 * one["leads"]


def test_out_that_is_a_file_is_bad_input(tmp_path, capsys):
    f = tmp_path / "taken"
    f.write_text("x")
    assert main(["run", SCENARIO, STAGE, "--months", "1", "--out", str(f)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--out" in err and "not a folder" in err
    assert f.read_text() == "x"


def test_console_command_json(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "sim.cli", "run", SCENARIO, STAGE, "--months", "1", "--json"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert set(json.loads(proc.stdout)) >= JSON_KEYS
