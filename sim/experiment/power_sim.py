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

Each run is one split-design world of ``months`` months of arrivals; the test is the
two-sided score test of two proportions (``diff_test`` with ``method="mee"``, which at a null
difference of 0 is exactly the pooled z-test the analytic formula sizes). Power is the share of
runs with ``p < alpha``, with a Wilson interval. Run ``r`` of a test of ``M`` months uses
``SeedSequence(seed, spawn_key=(M, r))``, so results do not depend on workers, batching or
which other lengths are simulated.

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
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from sim.analysis.power import power_two_proportions
from sim.analysis.proportions import rate_interval
from sim.analysis.sequential import METHODS
from sim.analysis.two_proportions import DIFF_METHODS, diff_test
from sim.config import Scenario, Strategy, apply_overrides, build
from sim.config.scenario import DAYS_PER_MONTH
from sim.errors import InputError
from sim.experiment.arms import ArmSpec
from sim.experiment.executors import default_workers, run_tasks
from sim.experiment.looks import (
    INFORMATION,
    look_counts,
    monitor_looks,
    monthly_cutoffs,
    share_table,
)
from sim.world.model import Arm, simulate

CUTOFFS = ("end_of_test", "full_window")
#: ``method`` values of :func:`power_curve`'s rows.
CURVE_METHODS = ("analytic", "simulated", "simulated_cutoff")
#: The fixed-horizon test at the last look only, reported beside the stopping rules.
FINAL_LOOK = "final_look"

_CONTROL, _TREATMENT = "control", "treatment"


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


@dataclass(frozen=True)
class _Batch:
    """A batch of runs of one test length; picklable for the process pool."""

    scenario: Scenario  # already set to the test's months
    arms: tuple[ArmSpec, ...]
    seed: int
    months: int
    runs: tuple[int, ...]
    methods: tuple[str, ...] = ()  # stopping rules to apply at monthly looks, if any
    information: tuple[str, ...] = ("statistical",)  # information fractions to try
    alpha: float = 0.05


# --------------------------------------------------------------------------- helpers


def with_months(scenario: Scenario, months: int) -> Scenario:
    """The scenario with ``months`` months of arrivals (validated like a config file)."""
    if not (isinstance(months, int | np.integer) and months >= 1):
        raise InputError("months", f"{months!r} is not allowed: must be a whole number >= 1")
    data = apply_overrides(scenario.model_dump(), {"months": int(months)}, "months")
    return build(Scenario, data, f"{scenario.name} with months = {months}")


def expected_leads(scenario: Scenario, months: int) -> float:
    """Expected leads in ``months`` months of arrivals (all arms), seasonality included.

    >>> import sim
    >>> expected_leads(sim.load_scenario("configs/scenarios/medical_practice.toml"), 6)
    600.0
    """
    season = scenario.seasonality
    return float(scenario.leads_per_month * sum(season[m % len(season)] for m in range(months)))


def _arms(control: Strategy, treatment: Strategy, weight: float) -> tuple[ArmSpec, ...]:
    if not (isinstance(weight, int | float) and 0.0 < float(weight) < 1.0):
        raise InputError("weight", f"{weight!r} is not allowed: the treatment share is in (0, 1)")
    # Fixed names: an A/A test passes the same strategy twice.
    return (
        ArmSpec(_CONTROL, control.model_copy(update={"name": _CONTROL}), 1.0 - float(weight)),
        ArmSpec(_TREATMENT, treatment.model_copy(update={"name": _TREATMENT}), float(weight)),
    )


def _check(runs: int, alpha: float, cutoff: str | None = None) -> None:
    if not (isinstance(runs, int | np.integer) and runs >= 1):
        raise InputError("runs", f"{runs!r} is not allowed: must be a whole number >= 1")
    if not (isinstance(alpha, int | float) and 0.0 < alpha < 1.0):
        raise InputError("alpha", f"{alpha!r} is not allowed: must be in (0, 1)")
    if cutoff is not None and cutoff not in CUTOFFS:
        raise InputError("cutoff", f"{cutoff!r} is not allowed: use one of {', '.join(CUTOFFS)}")


def _batches(
    scenario: Scenario,
    arms: tuple[ArmSpec, ...],
    seed: int,
    months: int,
    runs: int,
    workers: int,
    **extra: Any,
) -> list[_Batch]:
    # A few batches per worker keep the pool busy without pickling the scenario per run.
    size = max(1, math.ceil(runs / (4 * workers)))
    world = with_months(scenario, months)
    return [
        _Batch(world, arms, seed, months, tuple(range(i, min(i + size, runs))), **extra)
        for i in range(0, runs, size)
    ]


def _world(batch: _Batch, run: int) -> pd.DataFrame:
    ss = np.random.SeedSequence(batch.seed, spawn_key=(batch.months, run))
    world_arms = [Arm(a.name, a.strategy, a.weight) for a in batch.arms]
    return simulate(batch.scenario, world_arms, ss).leads


def _count_batch(batch: _Batch) -> np.ndarray:
    """Per run: n_c, n_t, conversions (full window) x_c, x_t, conversions by the end x_c, x_t."""
    out = np.zeros((len(batch.runs), 6), dtype=np.int64)
    end = batch.months * DAYS_PER_MONTH
    for i, run in enumerate(batch.runs):
        leads = _world(batch, run)
        cut = look_counts(leads, _CONTROL, _TREATMENT, [end]).iloc[0] if len(leads) else None
        is_t = (leads["arm"] == _TREATMENT).to_numpy()
        conv = leads["converted"].to_numpy(dtype=bool)
        out[i, :4] = (np.sum(~is_t), np.sum(is_t), np.sum(conv & ~is_t), np.sum(conv & is_t))
        if cut is not None:
            out[i, 4:] = (cut["conversions_control"], cut["conversions_treatment"])
    return out


def _counts(
    scenario: Scenario,
    arms: tuple[ArmSpec, ...],
    months: int,
    runs: int,
    seed: int,
    workers: int | None,
) -> np.ndarray:
    workers = workers or default_workers()
    batches = _batches(scenario, arms, seed, months, runs, workers)
    parts: dict[int, np.ndarray] = dict(run_tasks(_count_batch, batches, workers=workers))
    return np.vstack([parts[i] for i in range(len(batches))])


def _significant(n_c, n_t, x_c, x_t, alpha: float, test: str) -> np.ndarray:
    p = np.asarray(diff_test(x_t, n_t, x_c, n_c, method=test).p_value, dtype=float)
    return np.nan_to_num(p, nan=1.0) < alpha  # an empty arm cannot show a difference


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
    from sim.experiment.experiment import Experiment

    arms = dict(_arm_pairs(control, treatment))
    exp = Experiment(
        scenario, arms, control=_CONTROL, design="paired", replications=replications, seed=seed
    )
    reps = exp.run(workers).per_replication
    sums = reps.groupby("arm")[["n", "conversions"]].sum()
    n_c, n_t = int(sums.loc[_CONTROL, "n"]), int(sums.loc[_TREATMENT, "n"])
    return TrueRates(
        float(sums.loc[_CONTROL, "conversions"] / n_c),
        float(sums.loc[_TREATMENT, "conversions"] / n_t),
        n_c,
        n_t,
    )


def _arm_pairs(control: Strategy, treatment: Strategy) -> Iterable[tuple[str, ArmSpec]]:
    for spec in _arms(control, treatment, 0.5):
        yield spec.name, spec


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
    _check(runs, alpha, cutoff)
    if test not in DIFF_METHODS:
        raise InputError("test", f"{test!r} is not allowed: use one of {', '.join(DIFF_METHODS)}")
    arms = _arms(control, treatment, weight)
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
    hits = int(_significant(n_c, n_t, x_c, x_t, alpha, test).sum())
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
    _check(runs, alpha)
    arms = _arms(control, treatment, weight)
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


# --------------------------------------------------------------------------- monitored tests


def _looks_batch(batch: _Batch) -> dict[tuple[str, str | None], np.ndarray]:
    """Per run and look: whether each rule has stopped (monthly cut-offs)."""
    cutoffs = monthly_cutoffs(batch.months)
    shape = (len(batch.runs), len(cutoffs))
    rules = [(m, info) for info in batch.information for m in batch.methods]
    out = {rule: np.zeros(shape, dtype=bool) for rule in [*rules, (FINAL_LOOK, None)]}
    for i, run in enumerate(batch.runs):
        counts = look_counts(_world(batch, run), _CONTROL, _TREATMENT, cutoffs)
        for method, info in rules:
            table = monitor_looks(counts, method=method, alpha=batch.alpha, information=info)
            out[(method, info)][i] = table["stop"].to_numpy()
        last = counts.iloc[-1]
        out[(FINAL_LOOK, None)][i, -1] = _significant(
            last["n_control"],
            last["n_treatment"],
            last["conversions_control"],
            last["conversions_treatment"],
            batch.alpha,
            "mee",
        )
    return out


def simulated_looks(
    scenario: Scenario,
    control: Strategy,
    treatment: Strategy,
    *,
    months: int,
    methods: Sequence[str] = ("obf", "pocock", "msprt", "naive"),
    weight: float = 0.5,
    runs: int = 200,
    alpha: float = 0.05,
    seed: int = 0,
    workers: int | None = None,
    information: str | Sequence[str] = "statistical",
) -> pd.DataFrame:
    """Monthly looks at many split-design tests: the share each rule has stopped by each look.

    Every run is one world of ``months`` months; at the end of each month the rule sees the
    leads arrived and the conversions happened by then (:func:`~sim.experiment.looks.
    look_counts`) and decides with :func:`~sim.experiment.looks.monitor_looks`. Pass the same
    strategy twice for an A/A test: the share stopped at the last look is then the rule's
    false-positive rate. The row ``final_look`` is the fixed test at the last look only.
    ``information`` names how information fractions are measured
    (:data:`~sim.experiment.looks.INFORMATION`); give several to judge the same worlds with
    each.

    Returns:
        :func:`~sim.experiment.looks.share_table` rows for ``methods`` and ``final_look``, with
        an ``information`` column (``None`` for ``final_look``, which has a single look).

    Example:
        >>> import sim
        >>> s = sim.load_scenario("configs/scenarios/medical_practice.toml")
        >>> a = sim.load_strategy("configs/strategies/no_nurture.toml")
        >>> t = simulated_looks(s, a, a, months=2, methods=("naive",), runs=3, workers=1)
        >>> t[["method", "look", "runs"]].to_numpy().tolist()
        [['naive', 1, 3], ['naive', 2, 3], ['final_look', 1, 3], ['final_look', 2, 3]]
    """
    _check(runs, alpha)
    for method in methods:
        if method not in METHODS:
            raise InputError(
                "methods", f"{method!r} is not allowed: use one of {', '.join(METHODS)}"
            )
    infos = (information,) if isinstance(information, str) else tuple(information)
    for info in infos:
        if info not in INFORMATION:
            raise InputError(
                "information", f"{info!r} is not allowed: use one of {', '.join(INFORMATION)}"
            )
    arms = _arms(control, treatment, weight)
    workers = workers or default_workers()
    batches = _batches(
        scenario,
        arms,
        seed,
        months,
        runs,
        workers,
        methods=tuple(methods),
        information=infos,
        alpha=float(alpha),
    )
    parts = dict(run_tasks(_looks_batch, batches, workers=workers))
    frames = []
    for rule in parts[0]:
        stops = np.vstack([parts[i][rule] for i in range(len(batches))])
        table = share_table({rule[0]: stops}, monthly_cutoffs(months))
        table.insert(1, "information", rule[1])
        frames.append(table)
    return pd.concat(frames, ignore_index=True)
