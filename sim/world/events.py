"""An optional log of what a practice's CRM would see: the world's lead-event export.

When a world is asked for its events (``simulate(..., events=True)``), every email sent,
delivered or bounced, opened, clicked, every unsubscribe and spam report, hand-off, call
attempt and connection, booking, attended visit and no-show is appended here as it happens,
in plain lists (a few appends per event; nothing at all when the log is off). What the CRM
could not see stays out: the latent stage, and a lead lost to a competitor.

:meth:`EventLog.tables` gives the leads and events tables of the canonical lead-event format
(docs/crm-format.md); ``sim.crm.writer.write_export`` writes them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pandas only when the tables are built: the log itself is plain lists
    import numpy as np
    import pandas as pd

#: Model day 0 as a date: a Monday (the world's working days are days 0-4 of each week).
ORIGIN = "2024-01-01T00:00:00Z"

# Event kinds, named as in the canonical format.
KINDS = (
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
)
(SENT, DELIVERED, BOUNCED, OPENED, CLICKED, UNSUBSCRIBED, SPAM, HANDOFF, ATTEMPT, CONNECTED,
 BOOKED, ATTENDED, NO_SHOW) = range(len(KINDS))  # fmt: skip


class EventLog:
    """Events as parallel lists: lead id, time (days), kind, content kind, arm."""

    __slots__ = ("arm", "content", "kind", "lead", "t")

    def __init__(self) -> None:
        self.lead: list[int] = []
        self.t: list[float] = []
        self.kind: list[int] = []
        self.content: list[int] = []
        self.arm: list[int] = []

    def add(self, lead, t: float, kind: int, content: int = -1) -> None:
        self.lead.append(lead.id)
        self.t.append(t)
        self.kind.append(kind)
        self.content.append(content)
        self.arm.append(lead.arm.index)

    def email(self, lead, t: float, before: tuple, content: int) -> None:
        """What one send did, from the lead's counters before and after it."""
        delivered, opened, clicked, unsub_t, complained = before
        add = self.add
        add(lead, t, SENT, content)
        if lead.delivered == delivered:
            add(lead, t, BOUNCED, content)
            return
        add(lead, t, DELIVERED, content)
        if lead.opened > opened:
            add(lead, t, OPENED, content)
        if lead.clicked > clicked:
            add(lead, t, CLICKED, content)
        if lead.unsub_t < unsub_t:
            add(lead, t, UNSUBSCRIBED, content)
        if lead.complained and not complained:
            add(lead, t, SPAM, content)

    @staticmethod
    def before(lead) -> tuple:
        return (lead.delivered, lead.opened, lead.clicked, lead.unsub_t, lead.complained)

    def tables(
        self,
        day: np.ndarray,
        source: np.ndarray,
        source_names: Sequence[str],
        source_costs: Sequence[float],
        arm_names: Sequence[str],
        origin: str = ORIGIN,
    ) -> tuple[pd.DataFrame, pd.DataFrame]:
        """The canonical leads and events tables (times from ``origin``)."""
        import numpy as np
        import pandas as pd

        from sim.config.strategy import CONTENT_KINDS

        n = len(day)
        width = max(6, len(str(max(n - 1, 0))))
        ids = np.array([f"L{i:0{width}d}" for i in range(n)], dtype=object)
        names = np.asarray(source_names, dtype=object)
        leads = pd.DataFrame(
            {
                "lead_id": ids,
                "created_at": _times(np.asarray(day, dtype=float), origin),
                "source": names[np.asarray(source, dtype=int)] if n else [],
                "cost_usd": np.asarray(source_costs, dtype=float)[np.asarray(source, dtype=int)]
                if n
                else [],
            }
        )
        lead = np.asarray(self.lead, dtype=np.int64)
        kinds = np.asarray(KINDS, dtype=object)
        content_names = np.asarray(("", *CONTENT_KINDS), dtype=object)
        arms = np.asarray(arm_names, dtype=object)
        events = pd.DataFrame(
            {
                "lead_id": ids[lead] if len(lead) else [],
                "timestamp": _times(np.asarray(self.t, dtype=float), origin),
                "type": kinds[np.asarray(self.kind, dtype=int)] if len(lead) else [],
                "campaign": arms[np.asarray(self.arm, dtype=int)] if len(lead) else [],
                "content": content_names[np.asarray(self.content, dtype=int) + 1]
                if len(lead)
                else [],
            }
        )
        emailish = events["type"].isin(KINDS[SENT : SPAM + 1])
        events.loc[~emailish, "campaign"] = ""
        return leads, events


def _times(days, origin: str):
    import numpy as np
    import pandas as pd

    # Whole microseconds: float days carry about that precision over a few years.
    us = np.round(days * 86_400e6).astype("int64")
    return pd.Series(pd.Timestamp(origin) + pd.to_timedelta(us, unit="us"))
