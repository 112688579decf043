"""EVPI and EVPPI against closed forms and against each other (known answers).

Toy decision: a strategy versus doing nothing with incremental net benefit
``INB = a * x1 + b * x2`` for independent normal inputs ``x_i ~ N(mu_i, sd_i^2)``. Then
``E(INB | x1) = a x1 + b mu2 ~ N(m, (a sd1)^2)`` with ``m = a mu1 + b mu2`` and, for
``Z ~ N(m, s^2)``, ``E max(Z, 0) - max(m, 0) = s phi(m/s) + m Phi(m/s) - max(m, 0)``:

    EVPI      = that with s = sqrt((a sd1)^2 + (b sd2)^2)
    EVPPI(x1) = that with s = |a| sd1,  EVPPI(x2) with s = |b| sd2.

Every check allows 3 Monte Carlo standard errors (the estimators' own: sd/sqrt(n) for EVPI
and nested EVPPI, the bootstrap for regression EVPPI); seeds were fixed before looking.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from sim.study.methods.inputs import Factor
from sim.study.methods.value.evpi import evpi
from sim.study.methods.value.evppi import evppi, evppi_from_draws
from sim.study.methods.value.nested_evppi import evppi_nested
from sim.study.methods.value.psa import PSADraws

A, B = 3.0, 2.0
MU = (0.1, 0.05)  # m = 0.4: the decision is close, so information has value
SD = (1.0, 1.0)
N = 8192


def normal_max_gain(m: float, s: float) -> float:
    """E max(Z, 0) - max(m, 0) for Z ~ N(m, s^2)."""
    return s * stats.norm.pdf(m / s) + m * stats.norm.cdf(m / s) - max(m, 0.0)


M = A * MU[0] + B * MU[1]
EVPI_TRUE = normal_max_gain(M, np.hypot(A * SD[0], B * SD[1]))
EVPPI_TRUE = {"x1": normal_max_gain(M, A * SD[0]), "x2": normal_max_gain(M, B * SD[1])}


def toy_draws(
    seed: int, n: int = N, mu: tuple[float, float] = MU
) -> tuple[np.ndarray, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    x1 = rng.normal(mu[0], SD[0], n)
    x2 = rng.normal(mu[1], SD[1], n)
    x3 = rng.normal(0.0, 1.0, n)  # enters nothing
    nb = np.c_[np.zeros(n), A * x1 + B * x2]
    return nb, pd.DataFrame({"x1": x1, "x2": x2, "x3": x3})


def test_evpi_matches_closed_form_on_the_normal_toy():
    nb, _ = toy_draws(seed=11)
    e = evpi(nb)
    assert abs(e.estimate - EVPI_TRUE) <= 3 * e.se, (e, EVPI_TRUE)
    b = evpi(nb, batches=32)
    assert abs(b.estimate - EVPI_TRUE) <= 3 * b.se, (b, EVPI_TRUE)


def test_evpi_closed_form_through_patients_cost_and_value():
    # dP ~ N(2, 1), dC ~ N(1000, 300^2) independent; at $600 a patient INB ~ N(200, 600^2+300^2)
    rng = np.random.default_rng(12)
    n = 20_000
    dp, dc = rng.normal(2.0, 1.0, n), rng.normal(1000.0, 300.0, n)
    draws = PSADraws(
        ("no_nurture", "nurture"),
        np.c_[np.full(n, 40.0), 40.0 + dp],
        np.c_[np.full(n, 5000.0), 5000.0 + dc],
        value_usd=np.full(n, 600.0),
    )
    e = evpi(draws.net_benefit())
    truth = normal_max_gain(200.0, np.hypot(600.0, 300.0))
    assert abs(e.estimate - truth) <= 3 * e.se, (e, truth)


def test_regression_evppi_matches_closed_form_per_input():
    nb, params = toy_draws(seed=21)
    t = evppi(nb, params, n_bootstrap=200, seed=5).set_index("parameter")
    for name in ("x1", "x2"):
        row = t.loc[name]
        assert row.method == "spline-gcv"
        assert abs(row.evppi - EVPPI_TRUE[name]) <= 3 * row.evppi_se, (name, row, EVPPI_TRUE)


def test_regression_evppi_of_an_input_that_enters_nothing_is_zero():
    # mean INB 0: a tie on expectation, where noise in the fitted E(INB | x3) crosses 0 and
    # the estimate is not trivially 0 (it is >= 0 by construction, so the check is one-sided)
    nb, params = toy_draws(seed=31, mu=(0.0, 0.0))
    row = evppi(nb, params, names=["x3"], n_bootstrap=200, seed=6).iloc[0]
    assert row.evppi_se > 0, row
    assert 0.0 <= row.evppi <= 3 * row.evppi_se, row


def test_evppi_of_the_only_input_equals_evpi():
    # a nonlinear net benefit that depends on one input only: EVPPI(theta) = EVPI
    rng = np.random.default_rng(41)
    theta = rng.uniform(-2.0, 2.0, N)
    nb = np.c_[np.zeros(N), np.sin(2.0 * theta) + 0.3 * theta - 0.1, 0.5 * theta**2 - 0.6]
    row = evppi(nb, {"theta": theta}, n_bootstrap=200, seed=7).iloc[0]
    assert abs(row.evppi - row.evpi) <= 3 * row.evppi_se, row


def test_evppi_of_a_discrete_input_uses_exact_conditional_means():
    # x1 takes 5 values: E(INB | x1) is a mean per value, and EVPPI has a closed form
    rng = np.random.default_rng(51)
    levels = np.array([-2.0, -1.0, 0.0, 1.0, 2.0])
    x1 = rng.choice(levels, N)
    x2 = rng.normal(0.0, 2.0, N)
    nb = np.c_[np.zeros(N), x1 + 0.2 + x2]
    truth = np.mean(np.maximum(levels + 0.2, 0.0)) - 0.2
    row = evppi(nb, {"x1": x1}, n_bootstrap=200, seed=8).iloc[0]
    assert row.method == "conditional-means"
    assert abs(row.evppi - truth) <= 3 * row.evppi_se, (row, truth)


TOY_INPUTS = [
    Factor("x1", stats.norm(MU[0], SD[0])),
    Factor("x2", stats.norm(MU[1], SD[1])),
]


def toy_model(points: np.ndarray) -> np.ndarray:
    return np.c_[np.zeros(len(points)), A * points[:, 0] + B * points[:, 1]]


def test_nested_evppi_matches_closed_form():
    # inner means of 1000 draws: the O(1/n_inner) bias is ~(b sd2)^2/1000 * density, << SE
    for name in ("x1", "x2"):
        e = evppi_nested(toy_model, TOY_INPUTS, name, n_outer=2000, n_inner=1000, seed=61)
        assert abs(e.estimate - EVPPI_TRUE[name]) <= 3 * e.se, (name, e, EVPPI_TRUE)


def three_strategy_model(points: np.ndarray) -> np.ndarray:
    x1, x2 = points[:, 0], points[:, 1]
    return np.c_[np.zeros(len(points)), x1 + 0.5 * x2, 0.4 * x1**2 - 0.3 + 0.8 * x2]


def test_regression_and_nested_evppi_agree_on_three_nonlinear_strategies():
    inputs = [Factor("x1", stats.norm(0.0, 1.0)), Factor("x2", stats.uniform(-1.0, 2.0))]
    rng = np.random.default_rng(71)
    pts = np.c_[rng.normal(0.0, 1.0, N), rng.uniform(-1.0, 1.0, N)]
    draws = PSADraws(
        ("none", "linear", "curved"),
        three_strategy_model(pts),
        np.zeros((N, 3)),
        parameters=pd.DataFrame(pts, columns=["x1", "x2"]),
    )
    # value 1 per "patient": the model's outputs are the net benefits themselves
    table = evppi_from_draws(draws, 1.0, n_bootstrap=200, seed=9).set_index("parameter")
    for name in ("x1", "x2"):
        nested = evppi_nested(
            three_strategy_model, inputs, name, n_outer=2000, n_inner=1000, seed=72
        )
        reg = table.loc[name]
        combined = np.hypot(reg.evppi_se, nested.se)
        assert abs(reg.evppi - nested.estimate) <= 3 * combined, (name, reg, nested)
