"""The funnel figure: shares of leads per stage, per arm, from curves.json."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from sim.report.funnel import STAGE_LABELS, STAGES, funnel_counts, funnel_figure
from sim.report.style import CONTROL_COLOR


def test_bars_are_the_shares_of_leads_reaching_each_stage(run_folder):
    curves = json.loads((run_folder / "curves.json").read_text())
    fig = funnel_figure(curves, control="email_blast")
    assert [t.name for t in fig.data] == list(curves["arms"])
    for trace in fig.data:
        funnel = curves["arms"][trace.name]["funnel"]
        assert list(trace.x) == [STAGE_LABELS[s] for s in STAGES]
        assert list(trace.customdata) == [funnel[s] for s in STAGES]
        assert list(trace.y) == pytest.approx([funnel[s] / funnel["leads"] for s in STAGES])
        assert trace.text[-1] == f"{funnel['patient'] / funnel['leads']:.1%}"
    assert fig.data[0].marker.color == CONTROL_COLOR
    assert fig.data[1].marker.color != CONTROL_COLOR
    assert fig.layout.barmode == "group"


def test_shares_fall_along_the_funnel(run_folder):
    # A lead that booked reached decision, so shares never rise from one stage to the next.
    fig = funnel_figure(json.loads((run_folder / "curves.json").read_text()))
    for trace in fig.data:
        assert all(a >= b for a, b in zip(trace.y, trace.y[1:], strict=False))


def test_accepts_arm_mapping_and_table():
    counts = {"leads": 50, "consideration": 30, "decision": 20, "booked": 10, "patient": 5}
    table = pd.DataFrame([{"arm": "x", **counts}])
    assert funnel_counts(table) == funnel_counts({"x": counts}) == {"x": counts}
    assert list(funnel_figure(table).data[0].y) == [1.0, 0.6, 0.4, 0.2, 0.1]


def test_missing_stage_is_reported():
    with pytest.raises(ValueError, match="booked"):
        funnel_counts({"x": {"leads": 5, "consideration": 3, "decision": 2, "patient": 1}})
