"""Figures and the HTML report of a run.

Every figure function takes analysis results (the summary and per-replication tables as
DataFrames or lists of records, ``curves.json`` as a dict, or a per-lead table) and returns a
:class:`plotly.graph_objects.Figure`. :func:`build_report` turns a run folder into one
self-contained ``report.html``; :func:`save_png` screenshots a figure or a report with headless
Chromium. This package reads results only: it never runs the world or an experiment.
"""

from sim.report.browser import BrowserNotFound, find_chromium, save_png
from sim.report.cost import cost_breakdown_figure, cost_per_patient_figure
from sim.report.desk import sales_desk_figure, sales_desk_table
from sim.report.funnel import funnel_figure, funnel_table
from sim.report.html import build_report, render_report, report_figures
from sim.report.lift import lift_forest_figure
from sim.report.notebook import OfflineNotebookRenderer, use_notebook_renderer
from sim.report.power import power_curve_figure
from sim.report.run_folder import RunFolder, load_run
from sim.report.sections import ReportFigure, Section, register_section, report_sections
from sim.report.sources import source_lift_figure, source_lift_table
from sim.report.spread import replication_spread_figure
from sim.report.style import arm_colors
from sim.report.sweep import sweep_figure, sweep_lift_figure
from sim.report.timeline import (
    cumulative_incidence_figure,
    incidence_from_curves,
    incidence_from_leads,
)

__all__ = [
    "BrowserNotFound",
    "OfflineNotebookRenderer",
    "ReportFigure",
    "RunFolder",
    "Section",
    "arm_colors",
    "build_report",
    "cost_breakdown_figure",
    "cost_per_patient_figure",
    "cumulative_incidence_figure",
    "find_chromium",
    "funnel_figure",
    "funnel_table",
    "incidence_from_curves",
    "incidence_from_leads",
    "lift_forest_figure",
    "load_run",
    "power_curve_figure",
    "register_section",
    "render_report",
    "replication_spread_figure",
    "report_figures",
    "report_sections",
    "sales_desk_figure",
    "sales_desk_table",
    "save_png",
    "source_lift_figure",
    "source_lift_table",
    "sweep_figure",
    "sweep_lift_figure",
    "use_notebook_renderer",
]
