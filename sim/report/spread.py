"""How much a metric moves from one replication to the next, per arm."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import plotly.graph_objects as go

from sim.report.inputs import as_frame, floats, require_columns
from sim.report.style import (
    axis_format,
    base_layout,
    hover_format,
    label,
    pick_colors,
    wrap_label,
)


def replication_spread_figure(
    replications: Any,
    metric: str = "conversion_rate",
    *,
    control: str | None = None,
    colors: Mapping[str, str] | None = None,
    title: str | None = None,
) -> go.Figure:
    """A box with every replication's value as a point, per arm.

    Args:
        replications: per-replication rows (``replications.csv``): ``arm``, ``replication``
            and ``metric``.
        metric: the column to show (``conversion_rate``, ``abs_lift``, a cost ...).
        control: the control arm (grey).
        colors: optional ``{arm: colour}``.
        title: figure title.

    Returns:
        One horizontal box trace per arm (in first-seen order, first on top) named after it
        (long names wrapped), ``x`` the arm's values in replication order, ``customdata`` the
        replication numbers; the box marks the mean too.

    Example:
        >>> fig = replication_spread_figure([{"arm": "a", "replication": 0,
        ...     "conversion_rate": 0.2}, {"arm": "a", "replication": 1, "conversion_rate": 0.22}])
        >>> fig.data[0].name, list(fig.data[0].x)
        ('a', [0.2, 0.22])
    """
    df = as_frame(replications, "replications")
    require_columns(df, ("arm", metric), "replication spread figure")
    if "replication" in df.columns:
        df = df.sort_values("replication", kind="stable")
    arms = list(dict.fromkeys(str(a) for a in df["arm"]))
    palette = pick_colors(arms, colors, control)
    fmt = hover_format(metric)
    fig = go.Figure()
    for arm in arms:
        g = df[df["arm"].astype(str) == arm]
        reps = g["replication"].tolist() if "replication" in g.columns else list(range(len(g)))
        # Horizontal boxes, one row per arm: readable for any number of arms.
        fig.add_trace(go.Box(
            name=wrap_label(arm), x=floats(g[metric]), orientation="h", customdata=reps,
            boxpoints="all", jitter=0.35,
            pointpos=0, boxmean=True, marker={"color": palette[arm], "size": 6, "opacity": 0.75},
            line={"color": palette[arm]}, fillcolor="rgba(0,0,0,0)",
            hovertemplate=(f"<b>{arm}</b><br>replication %{{customdata}}: "
                           f"%{{x:{fmt}}}<extra></extra>"),
        ))  # fmt: skip
    n_reps = df.groupby("arm").size().max() if len(df) else 0
    base_layout(fig, title or f"{label(metric)}: spread over {n_reps} replications",
                height=max(300, 160 + 40 * len(arms)))  # fmt: skip
    fig.update_layout(showlegend=False)
    fig.update_xaxes(title_text=label(metric), **axis_format(metric))
    fig.update_yaxes(autorange="reversed", automargin=True)
    return fig
