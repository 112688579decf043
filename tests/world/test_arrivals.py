"""Arrivals and traits: Poisson counts, office-hours shares, seasonality, stage mixes, intent.

Tolerances are 4 standard errors of the statistic under the model (stated per test) with
fixed seeds, so each test is deterministic and fails only if the mechanism is wrong.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from sim.config.scenario import DAYS_PER_MONTH
from sim.world.arrivals import draw_arrivals, draw_traits, monthly_rate_check
from sim.world.calendar import WorkingHours
from sim.world.streams import LeadStreams

ONE_SOURCE = [{"name": "web", "share": 1.0}]


def test_counts_are_poisson(scenario):
    # 400 worlds of one month at 50 leads: the mean count is within 4 SE (sqrt(50/400)) of 50
    # and the dispersion statistic sum((n - mean)^2) / mean is chi2(399) for a Poisson count.
    s = scenario(months=1, leads_per_month=50, sources=ONE_SOURCE)
    n = np.array([len(draw_arrivals(s, LeadStreams(seed)).day) for seed in range(400)])
    assert abs(n.mean() - 50) < 4 * np.sqrt(50 / 400)
    dispersion = ((n - n.mean()) ** 2).sum() / n.mean()
    lo, hi = stats.chi2.ppf([1e-4, 1 - 1e-4], len(n) - 1)
    assert lo < dispersion < hi


def test_times_are_uniform_within_each_month_and_sorted(scenario):
    s = scenario(months=3, leads_per_month=2000, sources=ONE_SOURCE)
    a = draw_arrivals(s, LeadStreams(1))
    assert np.all(np.diff(a.day) >= 0)
    assert a.day.min() >= 0 and a.day.max() < 3 * DAYS_PER_MONTH
    # Flat rate over the three months: times / total are U(0, 1).
    assert stats.kstest(a.day / (3 * DAYS_PER_MONTH), "uniform").pvalue > 1e-3


def test_source_shares_are_honoured(scenario):
    # Default scenario's shares 0.6 / 0.25 / 0.15 over 12 months x 1000 leads; binomial SE.
    s = scenario(leads_per_month=1000)
    a = draw_arrivals(s, LeadStreams(2))
    n = len(a.day)
    for k, src in enumerate(s.sources):
        got = np.mean(a.source == k)
        assert abs(got - src.share) < 4 * np.sqrt(src.share * (1 - src.share) / n)


@pytest.mark.parametrize("share", [0.9, 0.6, 0.2])
def test_office_hours_share_is_honoured(scenario, share):
    s = scenario(
        months=2,
        leads_per_month=3000,
        sources=[{"name": "phone", "share": 1.0, "office_hours_share": share}],
    )
    a = draw_arrivals(s, LeadStreams(3))
    hours = WorkingHours(s.sales.open_hour, s.sales.close_hour, s.sales.workdays_per_week)
    inside = hours.is_open_array(a.day)
    n = len(a.day)
    assert abs(inside.mean() - share) < 4 * np.sqrt(share * (1 - share) / n)


def test_without_office_hours_share_arrivals_ignore_the_clock(scenario):
    # Uniform over the month: the share in office hours is the office share of the month's
    # minutes (about 50/168), binomial SE.
    s = scenario(months=1, leads_per_month=20000, sources=ONE_SOURCE)
    a = draw_arrivals(s, LeadStreams(4))
    hours = WorkingHours(8, 18, 5)
    grid = (np.arange(round(DAYS_PER_MONTH * 1440)) + 0.5) / 1440
    p = hours.is_open_array(grid).mean()
    got = hours.is_open_array(a.day).mean()
    assert abs(got - p) < 4 * np.sqrt(p * (1 - p) / len(a.day))


def test_seasonality_scales_monthly_counts(scenario):
    # Multipliers [2, 0.5] repeating over 4 months at 1000 a month: expected 2000, 500, 2000,
    # 500; each count within 4 Poisson SE.
    s = scenario(months=4, leads_per_month=1000, seasonality=[2.0, 0.5], sources=ONE_SOURCE)
    a = draw_arrivals(s, LeadStreams(5))
    counts = np.histogram(a.day, bins=np.arange(5) * DAYS_PER_MONTH)[0]
    expected = np.array([2000, 500, 2000, 500])
    assert np.all(np.abs(counts - expected) < 4 * np.sqrt(expected))
    assert monthly_rate_check(s) == 5000.0


def test_no_leads_at_zero_rate(scenario):
    s = scenario(months=2, leads_per_month=0)
    a = draw_arrivals(s, LeadStreams(0))
    t = draw_traits(s, a, LeadStreams(0))
    assert len(a.day) == 0 and len(t.stage) == 0


def test_arrivals_do_not_depend_on_the_rest_of_the_seed_use(scenario):
    s = scenario(months=2)
    a1 = draw_arrivals(s, LeadStreams(8))
    streams = LeadStreams(8)
    streams.draws(0, "journey").next()
    a2 = draw_arrivals(s, streams)
    assert np.array_equal(a1.day, a2.day) and np.array_equal(a1.source, a2.source)


def test_traits_stage_mix_and_intent_distribution(scenario):
    # One source with stage mix 0.2/0.5/0.3 and intent Gamma(4)/4 (mean 1, variance 1/4).
    src = {
        "name": "web",
        "share": 1.0,
        "intent_shape": 4.0,
        "initial_stage": {"awareness": 0.2, "consideration": 0.5, "decision": 0.3},
    }
    s = scenario(months=2, leads_per_month=5000, sources=[src])
    streams = LeadStreams(6)
    a = draw_arrivals(s, streams)
    t = draw_traits(s, a, streams)
    n = len(a.day)
    for k, p in enumerate((0.2, 0.5, 0.3)):
        assert abs(np.mean(t.stage == k) - p) < 4 * np.sqrt(p * (1 - p) / n)
    # Mean SE sqrt(0.25 / n); KS against the exact Gamma law.
    assert abs(t.intent.mean() - 1) < 4 * np.sqrt(0.25 / n)
    assert stats.kstest(t.intent, stats.gamma(4.0, scale=0.25).cdf).pvalue > 1e-3
    shape = s.email.affinity_shape
    assert stats.kstest(t.affinity, stats.gamma(shape, scale=1 / shape).cdf).pvalue > 1e-3
    assert stats.kstest(t.assign_u, "uniform").pvalue > 1e-3


def test_traits_depend_only_on_seed_and_lead_id(scenario):
    # The same lead ids in a world with more leads get the same traits (rows by id).
    small = scenario(months=1, leads_per_month=300)
    big = scenario(months=1, leads_per_month=3000)
    ta = draw_traits(small, draw_arrivals(small, LeadStreams(7)), LeadStreams(7))
    tb = draw_traits(big, draw_arrivals(big, LeadStreams(7)), LeadStreams(7))
    n = min(len(ta.assign_u), len(tb.assign_u))
    assert n > 200
    assert np.array_equal(ta.assign_u[:n], tb.assign_u[:n])
