"""The buyer's-journey funnel: the share of each arm's leads that reached each stage."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd
import plotly.graph_objects as go

from sim.report.style import DASH, LEGEND_TOP_MAX, base_layout, pct, pick_colors

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
    # Percentages on the bars while they fit (a few arms); with more, in the hover and in
    # the funnel table beside the figure.
    labelled = len(counts) <= 3
    fig = go.Figure()
    for arm, c in counts.items():
        leads = c["leads"]
        shares = [c[s] / leads if leads else float("nan") for s in STAGES]
        fig.add_trace(go.Bar(
            name=arm, x=[STAGE_LABELS[s] for s in STAGES], y=shares,
            customdata=[c[s] for s in STAGES], marker_color=palette[arm],
            text=[pct(v) for v in shares] if labelled else None,
            textposition="outside" if labelled else "none", cliponaxis=False,
            textfont={"size": 11},
            hovertemplate=(f"<b>{arm}</b><br>%{{x}}: %{{y:.1%}}<br>"
                           f"%{{customdata:,}} of {leads:,} leads<extra></extra>"),
        ))  # fmt: skip
    base_layout(fig, title, legend_right=len(counts) > LEGEND_TOP_MAX)
    fig.update_layout(barmode="group", bargap=0.2, uniformtext={"minsize": 9, "mode": "hide"})
    # Headroom above the leads bar (100%) for its label.
    fig.update_yaxes(title_text="Share of leads", tickformat=".0%", range=[0, 1.12])
    return fig


def funnel_table(data: Any, control: str | None = None) -> str:
    """The funnel as an HTML table: per arm, the share (and count) reaching each stage.

    >>> t = funnel_table({"a": {"leads": 200, "consideration": 120, "decision": 60,
    ...     "booked": 40, "patient": 30}})
    >>> "15.0% (30)" in t
    True
    """
    from sim.report.tables import html_table

    counts = funnel_counts(data)
    header = ["Arm", *(STAGE_LABELS[s] for s in STAGES)]
    rows = []
    for arm, c in counts.items():
        name = f"{arm} (control)" if arm == control else arm
        leads = c["leads"]
        rows.append([name, *(f"{pct(c[s] / leads) if leads else DASH} ({c[s]:,})"
                             for s in STAGES)])  # fmt: skip
    return html_table(header, rows, numeric=[False] + [True] * len(STAGES))
