"""Write the module tables of docs/architecture.md from the modules' own docstrings.

Each layer's table lists its modules with the first line of their docstring, so the page says
what each module holds in the words of the module itself and cannot fall behind a move or a
split: tests/test_architecture.py fails when the page differs from what this script writes.

Run: python docs/make_architecture.py
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PAGE = ROOT / "docs" / "architecture.md"
SIM = ROOT / "sim"
BEGIN, END = "<!-- modules: begin -->", "<!-- modules: end -->"
LAYERS = ("config", "world", "crm", "analysis", "experiment", "study", "report", "cli")


def summary(path: Path) -> str:
    """The first sentence-line of a module's docstring, pipes escaped for a table."""
    doc = ast.get_docstring(ast.parse(path.read_text())) or ""
    first = " ".join(doc.strip().split("\n\n", 1)[0].split())
    if not first and path.name == "__init__.py":
        return "The package's public names."
    return first.replace("|", "\\|") or "(no docstring)"


def tables() -> str:
    out = []
    for layer in LAYERS:
        out += [f"### sim/{layer}", "", "| module | holds |", "|---|---|"]
        for path in sorted((SIM / layer).rglob("*.py")):
            if path.name == "__main__.py":
                continue
            rel = path.relative_to(SIM).as_posix()
            out.append(f"| `{rel}` | {summary(path)} |")
        out.append("")
    return "\n".join(out).rstrip("\n")


def text(page: str | None = None) -> str:
    page = PAGE.read_text() if page is None else page
    block = f"{BEGIN}\n\n{tables()}\n\n{END}"
    return re.sub(re.escape(BEGIN) + r".*?" + re.escape(END), lambda _: block, page, flags=re.S)


if __name__ == "__main__":
    PAGE.write_text(text())
    print(f"wrote {PAGE.relative_to(ROOT)}")
