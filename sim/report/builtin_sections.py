"""The report's own sections: expectations, results tables, figures and run details."""

from __future__ import annotations

from html import escape

import pandas as pd

from sim.report.cost import cost_breakdown_figure, cost_per_patient_figure
from sim.report.funnel import funnel_figure, funnel_table
from sim.report.lift import lift_forest_figure
from sim.report.manifest import manifest_block
from sim.report.run_folder import RunFolder
from sim.report.sections import ReportFigure, Section, register_section
from sim.report.spread import replication_spread_figure
from sim.report.style import arm_colors
from sim.report.sweep import sweep_lift_figure
from sim.report.tables import (
    conversion_table,
    cost_table,
    expectations_table,
    method_notes,
    outcome_table,
)
from sim.report.timeline import CAUSE_TITLES, cumulative_incidence_figure, incidence_from_leads


def run_colors(run: RunFolder) -> dict[str, str]:
    """Each arm's colour (the same name has the same colour in every report)."""
    return arm_colors([str(a) for a in run.summary["arm"]], run.control)


@register_section("expectations", order=10)
def expectations_section(run: RunFolder) -> Section | None:
    if run.expectations is None:
        return None
    body = (expectations_table(run.expectations) if run.expectations
            else "<p>This suite states no expectations.</p>")  # fmt: skip
    return Section("expectations", "Expectations", (body,))


@register_section("results", order=20)
def results_section(run: RunFolder) -> Section:
    s, control = run.summary, run.control
    parts = [
        "<h3>Conversion and lift</h3>", conversion_table(s, control),
        "<h3>Cost per patient</h3>", cost_table(s, control),
        "<h3>Other outcomes</h3>", outcome_table(s, control),
    ]  # fmt: skip
    notes = method_notes(s)
    if notes:
        parts.append('<ul class="notes">' + "".join(f"<li>{escape(n)}</li>" for n in notes)
                     + "</ul>")  # fmt: skip
    return Section("results", "Results", tuple(parts))


@register_section("figures", order=30)
def figures_section(run: RunFolder) -> Section | None:
    parts = figure_parts(run)
    return Section("figures", "Figures", tuple(parts)) if parts else None


def figure_parts(run: RunFolder) -> list[ReportFigure | str]:
    """The run's figures (absent inputs mean absent figures), with their small tables."""
    s = run.summary
    control = run.control
    colors = run_colors(run)
    parts: list[ReportFigure | str] = []
    has_lift = "abs_lift" in s.columns and s["abs_lift"].notna().any()
    if run.is_sweep:
        parts.append(ReportFigure(
            "fig-sweep", "Sweep",
            "Each swept arm's lift over the control (left, percentage points; paired "
            "replication by replication) and its fully loaded cost per patient (right), "
            "against the swept value, with 95% intervals. Each arm's own conversion interval "
            "includes the noise all arms share; the lift's does not.",
            sweep_lift_figure(s, control=control),
        ))  # fmt: skip
    if has_lift:
        parts.append(ReportFigure(
            "fig-lift", "Lift over the control",
            "Each arm's conversion rate minus the control's (left, percentage points) and "
            "relative to it (right), with 95% intervals. Labels give the p-value adjusted for "
            "comparing several arms with the same control.",
            lift_forest_figure(s, colors=colors),
        ))  # fmt: skip
    if run.curves is not None and all("funnel" in a for a in run.curves["arms"].values()):
        parts.append(ReportFigure(
            "fig-funnel", "Funnel",
            "Share of each arm's leads (pooled over replications) that reached each stage of "
            "the buyer's journey, booked a first appointment, and attended it (patient).",
            funnel_figure(run.curves, control=control, colors=colors),
        ))  # fmt: skip
        parts.append(funnel_table(run.curves, control))
    incidence = None
    if run.curves is not None:
        incidence = run.curves
    elif run.leads_path is not None:
        incidence = incidence_from_leads(pd.read_parquet(run.leads_path))
    if incidence is not None:
        fig = cumulative_incidence_figure(incidence, control=control, colors=colors)
        hidden = list((fig.layout.meta or {}).get("hidden_panels", []))
        caption = (
            "Cumulative incidence by days since the lead arrived, with 95% bands "
            "(Aalen-Johansen; becoming a patient and being lost are competing risks)."
        )
        if hidden:
            names = " and ".join(CAUSE_TITLES.get(c, c).lower() for c in hidden)
            caption += f" No lead of any arm {names}, so that panel is left out."
        parts.append(ReportFigure("fig-incidence", "Timing", caption, fig))
    cost_cols = ("marketing_cost_per_conversion_usd", "cost_per_conversion_usd")
    if any(c in s.columns and s[c].notna().any() for c in cost_cols):
        parts.append(ReportFigure(
            "fig-cost", "Cost per patient",
            "Marketing cost per patient counts lead acquisition only; the fully loaded cost "
            "adds email, sales labour and fixed platform and content fees. 95% intervals.",
            cost_per_patient_figure(s),
        ))  # fmt: skip
    cost_parts = [f"cost_{p}_per_conversion_usd" for p in ("acquisition", "email", "sales",
                                                            "fixed")]  # fmt: skip
    if all(c in s.columns for c in cost_parts) and s[cost_parts].notna().any().any():
        parts.append(ReportFigure(
            "fig-cost-breakdown", "Cost breakdown",
            "Fully loaded cost per patient split into what it is spent on; the total at the "
            "end of each bar.",
            cost_breakdown_figure(s),
        ))  # fmt: skip
    if run.replications is not None:
        parts.append(ReportFigure(
            "fig-spread", "Replications",
            "Conversion rate of every replication, per arm (box: quartiles; dashed: mean). "
            "The spread is the simulation's own noise at this many leads.",
            replication_spread_figure(run.replications, "conversion_rate", control=control,
                                      colors=colors),
        ))  # fmt: skip
    return parts


@register_section("run-details", order=1000)
def run_details_section(run: RunFolder) -> Section:
    return Section("run-details", "Run details", (manifest_block(run),))
