"""Helpers shared by the sub-commands: JSON output, progress bars, paths."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from tqdm import tqdm

from sim.experiment.jsonable import to_jsonable

__all__ = ["fraction_updater", "print_json", "progress_bar", "to_jsonable"]


def print_json(obj: Any) -> None:
    print(json.dumps(to_jsonable(obj), indent=2, sort_keys=False, allow_nan=False))


@contextmanager
def progress_bar(desc: str, total: float = 1.0, unit: str = "") -> Iterator[tqdm]:
    """A tqdm bar on stderr, silent when stderr is not a terminal (CI, pipes)."""
    bar = tqdm(
        total=total,
        desc=desc,
        unit=unit,
        disable=not sys.stderr.isatty(),
        leave=False,
        bar_format="{l_bar}{bar}| {elapsed}<{remaining}",
    )
    try:
        yield bar
    finally:
        bar.close()


def fraction_updater(bar: tqdm):
    """A callback taking a fraction done in [0, 1] and moving ``bar`` (total 1)."""

    def update(fraction: float) -> None:
        bar.n = round(fraction, 4)
        bar.refresh()

    return update
