"""The optimiser's report: the search history, the Pareto front, the final pick, the check.

:func:`build_optimize_report` reads an optimisation's run folder (``history.csv``,
``finalists.csv``, ``fresh.csv``, ``comparison.csv``, ``pareto.csv``, ``summary.json``,
``manifest.json``) and writes ``report.html`` beside them, in the same self-contained page as a
suite's report. Figures take DataFrames, so a notebook can draw them from
:class:`sim.study.optimize.Optimisation` directly.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pandas as pd
import plotly.graph_objects as go

from sim.errors import InputError
from sim.report.html import REPORT_NAME, write_report
from sim.report.manifest import key_values
from sim.report.page import figures_html, page, section_html
from sim.report.sections import ReportFigure
from sim.report.style import CONTROL_COLOR, PALETTE, base_layout
from sim.report.tables import html_table

STATUS_COLORS = {"feasible": PALETTE[2], "undecided": PALETTE[1], "infeasible": PALETTE[4],
                 "": CONTROL_COLOR}  # fmt: skip
FILES = ("history.csv", "finalists.csv", "fresh.csv", "comparison.csv", "pareto.csv")


def search_history_figure(history: pd.DataFrame, objective: str) -> go.Figure:
    """Each trial's mean objective over its search replications, by feasibility, and the best
    feasible so far.

    Example:
        >>> h = pd.DataFrame({"trial": [0, 1], "status": ["feasible", "infeasible"],
        ...                   "objective_mean": [1.0, 2.0], "best_so_far": [1.0, 1.0]})
        >>> len(search_history_figure(h, "patients").data)
        3
    """
    fig = go.Figure()
    for status in ("feasible", "undecided", "infeasible"):
        g = history[history["status"] == status]
        if len(g):
            fig.add_trace(go.Scatter(
                x=g["trial"], y=g["objective_mean"], mode="markers", name=status,
                marker={"color": STATUS_COLORS[status], "size": 7, "opacity": 0.8},
            ))  # fmt: skip
    fig.add_trace(go.Scatter(x=history["trial"], y=history["best_so_far"], mode="lines",
                             name="best feasible so far", line={"color": "#222", "width": 2,
                                                                "shape": "hv"}))  # fmt: skip
    base_layout(fig, "Search history")
    fig.update_xaxes(title_text="trial")
    fig.update_yaxes(title_text=f"{objective} (mean over search replications)")
    return fig


def pareto_figure(history: pd.DataFrame, pareto: pd.DataFrame) -> go.Figure:
    """Patients against fully loaded cost for the feasible trials, coloured by unsubscribes;
    the Pareto front (patients up, cost down, unsubscribes down) outlined.

    Example:
        >>> h = pd.DataFrame({"trial": [0, 1], "status": ["feasible"] * 2,
        ...                   "patients_mean": [10.0, 12.0], "cost_total_usd_mean": [5.0, 6.0],
        ...                   "unsubscribes_mean": [1.0, 2.0]})
        >>> len(pareto_figure(h, h).data)
        2
    """
    ok = history[history["status"] == "feasible"]
    fig = go.Figure()
    fig.add_trace(go.Scatter(
        x=ok["cost_total_usd_mean"], y=ok["patients_mean"], mode="markers", name="feasible",
        text=[f"trial {t}" for t in ok["trial"]],
        marker={"color": ok["unsubscribes_mean"], "colorscale": "Viridis", "size": 8,
                "colorbar": {"title": "unsubscribes"}, "showscale": True},
    ))  # fmt: skip
    fig.add_trace(go.Scatter(
        x=pareto["cost_total_usd_mean"], y=pareto["patients_mean"], mode="markers",
        name="Pareto front", text=[f"trial {t}" for t in pareto["trial"]],
        marker={"color": "rgba(0,0,0,0)", "size": 13, "line": {"color": "#222", "width": 2}},
    ))  # fmt: skip
    base_layout(fig, "Patients, cost and unsubscribes")
    fig.update_xaxes(title_text="fully loaded cost (USD, mean over search replications)")
    fig.update_yaxes(title_text="patients")
    return fig


def finalists_figure(finalists: pd.DataFrame, objective: str) -> go.Figure:
    """The final pick's systems: mean objective with 95% intervals over their selection
    replications (a system eliminated early has few, hence a wide interval).

    Example:
        >>> f = pd.DataFrame({"system": ["a", "b"], "mean": [1.0, 2.0], "ci_lower": [0.5, 1.5],
        ...                   "ci_upper": [1.5, 2.5], "n": [10, 20], "selected": [False, True]})
        >>> len(finalists_figure(f, "patients").data)
        1
    """
    colors = [PALETTE[0] if s else CONTROL_COLOR for s in finalists["selected"]]
    fig = go.Figure(go.Scatter(
        x=finalists["mean"], y=finalists["system"], mode="markers",
        marker={"color": colors, "size": 10},
        error_x={"type": "data", "symmetric": False,
                 "array": finalists["ci_upper"] - finalists["mean"],
                 "arrayminus": finalists["mean"] - finalists["ci_lower"]},
        text=[f"n = {n}" for n in finalists["n"]], showlegend=False,
    ))  # fmt: skip
    base_layout(fig, "Final selection (KN)")
    fig.update_xaxes(title_text=f"{objective} (mean, 95% interval)")
    fig.update_yaxes(autorange="reversed")
    return fig


def comparison_figure(comparison: pd.DataFrame, metric: str) -> go.Figure:
    """The winner minus each other strategy on fresh seeds (paired), with 95% intervals.

    Example:
        >>> c = pd.DataFrame({"versus": ["a"], "metric": ["patients"], "difference": [2.0],
        ...                   "ci_lower": [1.0], "ci_upper": [3.0]})
        >>> len(comparison_figure(c, "patients").data)
        1
    """
    c = comparison[comparison["metric"] == metric]
    fig = go.Figure(go.Scatter(
        x=c["difference"], y=c["versus"], mode="markers", marker={"color": PALETTE[0], "size": 10},
        error_x={"type": "data", "symmetric": False, "array": c["ci_upper"] - c["difference"],
                 "arrayminus": c["difference"] - c["ci_lower"]}, showlegend=False,
    ))  # fmt: skip
    fig.add_vline(x=0, line={"color": CONTROL_COLOR, "dash": "dot"})
    base_layout(fig, f"Winner versus each strategy, fresh seeds: {metric}")
    fig.update_xaxes(title_text=f"difference in {metric} (winner minus strategy)")
    fig.update_yaxes(autorange="reversed")
    return fig


def build_optimize_report(run_dir: str | Path) -> Path:
    """Write ``report.html`` into an optimisation's run folder and return its path."""
    d = Path(run_dir)
    try:
        tables = {f: pd.read_csv(d / f) for f in FILES}
        summary = json.loads((d / "summary.json").read_text())
        manifest = json.loads((d / "manifest.json").read_text())
    except (OSError, ValueError) as exc:
        raise InputError(str(d), f"not an optimisation's run folder ({exc})") from None
    for t in tables.values():
        if "status" in t:
            t["status"] = t["status"].fillna("")
    obj = str(summary["objective"])
    figs = [
        ReportFigure("fig-search", "Search history",
                     "Every candidate's mean over its search replications, coloured by the "
                     "feasibility verdict, and the best feasible candidate so far. The search "
                     "optimum is optimistic (chosen for its luck); the final pick does not use "
                     "these numbers.", search_history_figure(tables["history.csv"], obj)),
        ReportFigure("fig-pareto", "Pareto front",
                     "Feasible candidates: patients against fully loaded cost, coloured by "
                     "unsubscribes; circled: no other candidate has more patients, lower cost "
                     "and fewer unsubscribes.",
                     pareto_figure(tables["history.csv"], tables["pareto.csv"])),
        ReportFigure("fig-finalists", "Final selection",
                     "Kim-Nelson KN on a new stream of replications, common random numbers "
                     "across systems; the selected system in colour.",
                     finalists_figure(tables["finalists.csv"], obj)),
        ReportFigure("fig-fresh", "Fresh-seed check",
                     "The winner against the base and each compared strategy on fresh seeds "
                     "(paired by replication), with 95% t-intervals.",
                     comparison_figure(tables["comparison.csv"], obj)),
    ]  # fmt: skip
    facts = [
        ("Winner", summary.get("winner")), ("From", summary.get("winner_source")),
        ("Objective", f"{summary.get('direction')} {obj}"),
        ("Fresh-seed mean", _num(summary.get("objective_mean"))),
        ("95% interval", f"{_num(summary.get('objective_ci_lower'))} to "
                         f"{_num(summary.get('objective_ci_upper'))}"),
        ("Constraints on fresh seeds", summary.get("constraints_status")),
        ("Indifference zone", summary.get("delta")), ("PCS target", summary.get("pcs")),
        ("Trials (feasible)", f"{summary.get('trials')} ({summary.get('trials_feasible')})"),
        ("Selection replications", summary.get("selection_replications")),
        ("Set aside on fresh seeds", ", ".join(summary.get("set_aside") or []) or "none"),
        ("Seconds", manifest.get("seconds")),
    ]  # fmt: skip
    fin = tables["finalists.csv"]
    cols = ["system", "source", "n", "mean", "ci_lower", "ci_upper", "eliminated_at"]
    cols += [c for c in fin.columns if c.endswith("_margin")] + ["fresh_status", "selected"]
    fin_html = html_table(
        cols,
        [[_cell(v) for v in row] for row in fin[cols].values],
        numeric=[pd.api.types.is_numeric_dtype(fin[c]) for c in cols],
    )
    comp = tables["comparison.csv"]
    comp_html = html_table(
        list(comp.columns),
        [[_cell(v) for v in row] for row in comp.values],
        numeric=[pd.api.types.is_numeric_dtype(comp[c]) for c in comp],
    )
    body = (
        f"<header><h1>Optimisation: {summary.get('winner')}</h1>"
        f'<p class="run-id">run {manifest.get("run_id", d.name)}</p>'
        f'<p class="description">{summary.get("message", "")}</p></header>'
        + section_html("Summary", key_values(facts))
        + section_html("Finalists", fin_html)
        + section_html("Fresh-seed comparison", comp_html)
        + section_html("Figures", figures_html(figs))
    )  # fmt: skip
    target = d / REPORT_NAME
    write_report(target, page(f"optimize {summary.get('winner')}", body, len(figs)))
    return target


def _num(x: Any) -> str:
    return "" if x is None else f"{x:,.4g}"


def _cell(v: Any) -> str:
    if isinstance(v, float):
        return "" if math.isnan(v) else f"{v:,.4g}"
    return str(v)
