"""Power of a practice's own A/B test, by running the world many times.

The analytic answer (:mod:`sim.analysis.power`) assumes two independent streams of leads
converting at fixed rates, every conversion observed. A practice's test differs in three ways
this module measures:

- **Shared sales capacity.** In the split design both arms share the front desk, so each
  arm's rate is not quite the rate the practice would see running that strategy alone (the
  "true" rates here come from a large paired run: each strategy alone in its own world).
- **Conversion delay past the end of the test.** Analysed at the end of month M
  (``cutoff="end_of_test"``), the test counts only conversions that have already happened
  (``arrived_day + days_to_convert <= cut-off``): the last months' leads have had little time.
  ``cutoff="full_window"`` waits until every lead has been followed for its whole window.
- **Unequal arms.** ``weight`` is the treatment's share of leads; allocation is random, so the
  arm sizes vary from run to run.

Each run is one replication of a split-design :class:`~sim.experiment.experiment.Experiment`
of ``months`` months of arrivals, on the experiment runner; what a run's test needs beyond
the replication's rows is measured where it runs (the task's ``measure``). The test is the
two-sided score test of two proportions (``diff_test`` with ``method="mee"``, which at a null
difference of 0 is exactly the pooled z-test the analytic formula sizes). Power is the share of
runs with ``p < alpha``, with a Wilson interval. Run ``r`` of a test of ``M`` months is
replication ``r`` of the experiment with ``stream=(M,)``: ``SeedSequence(seed,
spawn_key=(M, r))``, so results do not depend on workers or which other lengths are simulated.
Monitored tests (:func:`simulated_looks`) are in :mod:`sim.experiment.power_looks`.

Example:
    >>> import sim
    >>> scenario = sim.load_scenario("configs/scenarios/medical_practice.toml")
    >>> a = sim.load_strategy("configs/strategies/no_nurture.toml")
    >>> b = sim.load_strategy("configs/strategies/stage_nurture.toml")
    >>> r = simulated_power(scenario, a, b, months=2, runs=4, workers=1,
    ...                     rates=TrueRates(0.17, 0.26, 0, 0))
    >>> r.runs, 0.0 <= r.power <= 1.0, r.power_ci_lower <= r.power <= r.power_ci_upper
    (4, True, True)
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from sim.analysis.interval import check_alpha, check_method
from sim.analysis.power import power_two_proportions
from sim.analysis.proportions import rate_interval
from sim.analysis.two_proportions import DIFF_METHODS, diff_test
from sim.config import Scenario, Strategy
from sim.config.scenario import DAYS_PER_MONTH
from sim.errors import InputError
from sim.experiment.arms import ArmSpec, edit_scenario
from sim.experiment.experiment import Experiment, ExperimentResult
from sim.experiment.looks import look_counts
from sim.world.arrivals import monthly_rate_check

CUTOFFS = ("end_of_test", "full_window")
#: ``method`` values of :func:`power_curve`'s rows.
CURVE_METHODS = ("analytic", "simulated", "simulated_cutoff")

CONTROL, TREATMENT = "control", "treatment"


class TrueRates(NamedTuple):
    """Each strategy's conversion rate run alone (paired design), full window observed."""

    control: float
    treatment: float
    n_control: int  # leads behind each estimate
    n_treatment: int


class PowerResult(NamedTuple):
    """Simulated power of one test length, beside the analytic answer at the same n."""

    months: int
    weight: float  # the treatment's share of leads
    cutoff: str
    alpha: float
    runs: int
    significant: int  # runs with p < alpha
    power: float
    power_ci_lower: float  # Wilson 95%
    power_ci_upper: float
    n_control: float  # mean leads per run
    n_treatment: float
    rate_control: float  # mean observed conversion rate (at the cut-off)
    rate_treatment: float
    true_rate_control: float
    true_rate_treatment: float
    analytic_power: float  # power_two_proportions at the true rates and mean n_control
    test: str


# --------------------------------------------------------------------------- the runs


def with_months(scenario: Scenario, months: int) -> Scenario:
    """The scenario with ``months`` months of arrivals (validated like a config file)."""
    if not (isinstance(months, int | np.integer) and months >= 1):
        raise InputError("months", f"{months!r} is not allowed: must be a whole number >= 1")
    what = f"{scenario.name} with months = {months}"
    return edit_scenario(scenario, {"months": int(months)}, "months", what)


def expected_leads(scenario: Scenario, months: int) -> float:
    """Expected leads in ``months`` months of arrivals (all arms), seasonality included.

    The world's own count (:func:`sim.world.arrivals.monthly_rate_check`) of the scenario
    with that many months.

    >>> import sim
    >>> expected_leads(sim.load_scenario("configs/scenarios/medical_practice.toml"), 6)
    600.0
    """
    return monthly_rate_check(with_months(scenario, months))


def ab_arms(control: Strategy, treatment: Strategy, weight: float) -> tuple[ArmSpec, ...]:
    """The control and treatment arms of a test, the treatment with share ``weight``."""
    if not (isinstance(weight, int | float) and 0.0 < float(weight) < 1.0):
        raise InputError("weight", f"{weight!r} is not allowed: the treatment share is in (0, 1)")
    # Fixed names: an A/A test passes the same strategy twice.
    return (
        ArmSpec(CONTROL, control.model_copy(update={"name": CONTROL}), 1.0 - float(weight)),
        ArmSpec(TREATMENT, treatment.model_copy(update={"name": TREATMENT}), float(weight)),
    )


def check_runs(runs: int, alpha: float, cutoff: str | None = None) -> None:
    """Reject a run count below 1, an ``alpha`` outside (0, 1) or an unknown cut-off."""
    if not (isinstance(runs, int | np.integer) and runs >= 1):
        raise InputError("runs", f"{runs!r} is not allowed: must be a whole number >= 1")
    check_alpha(alpha)
    if cutoff is not None and cutoff not in CUTOFFS:
        raise InputError("cutoff", f"{cutoff!r} is not allowed: use one of {', '.join(CUTOFFS)}")


def run_tests(
    scenario: Scenario,
    arms: tuple[ArmSpec, ...],
    months: int,
    runs: int,
    seed: int,
    workers: int | None,
    measure: Callable[[pd.DataFrame], Any],
) -> ExperimentResult:
    """``runs`` split-design tests of ``months`` months: replications of one experiment."""
    exp = Experiment(
        with_months(scenario, months),
        {a.name: a for a in arms},
        control=CONTROL,
        design="split",
        replications=int(runs),
        seed=seed,
        stream=(int(months),),
        measure=measure,
    )
    return exp.run(workers)


@dataclass(frozen=True)
class EndOfTest:
    """A run's measure: the conversions of (control, treatment) by the end of the test."""

    months: int

    def __call__(self, leads: pd.DataFrame) -> tuple[int, int]:
        if not len(leads):
            return 0, 0
        cut = look_counts(leads, CONTROL, TREATMENT, [self.months * DAYS_PER_MONTH]).iloc[0]
        return int(cut["conversions_control"]), int(cut["conversions_treatment"])


def _counts(
    scenario: Scenario,
    arms: tuple[ArmSpec, ...],
    months: int,
    runs: int,
    seed: int,
    workers: int | None,
) -> np.ndarray:
    """Per run: n_c, n_t, conversions (full window) x_c, x_t, conversions by the end x_c, x_t."""
    res = run_tests(scenario, arms, months, runs, seed, workers, EndOfTest(int(months)))
    reps = res.per_replication
    arm = {name: reps[reps["arm"] == name] for name in (CONTROL, TREATMENT)}
    full = [arm[name][col].to_numpy(np.int64) for col in ("n", "conversions") for name in arm]
    return np.column_stack([*full, np.asarray(res.measured, dtype=np.int64)])


def significant(n_c, n_t, x_c, x_t, alpha: float, test: str) -> np.ndarray:
    """Whether each test's p-value is below ``alpha`` (an empty arm shows no difference)."""
    p = np.asarray(diff_test(x_t, n_t, x_c, n_c, method=test).p_value, dtype=float)
    return np.nan_to_num(p, nan=1.0) < alpha


def _analytic(rates: TrueRates, n_control: float, weight: float, alpha: float) -> float:
    if rates.control == rates.treatment:
        return alpha  # an A/A test rejects at its level
    return power_two_proportions(
        rates.control, rates.treatment, n_control, ratio=weight / (1.0 - weight), alpha=alpha
    )


# --------------------------------------------------------------------------- public API


def true_rates(
    scenario: Scenario,
    control: Strategy,
    treatment: Strategy,
    *,
    replications: int = 10,
    seed: int = 0,
    workers: int | None = None,
) -> TrueRates:
    """Each strategy's conversion rate in a large paired run (each alone in its world).

    Uses the scenario's own months; ``replications`` worlds per strategy (the default
    scenario's 12 months x 10 give about 12,000 leads each, a standard error near 0.0035).
    """
    arms = {a.name: a for a in ab_arms(control, treatment, 0.5)}
    exp = Experiment(
        scenario, arms, control=CONTROL, design="paired", replications=replications, seed=seed
    )
    reps = exp.run(workers).per_replication
    sums = reps.groupby("arm")[["n", "conversions"]].sum()
    n_c, n_t = int(sums.loc[CONTROL, "n"]), int(sums.loc[TREATMENT, "n"])
    return TrueRates(
        float(sums.loc[CONTROL, "conversions"] / n_c),
        float(sums.loc[TREATMENT, "conversions"] / n_t),
        n_c,
        n_t,
    )


def simulated_power(
    scenario: Scenario,
    control: Strategy,
    treatment: Strategy,
    *,
    months: int,
    weight: float = 0.5,
    runs: int = 200,
    alpha: float = 0.05,
    cutoff: str = "end_of_test",
    seed: int = 0,
    workers: int | None = None,
    rates: TrueRates | None = None,
    test: str = "mee",
) -> PowerResult:
    """Share of split-design tests of ``months`` months that find the lift significant.

    Args:
        scenario: the practice's world (its ``months`` is replaced by ``months``).
        control: the control strategy.
        treatment: the treatment strategy.
        months: test length in months of arrivals.
        weight: the treatment's share of leads, in (0, 1).
        runs: independent tests simulated.
        alpha: two-sided significance level.
        cutoff: ``"end_of_test"`` (conversions by the end of the last month of arrivals) or
            ``"full_window"`` (every lead followed for its whole window).
        seed: root seed.
        workers: processes (default: all cores).
        rates: true rates for the analytic comparison (default: :func:`true_rates`).
        test: the two-proportion test, one of
            :data:`~sim.analysis.two_proportions.DIFF_METHODS` (default the score test).

    Returns:
        A :class:`PowerResult`.
    """
    check_runs(runs, alpha, cutoff)
    test = check_method("test", test, DIFF_METHODS)
    arms = ab_arms(control, treatment, weight)
    if rates is None:
        rates = true_rates(scenario, control, treatment, seed=seed, workers=workers)
    c = _counts(scenario, arms, months, runs, seed, workers)
    return _result(c, months, weight, cutoff, alpha, runs, rates, test)


def _result(
    c: np.ndarray,
    months: int,
    weight: float,
    cutoff: str,
    alpha: float,
    runs: int,
    rates: TrueRates,
    test: str,
) -> PowerResult:
    n_c, n_t = c[:, 0], c[:, 1]
    x_c, x_t = (c[:, 2], c[:, 3]) if cutoff == "full_window" else (c[:, 4], c[:, 5])
    hits = int(significant(n_c, n_t, x_c, x_t, alpha, test).sum())
    ci = rate_interval(hits, runs)
    with np.errstate(invalid="ignore", divide="ignore"):
        rate_c = float(np.nanmean(np.where(n_c > 0, x_c / np.maximum(n_c, 1), np.nan)))
        rate_t = float(np.nanmean(np.where(n_t > 0, x_t / np.maximum(n_t, 1), np.nan)))
    return PowerResult(
        months=int(months),
        weight=float(weight),
        cutoff=cutoff,
        alpha=float(alpha),
        runs=int(runs),
        significant=hits,
        power=hits / runs,
        power_ci_lower=float(ci.lower),
        power_ci_upper=float(ci.upper),
        n_control=float(n_c.mean()),
        n_treatment=float(n_t.mean()),
        rate_control=rate_c,
        rate_treatment=rate_t,
        true_rate_control=rates.control,
        true_rate_treatment=rates.treatment,
        analytic_power=_analytic(rates, float(n_c.mean()), weight, alpha),
        test=test,
    )


def power_curve(
    scenario: Scenario,
    control: Strategy,
    treatment: Strategy,
    *,
    months: Sequence[int],
    weight: float = 0.5,
    runs: int = 200,
    alpha: float = 0.05,
    seed: int = 0,
    workers: int | None = None,
    rates: TrueRates | None = None,
    test: str = "mee",
) -> pd.DataFrame:
    """Power against test length: analytic, simulated, and simulated at the end-of-test cut-off.

    The same simulated worlds give both simulated rows of a test length (analysed once with
    every lead's window complete, once at the end of the last month of arrivals). The
    analytic row is :func:`~sim.analysis.power.power_two_proportions` at the true rates and
    the *expected* control-arm leads of that many months.

    Returns:
        Columns ``months, n_per_arm, power, power_ci_lower, power_ci_upper, method`` with
        ``method`` in :data:`CURVE_METHODS`; ``n_per_arm`` is the control arm's (mean) size,
        the treatment arm has ``weight / (1 - weight)`` times as many. Analytic rows have no
        interval (NaN).
    """
    check_runs(runs, alpha)
    test = check_method("test", test, DIFF_METHODS)
    arms = ab_arms(control, treatment, weight)
    if rates is None:
        rates = true_rates(scenario, control, treatment, seed=seed, workers=workers)
    rows = []
    for m in months:
        n_expected = expected_leads(scenario, m) * (1.0 - weight)
        analytic = _analytic(rates, n_expected, weight, alpha)
        rows.append((m, n_expected, analytic, math.nan, math.nan, "analytic"))
        c = _counts(scenario, arms, m, runs, seed, workers)
        for cutoff, method in (("full_window", "simulated"), ("end_of_test", "simulated_cutoff")):
            r = _result(c, m, weight, cutoff, alpha, runs, rates, test)
            rows.append((m, r.n_control, r.power, r.power_ci_lower, r.power_ci_upper, method))
    return pd.DataFrame(
        rows, columns=["months", "n_per_arm", "power", "power_ci_lower", "power_ci_upper", "method"]
    )
