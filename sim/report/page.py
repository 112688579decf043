"""The page every report shares: its HTML frame, sections and figure blocks.

A report (a suite's, a study's, an optimisation's) is a body of sections put into one
self-contained page: the stylesheet ``assets/report.css`` inline, then the page monitor
``assets/monitor.js``, which records in the DOM whether the page worked, so a headless
browser's ``--dump-dom`` shows it: ``<body data-figures="N">`` says how many figures the page
has; each figure's ``Plotly.newPlot`` promise bumps ``data-figures-drawn`` (plotly's
``post_script``), and when all are drawn ``data-report-ready="true"`` is set. Any JavaScript
error, rejected promise or failed resource load is appended to ``<ul id="js-errors">`` and
counted in ``data-js-errors``. The two files ship as package data.

plotly.js is embedded once, with the first figure; nothing is loaded from the network.
"""

from __future__ import annotations

from functools import cache
from html import escape
from importlib.resources import files

import plotly.io as pio

from sim.report.sections import ReportFigure, Section

#: The package data files the page inlines.
ASSETS = ("report.css", "monitor.js")
#: plotly config for every figure: no logo, no cloud links.
PLOT_CONFIG = {"displaylogo": False, "responsive": True,
               "modeBarButtonsToRemove": ["select2d", "lasso2d"]}  # fmt: skip
#: Run after each figure's ``Plotly.newPlot`` promise resolves (plotly's post_script).
POST_SCRIPT = "window.nurtureReport && window.nurtureReport.drawn('{plot_id}');"


@cache
def asset(name: str) -> str:
    """The text of one of the page's package data files (:data:`ASSETS`).

    >>> asset("monitor.js").startswith("(function () {")
    True
    """
    if name not in ASSETS:
        raise ValueError(f"asset: {name!r} is not one of {', '.join(ASSETS)}")
    return files("sim.report").joinpath("assets", name).read_text(encoding="utf-8")


def page(title: str, body: str, n_figures: int) -> str:
    """The whole page: head with the stylesheet, the monitor, then ``body`` in ``<main>``."""
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title><style>\n{asset('report.css')}</style></head>"
        f'<body data-figures="{n_figures}">'
        '<ul id="js-errors" hidden></ul>'
        f"<script>\n{asset('monitor.js')}</script><main>{body}</main></body></html>\n"
    )


def section_html(section: Section | str, body: str) -> str:
    """A ``<section>``: from a :class:`Section`, or from a title (study reports use that)."""
    if isinstance(section, str):
        section = Section(section.lower().replace(" ", "-"), section, ())
    return (f'<section id="{escape(section.id)}"><h2>{escape(section.title)}</h2>{body}'
            "</section>")  # fmt: skip


def figure_html(f: ReportFigure, *, include_plotlyjs: bool) -> str:
    """One figure with its caption; ``include_plotlyjs`` embeds plotly.js before it."""
    div = pio.to_html(
        f.figure, include_plotlyjs=include_plotlyjs, full_html=False, div_id=f.id,
        config=PLOT_CONFIG, post_script=POST_SCRIPT, default_width="100%",
    )  # fmt: skip
    return (f'<figure class="plot" id="{f.id}-figure" aria-label="{escape(f.heading)}">{div}'
            f"<figcaption>{escape(f.caption)}</figcaption></figure>")  # fmt: skip


def figures_html(figures: list[ReportFigure]) -> str:
    """Figures in a row, plotly.js embedded with the first (study reports use this)."""
    return "".join(figure_html(f, include_plotlyjs=i == 0) for i, f in enumerate(figures))


def paragraphs(text: str) -> list[str]:
    r"""Blank-line separated paragraphs, each on one line (TOML descriptions wrap freely).

    >>> paragraphs("One line\nwrapped.\n\nTwo.")
    ['One line wrapped.', 'Two.']
    """
    paras = [" ".join(p.split()) for p in text.strip().split("\n\n")]
    return [p for p in paras if p]
