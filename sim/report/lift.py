"""Forest plot of each arm's lift over the control, absolute and relative, with intervals."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from sim.report.inputs import as_frame, control_arm, error_bars, floats, require_columns
from sim.report.style import base_layout, p_phrase, pick_colors, pp, signed_pct, wrap_label

LIFT_COLUMNS = ("arm", "abs_lift", "abs_lift_ci_lower", "abs_lift_ci_upper", "rel_lift",
                "rel_lift_ci_lower", "rel_lift_ci_upper")  # fmt: skip


def lift_forest_figure(
    summary: Any,
    *,
    colors: Mapping[str, str] | None = None,
    title: str | None = None,
) -> go.Figure:
    """Each non-control arm's absolute lift (percentage points) and relative lift, with CIs.

    Args:
        summary: the summary table (``summary.csv``/``summary.json``): one row per arm with
            the lift columns, ``p_value`` and ``p_value_adjusted``; the control row has NaN
            lifts and is left out.
        colors: optional ``{arm: colour}``.
        title: figure title (default names the control).

    Returns:
        Two panels sharing the arm axis. Per arm, a trace in the left panel (``x`` = absolute
        lift x 100, in pp) and one in the right (``x`` = relative lift as a fraction), with
        asymmetric error bars; the estimate is an annotation right of the interval; the
        arm's tick label gives the adjusted p-value, the hover both p-values and the interval.

    Example:
        >>> fig = lift_forest_figure([
        ...     {"arm": "base", "control": "base", "abs_lift": None},
        ...     {"arm": "b", "control": "base", "abs_lift": 0.03, "abs_lift_ci_lower": 0.01,
        ...      "abs_lift_ci_upper": 0.05, "rel_lift": 0.15, "rel_lift_ci_lower": 0.05,
        ...      "rel_lift_ci_upper": 0.25, "p_value": 0.004, "p_value_adjusted": 0.008}])
        >>> [(t.name, round(t.x[0], 6)) for t in fig.data]
        [('b', 3.0), ('b', 0.15)]
    """
    df = as_frame(summary, "summary")
    require_columns(df, LIFT_COLUMNS, "lift forest plot")
    control = control_arm(df)
    rows = df[[str(a) != control for a in df["arm"]]]
    rows = rows[[math.isfinite(v) for v in floats(rows["abs_lift"])]]
    palette = pick_colors([str(a) for a in df["arm"]], colors, control)
    fig = make_subplots(
        rows=1, cols=2, shared_yaxes=True, horizontal_spacing=0.06,
        subplot_titles=("Absolute lift (percentage points)", "Relative lift"),
    )  # fmt: skip
    spans: dict[int, list[float]] = {1: [0.0], 2: [0.0]}
    for _, r in rows.iterrows():
        _add_arm(fig, r, control, palette[str(r["arm"])], spans)
    for col in (1, 2):
        fig.add_vline(x=0, line={"color": "#888", "dash": "dash", "width": 1}, row=1, col=col)
    base_layout(fig, title or f"Lift over the control ({control})",
                height=max(300, 170 + 64 * len(rows)))  # fmt: skip
    for col, suffix in ((1, {"ticksuffix": " pp"}), (2, {"tickformat": "+.0%"})):
        lo_, hi_ = min(spans[col]), max(spans[col])
        pad = (hi_ - lo_) or abs(hi_) or 1.0
        # Room on the right for the labels (about a third of the panel).
        fig.update_xaxes(range=[lo_ - 0.08 * pad, hi_ + 0.45 * pad], zeroline=False,
                         row=1, col=col, **suffix)  # fmt: skip
    # Reversed category axis, first arm on top; the tick labels carry the adjusted p-value,
    # so long labels never run into the markers.
    arms = [str(a) for a in rows["arm"]]
    ticks = [f"<b>{wrap_label(a)}</b><br>adj. {p_phrase(r.get('p_value_adjusted'))}"
             for a, (_, r) in zip(arms, rows.iterrows(), strict=True)]  # fmt: skip
    fig.update_yaxes(type="category", range=[len(rows) - 0.5, -0.5], tickvals=arms,
                     ticktext=ticks, automargin=True)  # fmt: skip
    fig.update_layout(showlegend=False)
    return fig


def _add_arm(fig: go.Figure, r: Any, control: str, color: str, spans: dict[int, list[float]]):
    """One arm's two markers with their intervals and estimate labels; widens ``spans``."""
    arm = str(r["arm"])
    p, p_adj = r.get("p_value"), r.get("p_value_adjusted")
    p_text = f"{p_phrase(p)}, adjusted {p_phrase(p_adj)}"
    method = str(r.get("method") or "")
    panels = ((1, "abs_lift", 100.0, pp), (2, "rel_lift", 1.0, signed_pct))
    for col, metric, scale, fmt in panels:
        est, lo, hi = floats([r[metric], r[f"{metric}_ci_lower"], r[f"{metric}_ci_upper"]])
        ci = f"{fmt(lo)} to {fmt(hi)}" if math.isfinite(lo) and math.isfinite(hi) else "no CI"
        fig.add_trace(go.Scatter(
            name=arm, legendgroup=arm, mode="markers",
            x=[est * scale], y=[arm],
            error_x=error_bars([est * scale], [lo * scale], [hi * scale]),
            marker={"color": color, "size": 11, "symbol": "diamond"},
            hovertemplate=(f"<b>{arm}</b> vs {control}<br>{fmt(est)} (95% CI {ci})<br>"
                           f"{p_text}" + (f"<br>{method}" if method else "")
                           + "<extra></extra>"),
        ), row=1, col=col)  # fmt: skip
        right = hi if math.isfinite(hi) else est
        spans[col] += [v * scale for v in (est, lo, hi) if math.isfinite(v)]
        # The estimate as a label right of the interval, on white: it never sits on the
        # marker, the whisker or the zero line.
        axis = "" if col == 1 else "2"
        fig.add_annotation(
            x=right * scale, y=arm, xref=f"x{axis}", yref=f"y{axis}", text=fmt(est),
            showarrow=False, xanchor="left", xshift=8, bgcolor="rgba(255,255,255,0.9)",
            font={"size": 12, "color": "#222"},
        )  # fmt: skip
