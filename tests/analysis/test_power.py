"""Power and sample size for two proportions: library cross-checks and invariants."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from statsmodels.stats.power import NormalIndPower
from statsmodels.stats.proportion import (
    power_proportions_2indep,
    proportion_effectsize,
    samplesize_proportions_2indep_onetail,
)

from sim.analysis.planning import Plan, plan_test, power_for_months
from sim.analysis.power import (
    continuity_corrected_n,
    minimum_detectable_effect,
    power_two_proportions,
    sample_size_two_proportions,
)
from sim.errors import InputError

PAIRS = [(0.2, 0.25), (0.2, 0.15), (0.05, 0.08), (0.5, 0.75), (0.9, 0.8)]
RATIOS = [0.5, 1.0, 2.5]


def _statsmodels_args(p1: float, p2: float) -> dict:
    # statsmodels: sample 1 has rate prop2 + diff and nobs1 leads, sample 2 has prop2 and
    # ratio * nobs1 — so our control is its sample 1 and our treatment its sample 2.
    return {"diff": p1 - p2, "prop2": p2}


# --------------------------------------------------------------------------- statsmodels


@pytest.mark.parametrize(("p1", "p2"), PAIRS)
@pytest.mark.parametrize("ratio", RATIOS)
@pytest.mark.parametrize(("ours", "theirs"), [("two-sided", "two-sided"), ("one-sided", None)])
def test_sample_size_equals_statsmodels_onetail(p1, p2, ratio, ours, theirs):
    # Same formula: pooled null variance, unpooled alternative variance, far tail ignored.
    alternative = theirs or ("larger" if p1 > p2 else "smaller")
    expected = samplesize_proportions_2indep_onetail(
        power=0.8, ratio=ratio, alpha=0.05, alternative=alternative, **_statsmodels_args(p1, p2)
    )
    got = sample_size_two_proportions(p1, p2, power=0.8, ratio=ratio, alternative=ours)
    assert got == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize(("p1", "p2"), PAIRS)
@pytest.mark.parametrize("ratio", RATIOS)
@pytest.mark.parametrize("n1", [20.0, 150.0, 1000.0])
def test_strict_power_equals_statsmodels_power_proportions_2indep(p1, p2, ratio, n1):
    # statsmodels counts both rejection tails, which is our (and R's) strict=True.
    expected = power_proportions_2indep(
        nobs1=n1, ratio=ratio, alpha=0.05, return_results=False, **_statsmodels_args(p1, p2)
    )
    got = power_two_proportions(p1, p2, n1, ratio=ratio, strict=True)
    assert got == pytest.approx(expected, rel=1e-12, abs=1e-15)


@pytest.mark.parametrize(("p1", "p2"), PAIRS)
def test_one_sided_power_equals_statsmodels_in_the_effect_direction(p1, p2):
    alternative = "larger" if p1 > p2 else "smaller"
    expected = power_proportions_2indep(
        nobs1=300, alpha=0.05, alternative=alternative, return_results=False,
        **_statsmodels_args(p1, p2),
    )  # fmt: skip
    assert power_two_proportions(p1, p2, 300, alternative="one-sided") == pytest.approx(
        expected, rel=1e-12
    )


@pytest.mark.parametrize(("p1", "p2"), PAIRS)
def test_cohens_h_is_a_different_convention_close_to_ours(p1, p2):
    # NormalIndPower on Cohen's h = 2 asin(sqrt p2) - 2 asin(sqrt p1) (arcsine scale) is not
    # the pooled z-test we size; it must not be mistaken for it, yet the two agree to within
    # a few percent for moderate rates.
    h = proportion_effectsize(p2, p1)
    theirs = NormalIndPower().solve_power(effect_size=h, alpha=0.05, power=0.8, ratio=1.0)
    ours = sample_size_two_proportions(p1, p2)
    assert theirs != pytest.approx(ours, rel=1e-6)
    assert theirs == pytest.approx(ours, rel=0.06)


# --------------------------------------------------------------------------- invariants


def _configurations():
    for (p1, p2), ratio, alternative, continuity, strict in itertools.product(
        PAIRS, RATIOS, ("two-sided", "one-sided"), (False, True), (False, True)
    ):
        yield p1, p2, ratio, alternative, continuity, strict


@pytest.mark.parametrize(("p1", "p2", "ratio", "alternative", "continuity", "strict"),
                         list(_configurations()))  # fmt: skip
def test_power_at_the_solved_sample_size_is_the_target(
    p1, p2, ratio, alternative, continuity, strict
):
    options = {"ratio": ratio, "alternative": alternative, "continuity": continuity}
    n = sample_size_two_proportions(p1, p2, power=0.85, strict=strict, **options)
    assert power_two_proportions(p1, p2, n, strict=strict, **options) == pytest.approx(
        0.85, abs=1e-6
    )


@pytest.mark.parametrize(("p1", "p2"), PAIRS)
@pytest.mark.parametrize("continuity", [False, True])
def test_power_increases_with_n(p1, p2, continuity):
    sizes = np.geomspace(5, 20_000, 60)
    powers = np.array([power_two_proportions(p1, p2, n, continuity=continuity) for n in sizes])
    assert np.all(np.diff(powers) >= 0)
    # strictly, until power is 1 to double precision
    unsaturated = powers[powers < 1 - 1e-12]
    assert unsaturated.size > 10 and np.all(np.diff(unsaturated) > 0)
    assert powers[-1] > 0.999


def test_power_increases_with_effect_and_alpha():
    by_effect = [power_two_proportions(0.2, p2, 500) for p2 in (0.22, 0.24, 0.26, 0.28)]
    by_alpha = [power_two_proportions(0.2, 0.24, 500, alpha=a) for a in (0.01, 0.05, 0.1)]
    assert np.all(np.diff(by_effect) > 0) and np.all(np.diff(by_alpha) > 0)


def test_strict_adds_only_the_far_tail():
    loose = sample_size_two_proportions(0.2, 0.25)
    strict = sample_size_two_proportions(0.2, 0.25, strict=True)
    assert strict < loose
    assert loose - strict < 0.01  # the far tail is worth far less than a lead here


@pytest.mark.parametrize(("p1", "p2"), PAIRS)
@pytest.mark.parametrize("ratio", RATIOS)
def test_swapping_arms_mirrors_the_ratio(p1, p2, ratio):
    # Control p1 with n leads and treatment p2 with r n leads is the same design as control
    # p2 with r n leads and treatment p1 with n leads, i.e. ratio 1/r.
    n = sample_size_two_proportions(p1, p2, ratio=ratio)
    assert sample_size_two_proportions(p2, p1, ratio=1 / ratio) == pytest.approx(ratio * n)


def test_continuity_corrected_n_formula_and_power():
    n = sample_size_two_proportions(0.2, 0.3, ratio=2.0)
    n_cc = sample_size_two_proportions(0.2, 0.3, ratio=2.0, continuity=True)
    assert n_cc == pytest.approx(continuity_corrected_n(n, 0.2, 0.3, 2.0))
    # Yates' correction only removes power, and adds roughly (r + 1) / (r |d|) leads.
    assert power_two_proportions(0.2, 0.3, n, ratio=2.0, continuity=True) < 0.8
    assert n_cc - n == pytest.approx(3 / (2 * 0.1), rel=0.05)


@pytest.mark.parametrize(("p1", "n1"), [(0.2, 1000.0), (0.05, 5000.0), (0.6, 80.0)])
@pytest.mark.parametrize("direction", ["increase", "decrease"])
@pytest.mark.parametrize("continuity", [False, True])
def test_minimum_detectable_effect_round_trip(p1, n1, direction, continuity):
    mde = minimum_detectable_effect(p1, n1, power=0.8, direction=direction, continuity=continuity)
    assert (mde > 0) == (direction == "increase")
    achieved = power_two_proportions(p1, p1 + mde, n1, continuity=continuity)
    assert achieved == pytest.approx(0.8, abs=1e-9)
    n_back = sample_size_two_proportions(p1, p1 + mde, power=0.8, continuity=continuity)
    assert n_back == pytest.approx(n1, rel=1e-8)


def test_minimum_detectable_effect_shrinks_like_one_over_root_n():
    small = minimum_detectable_effect(0.2, 1_000)
    large = minimum_detectable_effect(0.2, 4_000)
    assert large < small
    assert small / large == pytest.approx(2.0, rel=0.1)


def test_minimum_detectable_effect_when_no_rate_is_enough():
    with pytest.raises(InputError) as err:
        minimum_detectable_effect(0.9, 3.0, power=0.99)
    assert err.value.where == "n1"


# --------------------------------------------------------------------------- planning


def test_plan_lift_and_treatment_agree():
    by_lift = plan_test(0.2, lift=0.25, leads_per_month=400)
    by_rate = plan_test(0.2, treatment=0.25, leads_per_month=400)
    assert isinstance(by_lift, Plan)
    assert by_lift.n_per_arm == pytest.approx(by_rate.n_per_arm)
    assert by_lift.lift == 0.25 and by_rate.lift == pytest.approx(0.25)


def test_plan_fields():
    plan = plan_test(0.2, lift=0.2, ratio=2.0, leads_per_month=300, power=0.9)
    assert plan.n_per_arm == pytest.approx(
        sample_size_two_proportions(0.2, 0.24, ratio=2.0, power=0.9)
    )
    assert plan.n_per_arm_cc == pytest.approx(
        sample_size_two_proportions(0.2, 0.24, ratio=2.0, power=0.9, continuity=True)
    )
    assert plan.n_treatment == pytest.approx(2.0 * plan.n_per_arm)
    assert plan.total_leads == math.ceil(plan.n_per_arm) + math.ceil(plan.n_treatment)
    assert plan.months == pytest.approx(plan.total_leads / 300)
    assert plan.months_cc > plan.months
    assert (plan.baseline, plan.alpha, plan.power, plan.ratio) == (0.2, 0.05, 0.9, 2.0)


def test_plan_without_lead_volume_has_no_months():
    plan = plan_test(0.3, treatment=0.4)
    assert plan.months is None and plan.months_cc is None and plan.leads_per_month is None


def test_power_for_months_reverses_the_plan():
    plan = plan_test(0.2, lift=0.2, leads_per_month=500)
    achieved = power_for_months(0.2, plan.treatment, plan.months, 500)
    # total_leads rounds each arm up, so the planned length gives at least the target.
    assert 0.8 <= achieved < 0.8 + 1e-3
    assert power_for_months(0.2, plan.treatment, plan.months / 2, 500) < 0.6
    corrected = power_for_months(0.2, plan.treatment, plan.months_cc, 500, continuity=True)
    assert corrected == pytest.approx(0.8, abs=1e-3)


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("call", "where"),
    [
        (lambda: sample_size_two_proportions(0.0, 0.2), "p1"),
        (lambda: sample_size_two_proportions(0.2, 1.0), "p2"),
        (lambda: sample_size_two_proportions(0.2, float("nan")), "p2"),
        (lambda: sample_size_two_proportions(0.2, 0.2), "p2"),
        (lambda: sample_size_two_proportions(0.2, 0.3, power=1.0), "power"),
        (lambda: sample_size_two_proportions(0.2, 0.3, power=0.0), "power"),
        (lambda: sample_size_two_proportions(0.2, 0.3, alpha=1.5), "alpha"),
        (lambda: sample_size_two_proportions(0.2, 0.3, ratio=0.0), "ratio"),
        (lambda: sample_size_two_proportions(0.2, 0.3, ratio=-1.0), "ratio"),
        (lambda: sample_size_two_proportions(0.2, 0.3, alternative="less"), "alternative"),
        (lambda: power_two_proportions(0.2, 0.3, 0.0), "n1"),
        (lambda: minimum_detectable_effect(0.2, 100, direction="up"), "direction"),
        (lambda: plan_test(1.2, lift=0.1), "baseline"),
        (lambda: plan_test(0.2), "lift"),
        (lambda: plan_test(0.2, lift=0.1, treatment=0.3), "lift"),
        (lambda: plan_test(0.6, lift=1.0), "lift"),
        (lambda: plan_test(0.2, lift=0.0), "lift"),
        (lambda: plan_test(0.2, treatment=0.2), "treatment"),
        (lambda: plan_test(0.2, lift=0.1, leads_per_month=0), "leads_per_month"),
        (lambda: power_for_months(0.2, 0.3, -1, 100), "months"),
        (lambda: power_for_months(0.2, 1.3, 6, 100), "treatment"),
    ],
)
def test_bad_input_names_the_argument(call, where):
    with pytest.raises(InputError) as err:
        call()
    assert err.value.where == where
    assert "allowed" in err.value.problem or "must" in err.value.problem or "give" in str(err.value)
