"""A world run leaves the interpreter as it found it."""

from __future__ import annotations

import gc

import pytest

from sim.world.model import simulate


@pytest.mark.parametrize("enabled", [True, False])
def test_the_cyclic_collector_is_restored(scenario, strategy, enabled):
    # The run pauses the collector for speed; the caller's setting must survive it.
    was = gc.isenabled()
    try:
        gc.enable() if enabled else gc.disable()
        simulate(scenario(months=1), strategy("stage_nurture"), seed=1)
        assert gc.isenabled() is enabled
    finally:
        gc.enable() if was else gc.disable()
