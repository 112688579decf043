"""Replication spread, sweep (line and heatmap) and power curve figures."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from sim.report.power import power_curve_figure
from sim.report.run_folder import load_run
from sim.report.spread import replication_spread_figure
from sim.report.style import CONTROL_COLOR
from sim.report.sweep import sweep_figure


def test_spread_has_every_replication_of_every_arm(run_folder):
    reps = load_run(run_folder).replications
    fig = replication_spread_figure(reps, control="email_blast")
    assert [t.name for t in fig.data] == list(dict.fromkeys(reps.arm))
    for trace in fig.data:
        g = reps[reps.arm == trace.name].sort_values("replication")
        assert trace.orientation == "h"  # one row per arm, names horizontal
        assert list(trace.x) == pytest.approx(list(g.conversion_rate))
        assert list(trace.customdata) == list(g.replication)
        assert trace.boxpoints == "all" and trace.boxmean is True
    assert fig.data[0].marker.color == CONTROL_COLOR
    assert "4 replications" in fig.layout.title.text
    assert fig.layout.xaxis.tickformat == ".0%"


def test_spread_of_another_metric_uses_its_format(run_folder):
    reps = load_run(run_folder).replications
    fig = replication_spread_figure(reps, "cost_per_conversion_usd")
    assert list(fig.data[1].x) == pytest.approx(
        list(reps[reps.arm == fig.data[1].name].sort_values("replication").cost_per_conversion_usd)
    )
    assert fig.layout.xaxis.tickprefix == "$"
    with pytest.raises(ValueError, match="no_such_metric"):
        replication_spread_figure(reps, "no_such_metric")


def test_sweep_line_follows_the_swept_values_with_a_band(sweep_run_folder):
    s = load_run(sweep_run_folder).summary
    fig = sweep_figure(s, "conversion_rate")
    band, line = fig.data
    order = s.sort_values("sweep_value")
    assert list(line.x) == list(order.sweep_value) == [0.0, 1.0, 4.0, 24.0]
    assert list(line.y) == pytest.approx(list(order.conversion_rate))
    assert band.name.endswith(" CI") and band.fill == "toself"
    k = len(order)
    assert list(band.y[:k]) == pytest.approx(list(order.conversion_rate_ci_upper))
    assert list(band.y[k:]) == pytest.approx(list(order.conversion_rate_ci_lower)[::-1])
    assert fig.layout.xaxis.title.text == "sales.response_delay_hours"
    assert fig.layout.xaxis.type == "linear"  # 0 is among the values: no log axis


def test_sweep_over_orders_of_magnitude_gets_a_log_axis():
    data = [{"sweep_value": v, "conversion_rate": 0.2} for v in (0.083, 1, 9, 48)]
    assert sweep_figure(data).layout.xaxis.type == "log"
    assert sweep_figure(data, log_x=False).layout.xaxis.type == "linear"


def test_sweep_drops_rows_without_a_value_and_draws_groups():
    data = pd.DataFrame({
        "sweep_value": [2, 1, math.nan, 1, 2], "arm": ["a", "a", "c", "b", "b"],
        "abs_lift": [0.02, 0.01, math.nan, 0.03, 0.05],
    })  # fmt: skip
    fig = sweep_figure(data, "abs_lift", group="arm")
    assert [t.name for t in fig.data] == ["a", "b"]  # no CI columns: lines only
    assert list(fig.data[0].x) == [1, 2] and list(fig.data[0].y) == [0.01, 0.02]
    assert list(fig.data[1].y) == [0.03, 0.05]


def test_sweep_heatmap_for_two_parameters_averages_repeated_cells():
    data = pd.DataFrame({
        "agents": [1, 1, 2, 2, 1], "delay_hours": [0, 4, 0, 4, 0],
        "conversion_rate": [0.20, 0.16, 0.24, 0.19, 0.22],
    })  # fmt: skip
    fig = sweep_figure(data, x="delay_hours", y="agents")
    (heat,) = fig.data
    assert heat.type == "heatmap"
    assert list(heat.x) == ["0", "4"] and list(heat.y) == ["1", "2"]
    np.testing.assert_allclose(heat.z, [[0.21, 0.16], [0.24, 0.19]])
    assert heat.text[0][0] == "21.0%"


def test_power_curves_analytic_lines_and_simulated_points_with_intervals():
    data = pd.DataFrame({
        "months": [1, 2, 3, 1, 2, 3],
        "power": [0.35, 0.6, 0.78, 0.33, 0.62, 0.8],
        "power_ci_lower": [math.nan] * 3 + [0.28, 0.56, 0.75],
        "power_ci_upper": [math.nan] * 3 + [0.38, 0.68, 0.85],
        "method": ["analytic"] * 3 + ["simulated"] * 3,
    })  # fmt: skip
    fig = power_curve_figure(data)
    analytic, simulated = fig.data
    assert (analytic.name, analytic.mode) == ("analytic", "lines+markers")
    assert (simulated.name, simulated.mode) == ("simulated", "markers")
    assert list(analytic.x) == [1, 2, 3] and list(analytic.y) == [0.35, 0.6, 0.78]
    assert list(simulated.error_y.array) == pytest.approx([0.05, 0.06, 0.05])
    assert list(simulated.error_y.arrayminus) == pytest.approx([0.05, 0.06, 0.05])
    assert analytic.error_y.visible is False
    (target,) = fig.layout.shapes
    assert target.y0 == target.y1 == 0.8
    assert fig.layout.xaxis.title.text == "Months of leads"


def test_power_by_leads_per_arm_without_method():
    rows = [{"n_per_arm": 500, "power": 0.5}, {"n_per_arm": 100, "power": 0.2}]
    fig = power_curve_figure(rows, target=None)
    (trace,) = fig.data
    assert list(trace.x) == [100, 500] and list(trace.y) == [0.2, 0.5]
    assert not fig.layout.shapes
    assert fig.layout.xaxis.title.text == "Leads per arm"
    with pytest.raises(ValueError, match="months"):
        power_curve_figure([{"power": 0.5}])
