"""Many worlds on paired replications: common random numbers, seeding, same bytes anywhere."""

from __future__ import annotations

import pandas as pd
import pytest

from sim.config.space import ParameterSpace
from sim.study.worlds import (
    KEY_COLUMNS,
    WorldPoint,
    evaluate_points,
    points_frame,
    points_from_space,
)


@pytest.fixture
def small(scenario, strategy):
    # A small world (one month, 40 leads) keeps each replication well under a second.
    s = scenario(months=1, leads_per_month=40.0)
    st = {"no_nurture": strategy("no_nurture"), "stage_nurture": strategy("stage_nurture")}
    return s, st


def _space():
    return ParameterSpace.from_entries(
        [
            {
                "path": "email.open_prob",
                "distribution": "uniform",
                "low": 0.1,
                "high": 0.4,
                "source": "test",
            }
        ],
        "test space",
    )


def test_rows_are_tidy_and_ordered(small):
    s, st = small
    pts = points_from_space(_space(), [{"email.open_prob": 0.2}, {"email.open_prob": 0.3}], s, st)
    df = evaluate_points(pts, "no_nurture", replications=2, seed=3, executor="serial")
    assert list(df.columns[:3]) == list(KEY_COLUMNS)
    assert df[list(KEY_COLUMNS)].values.tolist() == [
        [p, name, r] for p in (0, 1) for name in ("no_nurture", "stage_nurture") for r in (0, 1)
    ]
    # the control's lift is zero by definition, row by row
    assert (df.loc[df.strategy == "no_nurture", "abs_lift"] == 0).all()
    assert points_frame(pts)["email.open_prob"].tolist() == [0.2, 0.3]


def test_identical_strategies_give_identical_rows(small):
    # Common random numbers: a twin of the control replays the same leads with the same draws.
    s, st = small
    pts = [WorldPoint.of(s, {"no_nurture": st["stage_nurture"], "twin": st["stage_nurture"]})]
    df = evaluate_points(pts, "no_nurture", replications=3, seed=5, executor="serial")
    a = df[df.strategy == "no_nurture"].drop(columns="strategy").reset_index(drop=True)
    b = df[df.strategy == "twin"].drop(columns="strategy").reset_index(drop=True)
    pd.testing.assert_frame_equal(a, b)


def test_common_seeds_repeat_a_point_and_independent_seeds_do_not(small):
    s, st = small
    pts = [WorldPoint.of(s, st), WorldPoint.of(s, st)]
    common = evaluate_points(pts, "no_nurture", replications=2, seed=9, executor="serial")
    indep = evaluate_points(
        pts, "no_nurture", replications=2, seed=9, seeds="independent", executor="serial"
    )
    metrics = ["n", "conversions", "cost_total_usd"]
    c0, c1 = (common[common.point == i][metrics].to_numpy() for i in (0, 1))
    assert (c0 == c1).all()
    i0, i1 = (indep[indep.point == i][metrics].to_numpy() for i in (0, 1))
    # 40 Poisson leads a month: two independent worlds with equal lead counts and costs
    # in all four rows would be a coincidence of probability far below 1e-3.
    assert not (i0 == i1).all()


def test_resume_reuses_finished_tasks_and_checkpoints_the_rest(small):
    s, st = small
    pts = [WorldPoint.of(s, st)]
    seen = {}
    full = evaluate_points(
        pts,
        "no_nurture",
        replications=2,
        seed=1,
        executor="serial",
        on_result=lambda k, rows: seen.__setitem__(k, rows),
    )
    assert sorted(seen) == [(0, 0), (0, 1)]
    calls = []
    again = evaluate_points(
        pts,
        "no_nurture",
        replications=2,
        seed=1,
        executor="serial",
        done={(0, 0): seen[(0, 0)]},
        on_result=lambda k, rows: calls.append(k),
    )
    assert calls == [(0, 1)]
    pd.testing.assert_frame_equal(full, again)


def test_replication_indices_pick_the_same_replications(small):
    s, st = small
    pts = [WorldPoint.of(s, st)]
    all3 = evaluate_points(pts, "no_nurture", replications=3, seed=2, executor="serial")
    only2 = evaluate_points(pts, "no_nurture", replications=[2], seed=2, executor="serial")
    pd.testing.assert_frame_equal(
        all3[all3.replication == 2].reset_index(drop=True), only2.reset_index(drop=True)
    )


def _bytes(df: pd.DataFrame) -> bytes:
    return df.to_csv(index=False, float_format="%.17g").encode()


def test_same_bytes_on_one_and_two_workers(small):
    s, st = small
    pts = points_from_space(_space(), [{"email.open_prob": v} for v in (0.15, 0.25, 0.35)], s, st)
    kw = dict(replications=2, seed=11, seeds="independent")
    one = evaluate_points(pts, "no_nurture", executor="serial", **kw)
    two = evaluate_points(pts, "no_nurture", executor="local", workers=2, **kw)
    assert _bytes(one) == _bytes(two)


@pytest.mark.slow
def test_same_bytes_on_dask(small):
    pytest.importorskip("dask.distributed")
    s, st = small
    pts = points_from_space(_space(), [{"email.open_prob": v} for v in (0.15, 0.35)], s, st)
    kw = dict(replications=2, seed=11)
    local = evaluate_points(pts, "no_nurture", executor="serial", **kw)
    dask = evaluate_points(pts, "no_nurture", executor="dask", workers=2, **kw)
    assert _bytes(local) == _bytes(dask)


def test_control_must_be_a_strategy(small):
    s, st = small
    with pytest.raises(ValueError, match="control 'nope'"):
        evaluate_points([WorldPoint.of(s, st)], "nope", executor="serial")
