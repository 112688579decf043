"""Candidate evaluations (metrics, objective, constraint verdicts) and Pareto fronts."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from sim.errors import InputError
from sim.study.methods.objectives import (
    Constraint,
    Objective,
    evaluate,
    evaluate_candidates,
    evaluation_table,
    pareto_front,
    pareto_mask,
    pareto_ranks,
)

REPS = {
    "patients": [30.0, 34.0, 32.0, 33.0, 31.0],
    "unsub_per_email": [0.0040, 0.0050, 0.0045, 0.0042, 0.0048],
    "emails_per_week": [2.0, 2.0, 2.0, 2.0, 2.0],
}


def test_metric_intervals_are_the_t_intervals():
    e = evaluate("a", REPS, "patients")
    x = np.array(REPS["patients"])
    lo, hi = stats.t.interval(0.95, len(x) - 1, loc=x.mean(), scale=stats.sem(x))
    m = e.value
    assert (m.n, m.mean) == (5, x.mean())
    assert m.ci_lower == pytest.approx(lo) and m.ci_upper == pytest.approx(hi)
    assert e.status == "feasible" and e.constraints == ()  # no constraints: nothing to break


def test_constraint_verdicts_and_margins():
    e = evaluate(
        "a",
        REPS,
        Objective("patients"),
        ["unsub_per_email <= 0.006", "emails_per_week <= 1", "patients >= 32"],
    )
    unsub, weekly, floor = e.constraints
    assert unsub.status == "feasible" and unsub.margin == pytest.approx(0.006 - 0.0045)
    assert weekly.status == "infeasible" and weekly.margin == -1.0  # no spread: decided exactly
    assert floor.status == "undecided" and floor.margin == pytest.approx(0.0)
    assert e.status == "infeasible"
    # feasible at one-sided 0.95 (intersection-union); infeasible at 1 - 0.05 / 3 (Bonferroni)
    assert unsub.level == 0.95 and unsub.infeasible_level == pytest.approx(1 - 0.05 / 3)
    x = np.array(REPS["unsub_per_email"])
    assert unsub.margin_lower == pytest.approx(unsub.margin - stats.t.ppf(0.95, 4) * stats.sem(x))
    upper = unsub.margin + stats.t.ppf(1 - 0.05 / 3, 4) * stats.sem(x)
    assert unsub.margin_upper == pytest.approx(upper)
    assert e.constraint_values() == pytest.approx([-c.margin for c in e.constraints])


def test_a_lower_limit_counts_its_margin_upwards():
    c = Constraint.parse("patients >= 30")
    assert c.margin(32.0) == 2.0 and c.margin(29.0) == -1.0
    assert c.label == "patients >= 30"


def test_missing_values_are_left_out_and_one_value_decides_nothing():
    reps = {"patients": [3.0, 4.0, 5.0], "cost_per_patient": [100.0, np.nan, np.nan]}
    e = evaluate("a", reps, "patients", ["cost_per_patient <= 1000"])
    m = e.metrics["cost_per_patient"]
    assert m.n == 1 and m.mean == 100.0 and np.isnan(m.ci_lower)
    assert "2 replications without a value left out" in m.note
    assert e.constraints[0].status == "undecided" and e.status == "undecided"


def test_flat_row_names_and_two_limits_on_one_metric():
    e = evaluate("a", REPS, "patients", ["patients >= 20", "patients <= 40"])
    row = e.to_row()
    assert row["candidate"] == "a" and row["n"] == 5
    assert row["objective"] == "maximize patients"
    for key in ("patients_min_margin", "patients_max_margin", "patients_min_status"):
        assert key in row
    assert row["patients_min_margin"] == pytest.approx(12.0)
    assert row["patients_max_margin"] == pytest.approx(8.0)


def test_candidates_from_a_tidy_table_and_their_order():
    t = pd.DataFrame(
        {
            "candidate": ["slow"] * 4 + ["fast"] * 4 + ["spammy"] * 4,
            "replication": list(range(4)) * 3,
            "cost_usd": [100, 101, 99, 100, 80, 82, 81, 80, 60, 61, 59, 60],
            "complaint_rate": [0.0002] * 4 + [0.0008, 0.0012, 0.0009, 0.0011] + [0.003] * 4,
        }
    )
    evs = evaluate_candidates(t, Objective("cost_usd", "minimize"), ["complaint_rate <= 0.001"])
    assert [e.candidate for e in evs] == ["slow", "fast", "spammy"]
    assert [e.status for e in evs] == ["feasible", "undecided", "infeasible"]
    table = evaluation_table(evs)
    assert table.candidate.tolist() == ["slow", "fast", "spammy"]
    assert "replication_mean" not in table.columns


def test_evaluation_table_sorts_by_the_objective_within_a_status():
    t = pd.DataFrame({"candidate": list("aabbcc"), "cost_usd": [5, 6, 1, 2, 3, 4]})
    evs = evaluate_candidates(t, Objective("cost_usd", "minimize"))
    assert evaluation_table(evs).candidate.tolist() == ["b", "c", "a"]
    evs = evaluate_candidates(t, "cost_usd")
    assert evaluation_table(evs).candidate.tolist() == ["a", "c", "b"]


@pytest.mark.parametrize(
    ("call", "where"),
    [
        (lambda: Constraint.parse("rate < 0.1"), "constraint"),
        (lambda: Constraint.parse("rate <= lots"), "constraint"),
        (lambda: Constraint("rate", "<=", float("inf")), "constraint: rate"),
        (lambda: Objective("patients", "up"), "objective: patients"),
        (lambda: evaluate("a", REPS, "patient"), "a: patient"),
        (lambda: evaluate("a", REPS, "patients", ["clicks <= 3"]), "a: clicks"),
        (lambda: evaluate("a", {"patients": []}, "patients"), "a"),
        (lambda: evaluate("a", REPS, "patients", level=1.0), "level"),
        (lambda: evaluate_candidates(pd.DataFrame({"x": [1]}), "x"), "columns: candidate"),
        (lambda: evaluate("a", {"p": [1, 2], "q": [1]}, "p"), "a"),
        (lambda: Constraint.from_entry({"metric": "u", "max": 1, "min": 0}), "constraint"),
        (lambda: Constraint.from_entry({"metric": "u", "maxi": 1}), "constraint: maxi"),
        (lambda: Constraint.from_entry({"metric": "u", "max": "1"}), "constraint: max"),
        (lambda: Constraint.from_entry({"max": 1}), "constraint"),
        (lambda: Objective.from_entry({"metric": "p", "direction": "up"}), "objective: p"),
    ],
)
def test_bad_input_names_where(call, where):
    with pytest.raises(InputError) as info:
        call()
    assert info.value.where == where


def brute_force_front(cost: np.ndarray) -> np.ndarray:
    n = len(cost)
    return np.array(
        [
            not any(
                np.all(cost[j] <= cost[i]) and np.any(cost[j] < cost[i]) for j in range(n) if j != i
            )
            for i in range(n)
        ]
    )


@pytest.mark.parametrize("seed", range(5))
def test_pareto_mask_matches_brute_force_with_ties(seed):
    # small integers make ties and duplicates common
    rng = np.random.default_rng(seed)
    v = rng.integers(0, 6, size=(60, 3)).astype(float)
    dirs = ["maximize", "minimize", "minimize"]
    assert np.array_equal(pareto_mask(v, dirs), brute_force_front(v * [-1, 1, 1]))


def test_pareto_ranks_peel_fronts():
    rng = np.random.default_rng(7)
    v = rng.normal(size=(200, 3))
    dirs = ["minimize"] * 3
    rank = pareto_ranks(v, dirs)
    assert rank.min() == 1 and np.array_equal(rank == 1, pareto_mask(v, dirs))
    for r in range(2, rank.max() + 1):
        # a rank-r row is dominated by some rank-(r - 1) row, and by no row of rank >= r
        later = v[rank >= r]
        assert np.array_equal(
            brute_force_front(later)[rank[rank >= r] == r],
            np.ones(int(np.sum(rank == r)), dtype=bool),
        )
        prev = v[rank == r - 1]
        for x in v[rank == r]:
            assert np.any(np.all(prev <= x, axis=1) & np.any(prev < x, axis=1))


def test_pareto_front_of_a_table_skips_missing_and_infeasible_rows():
    t = pd.DataFrame(
        {
            "name": list("abcde"),
            "patients": [30, 34, np.nan, 40, 29],
            "cost_usd": [900, 1000, 100, 2000, 950],
            "status": ["feasible", "feasible", "feasible", "undecided", "feasible"],
        }
    )
    goals = {"patients": "maximize", "cost_usd": "minimize"}
    assert pareto_front(t, goals).name.tolist() == ["d", "b", "a"]
    assert pareto_front(t, goals, feasible="status").name.tolist() == ["b", "a"]
    assert pareto_ranks(t[list(goals)], list(goals.values())).tolist() == [1, 1, 0, 1, 2]
    with pytest.raises(InputError, match=r"^columns: unsubscribes"):
        pareto_front(t, {"unsubscribes": "minimize"})
    with pytest.raises(InputError, match=r"^directions"):
        pareto_mask([[1.0]], ["up"])
