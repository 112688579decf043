"""Power by simulation: reproducible, honest about the cut-off, and in line with theory."""

from __future__ import annotations

import math

import pytest

from sim.analysis.power import power_two_proportions
from sim.errors import InputError
from sim.experiment.power_looks import FINAL_LOOK, simulated_looks
from sim.experiment.power_sim import (
    CURVE_METHODS,
    TrueRates,
    expected_leads,
    power_curve,
    simulated_power,
    true_rates,
    with_months,
)

# Rounded rates of the default practice (benchmarks/power_world.py measures them), so the
# quick tests need no paired run of their own.
RATES = TrueRates(0.17, 0.26, 0, 0)


@pytest.fixture
def practice(scenario, strategy):
    return scenario(), strategy("no_nurture"), strategy("stage_nurture")


def test_same_seed_same_result_whatever_the_workers(practice):
    s, a, b = practice
    kwargs = {"months": 2, "runs": 6, "seed": 9, "rates": RATES}
    one = simulated_power(s, a, b, workers=1, **kwargs)
    two = simulated_power(s, a, b, workers=2, **kwargs)
    assert one == two
    other = simulated_power(s, a, b, workers=1, **{**kwargs, "seed": 10})
    assert (other.n_control, other.n_treatment) != (one.n_control, one.n_treatment)


def test_the_cut_off_sees_the_same_leads_and_fewer_conversions(practice):
    s, a, b = practice
    kwargs = {"months": 2, "runs": 6, "seed": 3, "rates": RATES, "workers": 1}
    full = simulated_power(s, a, b, cutoff="full_window", **kwargs)
    cut = simulated_power(s, a, b, cutoff="end_of_test", **kwargs)
    assert (full.n_control, full.n_treatment) == (cut.n_control, cut.n_treatment)
    assert cut.rate_control < full.rate_control
    assert cut.rate_treatment < full.rate_treatment
    assert full.analytic_power == cut.analytic_power  # the analytic answer knows no cut-off


def test_analytic_power_is_at_the_simulated_n_and_the_true_rates(practice):
    s, a, b = practice
    r = simulated_power(s, a, b, months=2, runs=4, weight=0.3, rates=RATES, workers=1)
    expected = power_two_proportions(0.17, 0.26, r.n_control, ratio=0.3 / 0.7)
    assert r.analytic_power == pytest.approx(expected)
    assert r.power == r.significant / r.runs
    assert r.power_ci_lower <= r.power <= r.power_ci_upper


def test_power_curve_rows_and_the_a_a_case(scenario, strategy):
    s, a = scenario(), strategy("no_nurture")
    curve = power_curve(s, a, a, months=[1, 2], runs=3, rates=TrueRates(0.2, 0.2, 0, 0), workers=1)
    assert list(curve.columns) == [
        "months", "n_per_arm", "power", "power_ci_lower", "power_ci_upper", "method"
    ]  # fmt: skip
    assert sorted(set(curve["method"])) == sorted(CURVE_METHODS)
    analytic = curve[curve["method"] == "analytic"]
    assert analytic["power"].tolist() == [0.05, 0.05]  # identical arms reject at alpha
    assert analytic["n_per_arm"].tolist() == [50.0, 100.0]
    assert analytic["power_ci_lower"].isna().all()


def test_expected_leads_follow_seasonality(scenario):
    s = scenario(seasonality=[0.5, 1.5])
    assert expected_leads(s, 3) == pytest.approx(100 * (0.5 + 1.5 + 0.5))
    assert with_months(s, 3).months == 3


def test_true_rates_of_identical_strategies_are_identical(scenario, strategy):
    # Paired design, common random numbers: the same strategy twice gives the same leads.
    r = true_rates(scenario(months=1), strategy("newsletter"), strategy("newsletter"),
                   replications=2, workers=1)  # fmt: skip
    assert r.control == r.treatment and r.n_control == r.n_treatment > 0


@pytest.mark.parametrize(
    ("kwargs", "where"),
    [
        ({"weight": 0.0}, "weight"),
        ({"weight": 1.0}, "weight"),
        ({"cutoff": "eventually"}, "cutoff"),
        ({"runs": 0}, "runs"),
        ({"alpha": 1.5}, "alpha"),
        ({"test": "fisher"}, "test"),
        ({"months": 0}, "months"),
    ],
)
def test_bad_arguments_are_input_errors(practice, kwargs, where):
    s, a, b = practice
    args = {"months": 1, "runs": 2, "rates": RATES, "workers": 1, **kwargs}
    with pytest.raises(InputError) as exc:
        simulated_power(s, a, b, **args)
    assert exc.value.where == where


def test_simulated_looks_table(scenario, strategy):
    s, a = scenario(), strategy("no_nurture")
    t = simulated_looks(s, a, a, months=3, methods=("obf", "naive"), runs=4, workers=1,
                        information=("statistical", "leads"))  # fmt: skip
    assert list(dict.fromkeys(t["method"])) == ["obf", "naive", FINAL_LOOK]
    assert t.groupby("method")["information"].unique().map(list).to_dict() == {
        "obf": ["statistical", "leads"], "naive": ["statistical", "leads"], FINAL_LOOK: [None]
    }  # fmt: skip
    final = t[t["method"] == FINAL_LOOK]
    assert final["stopped"].iloc[:2].tolist() == [0, 0]  # the fixed test only decides at the end
    assert (t.groupby("method")["stopped"].apply(lambda x: x.is_monotonic_increasing)).all()
    with pytest.raises(InputError):
        simulated_looks(s, a, a, months=3, methods=("bonferroni",), runs=1, workers=1)
    with pytest.raises(InputError):
        simulated_looks(s, a, a, months=3, runs=1, workers=1, information="events")


@pytest.mark.slow
def test_simulated_power_agrees_with_theory_and_the_cut_off_costs_power(practice):
    """Full window: the simulated power is the analytic one within 3 binomial SE.

    With every lead followed for its window, the split test is two binomial samples at
    nearly the paired rates, so the share of significant runs estimates the analytic power:
    SE = sqrt(P (1 - P) / runs), plus what the rates' own uncertainty moves the analytic
    power (from a paired run of 2 x 8 x 12 months, SE of each rate about 0.004; propagated
    numerically below). Analysed at the end of the test instead, the last months' leads have
    not converted yet, and power must drop by more than 3 SE of the paired difference.
    """
    s, a, b = practice
    runs, months = 300, 5
    rates = true_rates(s, a, b, replications=8, seed=1, workers=2)
    full = simulated_power(s, a, b, months=months, runs=runs, cutoff="full_window",
                           rates=rates, seed=2, workers=2)  # fmt: skip
    cut = simulated_power(s, a, b, months=months, runs=runs, cutoff="end_of_test",
                          rates=rates, seed=2, workers=2)  # fmt: skip
    p = full.analytic_power
    se_sim = math.sqrt(p * (1 - p) / runs)
    rate_se = math.sqrt(rates.treatment * (1 - rates.treatment) / rates.n_treatment)
    shifted = power_two_proportions(rates.control, rates.treatment + rate_se, full.n_control)
    se_rates = math.sqrt(2) * abs(shifted - p)  # both rates uncertain, about equally
    assert abs(full.power - p) <= 3 * math.hypot(se_sim, se_rates), (full, p)
    se_diff = math.sqrt((full.power * (1 - full.power) + cut.power * (1 - cut.power)) / runs)
    assert full.power - cut.power > 3 * se_diff, (full, cut)
