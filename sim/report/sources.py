"""Lift by lead source: does a strategy help web-form leads as much as referrals?

The input is ``summary_by_source.csv`` (``ExperimentResult.summary(by="source")``): per source
and arm, the summary vocabulary with each source's leads compared arm by arm across
replications (t-intervals; paired replication by replication in the paired design).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from sim.report.inputs import as_frame, control_arm, error_bars, floats, require_columns
from sim.report.run_folder import RunFolder
from sim.report.sections import ReportFigure, Section, register_section
from sim.report.style import DASH, arm_colors, base_layout, number, pct, pp, wrap_label
from sim.report.tables import html_table

SOURCE_COLUMNS = ("source", "arm", "abs_lift", "abs_lift_ci_lower", "abs_lift_ci_upper")


def source_lift_figure(
    by_source: Any,
    *,
    control: str | None = None,
    colors: Mapping[str, str] | None = None,
    title: str | None = None,
) -> go.Figure:
    """One panel per lead source: each arm's absolute lift over the control with its interval.

    Args:
        by_source: ``summary_by_source.csv`` as a DataFrame or records.
        control: the control arm (default the table's).
        colors: ``{arm: colour}`` (default by arm name).
        title: figure title.

    Returns:
        One marker trace per source and non-control arm (``x`` the lift in percentage
        points, error bars the 95% interval); panels share the arm axis; each panel's title
        names the source and its leads.

    Example:
        >>> fig = source_lift_figure([
        ...     {"source": "web", "arm": "c", "control": "c", "n": 90, "abs_lift": None,
        ...      "abs_lift_ci_lower": None, "abs_lift_ci_upper": None},
        ...     {"source": "web", "arm": "t", "control": "c", "n": 90, "abs_lift": 0.05,
        ...      "abs_lift_ci_lower": 0.01, "abs_lift_ci_upper": 0.09}])
        >>> [(t.name, round(t.x[0], 6)) for t in fig.data]
        [('t', 5.0)]
    """
    df = as_frame(by_source, "lift by source")
    require_columns(df, SOURCE_COLUMNS, "lift by source figure")
    control = control or control_arm(df)
    sources = list(dict.fromkeys(str(s) for s in df["source"]))
    arms = [a for a in dict.fromkeys(str(a) for a in df["arm"]) if a != control]
    palette = {**arm_colors([control, *arms] if control else arms, control), **(colors or {})}
    leads = df.groupby("source")["n"].sum() if "n" in df.columns else {}
    titles = [f"{s} ({number(leads[s])} leads)" if s in leads else s for s in sources]
    fig = make_subplots(rows=1, cols=len(sources), shared_yaxes=True, subplot_titles=titles,
                        horizontal_spacing=min(0.06, 0.3 / max(1, len(sources))))  # fmt: skip
    for col, source in enumerate(sources, start=1):
        g = df[(df["source"].astype(str) == source) & (df["arm"].astype(str) != control)]
        for _, r in g.iterrows():
            arm = str(r["arm"])
            est, lo, hi = floats([r["abs_lift"], r["abs_lift_ci_lower"], r["abs_lift_ci_upper"]])
            if not math.isfinite(est):
                continue
            ci = f"{pp(lo)} to {pp(hi)}" if math.isfinite(lo) and math.isfinite(hi) else "no CI"
            fig.add_trace(go.Scatter(
                name=arm, legendgroup=arm, showlegend=False, mode="markers",
                x=[100 * est], y=[wrap_label(arm)],
                error_x=error_bars([100 * est], [100 * lo], [100 * hi]),
                marker={"color": palette.get(arm, "#0072B2"), "size": 10, "symbol": "diamond"},
                hovertemplate=(f"<b>{arm}</b>, {source} leads<br>{pp(est)} (95% CI {ci})"
                               "<extra></extra>"),
            ), row=1, col=col)  # fmt: skip
        fig.add_vline(x=0, line={"color": "#888", "dash": "dash", "width": 1}, row=1, col=col)
    base_layout(fig, title or f"Lift over the control ({control}) by lead source",
                height=max(300, 180 + 44 * len(arms)))  # fmt: skip
    fig.update_layout(showlegend=False)
    fig.update_xaxes(ticksuffix=" pp", zeroline=False, nticks=5)
    fig.update_yaxes(type="category", autorange="reversed", automargin=True)
    return fig


def source_lift_table(by_source: Any, control: str | None = None) -> str:
    """Per arm and source: the lift in pp with its interval; the control's rate per source.

    >>> t = source_lift_table([
    ...     {"source": "web", "arm": "c", "control": "c", "n": 90, "conversion_rate": 0.2,
    ...      "abs_lift": None, "abs_lift_ci_lower": None, "abs_lift_ci_upper": None},
    ...     {"source": "web", "arm": "t", "control": "c", "n": 90, "conversion_rate": 0.25,
    ...      "abs_lift": 0.05, "abs_lift_ci_lower": 0.01, "abs_lift_ci_upper": 0.09}])
    >>> "+5.0 pp (+1.0 pp to +9.0 pp)" in t, "20.0%" in t
    (True, True)
    """
    df = as_frame(by_source, "lift by source")
    require_columns(df, SOURCE_COLUMNS, "lift by source table")
    control = control or control_arm(df)
    sources = list(dict.fromkeys(str(s) for s in df["source"]))
    cell = {(str(r["source"]), str(r["arm"])): r for _, r in df.iterrows()}
    header = ["Arm", *sources]
    rows = []
    for arm in dict.fromkeys(str(a) for a in df["arm"]):
        row = [f"{arm} (control): conversion" if arm == control else arm]
        for source in sources:
            r = cell.get((source, arm))
            if r is None:
                row.append(DASH)
            elif arm == control:
                row.append(pct(r.get("conversion_rate")))
            else:
                lo, hi = r.get("abs_lift_ci_lower"), r.get("abs_lift_ci_upper")
                ci = f" ({pp(lo)} to {pp(hi)})" if _finite(lo) and _finite(hi) else ""
                row.append(f"{pp(r.get('abs_lift'))}{ci}")
        rows.append(row)
    return html_table(header, rows, numeric=[False] + [True] * len(sources))


def _finite(x: Any) -> bool:
    try:
        return math.isfinite(float(x))
    except (TypeError, ValueError):
        return False


@register_section("lead-sources", order=50)
def lead_sources_section(run: RunFolder) -> Section | None:
    t = run.by_source
    if t is None or "abs_lift" not in t.columns or not t["abs_lift"].notna().any():
        return None
    caption = (
        "Each arm's conversion rate minus the control's among the leads of one source, "
        "with 95% intervals across replications (small sources have wide ones)."
    )
    figure = ReportFigure("fig-sources", "Lift by lead source", caption,
                          source_lift_figure(t, control=run.control))  # fmt: skip
    return Section("lead-sources", "Lift by lead source",
                   (figure, source_lift_table(t, run.control)))  # fmt: skip
