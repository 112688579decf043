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
    # The agent is busy until the call ends; nothing else is scheduled for it.
    assert max(team.free_at) == pytest.approx(length) and min(team.free_at) == 0.0
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


def _one_agent_desk(scenario, strategy, **overrides):
    s = scenario(**{"sales.agents": 1, "call_length": "fixed",
                    "sales.call_minutes_unreached": 30.0, **overrides})  # fmt: skip
    p = world_params(s)
    env = simpy.Environment()
    team = SalesTeam(env, s, p)
    plan = {"sales.on_arrival.delay_hours": 0.0, "sales.on_arrival.max_attempts": 1}
    arm = arm_params(0, strategy("fast_response", **plan))
    return s, p, env, team, arm


def test_a_call_queued_at_closing_time_waits_for_the_next_opening(scenario, strategy):
    # One agent, office 08:00-18:00. A's call starts Monday 17:50 and lasts 30 minutes (it is
    # finished after closing); B's, queued at 17:55, starts Tuesday 08:00, not at 18:20: calls
    # wait for office hours.
    _, p, env, team, arm = _one_agent_desk(scenario, strategy)
    a_t, b_t = 17 / 24 + 50 / 1440, 17 / 24 + 55 / 1440
    a = Lead(0, arm, 0, a_t, 1, 1.0, 1.0, _draws(0.999999), p)
    b = Lead(1, arm, 0, b_t, 1, 1.0, 1.0, _draws(0.999999), p)
    env.process(team.call(a, a_t, arm.on_arrival, arm, _draws(0.99)))  # 0.99: not reached
    env.run(until=b_t)
    env.process(team.call(b, b_t, arm.on_arrival, arm, _draws(0.99)))
    env.run()
    assert a.first_call_t == pytest.approx(a_t) and a.wait == 0.0
    assert team.free_at[0] == pytest.approx(1 + 8 / 24 + 30 / 1440)  # B's call ended
    assert b.first_call_t == pytest.approx(1 + 8 / 24)
    assert b.wait == pytest.approx(1 + 8 / 24 - b_t)
    assert a.sales_usd == pytest.approx(b.sales_usd)  # both calls run their full length
    assert team.calls == 2 and team.waited == 1


def test_a_queued_call_whose_window_closes_first_takes_no_agent(scenario, strategy):
    _, p, env, team, arm = _one_agent_desk(scenario, strategy, window_days=0.5)
    a_t, b_t = 17 / 24 + 50 / 1440, 17 / 24 + 55 / 1440
    a = Lead(0, arm, 0, a_t, 1, 1.0, 1.0, _draws(0.999999), p)
    b = Lead(1, arm, 0, b_t, 1, 1.0, 1.0, _draws(0.999999), p)
    env.process(team.call(a, a_t, arm.on_arrival, arm, _draws(0.99)))
    env.run(until=b_t)
    env.process(team.call(b, b_t, arm.on_arrival, arm, _draws(0.99)))
    env.run()
    # B's window ends at 05:55 on Tuesday, before the office opens: no attempt, no cost.
    assert b.attempts == 0 and b.sales_usd == 0.0 and b.first_call_t == math.inf
    assert team.free_at == [pytest.approx(a_t + 30 / 1440)] and team.calls == 1
