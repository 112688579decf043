"""The run report: one self-contained HTML file, readable offline.

``build_report(run_dir)`` reads a run folder and writes ``report.html`` into it: the suite's
description, the expectations, the summary tables, the figures and the manifest. plotly.js is
embedded once (plotly's ``include_plotlyjs=True`` on the first figure); nothing is loaded from
the network (no CDN, no web fonts). The same inputs give the same bytes (figure ids are fixed).

For headless checks the page reports on itself: ``<body data-figures="N">`` says how many
figures it has; each figure's ``Plotly.newPlot`` promise bumps ``data-figures-drawn``, and when
all are drawn ``data-report-ready="true"`` is set. Any JavaScript error, rejected promise or
failed resource load is appended to ``<ul id="js-errors">`` and counted in
``data-js-errors``.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from html import escape
from pathlib import Path

import plotly.io as pio

from sim.errors import InputError
from sim.report.run_folder import RunFolder, load_run
from sim.report.sections import ReportFigure, Section, report_sections
from sim.report.style import DASH, number

REPORT_NAME = "report.html"
#: plotly config for every figure: no logo, no cloud links.
PLOT_CONFIG = {"displaylogo": False, "responsive": True,
               "modeBarButtonsToRemove": ["select2d", "lasso2d"]}  # fmt: skip
#: Run after each figure's ``Plotly.newPlot`` promise resolves (plotly's post_script).
POST_SCRIPT = "window.nurtureReport && window.nurtureReport.drawn('{plot_id}');"

__all__ = ["REPORT_NAME", "ReportFigure", "build_report", "render_report", "report_figures"]


def build_report(run_dir: str | Path) -> Path:
    """Write ``report.html`` into a run folder, atomically, and return its path.

    Args:
        run_dir: the run folder ``results/<suite>/<run-id>/``.

    Returns:
        The path of ``report.html``.

    Raises:
        InputError: the folder is not a readable run folder (see
            :func:`~sim.report.run_folder.load_run`) or cannot be written.
    """
    run = load_run(run_dir)
    html = render_report(run)
    target = run.path / REPORT_NAME
    _atomic_write(target, html)
    return target


def report_figures(run: RunFolder) -> list[ReportFigure]:
    """Every figure of the report, in page order (absent inputs mean absent figures)."""
    return [f for section in report_sections(run) for f in section.figures]


def render_report(run: RunFolder) -> str:
    """The report's HTML text: the header, then every registered section that has content."""
    m = run.manifest
    suite = str(m.get("suite") or run.path.parent.name)
    run_id = str(m.get("run_id") or run.path.name)
    sections = report_sections(run)
    parts = [_header(run, suite, run_id)]
    first = True
    n_figures = 0
    for section in sections:
        body = []
        for part in section.parts:
            if isinstance(part, ReportFigure):
                body.append(_figure_html(part, include_plotlyjs=first))
                first = False
                n_figures += 1
            else:
                body.append(part)
        parts.append(_section(section, "".join(body)))
    return _page(f"{suite} — Nurture Lab report", "".join(parts), n_figures)


def _header(run: RunFolder, suite: str, run_id: str) -> str:
    m = run.manifest
    desc = str(m.get("description") or "")
    facts = [
        f"design {m.get('design', DASH)}",
        f"{number(m.get('replications'))} replications",
        f"seed {m.get('seed', DASH)}",
        f"control {run.control or DASH}",
    ]
    if "n" in run.summary.columns:
        facts.append(f"{number(run.summary['n'].sum())} leads in all")
    badge = ""
    if run.expectations is not None:
        failed = sum(1 for e in run.expectations if not e.get("held"))
        total = len(run.expectations)
        badge = (f'<p class="badge failed">{failed} of {total} expectations failed</p>' if failed
                 else f'<p class="badge held">All {total} expectations held</p>')  # fmt: skip
    return (
        f"<header><h1>{escape(suite)}</h1>"
        f'<p class="run-id">run {escape(run_id)}</p>'
        + "".join(f'<p class="description">{escape(para)}</p>' for para in _paragraphs(desc))
        + f'<p class="facts-line">{escape(" · ".join(facts))}</p>{badge}</header>'
    )


def _paragraphs(text: str) -> list[str]:
    r"""Blank-line separated paragraphs, each on one line (TOML descriptions wrap freely).

    >>> _paragraphs("One line\nwrapped.\n\nTwo.")
    ['One line wrapped.', 'Two.']
    """
    paras = [" ".join(p.split()) for p in text.strip().split("\n\n")]
    return [p for p in paras if p]


def _figure_html(f: ReportFigure, *, include_plotlyjs: bool) -> str:
    div = pio.to_html(
        f.figure, include_plotlyjs=include_plotlyjs, full_html=False, div_id=f.id,
        config=PLOT_CONFIG, post_script=POST_SCRIPT, default_width="100%",
    )  # fmt: skip
    return (f'<figure class="plot" id="{f.id}-figure" aria-label="{escape(f.heading)}">{div}'
            f"<figcaption>{escape(f.caption)}</figcaption></figure>")  # fmt: skip


def _section(section: Section | str, body: str) -> str:
    """A ``<section>``: from a :class:`Section`, or from a title (study reports use that)."""
    if isinstance(section, str):
        section = Section(section.lower().replace(" ", "-"), section, ())
    return (f'<section id="{escape(section.id)}"><h2>{escape(section.title)}</h2>{body}'
            "</section>")  # fmt: skip


def _figures_html(figures: list[ReportFigure]) -> str:
    """Figures in a row, plotly.js embedded with the first (study reports use this)."""
    return "".join(_figure_html(f, include_plotlyjs=i == 0) for i, f in enumerate(figures))


# Recorded in the DOM so a headless browser's --dump-dom shows whether the page worked.
_MONITOR = """<script>
(function () {
  var body = document.body, list = document.getElementById("js-errors"), errors = 0, drawn = 0;
  var expected = parseInt(body.getAttribute("data-figures"), 10) || 0;
  function record(message) {
    errors += 1;
    body.setAttribute("data-js-errors", String(errors));
    var item = document.createElement("li");
    item.textContent = String(message);
    list.appendChild(item);
    list.hidden = false;
  }
  window.addEventListener("error", function (e) {
    var t = e.target;
    if (t && t !== window && (t.src || t.href)) { record("failed to load " + (t.src || t.href)); }
    else { record((e.message || "error") + (e.lineno ? " (line " + e.lineno + ")" : "")); }
  }, true);
  window.addEventListener("unhandledrejection", function (e) {
    var r = e.reason;
    record("unhandled rejection: " + (r && r.message ? r.message : r));
  });
  window.nurtureReport = {
    drawn: function (id) {
      drawn += 1;
      body.setAttribute("data-figures-drawn", String(drawn));
      if (drawn === expected) { body.setAttribute("data-report-ready", "true"); }
    },
    errors: function () { return errors; }
  };
  if (expected === 0) { body.setAttribute("data-report-ready", "true"); }
})();
</script>"""

_CSS = """
:root { --ink: #1f2328; --muted: #59636e; --line: #d8dee4; --soft: #f6f8fa;
        --good: #1a7f37; --bad: #cf222e; }
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body { margin: 0; color: var(--ink); background: #fff; line-height: 1.5;
       font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif; }
main { max-width: 1240px; margin: 0 auto; padding: 24px 28px 64px; }
header { border-bottom: 1px solid var(--line); padding-bottom: 12px; margin-bottom: 8px; }
h1 { font-size: 28px; margin: 0 0 2px; }
h2 { font-size: 21px; margin: 36px 0 10px; padding-bottom: 4px;
     border-bottom: 1px solid var(--line); }
h3 { font-size: 16px; margin: 22px 0 8px; }
.run-id, .facts-line, .generator { color: var(--muted); margin: 2px 0; }
.run-id, .mono td { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
.description { font-size: 16px; margin: 10px 0; max-width: 80ch; }
.badge { display: inline-block; padding: 3px 12px; border-radius: 999px; color: #fff;
         font-weight: 600; margin: 8px 0 0; }
.badge.held { background: var(--good); } .badge.failed { background: var(--bad); }
.table-wrap { overflow-x: auto; }
table { border-collapse: collapse; margin: 6px 0 10px; font-size: 13.5px; width: 100%; }
th, td { padding: 6px 8px; border-bottom: 1px solid var(--line); text-align: left;
         vertical-align: top; }
th { background: var(--soft); font-weight: 600; white-space: nowrap; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
tr.control td { background: #fbfbfb; color: #333; }
table.expectations tr.held td:first-child { color: var(--good); font-weight: 600; }
table.expectations tr.failed td:first-child { color: var(--bad); font-weight: 700; }
table.expectations tr.failed td { background: #fff5f5; }
.notes { color: var(--muted); font-size: 13px; padding-left: 18px; }
figure.plot { margin: 18px 0 30px; }
figure.plot h3 { margin-bottom: 2px; }
figcaption { color: var(--muted); font-size: 13px; max-width: 90ch; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 4px 18px; }
dl.facts dt { color: var(--muted); } dl.facts dd { margin: 0; }
details { margin: 10px 0; } summary { cursor: pointer; font-weight: 600; }
pre { background: var(--soft); padding: 12px; overflow-x: auto; font-size: 12px; }
#js-errors { color: var(--bad); border: 1px solid var(--bad); padding: 8px 24px; }
"""


def _page(title: str, body: str, n_figures: int) -> str:
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title><style>{_CSS}</style></head>"
        f'<body data-figures="{n_figures}">'
        '<ul id="js-errors" hidden></ul>'
        f"{_MONITOR}<main>{body}</main></body></html>\n"
    )


def _atomic_write(target: Path, text: str) -> None:
    """Write to a temporary sibling, fsync, then rename over ``target``."""
    try:
        fd, tmp = tempfile.mkstemp(prefix=".tmp-report-", suffix=".html", dir=target.parent)
    except OSError as exc:
        raise InputError(str(target.parent), f"cannot write {target.name} here "
                                             f"({exc.strerror})") from None  # fmt: skip
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o644)  # mkstemp makes it private; a report is meant to be shared
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
