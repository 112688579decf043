"""Difference and ratio of two independent rates: agreement with statsmodels and edge cases."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from scipy import optimize
from statsmodels.stats import proportion as smp

from sim.analysis import DIFF_METHODS, RATIO_METHODS, diff_interval, diff_test, ratio_interval
from sim.analysis.two_proportions import diff_score_z, ratio_score_z
from sim.errors import InputError


def random_tables(seed: int, k: int = 60, zeros: bool = False):
    """k random 2x2 tables; without ``zeros`` every cell count is at least 1."""
    rng = np.random.default_rng(seed)
    n1 = rng.integers(5, 500, k)
    n0 = rng.integers(5, 500, k)
    lo = 0 if zeros else 1
    x1 = np.array([rng.integers(lo, n - lo + 1) for n in n1])
    x0 = np.array([rng.integers(lo, n - lo + 1) for n in n0])
    return x1, n1, x0, n0


TABLES = list(zip(*random_tables(1), strict=True))

# (our method, statsmodels compare, statsmodels method, correction)
STATSMODELS_INTERVALS = [
    ("wald", "diff", "wald", True),
    ("agresti-caffo", "diff", "agresti-caffo", True),
    ("newcombe", "diff", "newcomb", True),
    ("koopman", "ratio", "score", False),
    ("miettinen-nurminen", "ratio", "score", True),
    ("katz", "ratio", "log", True),
    ("katz-adjusted", "ratio", "log-adjusted", True),
]


@pytest.mark.parametrize(("ours", "compare", "sm_method", "correction"), STATSMODELS_INTERVALS)
def test_intervals_agree_with_statsmodels_on_60_random_tables(ours, compare, sm_method, correction):
    x1, n1, x0, n0 = (np.array(v) for v in zip(*TABLES, strict=True))
    func = diff_interval if compare == "diff" else ratio_interval
    mine = func(x1, n1, x0, n0, method=ours)
    for i, (a, b, c, d) in enumerate(TABLES):
        low, upp = smp.confint_proportions_2indep(
            a, b, c, d, method=sm_method, compare=compare, correction=correction
        )
        # Score intervals are found by root-finding on both sides; 1e-7 relative is far below
        # any reported digit and above both solvers' tolerances.
        np.testing.assert_allclose([mine.lower[i], mine.upper[i]], [low, upp], rtol=1e-7)


# (our method, statsmodels compare, statsmodels method, correction)
STATSMODELS_TESTS = [
    ("wald", "diff", "wald", True),
    ("agresti-caffo", "diff", "agresti-caffo", True),
    ("miettinen-nurminen", "diff", "score", True),
    ("mee", "diff", "score", False),
    ("koopman", "ratio", "score", False),
    ("miettinen-nurminen", "ratio", "score", True),
    ("katz", "ratio", "log", True),
    ("katz-adjusted", "ratio", "log-adjusted", True),
]


@pytest.mark.parametrize(("ours", "compare", "sm_method", "correction"), STATSMODELS_TESTS)
def test_p_values_agree_with_statsmodels_on_60_random_tables(ours, compare, sm_method, correction):
    x1, n1, x0, n0 = (np.array(v) for v in zip(*TABLES, strict=True))
    func = diff_interval if compare == "diff" else ratio_interval
    mine = func(x1, n1, x0, n0, method=ours)
    for i, (a, b, c, d) in enumerate(TABLES):
        res = smp.test_proportions_2indep(
            a, b, c, d, method=sm_method, compare=compare, correction=correction
        )
        assert mine.p_value[i] == pytest.approx(res.pvalue, rel=1e-9, abs=1e-15)


def test_ratio_score_statistic_agrees_with_statsmodels_away_from_the_null():
    # The ratio's constrained MLE in statsmodels is right; check the statistic off the null too.
    for a, b, c, d in TABLES[:20]:
        for value in (0.5, 0.9, 1.7, 3.0):
            sm = smp.score_test_proportions_2indep(a, b, c, d, value=value, compare="ratio")
            ours = ratio_score_z(
                np.array([a]), np.array([b]), np.array([c]), np.array([d]), value, correction=True
            )
            assert ours[0] == pytest.approx(sm.statistic, rel=1e-9)


def _restricted_loglik(p0, delta, x1, n1, x0, n0):
    p1 = p0 + delta
    return x1 * np.log(p1) + (n1 - x1) * np.log1p(-p1) + x0 * np.log(p0) + (n0 - x0) * np.log1p(-p0)


def _brute_force_score_interval(x1, n1, x0, n0, correction, alpha=0.05):
    """Score interval for p1 - p0 by numerical constrained MLE and root finding."""
    z = 1.959963984540054

    def stat(delta):
        lo, hi = max(0.0, -delta) + 1e-12, min(1.0, 1.0 - delta) - 1e-12
        res = optimize.minimize_scalar(
            lambda p: -_restricted_loglik(p, delta, x1, n1, x0, n0),
            bounds=(lo, hi),
            method="bounded",
            options={"xatol": 1e-13},
        )
        p0 = res.x
        p1 = p0 + delta
        var = p1 * (1 - p1) / n1 + p0 * (1 - p0) / n0
        if correction:
            var *= (n1 + n0) / (n1 + n0 - 1)
        return (x1 / n1 - x0 / n0 - delta) / np.sqrt(var)

    d = x1 / n1 - x0 / n0
    lower = optimize.brentq(lambda t: stat(t) - z, -1 + 1e-9, d, xtol=1e-12)
    upper = optimize.brentq(lambda t: stat(t) + z, d, 1 - 1e-9, xtol=1e-12)
    return lower, upper


@pytest.mark.parametrize("method", ["miettinen-nurminen", "mee"])
def test_score_difference_intervals_match_a_brute_force_constrained_mle(method):
    # statsmodels' score interval for the difference uses a wrong cubic coefficient
    # (statsmodels issue #10269), so the reference here is an independent numerical solution.
    correction = method == "miettinen-nurminen"
    for a, b, c, d in TABLES[:25]:
        ref = _brute_force_score_interval(a, b, c, d, correction)
        ours = diff_interval(a, b, c, d, method=method)
        np.testing.assert_allclose([ours.lower, ours.upper], ref, atol=1e-6)


def test_statsmodels_difference_score_null_estimate_is_not_the_restricted_maximum():
    # Why the difference score intervals are not compared with statsmodels: its null estimate
    # has a lower restricted likelihood than ours (ours is the maximiser).
    x1, n1, x0, n0, delta = 56, 70, 48, 80, 0.3382
    sm = smp.score_test_proportions_2indep(x1, n1, x0, n0, value=delta, compare="diff")
    grid = np.linspace(1e-6, 1 - delta - 1e-6, 200_001)
    best = grid[np.argmax(_restricted_loglik(grid, delta, x1, n1, x0, n0))]
    assert abs(sm.prop2_null - best) > 0.01
    ours = diff_score_z(
        np.array([56.0]), np.array([70.0]), np.array([48.0]), np.array([80.0]), delta,
        correction=True,
    )  # fmt: skip
    assert ours[0] == pytest.approx(-1.96, abs=0.002)  # the published MN bound is 0.3382


@pytest.mark.parametrize("method", DIFF_METHODS)
def test_difference_vectorised_equals_scalar(method):
    x1, n1, x0, n0 = random_tables(7, k=10, zeros=True)
    vec = diff_interval(x1, n1, x0, n0, method=method)
    for i in range(10):
        one = diff_interval(int(x1[i]), int(n1[i]), int(x0[i]), int(n0[i]), method=method)
        assert isinstance(one.lower, float)
        np.testing.assert_allclose(
            [one.estimate, one.lower, one.upper, one.p_value],
            [vec.estimate[i], vec.lower[i], vec.upper[i], vec.p_value[i]],
            equal_nan=True,
        )
        assert one.note == vec.note[i]


DEGENERATE = [(0, 50, 0, 50), (50, 50, 50, 50), (0, 50, 50, 50), (50, 50, 0, 50), (0, 1, 1, 1)]


@pytest.mark.parametrize("method", DIFF_METHODS)
@pytest.mark.parametrize("table", DEGENERATE)
def test_degenerate_differences_never_raise_and_stay_finite(method, table):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no RuntimeWarning leaks out either
        r = diff_interval(*table, method=method)
    assert np.isfinite([r.estimate, r.lower, r.upper]).all()
    assert -1.0 <= r.lower <= r.estimate <= r.upper <= 1.0
    if np.isnan(r.p_value):
        assert r.note  # a missing p-value always says why
    if method in ("newcombe", "newcombe-cc", "miettinen-nurminen", "mee", "agresti-caffo"):
        assert r.upper > r.lower  # the recommended methods never collapse to a point


@pytest.mark.parametrize("method", RATIO_METHODS)
@pytest.mark.parametrize("table", DEGENERATE)
def test_degenerate_ratios_never_raise(method, table):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        r = ratio_interval(*table, method=method)
    x1, _, x0, _ = table
    if x1 == 0 and x0 == 0:
        assert np.isnan([r.estimate, r.lower, r.upper]).all()
        assert "no conversions in either arm" in r.note
    elif method in ("koopman", "miettinen-nurminen"):
        # Score intervals exist: [0, finite] with no treatment conversions, [finite, inf)
        # with no control conversions.
        assert 0.0 <= r.lower <= r.upper
        assert (x0 == 0) == np.isinf(r.upper)
        assert np.isfinite(r.lower)
    elif method == "katz" and 0 in (x1, x0):
        assert np.isnan(r.lower) and "katz undefined" in r.note


@pytest.mark.parametrize("func", [diff_interval, ratio_interval])
def test_empty_arm_gives_nan_with_a_reason(func):
    r = func(3, 10, 0, 0)
    assert np.isnan([r.estimate, r.lower, r.upper, r.p_value]).all()
    assert r.note == "empty arm: no units"
    vec = func(np.array([3, 3]), np.array([10, 10]), np.array([0, 2]), np.array([0, 10]))
    assert np.isnan(vec.lower[0]) and np.isfinite(vec.lower[1])
    assert vec.note.tolist() == ["empty arm: no units", ""]


def test_unknown_method_and_bad_alpha_are_input_errors():
    with pytest.raises(InputError, match="newcombe"):
        diff_interval(1, 10, 2, 10, method="exact")
    with pytest.raises(InputError, match=r"alpha.*\(0, 1\)"):
        ratio_interval(1, 10, 2, 10, alpha=1.5)


def test_newcombe_p_value_is_the_level_where_the_interval_touches_zero():
    for a, b, c, d in TABLES[:15]:
        for method in ("newcombe", "newcombe-cc"):
            p = diff_test(a, b, c, d, method=method).p_value
            if not 1e-12 < p < 1:
                continue
            at_p = diff_interval(a, b, c, d, alpha=p, method=method)
            bound = at_p.lower if at_p.estimate > 0 else at_p.upper
            assert bound == pytest.approx(0.0, abs=1e-9)
