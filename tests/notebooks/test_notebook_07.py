"""notebooks/07_optimise_your_cadence.ipynb runs top to bottom (small parameters), ships clean."""

from __future__ import annotations

from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOK = ROOT / "notebooks" / "07_optimise_your_cadence.ipynb"
PLOTLY = "application/vnd.plotly.v1+json"

# Small enough for the suite, large enough for every stage (search past optuna's random
# start-up trials, a final pick among several finalists, a fresh-seed check)
SMALL = """\
BUDGET = 24
REPLICATIONS = 3
MONTHS = 1
FRESH = 5
DELTA = 2000.0
PCS = 0.95
WORKERS = 2
SEED = 7
"""


def test_notebook_is_stored_without_outputs_parameters_first():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    nbformat.validate(nb)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code and all(c.outputs == [] and c.execution_count is None for c in code)
    assert code[0].metadata.get("tags") == ["parameters"]
    for line in SMALL.splitlines():
        assert f"{line.split(' = ')[0]} = " in code[0].source
    after = nb.cells[nb.cells.index(code[0]) + 1]
    assert after.cell_type == "markdown" and "raise" in after.source.lower()


def test_notebook_runs_top_to_bottom(run_notebook):
    nb = run_notebook(NOTEBOOK, parameters=SMALL, timeout=600)
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    figures = [o for o in outputs if PLOTLY in o.get("data", {})]
    assert len(figures) == 4  # search history, Pareto front, final pick, fresh-seed check
    assert all(f["data"][PLOTLY]["data"] for f in figures)
