"""The sales team as an M/M/c queue: waits must match Erlang C.

With leads arriving as a Poisson process (flat seasonality, no office-hours share: each
month's Poisson count spread uniformly over the month is a constant-rate Poisson process),
the team open around the clock, every lead called at once on arrival with a single attempt,
and exponential calls of the same mean whether reached or not, the sales team is exactly an
M/M/c queue with FIFO service (a ``simpy.Resource``). Erlang C then gives the probability a
call waits and the mean wait (calibration.md, "Models worth knowing").

Waits of successive calls are autocorrelated, so the per-call sample standard deviation
would understate the error. The standard error here comes from independent replications:
each seed is a separate world, and the spread of the per-world estimates across seeds gives
the SE of their mean. The queue starts empty; its relaxation time at this load is about
1 / (c mu (1 - sqrt(rho))^2) ~ 0.4 day against 61 days of arrivals, so the warm-up bias of
the world totals is under 1% (well below one SE); the per-lead check discards the first
5 days anyway.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim.config.scenario import DAYS_PER_MONTH
from sim.world.model import simulate

AGENTS = 3
CALL_MINUTES = 20.0
UTILISATION = 0.8
MU = 1440.0 / CALL_MINUTES  # calls per agent-day
LAM = UTILISATION * AGENTS * MU  # calls per day: 172.8
SEEDS = range(10)
WARM_UP_DAYS = 5.0


def erlang_c(c: int, a: float) -> float:
    """Probability an arrival waits in M/M/c with offered load ``a = lambda / mu`` < c."""
    if not 0 <= a < c:
        raise ValueError("needs 0 <= a < c")
    top = a**c / math.factorial(c) * c / (c - a)
    return top / (sum(a**k / math.factorial(k) for k in range(c)) + top)


def mean_wait(c: int, lam: float, mu: float) -> float:
    """Erlang C mean wait in queue, in the time unit of the rates."""
    return erlang_c(c, lam / mu) / (c * mu - lam)


def birth_death_p_wait(c: int, lam: float, mu: float, cap: int = 2000) -> float:
    """P(all c servers busy) from the M/M/c birth-death chain truncated at ``cap``."""
    log_p = [0.0]
    for n in range(1, cap):
        log_p.append(log_p[-1] + math.log(lam / (mu * min(n, c))))
    p = np.exp(np.array(log_p) - max(log_p))
    p /= p.sum()
    return float(p[c:].sum())


def test_erlang_c_against_textbook_values():
    # M/M/1: P(wait) = rho and Wq = rho / (mu - lambda).
    assert erlang_c(1, 0.7) == pytest.approx(0.7)
    assert mean_wait(1, 0.7, 1.0) == pytest.approx(0.7 / 0.3)
    # M/M/2: P(wait) = 2 rho^2 / (1 + rho) (e.g. Gross & Harris, Fundamentals of Queueing
    # Theory); rho = 0.5 gives 1/3.
    assert erlang_c(2, 1.0) == pytest.approx(1 / 3)
    assert erlang_c(2, 1.6) == pytest.approx(2 * 0.8**2 / 1.8)
    # Three agents, two erlangs offered: (8/6 * 3) / (1 + 2 + 2 + 4) = 4/9.
    assert erlang_c(3, 2.0) == pytest.approx(4 / 9)
    # And the stationary birth-death chain agrees at other loads.
    for c, a in [(3, 2.4), (5, 4.5), (10, 7.0)]:
        assert erlang_c(c, a) == pytest.approx(birth_death_p_wait(c, a, 1.0), rel=1e-9)
    with pytest.raises(ValueError):
        erlang_c(2, 2.0)


@pytest.fixture(scope="module")
def worlds(scenario_path, strategy_path):
    from sim.config import load_scenario, load_strategy

    scenario = load_scenario(
        scenario_path,
        {
            "months": 2,
            "leads_per_month": LAM * DAYS_PER_MONTH,
            "window_days": 5,
            "sources": [{"name": "all", "share": 1.0}],
            "sales.agents": AGENTS,
            "sales.open_hour": 0.0,
            "sales.close_hour": 24.0,
            "sales.workdays_per_week": 7,
            "sales.call_minutes_reached": CALL_MINUTES,
            "sales.call_minutes_unreached": CALL_MINUTES,
            "call_length": "exponential",
        },
    )
    strategy = load_strategy(
        strategy_path("fast_response"),
        {"sales.on_arrival.delay_hours": 0.0, "sales.on_arrival.max_attempts": 1},
    )
    assert not strategy.uses_email
    return scenario, [simulate(scenario, strategy, seed) for seed in SEEDS]


def _mean_and_se(values) -> tuple[float, float]:
    v = np.asarray(values, dtype=float)
    return float(v.mean()), float(v.std(ddof=1) / math.sqrt(len(v)))


@pytest.mark.slow
def test_every_lead_is_one_call(worlds):
    _, results = worlds
    for r in results:
        assert (r.leads.sales_attempts == 1).all()
        assert r.totals["sales_calls"] == len(r.leads)


@pytest.mark.slow
def test_world_totals_match_erlang_c(worlds):
    _, results = worlds
    p_exact = erlang_c(AGENTS, LAM / MU)
    w_exact = 24.0 * mean_wait(AGENTS, LAM, MU)  # hours
    p_sim, p_se = _mean_and_se([r.totals["sales_p_wait"] for r in results])
    w_sim, w_se = _mean_and_se([r.totals["sales_mean_wait_hours"] for r in results])
    assert abs(p_sim - p_exact) < 3 * p_se, (p_sim, p_exact, p_se)
    assert abs(w_sim - w_exact) < 3 * w_se, (w_sim, w_exact, w_se)
    # The checks are sharp enough to matter: one SE is a few percent of the value.
    assert p_se < 0.02 * p_exact and w_se < 0.06 * w_exact


@pytest.mark.slow
def test_per_lead_waits_match_erlang_c_after_warm_up(worlds):
    _, results = worlds
    theta = (AGENTS * MU - LAM) / 24.0  # per hour: P(W > t) = C exp(-theta t)
    c = erlang_c(AGENTS, LAM / MU)
    means, waited, tail = [], [], []
    for r in results:
        w = r.leads.loc[r.leads.arrived_day > WARM_UP_DAYS, "sales_wait_hours"].to_numpy()
        means.append(w.mean())
        waited.append(np.mean(w > 0))
        tail.append(np.mean(w > 0.5))
    for got, exact in [
        (means, c / theta),
        (waited, c),
        (tail, c * math.exp(-theta * 0.5)),
    ]:
        m, se = _mean_and_se(got)
        assert abs(m - exact) < 3 * se, (m, exact, se)


@pytest.mark.slow
def test_call_lengths_and_utilisation(worlds):
    scenario, results = worlds
    usd_per_minute = scenario.sales.labour_usd_per_hour / 60.0
    busy_minutes = np.array([r.leads.cost_sales_usd.sum() / usd_per_minute for r in results])
    calls = np.array([len(r.leads) for r in results])
    # Exponential call lengths: the mean of n calls has SE mean / sqrt(n).
    mean_minutes = busy_minutes.sum() / calls.sum()
    assert abs(mean_minutes - CALL_MINUTES) < 3 * CALL_MINUTES / math.sqrt(calls.sum())
    # Offered load: busy agent-time over agent-time of the arrival period is rho.
    days = scenario.total_days
    rho, se = _mean_and_se(busy_minutes / (AGENTS * days * 1440.0))
    assert abs(rho - UTILISATION) < 3 * se
