"""Invariants of the per-lead table and of reproducibility, for every shipped strategy.

Whatever the strategy: every lead ends in exactly one final state consistent with its other
columns, costs add up, a conversion is a booking, times stay inside the lead's window, the
same seed gives the same table, identical strategies give identical per-lead outcomes
(common random numbers), and a split world allocates leads by its weights.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from sim.config.scenario import DAYS_PER_MONTH
from sim.world.model import Arm, simulate
from sim.world.records import FINAL_STATES, LEAD_COLUMNS, STAGES

STRATEGIES = ("no_nurture", "stage_nurture", "hard_sell", "fast_response", "newsletter")
OUTCOMES = [c for c in LEAD_COLUMNS if c not in ("arm", "cost_fixed_usd", "cost_total_usd")]


@pytest.fixture(scope="module")
def worlds(scenario_path, strategy_path):
    from sim.config import load_scenario, load_strategy

    s = load_scenario(scenario_path, {"months": 4})
    out = {}
    for name in STRATEGIES:
        st = load_strategy(strategy_path(name))
        out[name] = (s, st, simulate(s, st, seed=7))
    return out


@pytest.fixture(params=STRATEGIES)
def world(request, worlds):
    return worlds[request.param]


def test_columns_are_the_documented_ones(world):
    _, _, r = world
    leads = r.leads
    assert list(leads.columns) == list(LEAD_COLUMNS)
    for name, col in LEAD_COLUMNS.items():
        kind = leads[name].dtype.kind
        assert kind == {"int64": "i", "float64": "f", "bool": "b", "str": "O"}[col.dtype], name
    assert (leads.lead_id.to_numpy() == np.arange(len(leads))).all()
    assert r.totals["leads"] == len(leads) > 300


def test_exactly_one_consistent_final_state(world):
    _, _, r = world
    d = r.leads
    assert d.final_state.isin(FINAL_STATES).all()
    patient = d.final_state == "patient"
    lost = d.final_state == "lost"
    assert (patient == d.converted).all()
    assert (lost == d.days_to_lost.notna()).all()
    unsub = d.final_state == "unsubscribed"
    assert (d.unsubscribed[unsub]).all()
    # Priority: patient, lost, unsubscribed, dormant / active.
    assert not d.unsubscribed[d.final_state.isin(["dormant", "active"])].any()
    assert (d.final_state[d.unsubscribed & ~patient & ~lost] == "unsubscribed").all()


def test_bookings_and_conversions(world):
    _, _, r = world
    d = r.leads
    assert d.booked.sum() >= d.converted.sum()
    assert (d.booked[d.converted]).all()
    assert (d.booked == d.days_to_book.notna()).all()
    assert (d.converted == d.days_to_convert.notna()).all()
    both = d[d.converted]
    assert (both.days_to_book <= both.days_to_convert).all()
    assert (d.max_stage[d.booked] == "decision").all()
    order = {s: i for i, s in enumerate(STAGES)}
    assert (d.max_stage.map(order) >= d.initial_stage.map(order)).all()


def test_times_within_the_window(world):
    s, _, r = world
    d = r.leads
    assert d.arrived_day.between(0, s.months * DAYS_PER_MONTH).all()
    for col in ("days_to_book", "days_to_convert", "days_to_lost", "days_to_unsubscribe"):
        v = d[col].dropna()
        assert v.between(0, s.window_days).all(), col
    hours = d.first_response_hours.dropna()
    assert hours.between(0, 24 * s.window_days).all()
    assert (d.sales_wait_hours >= 0).all()


def test_counters_are_ordered(world):
    _, st, r = world
    d = r.leads
    assert (d.emails_clicked <= d.emails_opened).all()
    assert (d.emails_opened <= d.emails_delivered).all()
    assert (d.emails_delivered <= d.emails_sent).all()
    assert (d.emails_sent <= st.email.max_emails).all()
    assert (d.sales_reached <= d.sales_attempts).all()
    assert (d.unsubscribed[d.complained]).all()  # a complaint also stops email
    if not st.uses_email:
        assert (d.emails_sent == 0).all() and not d.unsubscribed.any()
    assert r.totals["emails_sent"] == d.emails_sent.sum()
    assert r.totals["sales_calls"] == d.sales_attempts.sum()
    assert d.first_response_hours.notna().sum() == (d.sales_attempts > 0).sum()


def test_costs_add_up(world):
    s, st, r = world
    d = r.leads
    parts = d.cost_acquisition_usd + d.cost_email_usd + d.cost_sales_usd + d.cost_fixed_usd
    np.testing.assert_allclose(d.cost_total_usd, parts, rtol=1e-12)
    np.testing.assert_allclose(d.cost_email_usd, d.emails_sent * s.costs.email_usd)
    per_source = {src.name: s.lead_cost_usd(src) for src in s.sources}
    np.testing.assert_array_equal(d.cost_acquisition_usd, d.source.map(per_source))
    fees = st.fees.platform_usd_per_month + st.fees.content_usd_per_month
    assert d.cost_fixed_usd.sum() == pytest.approx(fees * s.months)
    assert r.totals["fixed_cost_usd"] == pytest.approx(fees * s.months)
    assert (d.cost_sales_usd[d.sales_attempts == 0] == 0).all()
    assert (d.cost_sales_usd[d.sales_attempts > 0] > 0).all()


def test_same_seed_same_table_other_seed_other_table(scenario, strategy):
    s, st = scenario(months=2), strategy("stage_nurture")
    a = simulate(s, st, seed=3).leads
    pd.testing.assert_frame_equal(a, simulate(s, st, seed=3).leads)
    pd.testing.assert_frame_equal(a, simulate(s, st, seed=np.random.SeedSequence(3)).leads)
    b = simulate(s, st, seed=4).leads
    assert len(a) != len(b) or not a.equals(b)
    assert not np.array_equal(a.arrived_day[:50], b.arrived_day[:50])


def test_identical_strategies_give_identical_per_lead_outcomes(scenario, strategy):
    s = scenario(months=3)
    one = simulate(s, strategy("stage_nurture"), seed=11).leads
    twin = simulate(s, strategy("stage_nurture", name="twin"), seed=11).leads
    assert set(twin.arm) == {"twin"}
    pd.testing.assert_frame_equal(one[OUTCOMES], twin[OUTCOMES])


def test_leads_are_the_same_under_every_strategy(worlds):
    # Arrivals and traits are exogenous: the same seed gives the same leads in every arm.
    exogenous = ["lead_id", "source", "arrived_day", "initial_stage", "intent", "email_affinity"]
    base = worlds["no_nurture"][2].leads[exogenous]
    for name in STRATEGIES[1:]:
        pd.testing.assert_frame_equal(base, worlds[name][2].leads[exogenous])
    # ...while outcomes do differ.
    assert not worlds["no_nurture"][2].leads.converted.equals(
        worlds["stage_nurture"][2].leads.converted
    )


def test_split_world_allocates_by_weight(scenario, strategy):
    s = scenario(months=2, leads_per_month=1500)
    arms = [Arm("control", strategy("no_nurture"), 1.0), Arm("treat", strategy("newsletter"), 3.0)]
    r = simulate(s, arms, seed=5)
    d = r.leads
    n = len(d)
    share = (d.arm == "treat").mean()
    # Binomial SE of the share with p = 0.75.
    assert abs(share - 0.75) < 3 * math.sqrt(0.75 * 0.25 / n)
    assert set(d.arm) == {"control", "treat"}
    assert (d.emails_sent[d.arm == "control"] == 0).all()
    assert (d.emails_sent[d.arm == "treat"] > 0).mean() > 0.9
    # Fixed fees: the arm's fees x months x its weight, spread over its leads.
    fees = 100.0  # newsletter: platform 50 + content 50 a month
    treat_fixed = d.cost_fixed_usd[d.arm == "treat"]
    assert treat_fixed.sum() == pytest.approx(fees * s.months * 0.75)
    assert treat_fixed.nunique() == 1
    assert r.totals["fixed_cost_usd[treat]"] == pytest.approx(fees * s.months * 0.75)
    assert (d.cost_fixed_usd[d.arm == "control"] == 0).all()
    # Assignment depends only on the seed and the lead: other strategies, same weights,
    # same allocation.
    other = [Arm("control", strategy("hard_sell"), 1.0), Arm("treat", strategy("no_nurture"), 3.0)]
    pd.testing.assert_series_equal(d.arm, simulate(s, other, seed=5).leads.arm)


def test_split_world_with_a_zero_weight_arm(scenario, strategy):
    arms = [Arm("a", strategy("no_nurture"), 1.0), Arm("b", strategy("newsletter"), 0.0)]
    d = simulate(scenario(months=1), arms, seed=1).leads
    assert set(d.arm) == {"a"}


def test_bad_arms_are_refused(scenario, strategy):
    st = strategy("no_nurture")
    with pytest.raises(ValueError, match="unique"):
        simulate(scenario(months=1), [Arm("a", st), Arm("a", st)], seed=1)
    with pytest.raises(ValueError, match="weights"):
        simulate(scenario(months=1), [Arm("a", st, 0.0)], seed=1)
    with pytest.raises(ValueError, match="at least one arm"):
        simulate(scenario(months=1), [], seed=1)


def test_split_aa_test_keeps_the_arm_names(scenario, strategy):
    # One strategy under two arm names (an A/A test): the table tells the arms apart.
    st = strategy("stage_nurture")
    d = simulate(scenario(months=2), [Arm("a", st), Arm("b", st)], seed=2).leads
    assert set(d.arm) == {"a", "b"}
    assert abs((d.arm == "a").mean() - 0.5) < 3 * math.sqrt(0.25 / len(d))
