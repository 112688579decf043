"""Looks at a running A/B test: what a practice sees at calendar cut-offs.

A practice that checks its test at the end of each month sees the leads that have arrived by
then and only the conversions that have *already happened*: a lead that arrived on day 80 and
becomes a patient 30 days later counts at a cut-off on day 110 or later, not before. The
world follows every lead for its whole window, so its per-lead table holds the conversions a
cut-off has not seen yet; this module counts honestly, from ``arrived_day`` and
``days_to_convert``, what each look would have seen, and runs the stopping rules of
:mod:`sim.analysis.sequential` on those counts.

**Live tests: use** :func:`plan_live_test` **and** :func:`monitor_live`. They plan the
maximum information before the test, look only at leads whose outcome horizon has closed (so
each look adds final outcomes and nothing else: the independent increments the boundaries
assume, despite conversions that take weeks) and take each look's information fraction as its
closed leads over the plan: nothing from the future. docs/sequential.md has their A/A
false-positive rates in the world.

**Retrospective looks at a finished simulation** (:func:`monitor_looks`). Alpha-spending
boundaries assume the z statistics of successive looks are correlated as
``sqrt(t_j / t_k)``. ``information="statistical"`` measures ``t`` by the statistical
information seen, ``n_eff p (1 - p)`` (Mehta & Tsiatis 2001), as a share of the *last* look's:
a live test does not have the last look, so this is for studying simulated tests after the
fact, not for monitoring one. ``information="leads"`` uses the share of leads seen, of the
last look's or of the plan's total (``planned_leads``); with conversions pending at each look
it let an A/A test stop 5.5-6% of the time in the world instead of 5%.

Example:
    >>> import pandas as pd
    >>> leads = pd.DataFrame({
    ...     "arm": ["a", "b", "a", "b"],
    ...     "arrived_day": [1.0, 2.0, 40.0, 45.0],
    ...     "converted": [True, True, False, True],
    ...     "days_to_convert": [10.0, 50.0, float("nan"), 3.0]})
    >>> counts = look_counts(leads, "a", "b", monthly_cutoffs(2))
    >>> counts[["look", "n_control", "conversions_control", "n_treatment",
    ...         "conversions_treatment"]].to_numpy().tolist()
    [[1, 1, 1, 1, 0], [2, 2, 1, 2, 2]]
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import NamedTuple

import numpy as np
import pandas as pd

from sim.analysis.sequential import METHODS, Look, monitor
from sim.config.scenario import DAYS_PER_MONTH
from sim.errors import InputError

#: How a look's information fraction is measured (see the module notes).
INFORMATION = ("statistical", "leads")
# A look with no conversions carries no information; it gets this tiny fraction instead of
# 0 (which the boundaries do not allow): nothing is spent there, so it cannot stop the test.
_NO_INFORMATION = 1e-6

#: Columns of :func:`look_counts`, in order.
LOOK_COLUMNS = (
    "replication",
    "look",
    "cutoff_day",
    "n_control",
    "conversions_control",
    "n_treatment",
    "conversions_treatment",
)


def monthly_cutoffs(months: int) -> tuple[float, ...]:
    """The end of each month of arrivals, in days since the world started.

    >>> monthly_cutoffs(3)
    (30.4375, 60.875, 91.3125)
    """
    if not (isinstance(months, int | np.integer) and months >= 1):
        raise InputError("months", f"{months!r} is not allowed: must be a whole number >= 1")
    return tuple(k * DAYS_PER_MONTH for k in range(1, int(months) + 1))


def conversion_day(leads: pd.DataFrame) -> np.ndarray:
    """Day each lead became a patient (``arrived_day + days_to_convert``), ``inf`` if never.

    >>> conversion_day(pd.DataFrame({"arrived_day": [1.0, 2.0],
    ...                              "days_to_convert": [3.0, float("nan")]})).tolist()
    [4.0, inf]
    """
    days = leads["arrived_day"].to_numpy(dtype=float) + leads["days_to_convert"].to_numpy(
        dtype=float
    )
    return np.where(np.isnan(days), np.inf, days)


def counts_by_cutoff(
    arrived_day: np.ndarray, converted_day: np.ndarray, cutoffs: Sequence[float]
) -> tuple[np.ndarray, np.ndarray]:
    """Leads arrived and conversions happened by each cut-off (both ``<= cutoff``).

    >>> n, x = counts_by_cutoff(np.array([1.0, 5.0, 9.0]), np.array([3.0, np.inf, 12.0]),
    ...                         [4.0, 10.0, 20.0])
    >>> n.tolist(), x.tolist()
    ([1, 3, 3], [1, 1, 2])
    """
    edges = np.asarray(cutoffs, dtype=float)
    n = np.searchsorted(np.sort(arrived_day), edges, side="right")
    x = np.searchsorted(np.sort(converted_day), edges, side="right")
    return n, x


def look_counts(
    leads: pd.DataFrame, control: str, treatment: str, cutoffs: Sequence[float]
) -> pd.DataFrame:
    """Cumulative leads and conversions per arm at each cut-off, per replication.

    Args:
        leads: per-lead table with ``arm, arrived_day, days_to_convert`` (and ``replication``
            when it holds several replications, as ``ExperimentResult.leads`` does).
        control: the control arm's name.
        treatment: the treatment arm's name.
        cutoffs: increasing days at which the test is looked at.

    Returns:
        One row per replication and look, columns :data:`LOOK_COLUMNS`.
    """
    edges = np.asarray(cutoffs, dtype=float)
    if edges.ndim != 1 or edges.size == 0 or np.any(np.diff(edges) <= 0):
        raise InputError("cutoffs", "need at least one cut-off, strictly increasing")
    for name in (control, treatment):
        if name not in set(leads["arm"]):
            arms = ", ".join(sorted(map(str, set(leads["arm"]))))
            raise InputError("arm", f"{name!r} has no leads; arms: {arms}")
    reps = leads["replication"] if "replication" in leads else pd.Series(0, index=leads.index)
    conv = conversion_day(leads)
    arrived = leads["arrived_day"].to_numpy(dtype=float)
    arm = leads["arm"].to_numpy()
    frames = []
    for rep in sorted(set(reps)):
        in_rep = (reps == rep).to_numpy()
        out = {"replication": rep, "look": np.arange(1, edges.size + 1), "cutoff_day": edges}
        for suffix, name in (("control", control), ("treatment", treatment)):
            mask = in_rep & (arm == name)
            n, x = counts_by_cutoff(arrived[mask], conv[mask], edges)
            out[f"n_{suffix}"] = n
            out[f"conversions_{suffix}"] = x
        frames.append(pd.DataFrame(out, columns=list(LOOK_COLUMNS)))
    return pd.concat(frames, ignore_index=True)


def information_fractions(counts: pd.DataFrame, *, information: str = "statistical") -> np.ndarray:
    """Each look's share of the last look's information (rows of :func:`look_counts`).

    ``statistical``: ``n_eff p (1 - p)`` over its value at the last look, made strictly
    increasing (a look that adds no information gets a hair more than the one before) and at
    least a tiny positive number. ``leads``: leads seen over leads at the last look.

    Example:
        >>> counts = pd.DataFrame({"n_control": [50, 100], "conversions_control": [2, 15],
        ...     "n_treatment": [50, 100], "conversions_treatment": [3, 17]})
        >>> information_fractions(counts, information="leads").tolist()
        [0.5, 1.0]
        >>> [round(float(t), 3) for t in information_fractions(counts)]
        [0.177, 1.0]
    """
    if information not in INFORMATION:
        raise InputError(
            "information", f"{information!r} is not allowed: use one of {', '.join(INFORMATION)}"
        )
    n_c = counts["n_control"].to_numpy(dtype=float)
    n_t = counts["n_treatment"].to_numpy(dtype=float)
    if information == "leads":
        n = n_c + n_t
        return n / n[-1]
    x = counts["conversions_control"].to_numpy(dtype=float) + counts[
        "conversions_treatment"
    ].to_numpy(dtype=float)
    pooled = x / (n_c + n_t)
    info = np.maximum.accumulate(n_c * n_t / (n_c + n_t) * pooled * (1.0 - pooled))
    if info[-1] <= 0.0:  # no conversions at all: nothing to measure information by
        n = n_c + n_t
        return n / n[-1]
    t = np.maximum(info / info[-1], _NO_INFORMATION)
    # Ties (a look that added nothing) become strictly increasing; the last stays at 1.
    steps = np.arange(t.size) * 1e-9
    return (t + steps) / (1.0 + steps[-1])


def monitor_looks(
    counts: pd.DataFrame,
    *,
    method: str = "obf",
    alpha: float = 0.05,
    information: str = "statistical",
    planned_leads: float | None = None,
    msprt_tau: float | None = None,
) -> pd.DataFrame:
    """Run a stopping rule over one replication's looks (rows of :func:`look_counts`).

    Args:
        counts: one replication's looks, in order.
        method: ``obf``, ``pocock``, ``msprt`` or ``naive`` (see
            :func:`sim.analysis.sequential.monitor`).
        alpha: two-sided level of the whole monitored test.
        information: ``"statistical"`` or ``"leads"`` (see the module notes and
            :func:`information_fractions`).
        planned_leads: with ``information="leads"``, the plan's total leads (both arms); by
            default the leads of the last look.
        msprt_tau: mSPRT mixing sd (default: tuned to the last look's leads).

    Returns:
        :func:`~sim.analysis.sequential.monitor`'s table with ``cutoff_day`` and ``month``
        (cut-off in months of arrivals) after ``look``.

    Example:
        >>> counts = pd.DataFrame({"replication": 0, "look": [1, 2], "cutoff_day": [30.0, 60.0],
        ...     "n_control": [50, 100], "conversions_control": [5, 15],
        ...     "n_treatment": [50, 100], "conversions_treatment": [9, 28]})
        >>> monitor_looks(counts, method="naive")[["look", "stop"]].to_numpy().tolist()
        [[1, False], [2, True]]
    """
    if method not in METHODS:
        raise InputError("method", f"{method!r} is not allowed: use one of {', '.join(METHODS)}")
    if "replication" in counts and counts["replication"].nunique() > 1:
        raise InputError("counts", "give one replication's looks at a time")
    if planned_leads is not None and information != "leads":
        raise InputError(
            "planned_leads", "a plan in leads needs information='leads' (fractions of leads)"
        )
    for i, row in enumerate(counts.itertuples(index=False)):
        if row.n_control < 1 or row.n_treatment < 1:
            raise InputError(
                f"look {i + 1} (day {row.cutoff_day:g})",
                "an arm has no leads yet; look later or at fewer, longer intervals",
            )
    fractions = information_fractions(counts, information=information)
    looks = []
    for i, row in enumerate(counts.itertuples(index=False)):
        looks.append(
            Look(
                int(row.n_control),
                int(row.conversions_control),
                int(row.n_treatment),
                int(row.conversions_treatment),
                None if information == "leads" else float(fractions[i]),
            )
        )
    last = counts.iloc[-1]
    total = planned_leads or float(last["n_control"] + last["n_treatment"])
    table = monitor(looks, method=method, alpha=alpha, max_information=total, msprt_tau=msprt_tau)
    cut = counts["cutoff_day"].to_numpy(dtype=float)
    table.insert(1, "cutoff_day", cut)
    table.insert(2, "month", cut / DAYS_PER_MONTH)
    return table


def stopping_shares(
    counts: pd.DataFrame,
    *,
    methods: Sequence[str] = ("obf",),
    alpha: float = 0.05,
    information: str = "statistical",
    planned_leads: float | None = None,
) -> pd.DataFrame:
    """Across replications: the share whose rule has stopped by each look, per method.

    Args:
        counts: :func:`look_counts` for one or more replications.
        methods: stopping rules to evaluate.
        alpha: two-sided level of each monitored test.
        information: as in :func:`monitor_looks`.
        planned_leads: as in :func:`monitor_looks`.

    Returns:
        :func:`share_table` of the rules' decisions.
    """
    reps = sorted(set(counts["replication"]))
    stops: dict[str, np.ndarray] = {}
    for method in methods:
        stops[method] = np.vstack(
            [
                monitor_looks(
                    counts[counts["replication"] == rep],
                    method=method,
                    alpha=alpha,
                    information=information,
                    planned_leads=planned_leads,
                )["stop"].to_numpy()
                for rep in reps
            ]
        )
    first = counts[counts["replication"] == reps[0]]
    return share_table(stops, first["cutoff_day"].to_numpy(dtype=float))


def share_table(stops: dict[str, np.ndarray], cutoffs: Sequence[float]) -> pd.DataFrame:
    """Summarise stopping decisions of many runs: one row per method and look.

    Args:
        stops: method -> boolean array (runs x looks), True from the look a run stopped on.
        cutoffs: the looks' cut-off days.

    Returns:
        Columns ``method, look, cutoff_day, month, runs, stopped, share_stopped,
        share_stopped_ci_lower, share_stopped_ci_upper``: ``stopped`` counts the runs stopped
        by that look (cumulative); the interval is Wilson's at 95%.

    Example:
        >>> t = share_table({"obf": np.array([[False, True], [False, False]])}, [30.0, 60.0])
        >>> t[["look", "stopped", "share_stopped"]].to_numpy().tolist()
        [[1.0, 0.0, 0.0], [2.0, 1.0, 0.5]]
    """
    from sim.analysis.proportions import rate_interval

    cut = np.asarray(cutoffs, dtype=float)
    rows = []
    for method, stop in stops.items():
        stop = np.logical_or.accumulate(np.asarray(stop, dtype=bool), axis=1)
        runs = stop.shape[0]
        for k in range(stop.shape[1]):
            stopped = int(stop[:, k].sum())
            ci = rate_interval(stopped, runs)
            rows.append(
                {
                    "method": method,
                    "look": k + 1,
                    "cutoff_day": float(cut[k]),
                    "month": float(cut[k]) / DAYS_PER_MONTH,
                    "runs": runs,
                    "stopped": stopped,
                    "share_stopped": stopped / runs,
                    "share_stopped_ci_lower": ci.lower,
                    "share_stopped_ci_upper": ci.upper,
                }
            )
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------- live monitoring
#
# A live test cannot use the last look's information (it has not happened yet), and a lead
# whose conversion is still pending breaks the independent increments the boundaries assume
# (a later look changes the outcome of a lead an earlier look already counted). The live
# design below avoids both: the outcome is "converted within ``horizon_days`` of arriving",
# each look analyses only the leads whose horizon has closed by its cut-off (their outcome is
# final, so every look adds new leads with final outcomes and nothing else: exactly the
# independent increments of a binomial group-sequential test), and the information fraction
# is the closed leads over the plan's maximum, fixed before the test starts from power-style
# inputs (:func:`plan_live_test`). The price is waiting ``horizon_days`` for each lead; the
# horizon is chosen from the conversion-delay distribution (most conversions happen by then).
# Hampson & Jennison's (2013) delayed-response tests use the pipeline leads too, but need a
# model linking short- and long-term outcomes; closed-horizon looks need no model.


class LivePlan(NamedTuple):
    """A group-sequential test planned before it starts (see :func:`plan_live_test`)."""

    baseline: float  # control rate of the outcome "converted within horizon_days"
    treatment: float
    horizon_days: float
    max_leads: int  # both arms: the maximum information, in leads with a closed horizon
    fixed_leads: int  # what a single analysis at the end would need
    inflation: float  # max_leads / fixed_leads
    enrolment_months: float
    look_cutoffs: tuple[float, ...]  # days since the start: monthly, first after one horizon
    spending: str
    alpha: float
    power: float
    # The truncated mixture SPRT: its mixing sd (tuned to the maximum) and the level its
    # boundary is drawn at so that the planned looks err with probability alpha.
    msprt_tau: float = math.nan
    msprt_alpha: float = math.nan
    # The planned looks' fractions of max_leads (the last is 1).
    look_fractions: tuple[float, ...] = ()


def _inflation(fractions: np.ndarray, spending: str, alpha: float, power: float) -> float:
    """Sample-size inflation of a group-sequential design (Monte Carlo, 200,000 paths).

    Finds the drift at which the boundaries at ``fractions`` are crossed with probability
    ``power`` and divides its square by the fixed test's ``(z_{alpha/2} + z_power)^2``.
    """
    from scipy.optimize import brentq
    from scipy.stats import norm

    from sim.analysis.sequential import group_sequential_bounds

    bounds = np.asarray(group_sequential_bounds(fractions, alpha=alpha, spending=spending).z)
    rng = np.random.default_rng(20130101)
    steps = np.diff(fractions, prepend=0.0)
    w = np.cumsum(rng.standard_normal((200_000, fractions.size)) * np.sqrt(steps), axis=1)

    def crossed(drift: float) -> float:
        z = (w + drift * fractions) / np.sqrt(fractions)
        return float(np.mean((np.abs(z) >= bounds).any(axis=1))) - power

    fixed = norm.isf(alpha / 2) + norm.isf(1 - power)
    drift = brentq(crossed, 0.5 * fixed, 2.0 * fixed, xtol=1e-6)
    return float((drift / fixed) ** 2)


def _planned_looks(
    total: float, leads_per_month: float, horizon_days: float
) -> tuple[float, np.ndarray, np.ndarray]:
    """Enrolment months, monthly look cut-offs (first after one horizon) and their fractions."""
    months = total / leads_per_month
    end = months * DAYS_PER_MONTH + horizon_days
    cut = np.arange(1, int(np.ceil(end / DAYS_PER_MONTH)) + 1) * DAYS_PER_MONTH
    cut = cut[cut > horizon_days]
    cut[-1] = end
    closed = np.minimum((cut - horizon_days) / DAYS_PER_MONTH * leads_per_month, total)
    return months, cut, np.maximum(closed / total, 1e-3)


def _check_share(name: str, value: float) -> float:
    value = float(value)
    if not 0.0 < value <= 1.0:
        raise InputError(name, f"{value!r} is not allowed: in (0, 1]")
    return value


def plan_live_test(
    baseline: float,
    *,
    lift: float,
    leads_per_month: float,
    conversion_by_horizon: float = 1.0,
    horizon_days: float = 60.0,
    spending: str = "obf",
    alpha: float = 0.05,
    power: float = 0.8,
    treatment_by_horizon: float | None = None,
) -> LivePlan:
    """Plan a monitored test: maximum information, enrolment and the looks, before it starts.

    Args:
        baseline: the control's conversion rate (within the scenario's window).
        lift: relative lift to detect (0.5 = +50%).
        leads_per_month: leads entering the test per month (both arms, split 50/50).
        conversion_by_horizon: share of the control's conversions that happen within
            ``horizon_days`` of arriving (from its conversion-delay distribution).
        horizon_days: the outcome is "converted within this many days".
        spending: ``obf`` or ``pocock``.
        alpha, power: two-sided level and target power.
        treatment_by_horizon: the same share for the treatment (default: the control's). A
            treatment that converts later loses more of its conversions to the horizon; the
            test's outcome rates are ``baseline * conversion_by_horizon`` and
            ``baseline * (1 + lift) * treatment_by_horizon``.

    Example:
        >>> p = plan_live_test(0.17, lift=0.5, leads_per_month=100, conversion_by_horizon=0.8)
        >>> p.max_leads > p.fixed_leads, len(p.look_cutoffs) >= 2, p.msprt_alpha > 0.05
        (True, True, True)
    """
    from sim.analysis.planning import plan_test
    from sim.analysis.sequential import calibrated_msprt_alpha, msprt_tau

    share_c = _check_share("conversion_by_horizon", conversion_by_horizon)
    share_t = share_c
    if treatment_by_horizon is not None:
        share_t = _check_share("treatment_by_horizon", treatment_by_horizon)
    if not horizon_days > 0:
        raise InputError("horizon_days", f"{horizon_days!r} is not allowed: must be > 0")
    p0 = baseline * share_c
    p1 = baseline * (1.0 + lift) * share_t
    fixed = plan_test(p0, treatment=p1, alpha=alpha, power=power).total_leads
    # The fractions of the plan the looks are expected to see at that enrolment rate fix the
    # inflation (iterate: more leads, more looks).
    total = float(fixed)
    for _ in range(5):
        _, _, fractions = _planned_looks(total, leads_per_month, horizon_days)
        total = float(np.ceil(fixed * _inflation(fractions, spending, alpha, power)))
    months, cut, fractions = _planned_looks(total, leads_per_month, horizon_days)
    fractions[-1] = 1.0
    fractions = np.maximum.accumulate(fractions + np.arange(fractions.size) * 1e-9)
    fractions = np.minimum(fractions, 1.0)
    tau = msprt_tau(total / 4.0, alpha=alpha)  # 50/50: n_eff = leads / 4
    return LivePlan(
        p0,
        p1,
        float(horizon_days),
        int(total),
        int(fixed),
        total / fixed,
        months,
        tuple(float(c) for c in cut),
        spending,
        alpha,
        power,
        tau,
        calibrated_msprt_alpha(fractions, total / 4.0, tau, alpha=alpha),
        tuple(float(f) for f in fractions),
    )


def closed_look_counts(
    leads: pd.DataFrame,
    control: str,
    treatment: str,
    cutoffs: Sequence[float],
    horizon_days: float,
) -> pd.DataFrame:
    """Like :func:`look_counts`, counting only leads whose horizon has closed by each cut-off.

    A lead counts at a cut-off when ``arrived_day + horizon_days <= cutoff``, and converted
    when ``days_to_convert <= horizon_days``: its outcome is final when it is first counted.

    >>> leads = pd.DataFrame({"arm": ["a", "b", "a", "b"],
    ...     "arrived_day": [1.0, 2.0, 40.0, 45.0], "converted": [True, True, False, True],
    ...     "days_to_convert": [10.0, 50.0, float("nan"), 3.0]})
    >>> c = closed_look_counts(leads, "a", "b", [45.0, 90.0], horizon_days=40.0)
    >>> c[["n_control", "conversions_control", "n_treatment", "conversions_treatment"]
    ...   ].to_numpy().tolist()
    [[1, 1, 1, 0], [2, 1, 2, 1]]
    """
    shifted = leads.copy()
    shifted["arrived_day"] = leads["arrived_day"].to_numpy(dtype=float) + float(horizon_days)
    within = leads["days_to_convert"].to_numpy(dtype=float) <= horizon_days  # NaN: never
    shifted["days_to_convert"] = np.where(within, 0.0, np.nan)  # final at the close
    return look_counts(shifted, control, treatment, cutoffs)


def monitor_live(
    counts: pd.DataFrame, plan: LivePlan, *, method: str | None = None, final: bool = True
) -> pd.DataFrame:
    """Monitor a live test's closed-horizon looks against its plan.

    The information fraction of a look is its closed leads over ``plan.max_leads`` (data seen
    so far over the plan; nothing from later looks). ``final=True`` says the last row is the
    final analysis (every enrolled lead's horizon closed): it spends all the alpha left.
    ``method`` defaults to the plan's spending function; ``msprt`` is the mixture SPRT
    truncated at the plan, its boundary drawn at ``plan.msprt_alpha`` so that the planned
    looks err with probability ``plan.alpha`` (not valid past the plan, nor at looks added
    at will: for those use :func:`~sim.analysis.sequential.monitor`'s always-valid mSPRT).
    """
    method = method or plan.spending
    n = (counts["n_control"] + counts["n_treatment"]).to_numpy(dtype=float)
    t = np.minimum(n / plan.max_leads, 1.0)
    reached = np.flatnonzero(t >= 1.0)
    if reached.size:  # the plan's maximum is reached: that look is the last one
        counts, t = counts.iloc[: reached[0] + 1], t[: reached[0] + 1]
    elif final:
        t[-1] = 1.0
    t = np.maximum(t, _NO_INFORMATION)
    t = np.maximum.accumulate(t + np.arange(t.size) * 1e-9)
    t = np.minimum(t, 1.0)
    looks = [
        Look(
            int(r.n_control),
            int(r.conversions_control),
            int(r.n_treatment),
            int(r.conversions_treatment),
            float(t[i]) if method in ("obf", "pocock") else None,
        )
        for i, r in enumerate(counts.itertuples(index=False))
    ]
    table = monitor(
        looks,
        method=method,
        alpha=plan.alpha,
        max_information=plan.max_leads,
        msprt_tau=plan.msprt_tau if method == "msprt" else None,
        msprt_alpha=plan.msprt_alpha if method == "msprt" else None,
    )
    cut = counts["cutoff_day"].to_numpy(dtype=float)
    table.insert(1, "cutoff_day", cut)
    table.insert(2, "month", cut / DAYS_PER_MONTH)
    return table
