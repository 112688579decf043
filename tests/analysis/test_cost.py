"""Cost per conversion intervals: delta, delta-log and Fieller against direct calculations."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from sim.analysis import ArmStats
from sim.analysis.cost import (
    CPC_SUFFICIENT_METHODS,
    DEFAULT_CPC_METHOD,
    Sums,
    cost_per_conversion_difference,
    cost_per_conversion_interval,
    cost_per_conversion_ratio,
)
from sim.errors import InputError

Z = 1.959963984540054
SUFFICIENT = CPC_SUFFICIENT_METHODS


def arm(seed: int, n: int = 500, p: float = 0.12) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    y = (rng.random(n) < p).astype(float)
    c = 40 + rng.exponential(25, n) + y * rng.gamma(2, 30, n)
    return y, c


def mean_cov(y, c):
    """Means of (cost, converted) and the covariance of the means, straight from the units."""
    u = np.stack([c, y])
    return u.mean(axis=1), np.cov(u, ddof=1) / y.size


def test_delta_and_delta_log_match_the_formula_from_units():
    y, c = arm(1)
    (mc, my), v = mean_cov(y, c)
    theta = mc / my
    g = np.array([1 / my, -mc / my**2])
    se = np.sqrt(g @ v @ g)
    r = cost_per_conversion_interval(ArmStats.from_arrays(y, c), method="delta")
    assert r.estimate == pytest.approx(c.sum() / y.sum())
    np.testing.assert_allclose([r.lower, r.upper], [theta - Z * se, theta + Z * se], rtol=1e-10)
    g_log = np.array([1 / mc, -1 / my])
    se_log = np.sqrt(g_log @ v @ g_log)
    r = cost_per_conversion_interval(ArmStats.from_arrays(y, c), method="delta-log")
    np.testing.assert_allclose(
        [r.lower, r.upper], theta * np.exp([-Z * se_log, Z * se_log]), rtol=1e-10
    )


def test_fieller_bounds_solve_the_pivot_equation():
    y, c = arm(2)
    (mc, my), v = mean_cov(y, c)
    r = cost_per_conversion_interval(ArmStats.from_arrays(y, c), method="fieller")
    for theta in (r.lower, r.upper):
        pivot = mc - theta * my
        var = v[0, 0] - 2 * theta * v[0, 1] + theta**2 * v[1, 1]
        assert pivot**2 == pytest.approx(Z**2 * var, rel=1e-9)
    assert r.lower < r.estimate < r.upper


def test_constant_cost_reduces_fieller_to_the_rate_interval():
    # With the same cost k for every lead, CPC = k / rate, and Fieller's set is k divided by
    # the Wald interval of the rate (with the n - 1 variance): a known closed form.
    y, _ = arm(3)
    k = 50.0
    c = np.full(y.size, k)
    r = cost_per_conversion_interval(ArmStats.from_arrays(y, c), method="fieller")
    p = y.mean()
    se = np.sqrt(y.var(ddof=1) / y.size)
    np.testing.assert_allclose([r.lower, r.upper], [k / (p + Z * se), k / (p - Z * se)], rtol=1e-9)


@pytest.mark.parametrize("kind", ["ratio", "difference"])
def test_two_arm_fieller_bounds_solve_the_linearised_pivot(kind):
    yt, ct = arm(4)
    yc, cc = arm(5, p=0.09)
    (a, b), vt = mean_cov(yt, ct)
    (d, e), vc = mean_cov(yc, cc)
    cov = np.zeros((4, 4))
    cov[:2, :2], cov[2:, 2:] = vt, vc
    func = cost_per_conversion_ratio if kind == "ratio" else cost_per_conversion_difference
    r = func(ArmStats.from_arrays(yt, ct), ArmStats.from_arrays(yc, cc), method="fieller")
    for theta in (r.lower, r.upper):
        if kind == "ratio":
            pivot = a * e - theta * b * d
            grad = np.array([e, -theta * d, -theta * b, a])
        else:
            pivot = a * e - d * b - theta * b * e
            grad = np.array([e, -d - theta * e, -b, a - theta * b])
        assert pivot**2 == pytest.approx(Z**2 * grad @ cov @ grad, rel=1e-8)


@pytest.mark.parametrize("method", SUFFICIENT)
def test_ratio_and_difference_estimates(method):
    yt, ct = arm(6)
    yc, cc = arm(7)
    t, c = ArmStats.from_arrays(yt, ct), ArmStats.from_arrays(yc, cc)
    ratio = cost_per_conversion_ratio(t, c, method=method)
    diff = cost_per_conversion_difference(t, c, method=method)
    assert ratio.estimate == pytest.approx(t.cost_per_conversion / c.cost_per_conversion)
    assert diff.estimate == pytest.approx(t.cost_per_conversion - c.cost_per_conversion)
    assert ratio.lower < ratio.estimate < ratio.upper
    assert diff.lower < diff.estimate < diff.upper


def test_ratio_and_difference_p_values_agree_for_fieller():
    # Both invert the same pivot at the null (ratio 1 <=> difference 0): Ct*Yc - Cc*Yt.
    t = ArmStats.from_arrays(*arm(8))
    c = ArmStats.from_arrays(*arm(9, p=0.08))
    p_ratio = cost_per_conversion_ratio(t, c, method="fieller").p_value
    p_diff = cost_per_conversion_difference(t, c, method="fieller").p_value
    assert p_ratio == pytest.approx(p_diff, rel=1e-12)
    assert 0 < p_ratio < 1


@pytest.mark.parametrize("method", SUFFICIENT)
def test_vectorised_equals_scalar(method):
    stats = [ArmStats.from_arrays(*arm(s, n=300 + 10 * s)) for s in range(6)]
    sums = Sums(*(np.array([getattr(s, f) for s in stats]) for f in Sums._fields))
    vec = cost_per_conversion_interval(sums, method=method)
    for i, s in enumerate(stats):
        one = cost_per_conversion_interval(s, method=method)
        np.testing.assert_allclose([one.lower, one.upper], [vec.lower[i], vec.upper[i]])


CASES = [
    (ArmStats(0, 0, 0.0, 0.0, 0.0), "empty arm"),
    (ArmStats(50, 0, 500.0, 6000.0, 0.0), "no conversions"),
    (ArmStats(50, 5), "no cost data"),
    (ArmStats(1, 1, 10.0, 100.0, 10.0), "one unit"),
]


@pytest.mark.parametrize("method", SUFFICIENT)
@pytest.mark.parametrize(("stats", "reason"), CASES)
def test_degenerate_arms_give_nan_with_a_reason(method, stats, reason):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        r = cost_per_conversion_interval(stats, method=method)
        two = cost_per_conversion_ratio(stats, ArmStats.from_arrays(*arm(1)), method=method)
    assert np.isnan([r.lower, r.upper]).all()
    assert reason in r.note
    assert np.isnan([two.lower, two.upper]).all()
    assert reason in two.note and two.note.startswith("treatment: ")


def test_fieller_with_two_conversions_is_unbounded_but_delta_log_is_finite():
    stats = ArmStats(100, 2, 5000.0, 260000.0, 200.0)
    fieller = cost_per_conversion_interval(stats, method="fieller")
    assert np.isnan([fieller.lower, fieller.upper]).all()
    assert "unbounded" in fieller.note
    assert fieller.estimate == pytest.approx(2500.0)
    log = cost_per_conversion_interval(stats, method="delta-log")
    assert 0 < log.lower < 2500.0 < log.upper < np.inf
    assert log.note.startswith("coverage: 2 conversions (< 20)")  # measured outside the band


def test_zero_cost_control_has_no_ratio():
    free = ArmStats.from_arrays(np.array([1.0, 0.0, 1.0]), np.zeros(3))
    r = cost_per_conversion_ratio(ArmStats.from_arrays(*arm(1)), free, method="delta-log")
    assert np.isnan(r.lower) and "log scale undefined" in r.note


def test_bootstrap_without_per_unit_data_is_an_input_error():
    with pytest.raises(InputError, match="per-unit data"):
        cost_per_conversion_interval(ArmStats.from_arrays(*arm(1)), method="bootstrap-bca")
    with pytest.raises(InputError, match="cpc_method"):
        cost_per_conversion_interval(ArmStats.from_arrays(*arm(1)), method="jackknife")


def test_mover_difference_of_independent_arms_from_the_arms_own_intervals():
    # Zou & Donner (2008) with r = 0: lower = t - c - sqrt((t - l_t)^2 + (u_c - c)^2), etc.
    t = ArmStats.from_arrays(*arm(12))
    c = ArmStats.from_arrays(*arm(13, p=0.09))
    for method, per_arm in (("mover-fieller", "fieller"), ("delta-log", "delta-log")):
        at = cost_per_conversion_interval(t, method=per_arm)
        ac = cost_per_conversion_interval(c, method=per_arm)
        d = cost_per_conversion_difference(t, c, method=method)
        et, ec = at.estimate, ac.estimate
        assert d.estimate == pytest.approx(et - ec)
        lower = et - ec - np.hypot(et - at.lower, ac.upper - ec)
        upper = et - ec + np.hypot(at.upper - et, ec - ac.lower)
        np.testing.assert_allclose([d.lower, d.upper], [lower, upper], rtol=1e-12)


def test_default_is_fieller_for_one_arm_and_the_ratio():
    t = ArmStats.from_arrays(*arm(14))
    c = ArmStats.from_arrays(*arm(15))
    assert DEFAULT_CPC_METHOD == "mover-fieller"
    one, fieller = (
        cost_per_conversion_interval(c),
        cost_per_conversion_interval(c, method="fieller"),
    )
    assert (one.lower, one.upper) == (fieller.lower, fieller.upper)
    ratio = cost_per_conversion_ratio(t, c)
    f_ratio = cost_per_conversion_ratio(t, c, method="fieller")
    assert (ratio.lower, ratio.upper, ratio.p_value) == (
        f_ratio.lower,
        f_ratio.upper,
        f_ratio.p_value,
    )


def test_results_in_the_measured_low_coverage_region_carry_a_warning():
    rng = np.random.default_rng(16)
    n = 600
    y = (rng.random(n) < 0.1).astype(float)
    light = ArmStats.from_arrays(y, 40 + rng.exponential(25, n))
    assert light.conversions >= 20
    assert "coverage" not in cost_per_conversion_interval(light).note
    few = ArmStats.from_arrays(y[:150], 40 + rng.exponential(25, 150))
    assert few.conversions < 20
    assert "coverage: " in cost_per_conversion_interval(few).note
    assert "coverage: " in cost_per_conversion_ratio(light, few).note
    # 70% of units cost nothing, the rest LogNormal(0, 1.5) (the docs' heavy-tailed model).
    heavy_cost = np.where(rng.random(n) < 0.3, 100 * rng.lognormal(0, 1.5, n), 0.0)
    heavy = ArmStats.from_arrays(y, heavy_cost)
    assert np.std(heavy_cost) / np.mean(heavy_cost) > 3
    assert "heavy-tailed costs" in cost_per_conversion_interval(heavy).note
    assert "heavy-tailed costs" in cost_per_conversion_difference(light, heavy).note
