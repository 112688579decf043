"""Salesforce: Lead and Task exports (API field names, as Data Loader and the API write them).

Lead: ``Id``, ``CreatedDate``, ``LeadSource``, ``Status``, ``IsConverted``, ``ConvertedDate``,
``HasOptedOutOfEmail`` (and any other columns, ignored). A converted lead became a patient:
``attended`` on its ``ConvertedDate``. ``Status`` ``Closed - Not Converted`` is ``lost`` and
an opt-out is ``unsubscribed``, both at ``LastModifiedDate`` when the export has it (the only
time Salesforce keeps for them; without it they are left out).

Task: ``WhoId`` (the lead), ``TaskSubtype`` (``Call``: a ``call_attempt``; ``Email`` and
``ListEmail``: an ``email_sent``; others ignored), its time (``CompletedDateTime``, else
``CreatedDate``, else ``ActivityDate``), ``CallDisposition`` and ``CallDurationInSeconds``.
A call connected when its disposition says so (``Connected``, ``Spoke``, ``Reached``,
``Booked`` ...); a disposition of no answer (``No Answer``, ``Left Voicemail``, ``Busy`` ...)
did not; otherwise a call of 30 seconds or more connected.

Quirks handled: timestamps as ``2024-01-15T09:30:00.000+0000`` or ``...Z``; ``ConvertedDate``
and ``ActivityDate`` are dates only (Salesforce keeps them at midnight UTC), so a date on the
lead's first day means its creation time; 15- and 18-character ids for the same record (the
18-character id is the 15-character one plus a case checksum); booleans ``true``/``false`` or
``1``/``0``; an empty ``LeadSource``; tasks about no one (empty ``WhoId``) are skipped.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd

from sim.crm.adapt import Collected
from sim.crm.cells import (
    as_text,
    csv_chunks,
    csv_header,
    parse_timestamps,
    refuse,
    require_columns,
    time_allowed,
)

LEAD_REQUIRED = ["Id", "CreatedDate", "LeadSource", "IsConverted"]
TASK_REQUIRED = ["WhoId", "TaskSubtype"]
_TRUE, _FALSE = {"true", "1"}, {"false", "0", ""}
NOT_REACHED = (
    "no answer",
    "voicemail",
    "left message",
    "busy",
    "wrong number",
    "not reached",
    "no contact",
    "unreachable",
    "disconnected",
)
REACHED = (
    "connected",
    "spoke",
    "reached",
    "answered",
    "talked",
    "booked",
    "interested",
    "appointment",
    "call back",
    "callback",
)
CONNECTED_SECONDS = 30


def read_salesforce(
    leads: str | os.PathLike[str],
    tasks: str | os.PathLike[str] | None = None,
    *,
    timezone: str | None = None,
    chunksize: int = 100_000,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Canonical (leads, events) from Salesforce Lead and Task exports."""
    got = Collected()
    created = _leads(Path(leads), got, timezone, chunksize)
    if tasks is not None:
        _tasks(Path(tasks), got, created, timezone, chunksize)
    return got.tables()


def _key(ids: pd.Series) -> pd.Series:
    """The 15-character, case-sensitive form of an id (both forms name the same record)."""
    return ids.str.slice(0, 15)


def _bool(path, first, raw, col) -> np.ndarray:
    text = as_text(raw[col]).str.lower()
    bad = ~text.isin(_TRUE | _FALSE).to_numpy()
    if bad.any():
        refuse(path, first, bad, col, raw[col], "true or false (or 1 or 0)")
    return text.isin(_TRUE).to_numpy()


def _times(path, first, raw, col, tz, mask=None, date_only=False) -> pd.Series:
    text = as_text(raw[col])
    if date_only:  # a date alone: midnight UTC, as Salesforce stores it
        is_date = text.str.match(r"^\d{4}-\d{2}-\d{2}$").to_numpy(dtype=bool)
        text = text.where(~is_date, text + "T00:00:00Z")
    t, bad = parse_timestamps(text, timezone=tz)
    if mask is not None:
        bad = bad & mask
    if bad.any():
        allowed = time_allowed(tz, None).replace(
            "2024-01-31T09:00:00Z", "2024-01-31T09:00:00.000+0000"
        )
        if date_only:
            allowed = "a date 2024-01-31 or " + allowed
        refuse(path, first, bad, col, raw[col], allowed)
    return t


def _leads(path: Path, got: Collected, tz, chunksize) -> pd.Series:
    header = csv_header(path)
    require_columns(path, header, LEAD_REQUIRED, "a Salesforce Lead export")
    keys, made = [], []
    for first, raw in csv_chunks(path, chunksize):
        rows = first + np.arange(len(raw))
        ids = as_text(raw["Id"])
        bad = (ids == "").to_numpy()
        if bad.any():
            refuse(path, first, bad, "Id", raw["Id"], "a Salesforce record id")
        key = _key(ids)
        created = _times(path, first, raw, "CreatedDate", tz)
        source = as_text(raw["LeadSource"]).replace("", "(none)")
        got.add_leads(
            path, rows, "Id", "CreatedDate", lead_id=key, created_at=created, source=source
        )
        keys.append(key)
        made.append(created)
        converted = _bool(path, first, raw, "IsConverted")
        if converted.any():
            col = "ConvertedDate" if "ConvertedDate" in raw else None
            if col is None:
                refuse(
                    path,
                    first,
                    converted,
                    "IsConverted",
                    raw["IsConverted"],
                    "a converted lead with a ConvertedDate column",
                )
            t = _times(path, first, raw, col, tz, mask=converted, date_only=True)
            t = _not_before(t, created)
            got.add_events(
                path,
                rows[converted],
                col,
                lead_id=key[converted].to_numpy(),
                timestamp=t[converted].to_numpy(),
                type="attended",
            )
        if "LastModifiedDate" in raw:
            lost = (
                (as_text(raw["Status"]) == "Closed - Not Converted").to_numpy()
                if "Status" in raw
                else np.zeros(len(raw), bool)
            )
            opted = (
                _bool(path, first, raw, "HasOptedOutOfEmail")
                if "HasOptedOutOfEmail" in raw
                else np.zeros(len(raw), bool)
            )
            either = lost | opted
            if either.any():
                t = _times(path, first, raw, "LastModifiedDate", tz, mask=either)
                for m, kind in ((lost, "lost"), (opted, "unsubscribed")):
                    if m.any():
                        got.add_events(
                            path,
                            rows[m],
                            "LastModifiedDate",
                            lead_id=key[m].to_numpy(),
                            timestamp=t[m].to_numpy(),
                            type=kind,
                        )
    return pd.Series(
        pd.concat(made, ignore_index=True).to_numpy(), index=pd.concat(keys, ignore_index=True)
    )


def _not_before(t: pd.Series, created: pd.Series) -> pd.Series:
    """A date-only time on the lead's first day is taken as its creation time."""
    same_day = (t.dt.floor("D") == created.dt.floor("D")) & (t < created)
    return t.where(~same_day, created)


def _tasks(path: Path, got: Collected, created: pd.Series, tz, chunksize) -> None:
    header = csv_header(path)
    require_columns(path, header, TASK_REQUIRED, "a Salesforce Task export")
    time_cols = [c for c in ("CompletedDateTime", "CreatedDate", "ActivityDate") if c in header]
    if not time_cols:
        require_columns(path, header, ["CreatedDate"], "a Salesforce Task export (its time)")
    for first, raw in csv_chunks(path, chunksize):
        rows = first + np.arange(len(raw))
        who = _key(as_text(raw["WhoId"]))
        sub = as_text(raw["TaskSubtype"])
        call = (sub == "Call").to_numpy()
        mail = sub.isin(["Email", "ListEmail"]).to_numpy()
        keep = (call | mail) & (who != "").to_numpy()
        unknown = keep & ~who.isin(created.index).to_numpy()
        if unknown.any():
            refuse(
                path, first, unknown, "WhoId", raw["WhoId"], "the Id of a lead in the Lead export"
            )
        t = pd.Series(pd.NaT, index=raw.index.copy(), dtype="datetime64[ns, UTC]").reset_index(
            drop=True
        )
        col_used = pd.Series([""] * len(raw))
        for col in time_cols:
            text = as_text(raw[col])
            todo = keep & t.isna().to_numpy() & (text != "").to_numpy()
            if todo.any():
                tc = _times(path, first, raw, col, tz, mask=todo, date_only=col == "ActivityDate")
                t[todo] = tc[todo]
                col_used[todo] = col
        none = keep & t.isna().to_numpy()
        if none.any():
            refuse(path, first, none, time_cols[-1], raw[time_cols[-1]], "the task's date")
        if "ActivityDate" in time_cols:
            at = created.reindex(who).to_numpy()
            dated = (col_used == "ActivityDate").to_numpy() & keep
            if dated.any():
                fixed = _not_before(t[dated], pd.Series(at[dated], index=t[dated].index))
                t[dated] = fixed
        connected = call & _connected(path, first, raw)
        for m, kind in (
            (call & keep, "call_attempt"),
            (connected & keep, "call_connected"),
            (mail & keep, "email_sent"),
        ):
            if m.any():
                got.add_events(
                    path,
                    rows[m],
                    "CreatedDate",
                    lead_id=who[m].to_numpy(),
                    timestamp=t[m].to_numpy(),
                    type=kind,
                )


def _connected(path: Path, first: int, raw: pd.DataFrame) -> np.ndarray:
    n = len(raw)
    disp = (
        as_text(raw["CallDisposition"]).str.lower()
        if "CallDisposition" in raw
        else pd.Series([""] * n)
    )
    said_no = disp.apply(lambda d: any(w in d for w in NOT_REACHED)).to_numpy(dtype=bool)
    said_yes = disp.apply(lambda d: any(w in d for w in REACHED)).to_numpy(dtype=bool) & ~said_no
    if "CallDurationInSeconds" in raw:
        text = as_text(raw["CallDurationInSeconds"])
        secs = pd.to_numeric(text.where(text != "", "nan"), errors="coerce").to_numpy(float)
        bad = (text != "").to_numpy() & ~(np.isfinite(secs) & (secs >= 0))
        if bad.any():
            refuse(
                path,
                first,
                bad,
                "CallDurationInSeconds",
                raw["CallDurationInSeconds"],
                "a whole number of seconds >= 0, or empty",
            )
        long = np.nan_to_num(secs, nan=0.0) >= CONNECTED_SECONDS
    else:
        long = np.zeros(n, bool)
    return said_yes | (~said_no & ~said_yes & long)
