"""Headless Chromium: render a report or a figure, dump its DOM, or save a PNG.

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
from pathlib import Path

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
