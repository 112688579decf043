"""The lift forest plot: absolute and relative lifts with intervals and p-values."""

from __future__ import annotations

import math

import pytest

from sim.report.lift import lift_forest_figure
from sim.report.run_folder import load_run
from sim.report.style import p_phrase, wrap_label


def test_each_treatment_arm_has_its_lifts_intervals_and_p_values(run_folder):
    summary = load_run(run_folder).summary
    fig = lift_forest_figure(summary)
    treated = summary[summary.arm != "email_blast"].set_index("arm")
    names = [t.name for t in fig.data]
    assert names == [a for a in treated.index for _ in (1, 2)]  # abs panel, rel panel per arm
    for trace in fig.data:
        r = treated.loc[trace.name]
        is_abs = trace.xaxis == "x"
        metric, scale = ("abs_lift", 100.0) if is_abs else ("rel_lift", 1.0)
        assert trace.x[0] == pytest.approx(r[metric] * scale)
        assert trace.error_x.array[0] == pytest.approx(
            (r[f"{metric}_ci_upper"] - r[metric]) * scale
        )
        assert trace.error_x.arrayminus[0] == pytest.approx(
            (r[metric] - r[f"{metric}_ci_lower"]) * scale
        )
        assert f"{p_phrase(r.p_value)}, adjusted {p_phrase(r.p_value_adjusted)}" in (
            trace.hovertemplate
        )
    # The estimate labels sit right of each interval, in pp and signed percent.
    labels = {(a.yref, a.y): a for a in fig.layout.annotations if a.y in set(treated.index)}
    for arm, r in treated.iterrows():
        left, right = labels[("y", arm)], labels[("y2", arm)]
        assert left.text == f"{100 * r.abs_lift:+.1f} pp"
        assert right.text == f"{r.rel_lift:+.1%}"
        assert left.x == pytest.approx(100 * r.abs_lift_ci_upper) and left.xanchor == "left"
    ticks = dict(zip(fig.layout.yaxis.tickvals, fig.layout.yaxis.ticktext, strict=True))
    assert list(ticks) == list(treated.index)
    for arm, r in treated.iterrows():
        assert ticks[arm] == f"<b>{wrap_label(arm)}</b><br>adj. {p_phrase(r.p_value_adjusted)}"
    assert "email_blast" in fig.layout.title.text


def test_control_and_arms_without_a_lift_are_left_out():
    rows = [
        {"arm": "c", "control": "c", "abs_lift": math.nan, "abs_lift_ci_lower": math.nan,
         "abs_lift_ci_upper": math.nan, "rel_lift": math.nan, "rel_lift_ci_lower": math.nan,
         "rel_lift_ci_upper": math.nan},
        {"arm": "empty", "control": "c", "abs_lift": math.nan, "abs_lift_ci_lower": math.nan,
         "abs_lift_ci_upper": math.nan, "rel_lift": math.nan, "rel_lift_ci_lower": math.nan,
         "rel_lift_ci_upper": math.nan},
        {"arm": "t", "control": "c", "abs_lift": -0.01, "abs_lift_ci_lower": math.nan,
         "abs_lift_ci_upper": math.nan, "rel_lift": -0.05, "rel_lift_ci_lower": math.nan,
         "rel_lift_ci_upper": math.nan, "p_value": math.nan, "p_value_adjusted": math.nan},
    ]  # fmt: skip
    fig = lift_forest_figure(rows)
    assert {t.name for t in fig.data} == {"t"}
    assert fig.data[0].x[0] == pytest.approx(-1.0)
    assert fig.data[0].error_x.visible is False  # no interval: no error bar
    assert "no CI" in fig.data[0].hovertemplate


def test_missing_lift_columns_are_named():
    with pytest.raises(ValueError, match="rel_lift"):
        lift_forest_figure([{"arm": "a", "abs_lift": 0.1, "abs_lift_ci_lower": 0.0,
                             "abs_lift_ci_upper": 0.2}])  # fmt: skip
