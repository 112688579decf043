"""Coverage by simulation: do 95% intervals cover the truth 95% of the time?

Each check simulates many experiments with a known truth and counts how often the interval
covers it. With R repetitions the estimated coverage has binomial standard error
sqrt(0.95 * 0.05 / R): 0.0034 for R = 4,000, so a correct method lands in [0.935, 0.965]
(about +-2 standard errors, 4.4 actually) with overwhelming probability, and a method that
is off by 2 points fails. Every simulation is vectorised over repetitions and seeded.

Run as a script for the bootstrap figures of docs/analysis-coverage.md (light-tailed costs;
the vectorised cost-per-conversion study is docs/cost_coverage.py):
``.venv/bin/python tests/validation/test_analysis_coverage.py`` (prints the table).
"""

from __future__ import annotations

import numpy as np
import pytest

from sim.analysis import diff_interval, paired_diff_interval, paired_ratio_interval, ratio_interval
from sim.analysis.bootstrap import bootstrap_cpc
from sim.analysis.cost import (
    Sums,
    cost_per_conversion_difference,
    cost_per_conversion_interval,
    cost_per_conversion_ratio,
)
from sim.analysis.paired import PairedStats, paired_cost_per_conversion

REPS = 4000
BAND = (0.935, 0.965)  # +-2 binomial standard errors (0.0034 each) around 0.95 for 4,000 reps


def covered(interval, truth) -> float:
    return float(np.mean((interval.lower <= truth) & (truth <= interval.upper)))


# ----------------------------------------------------------------------------- proportions
def binomial_tables(p1: float, p0: float, n: int, seed: int, reps: int = REPS):
    rng = np.random.default_rng(seed)
    return rng.binomial(n, p1, reps), np.full(reps, n), rng.binomial(n, p0, reps), np.full(reps, n)


DIFF_COVERING = ["newcombe", "miettinen-nurminen", "mee", "agresti-caffo", "wald"]
RATIO_COVERING = ["koopman", "miettinen-nurminen", "katz", "katz-adjusted"]


@pytest.mark.slow
@pytest.mark.parametrize(("p1", "p0"), [(0.30, 0.20), (0.20, 0.20)], ids=["effect", "A/A"])
def test_lift_intervals_cover_at_300_per_arm(p1, p0):
    tables = binomial_tables(p1, p0, 300, seed=101)
    for method in DIFF_COVERING:
        cov = covered(diff_interval(*tables, method=method), p1 - p0)
        assert BAND[0] <= cov <= BAND[1], (method, cov)
    for method in RATIO_COVERING:
        cov = covered(ratio_interval(*tables, method=method), p1 / p0)
        assert BAND[0] <= cov <= BAND[1], (method, cov)
    for method in ("newcombe-cc", "wald-cc"):  # continuity corrections are conservative
        assert covered(diff_interval(*tables, method=method), p1 - p0) >= BAND[0]


@pytest.mark.slow
def test_a_a_tests_reject_at_the_nominal_rate():
    tables = binomial_tables(0.2, 0.2, 300, seed=102)
    for method in ("newcombe", "miettinen-nurminen", "agresti-caffo"):
        rejected = np.mean(diff_interval(*tables, method=method).p_value < 0.05)
        assert 0.035 <= rejected <= 0.065, (method, rejected)  # 0.05 +- 2 binomial SE


# ----------------------------------------------------------------------------- cost per conversion
def true_cpc(p: float) -> float:
    """E[cost] / p for the cost model in :func:`leads`."""
    return (40 + 0.5 * 15 + 25 + 60 * p) / p


def leads(rng: np.random.Generator, reps: int, n: int, p: float):
    """Per-lead outcomes and costs: acquisition 40 + emails + sales, more for converters."""
    y = rng.random((reps, n)) < p
    emails = 0.5 * rng.poisson(15, (reps, n))
    sales = rng.exponential(25, (reps, n))
    onboarding = y * rng.gamma(2, 30, (reps, n))
    return y, 40 + emails + sales + onboarding


def sums(y: np.ndarray, c: np.ndarray) -> Sums:
    return Sums(np.full(y.shape[0], y.shape[1]), y.sum(1), c.sum(1), (c * c).sum(1), (c * y).sum(1))


def cpc_coverage(method: str, n: int, pt: float, pc: float, seed: int, reps: int = REPS):
    rng = np.random.default_rng(seed)
    t, c = (sums(*leads(rng, reps, n, p)) for p in (pt, pc))
    truth_arm, truth_ratio = true_cpc(pc), true_cpc(pt) / true_cpc(pc)
    truth_diff = true_cpc(pt) - true_cpc(pc)
    return (
        covered(cost_per_conversion_interval(c, method=method), truth_arm),
        covered(cost_per_conversion_ratio(t, c, method=method), truth_ratio),
        covered(cost_per_conversion_difference(t, c, method=method), truth_diff),
    )


@pytest.mark.slow
@pytest.mark.parametrize(
    ("n", "pt", "pc"),
    [(300, 0.30, 0.20), (200, 0.10, 0.10), (1000, 0.02, 0.03)],
    ids=["60-90-conversions", "20-conversions-A/A", "20-30-conversions-low-rate"],
)
def test_default_cost_per_conversion_method_covers(n, pt, pc):
    for cov in cpc_coverage("delta-log", n, pt, pc, seed=n):
        assert BAND[0] <= cov <= BAND[1], cov


@pytest.mark.slow
def test_default_cost_per_conversion_method_does_not_undercover_at_10_conversions():
    # With 10 conversions per arm the log-scale interval errs on the safe side (about 96%).
    for cov in cpc_coverage("delta-log", 100, 0.10, 0.10, seed=100):
        assert BAND[0] <= cov <= 0.975, cov


@pytest.mark.slow
def test_fieller_and_delta_cover_with_enough_conversions():
    for method in ("fieller", "delta"):
        arm, ratio, _ = cpc_coverage(method, 300, 0.30, 0.20, seed=7)
        assert BAND[0] <= arm <= BAND[1] and BAND[0] <= ratio <= BAND[1], (method, arm, ratio)


@pytest.mark.slow
def test_bootstrap_bca_ratio_covers_at_20_conversions():
    # 600 repetitions of a 999-resample bootstrap: binomial SE 0.0089, so +-3 SE is
    # [0.923, 0.977]; fewer repetitions than the other checks because each one resamples.
    rng = np.random.default_rng(8)
    reps = 600
    yt, ct = leads(rng, reps, 200, 0.10)
    yc, cc = leads(rng, reps, 200, 0.10)
    hits = 0
    for i in range(reps):
        r = bootstrap_cpc(
            [None, None],
            [(yt[i], ct[i]), (yc[i], cc[i])],
            kind="ratio",
            method="bootstrap-bca",
            n_resamples=999,
            seed=i,
        )
        hits += r.lower <= 1.0 <= r.upper
    assert 0.923 <= hits / reps <= 0.977


# ----------------------------------------------------------------------------- paired designs
PAIR_CELLS = np.array([0.15, 0.15, 0.05, 0.65])  # both, treatment only, control only, neither


@pytest.mark.slow
def test_paired_intervals_cover():
    rng = np.random.default_rng(9)
    cells = rng.multinomial(300, PAIR_CELLS, size=REPS)
    a, b, c, n = cells[:, 0], cells[:, 1], cells[:, 2], np.full(REPS, 300)
    pt, pc = PAIR_CELLS[0] + PAIR_CELLS[1], PAIR_CELLS[0] + PAIR_CELLS[2]
    assert BAND[0] <= covered(paired_diff_interval(a, b, c, n), pt - pc) <= BAND[1]
    assert (
        BAND[0] <= covered(paired_diff_interval(a, b, c, n, method="paired-t"), pt - pc) <= BAND[1]
    )
    assert BAND[0] <= covered(paired_ratio_interval(a, b, c, n), pt / pc) <= BAND[1]


@pytest.mark.slow
def test_paired_cost_per_conversion_ratio_covers():
    # Common random numbers: a shared sales cost per lead and correlated outcomes.
    rng = np.random.default_rng(10)
    reps, n = 2000, 300  # binomial SE 0.0049: band +-3 SE = [0.935, 0.965]
    u = rng.random((reps, n))
    yc = u < 0.20
    yt = u < 0.28  # converts under the control => converts under the treatment
    shared = rng.exponential(25, (reps, n))
    cc = 40 + shared + 60 * yc
    ct = 45 + shared + 60 * yt
    truth = ((45 + 25 + 60 * 0.28) / 0.28) / ((40 + 25 + 60 * 0.20) / 0.20)
    hits = 0
    for i in range(reps):
        s = PairedStats.from_arrays(yt[i], yc[i], ct[i], cc[i])
        r = paired_cost_per_conversion(s, kind="ratio")
        hits += r.lower <= truth <= r.upper
    assert 0.935 <= hits / reps <= 0.965


# ----------------------------------------------------------------------------- docs table
def _bootstrap_coverage(method: str, n: int, pt: float, pc: float, seed: int, reps: int):
    rng = np.random.default_rng(seed)
    yt, ct = leads(rng, reps, n, pt)
    yc, cc = leads(rng, reps, n, pc)
    truth = (true_cpc(pc), true_cpc(pt) / true_cpc(pc), true_cpc(pt) - true_cpc(pc))
    hits = np.zeros(3)
    for i in range(reps):
        pair = [(yt[i], ct[i]), (yc[i], cc[i])]
        one = bootstrap_cpc([None], [pair[1]], method=method, n_resamples=999, seed=i)
        ratio = bootstrap_cpc(
            [None] * 2, pair, kind="ratio", method=method, n_resamples=999, seed=i
        )
        diff = bootstrap_cpc(
            [None] * 2, pair, kind="difference", method=method, n_resamples=999, seed=i
        )
        for k, r in enumerate((one, ratio, diff)):
            hits[k] += r.lower <= truth[k] <= r.upper
    return tuple(hits / reps)


def coverage_markdown(boot_reps: int = 1000) -> str:
    """The coverage tables of docs/analysis-coverage.md."""
    settings = [
        ("20 per arm (200 leads at 10%, A/A)", 200, 0.10, 0.10),
        ("20 vs 30 (1,000 leads at 2% vs 3%)", 1000, 0.02, 0.03),
        ("10 per arm (100 leads at 10%, A/A)", 100, 0.10, 0.10),
        ("60 vs 90 (300 leads at 20% vs 30%)", 300, 0.30, 0.20),
    ]
    lines = [
        "| expected conversions | method | reps | one arm | ratio to control | difference |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for label, n, pt, pc in settings:
        for method in ("delta", "delta-log", "fieller"):
            cov = cpc_coverage(method, n, pt, pc, seed=n)
            lines.append(
                f"| {label} | {method} | {REPS} | " + " | ".join(f"{c:.3f}" for c in cov) + " |"
            )
        if n <= 300 and pt == pc:
            for method in ("bootstrap-percentile", "bootstrap-bca"):
                cov = _bootstrap_coverage(method, n, pt, pc, seed=n + 1, reps=boot_reps)
                lines.append(
                    f"| {label} | {method} | {boot_reps} | "
                    + " | ".join(f"{c:.3f}" for c in cov)
                    + " |"
                )
    return "\n".join(lines)


if __name__ == "__main__":
    print(coverage_markdown())
