"""notebooks/04_plan_your_ab_test.ipynb runs top to bottom (small parameters) and ships clean.

The notebook is executed with nbclient in a python3 kernel. jupyter_client launches a kernel
spec whose command is ``python`` with this interpreter (``sys.executable``), so the kernel runs
in the same environment as the tests; the spec itself ships with ipykernel in the venv.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOK = ROOT / "notebooks" / "04_plan_your_ab_test.ipynb"

# Small enough for the test suite, large enough that every code path runs (several test
# lengths, more than one run per point, several looks, paired and split).
SMALL = """\
RUNS = 8
MONTHS = [2, 5]
LOOK_MONTHS = 3
TRUTH_REPLICATIONS = 1
PAIRED_MONTHS = [1, 2]
WORKERS = 2
SEED = 2024
"""


def _parameter_cell(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    cells = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(cells) == 1, "the notebook needs exactly one cell tagged 'parameters'"
    return cells[0]


def test_notebook_is_stored_without_outputs():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    nbformat.validate(nb)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code and all(c.outputs == [] and c.execution_count is None for c in code)
    # the parameter cell comes before any other code and names every parameter we override
    assert code[0] is _parameter_cell(nb)
    for line in SMALL.splitlines():
        assert f"{line.split(' = ')[0]} = " in code[0].source


@pytest.mark.slow
@pytest.mark.browser
def test_notebook_runs_top_to_bottom_and_its_html_export_draws(
    run_notebook, check_export, tmp_path
):
    # Raises CellExecutionError, with the cell and traceback, on any error.
    nb = run_notebook(NOTEBOOK, parameters=SMALL, timeout=300)
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    figures = [o for o in outputs if "application/vnd.plotly.v1+json" in o.get("data", {})]
    assert len(figures) >= 5  # analytic, simulated, cut-off, one test's looks, many tests' looks
    check_export(nb, tmp_path)  # what a reader without Jupyter sees
