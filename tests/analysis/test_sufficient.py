"""Per-arm sufficient statistics: grouping, pooling and what they hold."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from sim.analysis import ArmStats, group_arm_stats, pool
from sim.analysis.sufficient import arm_codes
from sim.errors import InputError


def frame(seed: int = 0, n: int = 5000) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "arm": rng.choice(["control", "a", "b", "c"], n),
            "converted": rng.random(n) < 0.2,
            "cost_total_usd": rng.exponential(50, n),
            "unsubscribed": rng.random(n) < 0.05,
            "complained": rng.random(n) < 0.01,
        }
    )


def test_grouping_matches_pandas_groupby():
    df = frame()
    stats = group_arm_stats(
        df["arm"],
        df["converted"],
        df["cost_total_usd"],
        unsubscribed=df["unsubscribed"],
        complained=df["complained"],
    )
    df = df.assign(c2=df.cost_total_usd**2, cy=df.cost_total_usd * df.converted)
    g = df.groupby("arm").agg(
        n=("converted", "size"),
        x=("converted", "sum"),
        c=("cost_total_usd", "sum"),
        c2=("c2", "sum"),
        cy=("cy", "sum"),
        u=("unsubscribed", "sum"),
        k=("complained", "sum"),
    )
    assert list(stats) == list(pd.unique(df["arm"]))  # order of first appearance
    for arm, s in stats.items():
        row = g.loc[arm]
        assert (s.n, s.conversions, s.unsubscribes, s.complaints) == (
            row.n,
            row.x,
            row.u,
            row.k,
        )
        np.testing.assert_allclose(
            [s.cost_sum, s.cost_sq_sum, s.cost_conv_sum], [row.c, row.c2, row.cy], rtol=1e-10
        )


def test_chunks_pool_to_the_whole():
    df = frame(1)
    whole = group_arm_stats(df["arm"], df["converted"], df["cost_total_usd"])
    parts = [
        group_arm_stats(chunk["arm"], chunk["converted"], chunk["cost_total_usd"])
        for chunk in (df.iloc[i : i + 700] for i in range(0, len(df), 700))
    ]
    pooled = pool(parts)
    for arm in whole:
        a, b = whole[arm], pooled[arm]
        assert (a.n, a.conversions) == (b.n, b.conversions)
        assert a.cost_sum == pytest.approx(b.cost_sum, rel=1e-12)
        assert a.cost_sq_sum == pytest.approx(b.cost_sq_sum, rel=1e-12)
    assert sum(p["a"] for p in parts if "a" in p) == pooled["a"]  # builtin sum works too


def test_missing_costs_and_guardrails_propagate_as_unknown():
    with_cost = ArmStats.from_arrays([1, 0], cost=[5.0, 1.0], unsubscribed=[0, 1])
    without = ArmStats.from_arrays([0, 1])
    total = with_cost + without
    assert total.n == 4 and total.conversions == 2
    assert math.isnan(total.cost_sum) and not total.has_cost
    assert total.unsubscribes is None
    assert with_cost.unsubscribes == 1 and with_cost.complaints is None


def test_categorical_arms_keep_category_order_and_empty_categories():
    arms = pd.Series(pd.Categorical(["b", "b", "a"], categories=["c", "a", "b"]))
    stats = group_arm_stats(arms, [1, 0, 1])
    assert list(stats) == ["c", "a", "b"]
    assert stats["c"].n == 0 and stats["b"].conversions == 1


def test_labels_become_text_and_missing_labels_are_refused():
    codes, labels = arm_codes(np.array([1, 2, 1]))
    assert labels == ["1", "2"] and codes.tolist() == [0, 1, 0]
    with pytest.raises(InputError, match="missing arm label"):
        group_arm_stats(pd.Series(["a", None]), [1, 0])
    with pytest.raises(InputError, match="collide"):
        arm_codes(pd.Series([1, "1"], dtype=object))


def test_impossible_counts_are_refused():
    with pytest.raises(InputError, match="conversions <= n"):
        ArmStats(5, 6)
    with pytest.raises(InputError):
        ArmStats(-1, 0)


def test_properties():
    s = ArmStats(10, 2, 100.0, 1500.0, 40.0)
    assert s.conversion_rate == 0.2 and s.cost_per_conversion == 50.0
    assert math.isnan(ArmStats(0, 0).conversion_rate)
    assert math.isnan(ArmStats(5, 0, 10.0, 20.0, 0.0).cost_per_conversion)
    assert s.to_dict()["cost_conv_sum"] == 40.0
