"""Ranking and selection against known answers: KN's guarantee measured, and its savings.

Test problems with known means (k = 20 normal systems, first stage n0 = 10, indifference zone
delta = sigma_1 / sqrt(n0), P* = 0.95, the settings of Kim & Nelson 2001's experiments):

- ``slippage``: the best is delta ahead, the other 19 tie; sigma = 1; independent sampling;
- ``spaced``: means delta apart (the best delta ahead of the second), variances rising with
  the mean from 1 to 4 (the best is the noisiest); independent sampling;
- ``slippage-crn``: slippage with common random numbers, correlation 0.5 between systems.

500 macro-replications each, macro-replication ``m`` seeded by
``SeedSequence(2001, spawn_key=(configuration, m))``, so every figure is reproducible.

PCS check (binomial error): if the true PCS were exactly P* = 0.95 the number of correct
selections would be Binomial(500, 0.95). The test is the exact one-sided binomial test of
"PCS >= 0.95" at level 0.1%: it fails when the hits fall below that distribution's 0.1%
quantile, 459 (PCS 0.918, about 0.95 - 3.2 SE), so a procedure that keeps its guarantee
fails it with probability < 0.1%. The Wilson 95% and 99% intervals are printed.

Savings check: equal allocation needs ``n`` per system to *guarantee* P* even when it knows the
variances - Bechhofer's ``ceil((tau sigma / delta)^2)`` for a common sigma, the least
favourable configuration over which system is best for unequal known sigmas, and under CRN
sigma * sqrt(1 - rho) (the shared part cancels in every difference). Rinott's two-stage
procedure, which like KN must estimate the variances, needs its exact expected total (for
independent sampling). KN's mean total plus 3 of its standard errors must be below both.
"""

from __future__ import annotations

from functools import cache

import numpy as np
import pytest
from scipy import stats
from statsmodels.stats.proportion import proportion_confint

from sim.study.methods.selection import (
    NormalSystems,
    bechhofer_tau,
    equal_allocation_size,
    equal_allocation_size_for,
    equal_select,
    kn_select,
    ocba_select,
    pcs_equal,
    rinott_expected_total,
    rinott_h,
    rinott_select,
)

K, N0, PSTAR, MACRO = 20, 10, 0.95, 500
DELTA = 1.0 / np.sqrt(N0)
CONFIGS = {
    "slippage": (np.r_[np.zeros(K - 1), DELTA], np.ones(K), 0.0),
    "spaced": (DELTA * np.arange(K), np.sqrt(np.linspace(1.0, 4.0, K)), 0.0),
    "slippage-crn": (np.r_[np.zeros(K - 1), DELTA], np.ones(K), 0.5),
}
CONFIG_KEY = {name: i for i, name in enumerate(CONFIGS)}
MIN_HITS = int(stats.binom.ppf(0.001, MACRO, PSTAR))  # 459


def sampler(name: str, m: int) -> NormalSystems:
    mu, sigma, rho = CONFIGS[name]
    seed = np.random.SeedSequence(2001, spawn_key=(CONFIG_KEY[name], m))
    return NormalSystems(mu, sigma, rho=rho, seed=seed)


@cache
def kn_runs(name: str) -> tuple[np.ndarray, np.ndarray]:
    """(correct?, total observations) of KN over the macro-replications."""
    correct, totals = np.empty(MACRO, dtype=bool), np.empty(MACRO)
    for m in range(MACRO):
        systems = sampler(name, m)
        s = kn_select(systems, K, delta=DELTA, pcs=PSTAR, n0=N0)
        correct[m], totals[m] = s.best == systems.best, s.total
    return correct, totals


def equal_n(name: str) -> int:
    _, sigma, rho = CONFIGS[name]
    return equal_allocation_size(K, DELTA, sigma * np.sqrt(1 - rho), PSTAR)


def wilson(hits: int, n: int, level: float) -> tuple[float, float]:
    lo, hi = proportion_confint(hits, n, alpha=1 - level, method="wilson")
    return float(lo), float(hi)


def test_the_pass_mark_is_the_binomial_quantile():
    assert MIN_HITS == 459
    assert (
        stats.binom.cdf(MIN_HITS - 1, MACRO, PSTAR)
        < 0.001
        <= stats.binom.cdf(MIN_HITS, MACRO, PSTAR)
    )


@pytest.mark.slow
@pytest.mark.parametrize("name", list(CONFIGS))
def test_kn_meets_its_pcs_guarantee(name):
    correct, totals = kn_runs(name)
    hits = int(correct.sum())
    lo95, hi95 = wilson(hits, MACRO, 0.95)
    lo99, _ = wilson(hits, MACRO, 0.99)
    print(
        f"\n{name}: KN PCS {hits}/{MACRO} = {hits / MACRO:.3f} (Wilson 95% {lo95:.3f}-{hi95:.3f},"
        f" 99% lower {lo99:.3f}), mean total {totals.mean():.0f}"
    )
    assert hits >= MIN_HITS, (name, hits)


@pytest.mark.slow
@pytest.mark.parametrize("name", list(CONFIGS))
def test_kn_uses_fewer_observations_than_equal_allocation_and_rinott(name):
    _, totals = kn_runs(name)
    mean, se = totals.mean(), totals.std(ddof=1) / np.sqrt(MACRO)
    mu, sigma, rho = CONFIGS[name]
    bechhofer = K * equal_n(name)
    oracle = K * equal_allocation_size_for(mu, sigma * np.sqrt(1 - rho), PSTAR)
    line = (
        f"\n{name}: KN mean total {mean:.0f} (SE {se:.0f}); equal allocation for the guarantee"
        f" {bechhofer} ({1 - mean / bechhofer:.0%} fewer with KN); oracle equal allocation for"
        f" this very configuration {oracle}"
    )
    assert mean + 3 * se < bechhofer, (name, mean, se, bechhofer)
    if rho == 0:
        rinott = rinott_expected_total(K, DELTA, sigma, N0, PSTAR)
        line += f"; Rinott expected total {rinott:.0f} ({1 - mean / rinott:.0%} fewer with KN)"
        assert mean + 3 * se < rinott, (name, mean, se, rinott)
    print(line)


def test_crn_saves_kn_observations_in_the_slippage_configuration():
    # cheap version of the slow runs: 60 macro-replications; with correlation 0.5 the
    # differences have half the variance, and KN's sample sizes scale with that variance
    ind = [kn_select(sampler("slippage", m), K, delta=DELTA, n0=N0).total for m in range(60)]
    crn = [kn_select(sampler("slippage-crn", m), K, delta=DELTA, n0=N0).total for m in range(60)]
    diff = np.mean(ind) - np.mean(crn)
    se = np.hypot(np.std(ind, ddof=1), np.std(crn, ddof=1)) / np.sqrt(60)
    assert diff > 3 * se, (np.mean(ind), np.mean(crn), se)


def test_equal_allocation_pcs_integral_matches_simulated_selections():
    # the yardstick's integral against selections actually run (2000 each, 99.9% binomial
    # band), at Bechhofer's n and 20% below it; and n is the smallest that reaches P*
    n_eq = equal_n("slippage")
    mu, sigma, _ = CONFIGS["slippage"]
    assert pcs_equal(mu, sigma, n_eq) >= PSTAR > pcs_equal(mu, sigma, n_eq - 1)
    for n, key in ((n_eq, 10_000), (int(0.8 * n_eq), 20_000)):
        p = pcs_equal(mu, sigma, n)
        hits = sum(
            equal_select(sampler("slippage", key + m), K, n).best == K - 1 for m in range(2000)
        )
        band = stats.norm.ppf(0.9995) * np.sqrt(2000 * p * (1 - p))
        assert abs(hits - 2000 * p) <= band, (n, hits, p)


# Bechhofer's tau for P* = 0.95, k = 2..10 (Bechhofer 1954; Bechhofer, Santner & Goldsman
# 1995, the single-stage procedure's table), to the 4 decimals printed there
BECHHOFER_95 = [2.3262, 2.7101, 2.9162, 3.0552, 3.1591, 3.2417, 3.3099, 3.3679, 3.4182]


def test_bechhofer_tau_reproduces_the_published_table():
    assert [round(bechhofer_tau(k, PSTAR), 4) for k in range(2, 11)] == BECHHOFER_95


def test_bechhofer_tau_for_20_systems_against_the_multivariate_normal():
    # beyond the table: P(correct) = P(Z_i - Z_b < tau for all i != b), 19 normals of
    # variance 2 with correlation 1/2, i.e. the equicoordinate cdf at tau / sqrt(2) by Genz's
    # algorithm (scipy) with absolute error 1e-5; the check allows 3 of that
    k = K
    tau = bechhofer_tau(k, PSTAR)
    cov = 0.5 * (np.ones((k - 1, k - 1)) + np.eye(k - 1))
    mvn = stats.multivariate_normal(np.zeros(k - 1), cov, seed=k, abseps=1e-5, releps=0)
    p = mvn.cdf(np.full(k - 1, tau / np.sqrt(2)))
    assert abs(p - PSTAR) < 3e-5, (tau, p)


def test_rinott_h_solves_its_defining_equation_by_an_independent_quadrature():
    # composite Simpson on the chi-square density's own scale (3001 points to 1e-14 of the
    # tail), against the module's Gauss-Legendre rule in log scale: for n0 >= 10 the integrand
    # is smooth on both, and Simpson's error at this spacing is below 1e-9
    for k, n0 in ((2, 10), (20, 10), (10, 20)):
        h, nu = rinott_h(k, n0, PSTAR), n0 - 1
        x = np.linspace(0.0, stats.chi2.isf(1e-14, nu), 3001)
        w = np.ones(len(x))
        w[1:-1:2], w[2:-1:2] = 4.0, 2.0
        w *= (x[1] - x[0]) / 3.0 * stats.chi2.pdf(x, nu)
        with np.errstate(divide="ignore"):  # x = 0 has weight 0 (the density vanishes there)
            g = stats.norm.cdf(h / np.sqrt(nu * (1.0 / x[None, :] + 1.0 / x[:, None])))
        pcs = w @ (g @ w) ** (k - 1)
        assert abs(pcs - PSTAR) < 1e-8, (k, n0, h, pcs)


def test_rinott_meets_its_guarantee_and_its_expected_total():
    # 500 macro-replications in the slippage configuration: PCS by the same binomial test as
    # KN, and the mean total within 3 SE of the exact expectation of the sample-size rule
    hits, totals = 0, np.empty(MACRO)
    for m in range(MACRO):
        systems = sampler("slippage", 50_000 + m)
        s = rinott_select(systems, K, delta=DELTA, pcs=PSTAR, n0=N0)
        hits += s.best == systems.best
        totals[m] = s.total
    expected = rinott_expected_total(K, DELTA, 1.0, N0, PSTAR)
    se = totals.std(ddof=1) / np.sqrt(MACRO)
    assert hits >= MIN_HITS, hits
    assert abs(totals.mean() - expected) <= 3 * se, (totals.mean(), expected, se)


@pytest.mark.slow
def test_ocba_at_kn_budget_is_reported_and_beats_equal_allocation_at_the_same_budget():
    # not a guarantee (OCBA has none): at the budget KN used on average in the spaced
    # configuration, OCBA's PCS is measured next to equal allocation's exact PCS there
    _, totals = kn_runs("spaced")
    budget = round(totals.mean())
    mu, sigma, _ = CONFIGS["spaced"]
    hits = 0
    for m in range(MACRO):
        systems = sampler("spaced", 30_000 + m)
        hits += ocba_select(systems, K, budget=budget, n0=N0).best == systems.best
    eq = pcs_equal(mu, sigma, budget // K)
    lo, hi = wilson(hits, MACRO, 0.95)
    print(
        f"\nspaced, budget {budget}: OCBA PCS {hits / MACRO:.3f} (Wilson 95% {lo:.3f}-{hi:.3f});"
        f" equal allocation's exact PCS {eq:.3f}"
    )
    # OCBA concentrates the budget on the contenders; doing worse than spreading it evenly,
    # beyond binomial error (the 0.1% quantile at equal allocation's PCS), would be a bug
    assert hits >= stats.binom.ppf(0.001, MACRO, eq), (hits, eq)
