"""The daily batch: work only on days with something due, whatever the simulated span."""

from __future__ import annotations

import pytest

from sim.world.model import simulate


@pytest.mark.parametrize("stem", ["no_nurture", "newsletter"])
def test_empty_days_cost_nothing(scenario, strategy, stem):
    # One month of leads followed for 20,000 days: a batch a day would be 20,000 SimPy
    # events and as many loop turns; skipping empty days leaves the events to the leads.
    short = simulate(scenario(months=1, window_days=200), strategy(stem), seed=3)
    long = simulate(scenario(months=1, window_days=20_000), strategy(stem), seed=3)
    assert long.totals["leads"] == short.totals["leads"]
    assert long.totals["days_simulated"] > 20_000
    # A lead's email stops by its cap or unsubscribing, and each lead adds at most one arrival,
    # one closing and its sends (bounded by max_emails) as days with work.
    n = long.totals["leads"]
    cap = strategy(stem).email.max_emails if strategy(stem).uses_email else 0
    assert long.totals["events"] < short.totals["events"] + n * (cap + 2)


def test_progress_still_reaches_the_end(scenario, strategy):
    seen: list[float] = []
    simulate(scenario(months=1, window_days=3_000), strategy("newsletter"), 2, progress=seen.append)
    assert seen == sorted(seen) and seen[-1] == 1.0 and len(seen) > 5
