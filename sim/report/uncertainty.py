"""The report section of a study: does the decision survive the assumptions?

Figure functions take the study's tables (DataFrames, as written to its run folder) and return
plotly figures; :func:`build_study_report` reads a study folder (``nurture uncertainty`` or
``nurture sensitivity``) and writes its self-contained ``report.html``:

- PSA: the acceptability curve (P(best) against the value of a patient), the distribution of
  the incremental net benefit, EVPPI bars with their Monte Carlo errors, a tornado of the
  lift (its mean over the draws in a parameter's lowest and highest prior decile), and the
  lift against the top parameters;
- sensitivity: Morris' ``mu*`` against ``sigma`` and a ``mu*`` bar chart with intervals, or
  Sobol' first- and total-order bars with their bootstrap intervals.

Reads results only.
"""

from __future__ import annotations

import json
from html import escape
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from sim.errors import InputError
from sim.report.html import REPORT_NAME, write_report
from sim.report.page import figures_html, page, section_html
from sim.report.sections import ReportFigure
from sim.report.sensitivity import (
    OUTPUT_LABELS,
    morris_bars_figure,
    morris_figure,
    ranked_bars,
    sobol_figure,
)
from sim.report.style import arm_colors, base_layout

__all__ = [
    "acceptability_figure",
    "build_study_report",
    "evppi_figure",
    "morris_bars_figure",
    "morris_figure",
    "net_benefit_figure",
    "scatter_figure",
    "sobol_figure",
    "study_figures",
    "tornado_figure",
    "tornado_table",
]


# ------------------------------------------------------------------------------ PSA figures
def acceptability_figure(curve: pd.DataFrame, control: str | None = None) -> go.Figure:
    """P(each strategy has the highest net benefit) against the value of a patient.

    >>> c = pd.DataFrame({"value_usd": [0, 100] * 1 + [0, 100], "strategy": ["a", "a", "b", "b"],
    ...     "p_best": [1.0, 0.2, 0.0, 0.8], "p_best_se": [0, 0.1, 0, 0.1]})
    >>> len(acceptability_figure(c).data)
    2
    """
    names = list(dict.fromkeys(curve["strategy"]))
    colors = arm_colors(names, control)
    fig = go.Figure()
    for n in names:
        g = curve[curve.strategy == n]
        fig.add_trace(
            go.Scatter(
                x=g.value_usd,
                y=g.p_best,
                name=n,
                mode="lines",
                line={"color": colors[n]},
                error_y={
                    "type": "data",
                    "array": 1.96 * g.p_best_se,
                    "visible": True,
                    "thickness": 0.6,
                },
                hovertemplate="patient worth $%{x:,.0f}: P(best) %{y:.1%}<extra>" + n + "</extra>",
            )
        )
    base_layout(fig, "Acceptability curve: P(highest net benefit) by patient value")
    fig.update_xaxes(
        title="value of a patient (USD)",
        type="log" if (curve.value_usd > 0).any() else "linear",
        tickprefix="$",
    )
    fig.update_yaxes(title="probability best", range=[0, 1], tickformat=".0%")
    return fig


def net_benefit_figure(draws: pd.DataFrame, strategy: str, control: str) -> go.Figure:
    """Histogram over draws of ``strategy``'s net benefit minus ``control``'s."""
    inb = draws[f"net_benefit[{strategy}]"] - draws[f"net_benefit[{control}]"]
    fig = go.Figure(
        go.Histogram(x=inb, nbinsx=40, marker={"color": "#4c78a8"}, name=f"{strategy} - {control}")
    )
    fig.add_vline(x=0, line={"dash": "dash", "color": "#888"})
    share = float((inb > 0).mean())
    base_layout(fig, f"Net benefit of {strategy} over {control} across draws ({share:.0%} above 0)")
    fig.update_xaxes(title="incremental net benefit (USD per run)", tickprefix="$")
    fig.update_yaxes(title="draws")
    return fig


def evppi_figure(evppi: pd.DataFrame, k: int = 15) -> go.Figure:
    """EVPPI of the ``k`` most valuable parameters, with 95% bars, and the EVPI line."""
    t = evppi.sort_values("evppi", ascending=False).head(k).iloc[::-1]
    fig = go.Figure(
        ranked_bars(t.evppi, t.parameter, "#f58518", 1.96 * t.evppi_se.fillna(0), "EVPPI")
    )
    if len(evppi):
        fig.add_vline(
            x=float(evppi.evpi.iloc[0]),
            line={"dash": "dash", "color": "#444"},
            annotation_text="EVPI",
            annotation_position="top",
        )
    base_layout(
        fig,
        "Value of perfect information about each parameter (EVPPI)",
        height=max(420, 28 * len(t) + 160),
    )
    fig.update_xaxes(title="expected value of knowing it (USD per run)", tickprefix="$")
    fig.update_layout(margin={"l": 300})
    return fig


def tornado_table(draws: pd.DataFrame, output: pd.Series, k: int = 10, q: float = 0.1):
    """Mean of ``output`` over draws in each parameter's lowest and highest ``q`` of its prior.

    Uses the unit coordinates (``u:NAME`` columns), so "lowest decile" is of the prior.

    >>> import numpy as np
    >>> d = pd.DataFrame({"u:a": np.linspace(0, 1, 101), "u:b": np.linspace(0, 1, 101)[::-1]})
    >>> t = tornado_table(d, pd.Series(np.linspace(0, 1, 101)), k=2)
    >>> t.parameter.tolist(), t.swing.round(2).tolist()
    (['a', 'b'], [0.9, 0.9])
    """
    rows = []
    for c in [c for c in draws.columns if c.startswith("u:")]:
        u = draws[c].to_numpy()
        lo, hi = output[u <= q].mean(), output[u >= 1 - q].mean()
        rows.append({"parameter": c[2:], "low": lo, "high": hi, "swing": abs(hi - lo)})
    t = pd.DataFrame(rows).sort_values("swing", ascending=False, kind="stable").head(k)
    return t.reset_index(drop=True)


def tornado_figure(table: pd.DataFrame, centre: float, title: str, axis: str) -> go.Figure:
    """Bars from ``centre`` to the mean at each parameter's low and high decile."""
    t = table.iloc[::-1]
    fig = go.Figure()
    for end, name, color in (("low", "lowest", "#4c78a8"), ("high", "highest", "#e45756")):
        fig.add_trace(
            go.Bar(
                y=t.parameter,
                x=t[end] - centre,
                base=centre,
                orientation="h",
                name=f"{name} 10% of its prior",
                marker={"color": color},
            )
        )
    fig.update_layout(barmode="overlay", margin={"l": 300})
    base_layout(fig, title, height=max(420, 30 * len(t) + 160))
    fig.update_layout(margin={"l": 300})
    fig.update_xaxes(title=axis)
    return fig


def scatter_figure(
    draws: pd.DataFrame, output: pd.Series, parameters: list[str], axis: str
) -> go.Figure:
    """``output`` against each of ``parameters`` (their sampled values), one panel each."""
    k = max(1, len(parameters))
    fig = make_subplots(rows=1, cols=k, subplot_titles=parameters, shared_yaxes=True)
    for j, p in enumerate(parameters, start=1):
        x = draws[p] if p in draws else draws[f"u:{p}"]
        fig.add_trace(
            go.Scatter(
                x=x,
                y=output,
                mode="markers",
                showlegend=False,
                marker={"size": 5, "color": "#4c78a8", "opacity": 0.6},
            ),
            row=1,
            col=j,
        )
    base_layout(fig, f"{axis} against the parameters that drive it", height=380)
    fig.update_yaxes(title=axis, row=1, col=1)
    return fig


# --------------------------------------------------------------------------------- the page
#: The manifest's keys shown at the top of a study's page, in this order.
FACT_KEYS = ("study", "scenario", "strategies", "strategy", "control", "priors_file", "draws",
             "method", "n", "points", "replications", "seed", "design", "noise", "headline",
             "top", "seconds", "git_commit")  # fmt: skip


def study_figures(run_dir: Path, manifest: dict) -> list[ReportFigure]:
    """The figures of a study folder, as the run report's :class:`ReportFigure`s."""
    kind = str(manifest.get("study", ""))
    if kind == "uncertainty":
        return _psa_figures(run_dir, manifest)
    if kind.startswith("sensitivity"):
        return _sensitivity_figures(pd.read_csv(run_dir / "indices.csv"), kind.endswith("morris"))
    return []


def _psa_figures(run_dir: Path, manifest: dict) -> list[ReportFigure]:
    control = manifest["control"]
    strategy = next(s for s in manifest["strategies"] if s != control)
    draws, curve, evppi = (pd.read_csv(run_dir / f"{name}.csv")
                           for name in ("draws", "acceptability", "evppi"))  # fmt: skip
    lift = (draws[f"patients[{strategy}]"] - draws[f"patients[{control}]"]).rename("lift")
    inb = draws[f"net_benefit[{strategy}]"] - draws[f"net_benefit[{control}]"]
    tor = tornado_table(draws, lift)
    return [
        ReportFigure("ceac", "Acceptability curve",
                     "Probability each strategy has the highest net benefit, by the value of a "
                     "patient (95% MC bars).", acceptability_figure(curve, control)),
        ReportFigure("inb", "Net benefit across the priors",
                     "Each bar counts draws from the priors; right of the dashed line nurturing "
                     "pays.", net_benefit_figure(draws, strategy, control)),
        ReportFigure("evppi", "Value of information",
                     "EVPPI per parameter with 95% bootstrap bars; the dashed line is EVPI.",
                     evppi_figure(evppi)),
        ReportFigure("tornado", "Tornado: what moves the lift",
                     "Mean extra patients per run over the draws in each parameter's lowest and "
                     "highest 10%.",
                     tornado_figure(tor, float(lift.mean()), f"Extra patients of {strategy} per "
                                    "run", "extra patients per run")),
        ReportFigure("scatter", "Lift against the top parameters", "Each point a draw.",
                     scatter_figure(draws, lift, tor.parameter.head(3).tolist(),
                                    "extra patients per run")),
        ReportFigure("tornado-nb", "Tornado: what moves the net benefit",
                     "Mean incremental net benefit over the draws in each parameter's lowest "
                     "and highest 10%.",
                     tornado_figure(tornado_table(draws, inb), float(inb.mean()),
                                    "Net benefit vs control", "USD per run")),
    ]  # fmt: skip


def _sensitivity_figures(idx: pd.DataFrame, morris: bool) -> list[ReportFigure]:
    figs = []
    for o in dict.fromkeys(idx.output):
        label = OUTPUT_LABELS.get(o, o)
        if morris:
            figs += [
                ReportFigure(f"morris-{o}", f"Morris: {label}",
                             "Red: mu* interval above the replication-noise floor.",
                             morris_figure(idx, o)),
                ReportFigure(f"tornado-{o}", f"Largest effects: {label}",
                             "mu* with its 95% bootstrap interval.", morris_bars_figure(idx, o)),
            ]  # fmt: skip
        else:
            figs.append(ReportFigure(
                f"sobol-{o}", f"Sobol': {label}", "First- and total-order indices, 95% "
                "bootstrap intervals, replication noise removed.", sobol_figure(idx, o),
            ))  # fmt: skip
    return figs


def build_study_report(run_dir: str | Path) -> Path:
    """Write ``report.html`` into a study folder and return its path."""
    run_dir = Path(run_dir)
    try:
        manifest = json.loads((run_dir / "manifest.json").read_text())
    except (OSError, ValueError) as exc:
        raise InputError(str(run_dir), f"not a study folder ({exc})") from None
    figs = study_figures(run_dir, manifest)
    facts = "".join(f"<dt>{escape(str(k))}</dt><dd>{escape(_fact(manifest[k]))}</dd>"
                    for k in FACT_KEYS if k in manifest)  # fmt: skip
    body = section_html(
        f"{manifest.get('study', 'study')} — {manifest.get('scenario', '')}",
        f'<dl class="facts">{facts}</dl>',
    )
    body += section_html("Figures", figures_html(figs))
    target = run_dir / REPORT_NAME
    write_report(target, page(f"{manifest.get('study')} — Nurture Lab", body, len(figs)))
    return target


def _fact(value: object) -> str:
    return json.dumps(value) if isinstance(value, (dict, list)) else str(value)
