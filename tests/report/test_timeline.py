"""Cumulative incidence by days since arrival: from curves.json, from per-lead tables."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from sim.analysis.incidence import CAUSES, incidence_from_curves, incidence_from_leads
from sim.report.timeline import CAUSE_TITLES, cumulative_incidence_figure


@pytest.fixture(scope="module")
def curves(run_folder):
    return json.loads((run_folder / "curves.json").read_text())


def test_from_curves_is_count_over_n_with_binomial_variance(curves):
    table = incidence_from_curves(curves)
    assert set(table.cause) == set(CAUSES)
    for (arm, cause), g in table.groupby(["arm", "cause"]):
        rec = curves["arms"][arm]
        n = rec["n"]
        assert g.time.tolist() == curves["days"]
        np.testing.assert_allclose(g.cif, np.array(rec[cause]) / n, atol=1e-12)
        # No censoring: the delta-method variance is the binomial one.
        np.testing.assert_allclose(g.se**2, g.cif * (1 - g.cif) / n, rtol=1e-9, atol=1e-15)
        assert (g.ci_lower <= g.cif + 1e-12).all() and (g.cif <= g.ci_upper + 1e-12).all()


def test_from_leads_equals_from_curves_when_nobody_is_censored(fixture_runs, tmp_path):
    # The fixture's curves count events by ceil(day), i.e. event time <= day: the per-lead
    # estimate read on the same days must agree exactly (lost and patient as competing risks,
    # unsubscribing before booking or being lost).
    folder = fixture_runs.write(tmp_path, fixture_runs.RunSpec(keep_leads=True))
    leads = pd.read_parquet(folder / "leads.parquet")
    curves = json.loads((folder / "curves.json").read_text())
    a = incidence_from_leads(leads, times=curves["days"]).set_index(["arm", "cause", "time"])
    b = incidence_from_curves(curves).set_index(["arm", "cause", "time"])
    a, b = a.sort_index(), b.sort_index()
    assert a.index.equals(b.index)
    np.testing.assert_allclose(a.cif, b.cif, atol=1e-12)
    np.testing.assert_allclose(a.se, b.se, rtol=1e-9, atol=1e-15)


def test_from_leads_with_censoring_recovers_known_competing_risks():
    # Constant hazards: patient 0.01/day, lost 0.02/day; follow-up uniform on (0, 120) days.
    # Truth: F_patient(t) = 1/3 (1 - exp(-0.03 t)). Tolerance: 4 estimated standard errors.
    rng = np.random.default_rng(2024)
    n = 4000
    t_patient = rng.exponential(100.0, n)
    t_lost = rng.exponential(50.0, n)
    leads = pd.DataFrame({
        "days_to_convert": np.where(t_patient < t_lost, t_patient, np.nan),
        "days_to_lost": np.where(t_lost <= t_patient, t_lost, np.nan),
        "days_to_unsubscribe": np.nan,
        "followup": rng.uniform(0, 120, n),
    })  # fmt: skip
    table = incidence_from_leads(leads, followup="followup", times=[30, 60, 90])
    for cause, share in (("patient", 1 / 3), ("lost", 2 / 3)):
        g = table[table.cause == cause]
        truth = share * (1 - np.exp(-0.03 * g.time.to_numpy()))
        assert np.all(np.abs(g.cif.to_numpy() - truth) < 4 * g.se.to_numpy())
    # Ignoring censoring (count / n) would be far too low by day 90.
    naive = np.mean(leads.days_to_convert <= np.minimum(90, leads.followup))
    assert naive < 1 / 3 * (1 - np.exp(-2.7)) - 0.05


def test_followup_as_number_censors_everything_after_it(fixture_runs):
    leads = fixture_runs.simulate_leads(fixture_runs.RunSpec())
    full = incidence_from_leads(leads, times=[10, 30, 60])
    cut = incidence_from_leads(leads, followup=30, times=[10, 30, 60])
    key = ["arm", "cause", "time"]
    merged = full.merge(cut, on=key, suffixes=("_full", "_cut"))
    early = merged[merged.time <= 30]
    np.testing.assert_allclose(early.cif_full, early.cif_cut, atol=1e-12)
    late = merged[merged.time == 60].set_index(["arm", "cause"]).cif_cut
    at30 = merged[merged.time == 30].set_index(["arm", "cause"]).cif_cut
    np.testing.assert_allclose(late, at30)  # nothing seen after day 30


def test_figure_has_a_panel_per_outcome_and_a_line_and_band_per_arm(curves):
    fig = cumulative_incidence_figure(curves, control="email_blast")
    titles = [a.text for a in fig.layout.annotations]
    assert titles == [CAUSE_TITLES[c] for c in CAUSES]
    arms = list(curves["arms"])
    lines = [t for t in fig.data if t.name in arms]
    bands = [t for t in fig.data if t.name.endswith(" CI")]
    assert len(lines) == len(bands) == len(arms) * len(CAUSES)
    for axis, cause in zip(("x", "x2", "x3"), CAUSES, strict=True):
        for arm in arms:
            (line,) = [t for t in lines if t.name == arm and t.xaxis == axis]
            rec = curves["arms"][arm]
            assert list(line.x) == curves["days"]
            np.testing.assert_allclose(line.y, np.array(rec[cause]) / rec["n"])
            assert line.line.shape == "hv"
            assert line.showlegend is (axis == "x")  # one legend entry per arm
    # The band encloses the line.
    band = next(t for t in bands if t.name == f"{arms[1]} CI" and t.xaxis == "x")
    line = next(t for t in lines if t.name == arms[1] and t.xaxis == "x")
    k = len(line.y)
    assert np.all(np.asarray(band.y[:k]) >= np.asarray(line.y) - 1e-12)
    assert np.all(np.asarray(band.y[k:])[::-1] <= np.asarray(line.y) + 1e-12)


def test_figure_accepts_a_tidy_table_and_starts_at_day_zero():
    table = pd.DataFrame({"arm": ["a", "a"], "cause": ["patient", "patient"], "time": [3, 7],
                          "cif": [0.1, 0.25]})  # fmt: skip
    fig = cumulative_incidence_figure(table)
    assert len(fig.data) == 1  # no interval columns, no band
    assert list(fig.data[0].x) == [0.0, 3.0, 7.0]
    assert list(fig.data[0].y) == [0.0, 0.1, 0.25]


def test_figure_accepts_per_lead_records():
    leads = pd.DataFrame({"arm": ["a"] * 4, "days_to_convert": [1.0, np.nan, 2.0, np.nan],
                          "days_to_lost": [np.nan, 1.5, np.nan, np.nan],
                          "days_to_unsubscribe": [np.nan] * 4})  # fmt: skip
    fig = cumulative_incidence_figure(leads)
    patient = next(t for t in fig.data if t.name == "a" and t.xaxis == "x")
    assert list(patient.y) == [0.0, 0.25, 0.5]


def test_bad_inputs_are_refused():
    with pytest.raises(TypeError):
        cumulative_incidence_figure([1, 2, 3])
    with pytest.raises(ValueError, match="days_to_lost"):
        incidence_from_leads(pd.DataFrame({"days_to_convert": [1.0]}))
    with pytest.raises(ValueError, match="non-decreasing"):
        incidence_from_curves({"days": [0, 1], "arms": {"a": {"n": 5, "patient": [2, 1]}}})
    with pytest.raises(ValueError, match="followup"):
        one = pd.DataFrame({"days_to_convert": [1.0], "days_to_lost": [np.nan],
                            "days_to_unsubscribe": [np.nan]})  # fmt: skip
        incidence_from_leads(one, followup=[-1.0])
