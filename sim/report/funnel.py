"""The buyer's-journey funnel: the share of each arm's leads that reached each stage."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd
import plotly.graph_objects as go

from sim.report.style import base_layout, pct, pick_colors

#: Funnel stages in order, as keys of ``curves.json``'s ``funnel`` records.
STAGES = ("leads", "consideration", "decision", "booked", "patient")
STAGE_LABELS = {
    "leads": "Leads",
    "consideration": "Reached consideration",
    "decision": "Reached decision",
    "booked": "Booked",
    "patient": "Patient",
}


def funnel_counts(data: Any) -> dict[str, dict[str, int]]:
    """``{arm: {stage: count}}`` from ``curves.json``, an arm mapping or a table.

    Accepts the whole ``curves.json`` dict (``{"arms": {arm: {"funnel": {...}}}}``), a mapping
    ``{arm: {stage: count}}``, or a DataFrame with an ``arm`` column and one column per stage.

    >>> funnel_counts({"arms": {"a": {"n": 10, "funnel": {"leads": 10, "consideration": 6,
    ...     "decision": 3, "booked": 2, "patient": 1}}}})["a"]["booked"]
    2
    """
    if isinstance(data, pd.DataFrame):
        missing = [s for s in ("arm", *STAGES) if s not in data.columns]
        if missing:
            raise ValueError(f"funnel table needs columns {missing}")
        return {str(r["arm"]): {s: int(r[s]) for s in STAGES} for _, r in data.iterrows()}
    if not isinstance(data, Mapping):
        raise TypeError("funnel data: expected curves.json's dict, {arm: counts} or a DataFrame")
    arms = data.get("arms", data)
    out: dict[str, dict[str, int]] = {}
    for arm, record in arms.items():
        counts = record.get("funnel", record)
        missing = [s for s in STAGES if s not in counts]
        if missing:
            raise ValueError(f"funnel of arm {arm!r} lacks stage(s) {missing}")
        out[str(arm)] = {s: int(counts[s]) for s in STAGES}
    return out


def funnel_figure(
    data: Any,
    *,
    control: str | None = None,
    colors: Mapping[str, str] | None = None,
    title: str = "How far leads got: share of each arm's leads reaching each stage",
) -> go.Figure:
    """Grouped bars: for each arm, the share of its leads that reached each funnel stage.

    Args:
        data: see :func:`funnel_counts`.
        control: the control arm (drawn in grey).
        colors: optional ``{arm: colour}``.
        title: figure title.

    Returns:
        One bar trace per arm named after it; ``y`` are shares of the arm's leads (leads = 1),
        ``customdata`` the counts, text labels the percentages.

    Example:
        >>> fig = funnel_figure({"a": {"leads": 200, "consideration": 120, "decision": 60,
        ...     "booked": 40, "patient": 30}})
        >>> fig.data[0].name, list(fig.data[0].y)
        ('a', [1.0, 0.6, 0.3, 0.2, 0.15])
    """
    counts = funnel_counts(data)
    palette = pick_colors(counts, colors, control)
    fig = go.Figure()
    for arm, c in counts.items():
        leads = c["leads"]
        shares = [c[s] / leads if leads else float("nan") for s in STAGES]
        fig.add_trace(go.Bar(
            name=arm, x=[STAGE_LABELS[s] for s in STAGES], y=shares,
            customdata=[c[s] for s in STAGES], marker_color=palette[arm],
            text=[pct(v) for v in shares], textposition="outside", cliponaxis=False,
            hovertemplate=(f"<b>{arm}</b><br>%{{x}}: %{{y:.1%}}<br>"
                           f"%{{customdata:,}} of {leads:,} leads<extra></extra>"),
        ))  # fmt: skip
    base_layout(fig, title)
    fig.update_layout(barmode="group", bargap=0.2)
    fig.update_yaxes(title_text="Share of leads", tickformat=".0%", rangemode="tozero")
    return fig
