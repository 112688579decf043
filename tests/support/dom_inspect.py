"""Reading a dumped report DOM: what the page says about itself and what plotly drew.

Test tooling: the report's page monitor (see :mod:`sim.report.page`) records in the DOM how
many figures the page has and drew and any JavaScript error; plotly marks each drawn plot.
:func:`check_page` renders a page in headless Chromium and reads both back.
"""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path
from typing import NamedTuple

from sim.report.browser import dump_dom


class PageCheck(NamedTuple):
    """What a dumped report DOM says about itself (see :mod:`sim.report.page`).

    Attributes:
        figures: figures the page says it has (``data-figures`` on ``<body>``).
        drawn: figures whose ``Plotly.newPlot`` resolved (``data-figures-drawn``).
        ready: ``data-report-ready="true"`` was set.
        plot_containers: elements with class ``js-plotly-plot`` (plotly adds it on drawing).
        drawn_containers: of those, how many hold at least one ``svg.main-svg``.
        main_svgs: ``svg.main-svg`` elements inside plot containers.
        errors: texts of ``#js-errors`` items (JavaScript errors, failed loads).
    """

    figures: int
    drawn: int
    ready: bool
    plot_containers: int
    drawn_containers: int
    main_svgs: int
    errors: tuple[str, ...]

    @property
    def ok(self) -> bool:
        """Every figure drew and nothing went wrong."""
        return (self.ready and not self.errors and self.drawn == self.figures
                == self.plot_containers == self.drawn_containers)  # fmt: skip


_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
         "track", "wbr"}  # fmt: skip


class _DomReader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.body: dict[str, str] = {}
        self.stack: list[tuple[str, int | None]] = []  # (tag, index of the plot it opens)
        self.plots: list[int] = []  # main-svg count per plot container
        self.traces: list[int] = []  # drawn data traces per plot container
        self.errors: list[str] = []
        self._in_errors = self._in_item = False
        self._item: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        classes = a.get("class", "").split()
        if tag == "body":
            self.body = a
        opened = None
        inside = [i for _, i in self.stack if i is not None]
        if "js-plotly-plot" in classes:
            self.plots.append(0)
            self.traces.append(0)
            opened = len(self.plots) - 1
        elif tag == "svg" and "main-svg" in classes:
            if inside:
                self.plots[inside[-1]] += 1
        elif tag == "g" and inside and ("trace" in classes or "hm" in classes):
            # plotly draws each scatter, bar or box trace as <g class="trace ...">, a
            # heatmap as <g class="hm">: the data, not just the axes.
            self.traces[inside[-1]] += 1
        if tag == "ul" and a.get("id") == "js-errors":
            self._in_errors = True
        if tag == "li" and self._in_errors:
            self._in_item, self._item = True, []
        if tag not in _VOID:
            self.stack.append((tag, opened))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in _VOID and self.stack and self.stack[-1][0] == tag:
            self.stack.pop()

    def handle_endtag(self, tag: str) -> None:
        if tag == "li" and self._in_item:
            self.errors.append("".join(self._item).strip())
            self._in_item = False
        if tag == "ul" and self._in_errors:
            self._in_errors = False
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                del self.stack[i:]
                break

    def handle_data(self, data: str) -> None:
        if self._in_item:
            self._item.append(data)


def inspect_dom(dom: str) -> PageCheck:
    """Read a report's self-reported state and its drawn plots from a dumped DOM.

    >>> dom = ('<html><body data-figures="1" data-figures-drawn="1" data-report-ready="true">'
    ...        '<ul id="js-errors" hidden></ul><div class="plot-container js-plotly-plot">'
    ...        '<svg class="main-svg"></svg></div></body></html>')
    >>> inspect_dom(dom).ok
    True
    """
    reader = _DomReader()
    reader.feed(dom)
    reader.close()
    b = reader.body
    return PageCheck(
        figures=int(b.get("data-figures") or 0),
        drawn=int(b.get("data-figures-drawn") or 0),
        ready=b.get("data-report-ready") == "true",
        plot_containers=len(reader.plots),
        drawn_containers=sum(1 for n in reader.plots if n > 0),
        main_svgs=sum(reader.plots),
        errors=tuple(reader.errors),
    )


def plot_traces(dom: str) -> list[int]:
    """Drawn data traces in each plotly plot of a dumped DOM, in page order.

    A figure that drew its axes but no data has 0.

    >>> drawn = '<svg class="main-svg"><g class="trace bars"></g></svg>'
    >>> plot_traces(f'<div class="js-plotly-plot">{drawn}</div>'
    ...             '<div class="js-plotly-plot"><svg class="main-svg"></svg></div>')
    [1, 0]
    """
    reader = _DomReader()
    reader.feed(dom)
    reader.close()
    return list(reader.traces)


def check_page(html_path: str | Path, **kwargs) -> PageCheck:
    """Render a report headless and inspect the result (see :class:`PageCheck`)."""
    return inspect_dom(dump_dom(html_path, **kwargs))
