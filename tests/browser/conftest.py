"""Headless Chromium for the browser tests, and the run-folder writer of tests/report."""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path
from types import ModuleType

import pytest

from sim.report.browser import find_chromium


def _fixture_writer() -> ModuleType:
    """tests/report/conftest.py as a module (conftest fixtures do not cross folders)."""
    name = "_nurture_report_fixture_writer"
    if name not in sys.modules:
        path = Path(__file__).parents[1] / "report" / "conftest.py"
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module  # dataclasses look their module up while it loads
        spec.loader.exec_module(module)
    return sys.modules[name]


@pytest.fixture(scope="session")
def writer() -> ModuleType:
    return _fixture_writer()


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
