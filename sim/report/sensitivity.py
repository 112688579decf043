"""Figures of a sensitivity study: Morris' screen and Sobol' indices, per output.

Each takes the study's ``indices.csv`` (one row per parameter and output) as a DataFrame;
:mod:`sim.report.uncertainty` puts them on the study's page.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from sim.report.style import base_layout

#: Readable names of a study's outputs.
OUTPUT_LABELS = {
    "abs_lift": "lift (extra patients per lead)",
    "patients_per_1000_usd": "patients per $1,000",
    "inc_net_benefit_usd": "net benefit vs control (USD)",
}


def ranked_bars(x: Any, y: Any, color: str, error: Any, name: str | None = None) -> go.Bar:
    """Horizontal bars with symmetric error bars: the studies' ranked parameter charts."""
    return go.Bar(x=x, y=y, orientation="h", marker={"color": color}, name=name,
                  error_x={"type": "data", "array": error, "visible": True})  # fmt: skip


def morris_figure(indices: pd.DataFrame, output: str, k: int = 12) -> go.Figure:
    """Morris ``mu*`` against ``sigma`` for one output; the top ``k`` labelled, noise floor."""
    t = indices[indices.output == output].sort_values("mu_star", ascending=False)
    top = set(t.parameter.head(k))
    fig = go.Figure(
        go.Scatter(
            x=t.mu_star,
            y=t.sigma,
            mode="markers+text",
            showlegend=False,
            text=[p if p in top else "" for p in t.parameter],
            textposition="top center",
            error_x={
                "type": "data",
                "array": (t.mu_star_ci_upper - t.mu_star).fillna(0),
                "visible": True,
                "thickness": 0.6,
            },
            marker={"color": np.where(t.above_noise, "#e45756", "#9d9d9d"), "size": 8},
            hovertext=t.parameter,
            hovertemplate="%{hovertext}: mu* %{x:.3g}, sigma %{y:.3g}<extra></extra>",
        )
    )
    floor = float(t.noise_mu_star.max()) if len(t) else 0.0
    if floor > 0:
        fig.add_vline(x=floor, line={"dash": "dot", "color": "#888"}, annotation_text="noise floor")
    base_layout(
        fig, f"Morris screening of {OUTPUT_LABELS.get(output, output)}: mu* vs sigma", height=520
    )
    fig.update_xaxes(title="mu* (mean absolute elementary effect)")
    fig.update_yaxes(title="sigma (interactions, non-linearity)")
    return fig


def morris_bars_figure(indices: pd.DataFrame, output: str, k: int = 15) -> go.Figure:
    """The ``k`` largest ``mu*`` with their bootstrap intervals (a tornado of the screen)."""
    t = indices[indices.output == output].sort_values("mu_star", ascending=False).head(k)
    t = t.iloc[::-1]
    fig = go.Figure(
        ranked_bars(t.mu_star, t.parameter, "#4c78a8", (t.mu_star_ci_upper - t.mu_star).fillna(0))
    )
    base_layout(
        fig,
        f"Largest effects on {OUTPUT_LABELS.get(output, output)} (Morris mu*)",
        height=max(420, 28 * len(t) + 160),
    )
    fig.update_layout(margin={"l": 300})
    return fig


def sobol_figure(indices: pd.DataFrame, output: str, k: int = 15) -> go.Figure:
    """First- and total-order Sobol' indices with their bootstrap intervals."""
    t = indices[indices.output == output].sort_values("st", ascending=False).head(k).iloc[::-1]
    fig = go.Figure()
    for col, name, color in (
        ("s1", "first order S1", "#4c78a8"),
        ("st", "total order ST", "#f58518"),
    ):
        fig.add_trace(
            go.Bar(
                x=t[col],
                y=t.parameter,
                orientation="h",
                name=name,
                marker={"color": color},
                error_x={
                    "type": "data",
                    "symmetric": False,
                    "array": (t[f"{col}_ci_upper"] - t[col]).fillna(0),
                    "arrayminus": (t[col] - t[f"{col}_ci_lower"]).fillna(0),
                    "visible": True,
                },
            )
        )
    base_layout(
        fig,
        f"Sobol' indices of {OUTPUT_LABELS.get(output, output)}",
        height=max(420, 36 * len(t) + 160),
    )
    fig.update_layout(barmode="group", margin={"l": 300})
    return fig
