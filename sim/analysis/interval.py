"""The record every interval function returns, and the helpers that keep degenerate cells tidy.

Interval functions are vectorised: pass scalars and get floats back, pass arrays and get arrays
back (one element per table). A bound or estimate that does not exist is ``NaN`` and ``note``
says why, so batch runs over thousands of tables never stop on one degenerate cell.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np
from scipy import stats

from sim.analysis.validation import check_alpha, check_method

__all__ = [  # check_alpha and check_method live in sim.analysis.validation; kept importable here
    "Interval",
    "Test",
    "add_note",
    "as_arrays",
    "bisect_decreasing",
    "check_alpha",
    "check_method",
    "finish",
    "labelled",
    "merge_notes",
    "nan_arrays",
    "notes_array",
    "two_sided_p",
    "z_crit",
]


class Interval(NamedTuple):
    """An estimate with its two-sided confidence interval and test.

    Attributes:
        estimate: the point estimate (a difference, a ratio, a rate, a cost per conversion).
        lower: lower confidence bound (``NaN`` when it does not exist, ``-inf``/``0`` when the
            data cannot bound it from below).
        upper: upper confidence bound (``inf`` when the data cannot bound it from above).
        p_value: two-sided p-value of the test that matches the interval (``NaN`` if none).
        method: the method's name.
        note: empty when all is well, otherwise why something is ``NaN`` or unbounded.

    Example:
        >>> float(Interval(0.2, 0.05, 0.33, 0.01, "newcombe", "").width)
        0.28
    """

    estimate: Any
    lower: Any
    upper: Any
    p_value: Any
    method: str
    note: Any

    @property
    def width(self) -> Any:
        """``upper - lower`` (rounded to 12 decimals so examples print cleanly)."""
        return np.round(np.asarray(self.upper) - np.asarray(self.lower), 12)[()]

    def at(self, i: int) -> Interval:
        """Element ``i`` of a vectorised interval, as scalars.

        >>> Interval([0.1, 0.2], [0.0, 0.1], [0.3, 0.4], [0.5, 0.6], "wald", ["", "x"]).at(1)
        Interval(estimate=0.2, lower=0.1, upper=0.4, p_value=0.6, method='wald', note='x')
        """
        return Interval(
            *(float(np.asarray(v)[i]) for v in self[:4]),
            self.method,
            str(np.asarray(self.note, dtype=object)[i]),
        )


class Test(NamedTuple):
    """A two-sided test: its standard-normal statistic and p-value."""

    __test__ = False  # a result record, not something for pytest to collect

    statistic: Any
    p_value: Any


def z_crit(alpha: float) -> float:
    """The two-sided standard-normal critical value for level ``alpha``.

    >>> round(z_crit(0.05), 6)
    1.959964
    """
    check_alpha(alpha)
    return float(stats.norm.isf(alpha / 2))


def two_sided_p(z: Any) -> Any:
    """Two-sided normal p-value for a statistic (``NaN`` stays ``NaN``)."""
    return 2.0 * stats.norm.sf(np.abs(z))


def as_arrays(*values: Any) -> tuple[bool, list[np.ndarray]]:
    """Broadcast inputs to float arrays of at least one dimension; report if all were scalars."""
    scalar = all(np.ndim(v) == 0 for v in values)
    arrays = np.broadcast_arrays(*[np.atleast_1d(np.asarray(v, dtype=float)) for v in values])
    return scalar, [np.array(a, dtype=float) for a in arrays]


def notes_array(shape: tuple[int, ...]) -> np.ndarray:
    """An array of empty notes of the given shape."""
    return np.full(shape, "", dtype=object)


def nan_arrays(shape: tuple[int, ...], k: int = 4) -> list[np.ndarray]:
    """``k`` arrays of ``NaN`` (estimate, lower, upper, p-value) to fill where defined."""
    return [np.full(shape, np.nan) for _ in range(k)]


def merge_notes(*notes: Any) -> Any:
    """The notes joined with ``"; "``, empty and repeated ones left out.

    The one way notes are combined. Strings give a string; arrays of notes (broadcast
    together) give an object array, element by element.

    >>> merge_notes("no cost data", "", "no cost data", "one unit")
    'no cost data; one unit'
    >>> merge_notes(np.array(["", "a"], dtype=object), np.array(["b", "a"], dtype=object))
    array(['b', 'a'], dtype=object)
    """
    if all(isinstance(n, str) for n in notes):
        kept: list[str] = []
        for text in notes:
            if text and text not in kept:
                kept.append(text)
        return "; ".join(kept)
    merged = np.frompyfunc(lambda *parts: merge_notes(*map(str, parts)), len(notes), 1)
    return np.asarray(merged(*notes), dtype=object)


def labelled(label: str, note: str) -> str:
    """``"label: note"``, or ``""`` for an empty note (what :func:`merge_notes` leaves out).

    >>> labelled("abs_lift", "empty arm"), labelled("rel_lift", "")
    ('abs_lift: empty arm', '')
    """
    return f"{label}: {note}" if note else ""


def add_note(notes: np.ndarray, mask: Any, text: str) -> None:
    """Add ``text`` to the notes where ``mask`` holds (by :func:`merge_notes`)."""
    mask = np.broadcast_to(np.asarray(mask, dtype=bool), notes.shape)
    for idx in zip(*np.nonzero(mask), strict=True):
        notes[idx] = merge_notes(notes[idx], text)


def finish(
    scalar: bool,
    estimate: np.ndarray,
    lower: np.ndarray,
    upper: np.ndarray,
    p_value: np.ndarray,
    method: str,
    notes: np.ndarray,
) -> Interval:
    """Pack arrays into an :class:`Interval`, unwrapping them to floats for scalar input."""
    if scalar:
        return Interval(
            float(estimate.reshape(-1)[0]),
            float(lower.reshape(-1)[0]),
            float(upper.reshape(-1)[0]),
            float(p_value.reshape(-1)[0]),
            method,
            str(notes.reshape(-1)[0]),
        )
    return Interval(estimate, lower, upper, p_value, method, notes)


def bisect_decreasing(
    func, lo: np.ndarray, hi: np.ndarray, *, nan_above: bool = True, iterations: int = 80
) -> np.ndarray:
    """Vectorised bisection for the root of a decreasing function on ``[lo, hi]``.

    Callers make sure ``func(lo) >= 0 >= func(hi)``. A ``NaN`` value (a statistic breaking down
    at the far end of a bracket) counts as above the root when ``nan_above``, else below, so the
    search moves away from it. 80 halvings shrink any bracket used here (at most 80 wide) below
    1e-22.

    >>> float(bisect_decreasing(lambda x: 2.0 - x, np.array([0.0]), np.array([5.0]))[0])
    2.0
    """
    lo = np.array(lo, dtype=float)
    hi = np.array(hi, dtype=float)
    for _ in range(iterations):
        mid = 0.5 * (lo + hi)
        value = func(mid)
        above = value > 0.0
        if nan_above:
            above |= np.isnan(value)
        lo = np.where(above, mid, lo)
        hi = np.where(above, hi, mid)
    return 0.5 * (lo + hi)
