"""Monthly looks: honest counts at calendar cut-offs, and the stopping rules run on them."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from statsmodels.stats.proportion import proportion_confint

from sim.analysis.sequential import Look, monitor
from sim.config import load_scenario, load_strategy
from sim.config.scenario import DAYS_PER_MONTH
from sim.errors import InputError
from sim.experiment.looks import (
    LOOK_COLUMNS,
    conversion_day,
    counts_by_cutoff,
    information_fractions,
    look_counts,
    monitor_looks,
    monthly_cutoffs,
    share_table,
    stopping_shares,
)
from sim.world.model import Arm, simulate

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def world_leads() -> pd.DataFrame:
    """Two replications of a 4-month split world, stacked like ExperimentResult.leads."""
    scenario = load_scenario(ROOT / "configs/scenarios/medical_practice.toml", {"months": 4})
    arms = [
        Arm(name, load_strategy(ROOT / f"configs/strategies/{name}.toml"))
        for name in ("no_nurture", "stage_nurture")
    ]
    frames = []
    for rep in range(2):
        leads = simulate(scenario, arms, np.random.SeedSequence(5, spawn_key=(rep,))).leads
        leads.insert(0, "replication", rep)
        frames.append(leads)
    return pd.concat(frames, ignore_index=True)


def test_counts_by_cutoff_match_a_brute_force_count():
    rng = np.random.default_rng(np.random.SeedSequence(11))
    arrived = rng.uniform(0, 100, 500)
    delay = np.where(rng.random(500) < 0.3, rng.exponential(20, 500), np.inf)
    converted = arrived + delay
    cutoffs = [10.0, 33.3, 50.0, 99.0, 150.0]
    n, x = counts_by_cutoff(arrived, converted, cutoffs)
    for k, c in enumerate(cutoffs):
        assert n[k] == np.sum(arrived <= c)
        assert x[k] == np.sum(converted <= c)


def test_a_conversion_counts_from_its_day_on_and_not_before():
    leads = pd.DataFrame(
        {
            "arm": ["a", "b"],
            "arrived_day": [10.0, 10.0],
            "converted": [True, True],
            "days_to_convert": [20.0, 20.0],
        }
    )
    counts = look_counts(leads, "a", "b", [29.999, 30.0])
    assert counts["conversions_control"].tolist() == [0, 1]
    assert counts["n_control"].tolist() == [1, 1]
    assert list(counts.columns) == list(LOOK_COLUMNS)


def test_conversion_day_is_infinite_for_leads_that_never_converted():
    day = conversion_day(
        pd.DataFrame({"arrived_day": [3.0, 4.0], "days_to_convert": [np.nan, 0.5]})
    )
    assert day.tolist() == [np.inf, 4.5]


def test_world_counts_are_cumulative_and_end_at_the_full_window(world_leads):
    months = 4
    cutoffs = [*monthly_cutoffs(months), months * DAYS_PER_MONTH + 180.0]  # + every window
    counts = look_counts(world_leads, "no_nurture", "stage_nurture", cutoffs)
    assert sorted(set(counts["replication"])) == [0, 1]
    unseen = 0
    for rep, g in counts.groupby("replication"):
        leads = world_leads[world_leads["replication"] == rep]
        for suffix, arm in (("control", "no_nurture"), ("treatment", "stage_nurture")):
            n, x = g[f"n_{suffix}"].to_numpy(), g[f"conversions_{suffix}"].to_numpy()
            assert np.all(np.diff(n) >= 0) and np.all(np.diff(x) >= 0)
            assert np.all(x <= n)
            mine = leads[leads["arm"] == arm]
            # every lead has arrived by the end of the last month of arrivals ...
            assert n[-2] == n[-1] == len(mine)
            # ... but only after the last window closes are all its conversions seen
            assert x[-1] == int(mine["converted"].sum())
            unseen += x[-1] - x[-2]
    assert unseen > 0  # some conversions happen after the last month of arrivals


def test_monitor_looks_is_monitor_with_the_chosen_information(world_leads):
    counts = look_counts(world_leads, "no_nurture", "stage_nurture", monthly_cutoffs(4))
    one = counts[counts["replication"] == 0]
    rows = one.iloc[:, 3:].to_numpy()
    total = int(rows[-1, 0] + rows[-1, 2])
    # statistical information: n_eff p (1 - p), by hand, as a share of the last look's
    n_c, x_c, n_t, x_t = rows.T.astype(float)
    pooled = (x_c + x_t) / (n_c + n_t)
    info = n_c * n_t / (n_c + n_t) * pooled * (1 - pooled)
    assert information_fractions(one) == pytest.approx(info / info[-1], rel=1e-6)
    assert information_fractions(one, information="leads") == pytest.approx((n_c + n_t) / total)
    for method in ("obf", "pocock", "msprt", "naive"):
        ours = monitor_looks(one, method=method, information="leads")
        theirs = monitor([Look(*map(int, r)) for r in rows], method=method, max_information=total)
        pd.testing.assert_frame_equal(ours.drop(columns=["cutoff_day", "month"]), theirs)
        assert ours["month"].tolist() == [1.0, 2.0, 3.0, 4.0]
        ours = monitor_looks(one, method=method)
        looks = [Look(*map(int, r), float(t)) for r, t in zip(rows, information_fractions(one),
                                                               strict=True)]  # fmt: skip
        theirs = monitor(looks, method=method, max_information=total)
        pd.testing.assert_frame_equal(ours.drop(columns=["cutoff_day", "month"]), theirs)
    planned = monitor_looks(one, method="obf", information="leads", planned_leads=1000)
    assert planned["information_fraction"].to_numpy() == pytest.approx((n_c + n_t) / 1000)
    with pytest.raises(InputError, match="information='leads'"):
        monitor_looks(one, planned_leads=1000)
    with pytest.raises(InputError, match="information"):
        information_fractions(one, information="events")


def _counts(rows):
    cols = ["n_control", "conversions_control", "n_treatment", "conversions_treatment"]
    out = pd.DataFrame(rows, columns=cols)
    out.insert(0, "replication", 0)
    out.insert(1, "look", range(1, len(rows) + 1))
    out.insert(2, "cutoff_day", [30.0 * (k + 1) for k in range(len(rows))])
    return out


def test_statistical_information_with_degenerate_looks():
    # No conversions yet at look 1: a look without information, which cannot stop the test.
    counts = _counts([(50, 0, 50, 0), (100, 8, 100, 14), (150, 20, 150, 33)])
    t = information_fractions(counts)
    assert 0 < t[0] < 1e-5 and t[-1] == 1.0 and np.all(np.diff(t) > 0)
    table = monitor_looks(counts, method="pocock")
    assert not table["stop"].iloc[0] and table["boundary"].iloc[0] > 5
    # A look whose information fell (more leads in one arm, no new conversions) still gets a
    # strictly increasing fraction, and the last look's is exactly 1.
    counts = _counts([(50, 5, 50, 5), (100, 5, 50, 5), (150, 20, 150, 25)])
    t = information_fractions(counts)
    assert np.all(np.diff(t) > 0) and t[-1] == 1.0
    assert t[1] == pytest.approx(t[0], abs=1e-8)
    # No conversions at all: nothing to measure information by, so the share of leads.
    counts = _counts([(50, 0, 50, 0), (100, 0, 100, 0)])
    assert information_fractions(counts).tolist() == [0.5, 1.0]
    assert not monitor_looks(counts)["stop"].any()


def test_monitor_looks_refuses_several_replications_and_empty_arms(world_leads):
    counts = look_counts(world_leads, "no_nurture", "stage_nurture", monthly_cutoffs(4))
    with pytest.raises(InputError, match="one replication"):
        monitor_looks(counts)
    early = look_counts(
        world_leads[world_leads["replication"] == 0], "no_nurture", "stage_nurture", [0.01, 30.0]
    )
    with pytest.raises(InputError, match="no leads yet"):
        monitor_looks(early)
    with pytest.raises(InputError, match="method"):
        monitor_looks(counts[counts["replication"] == 0], method="bonferroni")


def test_look_counts_refuses_unknown_arms_and_bad_cutoffs(world_leads):
    with pytest.raises(InputError, match="'hard_sell' has no leads"):
        look_counts(world_leads, "no_nurture", "hard_sell", [30.0])
    with pytest.raises(InputError, match="increasing"):
        look_counts(world_leads, "no_nurture", "stage_nurture", [30.0, 30.0])
    with pytest.raises(InputError, match="months"):
        monthly_cutoffs(0)


def test_stopping_shares_count_each_replications_decision(world_leads):
    counts = look_counts(world_leads, "no_nurture", "stage_nurture", monthly_cutoffs(4))
    shares = stopping_shares(counts, methods=("naive", "obf"))
    for method, g in shares.groupby("method", sort=False):
        stops = np.vstack(
            [
                monitor_looks(counts[counts["replication"] == r], method=method)["stop"]
                for r in (0, 1)
            ]
        )
        assert g["stopped"].tolist() == stops.sum(axis=0).tolist()
        assert (g["runs"] == 2).all()


def test_share_table_is_cumulative_with_wilson_intervals():
    stops = {"rule": np.array([[True, False, False], [False, False, True], [False] * 3])}
    table = share_table(stops, [1.0, 2.0, 3.0])
    # a run that stopped at look 1 stays stopped even if its row says otherwise later
    assert table["stopped"].tolist() == [1, 1, 2]
    lo, hi = proportion_confint(2, 3, method="wilson")
    assert table["share_stopped_ci_lower"].iloc[-1] == pytest.approx(lo)
    assert table["share_stopped_ci_upper"].iloc[-1] == pytest.approx(hi)


# -- live monitoring: closed horizons, information over the plan ---------------------------


def test_closed_looks_count_only_final_outcomes_and_never_change_them():
    from sim.experiment.looks import closed_look_counts

    rng = np.random.default_rng(3)
    n = 400
    leads = pd.DataFrame(
        {
            "arm": np.where(rng.random(n) < 0.5, "a", "b"),
            "arrived_day": np.sort(rng.uniform(0, 200, n)),
            "days_to_convert": np.where(rng.random(n) < 0.3, rng.exponential(30, n), np.nan),
        }
    )
    leads["converted"] = leads["days_to_convert"].notna()
    cut = [90.0, 150.0, 260.0]
    c = closed_look_counts(leads, "a", "b", cut, horizon_days=60.0)
    for k, day in enumerate(cut):
        closed = leads[leads.arrived_day + 60.0 <= day]
        for arm, col in (("a", "control"), ("b", "treatment")):
            g = closed[closed.arm == arm]
            assert c[f"n_{col}"].iloc[k] == len(g)
            assert c[f"conversions_{col}"].iloc[k] == int((g.days_to_convert <= 60.0).sum())


def test_live_plan_inflates_the_fixed_test_and_fractions_use_only_the_plan():
    from sim.experiment.looks import monitor_live, plan_live_test

    plan = plan_live_test(0.2, lift=0.5, leads_per_month=200, conversion_by_horizon=0.9)
    # O'Brien-Fleming spends almost nothing early: its inflation is a few percent.
    assert 1.0 < plan.inflation < 1.06
    counts = pd.DataFrame(
        {
            "replication": 0,
            "look": [1, 2],
            "cutoff_day": [100.0, 200.0],
            "n_control": [100, 200],
            "conversions_control": [15, 30],
            "n_treatment": [100, 200],
            "conversions_treatment": [20, 45],
        }
    )
    early = monitor_live(counts.iloc[:1], plan, final=False)
    both = monitor_live(counts, plan, final=False)
    # A look's fraction is its leads over the plan's maximum, whatever comes later.
    assert early["information_fraction"].iloc[0] == pytest.approx(200 / plan.max_leads)
    assert both["information_fraction"].iloc[0] == pytest.approx(200 / plan.max_leads)
    assert both["boundary"].iloc[0] == pytest.approx(early["boundary"].iloc[0])
    final = monitor_live(counts, plan, final=True)
    assert final["information_fraction"].iloc[-1] == pytest.approx(1.0)


def test_inflation_matches_the_published_o_brien_fleming_factor():
    from sim.experiment.looks import _inflation

    # Jennison & Turnbull (2000), O'Brien-Fleming, 5 equal looks, alpha 0.05, power 0.8:
    # R = 1.026. Lan-DeMets OBF-type spending approximates those boundaries closely; the
    # Monte Carlo (200,000 paths) moves the factor by about 0.003, hence the 0.01 tolerance.
    assert _inflation(np.arange(1, 6) / 5, "obf", 0.05, 0.8) == pytest.approx(1.026, abs=0.01)


def test_truncated_msprt_spends_alpha_at_the_planned_looks():
    from sim.analysis.sequential import crossing_probabilities, msprt_z_boundary
    from sim.experiment.looks import plan_live_test

    plan = plan_live_test(
        0.171, lift=0.5, leads_per_month=100, conversion_by_horizon=0.919,
        treatment_by_horizon=0.858,
    )  # fmt: skip
    t = np.asarray(plan.look_fractions)
    exact = crossing_probabilities(msprt_z_boundary(t * plan.max_leads / 4, plan.msprt_tau,
                                                    plan.msprt_alpha), t).sum()  # fmt: skip
    # The recursion is exact to quadrature error (the boundary tests hold it to 1e-6).
    assert exact == pytest.approx(0.05, abs=1e-6)
    # The always-valid level spends far less at these looks (about 1%): that is the fix.
    always = crossing_probabilities(msprt_z_boundary(t * plan.max_leads / 4, plan.msprt_tau,
                                                     0.05), t).sum()  # fmt: skip
    assert always < 0.02
    # A treatment that converts later is sized on its own within-horizon share.
    same = plan_live_test(0.171, lift=0.5, leads_per_month=100, conversion_by_horizon=0.919)
    assert plan.treatment == pytest.approx(0.171 * 1.5 * 0.858)
    assert plan.max_leads > same.max_leads
