"""When things happen: cumulative incidence of patient, lost and unsubscribed by days since arrival.

Becoming a patient and being lost to a competitor are competing risks (each rules the other
out), so the curves are Aalen-Johansen estimates (:mod:`sim.analysis.incidence`), not
1 - Kaplan-Meier. Unsubscribing is not absorbing (an unsubscribed lead can still become a
patient), but it can only happen while the practice still emails the lead: booking and being
lost end that, so they are its competing events.

The inputs are either ``curves.json`` (counts by whole day since arrival, pooled over
replications; no censoring, so the estimate is count / n and its delta-method variance the
binomial one) or a per-lead table, which may carry censoring (``followup``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from sim.analysis.incidence import cumulative_incidence
from sim.report.style import LEGEND_TOP_MAX, base_layout, pct, pick_colors, with_alpha

#: Outcomes drawn, in panel order.
CAUSES = ("patient", "lost", "unsubscribed")
CAUSE_TITLES = {
    "patient": "Became a patient",
    "lost": "Lost to a competitor",
    "unsubscribed": "Unsubscribed",
}
#: Columns of the tidy incidence table the figure draws.
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


def cumulative_incidence_figure(
    data: Any,
    *,
    causes: Sequence[str] = CAUSES,
    control: str | None = None,
    colors: Mapping[str, str] | None = None,
    alpha: float = 0.05,
    hide_empty: bool = True,
    title: str = "When it happens: cumulative incidence by days since arrival",
) -> go.Figure:
    """One panel per outcome; per arm a step curve of the cumulative incidence and its CI band.

    Args:
        data: ``curves.json``'s dict, a per-lead DataFrame (see :func:`incidence_from_leads`)
            or a tidy table with ``arm, cause, time, cif`` (and ``ci_lower``, ``ci_upper``).
        causes: the outcomes to draw, one panel each.
        control: the control arm (drawn in grey).
        colors: optional ``{arm: colour}``.
        alpha: 1 - confidence level of the bands (when computed here).
        hide_empty: leave out a panel where no arm has any event; its cause is listed in
            ``fig.layout.meta["hidden_panels"]``.
        title: figure title.

    Returns:
        Per panel and arm a band trace (named ``"<arm> CI"``, no legend entry) and a line
        trace named after the arm (legend once per arm); ``x`` days, ``y`` the incidence.

    Example:
        >>> fig = cumulative_incidence_figure({"days": [0, 1, 2], "arms": {"a": {"n": 10,
        ...     "patient": [0, 2, 5], "lost": [1, 1, 2], "unsubscribed": [0, 0, 1]}}})
        >>> [t.y.tolist() for t in fig.data if t.name == "a"][0]
        [0.0, 0.2, 0.5]
    """
    table = incidence_table(data, alpha=alpha)
    causes = [c for c in causes if c in set(table["cause"])]
    hidden: list[str] = []
    if hide_empty:
        # A panel where no arm has a single event (no email sent: nobody unsubscribes) is
        # an empty axis that reads as a finding; leave it out and say so in ``meta``.
        peak = table.groupby("cause")["cif"].max()
        hidden = [c for c in causes if not peak.get(c, 0.0) > 0.0]
        if len(hidden) == len(causes):
            hidden = hidden[1:]
        causes = [c for c in causes if c not in hidden]
    arms = list(dict.fromkeys(str(a) for a in table["arm"]))
    palette = pick_colors(arms, colors, control)
    fig = make_subplots(
        rows=1, cols=max(1, len(causes)), horizontal_spacing=0.07,
        subplot_titles=[CAUSE_TITLES.get(c, c) for c in causes],
    )  # fmt: skip
    for col, cause in enumerate(causes, start=1):
        for arm in arms:
            g = table[(table["arm"].astype(str) == arm) & (table["cause"] == cause)]
            g = g.sort_values("time")
            if g.empty:
                continue
            t = g["time"].to_numpy(float)
            f = g["cif"].to_numpy(float)
            if t[0] > 0:  # curves start at 0 on the day of arrival
                t, f = np.concatenate([[0.0], t]), np.concatenate([[0.0], f])
                start = {c: 0.0 for c in ("time", "cif", "ci_lower", "ci_upper") if c in g}
                g = pd.concat([g.iloc[:1].assign(**start), g])
            if {"ci_lower", "ci_upper"} <= set(g.columns):
                lo = g["ci_lower"].to_numpy(float)
                hi = g["ci_upper"].to_numpy(float)
                fig.add_trace(go.Scatter(
                    name=f"{arm} CI", legendgroup=arm, showlegend=False, hoverinfo="skip",
                    x=np.concatenate([t, t[::-1]]), y=np.concatenate([hi, lo[::-1]]),
                    line={"width": 0, "shape": "hv"}, fill="toself",
                    fillcolor=with_alpha(palette[arm], 0.18), mode="lines",
                ), row=1, col=col)  # fmt: skip
            fig.add_trace(go.Scatter(
                name=arm, legendgroup=arm, showlegend=col == 1, mode="lines",
                x=t, y=f, line={"color": palette[arm], "width": 2, "shape": "hv"},
                hovertemplate=(f"<b>{arm}</b>, {CAUSE_TITLES.get(cause, cause).lower()}<br>"
                               "by day %{x:.0f}: %{y:.1%}<extra></extra>"),
            ), row=1, col=col)  # fmt: skip
    base_layout(fig, title, height=400, legend_right=len(arms) > LEGEND_TOP_MAX)
    fig.update_layout(meta={"hidden_panels": hidden})
    fig.update_xaxes(title_text="Days since arrival", rangemode="tozero")
    fig.update_yaxes(tickformat=".0%", rangemode="tozero")
    return fig


def final_incidence(table: pd.DataFrame) -> dict[tuple[str, str], str]:
    """``{(arm, cause): "18.2%"}`` at the last time, for captions."""
    last = table.sort_values("time").groupby(["arm", "cause"]).tail(1)
    return {(str(r.arm), str(r.cause)): pct(r.cif) for r in last.itertuples()}
