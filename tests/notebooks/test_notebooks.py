"""Notebooks 01-03 and 05 are stored clean and run top to bottom with their own small parameters.

Each notebook runs in a python3 kernel under this interpreter (see conftest.py), in the
notebook's folder, as a reader's Jupyter would; any cell raising fails the test with the
cell and its traceback.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOK_DIR = ROOT / "notebooks"
PLOTLY = "application/vnd.plotly.v1+json"
#: notebook -> figures it draws (every one must come out as a plotly figure).
NOTEBOOKS = {
    "01_quickstart.ipynb": 3,  # funnel, lift forest, cumulative incidence
    "02_seed_claims.ipynb": 3,  # cost per patient, cost breakdown, ablation lift forest
    "03_cadence_design.ipynb": 3,  # two heatmaps, paired gains
    "05_does_it_survive_the_assumptions.ipynb": 5,  # net benefit, CEAC, EVPPI, tornado, Morris
}


def code_cells(nb: nbformat.NotebookNode) -> list[nbformat.NotebookNode]:
    return [c for c in nb.cells if c.cell_type == "code"]


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_is_stored_clean_with_parameters_first(name):
    nb = nbformat.read(NOTEBOOK_DIR / name, as_version=4)
    nbformat.validate(nb)
    assert nb.metadata["kernelspec"]["name"] == "python3"
    code = code_cells(nb)
    assert code and all(c.outputs == [] and c.execution_count is None for c in code)
    first = code[0]
    assert first.metadata.get("tags") == ["parameters"]
    for name_ in ("REPLICATIONS = ", "MONTHS = ", "SEED = ", "WORKERS = "):
        assert name_ in first.source
    # The cell after the parameters tells the reader to raise them for real use.
    after = nb.cells[nb.cells.index(first) + 1]
    assert after.cell_type == "markdown" and "raise" in after.source.lower()


@pytest.mark.parametrize("name", NOTEBOOKS)
@pytest.mark.parametrize("start", ["repository root", "notebooks folder"])
def test_setup_cell_finds_the_configs_from_either_folder(name, start, monkeypatch):
    nb = nbformat.read(NOTEBOOK_DIR / name, as_version=4)
    setup = next(c for c in code_cells(nb) if "ROOT = " in c.source)
    monkeypatch.chdir(ROOT if start == "repository root" else NOTEBOOK_DIR)
    namespace: dict = {}
    exec(setup.source, namespace)
    assert namespace["ROOT"] == ROOT
    assert namespace["SCENARIO"].is_file()
    assert (namespace["STRATEGIES"] / "stage_nurture.toml").is_file()


def test_kernel_is_this_interpreter_whatever_jupyter_path_says(
    kernel_manager_class, tmp_path, monkeypatch
):
    # A python3 kernel spec earlier on Jupyter's search path, pointing at another program.
    spec_dir = tmp_path / "kernels" / "python3"
    spec_dir.mkdir(parents=True)
    other = {"argv": ["/bin/false", "{connection_file}"], "display_name": "other",
             "language": "python"}  # fmt: skip
    (spec_dir / "kernel.json").write_text(json.dumps(other))
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path))
    from jupyter_client.manager import AsyncKernelManager

    assert AsyncKernelManager(kernel_name="python3").kernel_spec.argv[0] == "/bin/false"
    spec = kernel_manager_class(kernel_name="python3").kernel_spec
    assert Path(spec.argv[0]) == Path(sys.executable)
    assert spec.argv[1:3] == ["-m", "ipykernel_launcher"]


@pytest.mark.slow
@pytest.mark.browser
@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_runs_top_to_bottom_and_its_html_export_draws(
    name, run_notebook, check_export, tmp_path
):
    nb = run_notebook(NOTEBOOK_DIR / name)  # raises CellExecutionError on any cell error
    outputs = [o for c in code_cells(nb) for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    assert all(c.execution_count is not None for c in code_cells(nb))
    figures = [o for o in outputs if PLOTLY in o.get("data", {})]
    assert len(figures) == NOTEBOOKS[name]
    for fig in figures:
        assert fig["data"][PLOTLY]["data"], "a figure without traces"
    # What a reader without Jupyter sees: the HTML export, in a browser, offline.
    check_export(nb, tmp_path)
