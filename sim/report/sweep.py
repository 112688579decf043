"""A metric across the values of a swept parameter: a line with its CI band, or a heatmap."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import plotly.graph_objects as go

from sim.report.inputs import as_frame, ci_columns, floats, require_columns
from sim.report.style import (
    PALETTE,
    axis_format,
    base_layout,
    format_value,
    hover_format,
    label,
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
            lo, hi = floats(g[cis[0]]), floats(g[cis[1]])
            ok = [math.isfinite(a) and math.isfinite(b) for a, b in zip(lo, hi, strict=True)]
            bx = [v for v, k in zip(xs, ok, strict=True) if k]
            if bx:
                fig.add_trace(go.Scatter(
                    name=f"{name} CI", legendgroup=name, showlegend=False, hoverinfo="skip",
                    x=bx + bx[::-1],
                    y=[v for v, k in zip(hi, ok, strict=True) if k]
                    + [v for v, k in zip(lo, ok, strict=True) if k][::-1],
                    fill="toself", fillcolor=with_alpha(color, 0.18), line={"width": 0},
                    mode="lines",
                ))  # fmt: skip
        fig.add_trace(go.Scatter(
            name=name, legendgroup=name, x=xs, y=ys, mode="lines+markers",
            line={"color": color, "width": 2}, marker={"size": 7},
            hovertemplate=f"{xname} = %{{x}}<br>{label(metric)}: %{{y:{fmt}}}<extra></extra>",
        ))  # fmt: skip
    base_layout(fig, title or f"{label(metric)} across {xname}")
    fig.update_layout(showlegend=group is not None)
    if log_x is None:
        values = [v for v in floats(df[x]) if math.isfinite(v)]
        log_x = len(values) > 1 and min(values) > 0 and max(values) / min(values) >= 50
    fig.update_xaxes(title_text=xname, type="log" if log_x else "linear")
    fig.update_yaxes(title_text=label(metric), **axis_format(metric))
    return fig


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
