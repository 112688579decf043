"""docs/config-reference.md is generated from the models and must match them."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from sim.config.fields import _spec
from sim.config.reference import field_comments, sections
from sim.config.scenario import Scenario
from sim.config.space import SpaceFile
from sim.config.strategy import Strategy

ROOT = Path(__file__).resolve().parents[2]


def _generator():
    spec = importlib.util.spec_from_file_location("mkref", ROOT / "docs/make_config_reference.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_config_reference_is_up_to_date():
    expected = _generator().text()
    actual = (ROOT / "docs/config-reference.md").read_text()
    assert actual == expected, "run: .venv/bin/python docs/make_config_reference.py"


@pytest.mark.parametrize("model", [Scenario, Strategy, SpaceFile])
def test_every_key_says_what_it_means(model):
    # Tables are described by their own section; every other key by its comment.
    missing = [
        f"{key}.{name}" if key else name
        for key, sub in sections(model)
        for name, info in sub.model_fields.items()
        if name not in field_comments(sub)
        and not (_spec(name, info.annotation, info).kind == "table" and info.default is not None)
    ]
    assert missing == []
