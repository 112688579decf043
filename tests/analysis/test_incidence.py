"""Aalen-Johansen cumulative incidence: a hand-computed example, theory and statsmodels."""

from __future__ import annotations

from fractions import Fraction as Fr

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from statsmodels.duration.survfunc import CumIncidenceRight, SurvfuncRight

from sim.analysis.incidence import INCIDENCE_COLUMNS, cumulative_incidence
from sim.errors import InputError

# Six leads: patient (1) at days 1, 3 and 5, lost (2) at day 2, censored at days 2 and 4.
TIME = [1, 2, 2, 3, 4, 5]
EVENT = [1, 2, 0, 1, 0, 1]


def _row(ci: pd.DataFrame, cause, time) -> pd.Series:
    rows = ci[(ci.cause == cause) & (ci.time == time)]
    assert len(rows) == 1
    return rows.iloc[0]


def test_hand_computed_example():
    # Event times 1, 2, 3, 5. At risk n = 6, 5, 3, 1 (the lead censored at day 2 is still at
    # risk at day 2); all-cause KM just before each: S = 1, 5/6, 2/3, 4/9.
    # F1 = 1/6, 1/6, 1/6 + (2/3)(1/3) = 7/18, 7/18 + (4/9)(1/1) = 5/6.  F2 = 0, (5/6)/5 = 1/6.
    ci = cumulative_incidence(TIME, EVENT)
    assert list(ci.columns) == list(INCIDENCE_COLUMNS)
    f1 = ci[ci.cause == 1]
    assert f1.time.tolist() == [1, 2, 3, 5]
    assert f1.at_risk.tolist() == [6, 5, 3, 1]
    assert f1.events.tolist() == [1, 0, 1, 1]
    np.testing.assert_allclose(f1.cif, [1 / 6, 1 / 6, 7 / 18, 5 / 6], rtol=1e-12)
    f2 = ci[ci.cause == 2]
    np.testing.assert_allclose(f2.cif, [0, 1 / 6, 1 / 6, 1 / 6], rtol=1e-12)
    # Nobody is left after day 5 and everyone had an event or was censored before: F1+F2 = 1.
    assert f1.cif.iloc[-1] + f2.cif.iloc[-1] == pytest.approx(1.0)

    # Delta-method variance of F1 at day 3, term by term (j = 1, 2, 3):
    #   sum (F(3) - F(t_j))^2 d_j / (n_j (n_j - d_j))  = (2/9)^2/30 + (2/9)^2/20 + 0
    #   sum S_{j-1}^2 d1_j (n_j - d1_j) / n_j^3       = 5/216 + 0 + (4/9)(2/27)
    #   -2 sum (F(3) - F(t_j)) S_{j-1} d1_j / n_j^2   = -2 (2/9)(1/36)
    var_f1_3 = (
        Fr(2, 9) ** 2 / 30 + Fr(2, 9) ** 2 / 20 + Fr(5, 216) + Fr(4, 9) * Fr(2, 27)
        - 2 * Fr(2, 9) * Fr(1, 36)
    )  # fmt: skip
    assert _row(ci, 1, 3).se ** 2 == pytest.approx(float(var_f1_3), rel=1e-12)
    # At day 5 everyone left has the event (n = d = 1): that step adds nothing to the first
    # sum (its factor F(5) - F(5) is 0), nor to the second (n - d1 = 0).
    var_f1_5 = (
        Fr(2, 3) ** 2 / 30 + Fr(2, 3) ** 2 / 20 + Fr(4, 9) ** 2 / 6
        + Fr(5, 216) + Fr(4, 9) * Fr(2, 27)
        - 2 * (Fr(2, 3) * Fr(1, 36) + Fr(4, 9) * Fr(2, 3) / 9)
    )  # fmt: skip
    assert _row(ci, 1, 5).se ** 2 == pytest.approx(float(var_f1_5), rel=1e-12)
    # Lost at day 2: (1/6 - 0)^2 / 30 + (5/6)^2 * 1 * 4 / 125.
    var_f2_2 = Fr(1, 6) ** 2 / 30 + Fr(5, 6) ** 2 * 4 / 125
    assert _row(ci, 2, 2).se ** 2 == pytest.approx(float(var_f2_2), rel=1e-12)

    # log(-log) interval at day 3, written out.
    f, se = 7 / 18, float(var_f1_3) ** 0.5
    z = stats.norm.isf(0.025)
    half = z * se / (f * abs(np.log(f)))
    row = _row(ci, 1, 3)
    assert row.ci_lower == pytest.approx(np.exp(-np.exp(np.log(-np.log(f)) + half)))
    assert row.ci_upper == pytest.approx(np.exp(-np.exp(np.log(-np.log(f)) - half)))
    assert row.ci_lower < f < row.ci_upper


def test_without_censoring_equals_empirical_fraction_and_binomial_variance():
    # Every unit followed to the end: F_k(t) = #(cause k by t) / n, and the delta-method
    # variance reduces to F (1 - F) / n exactly.
    rng = np.random.default_rng(11)
    n = 500
    time = rng.integers(0, 60, n).astype(float)
    event = rng.choice(["patient", "lost", "none"], size=n, p=[0.2, 0.3, 0.5])
    time[event == "none"] = 60.0
    ci = cumulative_incidence(time, event, censored="none")
    assert set(ci.cause) == {"lost", "patient"}
    for cause, g in ci.groupby("cause"):
        empirical = [np.mean((event == cause) & (time <= t)) for t in g.time]
        np.testing.assert_allclose(g.cif, empirical, atol=1e-12)
        np.testing.assert_allclose(g.se**2, g.cif * (1 - g.cif) / n, rtol=1e-9, atol=1e-15)


def test_matches_statsmodels_cumincidenceright_with_censoring_and_ties():
    rng = np.random.default_rng(5)
    n = 300
    time = rng.integers(1, 40, n).astype(float)  # many ties, across causes too
    event = rng.choice([0, 1, 2], size=n, p=[0.3, 0.4, 0.3])
    ci = cumulative_incidence(time, event)
    ref = CumIncidenceRight(time, event)
    for k in (1, 2):
        g = ci[ci.cause == k]
        at = np.searchsorted(ref.times, g.time.to_numpy())
        np.testing.assert_allclose(g.cif, ref.cinc[k - 1][at], rtol=1e-12, atol=1e-15)
        ok = np.isfinite(ref.cinc_se[k - 1][at])
        np.testing.assert_allclose(g.se[ok], ref.cinc_se[k - 1][at][ok], rtol=1e-9, atol=1e-15)


def test_single_cause_is_one_minus_kaplan_meier_with_greenwood_variance():
    rng = np.random.default_rng(8)
    time = rng.exponential(10, 200).round(1)
    status = (rng.random(200) < 0.7).astype(int)
    ci = cumulative_incidence(time, status)
    km = SurvfuncRight(time, status)
    at = np.searchsorted(km.surv_times, ci.time.to_numpy())
    np.testing.assert_allclose(ci.cif, 1 - km.surv_prob[at], rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(ci.se, km.surv_prob_se[at], rtol=1e-9, atol=1e-15)


def test_causes_and_survival_add_to_one():
    rng = np.random.default_rng(2)
    time = rng.integers(1, 30, 250).astype(float)
    event = rng.choice([0, 1, 2, 3], size=250)
    ci = cumulative_incidence(time, event)
    total = ci.groupby("time").cif.sum().to_numpy()
    km = SurvfuncRight(time, (event > 0).astype(int))
    at = np.searchsorted(km.surv_times, np.unique(ci.time))
    np.testing.assert_allclose(total + km.surv_prob[at], 1.0, atol=1e-12)


def test_frequency_weights_equal_expanded_rows():
    rng = np.random.default_rng(4)
    time = rng.integers(1, 20, 40).astype(float)
    event = rng.choice([0, 1, 2], size=40)
    w = rng.integers(0, 5, 40)
    weighted = cumulative_incidence(time, event, weights=w)
    expanded = cumulative_incidence(np.repeat(time, w), np.repeat(event, w))
    pd.testing.assert_frame_equal(weighted, expanded, check_dtype=False)


def test_evaluation_at_requested_times_is_a_right_continuous_step():
    ci = cumulative_incidence(TIME, EVENT, times=[0, 1, 2.5, 3, 10])
    f1 = ci[ci.cause == 1]
    np.testing.assert_allclose(f1.cif, [0, 1 / 6, 1 / 6, 7 / 18, 5 / 6])
    assert f1.se.iloc[0] == 0 and f1.ci_lower.iloc[0] == 0 and f1.ci_upper.iloc[0] == 0
    assert f1.events.tolist() == [0, 1, 0, 1, 1]  # since the previous requested time
    assert f1.at_risk.tolist() == [6, 6, 3, 3, 0]
    full = cumulative_incidence(TIME, EVENT)
    assert _row(ci, 1, 3).se == pytest.approx(_row(full, 1, 3).se)


def test_intervals_stay_in_unit_interval_and_widen_with_confidence():
    rng = np.random.default_rng(9)
    time = rng.integers(1, 15, 80).astype(float)
    event = rng.choice([0, 1, 2], size=80)
    for transform in ("log-log", "linear"):
        a = cumulative_incidence(time, event, alpha=0.10, transform=transform)
        b = cumulative_incidence(time, event, alpha=0.01, transform=transform)
        assert (a.ci_lower >= 0).all() and (a.ci_upper <= 1).all()
        assert (a.ci_lower <= a.cif + 1e-12).all() and (a.cif <= a.ci_upper + 1e-12).all()
        assert (b.ci_lower <= a.ci_lower + 1e-12).all() and (b.ci_upper >= a.ci_upper - 1e-12).all()
        assert (b.ci_upper - b.ci_lower).sum() > (a.ci_upper - a.ci_lower).sum()


def test_requested_cause_without_events_gets_a_zero_curve_in_the_given_order():
    ci = cumulative_incidence(TIME, EVENT, causes=[2, 1, 3])
    assert list(dict.fromkeys(ci.cause)) == [2, 1, 3]
    assert (ci[ci.cause == 3].cif == 0).all() and (ci[ci.cause == 3].se == 0).all()


def test_no_events_gives_empty_table_with_the_columns():
    ci = cumulative_incidence([1.0, 2.0], [0, 0])
    assert ci.empty and list(ci.columns) == list(INCIDENCE_COLUMNS)


@pytest.mark.parametrize(
    ("kwargs", "where"),
    [
        ({"time": [1, 2], "event": [1]}, "event"),
        ({"time": [1, -2], "event": [1, 0]}, "time"),
        ({"time": [1, np.nan], "event": [1, 0]}, "time"),
        ({"time": [1, 2], "event": [1, 0], "weights": [1, -1]}, "weights"),
        ({"time": [1, 2], "event": [1, 0], "weights": [1]}, "weights"),
        ({"time": [1, 2], "event": [1, 0], "alpha": 1.5}, "alpha"),
        ({"time": [1, 2], "event": [1, 0], "transform": "logit"}, "transform"),
        ({"time": [1, 2], "event": [1, None]}, "event"),
        ({"time": [1, 2], "event": [1, 0], "times": [3, 1]}, "times"),
    ],
)
def test_bad_input_names_the_argument(kwargs, where):
    with pytest.raises(InputError) as err:
        cumulative_incidence(**kwargs)
    assert err.value.where == where
