"""Monthly peeking at an A/A test: false-positive rates by simulation.

Every stochastic check here uses a fixed seed and a tolerance from the binomial standard
error of a simulated rate, SE = sqrt(alpha (1 - alpha) / reps). With 20,000 experiments and
alpha = 0.05, SE = 0.00154: a valid rule must stay within alpha + 2 SE = 0.0531, and naive
peeking (a 5% test at each of 6 looks) is shown above alpha + 3 SE = 0.0546 — in fact near
0.15.

Run as a script to print the table recorded in docs/sequential.md (optionally with another
number of replications as the argument):
    .venv/bin/python tests/validation/test_sequential_peeking.py [REPS]
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.stats import norm

from sim.analysis.sequential import (
    Look,
    alpha_spending,
    always_valid_p_values,
    crossing_probabilities,
    effective_n,
    group_sequential_bounds,
    monitor,
    msprt_tau,
    two_proportion_z,
)

ALPHA = 0.05
REPS = 20_000
SE = math.sqrt(ALPHA * (1 - ALPHA) / REPS)
ROOT_SEED = 20240617


class Scenario:
    """An A/A test: both arms convert at ``p``; ``per_arm`` new leads per arm per look."""

    def __init__(self, name: str, p: float, per_arm: int, looks: int, stream: int) -> None:
        self.name, self.p, self.per_arm, self.looks, self.stream = name, p, per_arm, looks, stream

    def simulate(self, reps: int = REPS):
        seed = np.random.SeedSequence(ROOT_SEED, spawn_key=(self.stream,))
        rng = np.random.default_rng(seed)
        x_c = rng.binomial(self.per_arm, self.p, size=(reps, self.looks)).cumsum(axis=1)
        x_t = rng.binomial(self.per_arm, self.p, size=(reps, self.looks)).cumsum(axis=1)
        n = self.per_arm * np.arange(1, self.looks + 1)
        return n, x_c, x_t


MONTHLY_SMALL = Scenario("p=0.2, 100 leads/month (50 per arm), 6 monthly looks", 0.2, 50, 6, 1)
MONTHLY_LARGE = Scenario("p=0.2, 1,000 leads/month (500 per arm), 6 monthly looks", 0.2, 500, 6, 2)
WEEKLY = Scenario("p=0.2, 50 leads/week (25 per arm), 26 weekly looks", 0.2, 25, 26, 3)


def false_positive_rates(scenario: Scenario, reps: int = REPS) -> dict[str, float]:
    """Share of A/A experiments each rule stops with a 'significant' difference."""
    n, x_c, x_t = scenario.simulate(reps)
    z = np.abs(two_proportion_z(n, x_c, n, x_t))
    t = np.arange(1, scenario.looks + 1) / scenario.looks
    rates = {}
    for spending in ("obf", "pocock"):
        bounds = np.asarray(group_sequential_bounds(t, alpha=ALPHA, spending=spending).z)
        rates[spending] = float(np.mean(np.any(z >= bounds, axis=1)))
    n_eff = effective_n(n, n)
    p_msprt = always_valid_p_values(z, n_eff, msprt_tau(n_eff[-1], alpha=ALPHA))
    rates["msprt"] = float(np.mean(p_msprt[:, -1] <= ALPHA))
    rates["naive"] = float(np.mean(np.any(z >= norm.isf(ALPHA / 2), axis=1)))
    rates["final look only"] = float(np.mean(z[:, -1] >= norm.isf(ALPHA / 2)))
    return rates


@pytest.mark.slow
@pytest.mark.parametrize("scenario", [MONTHLY_SMALL, MONTHLY_LARGE], ids=lambda s: s.name)
def test_sequential_rules_hold_alpha_and_naive_peeking_does_not(scenario):
    rates = false_positive_rates(scenario)
    for method in ("obf", "pocock", "msprt"):
        assert rates[method] <= ALPHA + 2 * SE, (method, rates)
    assert rates["naive"] > ALPHA + 3 * SE, rates


@pytest.mark.slow
def test_msprt_stays_valid_with_weekly_looks():
    rates = false_positive_rates(WEEKLY)
    assert rates["msprt"] <= ALPHA + 2 * SE, rates
    assert rates["naive"] > 0.2, rates  # 26 looks at 5%: several times the promised error


@pytest.mark.slow
def test_naive_inflation_matches_the_exact_recursion():
    # With 500 leads per arm per look the z statistics are close to Gaussian, so the
    # simulated naive rate must match the exact crossing probability within 3 SE of it.
    t = np.arange(1, 7) / 6
    exact = crossing_probabilities([norm.isf(ALPHA / 2)] * 6, t).sum()
    simulated = false_positive_rates(MONTHLY_LARGE)["naive"]
    assert simulated == pytest.approx(exact, abs=3 * math.sqrt(exact * (1 - exact) / REPS))


@pytest.mark.slow
@pytest.mark.parametrize(
    ("spending", "table"),
    [("obf", [4.877, 3.357, 2.680, 2.290, 2.031]), ("pocock", [2.438, 2.427, 2.410, 2.397, 2.386])],
)
def test_published_boundaries_by_monte_carlo(spending, table):
    # Independent check of the literature tables (tests/validation/test_power_literature.py):
    # simulate the Brownian motion Z_k = W(t_k) / sqrt(t_k) at 5 equally spaced looks and
    # count first crossings of the published boundaries. The cumulative rate at look k must
    # be alpha(t_k) within 3 binomial SE (reps = 1,000,000: SE <= 0.00022).
    reps = 1_000_000
    rng = np.random.default_rng(np.random.SeedSequence(ROOT_SEED, spawn_key=(10,)))
    t = np.array([0.2, 0.4, 0.6, 0.8, 1.0])
    w = np.cumsum(rng.standard_normal((reps, 5)) * np.sqrt(0.2), axis=1)
    crossed = np.abs(w / np.sqrt(t)) >= np.asarray(table)
    cumulative = np.logical_or.accumulate(crossed, axis=1).mean(axis=0)
    expected = alpha_spending(t, alpha=ALPHA, spending=spending)
    tolerance = 3 * np.sqrt(expected * (1 - expected) / reps) + 1e-6
    assert np.all(np.abs(cumulative - expected) <= tolerance), (cumulative, expected)


@pytest.mark.slow
def test_monitor_agrees_with_the_vectorised_rules():
    # monitor() on individual experiments makes the same stop decisions as the vectorised
    # computation used above (first 100 experiments of the small scenario).
    n, x_c, x_t = MONTHLY_SMALL.simulate(100)
    t = np.arange(1, 7) / 6
    z = np.abs(two_proportion_z(n, x_c, n, x_t))
    obf = np.any(z >= np.asarray(group_sequential_bounds(t, spending="obf").z), axis=1)
    tau = msprt_tau(float(effective_n(n[-1], n[-1])))
    msprt = always_valid_p_values(z, effective_n(n, n), tau)[:, -1] <= ALPHA
    for i in range(100):
        looks = [Look(int(n[k]), int(x_c[i, k]), int(n[k]), int(x_t[i, k])) for k in range(6)]
        assert monitor(looks, method="obf", planned_looks=6)["stop"].iloc[-1] == obf[i]
        assert monitor(looks, method="msprt", planned_looks=6)["stop"].iloc[-1] == msprt[i]


def _power_and_duration(p_c: float, p_t: float, per_arm: int, looks: int, reps: int = REPS):
    """Share of experiments each rule stops (power) and mean looks until it stops."""
    rng = np.random.default_rng(np.random.SeedSequence(ROOT_SEED, spawn_key=(20,)))
    x_c = rng.binomial(per_arm, p_c, size=(reps, looks)).cumsum(axis=1)
    x_t = rng.binomial(per_arm, p_t, size=(reps, looks)).cumsum(axis=1)
    n = per_arm * np.arange(1, looks + 1)
    z = np.abs(two_proportion_z(n, x_c, n, x_t))
    t = np.arange(1, looks + 1) / looks
    n_eff = effective_n(n, n)
    crossed = {
        spending: z >= np.asarray(group_sequential_bounds(t, spending=spending).z)
        for spending in ("obf", "pocock")
    }
    crossed["msprt"] = always_valid_p_values(z, n_eff, msprt_tau(n_eff[-1])) <= ALPHA
    crossed["naive"] = z >= norm.isf(ALPHA / 2)
    crossed["final look only"] = np.zeros_like(z, dtype=bool)
    crossed["final look only"][:, -1] = z[:, -1] >= norm.isf(ALPHA / 2)
    out = {}
    for name, c in crossed.items():
        stopped = c.any(axis=1)
        when = np.where(stopped, c.argmax(axis=1) + 1, looks)
        out[name] = (float(stopped.mean()), float(when.mean()))
    return out


def _report(reps: int = REPS) -> None:  # pragma: no cover - the table in docs/sequential.md
    se = math.sqrt(ALPHA * (1 - ALPHA) / reps)
    print(f"alpha = {ALPHA}, {reps:,} simulated A/A experiments per row, SE = {se:.5f}")
    print(f"valid if <= alpha + 2 SE = {ALPHA + 2 * se:.4f}\n")
    print("| scenario | OBF | Pocock | mSPRT | naive peeking | final look only |")
    print("|---|---|---|---|---|---|")
    for scenario in (MONTHLY_SMALL, MONTHLY_LARGE, WEEKLY):
        r = false_positive_rates(scenario, reps)
        cells = " | ".join(
            f"{r[k]:.4f}" for k in ("obf", "pocock", "msprt", "naive", "final look only")
        )
        print(f"| {scenario.name} | {cells} |")
    t = np.arange(1, 7) / 6
    exact = crossing_probabilities([norm.isf(ALPHA / 2)] * 6, t).sum()
    print(f"\nexact false-positive rate of naive peeking at 6 equal looks: {exact:.4f}")
    print("\nTrue lift 20% -> 25%, 6 monthly looks of 183 leads per arm (the fixed test's")
    print("n = 1,094 per arm for 80% power): power, mean months until the test stops\n")
    print("| rule | power | mean months to stop |")
    print("|---|---|---|")
    for name, (power, months) in _power_and_duration(0.20, 0.25, 183, 6, reps).items():
        print(f"| {name} | {power:.4f} | {months:.2f} |")


if __name__ == "__main__":  # pragma: no cover
    import sys

    _report(int(sys.argv[1]) if len(sys.argv) > 1 else REPS)
