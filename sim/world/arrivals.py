"""Lead arrivals and traits: exogenous, so every arm of a paired experiment sees the same leads.

Arrivals are a Poisson process per source whose rate is piecewise constant by month
(``leads_per_month * share * seasonality``) and, optionally, by hour of the week (a source can
say what share of its leads arrive while the office is open). Each month's count is Poisson
and its times are independent draws from the month's intensity, which is exactly such a
process. Traits (initial stage, intent,
email affinity, arm assignment) are drawn from each lead's ``traits`` row by inversion, so a
lead's traits depend only on the seed and its id.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from scipy import stats

from sim.config.scenario import DAYS_PER_MONTH, Scenario
from sim.world.calendar import WorkingHours
from sim.world.streams import CHUNK, PURPOSE_INDEX, PURPOSES, LeadStreams, child


class Arrivals(NamedTuple):
    """All leads of one world, in arrival order (``lead_id`` = position)."""

    day: np.ndarray  # float64 arrival times, ascending
    source: np.ndarray  # int index into scenario.sources


class Traits(NamedTuple):
    """Per-lead traits, aligned with :class:`Arrivals`."""

    stage: np.ndarray  # int8: 0 awareness, 1 consideration, 2 decision
    intent: np.ndarray  # float64, mean 1
    affinity: np.ndarray  # float64, mean 1
    assign_u: np.ndarray  # float64 uniform, used to randomise leads to arms


def draw_arrivals(scenario: Scenario, streams: LeadStreams) -> Arrivals:
    """Draw every arrival of the scenario's months.

    >>> from sim.config import load_scenario
    >>> s = load_scenario("configs/scenarios/medical_practice.toml")
    >>> a = draw_arrivals(s, LeadStreams(1))
    >>> bool(abs(len(a.day) - 1200) < 5 * 1200 ** 0.5) and bool(np.all(np.diff(a.day) >= 0))
    True
    """
    rng = streams.arrivals()
    season = scenario.seasonality
    hours = WorkingHours(
        scenario.sales.open_hour, scenario.sales.close_hour, scenario.sales.workdays_per_week
    )
    days, sources = [], []
    for month in range(scenario.months):
        rate = scenario.leads_per_month * season[month % len(season)]
        start = month * DAYS_PER_MONTH
        for k, source in enumerate(scenario.sources):
            n = int(rng.poisson(rate * source.share))
            if source.office_hours_share is None:
                t = start + DAYS_PER_MONTH * rng.random(n)
            else:
                t = _office_weighted(rng, n, start, source.office_hours_share, hours)
            days.append(t)
            sources.append(np.full(n, k, dtype=np.int16))
    day = np.concatenate(days) if days else np.empty(0)
    source = np.concatenate(sources) if sources else np.empty(0, dtype=np.int16)
    order = np.argsort(day, kind="stable")
    return Arrivals(day[order], source[order])


def _office_weighted(
    rng: np.random.Generator, n: int, start: float, share: float, hours: WorkingHours
) -> np.ndarray:
    """``n`` times in the month from ``start``: a ``share`` in office hours, the rest outside.

    Within each kind of time the intensity is flat: a position is drawn uniformly over the
    total length of office (or other) time and mapped through the intervals' cumulative
    lengths, which is exact.
    """
    end = start + DAYS_PER_MONTH
    inside, outside = _office_intervals(start, end, hours)
    if not len(inside) or not len(outside):
        return start + DAYS_PER_MONTH * rng.random(n)
    n_in = int((rng.random(n) < share).sum())
    u = rng.random(n)
    return np.concatenate([_place(u[:n_in], inside), _place(u[n_in:], outside)])


def _office_intervals(start: float, end: float, hours: WorkingHours) -> tuple[np.ndarray, ...]:
    """Office-hour intervals within [start, end) and the complement, as (k, 2) arrays."""
    cuts = []
    for day in range(int(np.floor(start)), int(np.ceil(end)) + 1):
        if day % 7 < hours.workdays:
            a, b = max(day + hours.open, start), min(day + hours.close, end)
            if a < b:
                cuts.append((a, b))
    inside = np.array(cuts, dtype=float).reshape(-1, 2)
    edges = np.concatenate([[start], inside.ravel(), [end]]).reshape(-1, 2)
    outside = edges[edges[:, 1] > edges[:, 0]]
    return inside, outside


def _place(u: np.ndarray, intervals: np.ndarray) -> np.ndarray:
    """Map uniforms in [0, 1) to uniform positions over a union of intervals."""
    lengths = intervals[:, 1] - intervals[:, 0]
    cum = np.cumsum(lengths)
    x = u * cum[-1]
    k = np.minimum(np.searchsorted(cum, x, side="right"), len(cum) - 1)
    return intervals[k, 0] + (x - (cum[k] - lengths[k]))


def draw_traits(scenario: Scenario, arrivals: Arrivals, streams: LeadStreams) -> Traits:
    """Draw each lead's traits from its own ``traits`` row (chunked like every stream)."""
    n = len(arrivals.day)
    key = PURPOSE_INDEX["traits"]
    width = PURPOSES["traits"]
    n_chunks = -(-n // CHUNK)
    blocks = [child(streams.root, key, 0, c).random((CHUNK, width)) for c in range(n_chunks)]
    u = np.concatenate(blocks)[:n] if blocks else np.empty((0, width))

    stage = np.zeros(n, dtype=np.int8)
    intent = np.empty(n)
    affinity = stats.gamma.ppf(u[:, 2], scenario.email.affinity_shape) / (
        scenario.email.affinity_shape
    )
    for k, source in enumerate(scenario.sources):
        mask = arrivals.source == k
        cum = np.cumsum(source.initial_stage.as_tuple())
        stage[mask] = np.minimum(np.searchsorted(cum, u[mask, 0], side="right"), 2)
        intent[mask] = stats.gamma.ppf(u[mask, 1], source.intent_shape) / source.intent_shape
    return Traits(stage, intent, np.asarray(affinity, dtype=float), u[:, 3].copy())


def monthly_rate_check(scenario: Scenario) -> float:
    """Expected number of leads over the scenario's months."""
    season = scenario.seasonality
    return float(
        sum(scenario.leads_per_month * season[m % len(season)] for m in range(scenario.months))
    )
