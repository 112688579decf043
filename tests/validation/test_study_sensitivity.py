"""Sobol' indices and Morris screening against analytic answers (Ishigami, linear models).

Ishigami (Ishigami & Homma 1990), ``f = sin x1 + a sin^2 x2 + b x3^4 sin x1`` with
``x_i ~ U(-pi, pi)``, a = 7, b = 0.1 (Saltelli et al. 2008, Global Sensitivity Analysis: The
Primer, section 4.8; Sobol' & Levitan 1999):

    V1 = (1 + b pi^4 / 5)^2 / 2,  V2 = a^2 / 8,  V13 = 8 b^2 pi^8 / 225,
    V = 1/2 + a^2 / 8 + b pi^4 / 5 + b^2 pi^8 / 18,
    S = (0.3139, 0.4424, 0),  ST = (0.5576, 0.4424, 0.2437).

Tolerances come from the estimators' own errors. SALib's bootstrap SEs resample base rows as if
they were independent; on a scrambled Sobol' design they are conservative (measured on Ishigami
over 100 seeds at N = 1024: the actual errors have 0.2-0.4 of the bootstrap SE), so next to the
"within 3 bootstrap SE" checks a sharper one uses independent scrambles: the spread of K
independent designs' estimates is an honest error of their mean.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from scipy import stats

from sim.study.methods.inputs import Factor
from sim.study.methods.sensitivity.morris import morris_analysis
from sim.study.methods.sensitivity.sobol import sobol_analysis

A_ISH, B_ISH = 7.0, 0.1
_V1 = 0.5 * (1 + B_ISH * np.pi**4 / 5) ** 2
_V2 = A_ISH**2 / 8
_V13 = 8 * B_ISH**2 * np.pi**8 / 225
_V = 0.5 + A_ISH**2 / 8 + B_ISH * np.pi**4 / 5 + B_ISH**2 * np.pi**8 / 18
S1_ISH = np.array([_V1, _V2, 0.0]) / _V
ST_ISH = np.array([_V1 + _V13, _V2, _V13]) / _V
ISHIGAMI_INPUTS = [Factor(f"x{i}", stats.uniform(-np.pi, 2 * np.pi)) for i in (1, 2, 3)]


def ishigami(p: np.ndarray) -> np.ndarray:
    return np.sin(p[:, 0]) + A_ISH * np.sin(p[:, 1]) ** 2 + B_ISH * p[:, 2] ** 4 * np.sin(p[:, 0])


def covers(lower, truth, upper) -> np.ndarray:
    return (np.asarray(lower) <= truth) & (truth <= np.asarray(upper))


def test_analytic_ishigami_values_are_the_published_ones():
    # the Primer's table, to 4 decimals
    assert S1_ISH.round(4).tolist() == [0.3139, 0.4424, 0.0]
    assert ST_ISH.round(4).tolist() == [0.5576, 0.4424, 0.2437]


def test_sobol_reproduces_ishigami_within_bootstrap_error():
    t = sobol_analysis(ishigami, ISHIGAMI_INPUTS, 2048, seed=2024)
    assert t.evaluations[0] == 2048 * 5
    assert np.all(np.abs(t.s1 - S1_ISH) <= 3 * t.s1_se), t
    assert np.all(np.abs(t.st - ST_ISH) <= 3 * t.st_se), t
    assert np.all(covers(t.s1_ci_lower, S1_ISH, t.s1_ci_upper)), t
    assert np.all(covers(t.st_ci_lower, ST_ISH, t.st_ci_upper)), t


def test_sobol_on_ishigami_is_accurate_across_independent_scrambles():
    k = 10
    runs = [
        sobol_analysis(ishigami, ISHIGAMI_INPUTS, 1024, seed=3000 + i, n_resamples=100)
        for i in range(k)
    ]
    s1 = np.array([r.s1 for r in runs])
    st = np.array([r.st for r in runs])
    t_crit = stats.t.ppf(1 - 0.0027 / 2, k - 1)  # the two-sided 3-sigma level, k - 1 df
    for est, truth in ((s1, S1_ISH), (st, ST_ISH)):
        se = est.std(axis=0, ddof=1) / np.sqrt(k)
        assert np.all(np.abs(est.mean(axis=0) - truth) <= t_crit * se), (
            est.mean(axis=0),
            truth,
            se,
        )


def test_sobol_bootstrap_intervals_cover_at_least_nominally():
    # 20 seeds x 6 indices at N = 512: the 95% intervals must not be too narrow; covered
    # counts below the 0.1% quantile of Binomial(120, 0.95) would say they are
    covered = 0
    for i in range(20):
        t = sobol_analysis(ishigami, ISHIGAMI_INPUTS, 512, seed=4000 + i, n_resamples=200)
        covered += int(np.sum(covers(t.s1_ci_lower, S1_ISH, t.s1_ci_upper)))
        covered += int(np.sum(covers(t.st_ci_lower, ST_ISH, t.st_ci_upper)))
    assert covered >= stats.binom.ppf(0.001, 120, 0.95), covered


# A linear model with non-uniform priors: Y = sum_i beta_i X_i, independent X_i, so
# S1_i = ST_i = beta_i^2 Var(X_i) / sum_j beta_j^2 Var(X_j); "dummy" enters nothing.
LINEAR_INPUTS = [
    Factor("normal", stats.norm(1.0, 2.0)),
    Factor("beta", stats.beta(2.0, 5.0)),
    Factor("loguniform", stats.loguniform(0.5, 8.0)),
    Factor("truncnorm", stats.truncnorm(-1.0, 2.0, loc=3.0, scale=1.5)),
    Factor("dummy", stats.uniform(0.0, 1.0)),
]
BETAS = np.array([0.5, 8.0, 0.6, 1.0, 0.0])


def test_sobol_reproduces_a_linear_model_with_non_uniform_priors():
    var = np.array([f.distribution.var() for f in LINEAR_INPUTS])
    truth = BETAS**2 * var / np.sum(BETAS**2 * var)
    t = sobol_analysis(lambda p: p @ BETAS, LINEAR_INPUTS, 2048, seed=77)
    assert np.all(np.abs(t.s1 - truth) <= 3 * t.s1_se), (t, truth)
    assert np.all(np.abs(t.st - truth) <= 3 * t.st_se), (t, truth)
    assert t.st[4] == pytest.approx(0.0, abs=1e-12)  # no evaluation difference at all


def noisy_ishigami(noise_sd: float, replications: int, seed: int):
    rng = np.random.default_rng(seed)

    def model(p: np.ndarray) -> np.ndarray:
        return ishigami(p)[:, None] + rng.normal(0.0, noise_sd, (len(p), replications))

    return model


def test_sobol_corrects_for_replication_noise_on_a_noisy_ishigami():
    # noise sd 2, R = 4: Var(noise mean) = 1, so eta = 1 / (V + 1) = 0.067; uncorrected,
    # ST3 would read 0.2437 (1 - eta) + eta = 0.294
    sd, r = 2.0, 4
    eta = (sd**2 / r) / (_V + sd**2 / r)
    t = sobol_analysis(noisy_ishigami(sd, r, seed=5), ISHIGAMI_INPUTS, 4096, seed=55)
    assert t.replications[0] == r
    assert abs(t.noise_share[0] - eta) <= 3 * t.noise_share_se[0], (t.noise_share[0], eta)
    assert np.all(np.abs(t.s1 - S1_ISH) <= 3 * t.s1_se), t
    assert np.all(np.abs(t.st - ST_ISH) <= 3 * t.st_se), t
    # the raw total index of x3 carries the noise share, far beyond its error
    assert t.st_raw[2] - ST_ISH[2] > 3 * t.st_se[2], t


def morris_exact(f, levels: int, inputs) -> dict[str, np.ndarray]:
    """Exact moments of Morris elementary effects on a grid, by enumeration.

    In SALib's trajectories the moved input starts at a base level ``l`` (uniform over the
    lower ``levels / 2`` grid values) and goes to ``l + delta``; every other input sits at
    its base or base + delta with probability 1/2 each (random directions), i.e. uniform over
    the grid, independently. Enumerating that distribution gives the expectations.
    """
    delta = levels / (2 * (levels - 1))
    grid = np.arange(levels) / (levels - 1)
    base = grid[: levels // 2]
    d = len(inputs)
    out = {k: np.empty(d) for k in ("mu", "mu_star", "sigma", "sd_abs", "kurt")}
    for i in range(d):
        cells = [base if j == i else grid for j in range(d)]
        u = np.array(list(itertools.product(*cells)))
        u2 = u.copy()
        u2[:, i] += delta
        to_x = np.column_stack([inputs[j].ppf(u[:, j]) for j in range(d)])
        to_x2 = np.column_stack([inputs[j].ppf(u2[:, j]) for j in range(d)])
        ee = (f(to_x2) - f(to_x)) / delta
        out["mu"][i], out["mu_star"][i] = ee.mean(), np.abs(ee).mean()
        out["sigma"][i], out["sd_abs"][i] = ee.std(), np.abs(ee).std()
        c = ee - ee.mean()
        out["kurt"][i] = np.mean(c**4) / max(np.mean(c**2) ** 2, 1e-300)
    return out


def test_morris_matches_exact_grid_moments_and_screens_ishigami():
    r = 1000
    exact = morris_exact(ishigami, 4, ISHIGAMI_INPUTS)
    t = (
        morris_analysis(ishigami, ISHIGAMI_INPUTS, r, seed=8)
        .set_index("parameter")
        .loc[["x1", "x2", "x3"]]
    )
    se_mu_star = exact["sd_abs"] / np.sqrt(r)
    se_mu = exact["sigma"] / np.sqrt(r)
    # SE of a sample SD: sigma * sqrt((kurtosis - 1) / (4 r)) by the delta method, plus the
    # second-order term that is all there is for a two-point distribution (x1, x2 here):
    # s = sigma (1 + (1 - chi2_1) / (2 r)), whose SD is sigma / (sqrt(2) r)
    first = np.maximum(exact["kurt"] - 1, 0.0) / (4 * r)
    se_sigma = exact["sigma"] * np.sqrt(first + 1 / (2 * r**2))
    # x2's |effect| is the same in every trajectory (sd 0): its mu* is exact up to rounding
    assert np.all(np.abs(t.mu_star - exact["mu_star"]) <= 3 * se_mu_star + 1e-9), (t, exact)
    assert np.all(np.abs(t.mu - exact["mu"]) <= 3 * se_mu), (t, exact)
    assert np.all(np.abs(t.sigma - exact["sigma"]) <= 3 * se_sigma), (t, exact)
    # the screening verdict: x3 acts only through its interaction with x1 - effects of both
    # signs (mu ~ 0), the smallest mu*, and the largest sigma relative to mu*
    assert exact["mu_star"][2] < exact["mu_star"][[0, 1]].min()
    assert t.mu_star["x3"] < t.mu_star[["x1", "x2"]].min()
    assert (t.sigma / t.mu_star).idxmax() == "x3"
    assert abs(t.mu["x3"]) <= 3 * se_mu[2]


def test_morris_noise_floor_on_a_noisy_ishigami_with_a_dummy_input():
    # a 4th input enters nothing: its elementary effects are pure noise, the difference of
    # two means of R normal replications, so E[mu*] is exactly the reported noise floor
    inputs = [*ISHIGAMI_INPUTS, Factor("dummy", stats.uniform(0.0, 1.0))]
    r = 500
    t = morris_analysis(noisy_ishigami(3.0, 2, seed=9), inputs, r, seed=10).set_index("parameter")
    dummy = t.loc["dummy"]
    assert dummy.replications == 2
    assert dummy.noise_mu_star > 0
    assert abs(dummy.mu_star - dummy.noise_mu_star) <= 3 * dummy.mu_star_se, dummy
    assert not dummy.above_noise
    assert t.loc[["x1", "x2", "x3"], "above_noise"].all(), t
    # removing the noise variance v from sigma recovers the exact grid value for x1; with
    # effect e (variance s2, 4th central moment m4) plus independent N(0, v) noise,
    # Var(sample variance) = (m4 + 6 s2 v + 3 v^2 - (s2 + v)^2) / r, and the corrected
    # sigma = sqrt(sample variance - v) has SE = that^(1/2) / (2 sigma)
    exact = morris_exact(ishigami, 4, ISHIGAMI_INPUTS)
    x1 = t.loc["x1"]
    v = (x1.noise_mu_star / np.sqrt(2 / np.pi)) ** 2
    s2 = exact["sigma"][0] ** 2
    m4 = exact["kurt"][0] * s2**2
    se = np.sqrt((m4 + 6 * s2 * v + 3 * v**2 - (s2 + v) ** 2) / r) / (2 * np.sqrt(s2))
    assert abs(x1.sigma_noise_corrected - exact["sigma"][0]) <= 3 * se, (x1, exact["sigma"], se)
