"""Outcome metrics of a candidate strategy, one value per replication.

What the optimiser can maximise (an objective) or limit (a constraint), computed from the
per-replication totals of a world (leads, patients, emails, unsubscribes, complaints, costs):

==========================  ====================================================================
metric                      per replication
==========================  ====================================================================
patients                    conversions (attended first appointments) of the replication's leads
conversion_rate             patients / leads
cost_total_usd              fully loaded cost (acquisition, email, sales labour, fixed fees)
patients_per_1000_usd       1000 x patients / cost_total_usd
net_benefit_usd             patients x the scenario's patient value - cost_total_usd
unsubscribes                leads who unsubscribed
unsubscribe_rate            unsubscribes / emails sent (0 when nothing is sent)
complaint_rate              spam complaints / emails sent (0 when nothing is sent)
emails_per_lead_per_week    emails sent / (leads x window_days / 7): the list's average weekly
                            volume over each lead's follow-up window
sales_hours_per_month       sales labour hours / months of arrivals (labour cost over the hourly
                            rate; every call of a month's leads counted, whenever it happens:
                            the steady-state monthly load)
==========================  ====================================================================

Rates per email follow the mailbox providers' convention (Google's bulk-sender limit is a spam
complaint rate below 0.1% of messages, i.e. ``complaint_rate <= 0.001``).

Example:
    >>> row = {"n": 100, "conversions": 20, "cost_total_usd": 2500.0, "emails_sent": 1000,
    ...        "unsubscribed": 3, "complained": 1, "cost_sales_usd": 300.0}
    >>> m = replication_metrics(row, patient_value_usd=1904.0, window_days=182.0, months=1,
    ...                         labour_usd_per_hour=30.0)
    >>> m["patients_per_1000_usd"], m["net_benefit_usd"], round(m["emails_per_lead_per_week"], 4)
    (8.0, 35580.0, 0.3846)
    >>> m["sales_hours_per_month"], m["complaint_rate"]
    (10.0, 0.001)
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

#: Every metric a space's objective or constraint may name, with what it means (for messages).
METRICS: dict[str, str] = {
    "patients": "patients (attended first appointments) per replication",
    "conversion_rate": "patients per lead",
    "cost_total_usd": "fully loaded cost per replication",
    "patients_per_1000_usd": "patients per $1,000 fully loaded",
    "net_benefit_usd": "patients x patient value - fully loaded cost",
    "unsubscribes": "leads who unsubscribed",
    "unsubscribe_rate": "unsubscribes per email sent",
    "complaint_rate": "spam complaints per email sent",
    "emails_per_lead_per_week": "emails per lead per week of follow-up",
    "sales_hours_per_month": "sales labour hours per month of arrivals",
}

#: Metrics that cannot be negative (a ``<=`` limit below 0 can never be met).
NON_NEGATIVE = frozenset(METRICS) - {"net_benefit_usd"}
#: Metrics that are shares (a ``>=`` limit above 1 can never be met).
SHARES = frozenset({"conversion_rate", "unsubscribe_rate", "complaint_rate"})


def replication_metrics(
    row: Mapping[str, Any],
    *,
    patient_value_usd: float,
    window_days: float,
    months: int,
    labour_usd_per_hour: float,
) -> dict[str, float]:
    """The metrics of one replication from its totals (a replication row of the runner)."""
    n = int(row["n"])
    patients = float(row["conversions"])
    cost = float(row["cost_total_usd"])
    emails = float(row["emails_sent"])
    unsub = float(row["unsubscribed"])
    return {
        "patients": patients,
        "conversion_rate": patients / n if n else math.nan,
        "cost_total_usd": cost,
        "patients_per_1000_usd": 1000.0 * patients / cost if cost > 0 else math.nan,
        "net_benefit_usd": patients * patient_value_usd - cost,
        "unsubscribes": unsub,
        "unsubscribe_rate": unsub / emails if emails else 0.0,
        "complaint_rate": float(row["complained"]) / emails if emails else 0.0,
        "emails_per_lead_per_week": emails / (n * window_days / 7.0) if n else 0.0,
        "sales_hours_per_month": float(row["cost_sales_usd"]) / labour_usd_per_hour / months
        if labour_usd_per_hour > 0
        else math.nan,
    }
