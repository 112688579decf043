"""Power curves: the chance of detecting an effect against months of leads or leads per arm."""

from __future__ import annotations

import math
from typing import Any

import plotly.graph_objects as go

from sim.report.inputs import as_frame, ci_columns, error_bars, floats, require_columns
from sim.report.style import PALETTE, base_layout, label, pct

#: x columns tried in order when none is given.
X_CANDIDATES = ("months", "n_per_arm", "n")


def power_curve_figure(
    data: Any,
    *,
    x: str | None = None,
    group: str | list[str] | None = "method",
    target: float | None = 0.8,
    title: str | None = None,
) -> go.Figure:
    """Power against planning horizon: analytic curves as lines, simulated ones as points.

    Args:
        data: a table with ``power`` and an x column (``months``, ``n_per_arm`` or ``n``), and
            optionally ``method`` (e.g. ``analytic``/``simulated``) and simulated intervals
            ``power_ci_lower``/``power_ci_upper``.
        x: the x column (default: the first of :data:`X_CANDIDATES` present).
        group: column(s) whose values get a trace each; missing columns are ignored.
        target: draw a dashed line at this power (``None`` for none).
        title: figure title.

    Returns:
        One trace per group, sorted by ``x`` and named after the group values joined by
        ", " (or ``power``). A group whose ``method`` mentions "sim" is drawn as markers with
        error bars; others as lines with markers.

    Example:
        >>> fig = power_curve_figure([
        ...     {"months": 1, "power": 0.3, "method": "analytic"},
        ...     {"months": 2, "power": 0.55, "method": "analytic"},
        ...     {"months": 2, "power": 0.52, "method": "simulated"}])
        >>> [(t.name, t.mode, list(t.y)) for t in fig.data]
        [('analytic', 'lines+markers', [0.3, 0.55]), ('simulated', 'markers', [0.52])]
    """
    df = as_frame(data, "power data")
    if x is None:
        x = next((c for c in X_CANDIDATES if c in df.columns), None)
        if x is None:
            raise ValueError(f"power data needs one of the columns {X_CANDIDATES}")
    require_columns(df, (x, "power"), "power curve")
    keys = [group] if isinstance(group, str) else list(group or [])
    keys = [k for k in keys if k in df.columns]
    groups = list(df.groupby(keys, sort=False)) if keys else [((), df)]
    cis = ci_columns("power", df.columns)
    fig = go.Figure()
    for i, (key, g) in enumerate(groups):
        key = key if isinstance(key, tuple) else (key,)
        name = ", ".join(str(k) for k in key) or "power"
        g = g.sort_values(x, kind="stable")
        simulated = "method" in g.columns and "sim" in str(g["method"].iloc[0]).lower()
        est = floats(g["power"])
        trace = {
            "name": name, "x": g[x].tolist(), "y": est,
            "mode": "markers" if simulated else "lines+markers",
            "marker": {"color": PALETTE[i % len(PALETTE)], "size": 9 if simulated else 6,
                       "symbol": "circle-open" if simulated else "circle"},
            "line": {"color": PALETTE[i % len(PALETTE)], "width": 2},
            "hovertemplate": f"{name}<br>{label(x)} = %{{x}}<br>power %{{y:.1%}}<extra></extra>",
        }  # fmt: skip
        if cis is not None:
            trace["error_y"] = error_bars(est, floats(g[cis[0]]), floats(g[cis[1]]))
        fig.add_trace(go.Scatter(**trace))
    if target is not None and math.isfinite(target):
        fig.add_hline(y=target, line={"color": "#888", "dash": "dash", "width": 1},
                      annotation_text=f"{pct(target, 0)} power",
                      annotation_position="bottom right")  # fmt: skip
    base_layout(fig, title or f"Power by {label(x).lower()}")
    fig.update_xaxes(title_text=label(x), rangemode="tozero")
    fig.update_yaxes(title_text="Power", tickformat=".0%", range=[0, 1.02])
    return fig
