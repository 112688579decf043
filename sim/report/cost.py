"""What a patient costs per arm: marketing (acquisition only) and fully loaded, and its parts."""

from __future__ import annotations

import math
from typing import Any

import plotly.graph_objects as go

from sim.report.inputs import as_frame, ci_columns, error_bars, floats, require_columns
from sim.report.style import base_layout, usd, usd_digits, wrap_label

#: The two headline costs per patient: (column, legend name, colour).
COST_MEASURES = (
    ("marketing_cost_per_conversion_usd", "Marketing (acquisition only)", "#56B4E9"),
    ("cost_per_conversion_usd", "Fully loaded", "#0072B2"),
)
#: The parts of the fully loaded cost per patient: (column, legend name, colour).
COST_PARTS = (
    ("cost_acquisition_per_conversion_usd", "Acquisition", "#0072B2"),
    ("cost_email_per_conversion_usd", "Email", "#E69F00"),
    ("cost_sales_per_conversion_usd", "Sales", "#009E73"),
    ("cost_fixed_per_conversion_usd", "Fixed (platform, content)", "#CC79A7"),
)


def cost_per_patient_figure(
    summary: Any, *, title: str = "Cost per patient, with 95% intervals"
) -> go.Figure:
    """Grouped bars per arm: marketing and fully loaded cost per patient, with intervals.

    Args:
        summary: the summary table; uses ``arm``, ``marketing_cost_per_conversion_usd`` and
            ``cost_per_conversion_usd`` and their ``*_ci_lower``/``*_ci_upper`` columns when
            present.
        title: figure title.

    Returns:
        Two horizontal bar traces (``Marketing (acquisition only)``, ``Fully loaded``); ``y``
        the arms (first on top), ``x`` dollars per patient, error bars from the intervals,
        text labels in dollars with one number of decimals for the figure.

    Example:
        >>> fig = cost_per_patient_figure([{"arm": "a", "marketing_cost_per_conversion_usd":
        ...     120.0, "cost_per_conversion_usd": 180.0}])
        >>> [(t.name, list(t.x)) for t in fig.data]
        [('Marketing (acquisition only)', [120.0]), ('Fully loaded', [180.0])]
    """
    df = as_frame(summary, "summary")
    require_columns(df, ("arm",), "cost per patient figure")
    arms = [str(a) for a in df["arm"]]
    fig = go.Figure()
    measures = [m for m in COST_MEASURES if m[0] in df.columns]
    cols = [c for col, _, _ in measures for c in (col, *(ci_columns(col, df.columns) or ()))]
    digits = usd_digits(v for c in cols for v in df[c])
    top = 0.0
    for col, name, color in measures:
        est = floats(df[col])
        cis = ci_columns(col, df.columns)
        nan = [math.nan] * len(est)
        lo, hi = (floats(df[cis[0]]), floats(df[cis[1]])) if cis else (nan, nan)
        top = max([top, *(v for v in (*est, *hi) if math.isfinite(v))])
        hover = [f"{usd(e, digits)} (95% CI {usd(a, digits)} to {usd(b, digits)})" if cis
                 else usd(e, digits) for e, a, b in zip(est, lo, hi, strict=True)]  # fmt: skip
        # Horizontal bars, one row per arm: any number of arms, names always horizontal.
        fig.add_trace(go.Bar(
            name=name, y=[wrap_label(a) for a in arms], x=est, orientation="h",
            marker_color=color, error_x=error_bars(est, lo, hi),
            text=[usd(e, digits) for e in est], textposition="inside", insidetextanchor="start",
            textfont={"color": "#fff"}, customdata=hover,
            hovertemplate=f"<b>%{{y}}</b><br>{name}: %{{customdata}}<extra></extra>",
        ))  # fmt: skip
    base_layout(fig, title, height=max(300, 160 + 22 * len(measures) * len(arms)))
    fig.update_layout(barmode="group", bargap=0.25, uniformtext={"minsize": 9, "mode": "hide"})
    fig.update_xaxes(title_text="Dollars per patient", tickprefix="$", tickformat=",.0f",
                     range=[0, top * 1.05 or 1])  # fmt: skip
    fig.update_yaxes(autorange="reversed", automargin=True)
    return fig


def cost_breakdown_figure(
    summary: Any, *, title: str = "What a patient costs, by kind of spend"
) -> go.Figure:
    """Stacked bars per arm: acquisition, email, sales and fixed cost per patient.

    Args:
        summary: the summary table with ``arm`` and the ``cost_<part>_per_conversion_usd``
            columns (:data:`COST_PARTS`).
        title: figure title.

    Returns:
        One bar trace per part (stacked); an annotation above each bar gives the total.

    Example:
        >>> fig = cost_breakdown_figure([{"arm": "a", "cost_acquisition_per_conversion_usd":
        ...     100.0, "cost_email_per_conversion_usd": 5.0, "cost_sales_per_conversion_usd":
        ...     20.0, "cost_fixed_per_conversion_usd": 15.0}])
        >>> [t.name for t in fig.data], fig.layout.annotations[0].text
        (['Acquisition', 'Email', 'Sales', 'Fixed (platform, content)'], '$140')
    """
    df = as_frame(summary, "summary")
    require_columns(df, ("arm", *(c for c, _, _ in COST_PARTS)), "cost breakdown figure")
    arms = [str(a) for a in df["arm"]]
    ticks = [wrap_label(a) for a in arms]
    fig = go.Figure()
    totals = [0.0] * len(arms)
    for col, name, color in COST_PARTS:
        values = floats(df[col])
        totals = [t + (v if math.isfinite(v) else 0.0) for t, v in zip(totals, values, strict=True)]
        fig.add_trace(go.Bar(
            name=name, y=ticks, x=values, orientation="h", marker_color=color,
            hovertemplate=f"<b>%{{y}}</b><br>{name}: %{{x:$,.2f}} per patient<extra></extra>",
        ))  # fmt: skip
    digits = usd_digits(totals)
    for tick, total in zip(ticks, totals, strict=True):
        # The total just past the end of its bar, inside the axis range set below.
        fig.add_annotation(x=total, y=tick, text=usd(total, digits), showarrow=False,
                           xanchor="left", xshift=6, font={"size": 12})  # fmt: skip
    base_layout(fig, title, height=max(300, 170 + 34 * len(arms)))
    fig.update_layout(barmode="stack", bargap=0.3, legend_traceorder="normal")
    fig.update_xaxes(title_text="Dollars per patient", tickprefix="$", tickformat=",.0f",
                     range=[0, (max(totals) if totals else 0) * 1.18 or 1])  # fmt: skip
    fig.update_yaxes(autorange="reversed", automargin=True)
    return fig
