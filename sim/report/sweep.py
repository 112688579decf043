"""A metric across the values of a swept parameter: a line with its CI band, or a heatmap."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from sim.report.inputs import as_frame, ci_columns, control_arm, floats, require_columns
from sim.report.style import (
    PALETTE,
    axis_format,
    base_layout,
    format_value,
    hover_format,
    label,
    pp,
    usd,
    usd_digits,
    with_alpha,
)


def sweep_figure(
    data: Any,
    metric: str = "conversion_rate",
    *,
    x: str = "sweep_value",
    y: str | None = None,
    group: str | None = None,
    colors: Mapping[str, str] | None = None,
    log_x: bool | None = None,
    title: str | None = None,
) -> go.Figure:
    """``metric`` against one swept parameter (line + CI band) or two (heatmap).

    Args:
        data: a table with a column ``x`` (and ``y``) of parameter values and ``metric``, e.g.
            ``summary.csv`` of a sweep suite (``sweep_parameter``, ``sweep_value``). Interval
            columns ``<metric>_ci_lower``/``_ci_upper`` draw a band when present.
        metric: the column to show.
        x: the parameter on the x axis.
        y: a second parameter: draws a heatmap of ``metric`` over (``x``, ``y``), averaging
            duplicate cells.
        group: a column whose values get a line each (e.g. ``arm``); one line if ``None``.
        colors: optional ``{group value: colour}``.
        log_x: a logarithmic x axis; by default when the values are positive numbers spanning
            a factor of 50 or more (delays from minutes to days).
        title: figure title.

    Returns:
        Line mode: per group a band trace ``"<name> CI"`` (if intervals) and a line trace
        named after the group (or the metric), sorted by ``x``, rows with a missing ``x``
        left out. Heatmap mode: one heatmap trace with ``z[i][j]`` the metric at
        ``y = y values[i]``, ``x = x values[j]``.

    Example:
        >>> fig = sweep_figure([{"sweep_value": 2.0, "conversion_rate": 0.2},
        ...                     {"sweep_value": 1.0, "conversion_rate": 0.25}])
        >>> list(fig.data[0].x), list(fig.data[0].y)
        ([1.0, 2.0], [0.25, 0.2])
    """
    df = as_frame(data, "sweep data")
    require_columns(df, (x, metric) + ((y,) if y else ()), "sweep figure")
    if y is not None:
        return _heatmap(df, metric, x, y, title)
    df = df[[_is_value(v) for v in df[x]]]
    xname = _parameter_name(df, x)
    groups = [(None, df)] if group is None else list(df.groupby(group, sort=False))
    cis = ci_columns(metric, df.columns)
    fmt = hover_format(metric)
    fig = go.Figure()
    for i, (key, g) in enumerate(groups):
        g = g.sort_values(x, kind="stable")
        name = label(metric) if key is None else str(key)
        color = (colors or {}).get(name, PALETTE[i % len(PALETTE)])
        xs = g[x].tolist()
        ys = floats(g[metric])
        if cis is not None:
            band = _band(xs, floats(g[cis[0]]), floats(g[cis[1]]), f"{name} CI", color)
            if band is not None:
                fig.add_trace(band.update(legendgroup=name))
        fig.add_trace(go.Scatter(
            name=name, legendgroup=name, x=xs, y=ys, mode="lines+markers",
            line={"color": color, "width": 2}, marker={"size": 7},
            hovertemplate=f"{xname} = %{{x}}<br>{label(metric)}: %{{y:{fmt}}}<extra></extra>",
        ))  # fmt: skip
    base_layout(fig, title or f"{label(metric)} across {xname}")
    fig.update_layout(showlegend=group is not None)
    fig.update_xaxes(title_text=xname, **x_axis(df[x], log_x))
    fig.update_yaxes(title_text=label(metric), **axis_format(metric))
    return fig


def x_axis(values: Any, log_x: bool | None = None) -> dict[str, Any]:
    """Axis settings for swept values: log when they span a factor of 50 (then ticks at the
    values themselves, so no minor labels such as "2 5" appear), else linear.

    >>> x_axis([0, 1, 4, 24])["type"], x_axis([0.25, 1, 4, 24])["ticktext"]
    ('linear', ['0.25', '1', '4', '24'])
    """
    numbers = [v for v in floats(values) if math.isfinite(v)]
    if len(numbers) != len([v for v in values if _is_value(v)]):
        return {"type": "category"}
    if log_x is None:
        log_x = len(numbers) > 1 and min(numbers) > 0 and max(numbers) / min(numbers) >= 50
    if not log_x:
        return {"type": "linear"}
    ticks = sorted(set(numbers))
    return {"type": "log", "tickvals": ticks, "ticktext": [f"{v:g}" for v in ticks],
            "minor": {"showgrid": False}}  # fmt: skip


def sweep_lift_figure(
    summary: Any,
    *,
    control: str | None = None,
    x: str = "sweep_value",
    title: str | None = None,
) -> go.Figure:
    """A sweep's answer: lift over the control and cost per patient against the swept value.

    Each arm's own conversion interval contains the noise every arm shares (the year's lead
    volume, say); the paired design removes it from differences, so the lift's interval is
    the one that says whether the swept value matters.

    Args:
        summary: a sweep's summary table: ``sweep_value`` (and ``sweep_parameter``),
            ``abs_lift`` with its interval, ``cost_per_conversion_usd`` with its interval.
        control: the control arm (default the table's).
        x: the column of swept values.
        title: figure title.

    Returns:
        Two panels sharing the x axis: left the absolute lift in percentage points (a band
        trace ``"Lift CI"`` and a line ``"Lift"``), right the fully loaded cost per patient
        (``"Cost CI"``, ``"Cost per patient"``); rows without a swept value are left out; a
        control outside the sweep is a dashed reference line in the cost panel.

    Example:
        >>> fig = sweep_lift_figure([
        ...     {"arm": "d0", "control": "d0", "sweep_value": 0.0, "abs_lift": None,
        ...      "cost_per_conversion_usd": 100.0},
        ...     {"arm": "d4", "control": "d0", "sweep_value": 4.0, "abs_lift": -0.02,
        ...      "abs_lift_ci_lower": -0.03, "abs_lift_ci_upper": -0.01,
        ...      "cost_per_conversion_usd": 110.0}])
        >>> lift = next(t for t in fig.data if t.name == "Lift")
        >>> list(lift.x), [round(v, 6) for v in lift.y]
        ([0.0, 4.0], [0.0, -2.0])
    """
    df = as_frame(summary, "sweep summary")
    require_columns(df, ("arm", x, "abs_lift"), "sweep lift figure")
    control = control or control_arm(df)
    swept = df[[_is_value(v) for v in df[x]]].sort_values(x, kind="stable")
    xname = _parameter_name(df, x)
    titles = ("Lift over the control (percentage points)", "Cost per patient (fully loaded)")
    fig = make_subplots(rows=1, cols=2, horizontal_spacing=0.1, subplot_titles=titles)
    arms = [str(a) for a in swept["arm"]]
    is_control = [a == control for a in arms]
    panels = [(1, "Lift", "abs_lift")]
    if "cost_per_conversion_usd" in swept.columns:
        panels.append((2, "Cost per patient", "cost_per_conversion_usd"))
    digits = usd_digits(floats(df["cost_per_conversion_usd"])) if len(panels) > 1 else 2
    for col, name, metric in panels:
        for trace in _panel_traces(swept, x, xname, name, metric, is_control, digits):
            fig.add_trace(trace, row=1, col=col)
    fig.add_hline(y=0, line={"color": "#888", "dash": "dash", "width": 1}, row=1, col=1)
    rest = df[[str(a) == control for a in df["arm"]]]
    if len(panels) > 1 and control not in arms and len(rest):
        ref = floats(rest["cost_per_conversion_usd"])[0]
        if math.isfinite(ref):
            fig.add_hline(y=ref, line={"color": "#555", "dash": "dot", "width": 1}, row=1, col=2,
                          annotation_text=f"{control} {usd(ref, digits)}",
                          annotation_position="top left")  # fmt: skip
    base_layout(fig, title or f"Lift and cost per patient across {xname} (paired, 95% intervals)",
                height=420)  # fmt: skip
    fig.update_layout(showlegend=False)
    fig.update_xaxes(title_text=xname, **x_axis(swept[x]))
    fig.update_yaxes(ticksuffix=" pp", zeroline=False, row=1, col=1)
    fig.update_yaxes(tickprefix="$", tickformat=",.0f", row=1, col=2)
    return fig


def _panel_traces(
    swept: Any, x: str, xname: str, name: str, metric: str, is_control: list[bool], digits: int
) -> list[go.Scatter]:
    """One panel of the sweep lift figure: the interval band (if any) and the line.

    The lift is in percentage points and 0 at the control by definition; the cost is as is.
    """
    xs = swept[x].tolist()
    arms = [str(a) for a in swept["arm"]]
    lift = metric == "abs_lift"

    def values(column: str) -> list[float]:
        v = floats(swept[column])
        return [0.0 if c else y * 100 for y, c in zip(v, is_control, strict=True)] if lift else v

    ys = values(metric)
    cis = ci_columns(metric, swept.columns)
    traces = []
    if cis is not None:
        lo, hi = values(cis[0]), values(cis[1])
        band = _band(xs, lo, hi, f"{name.split()[0]} CI", PALETTE[0])
        traces += [band] if band is not None else []
    else:
        lo = hi = [math.nan] * len(ys)
    rows = zip(arms, is_control, ys, lo, hi, strict=True)
    if lift:
        text = [f"{a} (control)" if c
                else f"{a}: {pp(v / 100)} (95% CI {pp(l_ / 100)} to {pp(h / 100)})"
                for a, c, v, l_, h in rows]  # fmt: skip
    else:
        text = [f"{a}: {usd(v, digits)} (95% CI {usd(l_, digits)} to {usd(h, digits)})"
                for a, _, v, l_, h in rows]  # fmt: skip
    traces.append(go.Scatter(
        name=name, x=xs, y=ys, mode="lines+markers", showlegend=False,
        line={"color": PALETTE[0], "width": 2},
        marker={"size": [11 if c else 8 for c in is_control],
                "symbol": ["diamond-open" if c else "circle" for c in is_control],
                "color": PALETTE[0]},
        customdata=text, hovertemplate=f"{xname} = %{{x}}<br>%{{customdata}}<extra></extra>",
    ))  # fmt: skip
    return traces


def _band(xs: list, lo: list[float], hi: list[float], name: str, color: str) -> go.Scatter | None:
    """A filled interval band over the points where both bounds are finite (None if none are)."""
    ok = [math.isfinite(a) and math.isfinite(b) for a, b in zip(lo, hi, strict=True)]
    bx = [v for v, k in zip(xs, ok, strict=True) if k]
    if not bx:
        return None
    return go.Scatter(
        name=name, showlegend=False, hoverinfo="skip", x=bx + bx[::-1],
        y=[v for v, k in zip(hi, ok, strict=True) if k]
        + [v for v, k in zip(lo, ok, strict=True) if k][::-1],
        fill="toself", fillcolor=with_alpha(color, 0.18), line={"width": 0}, mode="lines",
    )  # fmt: skip


def _heatmap(df: Any, metric: str, x: str, y: str, title: str | None) -> go.Figure:
    table = df.pivot_table(index=y, columns=x, values=metric, aggfunc="mean").sort_index()
    table = table.sort_index(axis=1)
    z = table.to_numpy(float)
    text = [[format_value(metric, v) if np.isfinite(v) else "" for v in row] for row in z]
    fig = go.Figure(go.Heatmap(
        z=z, x=[str(v) for v in table.columns], y=[str(v) for v in table.index], text=text,
        texttemplate="%{text}", colorscale="Blues", name=label(metric),
        colorbar={"title": {"text": label(metric)}, **axis_format(metric)},
        hovertemplate=(f"{label(x)} = %{{x}}<br>{label(y)} = %{{y}}<br>"
                       f"{label(metric)}: %{{z:{hover_format(metric)}}}<extra></extra>"),
    ))  # fmt: skip
    base_layout(fig, title or f"{label(metric)} by {label(x)} and {label(y)}")
    fig.update_xaxes(title_text=label(x), type="category")
    fig.update_yaxes(title_text=label(y), type="category")
    return fig


def _is_value(v: Any) -> bool:
    if v is None or (isinstance(v, str) and not v.strip()):
        return False
    try:
        return not math.isnan(float(v))
    except (TypeError, ValueError):
        return True  # a categorical parameter value


def _parameter_name(df: Any, x: str) -> str:
    """The swept parameter's own name when the table says it (``sweep_parameter``)."""
    if x == "sweep_value" and "sweep_parameter" in df.columns:
        names = [str(v) for v in dict.fromkeys(df["sweep_parameter"].dropna()) if str(v)]
        if len(names) == 1:
            return names[0]
    return label(x)
