"""The lift per lead source, with the p-values adjusted over every source and arm together.

Looking at each source is looking at several tests at once: with three sources and two arms
that is six chances for one to look significant by luck, so the p-values are adjusted over
the whole family (Holm by default), not per source.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from sim.analysis.multiple import adjust_p_values
from sim.analysis.replications import summarize_replications
from sim.experiment.replication import REPLICATION_COLUMNS, arm_rows
from sim.experiment.tables import _interval, _pp_interval, format_p, markdown_table


def lift_by_source(
    leads: pd.DataFrame,
    arms: Sequence[str],
    control: str,
    *,
    alpha: float = 0.05,
    adjust: str = "holm",
) -> pd.DataFrame:
    """One summary row per source and arm (the summary vocabulary plus ``source``).

    ``leads`` is the per-lead table of every replication (with a ``replication`` column).
    ``p_value_adjusted`` is adjusted over all (source, arm) comparisons.
    """
    parts = []
    for source, g in leads.groupby("source", sort=False):
        rows = [
            row
            for r, rep in g.groupby("replication", sort=True)
            for row in arm_rows(rep, list(arms), control, int(r))
        ]
        reps = pd.DataFrame(rows, columns=list(REPLICATION_COLUMNS))
        s = summarize_replications(reps, control, alpha=alpha, adjust="none", arms=list(arms))
        s.insert(0, "source", source)
        parts.append(s)
    out = pd.concat(parts, ignore_index=True)
    p = out["p_value"].to_numpy(float)
    out["p_value_adjusted"] = p if adjust == "none" else adjust_p_values(p, adjust)
    return out


def by_source_markdown(table: pd.DataFrame) -> str:
    """The per-source table for terminals: conversion, lift (pp and %) and adjusted p."""
    view = pd.DataFrame({"source": table["source"], "arm": table["arm"], "leads": table["n"]})
    view["conversion"] = _interval(
        table, "conversion_rate", "conversion_rate_ci_lower", "conversion_rate_ci_upper", "{:.1%}"
    )
    view["abs lift"] = _pp_interval(table, "abs_lift", "abs_lift_ci_lower", "abs_lift_ci_upper")
    view["rel lift"] = _interval(
        table, "rel_lift", "rel_lift_ci_lower", "rel_lift_ci_upper", "{:+.0%}"
    )
    view["p (adj.)"] = [format_p(p) for p in table["p_value_adjusted"]]
    return markdown_table(view)
