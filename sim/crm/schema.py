"""The canonical lead-event format: a ``leads`` table and an ``events`` table.

Whatever CRM a practice uses, its data reach the rest of the project in this one shape
(docs/crm-format.md is the user's description; this module is the definition):

- ``leads``: ``lead_id`` (text, unique), ``created_at`` (timestamp with a timezone),
  ``source`` (text), optional ``cost_usd`` (a number >= 0).
- ``events``: ``lead_id`` (a lead of the leads table), ``timestamp`` (with a timezone, not
  before the lead's ``created_at``), ``type`` (one of :data:`EVENT_TYPES`), optional
  ``campaign`` and ``content`` (text).

Example:
    >>> EVENT_TYPES.index("email_sent") < EVENT_TYPES.index("email_opened")
    True
    >>> [c.name for c in LEADS.columns if c.required]
    ['lead_id', 'created_at', 'source']
"""

from __future__ import annotations

from dataclasses import dataclass

#: Event types, in the order a same-instant tie is written (a send before its open).
EVENT_TYPES: tuple[str, ...] = (
    "email_sent",
    "email_delivered",
    "email_bounced",
    "email_opened",
    "email_clicked",
    "unsubscribed",
    "spam_report",
    "handoff",
    "call_attempt",
    "call_connected",
    "booked",
    "attended",
    "no_show",
    "lost",
)
EVENT_RANK = {name: i for i, name in enumerate(EVENT_TYPES)}

#: Timestamps are written in UTC with a ``Z``; any ISO 8601 offset is read.
TIMESTAMP_EXAMPLE = "2024-01-31T09:00:00Z"
#: Longest text cell accepted (ids, sources, campaigns): an export is not a document store.
MAX_TEXT = 200


@dataclass(frozen=True)
class Column:
    """One column of a canonical table."""

    name: str
    kind: str  # "id", "text", "timestamp", "type", "money"
    required: bool
    meaning: str


@dataclass(frozen=True)
class Table:
    """One canonical table: its file stem and columns."""

    name: str
    columns: tuple[Column, ...]

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def required(self) -> list[str]:
        return [c.name for c in self.columns if c.required]


LEADS = Table(
    "leads",
    (
        Column("lead_id", "id", True, "the lead's id in the CRM, unique"),
        Column("created_at", "timestamp", True, "when the lead arrived"),
        Column("source", "text", True, "where it came from (web_form, phone, referral, ...)"),
        Column("cost_usd", "money", False, "what the lead cost to acquire, USD"),
    ),
)

EVENTS = Table(
    "events",
    (
        Column("lead_id", "ref", True, "the lead it happened to (a lead_id of leads)"),
        Column("timestamp", "timestamp", True, "when it happened, not before the lead arrived"),
        Column("type", "type", True, "one of " + ", ".join(EVENT_TYPES)),
        Column("campaign", "text", False, "the email campaign or call list, if any"),
        Column("content", "text", False, "the content kind of an email (awareness, ...)"),
    ),
)

TABLES = (LEADS, EVENTS)
#: File formats, by suffix.
FORMATS = ("csv", "parquet")
