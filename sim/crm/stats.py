"""An export as arrays in days, and the summary statistics calibration compares.

:class:`Observations` holds an export's leads and events as numpy arrays, times in days from
midnight UTC of the Monday on or before the first lead (the world's day 0 is a Monday, so a
simulated export maps back onto model time exactly). :func:`summaries` reduces it to a few
dozen numbers that describe what a practice sees: conversion by source and by day, time to
booking, calls and emails, conversion by emails opened.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.crm.schema import EVENT_RANK, EVENT_TYPES

T = {name: i for i, name in enumerate(EVENT_TYPES)}
_NS_PER_DAY = 86_400 * 10**9


@dataclass(frozen=True)
class Observations:
    """Leads and events as arrays; times in days from ``origin``."""

    origin: pd.Timestamp
    sources: tuple[str, ...]
    created: np.ndarray  # float days, one per lead
    source: np.ndarray  # int index into sources
    lead: np.ndarray  # event -> lead row
    t: np.ndarray  # event time, days
    kind: np.ndarray  # event type, index into EVENT_TYPES
    content: np.ndarray  # event content kind, text ("" when none)
    where: str = "export"

    @property
    def n(self) -> int:
        return len(self.created)

    def of(self, *names: str) -> np.ndarray:
        """Mask of the events of these types."""
        return np.isin(self.kind, [T[n] for n in names])

    @property
    def end(self) -> float:
        """The last time the export knows of (its last lead or event)."""
        last = self.t.max() if len(self.t) else 0.0
        return float(max(last, self.created.max() if self.n else 0.0))


def observations(leads: pd.DataFrame, events: pd.DataFrame, where: str = "export") -> Observations:
    """Arrays from canonical leads and events tables (as read or as the world writes them).

    >>> leads = pd.DataFrame({"lead_id": ["a", "b"], "source": ["phone", "web_form"],
    ...     "created_at": pd.to_datetime(["2024-01-03 12:00", "2024-01-09 00:00"], utc=True)})
    >>> events = pd.DataFrame({"lead_id": ["b"], "type": ["booked"],
    ...     "timestamp": pd.to_datetime(["2024-01-10 06:00"], utc=True)})
    >>> o = observations(leads, events)
    >>> str(o.origin.date()), o.created.tolist(), o.t.tolist(), o.sources
    ('2024-01-01', [2.5, 8.0], [9.25], ('phone', 'web_form'))
    """
    created_ts = pd.to_datetime(leads["created_at"], utc=True).astype("datetime64[ns, UTC]")
    first = created_ts.min().floor("D")
    origin = first - pd.Timedelta(days=first.day_of_week)  # the Monday on or before
    base = origin.value
    created = (created_ts.astype("int64").to_numpy() - base) / _NS_PER_DAY
    src = leads["source"].astype(str)
    sources = tuple(sorted(src.unique()))
    source = pd.Categorical(src, categories=sources).codes.astype(np.int16)
    index = pd.Index(leads["lead_id"].astype(str))
    lead = index.get_indexer(events["lead_id"].astype(str)).astype(np.int64)
    if (lead < 0).any():
        raise ValueError("events name leads that are not in the leads table")
    ts = pd.to_datetime(events["timestamp"], utc=True).astype("datetime64[ns, UTC]")
    t = (ts.astype("int64").to_numpy() - base) / _NS_PER_DAY
    kind = events["type"].astype(str).map(EVENT_RANK).to_numpy(dtype=np.int16)
    content = (
        events["content"].fillna("").astype(str).to_numpy()
        if "content" in events
        else np.full(len(events), "", dtype=object)
    )
    order = np.lexsort((kind, t, lead))  # by lead, then time, then type order
    return Observations(
        origin,
        sources,
        created,
        source,
        lead[order],
        t[order],
        kind[order],
        content[order],
        where,
    )


def first_time(obs: Observations, *names: str) -> np.ndarray:
    """Per lead, days from creation to its first event of these types (inf when none)."""
    m = obs.of(*names)
    out = np.full(obs.n, np.inf)
    np.minimum.at(out, obs.lead[m], obs.t[m])
    return out - obs.created


def count(obs: Observations, *names: str) -> np.ndarray:
    """Per lead, the number of its events of these types."""
    return np.bincount(obs.lead[obs.of(*names)], minlength=obs.n)


def summaries(
    obs: Observations, window_days: float, horizons: tuple[float, ...] = (7.0, 30.0, 90.0)
) -> dict[str, float]:
    """Summary statistics of an export (the same keys for every export of the same sources).

    Conversion (an ``attended`` within ``window_days`` of arrival) overall and by source;
    booked and converted by each horizon; mean days to first booking; calls per lead, share
    connected; hand-offs; emails per lead, opens and clicks per delivered, unsubscribes, and
    conversion of leads that opened none, one or two, three or more emails.
    """
    n = max(obs.n, 1)
    conv_t = first_time(obs, "attended")
    book_t = first_time(obs, "booked")
    converted = conv_t <= window_days
    out: dict[str, float] = {"conversion": converted.mean() if obs.n else 0.0}
    for k, name in enumerate(obs.sources):
        m = obs.source == k
        out[f"conversion[{name}]"] = float(converted[m].mean()) if m.any() else 0.0
    for h in horizons:
        out[f"booked_by_day_{h:g}"] = float((book_t <= h).mean())
        out[f"converted_by_day_{h:g}"] = float((conv_t <= h).mean())
    booked = np.isfinite(book_t) & (book_t <= window_days)
    out["days_to_book"] = float(book_t[booked].mean()) if booked.any() else 0.0
    attempts, connected = count(obs, "call_attempt"), count(obs, "call_connected")
    out["calls_per_lead"] = attempts.sum() / n
    out["connected_share"] = connected.sum() / max(attempts.sum(), 1)
    out["handoff_share"] = float((count(obs, "handoff") > 0).mean()) if obs.n else 0.0
    sent, delivered = count(obs, "email_sent"), count(obs, "email_delivered")
    opened, clicked = count(obs, "email_opened"), count(obs, "email_clicked")
    d = max(delivered.sum(), 1)
    out["emails_per_lead"] = sent.sum() / n
    out["opens_per_delivered"] = opened.sum() / d
    out["clicks_per_delivered"] = clicked.sum() / d
    out["unsubscribed_share"] = float((count(obs, "unsubscribed") > 0).mean()) if obs.n else 0.0
    for label, lo, hi in (("0", 0, 0), ("1-2", 1, 2), ("3+", 3, np.inf)):
        m = (opened >= lo) & (opened <= hi)
        out[f"conversion_opened_{label}"] = float(converted[m].mean()) if m.any() else 0.0
    out["clicks_per_opened"] = clicked.sum() / max(opened.sum(), 1)
    out.update(booking_channels(obs))
    out.update(booking_times(obs, book_t, window_days))
    return {k: float(v) for k, v in out.items()}


def _instants(obs: Observations) -> np.ndarray:
    """Per event, the index of its instant: the run of events of one lead at one time."""
    if not len(obs.t):
        return np.zeros(0, dtype=np.int64)
    new = np.ones(len(obs.t), dtype=bool)
    new[1:] = (obs.lead[1:] != obs.lead[:-1]) | (obs.t[1:] != obs.t[:-1])
    return np.cumsum(new) - 1


def booking_channels(obs: Observations) -> dict[str, float]:
    """What each booking happened at: a conversation, an email click or open, or nothing.

    A booking at the instant of a connected call is the call's doing (the world books during
    the conversation, and a CRM logs the meeting with the call); at the instant of a click or
    an open, the email's (a booking link, or content that moved a ready lead); otherwise the
    lead booked on its own. Rates are per opportunity: bookings at calls per connected call
    (and per connected call after the lead's hand-off, when the practice thought it ready),
    at clicks per click, at opens per unclicked open; leads that booked on their own per lead.
    """
    g = _instants(obs)
    k = int(g.max()) + 1 if len(g) else 0

    def has(*names: str) -> np.ndarray:
        return np.bincount(g[obs.of(*names)], minlength=k) > 0

    call, click, opened = has("call_connected"), has("email_clicked"), has("email_opened")
    booked = obs.of("booked")
    bg = g[booked]
    at_call = call[bg]
    at_click = click[bg] & ~at_call
    at_open = opened[bg] & ~at_call & ~at_click
    alone = ~(at_call | at_click | at_open)
    conn = obs.of("call_connected")
    handoff_at = first_time(obs, "handoff") + obs.created
    after = conn & (handoff_at[obs.lead] <= obs.t)
    first = np.zeros(obs.n, dtype=bool)  # each lead's first booking only, for the lead share
    lead_b = obs.lead[booked]
    _, i = np.unique(lead_b, return_index=True)
    first[lead_b[i][alone[i]]] = True
    n_click = int(obs.of("email_clicked").sum())
    n_open_only = int(opened.sum() - (opened & click).sum())
    after_booked = int((call[bg] & (handoff_at[lead_b] <= obs.t[booked])).sum())
    return {
        "booked_per_connected": at_call.sum() / max(int(conn.sum()), 1),
        "booked_per_connected_after_handoff": after_booked / max(int(after.sum()), 1),
        "booked_per_click": at_click.sum() / max(n_click, 1),
        "booked_per_unclicked_open": at_open.sum() / max(n_open_only, 1),
        "self_booked_share": first.sum() / max(obs.n, 1),
    }


def booking_times(obs: Observations, book_t: np.ndarray, window_days: float) -> dict[str, float]:
    """Quartiles of days to first booking, and mean days from hand-off to booking."""
    booked = np.isfinite(book_t) & (book_t <= window_days)
    q = np.quantile(book_t[booked], [0.25, 0.5, 0.75]) if booked.any() else np.zeros(3)
    handoff = first_time(obs, "handoff")
    m = booked & (handoff <= book_t)
    return {
        "days_to_book_q25": q[0],
        "days_to_book_q50": q[1],
        "days_to_book_q75": q[2],
        "days_handoff_to_book": float((book_t[m] - handoff[m]).mean()) if m.any() else 0.0,
    }
