"""Cost per patient (marketing and fully loaded) and its breakdown."""

from __future__ import annotations

import pytest

from sim.report.cost import COST_PARTS, cost_breakdown_figure, cost_per_patient_figure
from sim.report.run_folder import load_run
from sim.report.style import usd


def test_marketing_and_fully_loaded_costs_with_intervals(run_folder):
    s = load_run(run_folder).summary
    fig = cost_per_patient_figure(s)
    assert [t.name for t in fig.data] == ["Marketing (acquisition only)", "Fully loaded"]
    for trace, col, ci in zip(
        fig.data,
        ("marketing_cost_per_conversion_usd", "cost_per_conversion_usd"),
        ("marketing_cost_per_conversion", "cost_per_conversion"),
        strict=True,
    ):
        assert list(trace.x) == list(s.arm)
        assert list(trace.y) == pytest.approx(list(s[col]))
        assert list(trace.error_y.array) == pytest.approx(list(s[f"{ci}_ci_upper"] - s[col]))
        assert list(trace.error_y.arrayminus) == pytest.approx(list(s[col] - s[f"{ci}_ci_lower"]))
        assert list(trace.text) == [usd(v) for v in s[col]]
    # Fully loaded adds email, sales and fixed costs to acquisition: never below marketing.
    assert all(f >= m for m, f in zip(fig.data[0].y, fig.data[1].y, strict=True))


def test_costs_without_intervals_draw_no_error_bars():
    fig = cost_per_patient_figure([{"arm": "a", "cost_per_conversion_usd": 99.5}])
    assert [t.name for t in fig.data] == ["Fully loaded"]
    assert fig.data[0].error_y.visible is False
    assert fig.data[0].text == ("$99.50",)


def test_breakdown_stacks_the_four_parts_and_labels_the_total(run_folder):
    s = load_run(run_folder).summary
    fig = cost_breakdown_figure(s)
    assert fig.layout.barmode == "stack"
    assert [t.name for t in fig.data] == [name for _, name, _ in COST_PARTS]
    for trace, (col, _, _) in zip(fig.data, COST_PARTS, strict=True):
        assert list(trace.y) == pytest.approx(list(s[col]))
    # The parts add up to the fully loaded cost per patient.
    totals = [a.text for a in fig.layout.annotations]
    assert totals == [usd(v) for v in s.cost_per_conversion_usd]
    assert [a.x for a in fig.layout.annotations] == list(s.arm)


def test_breakdown_needs_its_columns():
    with pytest.raises(ValueError, match="cost_email_per_conversion_usd"):
        cost_breakdown_figure([{"arm": "a", "cost_acquisition_per_conversion_usd": 1.0}])
