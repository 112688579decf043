"""The sales team with office hours and follow-up attempts, against Ciw.

Erlang C checks the queue open around the clock with one attempt per lead; here the same
desk runs as the default practice does: agents work 08:00-18:00 Monday to Friday, a call in
progress at closing time is finished and queued calls wait for the next opening, and a lead
not reached is tried again ``retry_hours`` after the attempt ended, up to ``max_attempts``,
unless the desk gives up on it (``give_up_prob``). Ciw, an independent discrete-event
engine, runs the same system:

- node 1, the desk: the agents on a weekly ``ciw.Schedule`` without pre-emption (servers going
  off shift finish their customer), first come first served;
- node 2, the wait before a retry: infinitely many servers, each a deterministic
  ``retry_hours``;
- customer classes ``(attempt k, reached or not)``: whether an attempt reaches the lead is a
  coin of ``reach_max_prob`` (``reach_floor_share = 1`` keeps it flat, independent of the
  delay), fixed as the class on joining the desk, so a reached call has the reached length;
  a lead arrives as attempt 0 (two Poisson streams thinned by the coin), leaves when reached,
  at the last attempt or by giving up, and otherwise passes node 2, whose class change draws
  the next attempt's coin.

Leads arrive around the clock as a Poisson process over the arrival months (arrivals stop at
the same time in both), every lead is called at once (no response delay), no email, and no
lead books on its own (advance hazards 0), so nothing but the desk ends a lead's attempts.
The world measures a call's wait from the moment it joins the queue — an attempt outside
working hours joins at the next opening — so Ciw's waits are taken from the same moment.

Mean wait, the share of calls that wait, and calls per hour of the arrival period are compared
per replication: independent worlds (seeds) and independent Ciw runs give each engine's mean
and its standard error; they must agree within 3 standard errors of the difference.
"""

from __future__ import annotations

import math
import random

import numpy as np
import pytest

from sim.config.scenario import DAYS_PER_MONTH
from sim.world.calendar import WorkingHours
from sim.world.model import simulate

ciw = pytest.importorskip("ciw")

AGENTS = 2
OPEN, CLOSE, WORKDAYS = 8.0, 18.0, 5
LEADS_PER_DAY = 53.0  # about 75% of the agents' office time busy
MONTHS = 1
REACH = 0.5
GIVE_UP = 0.25
ATTEMPTS = 3
RETRY_HOURS = 3.0
MINUTES_REACHED, MINUTES_UNREACHED = 12.0, 4.0
REPLICATIONS = 10


@pytest.fixture(scope="module")
def world_runs(scenario_path, strategy_path):
    from sim.config import load_scenario, load_strategy

    no_advance = {f"journey.{s}.advance_per_day": 0.0
                  for s in ("awareness", "consideration", "decision")}  # fmt: skip
    scenario = load_scenario(
        scenario_path,
        {
            "months": MONTHS,
            "leads_per_month": LEADS_PER_DAY * DAYS_PER_MONTH,
            "seasonality": [1.0],
            "window_days": 30,
            "sources": [{"name": "all", "share": 1.0}],
            "sales.agents": AGENTS,
            "sales.open_hour": OPEN,
            "sales.close_hour": CLOSE,
            "sales.workdays_per_week": WORKDAYS,
            "sales.reach_max_prob": REACH,
            "sales.reach_floor_share": 1.0,
            "sales.call_minutes_reached": MINUTES_REACHED,
            "sales.call_minutes_unreached": MINUTES_UNREACHED,
            "call_length": "exponential",
            **no_advance,
        },
    )
    strategy = load_strategy(
        strategy_path("fast_response"),
        {
            "sales.on_arrival.delay_hours": 0.0,
            "sales.on_arrival.max_attempts": ATTEMPTS,
            "sales.on_arrival.give_up_prob": GIVE_UP,
            "sales.on_arrival.retry_hours": RETRY_HOURS,
        },
    )
    assert not strategy.uses_email and not strategy.sales.on_handoff.enabled
    hours = scenario.total_days * 24.0
    out = []
    for seed in range(REPLICATIONS):
        t = simulate(scenario, strategy, seed).totals
        out.append((t["sales_mean_wait_hours"], t["sales_p_wait"], t["sales_calls"] / hours))
    return scenario, np.array(out)


def _schedule() -> ciw.Schedule:
    """The week in hours from Monday 00:00: no agent, then AGENTS while open, per workday."""
    servers, ends = [], []
    for day in range(WORKDAYS):
        servers += [0, AGENTS]
        ends += [24.0 * day + OPEN, 24.0 * day + CLOSE]
    servers.append(0)
    ends.append(168.0)
    return ciw.Schedule(numbers_of_servers=servers, shift_end_dates=ends, preemption=False)


class _PoissonUntil(ciw.dists.Distribution):
    """Poisson arrivals that stop at ``until`` (the end of the arrival months)."""

    def __init__(self, rate: float, until: float) -> None:
        self.rate, self.until = rate, until

    def sample(self, t=None, ind=None):
        gap = random.expovariate(self.rate)
        return gap if t + gap < self.until else math.inf


def _ciw_network(arrival_hours: float):
    names = [f"{k}{r}" for k in range(ATTEMPTS) for r in "ru"]  # attempt k, reached or not
    per_hour = LEADS_PER_DAY / 24.0
    arrivals = {n: [None, None] for n in names}
    arrivals["0r"] = [_PoissonUntil(per_hour * REACH, arrival_hours), None]
    arrivals["0u"] = [_PoissonUntil(per_hour * (1 - REACH), arrival_hours), None]
    retry = ciw.dists.Deterministic(RETRY_HOURS)
    service = {}
    for n in names:
        minutes = MINUTES_REACHED if n.endswith("r") else MINUTES_UNREACHED
        service[n] = [ciw.dists.Exponential(60.0 / minutes), retry]
    routing = {}
    for n in names:
        k = int(n[:-1])
        again = 0.0 if n.endswith("r") or k == ATTEMPTS - 1 else 1.0 - GIVE_UP
        routing[n] = [[0.0, again], [1.0, 0.0]]
    # After the retry wait (node 2) the next attempt's coin: reached or not.
    change = {n: {m: 0.0 for m in names} for n in names}
    for k in range(ATTEMPTS - 1):
        for r in "ru":
            change[f"{k}{r}"][f"{k + 1}r"] = REACH
            change[f"{k}{r}"][f"{k + 1}u"] = 1.0 - REACH
    for r in "ru":
        change[f"{ATTEMPTS - 1}{r}"][f"{ATTEMPTS - 1}{r}"] = 1.0  # never reaches node 2
    return ciw.create_network(
        arrival_distributions=arrivals,
        service_distributions=service,
        number_of_servers=[_schedule(), math.inf],
        routing=routing,
        class_change_matrices=[{n: {m: float(n == m) for m in names} for n in names}, change],
    )


@pytest.fixture(scope="module")
def ciw_runs(world_runs):
    scenario, _ = world_runs
    hours = WorkingHours(OPEN, CLOSE, WORKDAYS)
    arrival_hours = scenario.total_days * 24.0
    out = []
    for seed in range(REPLICATIONS):
        ciw.seed(1000 + seed)
        sim = ciw.Simulation(_ciw_network(arrival_hours))
        sim.simulate_until_max_time(arrival_hours + 24.0 * 14)  # every lead done by then
        calls = [r for r in sim.get_all_records() if r.node == 1]
        # The world's wait starts when the call joins the queue: at the next opening.
        joined = np.array([24.0 * hours.next_open(r.arrival_date / 24.0) for r in calls])
        start = np.array([r.service_start_date for r in calls])
        wait = np.maximum(start - joined, 0.0)
        out.append((wait.mean(), np.mean(wait > 1e-7), len(calls) / arrival_hours))
    return np.array(out)


def _mean_se(x: np.ndarray) -> tuple[float, float]:
    return float(x.mean()), float(x.std(ddof=1) / math.sqrt(len(x)))


@pytest.mark.slow
@pytest.mark.parametrize("k, what", [(0, "mean wait (h)"), (1, "P(wait)"), (2, "calls per hour")])
def test_desk_with_office_hours_and_retries_agrees_with_ciw(world_runs, ciw_runs, k, what):
    _, world = world_runs
    w, w_se = _mean_se(world[:, k])
    c, c_se = _mean_se(ciw_runs[:, k])
    se = math.hypot(w_se, c_se)
    assert abs(w - c) < 3 * se, (what, w, c, se)
    # Sharp enough to mean something: the difference's SE is a few percent of the value.
    assert se < 0.06 * c, (what, se, c)


@pytest.mark.slow
def test_the_desk_is_busy_enough_to_queue_overnight(world_runs, ciw_runs):
    # The comparison only tests the closing-time rule if calls do queue across closing time:
    # waits of hours, not minutes, and most calls waiting.
    _, world = world_runs
    assert world[:, 0].mean() > 1.0 and world[:, 1].mean() > 0.5
