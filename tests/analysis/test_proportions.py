"""Interval for one conversion rate: agreement with statsmodels and degenerate cells."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from statsmodels.stats.proportion import proportion_confint

from sim.analysis import RATE_METHODS, rate_interval
from sim.analysis.proportions import wilson_bounds


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
        low, upp = proportion_confint(int(x[i]), int(n[i]), method=RATE_METHODS[method])
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


def test_scalar_input_gives_floats():
    r = rate_interval(3, 10)
    assert isinstance(r.lower, float) and isinstance(r.note, str)
    assert r.method == "wilson"
