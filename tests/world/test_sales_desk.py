"""The sales desk log by hour of the week: it accounts for every call the world placed."""

from __future__ import annotations

import numpy as np
import pytest

from sim.config import load_scenario, load_strategy
from sim.world.model import simulate
from sim.world.sales import DESK_KEYS, HOURS_PER_WEEK

SCENARIO = "configs/scenarios/medical_practice.toml"


@pytest.fixture(scope="module")
def world():
    # Fixed call lengths, so the busy agent-hours are known exactly from the attempt counts.
    s = load_scenario(SCENARIO, {"months": 2, "call_length": "fixed"})
    return s, simulate(s, load_strategy("configs/strategies/fast_response.toml"), seed=3)


def test_desk_counts_are_consistent_with_the_calls(world):
    s, r = world
    d = {k: np.asarray(r.sales_desk[k]) for k in (*DESK_KEYS, "agent_hours")}
    assert all(len(v) == HOURS_PER_WEEK for v in d.values())
    # Only attempts placed while leads arrive are logged; the run-down after them is not.
    assert 0 < d["attempts"].sum() <= r.totals["sales_calls"]
    assert np.all(d["unanswered"] <= d["attempts"])
    reached = d["attempts"].sum() - d["unanswered"].sum()
    busy = (reached * s.sales.call_minutes_reached
            + d["unanswered"].sum() * s.sales.call_minutes_unreached) / 60  # fmt: skip
    assert d["busy_hours"].sum() == pytest.approx(busy, rel=1e-9)
    assert np.all(d["busy_hours"] <= d["agent_hours"] + 1e-9)
    # Capacity: agents x every hour of the arrival period.
    assert d["agent_hours"].sum() == pytest.approx(s.sales.agents * 24 * s.total_days)


def test_no_call_starts_while_the_desk_is_closed(world):
    s, r = world
    attempts = np.asarray(r.sales_desk["attempts"]).reshape(7, 24)  # Monday first
    hours = np.arange(24)
    closed = (hours < s.sales.open_hour) | (hours >= s.sales.close_hour)
    assert attempts[:, closed].sum() == 0
    assert attempts[s.sales.workdays_per_week :, :].sum() == 0
    assert attempts[: s.sales.workdays_per_week, ~closed].sum() == attempts.sum()
