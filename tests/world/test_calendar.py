"""WorkingHours: when the sales team can call. Day 0 is a Monday 00:00; times are in days."""

from __future__ import annotations

import numpy as np
import pytest

from sim.world.calendar import WorkingHours

H = 1 / 24


@pytest.mark.parametrize(
    ("t", "expected"),
    [
        (0.0, 8 * H),  # Monday midnight -> Monday 08:00
        (8 * H, 8 * H),  # opening time itself is open
        (12 * H, 12 * H),
        (18 * H, 1 + 8 * H),  # closing time is closed: next morning
        (4 + 17.99 * H, 4 + 17.99 * H),  # Friday just before closing
        (4 + 18 * H, 7 + 8 * H),  # Friday evening -> Monday
        (5.5, 7 + 8 * H),  # Saturday noon -> Monday
        (6.99, 7 + 8 * H),  # Sunday night -> Monday
        (14 + 3 * H, 14 + 8 * H),  # third Monday, early -> same day
    ],
)
def test_next_open_office_hours(t, expected):
    assert WorkingHours(8, 18, 5).next_open(t) == pytest.approx(expected, abs=1e-12)


def test_always_open_returns_the_time_itself():
    hours = WorkingHours(0, 24, 7)
    assert hours.always
    for t in (0.0, 0.123, 5.5, 6.9999, 1000.25):
        assert hours.next_open(t) == t


def test_seven_day_week_with_hours_is_not_always_open():
    hours = WorkingHours(9, 17, 7)
    assert not hours.always
    assert hours.next_open(5.5) == 5.5  # Saturday noon is open on a 7-day week
    assert hours.next_open(5 + 20 * H) == pytest.approx(6 + 9 * H)


def test_six_day_week_opens_on_saturday():
    assert WorkingHours(8, 18, 6).next_open(4.9) == pytest.approx(5 + 8 * H)


def test_is_open_array_agrees_with_next_open():
    hours = WorkingHours(8, 18, 5)
    t = np.random.default_rng(3).uniform(0, 28, 5000)
    open_ = hours.is_open_array(t)
    assert open_.any() and (~open_).any()
    for ti, oi in zip(t.tolist(), open_.tolist(), strict=True):
        assert (hours.next_open(ti) == ti) == oi
        assert hours.next_open(ti) >= ti


def test_open_share_of_a_week():
    # 5 days x 10 hours of 168 hours.
    hours = WorkingHours(8, 18, 5)
    grid = (np.arange(7 * 1440) + 0.5) / 1440
    assert hours.is_open_array(grid).mean() == pytest.approx(50 / 168)
