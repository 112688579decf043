"""Running notebooks in tests: a python3 kernel that is always this interpreter.

``kernel_name="python3"`` alone launches whichever ``python3`` kernel spec Jupyter finds
first on its search path (``JUPYTER_PATH``, the environment, the user's and the system's
folders), which may be another Python without this project installed. The kernel manager
here looks in no folder at all, so jupyter_client falls back to ipykernel's own native spec,
whose command is ``sys.executable -m ipykernel_launcher``: the kernel runs in the same
environment as the tests, on a developer's machine and on a fresh CI checkout alike.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from pathlib import Path

import nbformat
import pytest
from dom_inspect import inspect_dom, plot_traces
from jupyter_client.kernelspec import KernelSpecManager
from jupyter_client.manager import AsyncKernelManager
from plotly.offline import get_plotlyjs
from traitlets import default

from sim.report.browser import dump_dom, find_chromium

NOTEBOOK_DIR = Path(__file__).resolve().parents[2] / "notebooks"
PLOTLY = "application/vnd.plotly.v1+json"
#: A page that loaded require.js (nbconvert's templates link it from a CDN; offline it fails
#: to load): plotly.js must still define window.Plotly there.
FAKE_AMD = "<script>window.define = function () {}; window.define.amd = {};</script>"


class ThisInterpreterKernelManager(AsyncKernelManager):
    """A kernel manager whose only ``python3`` kernel is ipykernel under ``sys.executable``."""

    @default("kernel_spec_manager")
    def _only_native_kernel(self) -> KernelSpecManager:
        return KernelSpecManager(kernel_dirs=[], ensure_native_kernel=True)


def execute_notebook(
    path: Path, *, parameters: str | None = None, timeout: int = 600
) -> nbformat.NotebookNode:
    """Run a notebook top to bottom in its own folder and return it with outputs.

    Args:
        path: the ``.ipynb`` file.
        parameters: if given, replaces the source of the cell tagged ``parameters``.
        timeout: seconds allowed per cell.

    Raises:
        nbclient.exceptions.CellExecutionError: a cell raised (the message names the cell
            and carries the traceback).
    """
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    if parameters is not None:
        cells = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
        assert len(cells) == 1, f"{path.name}: needs exactly one cell tagged 'parameters'"
        cells[0].source = parameters
    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name="python3",
        kernel_manager_class=ThisInterpreterKernelManager,
        resources={"metadata": {"path": str(path.parent)}},
    )
    client.execute()
    return nb


@pytest.fixture
def kernel_manager_class() -> type[AsyncKernelManager]:
    """The kernel manager the notebooks run under (:class:`ThisInterpreterKernelManager`)."""
    return ThisInterpreterKernelManager


@pytest.fixture
def run_notebook() -> Callable[..., nbformat.NotebookNode]:
    """``run_notebook(path, parameters=None, timeout=600)``: see :func:`execute_notebook`."""
    return execute_notebook


def figure_outputs(nb: nbformat.NotebookNode) -> list[nbformat.NotebookNode]:
    """Outputs of an executed notebook that carry a plotly figure."""
    return [o for c in nb.cells if c.cell_type == "code" for o in c.outputs
            if PLOTLY in o.get("data", {})]  # fmt: skip


def export_and_check(nb: nbformat.NotebookNode, folder: Path, chromium: str) -> list[int]:
    """Export an executed notebook to HTML and check, in headless Chromium, what a reader sees.

    Every figure output must also carry self-contained HTML (no network address in it), and
    every figure must draw an SVG with data in the exported page, with and without an AMD
    loader on the page. Returns the drawn traces per figure.
    """
    from nbconvert import HTMLExporter

    figures = figure_outputs(nb)
    assert figures, "the notebook drew no figure"
    for out in figures:
        html = out["data"].get("text/html", "")
        assert "Plotly.newPlot" in html, "a figure output without its HTML rendering"
        # Nothing loaded from the network (plotly.js itself mentions URLs in its source).
        own = html.replace(get_plotlyjs(), "")
        assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", own)
        assert "<script src" not in own
    body, _ = HTMLExporter().from_notebook_node(nb)
    pages = {"plain": body, "amd": body.replace("<head>", "<head>" + FAKE_AMD, 1)}
    drawn: list[int] = []
    for kind, text in pages.items():
        page = folder / f"export-{kind}.html"
        page.write_text(text, encoding="utf-8")
        dom = dump_dom(page, chromium=chromium, budget_ms=30_000)
        traces = plot_traces(dom)
        assert len(traces) == len(figures), f"{kind}: {len(traces)} of {len(figures)} drawn"
        assert all(t > 0 for t in traces), f"{kind}: a figure drew no data: {traces}"
        assert inspect_dom(dom).drawn_containers == len(figures)  # each holds an svg.main-svg
        drawn = traces
    return drawn


@pytest.fixture(scope="session")
def chromium() -> str:
    """The Chromium executable; in CI its absence is a failure, locally a skip."""
    exe = find_chromium()
    if exe is None:
        message = ("headless Chromium not found: install it (apt-get install chromium; .ci/run "
                   "does) or set NURTURE_CHROMIUM to its path")  # fmt: skip
        if os.environ.get("CI", "").strip().lower() in ("true", "1", "yes"):
            pytest.fail(message)
        pytest.skip(message)
    return exe


@pytest.fixture
def check_export(chromium: str) -> Callable[[nbformat.NotebookNode, Path], list[int]]:
    """``check_export(nb, folder)``: see :func:`export_and_check`."""
    return lambda nb, folder: export_and_check(nb, folder, chromium)
