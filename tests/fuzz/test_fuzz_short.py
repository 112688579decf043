"""The fuzz harnesses of this folder, bounded for CI: 200 reproducible examples per target.

The long runs (minutes, a new seed each round) are ``python tests/fuzz/fuzz_config.py`` and
``python tests/fuzz/fuzz_csv.py``; their findings are recorded in docs/fuzzing.md. Here each
target runs derandomized, so CI sees the same 200 inputs every time.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
EXAMPLES = 200


def _load(name: str):
    """Import a harness by path (the fuzz_*.py files are scripts, not collected tests)."""
    module = sys.modules.get(name)
    if module is None:
        spec = importlib.util.spec_from_file_location(name, HERE / f"{name}.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return module


def _targets(name: str) -> list:
    return _load(name).fuzz_tests(EXAMPLES, derandomize=True)


CONFIG_TARGETS = ["fuzz_raw", "fuzz_mutated", "fuzz_structured"]
CSV_TARGETS = ["fuzz_raw", "fuzz_tables"]


@pytest.mark.parametrize("target", CONFIG_TARGETS)
def test_config_loader_fuzz(target, tmp_path, monkeypatch):
    harness = _load("fuzz_config")
    monkeypatch.setattr(harness, "WORK", tmp_path)
    before = dict(harness.STATS)
    (test,) = [t for t in _targets("fuzz_config") if t.__name__ == target]
    test()
    assert harness.STATS["examples"] - before["examples"] >= EXAMPLES // 2  # it really ran


@pytest.mark.parametrize("target", CSV_TARGETS)
def test_csv_reader_fuzz(target, tmp_path, monkeypatch):
    harness = _load("fuzz_csv")
    monkeypatch.setattr(harness, "WORK", tmp_path)
    before = dict(harness.STATS)
    (test,) = [t for t in _targets("fuzz_csv") if t.__name__ == target]
    test()
    assert harness.STATS["examples"] - before["examples"] >= EXAMPLES // 2


def test_the_differential_oracle_catches_a_reader_that_shifts_columns(tmp_path, monkeypatch):
    """The CSV oracle is not vacuous: a row with an extra field must not pass as valid."""
    harness = _load("fuzz_csv")
    monkeypatch.setattr(harness, "WORK", tmp_path)
    data = b"arm,converted,cost_usd\ncontrol,1,20\ntreatment,0,0,extra\n"
    records = [["control", "1", "20"], ["treatment", "0", "0", "extra"]]
    harness.check_table((data, records, True))  # refused, as it must be
    good = b"arm,converted,cost_usd\ncontrol,1,20\ntreatment,0,0\n"
    with pytest.raises(harness.Crash, match="oracle"):
        harness.check_table((good, [["control", "1", "20"], ["treatment", "1", "0"]], False))
