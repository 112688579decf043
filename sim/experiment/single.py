"""One world, summarised: what ``nurture run`` prints."""

from __future__ import annotations

import math

import pandas as pd
from statsmodels.stats.proportion import proportion_confint


def summarize_leads(leads: pd.DataFrame, alpha: float = 0.05) -> dict[str, float | int]:
    """Headline numbers of a per-lead table (one arm).

    ``marketing_cost_per_conversion_usd`` counts acquisition only (the seed article's
    arithmetic); ``cost_per_conversion_usd`` is fully loaded. The conversion-rate interval is
    Wilson's. With no conversions the costs per conversion are NaN.

    >>> df = pd.DataFrame({"converted": [True, False, False, True], "booked": [1, 0, 1, 1],
    ...     "unsubscribed": [0, 1, 0, 0], "emails_sent": [3, 4, 0, 1],
    ...     "cost_acquisition_usd": [20.0] * 4, "cost_total_usd": [25.0] * 4})
    >>> s = summarize_leads(df)
    >>> s["conversions"], s["marketing_cost_per_conversion_usd"], s["cost_per_conversion_usd"]
    (2, 40.0, 50.0)
    """
    n = len(leads)
    conversions = int(leads["converted"].sum())
    rate = conversions / n if n else math.nan
    if n:
        lo, hi = proportion_confint(conversions, n, alpha=alpha, method="wilson")
        # statsmodels' Wilson bound at 0 or n conversions can miss the rate by rounding
        # (a lower bound of 2.8e-17 for a rate of 0); the interval always holds the rate.
        lo, hi = min(float(lo), rate), max(float(hi), rate)
    else:
        lo = hi = math.nan
    total = float(leads["cost_total_usd"].sum())
    acquisition = float(leads["cost_acquisition_usd"].sum())
    return {
        "leads": n,
        "booked": int(leads["booked"].sum()),
        "conversions": conversions,
        "conversion_rate": rate,
        "conversion_rate_ci_lower": float(lo),
        "conversion_rate_ci_upper": float(hi),
        "unsubscribed": int(leads["unsubscribed"].sum()),
        "emails_sent": int(leads["emails_sent"].sum()),
        "cost_acquisition_usd": acquisition,
        "cost_total_usd": total,
        "marketing_cost_per_conversion_usd": acquisition / conversions if conversions else math.nan,
        "cost_per_conversion_usd": total / conversions if conversions else math.nan,
    }
