"""Ranking-and-selection procedures: determinism, the sampler contract, bad input, records.

The guarantee itself (PCS over 500 macro-replications) is in tests/validation.
"""

from __future__ import annotations

import numpy as np
import pytest

from sim.errors import InputError
from sim.study.methods.selection import (
    NormalSystems,
    Selection,
    equal_allocation_size,
    equal_allocation_size_for,
    equal_select,
    kn_constants,
    kn_select,
    ocba_allocation,
    ocba_ratios,
    ocba_select,
    per_system,
    rinott_select,
    rinott_sizes,
    slippage,
    spaced,
)

DELTA = 0.5


def same(a: Selection, b: Selection) -> bool:
    return (
        a.best == b.best
        and np.array_equal(a.n, b.n)
        and np.array_equal(a.means, b.means)
        and np.array_equal(a.eliminated_at, b.eliminated_at)
    )


def test_kn_is_deterministic_given_the_seed():
    a = kn_select(spaced(8, DELTA, 1.0, seed=3), 8, delta=DELTA)
    b = kn_select(spaced(8, DELTA, 1.0, seed=3), 8, delta=DELTA)
    c = kn_select(spaced(8, DELTA, 1.0, seed=4), 8, delta=DELTA)
    assert same(a, b)
    assert not np.array_equal(a.means, c.means)


def test_kn_batches_change_what_is_drawn_not_what_is_decided():
    # observation j of a system is the same whatever the request size, so drawing ahead in
    # batches of 7 must reproduce the one-at-a-time decision exactly
    one = kn_select(spaced(10, DELTA, 2.0, seed=5), 10, delta=DELTA, batch=1)
    seven = kn_select(spaced(10, DELTA, 2.0, seed=5), 10, delta=DELTA, batch=7)
    assert same(one, seven)
    assert np.array_equal(one.drawn, one.n)
    assert np.all(seven.drawn >= seven.n) and np.all(seven.drawn - seven.n < 7)
    assert seven.total_drawn > seven.total


def test_kn_eliminates_the_losers_and_keeps_the_winner():
    s = kn_select(slippage(6, 1.0, seed=8), 6, delta=1.0)
    assert s.best == 5
    assert s.eliminated_at[s.best] == -1
    assert np.all(s.eliminated_at[:5] >= 10)
    # an eliminated system contributed exactly the observations up to its elimination
    assert np.array_equal(s.n[:5], s.eliminated_at[:5])
    assert s.parameters["h2"] == pytest.approx(kn_constants(6, 10, 0.95)[1])


def test_kn_takes_a_one_system_sampler_through_per_system():
    batch = spaced(5, DELTA, 1.0, seed=9)
    ref = spaced(5, DELTA, 1.0, seed=9)
    one = per_system(lambda i, n: ref(np.array([i]), n)[0])
    assert same(kn_select(batch, 5, delta=DELTA), kn_select(one, 5, delta=DELTA))


def test_kn_ends_on_exact_ties():
    # two systems with identical observations can never separate; their difference has
    # variance 0, so the widths are 0 from the start, KN stops and the first largest mean wins
    rng = np.random.default_rng(0)
    s = kn_select(lambda sy, n: np.tile(rng.normal(size=n), (len(sy), 1)), 2, delta=DELTA)
    assert s.best == 0 and s.total == 20 and s.note == ""


def test_kn_stops_at_the_cap_and_says_the_guarantee_is_void():
    s = kn_select(slippage(10, 0.05, seed=1), 10, delta=0.05, max_observations=300)
    assert s.total_drawn <= 300
    assert "no PCS guarantee" in s.note


def test_kn_under_common_random_numbers_uses_fewer_observations():
    # the same slippage problem, with and without correlation 0.8 between systems, on the
    # same seeds: CRN shrinks the variance of differences to 0.2 of the independent one
    ind = [kn_select(slippage(8, DELTA, seed=s), 8, delta=DELTA).total for s in range(20)]
    crn = [kn_select(slippage(8, DELTA, rho=0.8, seed=s), 8, delta=DELTA).total for s in range(20)]
    assert np.mean(crn) < 0.5 * np.mean(ind)


@pytest.mark.parametrize(
    ("kwargs", "where"),
    [
        ({"delta": 0.0}, "delta"),
        ({"delta": 1.0, "pcs": 0.05}, "pcs"),
        ({"delta": 1.0, "pcs": 1.0}, "pcs"),
        ({"delta": 1.0, "n0": 1}, "n0"),
        ({"delta": 1.0, "batch": 0}, "batch"),
        ({"delta": 1.0, "max_observations": 5}, "max_observations"),
    ],
)
def test_kn_rejects_bad_settings(kwargs, where):
    with pytest.raises(InputError, match=rf"^{where}:"):
        kn_select(slippage(4, 1.0), 4, **kwargs)


def test_kn_rejects_one_system():
    with pytest.raises(InputError, match=r"^k:"):
        kn_select(slippage(2, 1.0), 1, delta=1.0)


@pytest.mark.parametrize(
    "bad",
    [
        lambda sy, n: np.zeros((len(sy), n + 1)),
        lambda sy, n: np.full((len(sy), n), np.nan),
    ],
)
def test_a_misbehaving_sampler_is_reported(bad):
    with pytest.raises(InputError, match=r"^sample:"):
        kn_select(bad, 3, delta=1.0)


def test_ocba_allocation_follows_the_ratios_and_keeps_minimums():
    means, sds = np.array([1.0, 0.0, 0.5, 0.9]), np.array([1.0, 2.0, 1.0, 0.5])
    w = ocba_ratios(means, sds)
    # Chen et al. (2000): N_i / N_j = (s_i / gap_i)^2 / (s_j / gap_j)^2 for non-best i, j,
    # N_b = s_b sqrt(sum N_i^2 / s_i^2)
    assert w[1] / w[2] == pytest.approx((2.0 / 1.0) ** 2 / (1.0 / 0.5) ** 2)
    assert w[0] == pytest.approx(1.0 * np.sqrt(np.sum(w[1:] ** 2 / sds[1:] ** 2)))
    alloc = ocba_allocation(means, sds, 10_000)
    assert alloc.sum() == 10_000
    assert np.all(np.abs(alloc - 10_000 * w) < 1)
    held = ocba_allocation(means, sds, 1000, minimum=[0, 0, 0, 600])
    assert held.sum() == 1000 and held[3] >= 600
    with pytest.raises(InputError, match=r"^total:"):
        ocba_allocation(means, sds, 10, minimum=5)


def test_ocba_spends_exactly_its_budget_and_is_deterministic():
    a = ocba_select(spaced(6, DELTA, 1.0, seed=2), 6, budget=601, n0=5, increment=7)
    b = ocba_select(spaced(6, DELTA, 1.0, seed=2), 6, budget=601, n0=5, increment=7)
    assert a.total == 601 and np.all(a.n >= 5)
    assert same(a, b)
    # the contenders (the top two) get more than the clearly worse systems
    assert a.n[4:].min() > a.n[:2].max()
    with pytest.raises(InputError, match=r"^budget:"):
        ocba_select(spaced(6, DELTA), 6, budget=20)


def test_rinott_second_stage_sizes():
    # (h S / delta)^2 that is an integer up to float error is not rounded up past it
    assert rinott_sizes([0.1 * 3], 10.0, 0.5, 2).tolist() == [36]
    s = rinott_select(spaced(4, 1.0, [1.0, 1.0, 1.0, 3.0], seed=1), 4, delta=1.0)
    assert s.procedure == "Rinott"
    assert s.n[3] > s.n[:3].max()  # the noisiest system needs the most observations


def test_equal_allocation_yardsticks():
    # the guarantee's n covers the least favourable configuration, so it is at least the
    # oracle n of any one configuration; in slippage the two coincide
    mu = np.r_[np.zeros(9), DELTA]
    assert equal_allocation_size(10, DELTA, 1.0) == equal_allocation_size_for(mu, 1.0)
    assert equal_allocation_size(10, DELTA, 1.0) > equal_allocation_size_for(
        DELTA * np.arange(10), 1.0
    )
    s = equal_select(slippage(10, DELTA, seed=3), 10, 7)
    assert s.total == 70 and s.procedure == "equal"
    with pytest.raises(InputError, match=r"^n:"):
        equal_select(slippage(10, DELTA), 10, 0)


def test_normal_systems_do_not_depend_on_the_order_of_requests():
    a, b = spaced(3, 1.0, seed=4, rho=0.3), spaced(3, 1.0, seed=4, rho=0.3)
    x = np.vstack([a(np.array([0]), 5), a(np.array([2]), 5), a(np.array([1]), 5)])
    y = b(np.array([0, 1, 2]), 5)[[0, 2, 1]]
    assert np.array_equal(x, y)
    with pytest.raises(InputError, match=r"^rho:"):
        NormalSystems([0.0, 1.0], 1.0, rho=1.0)


def test_selection_table():
    s = kn_select(slippage(4, 1.0, seed=2), 4, delta=1.0)
    t = s.to_frame(["a", "b", "c", "d"])
    assert t.columns.tolist() == [
        "system",
        "n",
        "mean",
        "sd",
        "se",
        "eliminated_at",
        "drawn",
        "selected",
    ]
    assert t.selected.sum() == 1 and t.system[t.selected].item() == "d"
    with pytest.raises(InputError, match=r"^names:"):
        s.to_frame(["a"])
