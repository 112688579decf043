"""HubSpot: a contacts export and the email-events log, into the canonical tables.

Contacts (an export of the contacts object; columns by internal property name as the API and
API-based exports write them, or by the labels of the export from the contacts page):

- lead_id: ``hs_object_id`` (older exports ``vid``; page exports ``Record ID``)
- created_at: ``createdate`` (``Create Date``)
- source: ``hs_analytics_source`` (``Original Source``), e.g. ``ORGANIC_SEARCH``
- the address that links email events: ``email`` (``Email``)
- booked: ``hs_lifecyclestage_opportunity_date`` (``Became an Opportunity Date``)
- attended: ``hs_lifecyclestage_customer_date`` (``Became a Customer Date``)

Every other column (``lifecyclestage``, ``hs_email_open``, names, phone numbers) is ignored:
counts such as ``hs_email_open`` are summaries of the event log, which is read instead.

Email events (the Email Events API's fields, one row per event): ``created`` (milliseconds
since 1970, or ISO 8601), ``type``, ``recipient`` (matched to the contact's email, ignoring
case), ``emailCampaignId``; for ``STATUSCHANGE``, ``portalSubscriptionStatus``; rows with
``filteredEvent`` true (HubSpot's filtered machine opens and clicks) are dropped.

Quirks handled: a UTF-8 byte-order mark; empty cells; dates as ISO 8601 with ``Z``, as epoch
milliseconds, or (page exports) local times without an offset, which need ``timezone``.
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
from sim.errors import InputError

#: Canonical field -> the columns HubSpot may call it, property name first.
CONTACT_COLUMNS = {
    "lead_id": ("hs_object_id", "vid", "Record ID"),
    "created_at": ("createdate", "Create Date"),
    "source": ("hs_analytics_source", "Original Source"),
    "email": ("email", "Email"),
    "booked": ("hs_lifecyclestage_opportunity_date", "Became an Opportunity Date"),
    "attended": ("hs_lifecyclestage_customer_date", "Became a Customer Date"),
}
#: Email event types: canonical type, or None for those that say nothing about the lead.
EVENT_TYPES = {
    "SENT": "email_sent",
    "DELIVERED": "email_delivered",
    "OPEN": "email_opened",
    "CLICK": "email_clicked",
    "BOUNCE": "email_bounced",
    "SPAMREPORT": "spam_report",
    "STATUSCHANGE": "unsubscribed",  # when portalSubscriptionStatus is UNSUBSCRIBED
    "PROCESSED": None,
    "DROPPED": None,
    "DEFERRED": None,
    "FORWARD": None,
    "PRINT": None,
    "SUPPRESSED": None,
    "UNBOUNCE": None,
}
_TRUE = {"true", "1", "yes"}


def read_hubspot(
    contacts: str | os.PathLike[str],
    email_events: str | os.PathLike[str] | None = None,
    *,
    timezone: str | None = None,
    chunksize: int = 100_000,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Canonical (leads, events) from a HubSpot contacts export and its email events."""
    got = Collected()
    emails = _contacts(Path(contacts), got, timezone, chunksize)
    if email_events is not None:
        _email_events(Path(email_events), got, emails, timezone, chunksize)
    return got.tables()


def _pick(path: Path, header: list[str], field: str, required: bool = True) -> str | None:
    for name in CONTACT_COLUMNS[field]:
        if name in header:
            return name
    if required:
        names = " or ".join(repr(n) for n in CONTACT_COLUMNS[field])
        raise InputError(
            str(path), f"missing column {names} ({field}) of a HubSpot contacts export"
        )
    return None


def _contacts(path: Path, got: Collected, tz: str | None, chunksize: int) -> dict[str, str]:
    header = csv_header(path)
    cols = {
        f: _pick(path, header, f, f in ("lead_id", "created_at", "source")) for f in CONTACT_COLUMNS
    }
    by_email: dict[str, str] = {}
    for first, raw in csv_chunks(path, chunksize):
        rows = first + np.arange(len(raw))
        ids = as_text(raw[cols["lead_id"]])
        bad = (ids == "").to_numpy()
        if bad.any():
            refuse(path, first, bad, cols["lead_id"], raw[cols["lead_id"]], "a record id")
        created = _times(path, first, raw, cols["created_at"], tz)
        source = as_text(raw[cols["source"]]).replace("", "UNKNOWN")
        got.add_leads(
            path,
            rows,
            cols["lead_id"],
            cols["created_at"],
            lead_id=ids,
            created_at=created,
            source=source,
        )
        for field, kind in (("booked", "booked"), ("attended", "attended")):
            col = cols[field]
            if col is None:
                continue
            text = as_text(raw[col])
            has = (text != "").to_numpy()
            if has.any():
                t = _times(path, first, raw, col, tz, mask=has)[has]
                got.add_events(
                    path,
                    rows[has],
                    col,
                    lead_id=ids[has].to_numpy(),
                    timestamp=t.to_numpy(),
                    type=kind,
                )
        if cols["email"] is not None:
            mail = as_text(raw[cols["email"]]).str.lower()
            for m, i in zip(mail, ids, strict=True):
                if m:
                    by_email.setdefault(m, i)
    return by_email


def _times(
    path: Path, first: int, raw: pd.DataFrame, col: str, tz: str | None, mask=None
) -> pd.Series:
    """The column's timestamps; cells outside ``mask`` (empty optional dates) are not checked."""
    t, bad = parse_timestamps(raw[col], timezone=tz, epoch_ms=True)
    if mask is not None:
        bad = bad & mask
    if bad.any():
        allowed = time_allowed(tz, None) + " or milliseconds since 1970"
        if tz is None:
            allowed += " (local times without an offset need --timezone)"
        refuse(path, first, bad, col, raw[col], allowed)
    return t


def _email_events(
    path: Path, got: Collected, emails: dict[str, str], tz: str | None, chunksize: int
) -> None:
    header = csv_header(path)
    require_columns(path, header, ["created", "type", "recipient"], "HubSpot email events")
    allowed_types = ", ".join(EVENT_TYPES)
    for first, raw in csv_chunks(path, chunksize):
        rows = first + np.arange(len(raw))
        kind = as_text(raw["type"]).str.upper()
        bad = ~kind.isin(EVENT_TYPES).to_numpy()
        if bad.any():
            refuse(path, first, bad, "type", raw["type"], allowed_types)
        keep = kind.map(EVENT_TYPES).notna().to_numpy()
        if "filteredEvent" in raw:
            keep = keep & (~as_text(raw["filteredEvent"]).str.lower().isin(_TRUE).to_numpy())
        status = kind == "STATUSCHANGE"
        if status.any():
            if "portalSubscriptionStatus" not in raw:
                refuse(
                    path,
                    first,
                    status.to_numpy(),
                    "type",
                    raw["type"],
                    "STATUSCHANGE only with a portalSubscriptionStatus column",
                )
            resubscribed = status & (
                as_text(raw["portalSubscriptionStatus"]).str.upper() != "UNSUBSCRIBED"
            )
            keep = keep & ~resubscribed.to_numpy()
        mail = as_text(raw["recipient"]).str.lower()
        ids = mail.map(emails)
        missing = keep & ids.isna().to_numpy()
        if missing.any():
            refuse(
                path,
                first,
                missing,
                "recipient",
                raw["recipient"],
                "the email address of a contact in the contacts export",
            )
        t = _times(path, first, raw, "created", tz)
        campaign = (
            as_text(raw["emailCampaignId"])
            if "emailCampaignId" in raw
            else pd.Series([""] * len(raw))
        )
        got.add_events(
            path,
            rows[keep],
            "created",
            lead_id=ids[keep].to_numpy(),
            timestamp=t[keep].to_numpy(),
            type=kind[keep].map(EVENT_TYPES).to_numpy(),
            campaign=campaign[keep].to_numpy(),
        )
