"""The methods of the study layer stay apart from the simulation: they import statistics only."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

METHODS = Path(__file__).resolve().parents[3] / "sim" / "study" / "methods"
THIRD_PARTY = {"numpy", "scipy", "statsmodels", "pandas", "SALib", "optuna"}
OURS = ("sim.errors", "sim.study.methods")


def imported(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
    return names


def test_methods_import_only_statistics_and_themselves():
    files = sorted(METHODS.rglob("*.py"))
    assert len(files) > 20
    bad = []
    for f in files:
        for name in imported(f):
            top = name.split(".")[0]
            if name.startswith(OURS) or top in THIRD_PARTY or top in sys.stdlib_module_names:
                continue
            if top == "__future__":
                continue
            bad.append(f"{f.relative_to(METHODS)}: {name}")
    assert bad == []
