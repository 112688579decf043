"""The run report: one self-contained HTML file, readable offline.

``build_report(run_dir)`` reads a run folder and writes ``report.html`` into it: the suite's
description, the expectations, the summary tables, the figures and the manifest. plotly.js is
embedded once (plotly's ``include_plotlyjs=True`` on the first figure); nothing is loaded from
the network (no CDN, no web fonts). The same inputs give the same bytes (figure ids are fixed).

Which sections and figures a run gets is decided in :mod:`sim.report.sections` (and the
modules it lists); the page frame, its stylesheet and its self-check script are
:mod:`sim.report.page`; the manifest's tables are :mod:`sim.report.manifest`. This module puts
them together and writes the file.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from html import escape
from pathlib import Path

from sim.errors import InputError
from sim.report.page import figure_html, page, paragraphs, section_html
from sim.report.run_folder import RunFolder, load_run
from sim.report.sections import ReportFigure, report_sections
from sim.report.style import DASH, number

REPORT_NAME = "report.html"

__all__ = [
    "REPORT_NAME",
    "ReportFigure",
    "build_report",
    "render_report",
    "report_figures",
    "write_report",
]


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
    write_report(target, html)
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
                body.append(figure_html(part, include_plotlyjs=first))
                first = False
                n_figures += 1
            else:
                body.append(part)
        parts.append(section_html(section, "".join(body)))
    return page(f"{suite} — Nurture Lab report", "".join(parts), n_figures)


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
        + "".join(f'<p class="description">{escape(para)}</p>' for para in paragraphs(desc))
        + f'<p class="facts-line">{escape(" · ".join(facts))}</p>{badge}</header>'
    )


def write_report(target: Path, text: str) -> None:
    """Write a page to ``target`` atomically: a temporary sibling, fsync, then a rename.

    Raises:
        InputError: the folder cannot be written (the old file, if any, is kept).
    """
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
