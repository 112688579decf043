"""Cost per patient (marketing and fully loaded) and its breakdown."""

from __future__ import annotations

import pytest

from sim.report.cost import COST_PARTS, cost_breakdown_figure, cost_per_patient_figure
from sim.report.run_folder import load_run
from sim.report.style import usd, usd_digits


def test_marketing_and_fully_loaded_costs_with_intervals(run_folder):
    s = load_run(run_folder).summary
    fig = cost_per_patient_figure(s)
    assert [t.name for t in fig.data] == ["Marketing (acquisition only)", "Fully loaded"]
    cols = [c for base in ("marketing_cost_per_conversion", "cost_per_conversion")
            for c in (f"{base}_usd", f"{base}_ci_lower", f"{base}_ci_upper")]  # fmt: skip
    digits = usd_digits(s[cols].to_numpy().ravel())  # one format for the whole figure
    for trace, col, ci in zip(
        fig.data,
        ("marketing_cost_per_conversion_usd", "cost_per_conversion_usd"),
        ("marketing_cost_per_conversion", "cost_per_conversion"),
        strict=True,
    ):
        assert trace.orientation == "h" and list(trace.y) == list(s.arm)
        assert list(trace.x) == pytest.approx(list(s[col]))
        assert list(trace.error_x.array) == pytest.approx(list(s[f"{ci}_ci_upper"] - s[col]))
        assert list(trace.error_x.arrayminus) == pytest.approx(list(s[col] - s[f"{ci}_ci_lower"]))
        assert list(trace.text) == [usd(v, digits) for v in s[col]]
    # Fully loaded adds email, sales and fixed costs to acquisition: never below marketing.
    assert all(f >= m for m, f in zip(fig.data[0].x, fig.data[1].x, strict=True))


def test_costs_without_intervals_draw_no_error_bars():
    fig = cost_per_patient_figure([{"arm": "a", "cost_per_conversion_usd": 99.5}])
    assert [t.name for t in fig.data] == ["Fully loaded"]
    assert fig.data[0].error_x.visible is False
    assert fig.data[0].text == ("$99.50",)


def test_breakdown_stacks_the_four_parts_and_labels_the_total(run_folder):
    s = load_run(run_folder).summary
    fig = cost_breakdown_figure(s)
    assert fig.layout.barmode == "stack"
    assert [t.name for t in fig.data] == [name for _, name, _ in COST_PARTS]
    for trace, (col, _, _) in zip(fig.data, COST_PARTS, strict=True):
        assert list(trace.x) == pytest.approx(list(s[col]))
    # The parts add up to the fully loaded cost per patient, labelled right of each bar.
    totals = [a.text for a in fig.layout.annotations]
    digits = usd_digits(s.cost_per_conversion_usd)
    assert totals == [usd(v, digits) for v in s.cost_per_conversion_usd]
    assert [a.y for a in fig.layout.annotations] == list(s.arm)
    assert [a.x for a in fig.layout.annotations] == pytest.approx(list(s.cost_per_conversion_usd))
    # Nothing clipped: the axis reaches past the longest bar, leaving room for its label.
    assert fig.layout.xaxis.range[1] >= 1.15 * s.cost_per_conversion_usd.max()


def test_breakdown_needs_its_columns():
    with pytest.raises(ValueError, match="cost_email_per_conversion_usd"):
        cost_breakdown_figure([{"arm": "a", "cost_acquisition_per_conversion_usd": 1.0}])
