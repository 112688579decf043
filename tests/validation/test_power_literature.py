"""Experiment-planning numbers against published values and against simulation.

Literature tables are kept verbatim, as printed in their sources.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.optimize import brentq
from scipy.stats import norm

from sim.analysis.power import (
    minimum_detectable_effect,
    power_two_proportions,
    sample_size_two_proportions,
)
from sim.analysis.sequential import crossing_probabilities, group_sequential_bounds

# --------------------------------------------------------------------------- R power.prop.test


def test_r_power_prop_test_sample_size():
    # R: power.prop.test(p1 = .50, p2 = .75, power = .90) -> n = 76.70692 (per group).
    # R solves with uniroot at tolerance .Machine$double.eps^0.25 (1.2e-4), so it agrees
    # with the closed form (76.706928) and with strict = TRUE (76.706916) to 1e-4.
    assert sample_size_two_proportions(0.50, 0.75, power=0.90) == pytest.approx(76.70692, abs=1e-4)
    assert sample_size_two_proportions(0.50, 0.75, power=0.90, strict=True) == pytest.approx(
        76.70692, abs=1e-4
    )


def test_r_power_prop_test_power_and_p2():
    # R's ?power.prop.test examples:
    #   power.prop.test(n = 50, p1 = .50, p2 = .75)   -> power = 0.7401659 (printed)
    #   power.prop.test(n = 50, p1 = .5, power = .90) -> p2 = 0.8026 (documented to 4 places)
    assert power_two_proportions(0.50, 0.75, 50) == pytest.approx(0.7401659, abs=1e-7)
    p2 = 0.5 + minimum_detectable_effect(0.5, 50, power=0.90)
    assert p2 == pytest.approx(0.8026, abs=1e-4)


# --------------------------------------------------------------------------- continuity correction


def test_continuity_corrected_sample_size_by_hand_equal_arms():
    # Fleiss, Levin & Paik (2003) eq. 4.14 (Casagrande, Pike & Smith 1978):
    #   n' = n/4 (1 + sqrt(1 + 4 / (n |P2 - P1|)))^2
    # For P1 = .50, P2 = .75, alpha .05 two-sided, power .90 (R's example above):
    #   n = 76.706928;  4 / (n * 0.25) = 16 / n = 0.208586;  sqrt(1.208586) = 1.099357
    #   n' = 76.706928 / 4 * 2.099357^2 = 19.176732 * 4.407300 = 84.5176
    got = sample_size_two_proportions(0.50, 0.75, power=0.90, continuity=True)
    assert got == pytest.approx(84.5176, abs=1e-4)


def test_continuity_corrected_sample_size_by_hand_unequal_arms():
    # Fleiss, Levin & Paik (2003) eq. 4.18-4.19, control P1 = .20 with m leads, treatment
    # P2 = .30 with r m leads, r = 2, alpha .05 two-sided, power .80:
    #   Pbar = (P1 + r P2) / (r + 1) = 0.8 / 3 = 0.266667;  Pbar Qbar (1 + 1/r) = 0.293333
    #   z_a sqrt(0.293333) = 1.959964 * 0.541603 = 1.061523
    #   z_b sqrt(P1 Q1 + P2 Q2 / r) = 0.841621 * sqrt(0.265) = 0.841621 * 0.514782 = 0.433251
    #   m = (1.061523 + 0.433251)^2 / 0.1^2 = 223.4349
    #   m' = m/4 (1 + sqrt(1 + 2 (r + 1) / (m r |P2 - P1|)))^2, 2 * 3 / (223.4349 * 0.2)
    #      = 0.134268;  sqrt(1.134268) = 1.065020;  m' = 55.858725 * 2.065020^2 = 238.198
    assert sample_size_two_proportions(0.2, 0.3, ratio=2.0) == pytest.approx(223.4349, abs=1e-3)
    got = sample_size_two_proportions(0.2, 0.3, ratio=2.0, continuity=True)
    assert got == pytest.approx(238.198, abs=1e-3)


# --------------------------------------------------------------------------- by simulation

REPS = 20_000


def _simulated_power(p1, p2, n1, *, continuity, seed):
    rng = np.random.default_rng(np.random.SeedSequence(seed))
    n1 = math.ceil(n1)
    x1, x2 = rng.binomial(n1, p1, REPS), rng.binomial(n1, p2, REPS)
    pooled = (x1 + x2) / (2 * n1)
    se = np.sqrt(pooled * (1 - pooled) * 2 / n1)
    diff = np.abs(x2 - x1) / n1
    if continuity:
        diff = np.maximum(diff - 1 / n1, 0.0)  # Yates: 1/2 (1/n1 + 1/n2)
    return float(np.mean(diff / se >= norm.isf(0.025)))


@pytest.mark.parametrize("continuity", [False, True])
def test_planned_sample_size_gives_the_power_in_simulation(continuity):
    # The z-test (Yates-corrected when continuity=True, as R's prop.test runs it) at the
    # planned n rejects with probability 0.8 up to binomial error: 3 SE = 3 sqrt(.8 .2 /
    # 20,000) = 0.0085. The normal approximation's own error at ~1,100 leads per arm is far
    # smaller (0.0013 measured with 400,000 replications).
    n = sample_size_two_proportions(0.20, 0.25, power=0.8, continuity=continuity)
    simulated = _simulated_power(0.20, 0.25, n, continuity=continuity, seed=20240601)
    assert simulated == pytest.approx(0.8, abs=3 * math.sqrt(0.8 * 0.2 / REPS))


# --------------------------------------------------------------------------- boundary tables

FIVE_LOOKS = [0.2, 0.4, 0.6, 0.8, 1.0]

# Lan & DeMets (1983) spending functions, 5 equally spaced looks, two-sided alpha 0.05
# (symmetric, alpha/2 per side). Values as tabulated (to two decimals) in DeMets & Lan
# (1994), "Interim analysis: the alpha spending function approach", Stat Med 13:1341-1352,
# and printed to three decimals by R's ldbounds (Reboussin, DeMets, Kim & Lan 2000,
# Controlled Clinical Trials 21:190-207) and gsDesign (sfLDOF / sfLDPocock). Cross-checked
# here independently against scipy's multivariate normal CDF (tests/analysis) and by
# Monte Carlo (tests/validation/test_sequential_peeking.py).
LAN_DEMETS_OBF_5 = [4.877, 3.357, 2.680, 2.290, 2.031]
LAN_DEMETS_POCOCK_5 = [2.438, 2.427, 2.410, 2.397, 2.386]


@pytest.mark.parametrize(
    ("spending", "table"), [("obf", LAN_DEMETS_OBF_5), ("pocock", LAN_DEMETS_POCOCK_5)]
)
def test_lan_demets_boundaries_five_looks(spending, table):
    bounds = group_sequential_bounds(FIVE_LOOKS, alpha=0.05, spending=spending)
    # half a unit in the third decimal: the tables are rounded
    assert bounds.z == pytest.approx(table, abs=5e-4)


def test_classical_pocock_constant():
    # Pocock (1977); Jennison & Turnbull (2000) Table 2.1: C_P(K=5, alpha=0.05) = 2.413, the
    # constant two-sided boundary with overall type I error 0.05 over 5 equal looks.
    def excess(c):
        return crossing_probabilities([c] * 5, FIVE_LOOKS).sum() - 0.05

    assert brentq(excess, 1.5, 4.0) == pytest.approx(2.413, abs=5e-4)


def test_classical_obrien_fleming_constant():
    # O'Brien & Fleming (1979); Jennison & Turnbull (2000) Table 2.3: C_B(K=5, alpha=0.05) =
    # 2.040, boundaries C_B sqrt(K / k).
    def excess(c):
        shape = [c * math.sqrt(5 / k) for k in range(1, 6)]
        return crossing_probabilities(shape, FIVE_LOOKS).sum() - 0.05

    assert brentq(excess, 1.5, 4.0) == pytest.approx(2.040, abs=5e-4)
