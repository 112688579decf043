"""Value of patients: identities and interval invariants of sim.analysis.value."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from sim.analysis.value import (
    fieller_interval,
    mean_interval,
    patient_values,
    ratio_interval,
    value_summary,
)


def _reps(value: float, seed: int = 0, r: int = 8) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for k in range(r):
        n = 1000
        for arm, p, extra in (("c", 0.17, 0.0), ("t", 0.25, 3000.0)):
            conv = int(rng.binomial(n, p))
            cost = 20.0 * n + extra + float(rng.normal(0, 100))
            rows.append({"arm": arm, "replication": k, "n": n, "conversions": conv,
                         "cost_total_usd": cost, "cost_acquisition_usd": 20.0 * n,
                         "sales_ready": int(rng.binomial(n, 2 * p)),
                         "handoffs": 0 if arm == "c" else 300})  # fmt: skip
    df = pd.DataFrame(rows)
    df["revenue_usd"], df["net_benefit_usd"] = patient_values(
        df.conversions, df.cost_total_usd, value, value
    )
    return df


def test_incremental_net_benefit_is_zero_at_the_break_even_value():
    # v* = mean(dC) / mean(dP) makes v* mean(dP) - mean(dC) = 0 exactly (an identity).
    be = value_summary(_reps(100.0), "c").set_index("arm").loc["t", "break_even_value_usd"]
    at = value_summary(_reps(be), "c").set_index("arm").loc["t"]
    assert at["inc_net_benefit_usd"] == pytest.approx(0.0, abs=1e-6)
    # and the same break-even whatever value the net benefit was computed at
    assert at["break_even_value_usd"] == pytest.approx(be)


def test_fieller_bounds_are_where_the_t_statistic_reaches_its_critical_value():
    rng = np.random.default_rng(1)
    den = rng.normal(10, 2, 12)
    num = 50 * den + rng.normal(0, 30, 12)
    est, lo, hi = fieller_interval(num, den, 0.05)
    q = stats.t.ppf(0.975, 11)
    for theta in (lo, hi):
        d = num - theta * den
        t = d.mean() / (d.std(ddof=1) / math.sqrt(len(d)))
        assert abs(t) == pytest.approx(q, rel=1e-9)
    assert lo < est < hi


def test_fieller_is_unbounded_when_the_denominator_may_be_zero():
    rng = np.random.default_rng(2)
    den = rng.normal(0.1, 5, 10)  # mean not clearly away from 0
    _, lo, hi = fieller_interval(rng.normal(100, 10, 10), den)
    assert math.isnan(lo) and math.isnan(hi)


def test_no_break_even_when_the_arm_wins_no_more_patients():
    df = _reps(100.0)
    df.loc[df.arm == "t", "conversions"] = df.loc[df.arm == "c", "conversions"].to_numpy()
    row = value_summary(df, "c").set_index("arm").loc["t"]
    assert math.isnan(row["break_even_value_usd"]) and "no more patients" in row["value_note"]


def test_ratio_interval_matches_the_replication_summary():
    from sim.analysis.ratio_of_sums import ratio, t_interval

    rng = np.random.default_rng(3)
    num, den = rng.poisson(30, 6).astype(float), rng.poisson(100, 6).astype(float)
    est, lo, hi = ratio_interval(num, den)
    r = ratio(num, den)
    assert (est, lo, hi) == pytest.approx(
        (r.estimate, *t_interval(r.estimate, r.influence, 0.05)[:2])
    )


def test_mean_interval_has_nominal_coverage():
    # 2,000 samples of 5 normals: coverage of the t-interval is 0.95 exactly; the binomial
    # standard error of the estimate is sqrt(.95 * .05 / 2000) = 0.0049, so +-0.015 is 3 SE.
    rng = np.random.default_rng(4)
    hits = 0
    for _ in range(2000):
        _, lo, hi = mean_interval(rng.normal(1.0, 2.0, 5))
        hits += lo <= 1.0 <= hi
    assert abs(hits / 2000 - 0.95) < 0.015


def test_sales_ready_lift_and_costs():
    df = _reps(100.0)
    row = value_summary(df, "c").set_index("arm").loc["t"]
    t, c = (df[df.arm == a] for a in ("t", "c"))
    expected = (t.sales_ready.sum() / t.n.sum()) / (c.sales_ready.sum() / c.n.sum()) - 1
    assert row["sales_ready_rel_lift"] == pytest.approx(expected)
    assert row["sales_ready_rel_lift_ci_lower"] < expected < row["sales_ready_rel_lift_ci_upper"]
    assert row["marketing_cost_per_sales_ready_usd"] == pytest.approx(
        t.cost_acquisition_usd.sum() / t.sales_ready.sum()
    )
    assert row["handoffs_per_lead"] == pytest.approx(0.3)
