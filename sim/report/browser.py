"""Headless Chromium: render a report or a figure, read back its DOM, or save a PNG.

Chromium runs with a throw-away profile, no background networking and an unreachable proxy,
so a page that tried to load anything from the network would fail visibly instead of quietly
working online. ``--virtual-time-budget`` lets scripts (plotly drawing) finish before the DOM
is dumped or the screenshot taken.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
from html.parser import HTMLParser
from pathlib import Path
from typing import NamedTuple

import plotly.graph_objects as go

#: Executables tried in order (after the ``NURTURE_CHROMIUM`` environment variable).
CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
BASE_FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
    "--disable-dev-shm-usage", "--hide-scrollbars", "--force-device-scale-factor=1",
    # Any network request fails: the page must be readable offline.
    "--proxy-server=http://127.0.0.1:9", "--proxy-bypass-list=<-loopback>",
)  # fmt: skip


class BrowserNotFound(RuntimeError):
    """No Chromium to run (install it, or point ``NURTURE_CHROMIUM`` at it)."""


def find_chromium() -> str | None:
    """The Chromium executable: ``$NURTURE_CHROMIUM``, then the usual names on ``PATH``."""
    env = os.environ.get("NURTURE_CHROMIUM")
    if env:
        return env if Path(env).is_file() else shutil.which(env)
    for name in CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    return "/usr/bin/chromium" if Path("/usr/bin/chromium").is_file() else None


def run_chromium(
    target: str | Path,
    args: list[str],
    *,
    chromium: str | None = None,
    budget_ms: int = 10_000,
    timeout: float = 120.0,
) -> subprocess.CompletedProcess[str]:
    """Run headless Chromium on a file with extra flags; return the finished process.

    Raises:
        BrowserNotFound: no Chromium.
        RuntimeError: it did not finish within ``timeout`` seconds or exited with an error.
    """
    exe = chromium or find_chromium()
    if not exe:
        raise BrowserNotFound("headless Chromium not found: install `chromium` or set "
                              "NURTURE_CHROMIUM to its path")  # fmt: skip
    url = Path(target).resolve().as_uri()
    with tempfile.TemporaryDirectory(prefix="nurture-chromium-") as profile:
        cmd = [exe, *BASE_FLAGS, f"--user-data-dir={profile}",
               f"--virtual-time-budget={budget_ms}", *args, url]  # fmt: skip
        # Own session, so a hung browser and its helper processes can be ended together.
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                start_new_session=True)  # fmt: skip
        try:
            out, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
            raise RuntimeError(f"chromium did not finish within {timeout:g} s") from None
    if proc.returncode != 0:
        tail = "\n".join(err.strip().splitlines()[-5:])
        raise RuntimeError(f"chromium exited with {proc.returncode}: {tail}")
    return subprocess.CompletedProcess(cmd, proc.returncode, out, err)


def dump_dom(html_path: str | Path, **kwargs) -> str:
    """The page's DOM after its scripts ran (``--dump-dom``)."""
    return run_chromium(html_path, ["--dump-dom"], **kwargs).stdout


def screenshot(
    html_path: str | Path, png_path: str | Path, *, width: int = 1280, height: int = 900,
    **kwargs,
) -> Path:  # fmt: skip
    """Screenshot the top ``width`` x ``height`` pixels of a page into ``png_path``, atomically."""
    target = Path(png_path)
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".png", dir=target.parent)
    os.close(fd)
    try:
        run_chromium(html_path, [f"--window-size={width},{height}", f"--screenshot={tmp}"],
                     **kwargs)  # fmt: skip
        with open(tmp, "rb") as f:
            if f.read(8) != b"\x89PNG\r\n\x1a\n":
                raise RuntimeError("chromium wrote no PNG screenshot")
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    return target


def save_png(
    report_or_html: go.Figure | str | Path,
    path: str | Path,
    *,
    width: int = 1200,
    height: int = 800,
    **kwargs,
) -> Path:
    """Save a PNG of a plotly figure, a report file or an HTML string with headless Chromium.

    Args:
        report_or_html: a :class:`plotly.graph_objects.Figure` (drawn at ``width`` x
            ``height``), the path of an HTML file (e.g. ``report.html``: its top
            ``width`` x ``height`` pixels), or HTML text.
        path: the PNG to write (replaced atomically).
        width: viewport width in pixels.
        height: viewport height in pixels.
        **kwargs: passed to :func:`run_chromium` (``chromium``, ``budget_ms``, ``timeout``).

    Returns:
        ``path``.

    Raises:
        BrowserNotFound: no Chromium.
        RuntimeError: Chromium failed.
    """
    target = Path(path)
    if isinstance(report_or_html, Path) or (
        isinstance(report_or_html, str) and not report_or_html.lstrip().startswith("<")
    ):
        source = Path(report_or_html)
        if not source.is_file():
            raise FileNotFoundError(f"{source}: no such HTML file")
        return screenshot(source, target, width=width, height=height, **kwargs)
    if isinstance(report_or_html, go.Figure):
        fig = go.Figure(report_or_html).update_layout(width=width, height=height)
        html = fig.to_html(include_plotlyjs=True, full_html=True,
                           config={"displayModeBar": False, "staticPlot": True})  # fmt: skip
        html = html.replace("<head>", "<head><style>body{margin:0;background:#fff}</style>", 1)
    elif isinstance(report_or_html, str):
        html = report_or_html
    else:
        raise TypeError("save_png: expected a plotly Figure, an HTML file path or HTML text")
    with tempfile.TemporaryDirectory(prefix="nurture-png-") as tmp:
        page = Path(tmp) / "page.html"
        page.write_text(html, encoding="utf-8")
        return screenshot(page, target, width=width, height=height, **kwargs)


class PageCheck(NamedTuple):
    """What a dumped report DOM says about itself (see :mod:`sim.report.html`).

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
