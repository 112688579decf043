"""Cumulative incidence with competing risks: the Aalen-Johansen estimator.

A lead can become a patient or be lost to a competitor, whichever happens first; treating the
other outcome as censoring (1 - Kaplan-Meier) would overstate both. The Aalen-Johansen
estimator of the cumulative incidence of cause ``k`` is

    F_k(t) = sum over event times t_j <= t of S(t_{j-1}) * d_kj / n_j

where ``n_j`` is the number at risk just before ``t_j`` (time >= t_j; a unit censored at
``t_j`` is still at risk then), ``d_kj`` the number of cause-``k`` events at ``t_j``, ``d_j``
the events of any cause and ``S`` the all-cause Kaplan-Meier survival. Tied event times of
different causes need no jitter: all of them use the same ``S(t_{j-1})``.

Variance: the delta-method (Greenwood-type) estimator of Marubini and Valsecchi (1995,
*Analysing Survival Data from Clinical Trials and Observational Studies*, eq. 10.13), the one
Stata's ``stcompet``, SAS ``PROC LIFETEST`` (default), lifelines' ``AalenJohansenFitter`` and
statsmodels' ``CumIncidenceRight`` use:

    Var F_k(t) = sum_j [F_k(t) - F_k(t_j)]^2 d_j / (n_j (n_j - d_j))
               + sum_j S(t_{j-1})^2 d_kj (n_j - d_kj) / n_j^3
               - 2 sum_j [F_k(t) - F_k(t_j)] S(t_{j-1}) d_kj / n_j^2      (sums over t_j <= t)

Without censoring it equals the binomial ``F (1 - F) / n`` exactly (tested). Intervals use the
log(-log) transform by default, so they stay inside [0, 1] (Kalbfleisch and Prentice's
transform, as in SAS and lifelines); ``transform="linear"`` gives the plain Wald interval,
clipped to [0, 1].

Frequency ``weights`` count each row that many times (a row of a count table), and the
variance is the one the expanded data would give; statsmodels' ``CumIncidenceRight`` drops the
standard error when weights are given, which is why this module exists.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import Any, NamedTuple

import numpy as np
import pandas as pd
from scipy import stats

from sim.errors import InputError

#: Columns of the table :func:`cumulative_incidence` returns, in order.
INCIDENCE_COLUMNS = ("time", "cause", "at_risk", "events", "cif", "se", "ci_lower", "ci_upper")

TRANSFORMS = ("log-log", "linear")


def cumulative_incidence(
    time: Any,
    event: Any,
    *,
    weights: Any = None,
    censored: Hashable = 0,
    causes: Sequence[Hashable] | None = None,
    times: Any = None,
    alpha: float = 0.05,
    transform: str = "log-log",
) -> pd.DataFrame:
    """Aalen-Johansen cumulative incidence of each cause, with delta-method intervals.

    Args:
        time: time of the event or of censoring, one per unit (>= 0, finite).
        event: the cause that happened at ``time`` (any labels: ints or strings), or
            ``censored`` if the unit was followed until ``time`` without an event.
        weights: optional frequency weights (>= 0): a row with weight ``w`` counts as ``w``
            units. Lets a table of counts stand in for one row per unit.
        censored: the label meaning "no event observed" (default ``0``).
        causes: which causes to report, in this order (default: the labels present, sorted).
            A cause without events gets a zero curve.
        times: evaluate the step functions at these increasing times instead of at every
            distinct event time; ``events`` then counts the cause's events since the previous
            requested time.
        alpha: 1 - confidence level of the intervals.
        transform: ``"log-log"`` (default) or ``"linear"`` scale for the interval.

    Returns:
        A tidy DataFrame with :data:`INCIDENCE_COLUMNS`: ``time``, ``cause``, ``at_risk``
        (weighted number at risk just before ``time``), ``events`` (cause events at ``time``),
        ``cif``, ``se`` (square root of the delta-method variance), ``ci_lower``,
        ``ci_upper``; rows ordered by cause, then time. Where ``cif`` is 0 (or 1) the variance
        is 0 and the interval collapses to the point.

    Raises:
        InputError: arrays of different lengths, negative or non-finite times or weights,
            ``times`` out of order, an unknown ``transform`` or ``alpha`` outside (0, 1).

    Example:
        Six leads: patient (1) at day 1 and 3 and 5, lost (2) at day 2, censored at 2 and 4.

        >>> t = [1, 2, 2, 3, 4, 5]
        >>> e = [1, 2, 0, 1, 0, 1]
        >>> ci = cumulative_incidence(t, e)
        >>> ci[ci.cause == 1][["time", "at_risk", "cif"]].round(4).values.tolist()
        [[1.0, 6.0, 0.1667], [2.0, 5.0, 0.1667], [3.0, 3.0, 0.3889], [5.0, 1.0, 0.8333]]
        >>> round(float(ci[ci.cause == 2].cif.iloc[-1]), 4)  # lost: 1/6; F_1 + F_2 = 1 as S = 0
        0.1667
    """
    if not 0.0 < alpha < 1.0:
        raise InputError("alpha", f"{alpha!r} is not allowed: must be in (0, 1)")
    if transform not in TRANSFORMS:
        raise InputError("transform", f"{transform!r} is not allowed: use one of {TRANSFORMS}")
    t, w, codes, labels = _inputs(time, event, weights)
    code_of = {label: i for i, label in enumerate(labels)}
    is_event = codes != code_of.get(censored, -1)
    if causes is None:
        causes = sorted((lab for lab in labels if lab != censored), key=_sort_key)
    risk = _risk_sets(t, w, is_event)
    z = float(stats.norm.isf(alpha / 2))
    frames = []
    for cause in list(causes):
        mine = risk.hit & (codes == code_of.get(cause, -1))
        d_k = np.bincount(risk.idx[mine], weights=w[mine], minlength=len(risk.event_times))
        frames.append(_cause_table(cause, _curve(risk, d_k, times), z, transform))
    if not frames:
        return pd.DataFrame({c: pd.Series(dtype=float) for c in INCIDENCE_COLUMNS})
    out = pd.concat(frames, ignore_index=True)
    out.attrs["variance"] = "delta method (Marubini and Valsecchi 1995, eq. 10.13)"
    out.attrs["interval"] = f"{transform}, {1 - alpha:.0%}"
    return out


def _inputs(time: Any, event: Any, weights: Any) -> tuple[np.ndarray, np.ndarray, Any, list]:
    """Times and weights as checked float arrays, event codes and their labels."""
    t = np.asarray(time, dtype=float).ravel()
    ev = pd.Series(np.asarray(event).ravel())
    if len(t) != len(ev):
        raise InputError("event", f"has {len(ev)} values but time has {len(t)}")
    w = np.ones(len(t)) if weights is None else np.asarray(weights, dtype=float).ravel()
    if len(w) != len(t):
        raise InputError("weights", f"has {len(w)} values but time has {len(t)}")
    if not np.all(np.isfinite(t)) or np.any(t < 0):
        raise InputError("time", "must be finite and >= 0 (censor units without an event)")
    if not np.all(np.isfinite(w)) or np.any(w < 0):
        raise InputError("weights", "must be finite and >= 0")
    codes, uniques = pd.factorize(ev)
    if np.any(codes < 0):
        raise InputError("event", "has missing values: give the censored label instead")
    return t, w, codes, [_plain(u) for u in uniques]


class _RiskSets(NamedTuple):
    """What every cause's curve shares: the risk sets on the distinct event times."""

    event_times: np.ndarray
    t_sorted: np.ndarray
    w_cum_from_end: np.ndarray  # weight at or after each sorted time (0 appended)
    at_risk: np.ndarray
    idx: np.ndarray  # each unit's event-time index
    hit: np.ndarray  # units whose event falls on an event time
    surv_lag: np.ndarray  # all-cause Kaplan-Meier just before each event time
    a: np.ndarray  # the first variance sum's terms d_j / (n_j (n_j - d_j))


def _risk_sets(t: np.ndarray, w: np.ndarray, is_event: np.ndarray) -> _RiskSets:
    # Risk sets on the distinct event times (any cause); censoring times only shrink them.
    event_times = np.unique(t[is_event & (w > 0)])
    order = np.argsort(t, kind="stable")
    t_sorted, w_sorted = t[order], w[order]
    w_cum_from_end = np.concatenate([np.cumsum(w_sorted[::-1])[::-1], [0.0]])
    at_risk = w_cum_from_end[np.searchsorted(t_sorted, event_times, side="left")]
    idx = np.searchsorted(event_times, t)
    hit = is_event & (idx < len(event_times))
    hit[hit] = event_times[idx[hit]] == t[hit]
    d_all = np.bincount(idx[hit], weights=w[hit], minlength=len(event_times))

    # All-cause Kaplan-Meier just before each event time.
    with np.errstate(divide="ignore", invalid="ignore"):
        hazard = np.where(at_risk > 0, d_all / at_risk, 0.0)
    surv = np.cumprod(1.0 - hazard)
    surv_lag = np.concatenate([[1.0], surv[:-1]])
    with np.errstate(divide="ignore", invalid="ignore"):
        # When everybody left has the event, S drops to 0 and F stays flat afterwards, so the
        # term's factor (F(t) - F(t_j))^2 is 0: take the 0/0 as 0.
        a = np.where(at_risk > d_all, d_all / (at_risk * (at_risk - d_all)), 0.0)
    return _RiskSets(event_times, t_sorted, w_cum_from_end, at_risk, idx, hit, surv_lag, a)


def _cause_table(cause: Hashable, curve: tuple[np.ndarray, ...], z: float, transform: str):
    """The rows of one cause: its curve with standard errors and interval bounds."""
    out_t, out_n, out_d, out_f, out_v = curve
    se = np.sqrt(out_v)
    lo, hi = _interval(out_f, se, z, transform)
    return pd.DataFrame(
        {
            "time": out_t,
            "cause": [cause] * len(out_t),
            "at_risk": out_n,
            "events": out_d,
            "cif": out_f,
            "se": se,
            "ci_lower": lo,
            "ci_upper": hi,
        }
    )


def _curve(risk: _RiskSets, d_k: np.ndarray, times: Any) -> tuple[np.ndarray, ...]:
    """(time, at risk, events, cif, variance) of one cause with ``d_k`` events per time."""
    at_risk, surv_lag = risk.at_risk, risk.surv_lag
    with np.errstate(divide="ignore", invalid="ignore"):
        inc = np.where(at_risk > 0, surv_lag * d_k / at_risk, 0.0)
        b = np.where(at_risk > 0, surv_lag**2 * d_k * (at_risk - d_k) / at_risk**3, 0.0)
        c = np.where(at_risk > 0, surv_lag * d_k / at_risk**2, 0.0)
    cif = np.cumsum(inc)
    var = _delta_variance(cif, risk.a, b, c)
    if times is None:
        return risk.event_times, at_risk, d_k, cif, var
    return _at_times(
        np.asarray(times, dtype=float),
        risk.event_times,
        risk.t_sorted,
        risk.w_cum_from_end,
        d_k,
        cif,
        var,
    )


def _delta_variance(cif: np.ndarray, a: np.ndarray, b: np.ndarray, c: np.ndarray) -> np.ndarray:
    """The three sums of the delta-method variance at every event time, by cumulative sums.

    Expanding ``(F_m - F_j)^2`` turns each sum over ``j <= m`` into running totals, so the
    whole curve costs O(number of event times).
    """
    var = (
        cif**2 * np.cumsum(a)
        - 2 * cif * np.cumsum(cif * a)
        + np.cumsum(cif**2 * a)
        + np.cumsum(b)
        - 2 * cif * np.cumsum(c)
        + 2 * np.cumsum(cif * c)
    )
    # Cancellation in the expansion can leave -1e-18 where the variance is 0.
    return np.maximum(var, 0.0)


def _at_times(
    when: np.ndarray,
    event_times: np.ndarray,
    t_sorted: np.ndarray,
    w_cum_from_end: np.ndarray,
    d_k: np.ndarray,
    cif: np.ndarray,
    var: np.ndarray,
) -> tuple[np.ndarray, ...]:
    """Right-continuous step functions read at ``when`` (0 before the first event)."""
    if np.any(~np.isfinite(when)) or np.any(np.diff(when) < 0):
        raise InputError("times", "must be finite and in increasing order")
    pos = np.searchsorted(event_times, when, side="right")  # event times <= when
    f = np.concatenate([[0.0], cif])[pos]
    v = np.concatenate([[0.0], var])[pos]
    at_risk = w_cum_from_end[np.searchsorted(t_sorted, when, side="left")]
    cum_d = np.concatenate([[0.0], np.cumsum(d_k)])[pos]
    events = np.diff(np.concatenate([[0.0], cum_d])) if len(when) else cum_d
    return when, at_risk, events, f, v


def _interval(
    cif: np.ndarray, se: np.ndarray, z: float, transform: str
) -> tuple[np.ndarray, np.ndarray]:
    if transform == "linear":
        return np.clip(cif - z * se, 0.0, 1.0), np.clip(cif + z * se, 0.0, 1.0)
    lo, hi = cif.copy(), cif.copy()
    inner = (cif > 0) & (cif < 1) & (se > 0)
    f = cif[inner]
    # log(-log F) decreases in F, so the upper bound of F comes from the lower one of it.
    centre = np.log(-np.log(f))
    half = z * se[inner] / (f * np.abs(np.log(f)))
    lo[inner] = np.exp(-np.exp(centre + half))
    hi[inner] = np.exp(-np.exp(centre - half))
    return lo, hi


def _plain(label: Any) -> Any:
    """numpy scalars as Python ones, so ``cause`` labels compare and print plainly."""
    return label.item() if isinstance(label, np.generic) else label


def _sort_key(label: Hashable) -> tuple[int, Any]:
    # Numbers before strings, so mixed labels still sort.
    return (0, label) if isinstance(label, (int, float, np.number)) else (1, str(label))
