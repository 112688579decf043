"""A broken export is exit 2 and one line naming the file, row and column; nothing written."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from sim.cli import main

FIX = Path(__file__).parent / "fixtures"


def _convert(capsys, tmp_path, *args) -> str:
    out = tmp_path / "out"
    code = main(["crm", "convert", *map(str, args), "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 2, err
    assert err.count("\n") == 1 and "Traceback" not in err, err
    assert not out.exists() or not any(out.iterdir()), "nothing half-written"
    return err


def _copy(tmp_path: Path, product: str) -> Path:
    dest = tmp_path / product
    shutil.copytree(FIX / product, dest)
    return dest


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8-sig")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


# -- HubSpot ----------------------------------------------------------------------------------
def test_hubspot_missing_column(capsys, tmp_path):
    d = _copy(tmp_path, "hubspot")
    _edit(d / "contacts.csv", "createdate", "created_on")
    err = _convert(capsys, tmp_path, "hubspot", d / "contacts.csv")
    assert "contacts.csv" in err and "'createdate'" in err


def test_hubspot_unparseable_date(capsys, tmp_path):
    d = _copy(tmp_path, "hubspot")
    _edit(d / "contacts.csv", "2024-01-03T18:40:12.512Z", "03/01/2024 18:40")
    err = _convert(capsys, tmp_path, "hubspot", d / "contacts.csv")
    assert (
        "contacts.csv: row 3" in err
        and "column 'createdate'" in err
        and "'03/01/2024 18:40'" in err
    )


def test_hubspot_event_before_creation(capsys, tmp_path):
    d = _copy(tmp_path, "hubspot")
    _edit(d / "email_events.csv", "e01,1704280500000", "e01,1704000000000")
    err = _convert(capsys, tmp_path, "hubspot", d / "contacts.csv", d / "email_events.csv")
    assert "email_events.csv: row 2" in err and "column 'created'" in err and "before" in err


def test_hubspot_duplicate_id(capsys, tmp_path):
    d = _copy(tmp_path, "hubspot")
    _edit(d / "contacts.csv", "\n104,", "\n101,")
    err = _convert(capsys, tmp_path, "hubspot", d / "contacts.csv")
    assert "contacts.csv: row 5" in err and "'hs_object_id'" in err and "twice" in err


def test_hubspot_unknown_recipient(capsys, tmp_path):
    d = _copy(tmp_path, "hubspot")
    _edit(d / "email_events.csv", "e07,1704369600000,SENT,ben.ode", "e07,1704369600000,SENT,bob")
    err = _convert(capsys, tmp_path, "hubspot", d / "contacts.csv", d / "email_events.csv")
    assert "email_events.csv: row 8" in err and "column 'recipient'" in err


# -- Salesforce -------------------------------------------------------------------------------
def test_salesforce_missing_column(capsys, tmp_path):
    d = _copy(tmp_path, "salesforce")
    _edit(d / "Lead.csv", '"LeadSource"', '"Source"')
    err = _convert(capsys, tmp_path, "salesforce", d / "Lead.csv")
    assert "Lead.csv" in err and "'LeadSource'" in err


def test_salesforce_unparseable_date(capsys, tmp_path):
    d = _copy(tmp_path, "salesforce")
    _edit(d / "Task.csv", '"2024-02-02T09:10:00.000+0000"', '"2/2/2024 9:10 AM"')
    err = _convert(capsys, tmp_path, "salesforce", d / "Lead.csv", d / "Task.csv")
    assert "Task.csv: row 3" in err and "column 'CreatedDate'" in err


def test_salesforce_event_before_creation(capsys, tmp_path):
    d = _copy(tmp_path, "salesforce")
    _edit(
        d / "Task.csv",
        '"2024-02-01T10:05:00.000+0000","2024-02-01T10:05:00.000+0000"',
        '"2024-01-31T10:05:00.000+0000","2024-01-31T10:05:00.000+0000"',
    )
    err = _convert(capsys, tmp_path, "salesforce", d / "Lead.csv", d / "Task.csv")
    assert "Task.csv: row 2" in err and "before lead '00Q5g00000AbCdE'" in err


def test_salesforce_duplicate_id_in_both_lengths(capsys, tmp_path):
    d = _copy(tmp_path, "salesforce")
    _edit(d / "Lead.csv", '"00Q5g00000AbCdHEAV"', '"00Q5g00000AbCdE"')
    err = _convert(capsys, tmp_path, "salesforce", d / "Lead.csv")
    assert "Lead.csv: row 5" in err and "column 'Id'" in err and "twice" in err


# -- mapping file ---------------------------------------------------------------------------
def test_mapping_missing_column(capsys, tmp_path):
    d = _copy(tmp_path, "mapping")
    _edit(d / "activity.csv", "When", "Time")
    err = _convert(capsys, tmp_path, "mapping", d / "mapping.toml")
    assert "activity.csv" in err and "'When'" in err


def test_mapping_unparseable_date(capsys, tmp_path):
    d = _copy(tmp_path, "mapping")
    _edit(d / "patients_enquiries.csv", "02/07/2024 17:30", "2024-07-02 17:30")
    err = _convert(capsys, tmp_path, "mapping", d / "mapping.toml")
    assert "patients_enquiries.csv: row 3" in err and "column 'Received'" in err


def test_mapping_event_before_creation(capsys, tmp_path):
    d = _copy(tmp_path, "mapping")
    _edit(d / "activity.csv", "E-3,05/01/2024 09:00", "E-3,04/01/2024 09:00")
    err = _convert(capsys, tmp_path, "mapping", d / "mapping.toml")
    assert "activity.csv: row 7" in err and "column 'When'" in err and "before" in err


def test_mapping_duplicate_id(capsys, tmp_path):
    d = _copy(tmp_path, "mapping")
    _edit(d / "patients_enquiries.csv", "E-2,", "E-1,")
    err = _convert(capsys, tmp_path, "mapping", d / "mapping.toml")
    assert "patients_enquiries.csv: row 3" in err and "'Enquiry No'" in err


def test_mapping_unmapped_activity(capsys, tmp_path):
    d = _copy(tmp_path, "mapping")
    _edit(d / "activity.csv", ",Note,", ",Texted,")
    err = _convert(capsys, tmp_path, "mapping", d / "mapping.toml")
    assert "activity.csv: row 6" in err and "column 'What'" in err and "'Texted'" in err


# -- the canonical format itself --------------------------------------------------------------
LEADS = (
    "lead_id,created_at,source\nL1,2024-01-02T09:00:00Z,phone\nL2,2024-01-03T09:00:00Z,web_form\n"
)
EVENTS = (
    "lead_id,timestamp,type\nL1,2024-01-02T10:00:00Z,call_attempt\nL2,2024-01-04T10:00:00Z,booked\n"
)


@pytest.mark.parametrize(
    ("table", "old", "new", "expect"),
    [
        ("leads", "source", "channel", ["leads.csv", "'source'"]),
        ("leads", "2024-01-03T09:00:00Z", "2024-01-03 09:00", ["row 3", "column 'created_at'"]),
        ("leads", "L2,", "L1,", ["row 3", "column 'lead_id'", "twice"]),
        ("events", "2024-01-04T10:00:00Z", "2024-01-01T10:00:00Z", ["row 3", "before lead 'L2'"]),
        ("events", "booked", "appointment", ["row 3", "column 'type'", "'appointment'"]),
        ("events", "L2,2024-01-04", "L9,2024-01-04", ["row 3", "column 'lead_id'"]),
        ("events", "type", "type,extra", ["events.csv"]),
    ],
)
def test_canonical_check(capsys, tmp_path, table, old, new, expect):
    texts = {"leads": LEADS, "events": EVENTS}
    texts[table] = texts[table].replace(old, new, 1)
    for name, text in texts.items():
        (tmp_path / f"{name}.csv").write_text(text)
    code = main(["crm", "check", str(tmp_path)])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1, err
    assert f"{table}.csv" in err and all(e in err for e in expect), err


def test_canonical_check_ok(capsys, tmp_path):
    (tmp_path / "leads.csv").write_text(LEADS)
    (tmp_path / "events.csv").write_text(EVENTS)
    assert main(["crm", "check", str(tmp_path), "--json"]) == 0
    assert '"leads": 2' in capsys.readouterr().out
