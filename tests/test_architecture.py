"""The structure docs/architecture.md describes, checked on the code itself.

Three rules, each read from the source with :mod:`ast` (nothing is imported):

* **Layer order.** A module imports only from its own layer, the shared base modules
  (``sim.errors``, ``sim.files``) and the layers below it. Function-level imports count: a
  lazy import is still a dependency.
* **Module size.** No module in ``sim/`` over :data:`MAX_MODULE_LINES` lines.
* **Function size.** No function or method over :data:`MAX_FUNCTION_LINES` lines.

``EXEMPT`` lists the offenders left when a rule was introduced; it only shrinks.
"""

from __future__ import annotations

import ast
from pathlib import Path
from typing import NamedTuple

import pytest

SIM = Path(__file__).resolve().parents[1] / "sim"
MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 80

#: Shared base modules every layer may import: error types and atomic file writing.
BASE = frozenset({"errors", "files"})

#: What each layer may import besides itself and BASE (DESIGN.md, "Dependency direction").
ALLOWED: dict[str, frozenset[str]] = {
    "config": frozenset(),
    "world": frozenset({"config"}),
    "analysis": frozenset(),
    "crm": frozenset(),
    "experiment": frozenset({"world", "config", "analysis"}),
    "study": frozenset({"experiment", "world", "config", "analysis", "crm"}),
    "report": frozenset({"analysis"}),
    "cli": frozenset({"study", "experiment", "world", "config", "analysis", "crm", "report"}),
    # The package front re-exports the public API of every layer for ``import sim``.
    "__init__": frozenset({"study", "experiment", "world", "config", "analysis", "crm"}),
    "errors": frozenset(),
    "files": frozenset({"errors"}),
}

#: (rule, where) pairs tolerated for now; remove an entry when it is fixed.
EXEMPT: frozenset[tuple[str, str]] = frozenset(
    {
        ("function", "sim/analysis/sequential.py:monitor"),
        ("module", "sim/analysis/sequential.py"),
        ("module", "sim/experiment/looks.py"),
        ("module", "sim/study/calibrate/direct.py"),
    }
)


class Finding(NamedTuple):
    rule: str
    where: str
    detail: str


def _modules(root: Path) -> list[Path]:
    return sorted(root.rglob("*.py"))


def _layer(path: Path, root: Path = SIM) -> str:
    """``sim/analysis/cost.py`` -> ``analysis``; ``sim/errors.py`` -> ``errors``."""
    parts = path.relative_to(root).with_suffix("").parts
    return parts[0]


def _package(path: Path, root: Path) -> list[str]:
    return ["sim", *path.relative_to(root).parent.parts]


def _imported(path: Path, root: Path) -> list[tuple[int, str]]:
    """Every ``sim`` module a file imports, at any depth, as (line, dotted name)."""
    package = _package(path, root)
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                names = [".".join([*base, *([node.module] if node.module else [])])]
                if not node.module:  # ``from . import x``: x is a module of the package
                    names = [f"{names[0]}.{alias.name}" for alias in node.names]
            else:
                names = [node.module or ""]
        else:
            continue
        found += [(node.lineno, n) for n in names if n == "sim" or n.startswith("sim.")]
    return found


def layer_violations(root: Path = SIM) -> list[Finding]:
    findings = []
    for path in _modules(root):
        layer = _layer(path, root)
        rel = str(path.relative_to(root.parent))
        for line, name in _imported(path, root):
            parts = name.split(".")
            target = parts[1] if len(parts) > 1 else "<the sim package>"
            if target == layer or target in BASE or target in ALLOWED.get(layer, frozenset()):
                continue
            findings.append(Finding("layer", rel, f"line {line}: {layer} imports {name}"))
    return findings


def size_violations(root: Path = SIM) -> list[Finding]:
    findings = []
    for path in _modules(root):
        rel = str(path.relative_to(root.parent))
        source = path.read_text()
        lines = source.count("\n")
        if lines > MAX_MODULE_LINES:
            findings.append(Finding("module", rel, f"{lines} lines > {MAX_MODULE_LINES}"))
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                length = node.end_lineno - node.lineno + 1
                if length > MAX_FUNCTION_LINES:
                    where = f"{rel}:{node.name}"
                    findings.append(
                        Finding("function", where, f"{length} lines > {MAX_FUNCTION_LINES}")
                    )
    return findings


def _unexempt(findings: list[Finding]) -> list[str]:
    return [f"{f.where}: {f.detail}" for f in findings if (f.rule, f.where) not in EXEMPT]


def test_every_layer_in_sim_is_known():
    assert {_layer(p) for p in _modules(SIM)} <= set(ALLOWED), (
        "a new layer needs its place in ALLOWED"
    )


def test_imports_follow_the_layer_order():
    assert _unexempt(layer_violations()) == []


def test_modules_and_functions_are_small():
    assert _unexempt(size_violations()) == []


def test_exemptions_only_name_offenders_that_still_exist():
    current = {(f.rule, f.where) for f in layer_violations() + size_violations()}
    assert sorted(EXEMPT - current) == [], "remove the fixed entries from EXEMPT"


@pytest.mark.parametrize(
    ("layer", "source", "expected"),
    [
        ("experiment", "from sim.report import html", ["experiment imports sim.report"]),
        (
            "analysis",
            "def f():\n    from sim.world import simulate\n",
            ["analysis imports sim.world"],
        ),
        ("analysis", "from .cost import x\nfrom ..errors import E\n", []),
        ("world", "from ..config import Scenario\n", []),
        ("config", "from .. import world\n", ["config imports sim.world"]),
    ],
)
def test_the_import_walk_sees_what_a_reader_sees(tmp_path, layer, source, expected):
    """The checker itself: top-level, lazy and relative imports are all found."""
    root = tmp_path / "sim"
    (root / layer).mkdir(parents=True)
    (root / layer / "mod.py").write_text(source)
    assert [f.detail.split(": ", 1)[1] for f in layer_violations(root)] == expected


def test_the_size_check_counts_a_long_function(tmp_path):
    root = tmp_path / "sim"
    (root / "world").mkdir(parents=True)
    body = "".join(f"    x{i} = {i}\n" for i in range(MAX_FUNCTION_LINES))
    (root / "world" / "mod.py").write_text(f"def long():\n{body}\n\ndef short():\n    pass\n")
    assert [(f.rule, f.where) for f in size_violations(root)] == [
        ("function", "sim/world/mod.py:long")
    ]


def test_the_architecture_page_lists_every_module_as_it_is():
    """docs/architecture.md's module tables are what docs/make_architecture.py writes now."""
    import importlib.util

    script = SIM.parent / "docs" / "make_architecture.py"
    spec = importlib.util.spec_from_file_location("make_architecture", script)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    page = (SIM.parent / "docs" / "architecture.md").read_text()
    assert page == module.text(page), "run: python docs/make_architecture.py"
