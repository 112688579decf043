"""Looks at a running A/B test: what a practice sees at calendar cut-offs.

A practice that checks its test at the end of each month sees the leads that have arrived by
then and only the conversions that have *already happened*: a lead that arrived on day 80 and
becomes a patient 30 days later counts at a cut-off on day 110 or later, not before. The
world follows every lead for its whole window, so its per-lead table holds the conversions a
cut-off has not seen yet; this module counts honestly, from ``arrived_day`` and
``days_to_convert``, what each look would have seen, and runs the stopping rules of
:mod:`sim.analysis.sequential` on those counts.

**Information fractions.** Alpha-spending boundaries assume the z statistics of successive
looks are correlated as ``sqrt(t_j / t_k)``. With conversions that take weeks, the share of
*leads* seen overstates how much of the evidence an early look holds: its leads have not had
time to convert. In the world (benchmarks/aa_peeking_world.py, docs/sequential.md) looks
are less correlated than the share of leads says, and O'Brien-Fleming or Pocock boundaries
built on it let an A/A test stop about 5.5-6% of the time instead of 5%. The default,
``information="statistical"``, uses the statistical information instead, the inverse of the
null variance of the lift estimate, ``n_eff * p (1 - p)`` with ``n_eff = 1 / (1/n_c + 1/n_t)``
and ``p`` the pooled rate seen (Mehta & Tsiatis 2001's information-based monitoring), as a
share of the last look's; it grows with the conversions seen. ``information="leads"`` uses
the share of leads seen, of the last look's or of the plan's total (``planned_leads``), as a
practice monitoring a live test against its plan would.

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

from collections.abc import Sequence

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
