"""Interval for one conversion rate: agreement with statsmodels and degenerate cells."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from scipy import stats
from statsmodels.stats.proportion import proportion_confint

from sim.analysis import RATE_METHODS, rate_interval
from sim.analysis.proportions import STATSMODELS_RATE_METHODS, wilson_bounds


def random_counts(seed: int, k: int = 60):
    rng = np.random.default_rng(seed)
    n = rng.integers(1, 1000, k)
    x = np.array([rng.integers(0, m + 1) for m in n])
    return x, n


@pytest.mark.parametrize("method", list(RATE_METHODS))
def test_agrees_with_statsmodels_on_60_random_counts(method):
    x, n = random_counts(3)
    ours = rate_interval(x, n, method=method)
    for i in range(len(x)):
        low, upp = proportion_confint(int(x[i]), int(n[i]), method=STATSMODELS_RATE_METHODS[method])
        if method == "jeffreys":  # Brown, Cai and DasGupta's ends, which statsmodels leaves out
            low = 0.0 if x[i] == 0 else low
            upp = 1.0 if x[i] == n[i] else upp
        np.testing.assert_allclose([ours.lower[i], ours.upper[i]], [low, upp], rtol=1e-12)
        assert ours.estimate[i] == x[i] / n[i]


def test_own_wilson_helper_matches_statsmodels():
    x, n = random_counts(4)
    low, upp = wilson_bounds(x.astype(float), n.astype(float), 1.959963984540054)
    sm_low, sm_upp = proportion_confint(x, n, method="wilson")
    np.testing.assert_allclose(low, sm_low, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(upp, sm_upp, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("method", list(RATE_METHODS))
def test_zero_and_all_converted_are_finite_and_empty_arm_is_nan(method):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        r = rate_interval(np.array([0, 40, 0]), np.array([40, 40, 0]), method=method)
    assert np.isfinite(r.lower[:2]).all() and np.isfinite(r.upper[:2]).all()
    assert (r.lower[:2] >= 0).all() and (r.upper[:2] <= 1).all()
    if method != "wald":  # Wald collapses to a point at 0 and 1; the others do not
        assert r.upper[0] > 0 and r.lower[1] < 1
    assert np.isnan([r.estimate[2], r.lower[2], r.upper[2]]).all()
    assert r.note.tolist() == ["", "", "empty arm: no units"]


def test_jeffreys_ends_follow_brown_cai_dasgupta():
    # Brown, Cai and DasGupta (2001, 4.1.2): lower bound 0 at x = 0, upper bound 1 at x = n; the
    # other bound stays the equal-tailed Beta(x + 1/2, n - x + 1/2) quantile.
    x = np.array([0, 10, 0, 250, 3])
    n = np.array([10, 10, 250, 250, 10])
    r = rate_interval(x, n, method="jeffreys")
    a = 0.05
    assert r.lower[0] == 0.0 and r.lower[2] == 0.0
    assert r.upper[1] == 1.0 and r.upper[3] == 1.0
    np.testing.assert_allclose(r.upper[[0, 2]], stats.beta.ppf(1 - a / 2, 0.5, [10.5, 250.5]))
    np.testing.assert_allclose(r.lower[[1, 3]], stats.beta.ppf(a / 2, [10.5, 250.5], 0.5))
    # Away from the ends nothing changes.
    np.testing.assert_allclose(
        [r.lower[4], r.upper[4]], stats.beta.ppf([a / 2, 1 - a / 2], 3.5, 7.5), rtol=1e-12
    )


def test_jeffreys_covers_small_rates_the_plain_quantiles_miss():
    # The plain lower bound at x = 0 is above 0, so a true rate below it is missed whenever
    # no unit converts: at p = 2e-6 and n = 20, P(x = 0) = 0.99996 and the plain interval covers
    # almost never; with the bound at 0 it covers whenever x = 0. Exact binomial sums, no noise.
    n, p = 20, 2e-6
    xs = np.arange(n + 1)
    pmf = stats.binom.pmf(xs, n, p)
    ours = rate_interval(xs, np.full(n + 1, n), method="jeffreys")
    plain_lo, plain_up = proportion_confint(xs, n, method="jeffreys")
    cover = ((ours.lower <= p) & (p <= ours.upper)) @ pmf
    plain = ((plain_lo <= p) & (p <= plain_up)) @ pmf
    assert plain < 0.01 < 0.99 < cover


def test_scalar_input_gives_floats():
    r = rate_interval(3, 10)
    assert isinstance(r.lower, float) and isinstance(r.note, str)
    assert r.method == "wilson"
