"""The 2x2 table of two independent arms, and the skeleton its intervals and tests share.

One argument convention everywhere in the analysis layer: treatment first, then control.
Counts are ``(x_t, n_t, x_c, n_c)``: conversions and units of the treatment arm, then of the
control arm; rates are ``(p_t, p_c)``. The difference (:mod:`sim.analysis.two_proportions`) is
``p_t - p_c`` and the ratio (:mod:`sim.analysis.rate_ratio`) ``p_t / p_c``.

Both are vectorised over tables the same way: a table that cannot be estimated (an empty arm)
gets ``NaN`` and a note, the others are computed together as arrays.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from sim.analysis.interval import (
    Interval,
    Test,
    add_note,
    as_arrays,
    check_alpha,
    check_method,
    finish,
    notes_array,
    two_sided_p,
    z_crit,
)

EMPTY = "empty arm: no units"


def both_arms(x_t, n_t, x_c, n_c):
    """Tables where both arms have units."""
    return (n_t > 0) & (n_c > 0)


def table_interval(
    kind: str, method: str, allowed: tuple[str, ...], alpha: float, counts, refusals, fill
) -> Interval:
    """The interval of every table: NaN with a note where ``refusals`` say so, else ``fill``.

    ``alpha`` is checked first, then ``method`` (argument ``kind``) against ``allowed``.
    ``counts`` is ``(x_t, n_t, x_c, n_c)``; ``refusals(x_t, n_t, x_c, n_c)`` lists ``(mask,
    note)`` pairs, checked in order (a table gets the first reason only); ``fill(name, x_t,
    n_t, x_c, n_c, z, notes)`` returns the estimate, bounds and p-value of the other tables
    and adds its own notes to ``notes``.
    """
    check_alpha(alpha)
    name = check_method(kind, method, allowed)
    scalar, (x_t, n_t, x_c, n_c) = as_arrays(*counts)
    notes = notes_array(x_t.shape)
    estimate, lower, upper, p_value = (np.full(x_t.shape, np.nan) for _ in range(4))
    ok = np.ones(x_t.shape, dtype=bool)
    for mask, text in refusals(x_t, n_t, x_c, n_c):
        add_note(notes, ok & mask, text)
        ok &= ~mask
    if ok.any():
        sub = notes_array(x_t[ok].shape)
        table = (x_t[ok], n_t[ok], x_c[ok], n_c[ok])
        estimate[ok], lower[ok], upper[ok], p_value[ok] = fill(name, *table, z_crit(alpha), sub)
        notes[ok] = sub  # the refused tables are the only ones with notes so far
    return finish(scalar, estimate, lower, upper, p_value, name, notes)


def table_test(
    kind: str, method: str, allowed: tuple[str, ...], counts, value: Any, defined, statistic
) -> Test:
    """The two-sided test of every table where ``defined`` holds (``NaN`` elsewhere).

    ``method`` (argument ``kind``) is checked against ``allowed`` first.
    ``statistic(name, x_t, n_t, x_c, n_c, value)`` is the standard-normal statistic of the
    tables where ``defined(x_t, n_t, x_c, n_c)``.
    """
    name = check_method(kind, method, allowed)
    scalar, (x_t, n_t, x_c, n_c) = as_arrays(*counts)
    value_arr = np.broadcast_to(np.asarray(value, dtype=float), x_t.shape)
    stat = np.full(x_t.shape, np.nan)
    ok = defined(x_t, n_t, x_c, n_c)
    if ok.any():
        table = (x_t[ok], n_t[ok], x_c[ok], n_c[ok])
        with np.errstate(divide="ignore", invalid="ignore"):
            stat[ok] = statistic(name, *table, value_arr[ok])
    p = two_sided_p(stat)
    if scalar:
        return Test(float(stat.reshape(-1)[0]), float(p.reshape(-1)[0]))
    return Test(stat, p)


def guard_zero_variance(num: np.ndarray, var: np.ndarray, z: np.ndarray) -> np.ndarray:
    """Where the null variance is 0: statistic 0 if the numerator is 0, else +-inf."""
    with np.errstate(invalid="ignore"):
        extreme = np.where(num == 0, 0.0, np.sign(num) * np.inf)
    return np.where(var > 0, z, extreme)
