"""Reading run folders back, and the errors a broken one gives."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from sim.errors import InputError
from sim.report.run_folder import load_run


@pytest.fixture
def copy_of(run_folder, tmp_path) -> Path:
    return Path(shutil.copytree(run_folder, tmp_path / "run"))


def test_reads_every_file_with_the_right_types(run_folder):
    run = load_run(run_folder)
    assert run.manifest["suite"] == "seed_claims"
    assert run.control == "email_blast"
    assert list(run.summary.arm) == ["email_blast", "stage_nurture", "speed_to_lead"]
    assert run.summary.conversion_rate.dtype == float
    assert run.summary.abs_lift.isna().tolist() == [True, False, False]
    assert len(run.replications) == 3 * 4
    assert set(run.curves["arms"]) == set(run.summary.arm)
    assert [e["held"] for e in run.expectations] == [True, True]
    assert run.leads_path is None and not run.is_sweep


def test_arm_names_that_look_missing_stay_text(copy_of):
    s = pd.read_csv(copy_of / "summary.csv", dtype=str, keep_default_na=False)
    s.loc[2, "arm"] = "None"
    s.loc[1, "arm"] = "NA"
    s.to_csv(copy_of / "summary.csv", index=False)
    assert list(load_run(copy_of).summary.arm) == ["email_blast", "NA", "None"]


def test_optional_files_may_be_missing(copy_of):
    for name in ("replications.csv", "curves.json", "expectations.json", "summary.json"):
        (copy_of / name).unlink()
    run = load_run(copy_of)
    assert run.replications is None and run.curves is None and run.expectations is None


def _error(path) -> InputError:
    with pytest.raises(InputError) as err:
        load_run(path)
    return err.value


def test_missing_folder_and_not_a_folder(tmp_path):
    e = _error(tmp_path / "nope")
    assert e.where == str(tmp_path / "nope") and "no such folder" in e.problem
    f = tmp_path / "file.txt"
    f.write_text("x")
    assert "is not a folder" in _error(f).problem


def test_folder_without_manifest_is_not_a_run_folder(tmp_path):
    e = _error(tmp_path)
    assert "not a run folder: manifest.json is missing" in e.problem
    assert "results/<suite>/<run-id>/" in e.problem


def test_corrupt_manifest_names_the_file_and_position(copy_of):
    (copy_of / "manifest.json").write_text('{"suite": "x",\n "arms": [}')
    e = _error(copy_of)
    assert e.where == str(copy_of / "manifest.json")
    assert "is not valid JSON" in e.problem and "line 2" in e.problem


def test_manifest_must_be_an_object_with_a_list_of_arms(copy_of):
    (copy_of / "manifest.json").write_text("[1, 2]")
    assert "is a JSON list; expected an object" in _error(copy_of).problem
    (copy_of / "manifest.json").write_text('{"arms": {"a": 1}}')
    assert _error(copy_of).where.endswith("manifest.json: arms")


def test_missing_summary(copy_of):
    (copy_of / "summary.csv").unlink()
    e = _error(copy_of)
    assert e.where == str(copy_of / "summary.csv") and "is missing" in e.problem


def test_summary_without_required_columns_or_with_text_in_numbers(copy_of):
    s = pd.read_csv(copy_of / "summary.csv")
    s.drop(columns=["conversions"]).to_csv(copy_of / "summary.csv", index=False)
    assert "lacks column(s) conversions" in _error(copy_of).problem
    s["conversion_rate"] = s["conversion_rate"].astype(object)
    s.loc[1, "conversion_rate"] = "lots"
    s.to_csv(copy_of / "summary.csv", index=False)
    e = _error(copy_of)
    assert e.where == f"{copy_of / 'summary.csv'}: row 3, column conversion_rate"
    assert "'lots' is not a number" in e.problem
    (copy_of / "summary.csv").write_text("")
    assert "not a readable CSV" in _error(copy_of).problem


def test_corrupt_curves_and_expectations(copy_of):
    curves = json.loads((copy_of / "curves.json").read_text())
    (copy_of / "curves.json").write_text("{")
    assert _error(copy_of).where == str(copy_of / "curves.json")
    curves["arms"]["stage_nurture"]["patient"] = curves["arms"]["stage_nurture"]["patient"][:-1]
    (copy_of / "curves.json").write_text(json.dumps(curves))
    e = _error(copy_of)
    assert e.where.endswith("curves.json: arms.stage_nurture.patient")
    assert "list of 91 cumulative counts" in e.problem
    (copy_of / "curves.json").unlink()
    (copy_of / "expectations.json").write_text('{"held": true}')
    assert "expected a list" in _error(copy_of).problem
    (copy_of / "expectations.json").write_text('[{"description": "x", "held": "yes"}]')
    assert _error(copy_of).where.endswith("expectations.json: item 0")
