"""Each product's fixture (shaped as its export, quirks included) becomes the expected tables."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from sim.crm.hubspot import read_hubspot
from sim.crm.mapping import read_mapped
from sim.crm.reader import read_export
from sim.crm.salesforce import read_salesforce
from sim.crm.writer import canonical_tables, write_export

FIX = Path(__file__).parent / "fixtures"


def _rows(events: pd.DataFrame) -> list[tuple[str, str, str]]:
    _, e = canonical_tables(pd.DataFrame(columns=["lead_id", "created_at", "source"]), events)
    return [(r.lead_id, r.timestamp.strftime("%Y-%m-%dT%H:%M:%SZ"), r.type) for r in e.itertuples()]


def test_hubspot_contacts_and_email_events():
    leads, events = read_hubspot(FIX / "hubspot/contacts.csv", FIX / "hubspot/email_events.csv")
    assert leads.lead_id.tolist() == ["101", "102", "103", "104"]
    # 1704445200000 ms is 2024-01-05 09:00 UTC (epoch milliseconds, HubSpot's legacy format)
    assert str(leads.created_at[2]) == "2024-01-05 09:00:00+00:00"
    assert leads.source.tolist() == ["ORGANIC_SEARCH", "PAID_SEARCH", "OFFLINE", "DIRECT_TRAFFIC"]
    assert _rows(events) == [
        ("101", "2024-01-03T11:15:00Z", "email_sent"),
        ("101", "2024-01-03T11:15:03Z", "email_delivered"),
        # the filtered (machine) open at 11:20 is dropped; PROCESSED is not an event
        ("101", "2024-01-03T14:20:00Z", "email_opened"),
        ("101", "2024-01-03T14:21:00Z", "email_clicked"),
        ("102", "2024-01-04T12:00:00Z", "email_sent"),
        ("102", "2024-01-04T12:00:01Z", "email_bounced"),  # recipient in other case
        ("103", "2024-01-08T10:00:00Z", "email_sent"),
        ("103", "2024-01-08T10:00:01Z", "email_delivered"),
        ("103", "2024-01-08T12:30:00Z", "unsubscribed"),
        ("103", "2024-01-08T12:31:00Z", "spam_report"),
        # the STATUSCHANGE back to SUBSCRIBED is not an unsubscribe
        ("101", "2024-01-10T14:00:00Z", "booked"),
        ("103", "2024-01-15T10:00:00Z", "booked"),
        ("101", "2024-01-15T10:30:00Z", "attended"),
    ]
    emails = events.type.str.startswith("email_") | events.type.isin(
        ["unsubscribed", "spam_report"]
    )
    assert set(events.campaign[emails & (events.lead_id == "103")]) == {"41000002"}


def test_hubspot_page_export_needs_and_uses_the_timezone():
    leads, events = read_hubspot(FIX / "hubspot_page/contacts.csv", timezone="America/Denver")
    # March 10 2024 is the first day of daylight time in Denver: 08:05 MDT is 14:05 UTC
    assert [str(t) for t in leads.created_at] == [
        "2024-03-10 14:05:00+00:00",
        "2024-03-11 05:30:00+00:00",
    ]
    assert _rows(events) == [
        ("5001", "2024-03-11T15:00:00Z", "booked"),
        ("5001", "2024-03-18T22:45:00Z", "attended"),
    ]


def test_salesforce_lead_and_task():
    leads, events = read_salesforce(FIX / "salesforce/Lead.csv", FIX / "salesforce/Task.csv")
    # 18-character ids become their 15-character form, which the tasks' WhoIds share
    assert leads.lead_id.tolist() == [
        "00Q5g00000AbCdE",
        "00Q5g00000AbCdF",
        "00Q5g00000AbCdG",
        "00Q5g00000AbCdH",
    ]
    assert leads.source.tolist() == ["Web", "Phone Inquiry", "(none)", "Partner Referral"]
    assert _rows(events) == [
        ("00Q5g00000AbCdE", "2024-02-01T10:05:00Z", "call_attempt"),  # voicemail: not reached
        ("00Q5g00000AbCdF", "2024-02-01T16:00:00Z", "email_sent"),
        # no CreatedDate: the ActivityDate at midnight UTC; 95 s with no disposition: reached
        ("00Q5g00000AbCdF", "2024-02-02T00:00:00Z", "call_attempt"),
        ("00Q5g00000AbCdF", "2024-02-02T00:00:00Z", "call_connected"),
        ("00Q5g00000AbCdE", "2024-02-02T09:10:00Z", "call_attempt"),
        ("00Q5g00000AbCdE", "2024-02-02T09:10:00Z", "call_connected"),
        # a date on the lead's first day is its creation time, not midnight before it
        ("00Q5g00000AbCdH", "2024-02-03T13:20:00Z", "call_attempt"),
        ("00Q5g00000AbCdH", "2024-02-03T13:20:00Z", "attended"),
        ("00Q5g00000AbCdE", "2024-02-20T00:00:00Z", "attended"),
        ("00Q5g00000AbCdF", "2024-02-25T09:00:00Z", "unsubscribed"),
        ("00Q5g00000AbCdF", "2024-02-25T09:00:00Z", "lost"),
    ]


def test_mapping_file():
    leads, events = read_mapped(FIX / "mapping/mapping.toml")
    by_id = leads.set_index("lead_id")
    # day-first dates in London: 2 July is summer time (UTC+1), 5 January is not
    assert str(by_id.created_at["E-1"]) == "2024-07-02 08:00:00+00:00"
    assert str(by_id.created_at["E-3"]) == "2024-01-05 08:00:00+00:00"
    assert by_id.cost_usd["E-1"] == 20.0 and pd.isna(by_id.cost_usd["E-2"])
    assert _rows(events) == [
        ("E-3", "2024-01-05T09:00:00Z", "call_attempt"),
        ("E-3", "2024-01-06T09:00:00Z", "booked"),
        ("E-3", "2024-01-10T11:00:00Z", "attended"),
        ("E-1", "2024-07-02T09:00:00Z", "email_sent"),
        ("E-1", "2024-07-02T11:00:00Z", "email_opened"),
        ("E-1", "2024-07-03T09:00:00Z", "call_attempt"),
        ("E-1", "2024-07-03T09:05:00Z", "call_connected"),
        ("E-1", "2024-07-03T09:15:00Z", "booked"),
    ]


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
@pytest.mark.parametrize(
    "read",
    [
        lambda: read_hubspot(FIX / "hubspot/contacts.csv", FIX / "hubspot/email_events.csv"),
        lambda: read_salesforce(FIX / "salesforce/Lead.csv", FIX / "salesforce/Task.csv"),
        lambda: read_mapped(FIX / "mapping/mapping.toml"),
    ],
    ids=["hubspot", "salesforce", "mapping"],
)
def test_round_trip_through_the_canonical_files(read, fmt, tmp_path):
    leads, events = read()
    write_export(tmp_path, leads, events, fmt)
    back = read_export(tmp_path)
    want_l, want_e = canonical_tables(leads, events)
    got_l, got_e = canonical_tables(back.leads, back.events)
    pd.testing.assert_frame_equal(got_l, want_l, check_dtype=False)
    pd.testing.assert_frame_equal(got_e, want_e, check_dtype=False)
    # and writing what was read gives the same bytes
    again = tmp_path / "again"
    write_export(again, back.leads, back.events, fmt)
    for name in ("leads", "events"):
        assert (again / f"{name}.{fmt}").read_bytes() == (tmp_path / f"{name}.{fmt}").read_bytes()
