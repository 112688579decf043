"""Bootstrap intervals for cost per conversion: reproducible, and in line with scipy."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from sim.analysis.bootstrap import bootstrap_cpc
from sim.errors import InputError


def arm(seed: int, n: int = 400, p: float = 0.15):
    rng = np.random.default_rng(seed)
    y = rng.random(n) < p
    c = 40 + rng.exponential(25, n) + y * rng.gamma(2, 30, n)
    return y, c


def test_same_seed_same_interval_and_another_seed_differs():
    sample = arm(1)
    a = bootstrap_cpc([None], [sample], method="bootstrap-bca", seed=7)
    b = bootstrap_cpc([None], [sample], method="bootstrap-bca", seed=7)
    c = bootstrap_cpc([None], [sample], method="bootstrap-bca", seed=8)
    assert (a.lower, a.upper) == (b.lower, b.upper)
    assert (a.lower, a.upper) != (c.lower, c.upper)
    g = bootstrap_cpc([None], [sample], seed=np.random.default_rng(7))
    assert np.isfinite([g.lower, g.upper]).all()


def _scipy_interval(samples, kind, method, n_resamples=20_000):
    """scipy.stats.bootstrap on unit indices (so each unit keeps its cost and outcome)."""

    def cpc(index, y, c, axis):
        return c[index].sum(axis=axis) / y[index].sum(axis=axis)

    if kind == "arm":
        ((y, c),) = samples
        data = (np.arange(y.size),)

        def statistic(i, axis=-1):
            return cpc(i, y, c, axis)
    else:
        (yt, ct), (yc, cc) = samples
        data = (np.arange(yt.size), np.arange(yc.size))

        def statistic(i, j, axis=-1):
            t, k = cpc(i, yt, ct, axis), cpc(j, yc, cc, axis)
            return t / k if kind == "ratio" else t - k

    res = stats.bootstrap(
        data,
        statistic,
        n_resamples=n_resamples,
        method=method,
        vectorized=True,
        random_state=np.random.default_rng(0),
    )
    return res.confidence_interval.low, res.confidence_interval.high


@pytest.mark.parametrize("kind", ["arm", "ratio", "difference"])
@pytest.mark.parametrize(
    ("ours", "theirs"), [("bootstrap-percentile", "percentile"), ("bootstrap-bca", "BCa")]
)
def test_agrees_with_scipy_bootstrap_within_monte_carlo_error(kind, ours, theirs):
    samples = [arm(2)] if kind == "arm" else [arm(2), arm(3, p=0.12)]
    mine = bootstrap_cpc(
        [None] * len(samples), samples, kind=kind, method=ours, n_resamples=20_000, seed=1
    )
    low, high = _scipy_interval(samples, kind, theirs)
    # With 20,000 resamples the Monte Carlo error of a 2.5% quantile is about 1% of the
    # interval's width; BCa differs also by jackknife (scipy) vs influence-function (ours)
    # acceleration. 4% of the width covers both with room to spare.
    width = high - low
    assert abs(mine.lower - low) < 0.04 * width
    assert abs(mine.upper - high) < 0.04 * width


def test_blocks_of_units_give_the_same_interval_as_single_units():
    y, c = arm(4, n=40_000)
    exact = bootstrap_cpc([None], [(y, c)], method="bootstrap-percentile", n_resamples=4000, seed=2)
    blocks = bootstrap_cpc(
        [None], [(y, c)], method="bootstrap-percentile", n_resamples=4000, seed=3, max_units=2_000
    )
    width = exact.upper - exact.lower
    # Quantiles of 4,000 resamples wobble by about 2% of the width (Monte Carlo error).
    assert abs(blocks.lower - exact.lower) < 0.06 * width
    assert abs(blocks.upper - exact.upper) < 0.06 * width
    assert blocks.estimate == exact.estimate


def test_degenerate_arms_give_nan_with_a_reason():
    y, c = arm(5, n=50)
    none = (np.zeros(50, bool), c)
    r = bootstrap_cpc([None], [none])
    assert np.isnan(r.lower) and "no conversions" in r.note
    r = bootstrap_cpc([None, None], [(y, c), (np.array([], bool), np.array([]))], kind="ratio")
    assert np.isnan(r.lower) and r.note == "control: empty arm: no units"
    r = bootstrap_cpc([None, None], [(y, c), (y, np.zeros(50))], kind="ratio")
    assert "zero total cost" in r.note


def test_three_conversions_never_raise():
    y = np.zeros(30, bool)
    y[:3] = True
    c = np.full(30, 10.0)
    for method in ("bootstrap-percentile", "bootstrap-bca"):
        r = bootstrap_cpc([None], [(y, c)], method=method, n_resamples=500, seed=1)
        assert r.estimate == pytest.approx(100.0)
        assert r.lower <= r.estimate  # resamples without conversions are infinite, not errors


def test_input_errors():
    y, c = arm(6, n=20)
    with pytest.raises(InputError, match="per-unit data"):
        bootstrap_cpc([None], [None])
    with pytest.raises(InputError, match="at least 100"):
        bootstrap_cpc([None], [(y, c)], n_resamples=10)
    with pytest.raises(InputError, match="units"):
        bootstrap_cpc([None], [(y, c[:5])])
    with pytest.raises(InputError, match="2 arm"):
        bootstrap_cpc([None], [(y, c)], kind="ratio")
