"""Constraint verdicts and Pareto fronts against known answers.

Verdicts: for normal replications the one-sided t-test is exact, so a candidate whose true
mean sits exactly on the bound is declared "feasible" with probability exactly
alpha = 1 - level (the intersection-union test of "every limit met"), and with m constraints
all on their bounds it is declared "infeasible" (each tested at alpha / m, Bonferroni) with
probability exactly 1 - (1 - alpha / m)^m for independent metrics; a two-sided t-interval
covers the true mean with probability exactly ``level``. Each check runs 4000 simulated
candidates and allows the 99.9% two-sided binomial band around the exact rate (3.29 SDs).

Pareto: points on the positive orthant of the unit sphere are mutually non-dominated when every
objective is maximised, and a point strictly inside is dominated by its radial projection, so
the front of "sphere + interior" is the sphere points, exactly.
"""

from __future__ import annotations

import numpy as np
from scipy import stats

from sim.study.methods.objectives import evaluate, pareto_mask, pareto_ranks

CANDIDATES, N, LEVEL = 4000, 10, 0.95
Z = stats.norm.ppf(0.9995)


def within_band(hits: int, p: float) -> bool:
    return abs(hits - CANDIDATES * p) <= Z * np.sqrt(CANDIDATES * p * (1 - p))


def test_a_candidate_on_the_bound_is_called_feasible_at_rate_alpha():
    rng = np.random.default_rng(16)
    feasible = infeasible = 0
    for _ in range(CANDIDATES):
        reps = {"patients": rng.normal(30, 3, N), "complaint_rate": rng.normal(0.001, 2e-4, N)}
        e = evaluate("c", reps, "patients", ["complaint_rate <= 0.001"], level=LEVEL)
        feasible += e.status == "feasible"
        infeasible += e.status == "infeasible"
    assert within_band(feasible, 1 - LEVEL), feasible
    assert within_band(infeasible, 1 - LEVEL), infeasible


def test_with_three_constraints_feasible_is_an_intersection_union_test():
    # one constraint on its bound, two far inside theirs: "feasible" needs the first to pass
    # its one-sided test at alpha (the others pass with probability 1 - 1e-12 or more), with
    # no multiplicity penalty
    rng = np.random.default_rng(17)
    limits = ["unsub <= 0.005", "weekly <= 3", "hours <= 160"]
    hits = 0
    for _ in range(CANDIDATES):
        reps = {
            "patients": rng.normal(30, 3, N),
            "unsub": rng.normal(0.005, 1e-3, N),
            "weekly": rng.normal(1.0, 0.1, N),
            "hours": rng.normal(100.0, 5.0, N),
        }
        hits += evaluate("c", reps, "patients", limits, level=LEVEL).status == "feasible"
    assert within_band(hits, 1 - LEVEL), hits


def test_with_three_constraints_on_their_bounds_infeasible_is_bonferroni():
    rng = np.random.default_rng(20)
    limits = ["unsub <= 0.005", "weekly <= 3", "hours >= 160"]
    hits = 0
    for _ in range(CANDIDATES):
        reps = {
            "patients": rng.normal(30, 3, N),
            "unsub": rng.normal(0.005, 1e-3, N),
            "weekly": rng.normal(3.0, 0.5, N),
            "hours": rng.normal(160.0, 5.0, N),
        }
        hits += evaluate("c", reps, "patients", limits, level=LEVEL).status == "infeasible"
    assert within_band(hits, 1 - (1 - (1 - LEVEL) / 3) ** 3), hits


def test_metric_intervals_cover_the_true_mean_at_their_level():
    rng = np.random.default_rng(18)
    covered = 0
    for _ in range(CANDIDATES):
        m = evaluate("c", {"patients": rng.normal(30.0, 5.0, N)}, "patients", level=LEVEL).value
        covered += m.ci_lower <= 30.0 <= m.ci_upper
    assert within_band(covered, LEVEL), covered


def test_pareto_front_of_sphere_and_interior_points_is_the_sphere():
    rng = np.random.default_rng(19)
    d = 3
    sphere = np.abs(rng.normal(size=(300, d)))
    sphere /= np.linalg.norm(sphere, axis=1, keepdims=True)
    inside = sphere[:200] * rng.uniform(0.2, 0.99, (200, 1))
    values = np.vstack([sphere, inside])
    mask = pareto_mask(values, ["maximize"] * d)
    assert mask[:300].all() and not mask[300:].any()
    rank = pareto_ranks(values, ["maximize"] * d)
    assert (rank[:300] == 1).all() and (rank[300:] >= 2).all()
