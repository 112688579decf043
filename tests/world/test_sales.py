"""The sales team: speed-to-lead decay, and one call process end to end in SimPy."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
import simpy

from sim.world.lead import BOOKED, DECISION, Lead
from sim.world.params import arm_params, world_params
from sim.world.sales import SalesTeam
from sim.world.streams import Draws


@pytest.fixture
def team(scenario):
    s = scenario()
    return SalesTeam(simpy.Environment(), s, world_params(s))


def test_reach_prob_decays_from_max_to_floor(team):
    # Default scenario: reach_max 0.71, floor 0.25, half-life 2 h.
    assert team.reach_prob(0.0) == pytest.approx(0.71)
    assert team.reach_prob(2 / 24) == pytest.approx(0.71 * (0.25 + 0.75 / 2))
    assert team.reach_prob(4 / 24) == pytest.approx(0.71 * (0.25 + 0.75 / 4))
    assert team.reach_prob(30.0) == pytest.approx(0.71 * 0.25, rel=1e-9)
    hours = np.linspace(0, 48, 97)
    probs = [team.reach_prob(h / 24) for h in hours]
    assert all(a > b for a, b in itertools.pairwise(probs))


def test_five_minutes_vs_thirty(team):
    # Speed to lead in the default calibration: a call 5 minutes after the trigger reaches
    # the lead ~1.5x as often as one after 30 minutes (contact odds, not qualification).
    ratio = team.reach_prob(5 / 1440) / team.reach_prob(30 / 1440)
    expected = (0.25 + 0.75 * 2 ** (-5 / 120)) / (0.25 + 0.75 * 2 ** (-30 / 120))
    assert ratio == pytest.approx(expected)


def _draws(*values):
    return Draws(np.array(values, dtype=float), np.random.SeedSequence(0), 0, 0)


def test_a_call_at_decision_reaches_and_books(scenario, strategy):
    # Sales open 24/7 and called at once (delay 0): draws are reach (0.1 < 0.71), call length,
    # then book (0.2 < book_prob_decision 0.6).
    s = scenario(**{"sales.open_hour": 0.0, "sales.close_hour": 24.0,
                    "sales.workdays_per_week": 7})  # fmt: skip
    p = world_params(s)
    env = simpy.Environment()
    team = SalesTeam(env, s, p)
    arm = arm_params(0, strategy("fast_response", **{"sales.on_arrival.delay_hours": 0.0}))
    lead = Lead(0, arm, 0, 0.0, DECISION, 1.0, 1.0, _draws(0.999999), p)
    env.process(team.call(lead, 0.0, arm.on_arrival, arm, _draws(0.1, 0.5, 0.2, 0.5)))
    env.run()
    assert lead.attempts == 1 and lead.reached == 1
    assert lead.state == BOOKED and lead.booked_t == 0.0
    length = -s.sales.call_minutes_reached / 1440 * math.log1p(-0.5)
    assert env.now == pytest.approx(length)
    assert lead.sales_usd == pytest.approx(length * 24 * s.sales.labour_usd_per_hour)
    assert lead.first_call_t == 0.0 and lead.wait == 0.0
    assert team.calls == 1 and team.waited == 0


def test_unreached_calls_retry_until_max_attempts(scenario, strategy):
    s = scenario(**{"sales.open_hour": 0.0, "sales.close_hour": 24.0,
                    "sales.workdays_per_week": 7})  # fmt: skip
    p = world_params(s)
    env = simpy.Environment()
    team = SalesTeam(env, s, p)
    plan = {"sales.on_arrival.delay_hours": 0.0, "sales.on_arrival.max_attempts": 3,
            "sales.on_arrival.give_up_prob": 0.0}  # fmt: skip
    arm = arm_params(0, strategy("fast_response", **plan))
    lead = Lead(0, arm, 0, 0.0, 1, 1.0, 1.0, _draws(0.999999), p)
    # Three unanswered attempts (0.99 > reach), each followed by a call-length draw.
    env.process(team.call(lead, 0.0, arm.on_arrival, arm, _draws(0.99, 0.5, 0.99, 0.5, 0.99, 0.5)))
    env.run()
    assert lead.attempts == 3 and lead.reached == 0
    # Retries are retry_hours (24 h) apart after the previous attempt ended.
    assert env.now > 2.0


def test_calls_wait_for_working_hours(scenario, strategy):
    s = scenario()  # Monday-Friday 08:00-18:00
    p = world_params(s)
    env = simpy.Environment()
    team = SalesTeam(env, s, p)
    arm = arm_params(0, strategy("fast_response", **{"sales.on_arrival.delay_hours": 0.0}))
    friday_night = 4 + 20 / 24
    lead = Lead(0, arm, 0, friday_night, 1, 1.0, 1.0, _draws(0.999999), p)
    env.process(team.call(lead, friday_night, arm.on_arrival, arm, _draws(0.99, 0.5, 0.99)))
    env.run(until=friday_night)
    env.run()
    assert lead.first_call_t == pytest.approx(7 + 8 / 24)  # Monday 08:00
    # Reach decayed over the weekend's 60 hours towards the floor.
    assert team.reach_prob(lead.first_call_t - friday_night) < 0.71 * 0.26
