"""Write a benchmark's figures into benchmarks/RESULTS.md, one section per benchmark.

Each section records the machine, the command and the date with the figures, and replaces
the previous run's section of the same name.
"""

from __future__ import annotations

import datetime as dt
import os
import platform
import re
import sys
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "RESULTS.md"
HEADER = (
    "# Benchmark results\n\nEach section: machine, command, date, figures. "
    "Rerun a benchmark to replace its section.\n"
)


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{os.cpu_count()} cores, {cpu}, Python {platform.python_version()}, {platform.system()}"


def record(section: str, body: str, results: Path = RESULTS) -> None:
    """Replace (or add) ``## section`` in ``results`` (RESULTS.md) with ``body``."""
    command = "python " + " ".join([os.path.relpath(sys.argv[0]), *sys.argv[1:]])
    today = dt.date.today().isoformat()
    block = (
        f"## {section}\n\n- machine: {machine()}\n- command: `{command}`\n"
        f"- date: {today}\n\n{body.strip()}\n\n"
    )
    text = results.read_text() if results.exists() else HEADER
    pattern = re.compile(rf"^## {re.escape(section)}\n.*?(?=^## |\Z)", re.S | re.M)
    text = pattern.sub(block, text) if pattern.search(text) else text.rstrip("\n") + "\n\n" + block
    results.write_text(text)
