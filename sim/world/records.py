"""The per-lead record: the one place its columns are documented.

The world returns one row per lead as a :class:`pandas.DataFrame` whose columns are exactly
:data:`LEAD_COLUMNS`, in that order. Times are in days since the start of the world
(``arrived_day``) or since the lead arrived (``days_to_*``); a missing event is ``NaN``. Every
lead is followed for exactly ``window_days`` after it arrives, so ``converted`` has no
censoring: an event after the window did not happen.

``final_state`` is exactly one of :data:`FINAL_STATES`, by priority: a lead who became a
patient is ``patient`` even if it had unsubscribed; otherwise ``lost`` (bought elsewhere,
absorbing); otherwise ``unsubscribed`` (still could have converted, did not); otherwise
``dormant`` (went cold, revivable) or ``active`` (still in the journey when the window closed).

Costs add up: ``cost_total_usd = cost_acquisition_usd + cost_email_usd + cost_sales_usd +
cost_fixed_usd``; the fixed share is the arm's platform and content fees over the run divided
evenly among the arm's leads.
"""

from __future__ import annotations

from typing import NamedTuple


class Column(NamedTuple):
    """One documented column of the per-lead table."""

    name: str
    dtype: str
    description: str


STAGES: tuple[str, ...] = ("awareness", "consideration", "decision")
FINAL_STATES: tuple[str, ...] = ("patient", "lost", "unsubscribed", "dormant", "active")

_COLUMNS = (
    Column("lead_id", "int64", "arrival order in the world, 0-based; the same lead in every arm"),
    Column("arm", "str", "the arm (strategy) the lead was assigned to"),
    Column("source", "str", "lead source (web form, phone, referral, ...)"),
    Column("arrived_day", "float64", "arrival time, days since the world started"),
    Column("initial_stage", "str", "true stage on arrival: awareness, consideration or decision"),
    Column("max_stage", "str", "furthest stage reached (decision for everyone who booked)"),
    Column("final_state", "str", "patient, lost, unsubscribed, dormant or active at window end"),
    Column("booked", "bool", "booked a first appointment within the window"),
    Column("converted", "bool", "attended a first appointment within the window (a patient)"),
    Column("days_to_book", "float64", "days from arrival to the first booking, NaN if none"),
    Column("days_to_convert", "float64", "days from arrival to the attended appointment, or NaN"),
    Column("days_to_lost", "float64", "days from arrival to being lost to a competitor, or NaN"),
    Column("days_to_unsubscribe", "float64", "days from arrival to unsubscribing, or NaN"),
    Column("emails_sent", "int64", "emails sent to the lead"),
    Column("emails_delivered", "int64", "emails delivered (not bounced)"),
    Column("emails_opened", "int64", "emails opened"),
    Column("emails_clicked", "int64", "emails with a click"),
    Column("unsubscribed", "bool", "unsubscribed (gets no more email; may still convert)"),
    Column("complained", "bool", "marked an email as spam (also stops email)"),
    Column("revived", "int64", "times the lead came back from dormant"),
    Column("pushed_away", "int64", "times a hard sell at awareness drove the lead away"),
    Column("handed_off", "bool", "handed to sales (decision-ready, or by the hand-off rule)"),
    Column("sales_attempts", "int64", "sales call attempts"),
    Column("sales_reached", "int64", "sales call attempts that reached the lead"),
    Column("first_response_hours", "float64", "hours from arrival to the first call, or NaN"),
    Column("sales_wait_hours", "float64", "hours call attempts waited for a free agent, summed"),
    Column("intent", "float64", "ground truth: the lead's intent multiplier (mean 1)"),
    Column("email_affinity", "float64", "ground truth: the lead's email affinity multiplier"),
    Column("cost_acquisition_usd", "float64", "cost of buying the lead (by source)"),
    Column("cost_email_usd", "float64", "cost of the emails sent to it"),
    Column("cost_sales_usd", "float64", "sales labour spent on it"),
    Column("cost_fixed_usd", "float64", "its share of the arm's platform and content fees"),
    Column("cost_total_usd", "float64", "sum of the four costs above (fully loaded)"),
)

#: The per-lead columns, in order, with their types and meaning.
LEAD_COLUMNS: dict[str, Column] = {c.name: c for c in _COLUMNS}


def describe_columns() -> str:
    """A markdown table of the per-lead columns, for docs and ``--help``.

    >>> describe_columns().splitlines()[2].startswith("| lead_id | int64 |")
    True
    """
    lines = ["| column | type | meaning |", "|---|---|---|"]
    lines += [f"| {c.name} | {c.dtype} | {c.description} |" for c in _COLUMNS]
    return "\n".join(lines)
