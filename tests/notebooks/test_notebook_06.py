"""notebooks/06_calibrate_to_your_practice.ipynb runs top to bottom (small parameters), clean."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

NOTEBOOK = Path(__file__).resolve().parents[2] / "notebooks" / "06_calibrate_to_your_practice.ipynb"
SMALL = """\
LEADS_PER_MONTH = 150
MONTHS = 1
POPULATION = 20
GENERATIONS = 2
CHECKS = 3
REPLICATIONS = 2
SEED = 6
"""


def test_notebook_is_stored_clean_with_parameters_first():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    nbformat.validate(nb)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code and all(c.outputs == [] and c.execution_count is None for c in code)
    assert code[0].metadata.get("tags") == ["parameters"]
    for line in SMALL.splitlines():
        assert f"{line.split(' = ')[0]} = " in code[0].source


@pytest.mark.slow
def test_notebook_runs_top_to_bottom(run_notebook):
    nb = run_notebook(NOTEBOOK, parameters=SMALL, timeout=600)
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    text = "".join(o.get("text", "") for o in outputs)
    assert "converts the most leads" in text
