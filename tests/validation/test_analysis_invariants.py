"""Invariants of the interval methods that theory guarantees (statistics.md, "Invariants")."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from sim.analysis import DIFF_METHODS, RATIO_METHODS, diff_interval, diff_test, ratio_interval
from sim.analysis.cost import (
    CPC_METHODS,
    Sums,
    cost_per_conversion_difference,
    cost_per_conversion_interval,
    cost_per_conversion_ratio,
)
from sim.analysis.paired import paired_diff_interval, tango_z
from sim.analysis.two_proportions import ratio_test


def tables(seed: int, k: int = 40):
    rng = np.random.default_rng(seed)
    n1 = rng.integers(10, 400, k)
    n0 = rng.integers(10, 400, k)
    x1 = np.array([rng.integers(1, n) for n in n1])
    x0 = np.array([rng.integers(1, n) for n in n0])
    return x1, n1, x0, n0


@pytest.mark.parametrize("alpha", [0.05, 0.01, 0.2])
@pytest.mark.parametrize("method", ["miettinen-nurminen", "mee"])
def test_score_p_value_at_a_difference_bound_equals_alpha(method, alpha):
    x1, n1, x0, n0 = tables(11)
    ci = diff_interval(x1, n1, x0, n0, alpha=alpha, method=method)
    for bound in (ci.lower, ci.upper):
        p = diff_test(x1, n1, x0, n0, value=bound, method=method).p_value
        np.testing.assert_allclose(p, alpha, atol=1e-6)


@pytest.mark.parametrize("alpha", [0.05, 0.01, 0.2])
@pytest.mark.parametrize("method", ["koopman", "miettinen-nurminen"])
def test_score_p_value_at_a_ratio_bound_equals_alpha(method, alpha):
    x1, n1, x0, n0 = tables(12)
    ci = ratio_interval(x1, n1, x0, n0, alpha=alpha, method=method)
    for bound in (ci.lower, ci.upper):
        p = ratio_test(x1, n1, x0, n0, value=bound, method=method).p_value
        np.testing.assert_allclose(p, alpha, atol=1e-6)


def test_tango_statistic_at_its_bounds_is_the_critical_value():
    rng = np.random.default_rng(13)
    n = rng.integers(20, 400, 30).astype(float)
    b = np.floor(rng.random(30) * n / 3)
    c = np.floor(rng.random(30) * n / 3)
    ci = paired_diff_interval(np.zeros(30), b, c, n)
    np.testing.assert_allclose(tango_z(b, c, n, ci.lower), 1.959963984540054, atol=1e-8)
    np.testing.assert_allclose(tango_z(b, c, n, ci.upper), -1.959963984540054, atol=1e-8)


@pytest.mark.parametrize("method", DIFF_METHODS)
def test_difference_is_antisymmetric(method):
    x1, n1, x0, n0 = tables(14)
    ab = diff_interval(x1, n1, x0, n0, method=method)
    ba = diff_interval(x0, n0, x1, n1, method=method)
    np.testing.assert_allclose(ab.estimate, -ba.estimate, atol=1e-12)
    np.testing.assert_allclose(ab.lower, -ba.upper, atol=1e-9)
    np.testing.assert_allclose(ab.upper, -ba.lower, atol=1e-9)
    np.testing.assert_allclose(ab.p_value, ba.p_value, rtol=1e-6, atol=1e-12)


@pytest.mark.parametrize("method", RATIO_METHODS)
def test_ratio_is_reciprocal(method):
    x1, n1, x0, n0 = tables(15)
    ab = ratio_interval(x1, n1, x0, n0, method=method)
    ba = ratio_interval(x0, n0, x1, n1, method=method)
    np.testing.assert_allclose(ab.estimate, 1 / ba.estimate, rtol=1e-12)
    np.testing.assert_allclose(ab.lower, 1 / ba.upper, rtol=1e-8)
    np.testing.assert_allclose(ab.upper, 1 / ba.lower, rtol=1e-8)


@pytest.mark.parametrize("method", DIFF_METHODS)
def test_difference_intervals_widen_with_the_level(method):
    x1, n1, x0, n0 = tables(17)
    widths = [
        diff_interval(x1, n1, x0, n0, alpha=a, method=method).width for a in (0.2, 0.1, 0.05, 0.01)
    ]
    for narrow, wide in itertools.pairwise(widths):
        assert (wide >= narrow - 1e-12).all()
        assert (wide > narrow).mean() > 0.9  # only clipping at +-1 can tie


@pytest.mark.parametrize("method", RATIO_METHODS)
def test_ratio_intervals_widen_with_the_level(method):
    x1, n1, x0, n0 = tables(18)
    ivs = [ratio_interval(x1, n1, x0, n0, alpha=a, method=method) for a in (0.2, 0.05, 0.01)]
    for narrow, wide in itertools.pairwise(ivs):
        assert (wide.lower < narrow.lower).all() and (wide.upper > narrow.upper).all()


def _cost_tables(seed: int, k: int = 30):
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(2):
        n = rng.integers(200, 2000, k).astype(float)
        y = np.array([rng.binomial(int(m), 0.15) for m in n], dtype=float)
        mean_c, sd_c = 60.0, 30.0
        c = n * mean_c + rng.normal(0, 50, k) * np.sqrt(n)
        cc = n * (mean_c**2 + sd_c**2) + 0 * c
        cy = y * (mean_c + 20)
        out.append(Sums(n, y, c, cc, cy))
    return out


@pytest.mark.parametrize("method", [m for m in CPC_METHODS if not m.startswith("bootstrap")])
def test_cost_per_conversion_ratio_is_reciprocal_and_difference_antisymmetric(method):
    t, c = _cost_tables(19)
    ab = cost_per_conversion_ratio(t, c, method=method)
    ba = cost_per_conversion_ratio(c, t, method=method)
    np.testing.assert_allclose(ab.estimate, 1 / ba.estimate, rtol=1e-12)
    if method != "delta":  # the natural-scale delta interval for a ratio is not reciprocal
        np.testing.assert_allclose(ab.lower, 1 / ba.upper, rtol=1e-9)
        np.testing.assert_allclose(ab.upper, 1 / ba.lower, rtol=1e-9)
    d_ab = cost_per_conversion_difference(t, c, method=method)
    d_ba = cost_per_conversion_difference(c, t, method=method)
    np.testing.assert_allclose(d_ab.lower, -d_ba.upper, rtol=1e-9)
    np.testing.assert_allclose(d_ab.upper, -d_ba.lower, rtol=1e-9)


@pytest.mark.parametrize("method", [m for m in CPC_METHODS if not m.startswith("bootstrap")])
def test_cost_per_conversion_intervals_widen_with_the_level(method):
    t, _ = _cost_tables(20)
    ivs = [cost_per_conversion_interval(t, alpha=a, method=method) for a in (0.2, 0.05, 0.01)]
    for narrow, wide in itertools.pairwise(ivs):
        assert (wide.lower < narrow.lower).all() and (wide.upper > narrow.upper).all()
