"""Working hours: when the sales team can place a call. Day 0 of a world is a Monday 00:00."""

from __future__ import annotations

import math

import numpy as np


class WorkingHours:
    """Opening hours on the first ``workdays`` days of each week.

    >>> hours = WorkingHours(8, 18, 5)
    >>> hours.next_open(0.5)           # Monday noon: open
    0.5
    >>> hours.next_open(0.8) * 24      # Monday 19:12 -> Tuesday 08:00
    32.0
    >>> hours.next_open(4.9) * 24      # Friday evening -> Monday 08:00 (day 7)
    176.0
    """

    __slots__ = ("always", "close", "open", "workdays")

    def __init__(self, open_hour: float, close_hour: float, workdays: int) -> None:
        self.open = open_hour / 24.0
        self.close = close_hour / 24.0
        self.workdays = workdays
        self.always = workdays == 7 and open_hour == 0.0 and close_hour == 24.0

    def is_open_array(self, t: np.ndarray) -> np.ndarray:
        """Vectorised: whether each time is within working hours."""
        day = np.floor(t)
        frac = t - day
        return ((day % 7) < self.workdays) & (frac >= self.open) & (frac < self.close)

    def next_open(self, t: float) -> float:
        """The earliest time >= ``t`` within working hours."""
        if self.always:
            return t
        day = math.floor(t)
        frac = t - day
        if day % 7 < self.workdays:
            if self.open <= frac < self.close:
                return t
            if frac < self.open:
                return day + self.open
        day += 1
        while day % 7 >= self.workdays:
            day += 1
        return day + self.open
