"""Invariants that hold for every valid scenario and strategy, checked with hypothesis.

Scenarios and strategies are drawn over the config models' own fields within their valid
ranges (small worlds: 1-2 months of 5-60 leads, so an example runs in milliseconds). The
properties are exact, not statistical: each must hold in every world, so one counterexample
is a bug. Runs are reproducible (``derandomize=True``, no example database).

The queueing property deserves a word. Adding a sales agent cannot make any lead wait longer
*pathwise* when (i) calls join the queue at the same times whatever the number of agents, (ii)
the queue is first come, first served, and (iii) each call's length belongs to the lead (it is
drawn from the lead's own sales stream, not from a shared one). Then the waits follow the
Kiefer-Wolfowitz workload recursion, and the sorted workload vector with c + 1 agents is
componentwise no larger than with c (by induction: the next call waits the smallest workload,
adding its service keeps the order, and an extra server only lowers order statistics). In the
world, (ii) holds for the desk (a heap of the agents' free times, taken in the order calls
join); (iii) holds because ``SalesTeam.call`` draws the call length from the lead's ``Draws``
(sim/world/sales.py); (i) needs calls that change nothing downstream: nobody is reached
(``reach_max_prob = 0``), one attempt (a retry would be timed from the end of the previous
call, which depends on the queue), no email (no hand-off calls). Under those conditions the
test checks every lead's wait, not just the mean.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.config import Scenario, Strategy
from sim.config.strategy import CONTENT_KINDS
from sim.experiment.experiment import Experiment
from sim.experiment.single import summarize_leads
from sim.world.model import Arm, simulate
from sim.world.records import FINAL_STATES, LEAD_COLUMNS

PROPERTY = settings(
    max_examples=100,
    deadline=None,  # worlds vary in size; the examples are small anyway
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

prob = st.floats(0.0, 1.0)
rate = st.floats(0.0, 0.2)
money = st.floats(0.0, 100.0)


def _normalised(weights: list[float]) -> list[float]:
    total = sum(weights)
    return [w / total for w in weights]


def stage_mix() -> st.SearchStrategy[dict[str, float]]:
    return (
        st.tuples(*(st.floats(0.01, 1.0) for _ in range(3)))
        .map(_normalised)
        .map(lambda w: dict(zip(("awareness", "consideration", "decision"), w, strict=True)))
    )


def source() -> st.SearchStrategy[dict]:
    return st.fixed_dictionaries(
        {
            "weight": st.floats(0.05, 1.0),  # becomes the share once the list is drawn
            "cost_per_lead_usd": money,
            "initial_stage": stage_mix(),
            "intent_shape": st.floats(0.2, 10.0),
            "office_hours_share": st.none() | prob,
        }
    )


def sources() -> st.SearchStrategy[list[dict]]:
    def finish(items: list[dict]) -> list[dict]:
        shares = _normalised([s.pop("weight") for s in items])
        return [
            s | {"name": f"source{i}", "share": w}
            for i, (s, w) in enumerate(zip(items, shares, strict=True))
        ]

    return st.lists(source(), min_size=1, max_size=3).map(finish)


def hazards() -> st.SearchStrategy[dict]:
    return st.fixed_dictionaries(
        {"advance_per_day": rate, "drop_per_day": rate, "lost_share": prob}
    )


def sales_team() -> st.SearchStrategy[dict]:
    hours = st.tuples(st.floats(0.0, 20.0), st.floats(1.0, 24.0)).map(
        lambda oc: (oc[0], min(24.0, oc[0] + oc[1]))
    )
    return st.builds(
        lambda oc, rest: {"open_hour": oc[0], "close_hour": oc[1], **rest},
        hours,
        st.fixed_dictionaries(
            {
                "agents": st.integers(1, 4),
                "workdays_per_week": st.integers(1, 7),
                "call_minutes_reached": st.floats(0.5, 60.0),
                "call_minutes_unreached": st.floats(0.5, 20.0),
                "labour_usd_per_hour": money,
                "reach_max_prob": prob,
                "reach_floor_share": prob,
                "reach_half_life_hours": st.floats(0.1, 48.0),
                "book_prob_decision": prob,
                "book_prob_consideration": prob,
                "push_away_lost_share": prob,
                "revive_prob_dormant": prob,
                "pushy_push_away_prob_awareness": prob,
            }
        ),
    )


def scenarios(**fixed) -> st.SearchStrategy[Scenario]:
    """Valid scenarios over the model's fields; ``fixed`` replaces whole sections or values."""
    fields = {
        "months": st.integers(1, 2),
        "leads_per_month": st.floats(5.0, 60.0),
        "window_days": st.floats(3.0, 60.0),
        "seasonality": st.lists(st.floats(0.5, 1.5), min_size=1, max_size=3),
        "send_hour": st.floats(0.0, 23.9),
        "call_length": st.sampled_from(["exponential", "fixed"]),
        "sources": sources(),
        "journey": st.fixed_dictionaries(
            {
                "awareness": hazards(),
                "consideration": hazards(),
                "decision": hazards(),
                "revive_per_day": rate,
                "dormant_lost_per_day": rate,
            }
        ),
        "email": st.fixed_dictionaries(
            {
                "delivery_prob": prob,
                "open_prob": prob,
                "click_given_open_prob": prob,
                "unsubscribe_prob": st.floats(0.0, 0.2),
                "complaint_prob": st.floats(0.0, 0.05),
                "booking_click_given_open_prob": prob,
                "booking_click_book_prob": prob,
                "unsubscribe_fatigue": st.floats(0.0, 3.0),
                "open_fatigue": st.floats(0.0, 3.0),
            }
        ),
        "content": st.fixed_dictionaries(
            {
                "match_advance_prob": prob,
                "match_advance_clicked_prob": prob,
                "match_revive_prob": prob,
                "hard_sell_push_away_prob": prob,
                "stage_matching": st.booleans(),
            }
        ),
        "sales": sales_team(),
        "appointment": st.fixed_dictionaries(
            {
                "min_days": st.floats(0.0, 5.0),
                "mean_extra_days": st.floats(0.0, 10.0),
                "show_prob": prob,
            }
        ),
        "costs": st.fixed_dictionaries({"email_usd": st.floats(0.0, 0.5)}),
    }
    fields |= {k: (v if isinstance(v, st.SearchStrategy) else st.just(v)) for k, v in fixed.items()}
    return st.fixed_dictionaries(fields).map(Scenario.model_validate)


def call_plan() -> st.SearchStrategy[dict]:
    return st.fixed_dictionaries(
        {
            "enabled": st.booleans(),
            "style": st.sampled_from(["consultative", "pushy"]),
            "delay_hours": st.floats(0.0, 48.0),
            "max_attempts": st.integers(1, 4),
            "give_up_prob": prob,
            "retry_hours": st.floats(0.5, 72.0),
        }
    )


def cadence_step() -> st.SearchStrategy[dict]:
    return st.fixed_dictionaries(
        {"interval_days": st.floats(1.0, 14.0), "content": st.sampled_from(CONTENT_KINDS)}
    )


def strategies(**fixed) -> st.SearchStrategy[Strategy]:
    thresholds = st.tuples(st.floats(0.0, 20.0), st.floats(0.0, 20.0)).map(sorted)
    fields = {
        "name": st.just("arm"),
        "email": st.fixed_dictionaries(
            {
                "enabled": st.booleans(),
                "start_delay_days": st.floats(0.0, 5.0),
                "min_days_between": st.floats(1.0, 7.0),
                "max_emails": st.integers(0, 20),
                "cadence": st.fixed_dictionaries(
                    {s: cadence_step() for s in ("awareness", "consideration", "decision")}
                ),
            }
        ),
        "scoring": st.builds(
            lambda mode, t: {"mode": mode, "consideration_at": t[0], "decision_at": t[1]},
            st.sampled_from(["signals", "oracle"]),
            thresholds,
        ),
        "sales": st.fixed_dictionaries({"on_arrival": call_plan(), "on_handoff": call_plan()}),
        "fees": st.fixed_dictionaries(
            {"platform_usd_per_month": money, "content_usd_per_month": money}
        ),
    }
    fields |= {k: (v if isinstance(v, st.SearchStrategy) else st.just(v)) for k, v in fixed.items()}
    return st.fixed_dictionaries(fields).map(Strategy.model_validate)


seeds = st.integers(0, 2**32 - 1)
COSTS = ("cost_acquisition_usd", "cost_email_usd", "cost_sales_usd", "cost_fixed_usd")


# -- one world ------------------------------------------------------------------------------------
@PROPERTY
@given(scenario=scenarios(), strategy=strategies(), seed=seeds)
def test_every_lead_ends_in_exactly_one_consistent_final_state(scenario, strategy, seed):
    leads = simulate(scenario, strategy, seed).leads
    assert list(leads.columns) == list(LEAD_COLUMNS)
    assert leads["lead_id"].tolist() == list(range(len(leads)))
    assert leads["final_state"].isin(FINAL_STATES).all()
    state = leads["final_state"]
    # The final state agrees with the events recorded for the lead.
    assert ((state == "patient") == leads["converted"]).all()
    assert (leads["booked"] | ~leads["converted"]).all(), "a patient who never booked"
    assert leads.loc[state == "lost", "days_to_lost"].notna().all()
    assert leads.loc[state == "unsubscribed", "unsubscribed"].all()
    assert leads.loc[leads["converted"], "days_to_convert"].notna().all()
    # Events happen within the lead's window, in order.
    window = scenario.window_days
    for col in ("days_to_book", "days_to_convert", "days_to_lost", "days_to_unsubscribe"):
        days = leads[col].dropna()
        assert ((days >= 0) & (days <= window + 1e-9)).all(), col
    both = leads[["days_to_book", "days_to_convert"]].dropna()
    assert (both["days_to_book"] <= both["days_to_convert"]).all()
    # The email and call funnels only narrow.
    e = leads
    assert (e["emails_clicked"] <= e["emails_opened"]).all()
    assert (e["emails_opened"] <= e["emails_delivered"]).all()
    assert (e["emails_delivered"] <= e["emails_sent"]).all()
    assert (e["sales_reached"] <= e["sales_attempts"]).all()
    if not strategy.uses_email:
        assert (e["emails_sent"] == 0).all()


@PROPERTY
@given(scenario=scenarios(), strategy=strategies(), seed=seeds)
def test_costs_are_non_negative_and_add_up(scenario, strategy, seed):
    result = simulate(scenario, strategy, seed)
    leads = result.leads
    for col in (*COSTS, "cost_total_usd"):
        assert (leads[col] >= 0).all(), col
        assert np.isfinite(leads[col]).all(), col
    parts = leads[list(COSTS)].sum(axis=1)
    np.testing.assert_allclose(leads["cost_total_usd"], parts, rtol=1e-12, atol=1e-9)
    # Acquisition is the source's price; email is the send count times the price per email.
    price = {s.name: s.cost_per_lead_usd for s in scenario.sources}
    np.testing.assert_allclose(leads["cost_acquisition_usd"], leads["source"].map(price))
    np.testing.assert_allclose(
        leads["cost_email_usd"], leads["emails_sent"] * scenario.costs.email_usd
    )
    # The fixed fees over the run are spread over the arm's leads exactly once.
    if len(leads):
        fees = strategy.fees.platform_usd_per_month + strategy.fees.content_usd_per_month
        assert math.isclose(
            leads["cost_fixed_usd"].sum(), fees * scenario.months, rel_tol=1e-9, abs_tol=1e-9
        )


@PROPERTY
@given(scenario=scenarios(), strategy=strategies(), seed=seeds)
def test_one_world_summary_rates_and_cost_per_conversion(scenario, strategy, seed):
    leads = simulate(scenario, strategy, seed).leads
    s = summarize_leads(leads)
    assert s["leads"] == len(leads)
    assert s["conversions"] == int(leads["converted"].sum()) <= s["booked"] <= s["leads"]
    if s["leads"]:
        lo, rate, hi = (
            s["conversion_rate_ci_lower"],
            s["conversion_rate"],
            s["conversion_rate_ci_upper"],
        )
        assert 0.0 <= lo <= rate <= hi <= 1.0
    assert s["cost_total_usd"] >= s["cost_acquisition_usd"] >= 0.0
    assert math.isclose(s["cost_total_usd"], leads["cost_total_usd"].sum(), rel_tol=1e-12)
    if s["conversions"]:
        assert s["cost_per_conversion_usd"] == s["cost_total_usd"] / s["conversions"]
        assert (
            s["marketing_cost_per_conversion_usd"] == s["cost_acquisition_usd"] / s["conversions"]
        )
    else:
        assert math.isnan(s["cost_per_conversion_usd"])
        assert math.isnan(s["marketing_cost_per_conversion_usd"])


# -- experiments ---------------------------------------------------------------------------
RATE_COLUMNS = ("conversion_rate", "booked_rate", "lost_rate", "unsubscribe_rate", "complaint_rate")


@settings(PROPERTY, max_examples=25)
@given(
    scenario=scenarios(months=1),
    control=strategies(name="control"),
    treatment=strategies(name="treatment"),
    design=st.sampled_from(["paired", "split"]),
    replications=st.integers(1, 3),
    seed=seeds,
)
def test_summary_tables_rates_and_cost_per_conversion(
    scenario, control, treatment, design, replications, seed
):
    exp = Experiment(
        scenario,
        {"control": control, "treatment": treatment},
        control="control",
        design=design,
        replications=replications,
        seed=seed,
    )
    result = exp.run(workers=1)
    reps = result.per_replication
    # Per replication: rates in [0, 1], costs add up, cost per conversion = cost / conversions.
    assert ((reps["conversions"] <= reps["n"]) & (reps["conversions"] >= 0)).all()
    assert reps["conversion_rate"].dropna().between(0.0, 1.0).all()
    parts = reps[list(COSTS)].sum(axis=1)
    np.testing.assert_allclose(reps["cost_total_usd"], parts, rtol=1e-9, atol=1e-6)
    converted = reps["conversions"] > 0
    np.testing.assert_allclose(
        reps.loc[converted, "cost_per_conversion_usd"],
        reps.loc[converted, "cost_total_usd"] / reps.loc[converted, "conversions"],
        rtol=1e-12,
    )
    assert reps.loc[~converted, "cost_per_conversion_usd"].isna().all()
    # Across replications: ratios of sums.
    summary = result.summary().set_index("arm")
    for arm, g in reps.groupby("arm"):
        row = summary.loc[arm]
        assert row["n"] == g["n"].sum() and row["conversions"] == g["conversions"].sum()
        for col in RATE_COLUMNS:
            value = row[col]
            assert math.isnan(value) or 0.0 <= value <= 1.0, (arm, col, value)
        conversions = g["conversions"].sum()
        if conversions:
            expected = g["cost_total_usd"].sum() / conversions
            assert math.isclose(row["cost_per_conversion_usd"], expected, rel_tol=1e-12)
            by_part = sum(
                row[f"cost_{p}_per_conversion_usd"]
                for p in ("acquisition", "email", "sales", "fixed")
            )
            assert math.isclose(by_part, expected, rel_tol=1e-9)
        else:
            assert math.isnan(row["cost_per_conversion_usd"])
        lo, hi = row["conversion_rate_ci_lower"], row["conversion_rate_ci_upper"]
        if not math.isnan(lo):
            assert 0.0 <= lo <= row["conversion_rate"] <= hi <= 1.0
        for col in ("cost_per_conversion_ci_lower", "marketing_cost_per_conversion_ci_lower"):
            assert math.isnan(row[col]) or row[col] >= 0.0, col
        for col in ("abs_lift", "abs_lift_ci_lower", "abs_lift_ci_upper"):
            assert math.isnan(row[col]) or -1.0 <= row[col] <= 1.0, col
    assert summary.loc["treatment", "abs_lift"] == pytest.approx(
        summary.loc["treatment", "conversion_rate"] - summary.loc["control", "conversion_rate"],
        nan_ok=True,
    )


@settings(PROPERTY, max_examples=25)
@given(
    scenario=scenarios(months=1),
    strategy=strategies(),
    replications=st.integers(1, 3),
    seed=seeds,
)
def test_identical_arms_in_the_paired_design_differ_by_exactly_zero(
    scenario, strategy, replications, seed
):
    exp = Experiment(
        scenario,
        {"a": strategy, "b": strategy},
        control="a",
        design="paired",
        replications=replications,
        seed=seed,
        keep_leads=True,
    )
    result = exp.run(workers=1)
    leads = result.leads
    a = leads[leads["arm"] == "a"].drop(columns="arm").reset_index(drop=True)
    b = leads[leads["arm"] == "b"].drop(columns="arm").reset_index(drop=True)
    pd.testing.assert_frame_equal(a, b, check_exact=True)  # lead by lead, bit for bit
    reps = result.per_replication.set_index(["replication", "arm"])
    ra = reps.xs("a", level="arm").drop(columns=["abs_lift", "rel_lift"])
    rb = reps.xs("b", level="arm").drop(columns=["abs_lift", "rel_lift"])
    pd.testing.assert_frame_equal(ra, rb, check_exact=True)
    summary = result.summary().set_index("arm")
    row = summary.loc["b"]
    assert row["abs_lift"] == 0.0
    if not math.isnan(row["abs_lift_ci_lower"]):
        assert row["abs_lift_ci_lower"] == row["abs_lift_ci_upper"] == 0.0
    if summary.loc["a", "conversions"]:
        assert row["rel_lift"] == 0.0


# -- the sales queue -----------------------------------------------------------------------------
def _unreachable_calls(agents: int) -> dict:
    return {"agents": agents, "reach_max_prob": 0.0, "labour_usd_per_hour": 30.0}


@settings(PROPERTY, max_examples=150)
@given(
    scenario=scenarios(leads_per_month=st.floats(20.0, 60.0)),
    calls=call_plan(),
    agents=st.integers(1, 3),
    seed=seeds,
)
def test_adding_an_agent_never_makes_any_lead_wait_longer(scenario, calls, agents, seed):
    # Queue-neutral calls (see the module docstring): nobody reached, one attempt, no email.
    plan = calls | {"enabled": True, "max_attempts": 1}
    strategy = Strategy.model_validate(
        {"name": "calls", "email": {"enabled": False}, "sales": {"on_arrival": plan}}
    )

    def world(c: int) -> pd.DataFrame:
        sales = scenario.sales.model_copy(update=_unreachable_calls(c))
        return simulate(scenario.model_copy(update={"sales": sales}), strategy, seed).leads

    fewer, more = world(agents), world(agents + 1)
    assert fewer["lead_id"].equals(more["lead_id"])
    assert (fewer["sales_reached"] == 0).all()
    # The same calls were placed: the queue changed only when they started.
    assert fewer["sales_attempts"].equals(more["sales_attempts"])
    wait_fewer = fewer["sales_wait_hours"].to_numpy()
    wait_more = more["sales_wait_hours"].to_numpy()
    assert np.all(wait_more <= wait_fewer + 1e-9), np.max(wait_more - wait_fewer)
    assert wait_more.mean() <= wait_fewer.mean() + 1e-12
    # Nothing else about the leads changed (the calls are queue-neutral).
    for col in ("final_state", "converted", "days_to_book"):
        pd.testing.assert_series_equal(fewer[col], more[col])


def test_the_queue_property_is_not_vacuous():
    """Some example of the property above must actually queue: agents make a difference."""
    scenario = Scenario.model_validate(
        {
            "months": 2,
            "leads_per_month": 60,
            "window_days": 30,
            "sources": [{"name": "web", "share": 1.0, "office_hours_share": 1.0}],
            "journey": {
                s: {"advance_per_day": 0.0, "drop_per_day": 0.0, "lost_share": 0.0}
                for s in ("awareness", "consideration", "decision")
            },
            "sales": {
                "agents": 1,
                "open_hour": 9.0,
                "close_hour": 10.0,
                "call_minutes_unreached": 20.0,
                "reach_max_prob": 0.0,
            },
        }
    )
    strategy = Strategy.model_validate(
        {"name": "calls", "sales": {"on_arrival": {"enabled": True, "delay_hours": 0.0}}}
    )
    waits = []
    for agents in (1, 2, 3):
        sales = scenario.sales.model_copy(update={"agents": agents})
        leads = simulate(scenario.model_copy(update={"sales": sales}), strategy, 4).leads
        waits.append(leads["sales_wait_hours"].mean())
    assert waits[0] > waits[1] > 0.0 and waits[2] <= waits[1]


@settings(PROPERTY, max_examples=10)
@given(scenario=scenarios(months=1), strategy=strategies(), seed=seeds)
def test_split_world_with_one_arm_is_the_single_world(scenario, strategy, seed):
    """A split world with one arm of weight 1 is the plain world: allocation draws nothing."""
    plain = simulate(scenario, strategy, seed).leads
    split = simulate(scenario, [Arm(strategy.name, strategy, 1.0)], seed).leads
    pd.testing.assert_frame_equal(plain, split, check_exact=True)
