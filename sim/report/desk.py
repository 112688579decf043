"""The sales desk: how busy the agents were by hour of the week, how long calls waited for a
free agent, and how many attempts went unanswered.

The input is ``sales_desk.json``: per desk (each arm's own in the paired design, one shared by
every arm in the split design) and per hour of the week (0 = Monday 00:00-01:00), the call
attempts started, those that did not reach the lead, the hours they waited for an agent, the
agent-hours spent on calls and the agent-hours available, summed over replications, while
leads arrive (the run-down after the last arrival would dilute every rate).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from sim.report.run_folder import RunFolder
from sim.report.sections import ReportFigure, Section, register_section
from sim.report.style import DASH, LEGEND_TOP_MAX, arm_colors, base_layout, number, pct
from sim.report.tables import html_table

DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
HOURS_PER_WEEK = 168
DESK_KEYS = ("attempts", "unanswered", "wait_hours", "busy_hours", "agent_hours")


def desk_frame(desk: Mapping[str, Any]) -> pd.DataFrame:
    """One row per desk and hour of the week, with utilisation, mean wait and unanswered share.

    >>> zero = [0.0] * 168
    >>> d = {"desks": {"a": {"attempts": [4.0] + zero[1:], "unanswered": [1.0] + zero[1:],
    ...     "wait_hours": [0.5] + zero[1:], "busy_hours": [1.5] + zero[1:],
    ...     "agent_hours": [2.0] * 168}}}
    >>> r = desk_frame(d).iloc[0]
    >>> r.label, float(r.utilisation), float(r.wait_minutes), float(r.unanswered_share)
    ('Mon 00:00', 0.75, 7.5, 0.25)
    """
    frames = []
    for name, rec in desk["desks"].items():
        f = pd.DataFrame({k: np.asarray(rec[k], dtype=float) for k in DESK_KEYS})
        f.insert(0, "hour_of_week", np.arange(HOURS_PER_WEEK))
        f.insert(0, "desk", str(name))
        frames.append(f)
    out = pd.concat(frames, ignore_index=True)
    out["day"] = [DAYS[h // 24] for h in out["hour_of_week"]]
    out["hour"] = out["hour_of_week"] % 24
    out["label"] = [f"{d} {h:02d}:00" for d, h in zip(out["day"], out["hour"], strict=True)]
    with np.errstate(invalid="ignore", divide="ignore"):
        out["utilisation"] = out["busy_hours"] / out["agent_hours"]
        out["wait_minutes"] = 60 * out["wait_hours"] / out["attempts"]
        out["unanswered_share"] = out["unanswered"] / out["attempts"]
    return out


def active_hours(frame: pd.DataFrame) -> list[int]:
    """Hours of the week in which any desk placed or was on a call (the desk's open hours)."""
    busy = frame.groupby("hour_of_week")[["attempts", "busy_hours"]].sum()
    return [int(h) for h in busy.index[(busy["attempts"] > 0) | (busy["busy_hours"] > 0)]]


def sales_desk_figure(
    desk: Mapping[str, Any],
    *,
    control: str | None = None,
    colors: Mapping[str, str] | None = None,
    title: str = "The sales desk by hour of the week",
) -> go.Figure:
    """Three panels over the desk's open hours: agent utilisation, mean wait per call attempt,
    share of attempts that did not reach the lead; one line per desk.

    Args:
        desk: ``sales_desk.json``'s dict.
        control: the control arm (grey).
        colors: ``{desk name: colour}`` (default by arm name).
        title: figure title.

    Returns:
        Per desk three line traces (named after it; legend once); ``x`` the open hours in
        order (one position each, nights and weekends left out), ticks at each day's first.

    Example:
        >>> zero = [0.0] * 168
        >>> rec = {"attempts": [0.0] * 8 + [3.0] + zero[9:], "unanswered": zero,
        ...        "wait_hours": zero, "busy_hours": [0.0] * 8 + [0.5] + zero[9:],
        ...        "agent_hours": [1.0] * 168}
        >>> fig = sales_desk_figure({"desks": {"a": rec}})
        >>> [float(t.y[0]) for t in fig.data]
        [0.5, 0.0, 0.0]
    """
    frame = desk_frame(desk)
    hours = active_hours(frame)
    names = list(dict.fromkeys(frame["desk"]))
    palette = {**arm_colors(names, control), **(colors or {})}
    position = {h: i for i, h in enumerate(hours)}
    fig = make_subplots(rows=3, cols=1, shared_xaxes=True, vertical_spacing=0.09,
                        subplot_titles=("Agent utilisation (busy share of agent-hours)",
                                        "Mean wait for a free agent, per attempt",
                                        "Attempts that did not reach the lead"))  # fmt: skip
    panels = (("utilisation", ".0%", "%{y:.1%}"), ("wait_minutes", None, "%{y:.1f} min"),
              ("unanswered_share", ".0%", "%{y:.1%}"))  # fmt: skip
    for name in names:
        g = frame[(frame["desk"] == name) & frame["hour_of_week"].isin(hours)]
        g = g.sort_values("hour_of_week")
        x = [position[h] for h in g["hour_of_week"]]
        for row, (col, _, fmt) in enumerate(panels, start=1):
            fig.add_trace(go.Scatter(
                name=name, legendgroup=name, showlegend=row == 1, x=x,
                y=g[col].to_numpy(float), mode="lines+markers", customdata=g["label"],
                line={"color": palette.get(name, "#0072B2"), "width": 1.8},
                marker={"size": 4}, connectgaps=False,
                hovertemplate=f"<b>{name}</b><br>%{{customdata}}: {fmt}<extra></extra>",
            ), row=row, col=1)  # fmt: skip
    # One tick at the first open hour of each day.
    ticks, texts, seen = [], [], set()
    for h in hours:
        day = h // 24
        if day not in seen:
            seen.add(day)
            ticks.append(position[h])
            texts.append(f"{DAYS[day]} {h % 24:02d}:00")
    base_layout(fig, title, height=640, legend_right=len(names) > LEGEND_TOP_MAX)
    fig.update_xaxes(tickvals=ticks, ticktext=texts, showgrid=True, range=[-0.5, len(hours)])
    fig.update_xaxes(title_text="Hour of the week (open hours)", row=3, col=1)
    fig.update_yaxes(tickformat=".0%", rangemode="tozero", row=1, col=1)
    fig.update_yaxes(ticksuffix=" min", rangemode="tozero", row=2, col=1)
    fig.update_yaxes(tickformat=".0%", rangemode="tozero", row=3, col=1)
    return fig


def sales_desk_table(desk: Mapping[str, Any], control: str | None = None) -> str:
    """Per desk: attempts, unanswered share, mean wait, utilisation in open hours, busiest hour.

    >>> zero = [0.0] * 168
    >>> rec = {"attempts": [0.0] * 8 + [4.0] + zero[9:], "unanswered": [0.0] * 8 + [1.0]
    ...        + zero[9:], "wait_hours": zero, "busy_hours": [0.0] * 8 + [0.5] + zero[9:],
    ...        "agent_hours": [1.0] * 168}
    >>> "25.0%" in sales_desk_table({"desks": {"a": rec}})
    True
    """
    frame = desk_frame(desk)
    hours = set(active_hours(frame))
    header = ["Desk", "Call attempts", "Per agent-hour open", "Unanswered", "Mean wait per attempt",
              "Agent utilisation (open hours)", "Busiest hour"]  # fmt: skip
    rows = []
    for name, g in frame.groupby("desk", sort=False):
        open_ = g[g["hour_of_week"].isin(hours)]
        attempts = g["attempts"].sum()
        agent_hours = open_["agent_hours"].sum()
        busiest = open_.loc[open_["utilisation"].fillna(0).idxmax()] if len(open_) else None
        per_hour = attempts / agent_hours if agent_hours else math.nan
        label = f"{name} (control)" if name == control else str(name)
        rows.append([
            label, number(attempts), number(per_hour, 2),
            pct(g["unanswered"].sum() / attempts) if attempts else DASH,
            f"{60 * g['wait_hours'].sum() / attempts:,.1f} min" if attempts else DASH,
            pct(g["busy_hours"].sum() / agent_hours) if agent_hours else DASH,
            (f"{busiest['label']} ({pct(busiest['utilisation'])})"
             if busiest is not None and attempts else DASH),
        ])  # fmt: skip
    return html_table(header, rows, numeric=[False] + [True] * 5 + [False])


@register_section("sales-desk", order=40)
def sales_desk_section(run: RunFolder) -> Section | None:
    desk = run.sales_desk
    if not desk or not desk.get("desks"):
        return None
    frame = desk_frame(desk)
    if frame["attempts"].sum() == 0:
        return Section("sales-desk", "Sales desk",
                       ("<p>No arm placed a sales call while leads arrived.</p>",))  # fmt: skip
    shared = bool(desk.get("shared"))
    who = ("one desk shared by every arm (split design)" if shared
           else "each arm's own desk (paired design: each arm replays the leads)")  # fmt: skip
    caption = (
        f"Pooled over replications, while leads arrive; {who}. Open hours are those in "
        "which any call was placed; nights and weekends are left out of the axis."
    )
    figure = ReportFigure("fig-sales-desk", "Sales desk", caption,
                          sales_desk_figure(desk, control=run.control))  # fmt: skip
    return Section("sales-desk", "Sales desk",
                   (figure, sales_desk_table(desk, run.control)))  # fmt: skip
