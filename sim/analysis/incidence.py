"""Cumulative incidence of the outcomes in world columns: patient, lost and unsubscribed.

Becoming a patient and being lost to a competitor are competing risks (each rules the other
out), so the curves are Aalen-Johansen estimates (:mod:`sim.analysis.aalen_johansen`, whose
:func:`cumulative_incidence` is importable from here), not 1 - Kaplan-Meier. Unsubscribing is
not absorbing (an unsubscribed lead can still become a patient), but it can only happen while
the practice still emails the lead: booking and being lost end that, so they are its
competing events.

The inputs are either ``curves.json`` (counts by whole day since arrival, pooled over
replications; no censoring, so the estimate is count / n and its delta-method variance the
binomial one) or a per-lead table, which may carry censoring (``followup``). Both give the
same tidy table (:data:`INCIDENCE_TABLE_COLUMNS`), which the report draws.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from sim.analysis.aalen_johansen import INCIDENCE_COLUMNS, TRANSFORMS, cumulative_incidence

__all__ = [
    "CAUSES",
    "INCIDENCE_COLUMNS",
    "INCIDENCE_TABLE_COLUMNS",
    "TRANSFORMS",
    "cumulative_incidence",
    "incidence_from_curves",
    "incidence_from_leads",
    "incidence_table",
]

#: The outcomes, in the order a report draws them.
CAUSES = ("patient", "lost", "unsubscribed")
#: Columns of the tidy incidence table.
INCIDENCE_TABLE_COLUMNS = ("arm", "cause", "time", "cif", "se", "ci_lower", "ci_upper", "n")


def incidence_from_curves(curves: Mapping[str, Any], *, alpha: float = 0.05) -> pd.DataFrame:
    """Tidy cumulative incidence per arm and cause from ``curves.json``.

    Every lead is followed for the whole window, so a lead without the event by the last grid
    day is censored there; the Aalen-Johansen estimate is then the count over ``n``.

    Args:
        curves: ``{"days": [...], "arms": {arm: {"n": N, "patient": [...], "lost": [...],
            "unsubscribed": [...]}}}`` with cumulative counts on the day grid.
        alpha: 1 - confidence level.

    Returns:
        Columns :data:`INCIDENCE_TABLE_COLUMNS`, one row per arm, cause and grid day.

    Example:
        >>> t = incidence_from_curves({"days": [0, 1, 2], "arms": {"a": {"n": 10,
        ...     "patient": [0, 2, 5], "lost": [1, 1, 2], "unsubscribed": [0, 0, 0]}}})
        >>> t[t.cause == "patient"].cif.tolist()
        [0.0, 0.2, 0.5]
    """
    days = np.asarray(curves["days"], dtype=float)
    frames = []
    for arm, rec in curves["arms"].items():
        n = int(rec["n"])
        for cause in CAUSES:
            if cause not in rec:
                continue
            cum = np.asarray(rec[cause], dtype=float)
            if len(cum) != len(days):
                raise ValueError(f"curves: arm {arm!r} {cause} has {len(cum)} values, "
                                 f"days has {len(days)}")  # fmt: skip
            new = np.diff(np.concatenate([[0.0], cum]))
            if n <= 0 or np.any(new < 0) or cum[-1] > n:
                raise ValueError(f"curves: arm {arm!r} {cause} must be non-decreasing counts "
                                 f"<= n = {n}")  # fmt: skip
            time = np.concatenate([days, days[-1:]])
            event = np.array([1] * len(days) + [0])
            weights = np.concatenate([new, [n - cum[-1]]])
            ci = cumulative_incidence(time, event, weights=weights, causes=[1], times=days,
                                      alpha=alpha)  # fmt: skip
            frames.append(_tidy(ci, arm, cause, n))
    return _concat(frames)


def incidence_from_leads(
    leads: pd.DataFrame,
    *,
    followup: float | str | Sequence[float] | None = None,
    times: Sequence[float] | None = None,
    arm_col: str = "arm",
    alpha: float = 0.05,
) -> pd.DataFrame:
    """Tidy cumulative incidence per arm and cause from a per-lead table.

    Patient (``days_to_convert``) and lost (``days_to_lost``) are estimated together as
    competing risks; unsubscribed (``days_to_unsubscribe``) with booking (``days_to_book``)
    or being lost, whichever comes first, as the competing end of emailing.

    Args:
        leads: per-lead records (columns of :mod:`sim.world.records`; ``arm`` optional).
        followup: how long each lead was observed, in days since arrival: ``None`` (every
            lead followed past its last event, as in the simulator), one number for all, a
            column name, or an array. Events after it count as not seen (censored there).
        times: days to evaluate the curves at (default 0, 1, ... up to the last observation).
        arm_col: column naming the arm (one arm if absent).
        alpha: 1 - confidence level.

    Returns:
        Columns :data:`INCIDENCE_TABLE_COLUMNS`.

    Example:
        >>> leads = pd.DataFrame({"days_to_convert": [2.5, np.nan, np.nan, 1.0],
        ...     "days_to_lost": [np.nan, 3.0, np.nan, np.nan],
        ...     "days_to_unsubscribe": [np.nan, np.nan, 0.5, np.nan]})
        >>> t = incidence_from_leads(leads, times=[0, 1, 2, 3])
        >>> t[t.cause == "patient"].cif.tolist()
        [0.0, 0.25, 0.25, 0.5]
    """
    need = ("days_to_convert", "days_to_lost", "days_to_unsubscribe")
    missing = [c for c in need if c not in leads.columns]
    if missing:
        raise ValueError(f"per-lead table needs column(s) {missing}")
    leads = leads.reset_index(drop=True)
    follow = _followup(leads, followup)
    if times is None:
        observed = np.concatenate([leads[c].to_numpy(float) for c in need] + [follow])
        observed = observed[np.isfinite(observed)]
        last = math.ceil(observed.max()) if len(observed) else 0
        times = np.arange(last + 1, dtype=float)
    times = np.asarray(times, dtype=float)
    groups = leads.groupby(arm_col, sort=False) if arm_col in leads.columns else [("all", leads)]
    frames = []
    for arm, g in groups:
        f = follow[g.index.to_numpy()]
        convert = g["days_to_convert"].to_numpy(float)
        lost = g["days_to_lost"].to_numpy(float)
        t, e = _first_event(f, {"patient": convert, "lost": lost})
        ci = cumulative_incidence(t, e, censored="", causes=["patient", "lost"], times=times,
                                  alpha=alpha)  # fmt: skip
        for cause in ("patient", "lost"):
            frames.append(_tidy(ci[ci.cause == cause], str(arm), cause, len(g)))
        book = g["days_to_book"].to_numpy(float) if "days_to_book" in g else convert
        stop = np.fmin(book, lost)
        t, e = _first_event(f, {"unsubscribed": g["days_to_unsubscribe"].to_numpy(float),
                                "stopped": stop})  # fmt: skip
        ci = cumulative_incidence(t, e, censored="", causes=["unsubscribed"], times=times,
                                  alpha=alpha)  # fmt: skip
        frames.append(_tidy(ci, str(arm), "unsubscribed", len(g)))
    return _concat(frames)


def _followup(leads: pd.DataFrame, followup: Any) -> np.ndarray:
    n = len(leads)
    if followup is None:
        return np.full(n, np.inf)
    if isinstance(followup, str):
        if followup not in leads.columns:
            raise ValueError(f"followup column {followup!r} is not in the per-lead table")
        f = leads[followup].to_numpy(float)
    elif np.ndim(followup) == 0:
        f = np.full(n, float(followup))
    else:
        f = np.asarray(followup, dtype=float)
    if len(f) != n or np.any(np.isnan(f)) or np.any(f < 0):
        raise ValueError("followup must give one non-negative number of days per lead")
    return f


def _first_event(followup: np.ndarray, events: Mapping[str, np.ndarray]) -> tuple[Any, Any]:
    """(time, label) of each lead's first event within follow-up; '' = censored."""
    names = list(events)
    stacked = np.vstack([np.where(np.isnan(v), np.inf, v) for v in events.values()])
    first = np.argmin(stacked, axis=0)
    t = stacked[first, np.arange(stacked.shape[1])]
    seen = t <= followup
    label = np.where(seen, np.array(names, dtype=object)[first], "")
    time = np.where(seen, t, followup)
    # Followed "forever" without an event: censor after the last time anyone is looked at.
    finite = time[np.isfinite(time)]
    time = np.where(np.isfinite(time), time, finite.max() + 1.0 if len(finite) else 0.0)
    return time, label


def _tidy(ci: pd.DataFrame, arm: str, cause: str, n: int) -> pd.DataFrame:
    out = ci[["time", "cif", "se", "ci_lower", "ci_upper"]].copy()
    out.insert(0, "cause", cause)
    out.insert(0, "arm", arm)
    out["n"] = n
    return out


def _concat(frames: list[pd.DataFrame]) -> pd.DataFrame:
    if not frames:
        return pd.DataFrame({c: [] for c in INCIDENCE_TABLE_COLUMNS})
    return pd.concat(frames, ignore_index=True)[list(INCIDENCE_TABLE_COLUMNS)]


def incidence_table(data: Any, *, alpha: float = 0.05) -> pd.DataFrame:
    """The tidy table from ``curves.json``, a per-lead table, or a tidy table already."""
    if isinstance(data, Mapping):
        return incidence_from_curves(data, alpha=alpha)
    if isinstance(data, pd.DataFrame):
        if "cif" in data.columns:
            return data
        if "days_to_convert" in data.columns:
            return incidence_from_leads(data, alpha=alpha)
    raise TypeError("incidence data: expected curves.json's dict, a per-lead DataFrame or a "
                    "tidy table with arm, cause, time, cif")  # fmt: skip
