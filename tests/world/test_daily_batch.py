"""The daily batch: work only on days with something due, whatever the simulated span."""

from __future__ import annotations

import time

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


def test_a_long_window_runs_in_about_the_time_of_a_short_one(scenario, strategy):
    s = strategy("stage_nurture")
    start = time.perf_counter()
    simulate(scenario(months=1, window_days=180), s, seed=1)
    short = time.perf_counter() - start
    start = time.perf_counter()
    # Configs cap the window at ten years; the engine is checked far beyond that, since its
    # cost must not depend on the empty time at all.
    endless = scenario(months=1).model_copy(update={"window_days": 10_000_000.0})
    simulate(endless, s, seed=1)
    long = time.perf_counter() - start
    # Ten million empty days at even 1 µs each would be 10 s; the loose factor absorbs a busy
    # machine (both runs are a fraction of a second).
    assert long < 20 * short + 1.0


def test_progress_still_reaches_the_end(scenario, strategy):
    seen: list[float] = []
    simulate(scenario(months=1, window_days=3_000), strategy("newsletter"), 2, progress=seen.append)
    assert seen == sorted(seen) and seen[-1] == 1.0 and len(seen) > 5
