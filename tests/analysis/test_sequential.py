"""Sequential monitoring: spending functions, boundary recursion, mSPRT, monitor()."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import integrate
from scipy.stats import multivariate_normal, norm
from statsmodels.stats.proportion import proportions_ztest

import sim.analysis.sequential as seq
from sim.analysis.sequential import (
    Look,
    alpha_spending,
    always_valid_p_values,
    crossing_probabilities,
    effective_n,
    group_sequential_bounds,
    monitor,
    msprt_log_likelihood_ratio,
    msprt_tau,
    msprt_z_boundary,
    two_proportion_z,
)
from sim.errors import InputError

COLUMNS = [
    "look",
    "information_fraction",
    "n_control",
    "conversions_control",
    "n_treatment",
    "conversions_treatment",
    "abs_lift",
    "abs_lift_ci_lower",
    "abs_lift_ci_upper",
    "z",
    "boundary",
    "p_value",
    "p_value_adjusted",
    "stop",
    "alpha_spent",
    "method",
]


def _brownian_cov(t):
    t = np.asarray(t, dtype=float)
    return np.sqrt(np.minimum.outer(t, t) / np.maximum.outer(t, t))


def _mvn_continue(c, t):
    """P(|Z_j| < c_j for all j) by scipy's Genz integration, an independent method."""
    c = np.asarray(c, dtype=float)
    # Genz's quasi-Monte Carlo: seeded, and good to about 1e-6 at this many points.
    dist = multivariate_normal(mean=np.zeros(len(t)), cov=_brownian_cov(t), seed=12345)
    dist.abseps, dist.releps, dist.maxpts = 1e-7, 1e-7, 1_000_000
    return dist.cdf(c, lower_limit=-c)


# --------------------------------------------------------------------------- spending


@pytest.mark.parametrize("spending", ["obf", "pocock"])
def test_spending_functions_spend_alpha_monotonically(spending):
    t = np.linspace(0, 1, 101)
    spent = alpha_spending(t, alpha=0.05, spending=spending)
    assert spent[0] == 0.0
    assert spent[-1] == pytest.approx(0.05, abs=1e-15)
    assert np.all(np.diff(spent) > 0)


def test_obf_spends_less_early_than_pocock():
    t = np.array([0.1, 0.3, 0.5, 0.7, 0.9])
    assert np.all(alpha_spending(t, spending="obf") < alpha_spending(t, spending="pocock"))


def test_obf_spending_is_two_one_sided_halves():
    # Each side spends alpha/2 with the one-sided Lan-DeMets function 2 - 2 Phi(z_{a/2}/sqrt t)
    t = 0.37
    one_side = 2 - 2 * norm.cdf(norm.isf(0.025 / 2) / math.sqrt(t))
    assert alpha_spending(t, alpha=0.05, spending="obf") == pytest.approx(2 * one_side)


# --------------------------------------------------------------------------- boundaries


def test_single_look_is_the_fixed_sample_test():
    bounds = group_sequential_bounds([1.0], alpha=0.05)
    assert bounds.z[0] == pytest.approx(norm.isf(0.025), abs=1e-9)


@pytest.mark.parametrize("spending", ["obf", "pocock"])
@pytest.mark.parametrize(
    "t", [[0.2, 0.4, 0.6, 0.8, 1.0], [0.1, 0.15, 0.5, 0.9, 1.0], [1 / 6 * k for k in range(1, 7)]]
)
def test_boundaries_spend_exactly_the_planned_alpha(spending, t):
    bounds = group_sequential_bounds(t, alpha=0.05, spending=spending)
    increments = np.diff(bounds.alpha_spent, prepend=0.0)
    assert bounds.crossing_probability == pytest.approx(increments, abs=1e-9)
    # and by an independent integration: P(continue through look k) = 1 - alpha(t_k)
    for k in (2, len(t)):
        assert 1 - _mvn_continue(bounds.z[:k], t[:k]) == pytest.approx(
            bounds.alpha_spent[k - 1], abs=1e-5
        )


def test_boundaries_do_not_depend_on_the_grid():
    t = [0.25, 0.5, 0.75, 1.0]
    coarse = group_sequential_bounds(t, spending="obf").z
    original = (seq._MAX_STEP, seq._POINTS_PER_SD, seq._MAX_INTERVALS)
    try:
        seq._MAX_STEP, seq._POINTS_PER_SD, seq._MAX_INTERVALS = 0.004, 50, 20_000
        fine = group_sequential_bounds(t, spending="obf").z
    finally:
        seq._MAX_STEP, seq._POINTS_PER_SD, seq._MAX_INTERVALS = original
    assert coarse == pytest.approx(fine, abs=1e-6)


def test_crossing_probabilities_of_naive_peeking_match_mvn():
    t = [0.3, 0.55, 1.0]
    c = [norm.isf(0.025)] * 3
    got = crossing_probabilities(c, t).sum()
    assert got == pytest.approx(1 - _mvn_continue(c, t), abs=1e-5)
    assert got > 0.08  # three looks at 5% each: well above 5%


@pytest.mark.parametrize(
    ("t", "where"),
    [([0.5, 0.4], "information_fractions"), ([0.0, 1.0], "information_fractions"),
     ([0.5, 1.2], "information_fractions"), ([], "information_fractions")],
)  # fmt: skip
def test_bad_fractions(t, where):
    with pytest.raises(InputError) as err:
        group_sequential_bounds(t)
    assert err.value.where == where


def test_bad_spending_and_alpha():
    with pytest.raises(InputError, match="spending"):
        group_sequential_bounds([0.5, 1.0], spending="haybittle")
    with pytest.raises(InputError, match="alpha"):
        group_sequential_bounds([0.5, 1.0], alpha=0.0)


# --------------------------------------------------------------------------- statistics


@pytest.mark.parametrize(("n_c", "x_c", "n_t", "x_t"), [(100, 20, 100, 30), (250, 40, 120, 12)])
def test_z_matches_statsmodels_pooled_ztest(n_c, x_c, n_t, x_t):
    expected, _ = proportions_ztest([x_t, x_c], [n_t, n_c])
    assert float(two_proportion_z(n_c, x_c, n_t, x_t)) == pytest.approx(expected, rel=1e-12)


def test_z_of_a_degenerate_look_is_zero_not_nan():
    assert two_proportion_z([10, 10], [0, 10], [10, 10], [0, 10]).tolist() == [0.0, 0.0]


@pytest.mark.parametrize(
    ("z", "n", "tau"), [(0.0, 50.0, 0.2), (2.5, 400.0, 0.1), (-1.7, 10.0, 1.0)]
)
def test_msprt_likelihood_ratio_is_the_normal_mixture(z, n, tau):
    # Lambda = integral over delta ~ N(0, tau^2) of exp(delta S - delta^2 n / 2), S = z sqrt(n)
    s = z * math.sqrt(n)
    direct, _ = integrate.quad(
        lambda d: norm.pdf(d, scale=tau) * math.exp(d * s - d * d * n / 2), -np.inf, np.inf
    )
    assert math.exp(msprt_log_likelihood_ratio(z, n, tau)) == pytest.approx(direct, rel=1e-8)


def test_msprt_boundary_is_where_lambda_reaches_one_over_alpha():
    n, tau = np.array([20.0, 300.0, 5000.0]), 0.12
    b = msprt_z_boundary(n, tau, alpha=0.05)
    assert np.exp(msprt_log_likelihood_ratio(b, n, tau)) == pytest.approx(20.0, rel=1e-10)


def test_msprt_tau_gives_the_tightest_boundary_at_the_horizon():
    tau = msprt_tau(800.0, alpha=0.05)
    best = float(msprt_z_boundary(800.0, tau))
    for other in (tau * 0.8, tau * 0.95, tau * 1.05, tau * 1.25):
        assert float(msprt_z_boundary(800.0, other)) > best


def test_always_valid_p_values_never_increase():
    rng = np.random.default_rng(np.random.SeedSequence(7))
    z = rng.normal(size=(50, 12))
    p = always_valid_p_values(z, np.arange(1, 13) * 40.0, tau=0.15)
    assert np.all(np.diff(p, axis=1) <= 0)
    assert np.all((p > 0) & (p <= 1))


def test_effective_n():
    assert float(effective_n(100, 100)) == 50.0
    assert float(effective_n(100, 300)) == pytest.approx(75.0)


# --------------------------------------------------------------------------- monitor


def _looks(lift_per_month=3, months=6):
    return [Look(50 * k, 10 * k, 50 * k, 10 * k + lift_per_month * k) for k in range(1, months + 1)]


@pytest.mark.parametrize("method", ["obf", "pocock", "msprt", "naive"])
def test_monitor_schema_and_counts(method):
    df = monitor(_looks(), method=method, planned_looks=6)
    assert list(df.columns) == COLUMNS
    assert df["look"].tolist() == [1, 2, 3, 4, 5, 6]
    assert df["n_control"].tolist() == [50 * k for k in range(1, 7)]
    assert df["abs_lift"].to_numpy() == pytest.approx(0.06)
    assert (df["method"] == method).all()
    assert np.all(df["abs_lift_ci_lower"] < df["abs_lift"] + 0.01)
    assert np.all(df["abs_lift_ci_upper"] > df["abs_lift_ci_lower"])
    stop = df["stop"].to_numpy()
    assert np.all(stop[1:] >= stop[:-1])  # once stopped, stays stopped


@pytest.mark.parametrize("method", ["obf", "pocock"])
def test_group_sequential_monitor_uses_the_boundaries(method):
    df = monitor(_looks(lift_per_month=4), method=method, planned_looks=6)
    bounds = group_sequential_bounds([k / 6 for k in range(1, 7)], spending=method)
    assert df["boundary"].to_numpy() == pytest.approx(bounds.z)
    assert df["alpha_spent"].to_numpy() == pytest.approx(bounds.alpha_spent)
    assert (
        df["stop"].to_numpy().tolist()
        == np.logical_or.accumulate(np.abs(df["z"]) >= df["boundary"]).tolist()
    )
    # the stagewise p-value is below the alpha spent exactly when the look stops the test
    first = int(np.argmax(df["stop"])) if df["stop"].any() else None
    for k, row in df.iterrows():
        if first is None or k <= first:
            assert (row["p_value_adjusted"] <= row["alpha_spent"]) == bool(row["stop"])
    assert df["p_value_adjusted"].iloc[0] == pytest.approx(df["p_value"].iloc[0])


def test_stagewise_p_value_at_the_final_look_reaches_alpha_at_the_boundary():
    # A final statistic exactly on the boundary has adjusted p = alpha (the definition of
    # the boundary), whatever happened before.
    t = [1 / 3, 2 / 3, 1.0]
    bounds = group_sequential_bounds(t, spending="pocock")
    _, _, tail = seq._walk(np.array(t), lambda k, d: bounds.z[k], observed=np.array(bounds.z))
    before = sum(bounds.crossing_probability[:2])
    assert before + tail[2] == pytest.approx(0.05, abs=1e-9)


def test_naive_monitor_reports_the_true_accumulated_error():
    df = monitor(_looks(), method="naive")
    assert df["boundary"].to_numpy() == pytest.approx(norm.isf(0.025))
    assert df["alpha_spent"].iloc[0] == pytest.approx(0.05)
    assert df["alpha_spent"].iloc[-1] > 0.12  # six looks at 5%: the inflation to avoid
    assert df["p_value_adjusted"].tolist() == df["p_value"].tolist()


def test_msprt_monitor():
    df = monitor(_looks(lift_per_month=5), method="msprt", max_information=600)
    n_eff = effective_n(df["n_control"], df["n_treatment"])
    tau = msprt_tau(150.0)  # 600 leads split evenly: n_eff = 150
    assert df["boundary"].to_numpy() == pytest.approx(msprt_z_boundary(n_eff, tau))
    assert df["p_value_adjusted"].to_numpy() == pytest.approx(
        always_valid_p_values(df["z"], n_eff, tau)
    )
    assert df["alpha_spent"].isna().all()
    # always-valid p-values are never below the nominal ones, and the sequence is nested
    assert np.all(df["p_value_adjusted"] >= df["p_value"])
    width = df["abs_lift_ci_upper"] - df["abs_lift_ci_lower"]
    assert np.all(np.diff(width) <= 1e-15)
    assert df["stop"].tolist() == (df["p_value_adjusted"] <= 0.05).tolist()


def test_msprt_tau_can_be_given():
    wide = monitor(_looks(), method="msprt", msprt_tau=0.5)
    assert wide["boundary"].to_numpy() == pytest.approx(
        msprt_z_boundary(effective_n(wide["n_control"], wide["n_treatment"]), 0.5)
    )


def test_information_fraction_on_looks_overrides_the_plan():
    looks = [Look(100, 20, 100, 25, 0.25), Look(400, 80, 400, 100, 1.0)]
    df = monitor(looks, method="obf")
    assert df["information_fraction"].tolist() == [0.25, 1.0]
    assert df["boundary"].to_numpy() == pytest.approx(group_sequential_bounds([0.25, 1.0]).z)


def test_max_information_overrun_spends_the_rest():
    looks = [Look(100, 20, 100, 22), Look(260, 52, 260, 60)]
    df = monitor(looks, method="obf", max_information=400)
    assert df["information_fraction"].tolist() == [0.5, 1.0]
    assert df["alpha_spent"].iloc[-1] == pytest.approx(0.05)


def test_degenerate_looks_give_finite_rows():
    looks = [Look(10, 0, 10, 0), Look(20, 0, 20, 1), Look(30, 0, 30, 3)]
    for method in ("obf", "pocock", "msprt", "naive"):
        df = monitor(looks, method=method, planned_looks=3)
        numeric = df[["z", "boundary", "p_value", "p_value_adjusted", "abs_lift_ci_lower"]]
        assert np.isfinite(numeric.to_numpy(dtype=float)).all(), method
        assert df["abs_lift_ci_upper"].iloc[-1] > df["abs_lift_ci_lower"].iloc[-1]


@pytest.mark.parametrize(
    ("looks", "options", "where"),
    [
        ([], {"planned_looks": 3}, "looks"),
        ([Look(10, 11, 10, 2)], {"planned_looks": 3}, "looks[0]"),
        ([Look(10, 1, 0, 0)], {"planned_looks": 3}, "looks[0]"),
        ([Look(10, -1, 10, 2)], {"planned_looks": 3}, "looks[0].x_c"),
        ([Look(10.5, 1, 10, 2)], {"planned_looks": 3}, "looks[0].n_c"),
        ([Look(20, 5, 20, 5), Look(30, 4, 30, 6)], {"planned_looks": 3}, "looks"),
        ([Look(20, 5, 20, 5), Look(20, 5, 20, 5)], {"planned_looks": 3}, "looks"),
        ([Look(20, 5, 20, 5)], {}, "planned_looks"),
        ([Look(20, 5, 20, 5), Look(40, 9, 40, 9)], {"planned_looks": 1}, "planned_looks"),
        ([Look(20, 5, 20, 5)], {"max_information": -4}, "max_information"),
        (
            [Look(20, 5, 20, 5), Look(40, 9, 40, 9), Look(60, 9, 60, 9)],
            {"max_information": 80},
            "looks[2]",
        ),
        ([Look(20, 5, 20, 5)], {"planned_looks": 2, "method": "bayes"}, "method"),
        ([Look(20, 5, 20, 5)], {"method": "msprt", "msprt_tau": -1.0}, "msprt_tau"),
    ],
)
def test_monitor_bad_input(looks, options, where):
    options = {"method": "obf", **options}
    with pytest.raises(InputError) as err:
        monitor(looks, **options)
    assert err.value.where == where
