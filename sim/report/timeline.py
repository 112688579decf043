"""When things happen: the figure of cumulative incidence by days since arrival.

One panel per outcome (patient, lost, unsubscribed), per arm a step curve and its band. The
curves are computed by :mod:`sim.analysis.incidence` (Aalen-Johansen, competing risks) from
``curves.json`` or a per-lead table; its functions are importable from here too.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from sim.analysis.incidence import (
    CAUSES,
    INCIDENCE_TABLE_COLUMNS,
    incidence_from_curves,
    incidence_from_leads,
    incidence_table,
)
from sim.report.style import LEGEND_TOP_MAX, base_layout, pick_colors, with_alpha

__all__ = [
    "CAUSES",
    "CAUSE_TITLES",
    "INCIDENCE_TABLE_COLUMNS",
    "cumulative_incidence_figure",
    "incidence_from_curves",
    "incidence_from_leads",
    "incidence_table",
]

CAUSE_TITLES = {
    "patient": "Became a patient",
    "lost": "Lost to a competitor",
    "unsubscribed": "Unsubscribed",
}


def cumulative_incidence_figure(
    data: Any,
    *,
    causes: Sequence[str] = CAUSES,
    control: str | None = None,
    colors: Mapping[str, str] | None = None,
    alpha: float = 0.05,
    hide_empty: bool = True,
    title: str = "When it happens: cumulative incidence by days since arrival",
) -> go.Figure:
    """One panel per outcome; per arm a step curve of the cumulative incidence and its CI band.

    Args:
        data: ``curves.json``'s dict, a per-lead DataFrame (see :func:`incidence_from_leads`)
            or a tidy table with ``arm, cause, time, cif`` (and ``ci_lower``, ``ci_upper``).
        causes: the outcomes to draw, one panel each.
        control: the control arm (drawn in grey).
        colors: optional ``{arm: colour}``.
        alpha: 1 - confidence level of the bands (when computed here).
        hide_empty: leave out a panel where no arm has any event; its cause is listed in
            ``fig.layout.meta["hidden_panels"]``.
        title: figure title.

    Returns:
        Per panel and arm a band trace (named ``"<arm> CI"``, no legend entry) and a line
        trace named after the arm (legend once per arm); ``x`` days, ``y`` the incidence.

    Example:
        >>> fig = cumulative_incidence_figure({"days": [0, 1, 2], "arms": {"a": {"n": 10,
        ...     "patient": [0, 2, 5], "lost": [1, 1, 2], "unsubscribed": [0, 0, 1]}}})
        >>> [t.y.tolist() for t in fig.data if t.name == "a"][0]
        [0.0, 0.2, 0.5]
    """
    table = incidence_table(data, alpha=alpha)
    causes = [c for c in causes if c in set(table["cause"])]
    hidden = _empty_panels(table, causes) if hide_empty else []
    causes = [c for c in causes if c not in hidden]
    arms = list(dict.fromkeys(str(a) for a in table["arm"]))
    palette = pick_colors(arms, colors, control)
    fig = make_subplots(
        rows=1, cols=max(1, len(causes)), horizontal_spacing=0.07,
        subplot_titles=[CAUSE_TITLES.get(c, c) for c in causes],
    )  # fmt: skip
    for col, cause in enumerate(causes, start=1):
        for arm in arms:
            g = table[(table["arm"].astype(str) == arm) & (table["cause"] == cause)]
            if not g.empty:
                _add_curve(fig, g.sort_values("time"), arm, cause, palette[arm], col)
    base_layout(fig, title, height=400, legend_right=len(arms) > LEGEND_TOP_MAX)
    fig.update_layout(meta={"hidden_panels": hidden})
    fig.update_xaxes(title_text="Days since arrival", rangemode="tozero")
    fig.update_yaxes(tickformat=".0%", rangemode="tozero")
    return fig


def _empty_panels(table: pd.DataFrame, causes: list[str]) -> list[str]:
    """Causes no arm has a single event of (all but one if none has any).

    A panel where no arm has an event (no email sent: nobody unsubscribes) is an empty axis
    that reads as a finding; the figure leaves it out and says so in ``meta``.
    """
    peak = table.groupby("cause")["cif"].max()
    hidden = [c for c in causes if not peak.get(c, 0.0) > 0.0]
    return hidden[1:] if len(hidden) == len(causes) else hidden


def _add_curve(fig: go.Figure, g: pd.DataFrame, arm: str, cause: str, color: str, col: int) -> None:
    """One arm's step curve of one cause (and its band when the table has one), from day 0."""
    t = g["time"].to_numpy(float)
    f = g["cif"].to_numpy(float)
    if t[0] > 0:  # curves start at 0 on the day of arrival
        t, f = np.concatenate([[0.0], t]), np.concatenate([[0.0], f])
        start = {c: 0.0 for c in ("time", "cif", "ci_lower", "ci_upper") if c in g}
        g = pd.concat([g.iloc[:1].assign(**start), g])
    if {"ci_lower", "ci_upper"} <= set(g.columns):
        lo = g["ci_lower"].to_numpy(float)
        hi = g["ci_upper"].to_numpy(float)
        fig.add_trace(go.Scatter(
            name=f"{arm} CI", legendgroup=arm, showlegend=False, hoverinfo="skip",
            x=np.concatenate([t, t[::-1]]), y=np.concatenate([hi, lo[::-1]]),
            line={"width": 0, "shape": "hv"}, fill="toself",
            fillcolor=with_alpha(color, 0.18), mode="lines",
        ), row=1, col=col)  # fmt: skip
    fig.add_trace(go.Scatter(
        name=arm, legendgroup=arm, showlegend=col == 1, mode="lines",
        x=t, y=f, line={"color": color, "width": 2, "shape": "hv"},
        hovertemplate=(f"<b>{arm}</b>, {CAUSE_TITLES.get(cause, cause).lower()}<br>"
                       "by day %{x:.0f}: %{y:.1%}<extra></extra>"),
    ), row=1, col=col)  # fmt: skip
