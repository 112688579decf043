"""Running notebooks in tests: a python3 kernel that is always this interpreter.

``kernel_name="python3"`` alone launches whichever ``python3`` kernel spec Jupyter finds
first on its search path (``JUPYTER_PATH``, the environment, the user's and the system's
folders), which may be another Python without this project installed. The kernel manager
here looks in no folder at all, so jupyter_client falls back to ipykernel's own native spec,
whose command is ``sys.executable -m ipykernel_launcher``: the kernel runs in the same
environment as the tests, on a developer's machine and on a fresh CI checkout alike.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import nbformat
import pytest
from jupyter_client.kernelspec import KernelSpecManager
from jupyter_client.manager import AsyncKernelManager
from traitlets import default

NOTEBOOK_DIR = Path(__file__).resolve().parents[2] / "notebooks"


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
