"""The daily batch: work only on days with something due, whatever the simulated span."""

from __future__ import annotations

import pytest

from sim.world.model import simulate


@pytest.mark.parametrize("stem", ["no_nurture", "newsletter"])
def test_empty_days_cost_nothing(scenario, strategy, stem):
    # One month of leads followed for 3,650 days (the longest window a config allows): a batch
    # a day would add 3,450 SimPy events over a 200-day window; skipping empty days adds at
    # most one batch per day with a send or a closing window.
    short = simulate(scenario(months=1, window_days=200), strategy(stem), seed=3)
    long = simulate(scenario(months=1, window_days=3_650), strategy(stem), seed=3)
    n = long.totals["leads"]
    assert n == short.totals["leads"] and long.totals["days_simulated"] > 3_650
    extra = long.totals["events"] - short.totals["events"]
    assert extra <= long.totals["emails_sent"] - short.totals["emails_sent"] + n
    assert extra < 3_450 / 2


def test_progress_still_reaches_the_end(scenario, strategy):
    seen: list[float] = []
    simulate(scenario(months=1, window_days=3_000), strategy("newsletter"), 2, progress=seen.append)
    assert seen == sorted(seen) and seen[-1] == 1.0 and len(seen) > 5
